"""The labelled example workspace: load, count, idempotence, removal of examples only."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from healthgap.appdb.db import init_db
from healthgap.appdb.models import Target
from healthgap.appdb.permissions import Actor, NotPermittedError
from healthgap.data.store import Store
from healthgap.examples import (
    AUTHORITY,
    example_counts,
    expected_counts,
    load_examples,
    remove_examples,
)
from healthgap.framework import ActionPlan, Commitments, Library, Workspace
from healthgap.ledger import import_ledger
from healthgap.policy.screening import ScreeningRepository

ADMIN = Actor("admin@example.org", "admin")
EDITOR = Actor("ed@example.org", "editor", AUTHORITY)


@pytest.fixture
def engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    eng = init_db(f"sqlite:///{tmp_path / 'app.db'}")
    yield eng
    eng.dispose()


def _real_records(engine, store: Store) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Write one real (non-example) record of every part the example touches."""
    from sqlalchemy.orm import Session

    with Session(engine) as s:
        s.execute(text("INSERT INTO authorities (code, name) VALUES ('E47000001', 'GM')"))
        s.add(
            Target(
                authority_code=AUTHORITY,
                indicator_id="hle_birth",
                baseline_period="2022-2024",
                baseline_value=60.0,
                target_year=2030,
                target_value=62.0,
                note="real",
            )
        )
        s.commit()
    repo = ScreeningRepository(engine)
    sid = repo.create("A real screening", authority=AUTHORITY, by="ed@example.org")
    ws = Workspace(engine=engine, create=False)
    action = ActionPlan(ws, AUTHORITY).add(EDITOR, title="A real action")
    Library(ws).add(
        ADMIN,
        {
            "id": "real-case",
            "title": "A real case",
            "summary": "Real",
            "source_title": "Source",
            "source_url": "https://www.gov.uk/",
            "published": "2024-01-01",
        },
    )
    return {"screening": sid, "action": action}


def test_load_writes_every_part_marked_and_is_idempotent(engine, store: Store) -> None:  # type: ignore[no-untyped-def]
    counts = load_examples(engine, store, ADMIN)
    want = expected_counts(store)
    assert counts == want
    # Greater Manchester has ten member districts: one example flow each
    assert want.counts["ledger_flows"] == 10
    assert load_examples(engine, store, ADMIN) == want  # a second load writes nothing
    with engine.connect() as con:
        n_targets = con.execute(select(func.count()).select_from(Target)).scalar_one()
    assert n_targets == 2
    # the baselines are the store's latest values for the authority (Persons)
    with engine.connect() as con:
        rows = con.execute(
            select(Target.indicator_id, Target.baseline_period, Target.baseline_value)
        ).all()
    for indicator, period, value in rows:
        frame = store.to_pandas(store.indicators(indicator, area_code=AUTHORITY, sex="Persons"))
        assert value == pytest.approx(float(frame.loc[frame["period"] == period, "value"].iloc[0]))
    # every record says it is an example, in the marker and in its own words
    ws = Workspace(engine=engine, create=False)
    actions = ActionPlan(ws, AUTHORITY).table()
    assert actions["example"].all() and actions["title"].str.startswith("Example").all()
    assert Commitments(ws, AUTHORITY).table()["example"].all()
    assert Library(ws).cases()["example"].all()
    s = ScreeningRepository(engine).records()
    assert len(s) == 1 and s[0].example and s[0].title.startswith("Example")


def test_remove_takes_examples_only(engine, store: Store) -> None:  # type: ignore[no-untyped-def]
    real = _real_records(engine, store)
    load_examples(engine, store, ADMIN)
    removed = remove_examples(engine, ADMIN)
    assert removed == expected_counts(store)
    assert example_counts(engine).total == 0
    ws = Workspace(engine=engine, create=False)
    assert list(ActionPlan(ws, AUTHORITY).table()["id"]) == [real["action"]]
    assert list(Library(ws).cases()["id"]) == ["real-case"]
    assert [h for h, _ in ScreeningRepository(engine).ids()] == [real["screening"]]
    assert Library(ws).search("evening fares").empty  # the search index forgot them
    with engine.connect() as con:
        notes = con.execute(select(Target.note)).scalars().all()
        flows = con.execute(text("SELECT count(*) FROM ledger_flows")).scalar_one()
        audit = (
            con.execute(text("SELECT action FROM audit_log WHERE entity = 'examples' ORDER BY id"))
            .scalars()
            .all()
        )
    assert notes == ["real"] and flows == 0
    assert audit == ["load", "remove"]
    # loading again after removal brings the whole example back
    assert load_examples(engine, store, ADMIN) == expected_counts(store)


def test_a_partial_example_is_replaced_whole(engine, store: Store) -> None:  # type: ignore[no-untyped-def]
    load_examples(engine, store, ADMIN)
    with engine.begin() as con:
        con.execute(text("DELETE FROM targets WHERE example"))
    assert example_counts(engine).counts["targets"] == 0
    assert load_examples(engine, store, ADMIN) == expected_counts(store)
    ws = Workspace(engine=engine, create=False)
    assert len(ActionPlan(ws, AUTHORITY).table()) == 3  # not six


def test_an_edited_example_stays_an_example(engine, store: Store) -> None:  # type: ignore[no-untyped-def]
    load_examples(engine, store, ADMIN)
    ws = Workspace(engine=engine, create=False)
    plan = ActionPlan(ws, AUTHORITY)
    first = plan.table()["id"].iloc[0]
    plan.update(EDITOR, first, status="done")
    assert plan.table().set_index("id").loc[first, "example"]
    remove_examples(engine, ADMIN)
    assert plan.table().empty


def test_real_screenings_stay_append_only(engine, store: Store) -> None:  # type: ignore[no-untyped-def]
    real = _real_records(engine, store)
    load_examples(engine, store, ADMIN)
    with pytest.raises(Exception, match="append-only"), engine.begin() as con:
        con.execute(
            text("DELETE FROM policy_screening_event WHERE screening_id = :i"),
            {"i": real["screening"]},
        )
    with pytest.raises(Exception, match="append-only"), engine.begin() as con:
        con.execute(text("UPDATE policy_screening SET example = 1"))


@pytest.mark.parametrize("who", [EDITOR, Actor("v@example.org", "viewer")])
def test_only_administrators_load_or_remove(engine, store: Store, who: Actor) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(
        NotPermittedError, match="example workspace must be loaded or removed by an administrator"
    ):
        load_examples(engine, store, who)
    with pytest.raises(NotPermittedError, match="administrator"):
        remove_examples(engine, who)
    assert example_counts(engine).total == 0


def test_example_ledger_imports_through_the_checks(engine, store: Store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    load_examples(engine, store, ADMIN)
    from sqlalchemy.orm import Session

    from healthgap.ledger import check_ledger

    with Session(engine) as s:
        result = check_ledger(s)
    example = result.table[result.table["commissioner_code"] == "EXAMPLEICB1"]
    assert len(example) == 1
    # ten districts x 80,000 pounds, within the 1,000,000 allocation
    assert int(example["flows_pence"].iloc[0]) == 10 * 80_000 * 100
    assert int(example["allocated_pence"].iloc[0]) == 1_000_000 * 100
    assert import_ledger  # imported through the same function as any file
