"""The decisions register: what was decided, whether it was screened for its effect on
health inequalities before it was taken, and what changed because of the screening.

A decision belongs to one authority and records its title, decision maker, directorate,
date, forward-plan reference, whether it is a *key decision*, its budget (pounds) and
links to its documents. It is linked to

* equity screenings of the same authority (:mod:`healthgap.policy.screening`): a decision
  linked to another authority's screening is refused;
* the targets (app-database ids) and framework actions (record ids) it affects, both of
  the same authority;
* the screening's **recommendations** and the decision maker's **response** to each:
  accepted, modified or rejected (modified and rejected need a reason), or pending.

Coverage
--------
A decision taken on day *D* was **screened before** it was taken when one of its linked
screenings was signed off on or before *D*; **screened late** when it is linked only to
screenings signed off after *D* or not signed off; **not screened** otherwise. Decisions
dated after today are *upcoming* and are left out. :func:`coverage` gives, by directorate
and calendar year of the decision, the number of key decisions, how many were screened
before, and that share (per cent). A screening **predicts a widening gap** when its
signed-off answer to "who is expected to gain most" is "less deprived areas gain more"
(:data:`WIDENING_ANSWER`); :func:`coverage` lists those decisions.

Every write checks the permission ``decision.change`` for the decision's authority, names
the version it is based on (a stale one is refused: :class:`StaleVersionError`), and
writes the audit log in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from healthgap.appdb import audit
from healthgap.appdb.db import writing
from healthgap.appdb.models import Target, ensure_authority
from healthgap.appdb.permissions import Actor, Permission, check
from healthgap.appdb.versions import StaleVersionError
from healthgap.decisions import _fields as f
from healthgap.decisions.models import Decision
from healthgap.errors import InputError

RESPONSES: tuple[str, ...] = ("accepted", "modified", "rejected", "pending")
#: The signed-off screening answer that predicts a widening gap.
WIDENING_ANSWER = "less deprived areas gain more"
PREDICTIONS = {
    "more deprived areas gain more": "narrowing",
    "all areas gain about equally": "no change",
    WIDENING_ANSWER: "widening",
    "not known yet": "not known",
}
SCREENED_BEFORE, SCREENED_LATE, NOT_SCREENED, UPCOMING = (
    "screened before",
    "screened late",
    "not screened",
    "upcoming",
)
#: Limits: characters of each text field, items of each list.
LIMITS = {
    "title": 300,
    "decision_maker": 200,
    "directorate": 200,
    "forward_plan_ref": 100,
    "summary": 5000,
    "documents": 20,
    "targets": 50,
    "actions": 50,
    "screenings": 20,
    "recommendations": 30,
    "recommendation": 2000,
    "reason": 2000,
}
MAX_BUDGET = 1e12
#: Columns of :func:`export_table` (the open-data export).
COLUMNS = [
    "id",
    "authority_code",
    "title",
    "decision_maker",
    "directorate",
    "decided_on",
    "forward_plan_ref",
    "key_decision",
    "budget_gbp",
    "screenings",
    "screening_status",
    "predicted_effect",
    "targets",
    "actions",
    "documents",
    "recommendations_accepted",
    "recommendations_modified",
    "recommendations_rejected",
    "recommendations_pending",
    "version",
]


def _budget(value: Any) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        raw = str(value).replace(",", "").replace("£", "").strip()
        if isinstance(value, bool):
            raise ValueError
        amount = float(raw)
    except ValueError:
        raise f.problem(
            "budget", f"budget must be an amount in pounds; got {str(value)[:40]!r}. E.g. 250000."
        ) from None
    if not 0 <= amount <= MAX_BUDGET or amount != amount:
        raise f.problem(
            "budget", f"budget must be between 0 and {MAX_BUDGET:,.0f} pounds; got {amount:,.2f}."
        )
    return amount


def _documents(value: Any) -> list[dict[str, str]]:
    """Documents as ``[{"title", "url"}]`` from a list of those, or text lines
    ``Title | https://...`` (or a bare address)."""
    if value is None or value == "":
        return []
    items: list[Any]
    if isinstance(value, str):
        items = [line for line in value.splitlines() if line.strip()]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise f.problem("documents", "documents must be a list of {title, url}.")
    if len(items) > LIMITS["documents"]:
        raise f.problem(
            "documents",
            f"documents must be at most {LIMITS['documents']}; got {len(items)}. "
            "Link the main ones.",
        )
    out = []
    for item in items:
        if isinstance(item, str):
            title, _, address = item.rpartition("|") if "|" in item else ("", "", item)
            item = {"title": title, "url": address}
        if not isinstance(item, Mapping):
            raise f.problem("documents", "each document must be {title, url} or 'Title | url'.")
        address = f.url(item.get("url"), "documents", "a document's address", required=True)
        title = f.text(item.get("title") or address, "documents", "a document's title", 300)
        out.append({"title": title, "url": address})
    return out


