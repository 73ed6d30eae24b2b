"""Age-standardised death rates by cause and the North East's excess over the South East."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from healthgap.account.causes import regional_excess, standardised_rates
from healthgap.data.store import Store
from healthgap.errors import InputError
from tests.data.open_data._mirror import mirror_or_skip


def test_dsr_by_hand_from_the_source_file(fw_store: Store) -> None:
    mirror = mirror_or_skip()
    with (mirror / "reference/esp2013_20_age_bands.csv").open(encoding="utf-8") as fh:
        weights = {int(r["age_lower"]): float(r["esp2013_weight"]) for r in csv.DictReader(fh)}
    path = mirror / "mortality/ons_sdg_3_4_1_death_rates_region_sex_age_cause_2013_2020.csv"
    with path.open(encoding="utf-8-sig") as fh:
        rows = [
            r
            for r in csv.DictReader(fh)
            if r["Year"] == "2019"
            and r["GeoCode"] == "E12000001"
            and r["Type of disease"] == "Cancer"
            and r["Sex"] == ""
            and r["Chronic respiratory disease type"] == ""
        ]
    lower = {"90 and over": 90}
    pairs = [
        (weights[lower.get(r["Age"]) or int(r["Age"].split(" to ")[0])], float(r["Value"]))
        for r in rows
        if r["Age"] in lower or (r["Age"][0].isdigit() and int(r["Age"].split(" to ")[0]) >= 30)
    ]
    assert len(pairs) == 13
    expected = sum(w * v for w, v in pairs) / sum(w for w, _ in pairs)
    got = standardised_rates(fw_store).set_index(["year", "area_code", "cause", "sex"])
    value = got.loc[(2019, "E12000001", "Cancer", "Persons"), "dsr_per_100000"]
    assert value == pytest.approx(expected, rel=1e-12)


def test_excess_contributions_sum_to_the_dsr_difference(fw_store: Store) -> None:
    r = regional_excess(fw_store, year=2019)
    assert r.year == 2019
    for row in r.by_cause.itertuples():
        part = r.by_age[r.by_age["cause"] == row.cause]
        assert part["contribution"].sum() == pytest.approx(row.dsr_high - row.dsr_low, rel=1e-10)
    cancer = r.by_cause.set_index("cause").loc["Cancer"]
    assert 1.1 <= cancer["ratio"] <= 1.4  # SOURCES.md: NE/SE cancer ratio 1.1-1.4 from 45
    assert np.isfinite(r.by_cause["excess"]).all()
    with pytest.raises(InputError, match=r"year must be one of 2013-2020; got 1999"):
        regional_excess(fw_store, year=1999)
