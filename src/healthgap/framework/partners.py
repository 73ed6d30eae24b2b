"""Partnership and stakeholder views: partners, joint commitments and simple surveys.

* **Partners** of an authority (councils, the ICB or ICS, NHS trusts, the voluntary
  sector, ...) are stored records; :func:`suggested_partners` lists the ones the register
  already implies (member councils and partner ICBs) so they need not be typed in.
* **Joint commitments** between the authority and named partners live in
  :mod:`healthgap.framework.commitments`.
* **Surveys** hold questions (``scale`` 1-5, ``choice`` from options, or free ``text``)
  and responses. :meth:`Partnerships.survey_summary` counts the answers per question with
  an "All responses" total and applies small-number disclosure control
  (:func:`healthgap.data.disclosure.apply_disclosure`, NHS Digital rule by default:
  counts 1-7 withheld, others rounded to 5, with secondary suppression against the total)
  before anything is shown or exported.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from healthgap.data.disclosure import DisclosurePolicy, apply_disclosure
from healthgap.errors import InputError
from healthgap.framework.powers import Authority
from healthgap.framework.storage import Actor, Workspace

PARTNER_TYPES: tuple[str, ...] = (
    "council",
    "icb",
    "ics",
    "nhs trust",
    "voluntary sector",
    "university",
    "business",
    "community",
    "other",
)
QUESTION_KINDS: tuple[str, ...] = ("scale", "choice", "text")
ALL = "All responses"


def _one_of(name: str, value: str, options: tuple[str, ...]) -> None:
    if value not in options:
        raise InputError(
            f"{name} must be one of {', '.join(options)}; got {value!r}. E.g. {options[0]!r}."
        )


def suggested_partners(authority: Authority) -> pd.DataFrame:
    """Partners the register implies: member councils and partner ICBs (not stored)."""
    councils = pd.DataFrame(
        {"name": authority.members["lad_name"], "code": authority.members["lad_code"]}
    ).assign(type="council")
    icbs = authority.icbs[authority.icbs["partner"]]
    icb = pd.DataFrame({"name": icbs["icb_name"], "code": icbs["icb_code"]}).assign(type="icb")
    return pd.concat([councils, icb], ignore_index=True)[["name", "type", "code"]]


class Partnerships:
    """One authority's partners and surveys in a workspace."""

    def __init__(self, workspace: Workspace, authority_code: str) -> None:
        self.ws = workspace
        self.authority_code = authority_code

    # -------------------------------------------------------------- partners
    def add_partner(self, who: Actor, name: str, type: str, role: str = "") -> str:
        """Add a partner organisation; returns its id."""
        _one_of("type", type, PARTNER_TYPES)
        if not name.strip():
            raise InputError("a partner must have a name; got ''. E.g. 'Voluntary Sector North'.")
        rid = self.ws.new_id("partner", f"{self.authority_code}-partner")
        self.ws.put(
            who,
            "partner",
            self.authority_code,
            rid,
            {"name": name.strip(), "type": type, "role": role},
        )
        return rid

    def partners(self) -> pd.DataFrame:
        """The current partners: id, name, type, role."""
        rows = [
            {"id": v.record_id, **v.data} for v in self.ws.current("partner", self.authority_code)
        ]
        return pd.DataFrame(rows, columns=["id", "name", "type", "role"])

    # -------------------------------------------------------------- surveys
    def add_survey(self, who: Actor, title: str, questions: list[dict[str, Any]]) -> str:
        """A survey: questions as ``{"id", "text", "kind", "options"}`` mappings.

        The whole definition is checked first (:func:`check_survey`); a survey that is
        stored can always be shown and summarised.
        """
        title, questions = check_survey(title, questions)
        rid = self.ws.new_id("survey", f"{self.authority_code}-survey")
        self.ws.put(
            who, "survey", self.authority_code, rid, {"title": title, "questions": questions}
        )
        return rid

    def _survey(self, survey_id: str) -> dict[str, Any]:
        v = self.ws.get("survey", survey_id)
        if v is None or v.deleted or v.authority_code != self.authority_code:
            raise InputError(
                f"survey must be a survey of {self.authority_code}; got {survey_id!r}. "
                "Create it with add_survey()."
            )
        return v.data

    def add_response(self, who: Actor, survey_id: str, answers: dict[str, Any]) -> str:
        """Record one response (answers by question id; unanswered questions may be left out)."""
        questions = {q["id"]: q for q in usable_questions(self._survey(survey_id))}
        for qid, value in answers.items():
            if qid not in questions:
                raise InputError(
                    f"answers must be for questions of {survey_id}; got {qid!r}. "
                    f"Its questions are {', '.join(questions)}."
                )
            q = questions[qid]
            if q["kind"] == "scale" and value not in (1, 2, 3, 4, 5):
                raise InputError(
                    f"an answer to scale question {qid!r} must be 1, 2, 3, 4 or 5; got {value!r}."
                    " 1 = strongly disagree, 5 = strongly agree."
                )
            if q["kind"] == "choice" and value not in q["options"]:
                raise InputError(
                    f"an answer to {qid!r} must be one of its options; got {value!r}. "
                    f"Options: {', '.join(map(str, q['options']))}."
                )
        rid = self.ws.new_id("response", f"{survey_id}-response")
        self.ws.put(
            who, "response", self.authority_code, rid, {"survey": survey_id, "answers": answers}
        )
        return rid

    def survey_summary(
        self, survey_id: str, policy: DisclosurePolicy | None = None
    ) -> pd.DataFrame:
        """Answer counts per closed question, disclosure-controlled.

        Columns: ``question``, ``answer`` (each option, then "All responses"), ``count``
        (withheld cells are missing, others rounded), ``percent`` (published count over
        the question's published total; missing when either is withheld).

        Only whole batches of :data:`RELEASE_STEP` responses are counted (the first 10,
        then the first 20, ... in the order they were recorded), so two successive
        publications differ by at least 10 responses and never reveal one response by
        differencing; and nothing is published while any closed question has fewer than
        :func:`min_respondents` answers in the batch (every count is then missing; see
        :meth:`survey_note`).
        """
        questions = [q for q in usable_questions(self._survey(survey_id)) if q["kind"] != "text"]
        batch = self._released(survey_id)
        rows = []
        for q in questions:
            options = [1, 2, 3, 4, 5] if q["kind"] == "scale" else list(q["options"])
            values = [r[q["id"]] for r in batch if q["id"] in r]
            rows += [
                {"question": q["id"], "answer": str(o), "count": sum(v == o for v in values)}
                for o in options
            ]
            rows.append({"question": q["id"], "answer": ALL, "count": len(values)})
        table = pd.DataFrame(rows, columns=["question", "answer", "count"])
        if table.empty:
            return table.assign(percent=pd.Series(dtype=float))
        if self._short_questions(questions, batch, policy):
            return table.assign(count=np.nan, percent=np.nan)
        protected = apply_disclosure(
            table, policy, count_columns="count", margins={"answer": ALL}, group_by="question"
        ).to_frame()
        # percentages from the published (rounded) counts only, so they reveal nothing more
        counts = protected["count"].astype(float)
        totals = protected.loc[protected["answer"] == ALL].set_index("question")["count"]
        denominator = protected["question"].map(totals).astype(float)
        protected["percent"] = 100 * counts / denominator.where(denominator > 0)
        return protected.reset_index(drop=True)

    def survey_note(self, survey_id: str, policy: DisclosurePolicy | None = None) -> str:
        """What the published summary covers, in words for the page and the API."""
        questions = [q for q in usable_questions(self._survey(survey_id)) if q["kind"] != "text"]
        batch = self._released(survey_id)
        need = min_respondents(policy)
        short = self._short_questions(questions, batch, policy)
        if not batch:
            return (
                f"No summary yet: answers are published once {RELEASE_STEP} responses are in, "
                f"then for each further {RELEASE_STEP}."
            )
        if short:
            return (
                f"No summary yet: every question must have at least {need} answers among the "
                f"{len(batch)} responses published; {', '.join(short)} "
                f"{'has' if len(short) == 1 else 'have'} fewer. Published in batches of "
                f"{RELEASE_STEP} responses."
            )
        return (
            f"The summary covers the first {len(batch)} responses; it is updated for each "
            f"further {RELEASE_STEP}, so no single response can be worked out from changes."
        )

    def _released(self, survey_id: str) -> list[dict[str, Any]]:
        """The answers of the responses in the published batch, oldest first."""
        versions = [
            v
            for v in self.ws.current("response", self.authority_code)
            if v.data.get("survey") == survey_id and isinstance(v.data.get("answers"), dict)
        ]
        versions.sort(key=lambda v: (v.recorded_at, _number_in(v.record_id), v.record_id))
        released = len(versions) // RELEASE_STEP * RELEASE_STEP
        return [v.data["answers"] for v in versions[:released]]

    @staticmethod
    def _short_questions(
        questions: list[dict[str, Any]],
        batch: list[dict[str, Any]],
        policy: DisclosurePolicy | None,
    ) -> list[str]:
        need = min_respondents(policy)
        return [q["id"] for q in questions if sum(q["id"] in r for r in batch) < need]


