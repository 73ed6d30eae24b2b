"""The report's accountability sections: "Decisions and regard", "Questions and answers"
and "What we committed to last year, what happened", built from the app database by
:mod:`healthgap.decisions` and rendered in the health-duty report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.engine import Engine

from healthgap.appdb.db import init_db
from healthgap.data.store import Store
from healthgap.decisions import cycle, register, scrutiny
from healthgap.report.context import build_context
from healthgap.report.render import render_html
from healthgap.report.sections.accountability import sections
from tests.decisions.conftest import EDITOR, GM, decision, make_screening

TODAY = dt.date(2027, 5, 1)


def _fill(engine: Engine) -> None:
    """Two key decisions of 2026 (one screened before, predicting a widening gap), one
    answered and one overdue question, and one done step of the 2026 cycle."""
    sid = make_screening(engine)(GM, dt.date(2026, 4, 20), "less deprived areas gain more")
    d = register.add(engine, EDITOR, GM, decision(title="Bus fares cap"))
    register.link_screening(engine, EDITOR, d["id"], 1, sid)
    register.record_regard(
        engine,
        EDITOR,
        d["id"],
        2,
        sid,
        [
            {"recommendation": "Free fares for carers", "response": "accepted"},
            {"recommendation": "Night buses", "response": "rejected", "reason": "No operator."},
        ],
    )
    register.add(engine, EDITOR, GM, decision(title="Depot", decided_on="2026-06-01"))
    q = scrutiny.record_committee(
        engine,
        EDITOR,
        GM,
        {
            "asked_by": "health and wellbeing board",
            "subject_kind": "annual report",
            "subject_ref": "2026",
            "question": "Is the gap narrowing?",
            "asked_on": "2026-10-01",
            "due_on": "2026-10-29",
        },
        TODAY,
    )
    scrutiny.answer(engine, EDITOR, q["id"], 1, {"answer": "Not yet.", "answered_on": "2026-10-20"})
    scrutiny.record_committee(
        engine,
        EDITOR,
        GM,
        {
            "asked_by": "integrated care partnership",
            "subject_kind": "indicator",
            "subject_ref": "hle_male",
            "question": "When?",
            "asked_on": "2027-01-05",
            "due_on": "2027-02-01",
        },
        TODAY,
    )
    cycle.set_step(
        engine,
        EDITOR,
        GM,
        2026,
        "report_published",
        0,
        {"status": "done", "done_on": "2027-01-15", "evidence": "Published on the website"},
    )


def test_sections_from_the_register(tmp_path: Path) -> None:
    engine = init_db(f"sqlite:///{tmp_path / 'app.db'}")
    _fill(engine)
    dec, qa, back = sections(engine, GM, TODAY)
    assert (dec.title, qa.title, back.title) == (
        "Decisions and regard",
        "Questions and answers",
        "What we committed to last year, what happened",
    )
    assert dec.summary[0] == (
        "In 2026, 1 of 2 key decisions (50.0%) had an equity screening signed off before "
        "they were taken."
    )
    assert "accepted 1" in dec.summary[1] and "rejected 1" in dec.summary[1]
    assert dec.table("decisions-widening").frame["title"].tolist() == ["Bus fares cap"]
    assert qa.summary[0].startswith("2 questions were put on the record")
    assert "1 are answered and 1 are overdue" in qa.summary[0]
    assert qa.table("questions").frame["answer"].tolist() == ["overdue", "Not yet."]
    rows = back.table("cycle-look-back").frame
    assert rows.set_index("commitment").loc["Health-duty report published", "what happened"] == (
        "done"
    )
    engine.dispose()


def test_the_report_carries_them(store: Store, tmp_path: Path) -> None:
    engine = init_db(f"sqlite:///{tmp_path / 'app.db'}")
    _fill(engine)
    ctx = build_context(store, GM, accountability=engine, today=TODAY)
    titles = [s.title for s in ctx.sections]
    assert titles.index("Decisions and regard") < titles.index("Questions and answers")
    assert titles[-1] != "Decisions and regard"  # the methods section stays last
    html = render_html(ctx)
    assert "Is the gap narrowing?" in html and "Bus fares cap" in html
    engine.dispose()
    plain = build_context(store, GM)
    assert "Decisions and regard" not in [s.title for s in plain.sections]
