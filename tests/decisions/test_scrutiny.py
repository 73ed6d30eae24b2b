"""Scrutiny on the record: public questions are throttled and moderated before they are
published, committee questions are public at once, answers go to open questions only,
overdue items and their reminders, and nothing personal in what is public."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from healthgap.appdb.permissions import NotPermittedError
from healthgap.appdb.versions import StaleVersionError
from healthgap.decisions import register, scrutiny
from healthgap.decisions.models import Question, Reminder
from healthgap.errors import InputError
from tests.decisions.conftest import ADMIN, EDITOR, GM, OTHER, SY, decision

DAY = dt.date(2026, 9, 1)
NOW = dt.datetime(2026, 9, 1, 10, tzinfo=dt.UTC)


def _questions(engine: Engine) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(Question)) or 0)


def _ask(engine: Engine, client: str = "c1", now: dt.datetime = NOW, **over: str) -> dict:
    fields = {
        "subject_kind": "indicator",
        "subject_ref": "hle_male",
        "question": "Why is the gap wider this year?",
        **over,
    }
    return scrutiny.ask_public(engine, GM, fields, client_key=client, today=DAY, now=now)


def test_public_question_moderated_answered_and_public(engine: Engine) -> None:
    q = _ask(engine)
    assert q["status"] == "awaiting moderation" and q["asked_by"] == "member of the public"
    assert scrutiny.public(engine, GM, today=DAY) == []  # not public before moderation
    assert [x.id for x in scrutiny.queue(engine, EDITOR)] == [q["id"]]
    assert scrutiny.queue(engine, OTHER) == []  # another authority's editor sees none
    with pytest.raises(NotPermittedError):
        scrutiny.moderate(engine, OTHER, q["id"], 1, {"outcome": "publish"}, DAY)
    out = scrutiny.moderate(engine, EDITOR, q["id"], 1, {"outcome": "publish"}, DAY)
    assert (out["status"], out["due_on"]) == ("open", "2026-09-29")  # 28 days
    with pytest.raises(InputError, match="only questions awaiting moderation"):
        scrutiny.moderate(engine, EDITOR, q["id"], 2, {"outcome": "refuse", "note": "x"}, DAY)
    ans = scrutiny.answer(
        engine, EDITOR, q["id"], 2, {"answer": "Because ...", "answered_on": "2026-09-10"}, DAY
    )
    assert (ans["status"], ans["answered_on"]) == ("answered", "2026-09-10")
    shown = scrutiny.public(engine, GM, subject=("indicator", "hle_male"), today=DAY)
    assert [x["answer"] for x in shown] == ["Because ..."]
    assert not {"recorded_by", "client_key", "moderation_note"} & set(shown[0])


def test_answers_past_a_closed_item_are_refused(engine: Engine) -> None:
    q = _ask(engine)
    scrutiny.moderate(
        engine, EDITOR, q["id"], 1, {"outcome": "refuse", "note": "Names a member of staff."}, DAY
    )
    with pytest.raises(InputError, match="is not published, so it is closed"):
        scrutiny.answer(engine, EDITOR, q["id"], 2, {"answer": "x"}, DAY)
    c = scrutiny.record_committee(
        engine,
        EDITOR,
        GM,
        {
            "asked_by": "health and wellbeing board",
            "subject_kind": "annual report",
            "subject_ref": "2025",
            "question": "Q?",
        },
        DAY,
    )
    scrutiny.answer(engine, EDITOR, c["id"], 1, {"answer": "A."}, DAY)
    with pytest.raises(InputError, match=r"is answered, so it is closed\. Nothing was changed"):
        scrutiny.answer(engine, EDITOR, c["id"], 2, {"answer": "Another."}, DAY)
    assert scrutiny.get(engine, c["id"]).answer == "A."


@pytest.mark.parametrize(
    ("over", "match"),
    [
        ({"subject_kind": ""}, "a question must have a subject"),
        ({"subject_ref": ""}, "a question must have a subject .* indicator without its id"),
        ({"subject_kind": "mayor"}, "the subject must be one of: target; indicator"),
        ({"question": ""}, "the question must not be empty"),
        ({"question": "q" * 2001}, "at most 2,000 characters"),
        ({"question": "why\x07"}, "control characters"),
        ({"subject_kind": "target", "subject_ref": "5"}, "must be a recorded target; got id 5"),
        ({"subject_ref": "hle male"}, "the indicator id must be letters"),
    ],
)
def test_bad_questions_store_nothing(engine: Engine, over: dict[str, str], match: str) -> None:
    with pytest.raises(InputError, match=match):
        _ask(engine, **over)
    assert _questions(engine) == 0


def test_question_about_another_authoritys_decision(engine: Engine) -> None:
    d = register.add(engine, OTHER, SY, decision())
    with pytest.raises(InputError, match=f"the decision must be one of {GM}'s"):
        _ask(engine, subject_kind="decision", subject_ref=str(d["id"]))


def test_throttle_per_client(engine: Engine) -> None:
    for _ in range(scrutiny.PUBLIC_PER_WINDOW):
        _ask(engine, "c1")
    with pytest.raises(scrutiny.TooManyQuestions, match="at most 3 in 60 minutes"):
        _ask(engine, "c1")
    _ask(engine, "c2")  # another client is not held back
    _ask(engine, "c1", now=NOW + dt.timedelta(hours=1, minutes=1))  # a new window
    assert _questions(engine) == scrutiny.PUBLIC_PER_WINDOW + 2


def test_parallel_public_questions_from_one_client(any_engine: Engine) -> None:
    """Ten at once from one client: exactly the window's allowance is stored."""

    def ask(_: int) -> str:
        try:
            _ask(any_engine, "same")
            return "ok"
        except scrutiny.TooManyQuestions:
            return "throttled"

    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(ask, range(10)))
    assert results.count("ok") == scrutiny.PUBLIC_PER_WINDOW
    assert _questions(any_engine) == scrutiny.PUBLIC_PER_WINDOW


