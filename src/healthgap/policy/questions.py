"""The screening questions, in healthgap's own words.

Four stages in the spirit of OHID's Health Equity Assessment Tool (HEAT): *prepare*
(what is the proposal, whom does it reach), *assess* (who is affected, by deprivation
and by inclusion-health / PLUS groups; which wider determinants; what evidence),
*refine* (mitigations, monitoring) and *review* (the decision and why). The wording is
ours; it is not OHID's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from healthgap.errors import InputError

Kind = Literal["text", "choice", "multi", "date"]
STAGES: tuple[str, ...] = ("prepare", "assess", "refine", "review")


@dataclass(frozen=True)
class Question:
    """One question: ``id``, ``stage``, ``text``, ``kind`` (text, choice, multi or date:
    YYYY-MM-DD) and, for choices, ``choices``."""

    id: str
    stage: str
    text: str
    kind: Kind = "text"
    choices: tuple[str, ...] = ()
    required: bool = True
    hint: str = ""


DETERMINANTS = (
    "work and employment",
    "income and debt",
    "housing",
    "transport",
    "skills and education",
    "natural and built environment",
    "access to services",
    "social connection",
)
PLUS_GROUPS = (
    "ethnic minority communities",
    "people experiencing homelessness",
    "Gypsy, Roma and Traveller communities",
    "people with a learning disability or autistic people",
    "people with severe mental illness",
    "unpaid carers",
    "migrants, refugees and people seeking asylum",
    "people in contact with the justice system",
    "people who use drugs or alcohol",
    "coastal and rural communities",
    "other (describe in the evidence answer)",
    "none identified",
)

QUESTIONS: tuple[Question, ...] = (
    Question(
        "summary",
        "prepare",
        "In a few sentences, what is the proposal and what is it meant to achieve?",
    ),
    Question(
        "reach",
        "prepare",
        "Which people and places will the proposal reach, and about how many?",
    ),
    Question(
        "data_used",
        "prepare",
        "Which data have you looked at to describe them (for example indicators by "
        "deprivation decile, local profiles, service data)?",
    ),
    Question(
        "deprivation",
        "assess",
        "Across the deprivation gradient, who is expected to gain most?",
        "choice",
        (
            "more deprived areas gain more",
            "all areas gain about equally",
            "less deprived areas gain more",
            "not known yet",
        ),
    ),
    Question(
        "plus_groups",
        "assess",
        "Which groups facing exclusion (PLUS groups) could be affected differently?",
        "multi",
        PLUS_GROUPS,
    ),
    Question(
        "protected_characteristics",
        "assess",
        "Could people who share a protected characteristic (Equality Act 2010) be "
        "affected differently? How?",
    ),
    Question(
        "determinants",
        "assess",
        "Which wider determinants of health does the proposal touch?",
        "multi",
        DETERMINANTS,
    ),
    Question(
        "evidence",
        "assess",
        "What evidence supports these expectations, and how strong is it?",
        hint="Evaluations, studies, local data, what residents and staff have told you.",
    ),
    Question(
        "risks",
        "assess",
        "Could the proposal widen any gap, or have effects nobody intended? For whom?",
    ),
    Question(
        "simulation",
        "assess",
        "If you ran a distributional simulation (healthgap policy simulate), what did it show?",
        required=False,
    ),
    Question(
        "mitigations",
        "refine",
        "What will you change so that the proposal narrows gaps (targeting, proportionate "
        "universalism, removing barriers to access)?",
    ),
    Question(
        "monitoring",
        "refine",
        "How will the effect on inequalities be monitored, by whom and when?",
    ),
    Question(
        "decision",
        "review",
        "What was decided?",
        "choice",
        (
            "proceed as proposed",
            "proceed with the changes recorded",
            "pause for more evidence",
            "do not proceed",
        ),
    ),
    Question(
        "rationale",
        "review",
        "Why was this decided, having regard to reducing health inequalities?",
    ),
    Question(
        "review_date",
        "review",
        "When will the decision be reviewed (YYYY-MM-DD)?",
        "date",
        hint="For example, 2027-06-30.",
    ),
)

BY_ID: dict[str, Question] = {q.id: q for q in QUESTIONS}


def question(question_id: str) -> Question:
    """The question with this id; unknown ids raise InputError listing the ids."""
    try:
        return BY_ID[question_id]
    except KeyError:
        raise InputError(
            f"question must be one of {', '.join(BY_ID)}; got {question_id!r}. "
            "List them with `healthgap policy screen questions`."
        ) from None


def check_answer(q: Question, value: object) -> str | list[str]:
    """The answer normalised (text stripped, choices checked); bad answers raise InputError."""
    if q.kind == "multi":
        items = [value] if isinstance(value, str) else value
        if isinstance(items, list | tuple) and all(isinstance(v, str) for v in items):
            chosen = [v.strip() for v in items if v.strip()]
            wrong = [v for v in chosen if v not in q.choices]
            if chosen and not wrong:
                return chosen
            shown = wrong[0] if wrong else "nothing"
        else:
            shown = repr(value)
        raise InputError(
            f"answer to {q.id!r} must be one or more of: {'; '.join(q.choices)}; got "
            f"{shown!r}. Give each choice exactly as listed."
        )
    if not isinstance(value, str) or not value.strip():
        raise InputError(
            f"answer to {q.id!r} must be non-empty text; got {value!r}. Write a sentence; "
            "'not known' is a valid answer."
        )
    text = value.strip()
    if q.kind == "date" and not _is_date(text):
        raise InputError(
            f"answer to {q.id!r} must be a date written YYYY-MM-DD; got {text!r}. "
            "Write e.g. 2027-06-30."
        )
    if q.kind == "choice" and text not in q.choices:
        raise InputError(
            f"answer to {q.id!r} must be one of: {'; '.join(q.choices)}; got {text!r}. "
            "Give the choice exactly as listed."
        )
    return text


def _is_date(text: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