#: Survey summaries are published for whole batches of this many responses.
RELEASE_STEP = 10


def min_respondents(policy: DisclosurePolicy | None = None) -> int:
    """The fewest answers a question needs before a survey's summary is published: more
    than the policy's small-count threshold, and at least :data:`RELEASE_STEP`."""
    threshold = (policy or DisclosurePolicy()).threshold
    return max(threshold + 1, RELEASE_STEP)


def _number_in(record_id: str) -> int:
    found = re.findall(r"\d+", record_id)
    return int(found[-1]) if found else 0


#: Bounds of a survey definition.
MAX_QUESTIONS = 50
MAX_OPTIONS = 20
MAX_TITLE_CHARS = 300
MAX_QUESTION_CHARS = 500
MAX_OPTION_CHARS = 200
_QUESTION_ID = re.compile(r"[A-Za-z0-9_-]{1,20}")


def _text(value: Any, what: str, limit: int, example: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{what} must be non-empty text; got {value!r}. E.g. {example!r}.")
    if len(value.strip()) > limit:
        raise InputError(
            f"{what} must be at most {limit} characters; got {len(value.strip())}. Shorten it."
        )
    return value.strip()


def check_survey(title: Any, questions: Any) -> tuple[str, list[dict[str, Any]]]:
    """A survey's title and questions, checked and tidied, or an :class:`InputError`
    saying what is wrong, where, and how to fix it.

    A survey needs a title and 1 to 50 questions; each question a unique id (letters,
    digits, ``_`` or ``-``), non-empty text and a kind (scale, choice or text); a choice
    question 2 to 20 distinct non-empty options. Only these keys are kept.

    >>> check_survey("Check", [{"id": "q1", "text": " Data shared? ", "kind": "scale"}])
    ('Check', [{'id': 'q1', 'text': 'Data shared?', 'kind': 'scale'}])
    >>> check_survey("Check", [])
    Traceback (most recent call last):
    ...
    healthgap.errors.InputError: a survey must have at least one question; got none. ...
    """
    title = _text(title, "a survey's title", MAX_TITLE_CHARS, "Partnership health check")
    if not isinstance(questions, list) or not questions:
        raise InputError(
            "a survey must have at least one question; got none. Add e.g. "
            '{"id": "q1", "text": "Partners share data well", "kind": "scale"}.'
        )
    if len(questions) > MAX_QUESTIONS:
        raise InputError(
            f"a survey must have at most {MAX_QUESTIONS} questions; got {len(questions)}. "
            "Split it into shorter surveys."
        )
    seen: set[str] = set()
    for n, q in enumerate(questions, 1):
        if not isinstance(q, dict):
            raise InputError(
                f"question {n} must be an object with id, text and kind; got {q!r}. "
                'E.g. {"id": "q1", "text": "Partners share data well", "kind": "scale"}.'
            )
        qid = q.get("id")
        if not isinstance(qid, str) or not _QUESTION_ID.fullmatch(qid) or qid in seen:
            raise InputError(
                f"each question must have a unique id; got {qid!r} for question {n} of "
                f"{title!r}. Use up to 20 letters, digits, _ or -, e.g. 'q1', 'q2'."
            )
        seen.add(qid)
    out = []
    for q in questions:
        qid = q["id"]
        _one_of("question kind", str(q.get("kind")), QUESTION_KINDS)
        text = _text(q.get("text"), f"the text of question {qid}", MAX_QUESTION_CHARS, "Q?")
        clean: dict[str, Any] = {"id": qid, "text": text, "kind": q["kind"]}
        if q["kind"] == "choice":
            options = q.get("options")
            if not isinstance(options, list) or not 2 <= len(options) <= MAX_OPTIONS:
                raise InputError(
                    f"a choice question must have at least two options (at most "
                    f"{MAX_OPTIONS}); got {options!r} for {qid!r}. List the options."
                )
            names = [_text(o, f"an option of {qid}", MAX_OPTION_CHARS, "housing") for o in options]
            if len(set(names)) != len(names):
                raise InputError(
                    f"the options of {qid!r} must differ; got {names!r}. Remove the repeats."
                )
            clean["options"] = names
        out.append(clean)
    return title, out


def usable_questions(survey: dict[str, Any]) -> list[dict[str, Any]]:
    """The well-formed questions of a stored survey (id, text, kind, and options for a
    choice): a survey stored before definitions were checked never breaks its page."""
    out = []
    for q in survey.get("questions") or []:
        if not isinstance(q, dict) or not isinstance(q.get("id"), str):
            continue
        if q.get("kind") not in QUESTION_KINDS or not isinstance(q.get("text"), str):
            continue
        if q["kind"] == "choice" and not isinstance(q.get("options"), list):
            continue
        out.append(q)
    return out


def parse_questions(text: str) -> list[dict[str, Any]]:
    """Survey questions from lines ``kind: question`` (``choice: question: a; b; c``).

    Question ids are ``q1``, ``q2``, ... in line order.

    Examples
    --------
    >>> parse_questions("scale: Partners share data well\\nchoice: First?: housing; transport")
    [{'id': 'q1', 'text': 'Partners share data well', 'kind': 'scale'},
     {'id': 'q2', 'text': 'First?', 'kind': 'choice', 'options': ['housing', 'transport']}]
    """
    out = []
    for n, line in enumerate([ln.strip() for ln in text.splitlines() if ln.strip()], 1):
        kind, _, rest = line.partition(":")
        kind = kind.strip().lower()
        if kind not in QUESTION_KINDS or not rest.strip():
            raise InputError(
                f"each question line must be 'scale: text', 'choice: text: a; b' or "
                f"'text: text'; got {line!r} on line {n}. Start the line with its kind."
            )
        question, _, options = rest.partition(":") if kind == "choice" else (rest, "", "")
        q: dict[str, Any] = {"id": f"q{n}", "text": question.strip(), "kind": kind}
        if kind == "choice":
            q["options"] = [o.strip() for o in options.split(";") if o.strip()]
        out.append(q)
    if not out:
        raise InputError(
            "a survey must have at least one question; got none. Write one question a line, "
            "e.g. 'scale: Partners share data well'."
        )
    return out