def test_parallel_answers_one_wins(any_engine: Engine) -> None:
    c = scrutiny.record_committee(
        any_engine,
        ADMIN,
        GM,
        {
            "asked_by": "integrated care partnership",
            "subject_kind": "indicator",
            "subject_ref": "hle_male",
            "question": "Q?",
        },
        DAY,
    )

    def reply(n: int) -> str:
        try:
            scrutiny.answer(any_engine, ADMIN, c["id"], 1, {"answer": f"A{n}"}, DAY)
            return "ok"
        except (StaleVersionError, InputError):
            return "refused"

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(reply, range(6)))
    assert results.count("ok") == 1
    assert scrutiny.get(any_engine, c["id"]).version == 2


def test_overdue_and_reminders(engine: Engine) -> None:
    c = scrutiny.record_committee(
        engine,
        EDITOR,
        GM,
        {
            "asked_by": "overview and scrutiny committee",
            "subject_kind": "indicator",
            "subject_ref": "hle_male",
            "question": "Q?",
            "asked_on": "2026-08-01",
            "due_on": "2026-08-20",
        },
        DAY,
    )
    late = scrutiny.overdue(engine, DAY)
    assert [(x["id"], x["days_overdue"]) for x in late] == [(c["id"], 12)]  # 20 Aug -> 1 Sep
    first = scrutiny.write_reminders(engine, DAY)
    again = scrutiny.write_reminders(engine, DAY)
    assert [r.written for r in first] == [True] and [r.written for r in again] == [False]
    assert "12 days overdue" in first[0].message
    scrutiny.write_reminders(engine, DAY + dt.timedelta(days=1))
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Reminder)) == 2
    scrutiny.answer(engine, EDITOR, c["id"], 1, {"answer": "Late answer."}, DAY)
    assert scrutiny.overdue(engine, DAY) == []
    with pytest.raises(InputError, match="the due date must be on or after 2026-08-01"):
        scrutiny.record_committee(
            engine,
            EDITOR,
            GM,
            {
                "asked_by": "health and wellbeing board",
                "subject_kind": "indicator",
                "subject_ref": "x",
                "question": "Q?",
                "asked_on": "2026-08-01",
                "due_on": "2026-07-01",
            },
            DAY,
        )
