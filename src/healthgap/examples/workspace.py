"""Load and remove the labelled example workspace in the app database.

:func:`load_examples` writes an example authority's targets, an equity screening, an
action plan, a partner and joint commitment, ledger entries and case studies, each
through its own domain service (so each is checked as a real record would be) and each
marked as an example: the ``example`` column of targets, screenings and ledger rows
(revision ``0011_examples``), ``"example": true`` in framework records' data. Pages,
downloads and the report tag them "Example".

:func:`remove_examples` deletes every record so marked, and nothing else, in one
transaction. Loading is idempotent: when the whole example is there already nothing is
written; when only part of it is (someone deleted a record), what is left is removed and
the whole example written again.

**Version.** The example workspace as a whole has a version (a counter row in
``framework_sequences``, :func:`examples_version`). A load or removal names the version
it was based on (the web form's hidden field) and first advances it with a
compare-and-swap ``UPDATE ... WHERE last = :read``: of two administrators pressing the
button at once exactly one goes ahead; the other gets
:class:`~healthgap.appdb.versions.StaleVersionError` and nothing of theirs is written, so
the example is never written twice.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import delete, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from healthgap.appdb import audit
from healthgap.appdb.db import writing
from healthgap.appdb.models import Target, ensure_authority
from healthgap.appdb.permissions import Actor, Permission, check
from healthgap.appdb.versions import StaleVersionError
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.examples import content as c
from healthgap.safe_csv import to_csv

#: What the example holds, by part (the keys of :class:`ExampleCounts`).
PARTS: tuple[str, ...] = (
    "targets",
    "screenings",
    "actions",
    "partners",
    "commitments",
    "case_studies",
    "ledger_imports",
    "ledger_allocations",
    "ledger_flows",
)
#: Framework kinds the example writes.
FRAMEWORK_KINDS: tuple[str, ...] = ("action", "partner", "commitment", "case_study")
PERMISSION = Permission("examples", "manage")
_SINGULAR = {
    "targets": "target",
    "screenings": "screening",
    "actions": "action",
    "partners": "partner",
    "commitments": "commitment",
    "case_studies": "case study",
    "ledger_imports": "ledger import",
    "ledger_allocations": "ledger allocation",
    "ledger_flows": "ledger flow",
}


@dataclass(frozen=True)
class ExampleCounts:
    """How many example records of each part are in the app database."""

    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        """One sentence, e.g. ``2 targets, 1 screening, ...``."""
        if not self.total:
            return "No example records."
        parts = [
            f"{n} {k.replace('_', ' ') if n != 1 else _SINGULAR[k]}"
            for k, n in self.counts.items()
            if n
        ]
        return "Example records: " + ", ".join(parts) + "."


def expected_counts(store: Store) -> ExampleCounts:
    """What a complete example holds (the flows depend on the authority's members)."""
    districts = len(_districts(store))
    return ExampleCounts(
        {
            "targets": len(c.TARGETS),
            "screenings": 1,
            "actions": len(c.ACTIONS),
            "partners": 1,
            "commitments": len(c.COMMITMENTS),
            "case_studies": len(c.CASE_STUDIES),
            "ledger_imports": 2,
            "ledger_allocations": 1,
            "ledger_flows": districts,
        }
    )


def _framework_ids(session: Session) -> list[tuple[str, str]]:
    """(kind, record id) of every framework record any version of which is an example."""
    from healthgap.framework.storage import Record

    q = (
        select(Record.kind, Record.record_id)
        .where(Record.data["example"].as_boolean().is_(True))
        .distinct()
    )
    return [(str(k), str(r)) for k, r in session.execute(q)]


def _deleted_framework(session: Session) -> set[tuple[str, str]]:
    """Example framework records whose latest version is a deletion (not counted)."""
    from healthgap.framework.storage import Record

    latest = (
        select(Record.kind, Record.record_id, func.max(Record.version).label("v"))
        .group_by(Record.kind, Record.record_id)
        .subquery()
    )
    q = select(Record.kind, Record.record_id).join(
        latest,
        (Record.kind == latest.c.kind)
        & (Record.record_id == latest.c.record_id)
        & (Record.version == latest.c.v),
    )
    q = q.where(Record.deleted.is_(True))
    return {(str(k), str(r)) for k, r in session.execute(q)}


def example_counts(engine: Engine) -> ExampleCounts:
    """Count the example records in the app database at ``engine`` (migrated)."""
    import healthgap.ledger.models as lm
    from healthgap.policy.screening import screenings

    with Session(engine) as session:
        counts = {
            "targets": _count(session, Target.__table__, Target.example),
            "screenings": _count(session, screenings, screenings.c.example),
            "ledger_imports": _count(session, lm.LedgerImport.__table__, lm.LedgerImport.example),
            "ledger_allocations": _count(
                session, lm.LedgerAllocation.__table__, lm.LedgerAllocation.example
            ),
            "ledger_flows": _count(session, lm.LedgerFlow.__table__, lm.LedgerFlow.example),
        }
        gone = _deleted_framework(session)
        live = [k for k in _framework_ids(session) if k not in gone]
    names = {"action": "actions", "partner": "partners", "commitment": "commitments"}
    for kind in FRAMEWORK_KINDS:
        part = names.get(kind, "case_studies")
        counts[part] = sum(1 for k, _ in live if k == kind)
    return ExampleCounts({p: counts[p] for p in PARTS})


def _count(session: Session, table: Any, column: Any) -> int:
    found = session.scalar(select(func.count()).select_from(table).where(column.is_(True)))
    return int(found or 0)


def _districts(store: Store) -> pd.DataFrame:
    from healthgap.geography.authorities import members_of

    return members_of(c.AUTHORITY, store).sort_values("lad_code", ignore_index=True)


#: The ``framework_sequences`` row holding the example workspace's version.
VERSION_KEY = "examples:workspace"


def examples_version(engine: Engine) -> int:
    """The example workspace's version (0 before anything was ever loaded)."""
    from healthgap.framework.storage import IdCounter

    with Session(engine) as session:
        row = session.get(IdCounter, VERSION_KEY)
        return 0 if row is None else int(row.last)


def _claim(engine: Engine, read: int | None) -> int:
    """Advance the version from ``read`` (``None``: the current one); the new version.

    Raises :class:`StaleVersionError` when another load or removal moved it first.
    """
    from sqlalchemy import update

    from healthgap.framework.storage import IdCounter

    read = examples_version(engine) if read is None else read
    with writing(engine) as session:
        if session.get(IdCounter, VERSION_KEY) is None:
            if session.get_bind().dialect.name == "postgresql":
                from sqlalchemy.dialects.postgresql import insert
            else:
                from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
            session.execute(
                insert(IdCounter).values(name=VERSION_KEY, last=0).on_conflict_do_nothing()
            )
        moved = session.execute(
            update(IdCounter)
            .where(IdCounter.name == VERSION_KEY, IdCounter.last == read)
            .values(last=IdCounter.last + 1)
            .returning(IdCounter.last)
        ).scalar_one_or_none()
        if moved is None:
            current = session.get(IdCounter, VERSION_KEY)
            raise StaleVersionError(
                "the example workspace", read, None if current is None else int(current.last)
            )
        return int(moved)


def load_examples(
    engine: Engine, store: Store, who: Actor, *, expected_version: int | None = None
) -> ExampleCounts:
    """Write the example workspace (an administrator's job); the counts afterwards.

    Idempotent: a complete example is left as it is; a partial one is replaced.
    ``expected_version``: the :func:`examples_version` the request was based on.
    """
    check(who, PERMISSION)
    _claim(engine, expected_version)
    have = example_counts(engine)
    want = expected_counts(store)
    if have.counts == want.counts:
        return have
    if have.total:
        _remove(engine, who)
    _load_targets(engine, store, who)
    _load_screening(engine)
    _load_framework(engine, store, who)
    _load_ledger(engine, store)
    with writing(engine) as session:
        audit.record(
            session, who.name, "load", "examples", "workspace", c.AUTHORITY, None, want.counts
        )
    return example_counts(engine)


def remove_examples(
    engine: Engine, who: Actor, *, expected_version: int | None = None
) -> ExampleCounts:
    """Delete every example record, and nothing else, in one transaction; what was removed.

    ``expected_version``: the :func:`examples_version` the request was based on.
    """
    check(who, PERMISSION)
    _claim(engine, expected_version)
    return _remove(engine, who)


def _remove(engine: Engine, who: Actor) -> ExampleCounts:
    import healthgap.ledger.models as lm
    from healthgap.framework.storage import Record
    from healthgap.policy.screening import events, screenings

    removed = example_counts(engine)
    with writing(engine) as session:
        examples = select(screenings.c.id).where(screenings.c.example.is_(True))
        session.execute(delete(events).where(events.c.screening_id.in_(examples)))
        session.execute(delete(screenings).where(screenings.c.example.is_(True)))
        session.execute(delete(Target).where(Target.example.is_(True)))
        for model in (lm.LedgerFlow, lm.LedgerAllocation, lm.LedgerImport):
            session.execute(delete(model).where(model.example.is_(True)))
        ids = _framework_ids(session)
        fts = session.get_bind().dialect.name == "sqlite" and _has_fts(session)
        for kind, rid in ids:
            session.execute(delete(Record).where(Record.kind == kind, Record.record_id == rid))
            if kind == "case_study" and fts:
                session.execute(
                    text("DELETE FROM framework_case_fts WHERE record_id = :r"), {"r": rid}
                )
        if removed.total:
            audit.record(
                session, who.name, "remove", "examples", "workspace", None, removed.counts, None
            )
    return removed


def _has_fts(session: Session) -> bool:
    found = session.execute(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'framework_case_fts'")
    ).first()
    return found is not None


# ---------------------------------------------------------------------------- the parts
def _baseline(store: Store, indicator: str) -> tuple[str, float, str | None]:
    frame = store.to_pandas(store.indicators(indicator, area_code=c.AUTHORITY))
    frame = frame[(frame["sex"] == "Persons") & frame["value"].notna()]
    if frame.empty:
        raise InputError(
            f"the store must hold {indicator} for {c.AUTHORITY_NAME} ({c.AUTHORITY}) to write "
            "the example targets; got no rows. Rebuild it with `healthgap init`."
        )
    latest = frame.sort_values("period_end").iloc[-1]
    age = latest["age"] if isinstance(latest["age"], str) and latest["age"] else None
    return str(latest["period"]), float(latest["value"]), age


def _load_targets(engine: Engine, store: Store, who: Actor) -> None:
    rows = []
    for spec in c.TARGETS:
        period, value, age = _baseline(store, spec["indicator_id"])
        rows.append(
            Target(
                authority_code=c.AUTHORITY,
                indicator_id=spec["indicator_id"],
                sex="Persons",
                age=age,
                baseline_period=period,
                baseline_value=value,
                target_year=spec["target_year"],
                target_value=round(value + spec["change"], 1),
                note=spec["note"],
                published=True,
                example=True,
            )
        )
    with writing(engine) as session:
        ensure_authority(session, c.AUTHORITY, c.AUTHORITY_NAME)
        session.add_all(rows)
        session.flush()
        for t in rows:
            audit.record(
                session, who.name, "create", "target", t.id, c.AUTHORITY, None, t.to_dict()
            )


def _load_screening(engine: Engine) -> None:
    from healthgap.policy.screening import ScreeningRepository

    repo = ScreeningRepository(engine)
    sid = repo.create(c.SCREENING_TITLE, authority=c.AUTHORITY, by=c.ACTOR, example=True)
    repo.answer_all(sid, c.SCREENING_ANSWERS, by=c.ACTOR)


def _load_framework(engine: Engine, store: Store, who: Actor) -> None:
    from healthgap.framework import ActionPlan, Commitments, Library, Partnerships, Workspace

    ws = Workspace(engine=engine, create=False)
    ws.examples = True
    for action in c.ACTIONS:
        ActionPlan(ws, c.AUTHORITY).add(who, store, **action)
    partner = Partnerships(ws, c.AUTHORITY).add_partner(who, c.PARTNER["name"], c.PARTNER["type"])
    for spec in c.COMMITMENTS:
        fields = {k: v for k, v in spec.items() if not k.startswith("partner_")}
        fields["partners"] = [
            {
                "partner": partner,
                "commits_to": spec["partner_commits_to"],
                "signed": spec["partner_signed"],
            }
        ]
        Commitments(ws, c.AUTHORITY).add(who, store, **fields)
    library = Library(ws)
    for case in c.CASE_STUDIES:
        library.add(who, {**case, "authority_code": c.AUTHORITY})


def _load_ledger(engine: Engine, store: Store) -> None:
    from healthgap.ledger import import_ledger

    districts = _districts(store)
    allocation = {
        "commissioner_code": c.COMMISSIONER["code"],
        "commissioner_name": c.COMMISSIONER["name"],
        "commissioner_type": "icb",
        "period": c.LEDGER_PERIOD,
        "programme": c.LEDGER_PROGRAMME,
        "amount": f"{c.LEDGER_ALLOCATION:.2f}",
        "source_ref": f"{c.LEDGER_LABEL}: allocation",
    }
    flows = [
        {
            "row_type": "flow",
            "commissioner_code": c.COMMISSIONER["code"],
            "provider_code": c.LEDGER_PROVIDER["code"],
            "provider_name": c.LEDGER_PROVIDER["name"],
            "provider_type": c.LEDGER_PROVIDER["type"],
            "programme": c.LEDGER_PROGRAMME,
            "area_code": lad,
            "period": c.LEDGER_PERIOD,
            "amount": f"{c.LEDGER_PER_DISTRICT:.2f}",
            "refund": "no",
            "source_ref": f"{c.LEDGER_LABEL}: {name}",
        }
        for lad, name in zip(districts["lad_code"], districts["lad_name"], strict=True)
    ]
    with tempfile.TemporaryDirectory(prefix="healthgap-examples-") as tmp:
        files = []
        for kind, rows in (("allocations", [allocation]), ("flows", flows)):
            path = Path(tmp) / f"example_{kind}.csv"
            to_csv(pd.DataFrame(rows), path)
            files.append((kind, path))
        with Session(engine) as session:
            for kind, path in files:
                import_ledger(session, path, kind, store=store, user=c.ACTOR, example=True)
