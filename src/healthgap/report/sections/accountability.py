"""The report's accountability sections, from the app database's decisions register,
questions on the record and annual cycle (:mod:`healthgap.decisions`):

* **Decisions and regard**: key decisions screened before they were taken, by year and
  directorate; decisions whose screening expected the gap to widen; how the decision
  makers responded to the screenings' recommendations.
* **Questions and answers**: the questions put on the record in the twelve months to the
  report's date, with their answers, and the overdue ones.
* **What we committed to last year, what happened**: :func:`healthgap.decisions.review.look_back`.

Every figure is computed by the domain; these functions only lay it out as sections.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from healthgap.decisions import cycle, register, review, scrutiny
from healthgap.report.model import ReportTable, Section


def decisions_section(engine: Any, code: str, today: dt.date) -> Section:
    """Decisions and regard: coverage, expected widening, responses."""
    views = register.views(engine, code, today)
    cov = register.coverage_of(views)
    totals = cov.table[cov.table["directorate"] == register.ALL_DIRECTORATES]
    if totals.empty:
        lines = [f"No key decisions of {code} are on the register yet."]
    else:
        latest = totals.iloc[0]
        share = f"{latest['share_screened_before']:.1f}%"
        lines = [
            f"In {int(latest['year'])}, {int(latest['screened_before'])} of "
            f"{int(latest['key_decisions'])} key decisions ({share}) had an equity screening "
            "signed off before they were taken."
        ]
    responses = dict.fromkeys(register.RESPONSES, 0)
    for v in views:
        for k, n in v.responses.items():
            responses[k] += n
    lines.append(
        f"The decision makers accepted {responses['accepted']} of the screenings' "
        f"recommendations, modified {responses['modified']}, rejected {responses['rejected']} "
        f"(each with its reason on the register) and have yet to respond to "
        f"{responses['pending']}."
    )
    lines.append(
        f"{len(cov.widening)} decision{'s' if len(cov.widening) != 1 else ''} had a screening "
        "that expected less deprived areas to gain more (a widening gap)."
    )
    widening = pd.DataFrame(
        [
            {
                "title": v.record["title"],
                "decided_on": v.record["decided_on"],
                "directorate": v.record["directorate"],
                "id": str(v.record["id"]),
            }
            for v in cov.widening
        ],
        columns=["title", "decided_on", "directorate", "id"],
    )
    tables = [
        ReportTable(
            "decisions-coverage",
            "Key decisions screened before they were taken, by year and directorate",
            cov.table,
            {
                "year": "Year",
                "directorate": "Directorate",
                "key_decisions": "Key decisions",
                "screened_before": "Screened before",
                "screened_late": "Screened late",
                "not_screened": "Not screened",
                "share_screened_before": "Share screened before (%)",
            },
            {
                "key_decisions": 0,
                "screened_before": 0,
                "screened_late": 0,
                "not_screened": 0,
                "share_screened_before": 1,
            },
        )
    ]
    if not widening.empty:
        tables.append(
            ReportTable(
                "decisions-widening",
                "Decisions whose screening expected the gap to widen",
                widening,
                {
                    "title": "Decision",
                    "decided_on": "Date",
                    "directorate": "Directorate",
                    "id": "Register id",
                },
            )
        )
    return Section(
        "decisions", "Decisions and regard", tuple(lines), tuple(tables), notes=(cov.method,)
    )


def questions_section(engine: Any, code: str, today: dt.date) -> Section:
    """Questions and answers of the last twelve months, overdue ones marked."""
    since = today - dt.timedelta(days=365)
    rows = [
        q
        for q in scrutiny.public(engine, code, today=today)
        if dt.date.fromisoformat(q["asked_on"]) >= since
    ]
    answered = sum(q["status"] == scrutiny.ANSWERED for q in rows)
    late = sum(q["overdue"] for q in rows)
    lines = (
        f"{len(rows)} questions were put on the record in the twelve months to "
        f"{today.isoformat()} by committees and members of the public; {answered} are answered "
        f"and {late} are overdue.",
        "Every question and answer is published on the questions and answers page.",
    )
    frame = pd.DataFrame(
        [
            {
                "asked_on": q["asked_on"],
                "asked_by": q["asked_by"],
                "subject": f"{q['subject_kind']} {q['subject_ref']}",
                "question": q["question"],
                "answer": q["answer"] or ("overdue" if q["overdue"] else f"due {q['due_on']}"),
            }
            for q in rows
        ],
        columns=["asked_on", "asked_by", "subject", "question", "answer"],
    )
    table = ReportTable(
        "questions",
        "Questions put on the record and their answers",
        frame,
        {
            "asked_on": "Asked",
            "asked_by": "Asked by",
            "subject": "About",
            "question": "Question",
            "answer": "Answer",
        },
    )
    return Section("questions", "Questions and answers", lines, (table,))


def cycle_section(engine: Any, code: str, today: dt.date) -> Section:
    """Last cycle year's commitments beside what happened."""
    back = review.look_back(engine, code, cycle.current_year(today) - 1, today)
    table = ReportTable(
        "cycle-look-back",
        f"The annual cycle of {back.year}/{(back.year + 1) % 100:02d}",
        back.table,
        {c: c[:1].upper() + c[1:] for c in review.COLUMNS},
    )
    return Section(
        "look-back",
        "What we committed to last year, what happened",
        (back.summary(),),
        (table,),
    )


def sections(engine: Any, code: str, today: dt.date | None = None) -> tuple[Section, ...]:
    """The accountability sections for authority ``code`` that have something to show:
    a section whose tables are all empty (nothing recorded yet) is left out, so an app
    database without decisions, questions or a cycle adds no near-empty pages."""
    day = today or dt.date.today()
    made = (
        decisions_section(engine, code, day),
        questions_section(engine, code, day),
        cycle_section(engine, code, day),
    )
    return tuple(s for s in made if any(len(t.frame) for t in s.tables))
