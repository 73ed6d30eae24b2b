"""The annual cycle: default due dates in the financial year, status and evidence per
step, late steps, versions (0 for a step not yet recorded), and the report's look back."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.engine import Engine

from healthgap.appdb.permissions import NotPermittedError
from healthgap.appdb.versions import StaleVersionError
from healthgap.decisions import cycle, register, review, scrutiny
from healthgap.errors import InputError
from tests.decisions.conftest import EDITOR, GM, OTHER, decision, make_screening


def test_calendar_defaults_and_late_steps() -> None:
    assert cycle.current_year(dt.date(2027, 3, 31)) == 2026
    assert cycle.current_year(dt.date(2027, 4, 1)) == 2027


def test_set_steps_with_evidence(engine: Engine) -> None:
    steps = cycle.calendar(engine, GM, 2026)
    assert [s.step for s in steps] == [s[0] for s in cycle.STEPS]
    assert [s.due_on.isoformat() for s in steps] == [
        "2026-06-30",
        "2026-09-30",
        "2026-12-31",
        "2027-03-31",
    ]
    assert [s.late(dt.date(2026, 10, 1)) for s in steps] == [True, True, False, False]
    with pytest.raises(InputError, match="a step that is done must have evidence"):
        cycle.set_step(
            engine,
            EDITOR,
            GM,
            2026,
            "targets_reviewed",
            0,
            {"status": "done", "done_on": "2026-06-20"},
        )
    with pytest.raises(InputError, match="a step that is done must say when"):
        cycle.set_step(
            engine,
            EDITOR,
            GM,
            2026,
            "targets_reviewed",
            0,
            {"status": "done", "evidence": "Cabinet minute 12"},
        )
    with pytest.raises(InputError, match="the due date must fall in cycle year 2026"):
        cycle.set_step(
            engine,
            EDITOR,
            GM,
            2026,
            "targets_reviewed",
            0,
            {"status": "in progress", "due_on": "2028-01-01"},
        )
    with pytest.raises(InputError, match="the step must be one of"):
        cycle.set_step(engine, EDITOR, GM, 2026, "party", 0, {"status": "done"})
    with pytest.raises(NotPermittedError):
        cycle.set_step(engine, OTHER, GM, 2026, "targets_reviewed", 0, {"status": "in progress"})
    out = cycle.set_step(
        engine,
        EDITOR,
        GM,
        2026,
        "targets_reviewed",
        0,
        {
            "status": "done",
            "done_on": "2026-06-20",
            "evidence": "Cabinet minute 12",
            "evidence_url": "https://example.org/minutes/12",
        },
    )
    assert (out["status"], out["version"]) == ("done", 1)
    with pytest.raises(StaleVersionError):
        cycle.set_step(engine, EDITOR, GM, 2026, "targets_reviewed", 0, {"status": "missed"})
    cycle.set_step(engine, EDITOR, GM, 2026, "targets_reviewed", 1, {"status": "missed"})
    assert cycle.calendar(engine, GM, 2026)[0].version == 2
    assert cycle.years(engine, GM) == [2026]


def test_parallel_first_records_of_a_step(any_engine: Engine) -> None:
    def put(n: int) -> str:
        try:
            cycle.set_step(
                any_engine,
                EDITOR,
                GM,
                2026,
                "scrutiny_held",
                0,
                {"status": "in progress", "evidence": f"e{n}"},
            )
            return "ok"
        except StaleVersionError:
            return "stale"

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(put, range(6)))
    assert results.count("ok") == 1 and results.count("stale") == 5


def test_look_back(engine: Engine) -> None:
    """Last year's commitments beside what happened, counted from this set-up."""
    today = dt.date(2027, 5, 1)
    cycle.set_step(
        engine,
        EDITOR,
        GM,
        2026,
        "report_published",
        0,
        {"status": "done", "done_on": "2027-01-15", "evidence_url": "https://example.org/r"},
    )
    sid = make_screening(engine)(GM, dt.date(2026, 4, 20))
    d = register.add(engine, EDITOR, GM, decision(decided_on="2026-05-01"))
    register.link_screening(engine, EDITOR, d["id"], 1, sid)
    register.add(engine, EDITOR, GM, decision(decided_on="2026-06-01"))
    register.add(engine, EDITOR, GM, decision(decided_on="2025-06-01"))  # another year
    on_time = scrutiny.record_committee(
        engine,
        EDITOR,
        GM,
        {
            "asked_by": "health and wellbeing board",
            "subject_kind": "annual report",
            "subject_ref": "2026",
            "question": "Q1?",
            "asked_on": "2026-10-01",
            "due_on": "2026-10-29",
        },
        today,
    )
    scrutiny.answer(engine, EDITOR, on_time["id"], 1, {"answer": "A", "answered_on": "2026-10-20"})
    scrutiny.record_committee(
        engine,
        EDITOR,
        GM,
        {
            "asked_by": "health and wellbeing board",
            "subject_kind": "annual report",
            "subject_ref": "2026",
            "question": "Q2?",
            "asked_on": "2026-11-01",
            "due_on": "2026-11-29",
        },
        today,
    )
    lb = review.look_back(engine, GM, 2026, today)
    happened = dict(zip(lb.table["commitment"], lb.table["what happened"], strict=True))
    assert happened == {
        "Targets reviewed": "not recorded",
        "Action plans refreshed": "not recorded",
        "Health-duty report published": "done",
        "Scrutiny session held": "not recorded",
    }
    assert (lb.key_decisions, lb.screened_before) == (2, 1)
    assert (lb.questions_asked, lb.answered_on_time, lb.answered_late, lb.overdue) == (2, 1, 0, 1)
    assert lb.summary().startswith("In 2026/27: 1 of 2 key decisions were screened")
