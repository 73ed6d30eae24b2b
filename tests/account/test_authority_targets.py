"""Authorities' targets (TargetBook): checked against the store, versions, permissions,
retirement, audit, and a status computed from the published series.

Reference values come from the mirror's ONS file (hle_le/ons_hle_birth_local_areas_2011_2024
.csv), read here independently of the store."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from healthgap.account.authority_targets import TargetBook, TargetFieldErrors, check_target
from healthgap.appdb.db import init_db
from healthgap.appdb.models import AuditEntry
from healthgap.appdb.permissions import Actor, NotPermittedError
from healthgap.appdb.versions import StaleVersionError
from healthgap.data.store import Store
from healthgap.errors import InputError

GM = "E47000001"
ADMIN = Actor("ada@example.org", "admin")
GM_EDITOR = Actor("gita@example.org", "editor", GM)
SY_EDITOR = Actor("sam@example.org", "editor", "E47000002")
VIEWER = Actor("vic@example.org", "viewer")
GOOD = {
    "authority_code": GM,
    "indicator_id": "hle_birth",
    "sex": "Female",
    "baseline_period": "2016-2018",
    "target_year": 2030,
    "target_value": 64.0,
}


@pytest.fixture
def book(tmp_path: Path) -> Iterator[TargetBook]:
    engine = init_db(f"sqlite:///{tmp_path / 'app.db'}")
    yield TargetBook(engine)
    engine.dispose()


def ons(mirror: Path, area: str, sex: str) -> dict[str, tuple[float, float, float, int]]:
    with (mirror / "hle_le" / "ons_hle_birth_local_areas_2011_2024.csv").open() as f:
        return {
            r["period"]: (
                float(r["hle_years"]),
                float(r["lower_95"]),
                float(r["upper_95"]),
                int(r["period_end"]),
            )
            for r in csv.DictReader(f)
            if r["area_code"] == area and r["sex"] == sex
        }


def errors_of(fields: dict[str, Any], store: Store) -> list[tuple[str, str]]:
    with pytest.raises(TargetFieldErrors) as info:
        check_target(fields, store)
    return info.value.errors


def test_a_misspelt_indicator_names_the_nearest(store: Store) -> None:
    (err,) = errors_of({**GOOD, "indicator_id": "hle_brith"}, store)
    assert err[0] == "indicator_id"
    assert err[1].startswith("indicator must be an indicator of the store; got 'hle_brith'.")
    assert "Did you mean 'hle_birth' (Healthy life expectancy at birth)" in err[1]


def test_a_baseline_period_not_in_the_data_lists_the_periods(store: Store, mirror: Path) -> None:
    (err,) = errors_of({**GOOD, "baseline_period": "1999"}, store)
    periods = sorted(ons(mirror, GM, "Female"))
    assert err == (
        "baseline_period",
        f"baseline period must be a period of hle_birth in {GM}; got '1999'. "
        f"Periods: {', '.join(periods)}.",
    )


def test_hle_needs_a_sex_and_the_choices_are_named(store: Store) -> None:
    got = errors_of({**GOOD, "sex": "", "baseline_period": "1999"}, store)
    assert [f for f, _ in got] == ["sex", "baseline_period"]
    assert got[0][1] == (
        f"sex must be given for hle_birth in {GM}: it is published for Female, Male; got "
        "none. Choose one."
    )
    (err,) = errors_of({**GOOD, "sex": "Persons"}, store)
    assert err == ("sex", f"sex must be one of Female, Male for hle_birth in {GM}; got 'Persons'.")
    assert check_target({**GOOD, "sex": "female"}, store)["sex"] == "Female"


def test_an_area_without_the_indicator_names_the_nearest(store: Store) -> None:
    (err,) = errors_of({**GOOD, "authority_code": "E4700001"}, store)
    assert err[0] == "authority_code"
    assert err[1].startswith("area must be an area with data for hle_birth; got 'E4700001'.")
    assert "Did you mean" in err[1]


def test_numbers_years_direction_and_baseline_value(store: Store, mirror: Path) -> None:
    base = ons(mirror, GM, "Female")["2016-2018"][0]
    got = errors_of(
        {**GOOD, "target_year": "soon", "target_value": "lots", "polarity": "up"}, store
    )
    assert [f for f, _ in got] == ["target_year", "target_value", "polarity"]
    (err,) = errors_of({**GOOD, "target_year": 2018}, store)
    assert err[1] == (
        "target year must be after the baseline period 2016-2018 (which ends in 2018); got 2018."
    )
    (err,) = errors_of({**GOOD, "target_value": base - 1}, store)
    assert err[0] == "target_value" and "must be better than the baseline" in err[1]
    (err,) = errors_of({**GOOD, "baseline_value": base + 0.5}, store)
    assert err[0] == "baseline_value" and f"store's estimate for 2016-2018, {base:g}" in err[1]
    clean = check_target({**GOOD, "baseline_value": base}, store)
    assert clean["baseline_value"] == base and clean["polarity"] == "higher_is_better"
    assert clean["age"] == "All ages"


def test_add_edit_retire_with_versions_and_audit(
    book: TargetBook, store: Store, mirror: Path
) -> None:
    t = book.add(GM_EDITOR, store, **GOOD)
    assert t["version"] == 1 and t["baseline_value"] == ons(mirror, GM, "Female")["2016-2018"][0]
    t2 = book.edit(GM_EDITOR, t["id"], 1, store, target_value=65.0)
    assert t2["version"] == 2 and t2["target_value"] == 65.0 and t2["sex"] == "Female"
    with pytest.raises(StaleVersionError, match="based on version 1, but it is now version 2"):
        book.edit(GM_EDITOR, t["id"], 1, store, target_value=66.0)
    with pytest.raises(StaleVersionError):
        book.retire(GM_EDITOR, t["id"], 1)
    assert book.get(t["id"])["target_value"] == 65.0  # nothing changed
    r = book.retire(GM_EDITOR, t["id"], 2)
    assert r["retired_at"] is not None and r["version"] == 3
    assert book.list() == [] and len(book.list(include_retired=True)) == 1
    with pytest.raises(InputError, match="must be current to be changed"):
        book.edit(GM_EDITOR, t["id"], 3, store, target_value=67.0)
    with Session(book.engine) as s:
        actions = [e.action for e in s.query(AuditEntry).order_by(AuditEntry.id)]
    assert actions == ["create", "update", "retire"]


def test_permissions(book: TargetBook, store: Store) -> None:
    for who in (SY_EDITOR, VIEWER):
        with pytest.raises(NotPermittedError):
            book.add(who, store, **GOOD)
    t = book.add(ADMIN, store, **GOOD)
    with pytest.raises(NotPermittedError):
        book.edit(SY_EDITOR, t["id"], 1, store, target_value=65.0)
    with pytest.raises(NotPermittedError):  # an editor cannot move a target to another area
        book.edit(GM_EDITOR, t["id"], 1, store, authority_code="E47000002")
    with pytest.raises(NotPermittedError):
        book.retire(VIEWER, t["id"], 1)
    assert book.get(t["id"])["version"] == 1


def test_status_from_the_published_series(book: TargetBook, store: Store, mirror: Path) -> None:
    series = ons(mirror, GM, "Female")
    book.add(ADMIN, store, **GOOD)  # 2030: before the due date
    due = {**GOOD, "sex": "Male", "baseline_period": "2011-2013", "target_year": 2022}
    book.add(ADMIN, store, **{**due, "target_value": 61.0})
    table = book.status(store, GM, as_of=dt.date(2026, 1, 1)).set_index("sex")
    # by hand: the line from the 2016-2018 value (end 2018) to 64 by 2030, at 2024
    base, latest = series["2016-2018"], series["2022-2024"]
    expected = base[0] + (64.0 - base[0]) * (2024 - 2018) / (2030 - 2018)
    female = table.loc["Female"]
    assert female["expected"] == pytest.approx(expected, rel=1e-12)
    assert (female["value"], female["lower"], female["upper"]) == latest[:3]
    assert female["status"] == ("off track" if latest[2] < expected else "on track")
    male = table.loc["Male"]  # due 2022: judged on 2020-2022, the first period including it
    m = ons(mirror, GM, "Male")["2020-2022"]
    assert male["period"] == "2020-2022" and male["value"] == m[0]
    assert male["status"] == ("met" if m[0] >= 61.0 else "not met")
