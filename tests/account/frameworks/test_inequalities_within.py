"""Inequalities within an area: HEAT measures against hand calculations on the real rows."""

from __future__ import annotations

import numpy as np
import pytest

from healthgap.account.inequalities import inequalities
from healthgap.data.store import Store
from healthgap.errors import InputError


def test_ethnic_group_measures_by_hand(fw_store: Store) -> None:
    r = inequalities("E08000003", store=fw_store)
    g = r.groups
    part = g[
        (g["indicator_id"] == "92026")
        & (g["category_type"] == "Ethnic groups")
        & (g["sex"] == "Persons")
    ]
    assert "Not stated / invalid" not in set(part["category"])
    y = part["value"].to_numpy(dtype=float)
    # weights: the groups' Census 2021 residents (tests/account/test_census_inequalities.py
    # checks them against the census file); HEAT formulas, METHODS.md section 11
    assert part["weight"].str.startswith("Census 2021").all()
    p = part["population"].to_numpy(dtype=float)
    p = p / p.sum()
    mu = float((p * y).sum())
    m = r.measures
    m = m[
        (m["indicator_id"] == "92026")
        & (m["category_type"] == "Ethnic groups")
        & (m["sex"] == "Persons")
    ].set_index("measure")["value"]
    assert m["BGV"] == pytest.approx((p * (y - mu) ** 2).sum(), rel=1e-10)
    assert m["IDISW"] == pytest.approx(100 * (p * np.abs(y - mu)).sum() / mu, rel=1e-10)
    assert m["TI"] == pytest.approx(1000 * (p * (y / mu) * np.log(y / mu)).sum(), rel=1e-10)
    # PAR against the best group; obesity: low is good, so the best is the lowest
    assert m["PAR"] == pytest.approx(y.min() - mu, rel=1e-10)
    assert m["D"] == pytest.approx(y.max() - y.min(), rel=1e-10)


def test_deprivation_sii_by_hand(fw_store: Store) -> None:
    r = inequalities("E08000003", store=fw_store)
    g = r.groups
    part = (
        g[
            (g["indicator_id"] == "92033")
            & (g["dimension"] == "deprivation within the area")
            & (g["sex"] == "Persons")
        ]
        .dropna(subset=["value"])
        .sort_values("rank")
    )
    y = part["value"].to_numpy(dtype=float)
    # population shares (mid-2020 LSOA populations of the quintiles); ridit midpoints of
    # the groups present, most deprived first; weighted least squares
    assert part["weight"].str.startswith("mid-2020 population").all()
    a = part["population"].to_numpy(dtype=float)
    a = a / a.sum()
    x = np.cumsum(a) - a / 2
    slope = np.polyfit(x, y, 1, w=np.sqrt(a))[0]
    m = r.measures
    sii = m[
        (m["indicator_id"] == "92033")
        & (m["dimension"] == "deprivation within the area")
        & (m["sex"] == "Persons")
        & (m["measure"] == "SII")
    ]["value"].iloc[0]
    # without a proportion scale HEAT's SII is the weighted least-squares slope on the
    # ridits
    assert sii == pytest.approx(slope, rel=1e-10)
    assert sii < 0  # more obesity in the more deprived areas
    assert part["category"].iloc[0] == "Most deprived quintile"


def test_no_breakdowns_is_an_error(fw_store: Store) -> None:
    with pytest.raises(InputError, match=r"area must have indicator values in the store; got 'X1'"):
        inequalities("X1", store=fw_store)
