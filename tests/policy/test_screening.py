"""Screening records: append-only history, replay, sign-off fingerprints, exports, errors."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from healthgap.errors import InputError
from healthgap.policy.questions import QUESTIONS, question
from healthgap.policy.report import export_screening
from healthgap.policy.screening import ScreeningRepository, answers_fingerprint

ANSWERS = {
    "summary": "Employment support for residents out of work.",
    "reach": "About 4,000 residents a year in the most deprived neighbourhoods.",
    "data_used": "Male HLE by IMD decile; employment rate by LSOA.",
    "deprivation": "more deprived areas gain more",
    "plus_groups": ["unpaid carers", "people with severe mental illness"],
    "protected_characteristics": "Disabled people may face barriers; outreach planned.",
    "determinants": ["work and employment", "income and debt"],
    "evidence": "Evaluations of supported employment; moderate strength.",
    "risks": "Could favour people closest to work (creaming).",
    "mitigations": "Ring-fence places for people out of work for over a year.",
    "monitoring": "Quarterly outcomes by IMD decile, reviewed by the board.",
    "decision": "proceed with the changes recorded",
    "rationale": "Narrows the SII in simulation; mitigations address creaming.",
    "review_date": "2027-06-30",
}


class Clock:
    def __init__(self) -> None:
        self.t = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.t += timedelta(minutes=1)
        return self.t


@pytest.fixture
def repo(tmp_path: Path) -> ScreeningRepository:
    r = ScreeningRepository(tmp_path / "screen.db", now=Clock())
    yield r  # type: ignore[misc]
    r.close()


def fill(repo: ScreeningRepository, sid: int) -> None:
    for qid, value in ANSWERS.items():
        repo.answer(sid, qid, value, by="A. Analyst")


def test_every_required_question_is_covered_by_the_example() -> None:
    assert {q.id for q in QUESTIONS if q.required} <= set(ANSWERS)
    assert {q.stage for q in QUESTIONS} == {"prepare", "assess", "refine", "review"}


def test_full_history_is_kept_and_replayed(repo: ScreeningRepository) -> None:
    sid = repo.create("Employment support", authority="E47000001", by="A. Analyst")
    repo.answer(sid, "deprivation", "not known yet", by="A. Analyst")
    repo.answer(sid, "deprivation", "more deprived areas gain more", by="B. Lead")
    rec = repo.get(sid)
    assert rec.answers["deprivation"] == "more deprived areas gain more"
    assert rec.answered_by["deprivation"][0] == "B. Lead"
    kinds = [(e.seq, e.kind, e.question_id) for e in rec.history]
    assert kinds == [
        (1, "created", None),
        (2, "answered", "deprivation"),
        (3, "answered", "deprivation"),
    ]
    assert rec.history[1].payload == {"value": "not known yet"}
    assert rec.history[0].at < rec.history[1].at < rec.history[2].at
    assert rec.status == "in progress"


def test_storage_is_append_only(repo: ScreeningRepository, tmp_path: Path) -> None:
    sid = repo.create("Employment support", authority="E47000001", by="A. Analyst")
    with pytest.raises(Exception, match="append-only"), repo.engine.begin() as conn:
        conn.execute(text("UPDATE policy_screening_event SET actor = 'X'"))
    with pytest.raises(Exception, match="append-only"), repo.engine.begin() as conn:
        conn.execute(text("DELETE FROM policy_screening_event"))
    with pytest.raises(Exception, match="append-only"), repo.engine.begin() as conn:
        conn.execute(text("UPDATE policy_screening SET title = 'Other'"))
    # also for any other client of the file
    con = sqlite3.connect(tmp_path / "screen.db")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("DELETE FROM policy_screening")
    con.close()
    assert len(repo.get(sid).history) == 1


def test_records_persist_across_repositories(tmp_path: Path) -> None:
    first = ScreeningRepository(tmp_path / "s.db")
    sid = first.create("Bus fares", authority="E47000001", by="A")
    first.answer(sid, "summary", "Cap fares at two pounds.", by="A")
    first.close()
    second = ScreeningRepository(tmp_path / "s.db")
    assert second.get(sid).answers == {"summary": "Cap fares at two pounds."}
    assert second.ids() == [(sid, "Bus fares")]
    second.close()


def test_sign_off_fingerprint_and_changes_after(repo: ScreeningRepository) -> None:
    sid = repo.create("Employment support", authority="E47000001", by="A. Analyst")
    fill(repo, sid)
    assert repo.get(sid).status == "ready for sign-off"
    fp = repo.sign_off(sid, by="C. Director", role="Director of Public Health", statement="Agreed.")
    rec = repo.get(sid)
    assert fp == answers_fingerprint(ANSWERS) == rec.fingerprint
    assert rec.status == "signed off"
    assert rec.signoffs[0].payload == {
        "role": "Director of Public Health",
        "statement": "Agreed.",
        "fingerprint": fp,
    }
    repo.answer(sid, "monitoring", "Monthly, by IMD decile.", by="A. Analyst")
    assert repo.get(sid).status == "changed since sign-off"
    repo.sign_off(sid, by="C. Director", role="Director of Public Health")
    rec = repo.get(sid)
    assert rec.status == "signed off" and len(rec.signoffs) == 2


def test_fingerprint_is_canonical_sha256() -> None:
    import hashlib

    expected = hashlib.sha256('{"a":["x","y"],"b":"t\u00e9"}'.encode()).hexdigest()
    assert answers_fingerprint({"b": "té", "a": ["x", "y"]}) == expected


def test_exports_show_regard_was_had(repo: ScreeningRepository) -> None:
    sid = repo.create("Employment support <pilot>", authority="E47000001", by="A. Analyst")
    fill(repo, sid)
    repo.sign_off(sid, by="C. Director", role="DPH")
    rec = repo.get(sid)
    md = export_screening(rec, "md")
    assert "# Health equity screening: Employment support <pilot>" in md
    assert "unpaid carers; people with severe mental illness" in md
    assert "Signed off by C. Director (DPH)" in md and "(current answers)" in md
    assert md.count("| answered ") == len(ANSWERS)  # one history row per answer
    html = export_screening(rec, "html")
    assert html.count("<h1>") == 1 and "&lt;pilot&gt;" in html and "<script" not in html
    assert "<caption>" in html
    data = json.loads(export_screening(rec, "json"))
    assert data["status"] == "signed off"
    assert data["answers"]["assess"]["deprivation"] == "more deprived areas gain more"
    assert len(data["history"]) == 1 + len(ANSWERS) + 1
    assert data["history"][-1]["kind"] == "signed_off" and data["history"][-1]["role"] == "DPH"


@pytest.mark.parametrize(
    ("action", "match"),
    [
        (lambda r, s: r.create("", authority="E47000001", by="A"), "title must be non-empty text"),
        (lambda r, s: r.create("T", authority="E47000001", by=" "), "by must be a person's name"),
        (lambda r, s: r.answer(s, "colour", "red", by="A"), "question must be one of summary"),
        (lambda r, s: r.answer(s, "deprivation", "lots", by="A"), "must be one of: more deprived"),
        (lambda r, s: r.answer(s, "plus_groups", ["aliens"], by="A"), "must be one or more of"),
        (lambda r, s: r.answer(s, "plus_groups", 3, by="A"), "must be one or more of"),
        (lambda r, s: r.answer(s, "summary", "  ", by="A"), "must be non-empty text"),
        (
            lambda r, s: r.answer(999, "summary", "x", by="A"),
            "screening id must be an existing record",
        ),
        (
            lambda r, s: r.sign_off(s, by="Z", role="DPH"),
            "every required question must be answered",
        ),
        (lambda r, s: r.sign_off(s, by="Z", role=""), "role must be the signer's role"),
        (lambda r, s: export_screening(r.get(s), "pdf"), "format must be one of md, html, json"),
    ],
)
def test_errors(repo: ScreeningRepository, action, match) -> None:  # type: ignore[no-untyped-def]
    sid = repo.create("T", authority="E47000001", by="A")
    with pytest.raises(InputError, match=match):
        action(repo, sid)


def test_missing_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="screening database folder must exist"):
        ScreeningRepository(tmp_path / "nope" / "s.db")


def test_question_lookup() -> None:
    assert question("evidence").stage == "assess"


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

TEXT_QUESTIONS = ["summary", "reach", "evidence", "risks"]


@settings(max_examples=15, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(TEXT_QUESTIONS),
            st.text(min_size=1, max_size=20).filter(str.strip),
            st.sampled_from(["Ann", "Bob"]),
        ),
        max_size=12,
    )
)
def test_replay_is_the_last_answer_per_question(steps) -> None:  # type: ignore[no-untyped-def]
    repo = ScreeningRepository(":memory:")
    sid = repo.create("P", authority="E47000001", by="Ann")
    expected: dict[str, str] = {}
    for qid, value, who in steps:
        repo.answer(sid, qid, value, by=who)
        expected[qid] = value.strip()
    rec = repo.get(sid)
    assert rec.answers == expected
    assert len(rec.history) == 1 + len(steps)
    assert [e.seq for e in rec.history] == list(range(1, len(steps) + 2))
    repo.close()


def test_sign_off_by_an_author_is_refused_unless_allowed(
    repo: ScreeningRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    from healthgap.appdb.permissions import NotPermittedError

    sid = repo.create("Employment support", authority="E47000001", by="A. Analyst")
    fill(repo, sid)
    with pytest.raises(NotPermittedError, match="signed off by someone who did not write"):
        repo.sign_off(sid, by="a. analyst", role="DPH")
    assert repo.get(sid).status == "ready for sign-off"
    monkeypatch.setenv("HEALTHGAP_SEPARATE_SIGN_OFF", "0")  # a deployment's choice
    repo.sign_off(sid, by="A. Analyst", role="DPH")
    assert repo.get(sid).status == "signed off"


def test_sign_off_of_answers_changed_since_read_is_refused(repo: ScreeningRepository) -> None:
    from healthgap.appdb.versions import StaleVersionError

    sid = repo.create("Employment support", authority="E47000001", by="A. Analyst")
    fill(repo, sid)
    seen = repo.get(sid).fingerprint
    repo.answer(sid, "monitoring", "Changed after the approver read it.", by="A. Analyst")
    with pytest.raises(StaleVersionError, match="changed by someone else since you read them"):
        repo.sign_off(sid, by="C. Director", role="DPH", expected_fingerprint=seen)
    assert repo.get(sid).signoffs == ()
