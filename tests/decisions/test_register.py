"""The decisions register: recording, linking screenings of the same authority, the
responses to recommendations, coverage by directorate and year, the open-data table,
versions and permissions, and bad input (nothing stored)."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from healthgap.appdb.models import AuditEntry
from healthgap.appdb.permissions import NotPermittedError
from healthgap.appdb.versions import StaleVersionError
from healthgap.decisions import register
from healthgap.decisions.models import Decision
from healthgap.errors import InputError
from tests.decisions.conftest import ADMIN, EDITOR, GM, OTHER, SY, VIEWER, decision, make_screening

TODAY = dt.date(2026, 12, 1)


def _count(engine: Engine) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(Decision)) or 0)


def test_record_a_decision_and_its_audit_entry(engine: Engine) -> None:
    d = register.add(engine, EDITOR, GM, decision())
    assert d["id"] >= 1 and d["version"] == 1
    assert d["budget"] == 2_500_000.0 and d["key_decision"] is True
    assert d["documents"] == [
        {"title": "Cabinet report", "url": "https://example.org/cabinet/fares.pdf"}
    ]
    with Session(engine) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.entity == "decision")).one()
        assert (entry.action, entry.user_email, entry.after["title"]) == (
            "create",
            EDITOR.name,
            "Fares cap on buses",
        )


@pytest.mark.parametrize(
    ("over", "field", "match"),
    [
        ({"title": ""}, "title", "title must not be empty"),
        ({"title": "x" * 301}, "title", "title must be at most 300 characters; got 301"),
        ({"title": "Fares\x00cap"}, "title", "must not contain control characters"),
        ({"decided_on": "01/05/2026"}, "decided_on", "must be a date written YYYY-MM-DD"),
        ({"budget": "a lot"}, "budget", "budget must be an amount in pounds"),
        ({"budget": "-5"}, "budget", "budget must be between 0 and"),
        ({"documents": "Report | ftp://x"}, "documents", "must be a web address"),
        ({"summary": "s" * 5001}, "summary", "at most 5,000 characters"),
        ({"decision_maker": "A\x1bB"}, "decision_maker", "control characters"),
    ],
)
def test_bad_fields_are_named_and_nothing_is_stored(
    engine: Engine, over: dict[str, object], field: str, match: str
) -> None:
    with pytest.raises(InputError, match=match) as info:
        register.add(engine, EDITOR, GM, decision(**over))
    assert getattr(info.value, "field", None) == field
    assert _count(engine) == 0


def test_permissions(engine: Engine) -> None:
    with pytest.raises(NotPermittedError, match="decisions of authority E47000001 must be"):
        register.add(engine, OTHER, GM, decision())
    with pytest.raises(NotPermittedError):
        register.add(engine, VIEWER, GM, decision())
    d = register.add(engine, ADMIN, GM, decision())
    with pytest.raises(NotPermittedError):
        register.update(engine, OTHER, d["id"], 1, decision(title="Changed"))
    assert register.get(engine, d["id"]).title == "Fares cap on buses"


def test_link_only_the_same_authoritys_screening(engine: Engine) -> None:
    make = make_screening(engine)
    ours, theirs = make(GM), make(SY)
    d = register.add(engine, EDITOR, GM, decision())
    with pytest.raises(InputError, match=f"got screening {theirs} of {SY}") as info:
        register.link_screening(engine, EDITOR, d["id"], 1, theirs)
    assert info.value.field == "screening_id"  # type: ignore[attr-defined]
    with pytest.raises(InputError, match="must be the id of a recorded screening; got 999"):
        register.link_screening(engine, EDITOR, d["id"], 1, 999)
    assert register.get(engine, d["id"]).screenings == []  # nothing stored
    linked = register.link_screening(engine, EDITOR, d["id"], 1, ours)
    assert (linked["screenings"], linked["version"]) == ([ours], 2)
    with pytest.raises(StaleVersionError, match="based on version 1, but it is now version 2"):
        register.link_screening(engine, EDITOR, d["id"], 1, ours)


def test_recommendations_and_responses(engine: Engine) -> None:
    sid = make_screening(engine)(GM)
    d = register.add(engine, EDITOR, GM, decision())
    with pytest.raises(InputError, match="must be linked to decision"):
        register.record_regard(engine, EDITOR, d["id"], 1, sid, [])
    register.link_screening(engine, EDITOR, d["id"], 1, sid)
    items = [
        {"recommendation": "Free travel for under-18s", "response": "accepted"},
        {"recommendation": "Cap weekly fares", "response": "rejected"},
    ]
    with pytest.raises(InputError, match="reason for recommendation 2 must be given"):
        register.record_regard(engine, EDITOR, d["id"], 2, sid, items)
    with pytest.raises(InputError, match="must be one of: accepted; modified; rejected; pending"):
        register.record_regard(
            engine, EDITOR, d["id"], 2, sid, [{"recommendation": "x", "response": "ok"}]
        )
    items[1]["reason"] = "The operator contract already caps fares."
    out = register.record_regard(engine, EDITOR, d["id"], 2, sid, items)
    assert [r["response"] for r in out["recommendations"]] == ["accepted", "rejected"]
    v = register.view(engine, register.get(engine, d["id"]), TODAY)
    assert v.responses == {"accepted": 1, "modified": 0, "rejected": 1, "pending": 0}


def test_coverage_by_directorate_and_year(engine: Engine) -> None:
    """Five key decisions by hand: the expected shares are counted from the set-up below."""
    make = make_screening(engine)
    early = make(GM, dt.date(2026, 4, 20))  # signed off before the decisions below
    late = make(GM, dt.date(2026, 6, 1))  # after the 1 May decision
    unsigned = make(GM, None)
    widening = make(GM, dt.date(2025, 1, 10), "less deprived areas gain more")
    rows = [
        ("Transport", "2026-05-01", [early]),  # before
        ("Transport", "2026-05-01", [late]),  # late
        ("Transport", "2026-05-02", []),  # not screened
        ("Housing", "2026-07-01", [unsigned]),  # late (never signed off)
        ("Housing", "2025-02-01", [widening]),  # before, predicts widening
        ("Housing", "2027-01-05", []),  # upcoming (after TODAY): left out
    ]
    for directorate, day, links in rows:
        d = register.add(engine, EDITOR, GM, decision(directorate=directorate, decided_on=day))
        for n, sid in enumerate(links, 1):
            register.link_screening(engine, EDITOR, d["id"], n, sid)
    register.add(engine, EDITOR, GM, decision(key_decision=False, decided_on="2026-05-01"))
    cov = register.coverage(engine, GM, TODAY)
    t = cov.table.set_index(["year", "directorate"])
    assert t.loc[
        (2026, "Transport"), ["key_decisions", "screened_before", "screened_late", "not_screened"]
    ].tolist() == [3, 1, 1, 1]
    assert t.loc[(2026, "Transport"), "share_screened_before"] == pytest.approx(33.3)
    assert t.loc[(2026, "Housing"), "screened_late"] == 1
    assert t.loc[(2026, "All directorates"), ["key_decisions", "screened_before"]].tolist() == [
        4,
        1,
    ]
    assert t.loc[(2026, "All directorates"), "share_screened_before"] == 25.0
    assert t.loc[(2025, "Housing"), "share_screened_before"] == 100.0
    assert cov.upcoming == 1
    assert [v.record["decided_on"] for v in cov.widening] == ["2025-02-01"]
    # the open-data table carries the same status and prediction
    table = register.export_table(register.views(engine, GM, TODAY))
    assert set(table["screening_status"]) == {
        "screened before",
        "screened late",
        "not screened",
        "upcoming",
    }
    assert (table["predicted_effect"] == "widening").sum() == 1
    assert list(table.columns) == register.COLUMNS


def test_targets_and_actions_of_another_authority_are_refused(engine: Engine) -> None:
    from healthgap.appdb.models import Target, ensure_authority

    with Session(engine) as s:
        ensure_authority(s, SY)
        s.add(
            Target(
                authority_code=SY,
                indicator_id="hle_male",
                baseline_period="2021-2023",
                baseline_value=60.0,
                target_year=2030,
                target_value=62.0,
            )
        )
        s.commit()
    with pytest.raises(InputError, match=f"targets must be targets of {GM}; got target 1 of {SY}"):
        register.add(engine, EDITOR, GM, decision(targets=[1]))
    with pytest.raises(InputError, match="actions must be ids of E47000001's actions"):
        register.add(engine, EDITOR, GM, decision(actions="E47000001-action-9"))
    assert _count(engine) == 0


def test_parallel_updates_with_one_version(any_engine: Engine) -> None:
    """Eight threads update the same decision from version 1: one wins, the others are
    refused as stale; the stored title is the winner's."""
    d = register.add(any_engine, EDITOR, GM, decision())

    def change(n: int) -> str:
        try:
            register.update(any_engine, EDITOR, d["id"], 1, decision(title=f"Title {n}"))
            return f"Title {n}"
        except StaleVersionError:
            return "stale"

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(change, range(8)))
    won = [r for r in results if r != "stale"]
    assert len(won) == 1 and results.count("stale") == 7
    stored = register.get(any_engine, d["id"])
    assert (stored.title, stored.version) == (won[0], 2)


def test_parallel_creates_are_all_kept(any_engine: Engine) -> None:
    with ThreadPoolExecutor(8) as pool:
        ids = list(
            pool.map(
                lambda n: register.add(any_engine, EDITOR, GM, decision(title=f"D{n}"))["id"],
                range(16),
            )
        )
    assert len(set(ids)) == 16 and _count(any_engine) == 16