def clean(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The decision's own fields checked (size, control characters, dates, amounts)."""
    key = fields.get("key_decision", False)
    if isinstance(key, str):
        key = key.strip().lower() in ("yes", "true", "1", "on")
    return {
        "title": f.text(fields.get("title"), "title", "title", LIMITS["title"]),
        "decision_maker": f.text(
            fields.get("decision_maker"), "decision_maker", "decision maker", 200
        ),
        "directorate": f.text(fields.get("directorate"), "directorate", "directorate", 200),
        "decided_on": f.date(fields.get("decided_on"), "decided_on", "the date of the decision"),
        "forward_plan_ref": f.text(
            fields.get("forward_plan_ref"),
            "forward_plan_ref",
            "forward plan reference",
            100,
            required=False,
        ),
        "key_decision": bool(key),
        "budget": _budget(fields.get("budget")),
        "summary": f.text(
            fields.get("summary"),
            "summary",
            "summary",
            LIMITS["summary"],
            required=False,
            long=True,
        ),
        "documents": _documents(fields.get("documents")),
    }


def _ids(value: Any, field: str, label: str) -> list[int]:
    if value is None or value == "":
        return []
    items = f.listed(value, field, label, LIMITS[field]) if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise f.problem(field, f"{label} must be a list of ids; got {type(value).__name__}.")
    if len(items) > LIMITS[field]:
        raise f.problem(field, f"{label} must list at most {LIMITS[field]}; got {len(items)}.")
    return list(dict.fromkeys(f.whole(v, field, label) for v in items))


def _check_links(w: Session, code: str, targets: list[int], actions: list[str]) -> None:
    if targets:
        found = dict(
            w.execute(select(Target.id, Target.authority_code).where(Target.id.in_(targets))).all()
        )
        for t in targets:
            if t not in found:
                raise f.problem("targets", f"targets must be ids of recorded targets; got {t}.")
            if found[t] != code:
                raise f.problem(
                    "targets",
                    f"targets must be targets of {code}; got target {t} of {found[t]}. Link "
                    "only this authority's targets.",
                )
    if actions:
        from healthgap.framework.storage import Workspace

        known = {
            v.record_id
            for v in Workspace(engine=w.get_bind(), create=False).current(  # type: ignore[arg-type]
                "action", code
            )
        }
        for a in actions:
            if a not in known:
                raise f.problem(
                    "actions",
                    f"actions must be ids of {code}'s actions; got {a!r}. See them with "
                    f"`healthgap framework actions list {code}`.",
                )


def to_dict(d: Decision) -> dict[str, Any]:
    """The decision as JSON-ready values (the audit log stores these)."""
    return {
        "id": d.id,
        "authority_code": d.authority_code,
        "title": d.title,
        "decision_maker": d.decision_maker,
        "directorate": d.directorate,
        "decided_on": d.decided_on.isoformat(),
        "forward_plan_ref": d.forward_plan_ref,
        "key_decision": d.key_decision,
        "budget": d.budget,
        "summary": d.summary,
        "documents": list(d.documents or []),
        "screenings": list(d.screenings or []),
        "targets": list(d.targets or []),
        "actions": list(d.actions or []),
        "recommendations": [dict(r) for r in d.recommendations or []],
        "version": d.version,
    }


def add(
    engine: Engine, who: Actor, authority_code: str, fields: Mapping[str, Any]
) -> dict[str, Any]:
    """Record a new decision of ``authority_code`` (with its targets and actions, if
    given); returns it with its database-assigned id and version 1."""
    code = f.authority(authority_code)
    check(who, Permission("decision"), code)
    data = clean(fields)
    targets = _ids(fields.get("targets"), "targets", "targets")
    actions = f.listed(fields.get("actions"), "actions", "actions", LIMITS["actions"])
    with writing(engine) as w:
        _check_links(w, code, targets, actions)
        ensure_authority(w, code)
        d = Decision(
            authority_code=code,
            **data,
            screenings=[],
            targets=targets,
            actions=actions,
            recommendations=[],
            created_by=who.name,
        )
        w.add(d)
        w.flush()
        out = to_dict(d)
        audit.record(w, who.name, "create", "decision", d.id, code, None, out)
    return out


def _current(w: Session, decision_id: int, read: int) -> Decision:
    d = w.get(Decision, decision_id)
    if d is None:
        raise InputError(
            f"decision must be the id of a recorded decision; got {decision_id}. "
            "List them with `healthgap decisions list`."
        )
    if d.version != read:
        raise StaleVersionError(f"decision {decision_id}", read, d.version)
    return d


def update(
    engine: Engine, who: Actor, decision_id: int, read: int, fields: Mapping[str, Any]
) -> dict[str, Any]:
    """Replace a decision's own fields (and its targets and actions when given);
    ``read`` is the version the change is based on."""
    data = clean(fields)
    with f.versioned(f"decision {decision_id}", read), writing(engine) as w:
        d = _current(w, decision_id, read)
        check(who, Permission("decision"), d.authority_code)
        before = to_dict(d)
        if "targets" in fields:
            d.targets = _ids(fields.get("targets"), "targets", "targets")
        if "actions" in fields:
            d.actions = f.listed(fields.get("actions"), "actions", "actions", LIMITS["actions"])
        _check_links(w, d.authority_code, list(d.targets), list(d.actions))
        for k, v in data.items():
            setattr(d, k, v)
        w.flush()
        out = to_dict(d)
        audit.record(w, who.name, "update", "decision", d.id, d.authority_code, before, out)
    return out


def _screening_authority(w: Session, screening_id: int) -> str | None:
    from healthgap.policy.screening import screenings

    return w.execute(
        select(screenings.c.authority_code).where(screenings.c.id == screening_id)
    ).scalar_one_or_none()


def link_screening(
    engine: Engine, who: Actor, decision_id: int, read: int, screening_id: Any
) -> dict[str, Any]:
    """Link an equity screening of the same authority to the decision."""
    sid = f.whole(screening_id, "screening_id", "screening")
    with f.versioned(f"decision {decision_id}", read), writing(engine) as w:
        d = _current(w, decision_id, read)
        check(who, Permission("decision"), d.authority_code)
        owner = _screening_authority(w, sid)
        if owner is None:
            raise f.problem(
                "screening_id",
                f"screening must be the id of a recorded screening; got {sid}. List them with "
                "`healthgap policy screen list`.",
            )
        if owner != d.authority_code:
            raise f.problem(
                "screening_id",
                f"screening must belong to the decision's authority {d.authority_code}; got "
                f"screening {sid} of {owner}. Link a screening of {d.authority_code}.",
            )
        if sid in (d.screenings or []):
            raise f.problem(
                "screening_id", f"screening {sid} is already linked to decision {decision_id}."
            )
        if len(d.screenings or []) >= LIMITS["screenings"]:
            raise f.problem("screening_id", "a decision may link at most 20 screenings.")
        before = to_dict(d)
        d.screenings = [*(d.screenings or []), sid]
        w.flush()
        out = to_dict(d)
        audit.record(w, who.name, "update", "decision", d.id, d.authority_code, before, out)
    return out


def clean_recommendations(
    items: Sequence[Mapping[str, Any]], screening_id: int
) -> list[dict[str, Any]]:
    """Recommendations of one screening with the decision maker's responses, checked:
    each has text, a response of :data:`RESPONSES`, and a reason when modified or rejected."""
    if not isinstance(items, list | tuple):
        raise f.problem("recommendations", "recommendations must be a list.")
    if len(items) > LIMITS["recommendations"]:
        raise f.problem(
            "recommendations",
            f"recommendations must be at most {LIMITS['recommendations']}; got {len(items)}.",
        )
    out = []
    for n, item in enumerate(items, 1):
        if not isinstance(item, Mapping):
            raise f.problem("recommendations", f"recommendation {n} must be an object.")
        rec = f.text(
            item.get("recommendation"),
            f"recommendation-{n}",
            f"recommendation {n}",
            2000,
            long=True,
        )
        response = f.choice(
            item.get("response", "pending"),
            f"response-{n}",
            f"the response to recommendation {n}",
            RESPONSES,
        )
        reason = f.text(
            item.get("reason"),
            f"reason-{n}",
            f"the reason for recommendation {n}",
            2000,
            required=False,
            long=True,
        )
        if response in ("modified", "rejected") and not reason:
            raise f.problem(
                f"reason-{n}",
                f"the reason for recommendation {n} must be given when it is {response}; got "
                "nothing. Say why, having regard to reducing health inequalities.",
            )
        out.append(
            {
                "screening_id": screening_id,
                "recommendation": rec,
                "response": response,
                "reason": reason,
            }
        )
    return out


def record_regard(
    engine: Engine,
    who: Actor,
    decision_id: int,
    read: int,
    screening_id: Any,
    items: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """Replace the recommendations of one linked screening and the responses to them."""
    sid = f.whole(screening_id, "screening_id", "screening")
    recs = clean_recommendations(items, sid)
    with f.versioned(f"decision {decision_id}", read), writing(engine) as w:
        d = _current(w, decision_id, read)
        check(who, Permission("decision"), d.authority_code)
        if sid not in (d.screenings or []):
            raise f.problem(
                "screening_id",
                f"screening must be linked to decision {decision_id} before its recommendations "
                f"are recorded; got screening {sid}. Link it first.",
            )
        before = to_dict(d)
        kept = [r for r in d.recommendations or [] if r.get("screening_id") != sid]
        d.recommendations = [*kept, *recs]
        w.flush()
        out = to_dict(d)
        audit.record(w, who.name, "update", "decision", d.id, d.authority_code, before, out)
    return out


# ---------------------------------------------------------------------------- reading
@dataclass(frozen=True)
class ScreeningNote:
    """What a decision's page says about one linked screening."""

    id: int
    title: str
    status: str
    signed_off_on: dt.date | None
    predicted: str


def _screening_notes(engine: Engine, ids: Sequence[int]) -> dict[int, ScreeningNote]:
    from healthgap.policy.screening import ScreeningRepository

    if not ids:
        return {}
    repo = ScreeningRepository(engine)
    notes = {}
    for s in repo.records(ids=list(ids)):
        first = s.signoffs[0].at.date() if s.signoffs else None
        shown = s.published()
        answer = shown.answers.get("deprivation") if shown is not None else None
        predicted = PREDICTIONS.get(str(answer), "not signed off") if shown else "not signed off"
        notes[s.id] = ScreeningNote(s.id, s.title, s.status, first, predicted)
    return notes


def screening_status(
    d: Decision | Mapping[str, Any], notes: Mapping[int, ScreeningNote], today: dt.date
) -> str:
    """:data:`SCREENED_BEFORE`, :data:`SCREENED_LATE`, :data:`NOT_SCREENED` or
    :data:`UPCOMING` (see the module's notes)."""
    decided = d["decided_on"] if isinstance(d, Mapping) else d.decided_on
    if isinstance(decided, str):
        decided = dt.date.fromisoformat(decided)
    ids = d["screenings"] if isinstance(d, Mapping) else d.screenings
    if decided > today:
        return UPCOMING
    if not ids:
        return NOT_SCREENED
    dates = [notes[i].signed_off_on for i in ids if i in notes]
    return SCREENED_BEFORE if any(x is not None and x <= decided for x in dates) else SCREENED_LATE


def predicted(ids: Sequence[int], notes: Mapping[int, ScreeningNote]) -> str:
    """The screenings' expectation for the gap: "widening" if any predicts it, else the
    first signed-off prediction, else "not signed off" (or "" when none is linked)."""
    found = [notes[i].predicted for i in ids if i in notes]
    if not found:
        return ""
    if "widening" in found:
        return "widening"
    signed = [p for p in found if p != "not signed off"]
    return signed[0] if signed else "not signed off"


def decisions(engine: Engine, authority_code: str | None = None) -> list[Decision]:
    """Every decision (of one authority), latest first."""
    q = select(Decision).order_by(Decision.decided_on.desc(), Decision.id.desc())
    if authority_code:
        q = q.where(Decision.authority_code == f.authority(authority_code))
    with Session(engine) as s:
        return list(s.scalars(q))


def get(engine: Engine, decision_id: int) -> Decision:
    """One decision, or an :class:`InputError` naming the id."""
    with Session(engine) as s:
        d = s.get(Decision, decision_id)
    if d is None:
        raise InputError(
            f"decision must be the id of a recorded decision; got {decision_id}. "
            "List them with `healthgap decisions list`."
        )
    return d


@dataclass(frozen=True)
class DecisionView:
    """A decision with what the register says about it (status, prediction, screenings)."""

    record: dict[str, Any]
    status: str
    predicted: str
    screenings: tuple[ScreeningNote, ...]
    responses: dict[str, int]


def view(engine: Engine, d: Decision, today: dt.date | None = None) -> DecisionView:
    """What a decision's page shows."""
    notes = _screening_notes(engine, list(d.screenings or []))
    return _view(d, notes, today or dt.date.today())


def _view(d: Decision, notes: Mapping[int, ScreeningNote], today: dt.date) -> DecisionView:
    responses = dict.fromkeys(RESPONSES, 0)
    for r in d.recommendations or []:
        responses[str(r.get("response"))] = responses.get(str(r.get("response")), 0) + 1
    return DecisionView(
        to_dict(d),
        screening_status(d, notes, today),
        predicted(list(d.screenings or []), notes),
        tuple(notes[i] for i in d.screenings or [] if i in notes),
        responses,
    )


def views(
    engine: Engine, authority_code: str | None = None, today: dt.date | None = None
) -> list[DecisionView]:
    """Every decision (of one authority) with its status and prediction."""
    rows = decisions(engine, authority_code)
    notes = _screening_notes(engine, sorted({i for d in rows for i in d.screenings or []}))
    return [_view(d, notes, today or dt.date.today()) for d in rows]


def export_table(views_: Sequence[DecisionView]) -> pd.DataFrame:
    """The open-data table of the register (one row per decision, :data:`COLUMNS`)."""
    rows = []
    for v in views_:
        r = v.record
        rows.append(
            {
                "id": r["id"],
                "authority_code": r["authority_code"],
                "title": r["title"],
                "decision_maker": r["decision_maker"],
                "directorate": r["directorate"],
                "decided_on": r["decided_on"],
                "forward_plan_ref": r["forward_plan_ref"],
                "key_decision": "yes" if r["key_decision"] else "no",
                "budget_gbp": r["budget"],
                "screenings": " ".join(str(i) for i in r["screenings"]),
                "screening_status": v.status,
                "predicted_effect": v.predicted,
                "targets": " ".join(str(i) for i in r["targets"]),
                "actions": " ".join(r["actions"]),
                "documents": " ".join(doc["url"] for doc in r["documents"]),
                **{f"recommendations_{k}": n for k, n in v.responses.items()},
                "version": r["version"],
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


@dataclass(frozen=True)
class Coverage:
    """Key decisions screened before they were taken, by directorate and year.

    ``table`` columns: ``year``, ``directorate`` ("All directorates" on each year's total
    row), ``key_decisions``, ``screened_before``, ``screened_late``, ``not_screened``,
    ``share_screened_before`` (per cent, 1 decimal place; empty without key decisions).
    ``widening``: the decisions (of any kind) whose screening predicts a widening gap.
    """

    table: pd.DataFrame
    widening: tuple[DecisionView, ...]
    upcoming: int
    method: str = (
        "A key decision counts as screened before it was taken when a linked equity "
        "screening was signed off on or before the date of the decision. Decisions dated "
        "after today are left out. Years are calendar years of the decision."
    )


COVERAGE_COLUMNS = [
    "year",
    "directorate",
    "key_decisions",
    "screened_before",
    "screened_late",
    "not_screened",
    "share_screened_before",
]
ALL_DIRECTORATES = "All directorates"


def coverage_of(views_: Sequence[DecisionView]) -> Coverage:
    """:class:`Coverage` of already-computed views (see :func:`coverage`)."""
    keyed = [v for v in views_ if v.record["key_decision"] and v.status != UPCOMING]
    rows = []
    by: dict[tuple[int, str], list[str]] = {}
    for v in keyed:
        year = int(v.record["decided_on"][:4])
        by.setdefault((year, v.record["directorate"]), []).append(v.status)
        by.setdefault((year, "\uffff"), []).append(v.status)  # the year's total, sorted last
    for (year, directorate), statuses in sorted(by.items(), key=lambda kv: (-kv[0][0], kv[0][1])):
        n = len(statuses)
        before = statuses.count(SCREENED_BEFORE)
        rows.append(
            {
                "year": year,
                "directorate": ALL_DIRECTORATES if directorate == "\uffff" else directorate,
                "key_decisions": n,
                "screened_before": before,
                "screened_late": statuses.count(SCREENED_LATE),
                "not_screened": statuses.count(NOT_SCREENED),
                "share_screened_before": round(100.0 * before / n, 1),
            }
        )
    return Coverage(
        pd.DataFrame(rows, columns=COVERAGE_COLUMNS),
        tuple(v for v in views_ if v.predicted == "widening"),
        sum(1 for v in views_ if v.status == UPCOMING),
    )


def coverage(
    engine: Engine, authority_code: str | None = None, today: dt.date | None = None
) -> Coverage:
    """The share of key decisions screened before they were taken, by directorate and
    year, and the decisions whose screening predicted a widening gap."""
    return coverage_of(views(engine, authority_code, today))
