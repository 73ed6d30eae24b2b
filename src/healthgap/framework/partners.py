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

from typing import Any

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
        """A survey: questions as ``{"id", "text", "kind", "options"}`` mappings."""
        seen: set[str] = set()
        for q in questions:
            _one_of("question kind", str(q.get("kind")), QUESTION_KINDS)
            if not q.get("id") or q["id"] in seen:
                raise InputError(
                    f"each question must have a unique id; got {q.get('id')!r} in {title!r}. "
                    "E.g. 'q1', 'q2'."
                )
            seen.add(q["id"])
            if q["kind"] == "choice" and len(q.get("options") or []) < 2:
                raise InputError(
                    f"a choice question must have at least two options; got "
                    f"{q.get('options')!r} for {q['id']!r}. List the options."
                )
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
        questions = {q["id"]: q for q in self._survey(survey_id)["questions"]}
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
        """
        questions = [q for q in self._survey(survey_id)["questions"] if q["kind"] != "text"]
        responses = [
            v.data["answers"]
            for v in self.ws.current("response", self.authority_code)
            if v.data["survey"] == survey_id
        ]
        rows = []
        for q in questions:
            options = [1, 2, 3, 4, 5] if q["kind"] == "scale" else list(q["options"])
            values = [r[q["id"]] for r in responses if q["id"] in r]
            rows += [
                {"question": q["id"], "answer": str(o), "count": sum(v == o for v in values)}
                for o in options
            ]
            rows.append({"question": q["id"], "answer": ALL, "count": len(values)})
        table = pd.DataFrame(rows, columns=["question", "answer", "count"])
        if table.empty:
            return table.assign(percent=pd.Series(dtype=float))
        protected = apply_disclosure(
            table, policy, count_columns="count", margins={"answer": ALL}, group_by="question"
        ).to_frame()
        # percentages from the published (rounded) counts only, so they reveal nothing more
        counts = protected["count"].astype(float)
        totals = protected.loc[protected["answer"] == ALL].set_index("question")["count"]
        denominator = protected["question"].map(totals).astype(float)
        protected["percent"] = 100 * counts / denominator.where(denominator > 0)
        return protected.reset_index(drop=True)


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
