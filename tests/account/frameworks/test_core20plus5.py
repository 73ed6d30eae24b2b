"""Core20PLUS5: Core20 population, ecological Core20-vs-rest values, the 5 templates."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from healthgap.account.core20plus5 import (
    CLINICAL_AREAS,
    clinical_summary,
    clinical_template,
    core20_indicators,
    footprint_lads,
    lad_deciles,
    validate_clinical,
)
from healthgap.data.store import Store
from healthgap.errors import InputError

Z95 = 1.959963984540054


def wilson(x: float, n: float, z: float) -> tuple[float, float]:
    """Wilson score interval written from METHODS.md section 2 (scalar)."""
    centre = 2 * x + z * z
    spread = z * math.sqrt(z * z + 4 * x * (1 - x / n))
    return (centre - spread) / (2 * (n + z * z)), (centre + spread) / (2 * (n + z * z))


# --------------------------------------------------------------- the 5


def test_clinical_area_names_are_nhs_englands() -> None:
    adults = [a.name for a in CLINICAL_AREAS["adults"]]
    cyp = [a.name for a in CLINICAL_AREAS["children_and_young_people"]]
    assert adults == [
        "Maternity",
        "Severe mental illness (SMI)",
        "Chronic respiratory disease",
        "Early cancer diagnosis",
        "Hypertension case-finding",
    ]
    assert cyp == ["Asthma", "Diabetes", "Epilepsy", "Oral health", "Mental health"]


def filled() -> pd.DataFrame:
    t = clinical_template("adults", area_codes=["E54000057"], plus_groups=["Learning disability"])
    t["numerator"] = [30, 120, 9] * 5
    t["denominator"] = [100, 200, 40] * 5
    return t


def test_template_shape() -> None:
    t = clinical_template(
        "children_and_young_people", area_codes=["A", "B"], plus_groups=["Carers"]
    )
    assert len(t) == 5 * 2 * 3
    assert t[["numerator", "denominator"]].isna().all().all()
    with pytest.raises(InputError, match=r"population must be one of adults, children_and_young"):
        clinical_template("elderly")  # type: ignore[arg-type]


def test_clinical_summary_against_scalar_wilson() -> None:
    out = clinical_summary(filled())
    cancer = out[out["clinical_area"] == "cancer"].set_index("group")
    for group, x, n in [("Core20", 30, 100), ("Rest", 120, 200), ("Whole population", 150, 300)]:
        lo, hi = wilson(x, n, Z95)
        assert cancer.loc[group, "value"] == pytest.approx(100 * x / n, rel=1e-10)
        assert cancer.loc[group, "lower_95_0"] == pytest.approx(100 * lo, rel=1e-10)
        assert cancer.loc[group, "upper_95_0"] == pytest.approx(100 * hi, rel=1e-10)
    assert cancer.loc["Core20", "gap_vs_rest"] == pytest.approx(30.0 - 60.0, rel=1e-10)
    # Core20 30% (21.9-39.6) against the whole 50%: lower; LD 22.5% (12.3-37.5): lower
    assert cancer.loc["Core20", "compared_95"] == "lower"
    assert cancer.loc["Learning disability", "compared_95"] == "lower"
    assert cancer.loc["Rest", "compared_95"] == "higher"


def test_validate_clinical_errors() -> None:
    good = filled()
    with pytest.raises(InputError, match=r"must have columns .* got no 'numerator' column"):
        validate_clinical(good.drop(columns="numerator"))
    bad = good.copy()
    bad.loc[3, "clinical_area"] = "dentistry"
    with pytest.raises(
        InputError, match=r"clinical_area must be one of .* got 'dentistry' in row 4"
    ):
        validate_clinical(bad)
    bad = good.copy()
    bad.loc[2, "numerator"] = np.nan
    with pytest.raises(InputError, match=r"numerator must be a count of 0 or more .* row 3"):
        validate_clinical(bad)
    bad = good.copy()
    bad.loc[0, "numerator"] = 500
    with pytest.raises(InputError, match=r"numerator must not exceed denominator; got 500 > 100"):
        validate_clinical(bad)
    with pytest.raises(InputError, match=r"must appear once; got a repeat in row 16"):
        validate_clinical(pd.concat([good, good.iloc[[0]]], ignore_index=True))
    with pytest.raises(InputError, match=r"must have both Core20 and Rest rows; got maternity"):
        validate_clinical(
            good[~((good["clinical_area"] == "maternity") & (good["group"] == "Rest"))]
        )
    with pytest.raises(InputError, match=r"clinical_area must be one of asthma"):
        validate_clinical(good, "children_and_young_people")


# --------------------------------------------------------------- Core20 on the real store


def test_lad_deciles_hold_a_tenth_of_the_population_each(fw_store: Store) -> None:
    d = lad_deciles(fw_store)
    shares = d.groupby("decile")["population"].sum() / d["population"].sum()
    assert shares.index.tolist() == list(range(1, 11))
    assert shares.between(0.09, 0.11).all()
    # deciles follow the score: every LAD in decile k is at least as deprived as decile k+1
    lo = d.groupby("decile")["imd_score"].min()
    hi = d.groupby("decile")["imd_score"].max()
    assert (lo.iloc[:-1].to_numpy() >= hi.iloc[1:].to_numpy()).all()


def test_england_core20_is_the_published_fifth_of_lsoas(fw_store: Store) -> None:
    res = core20_indicators("E92000001", store=fw_store, repetitions=2_000)
    pop = res.population.iloc[0]
    # MHCLG IoD2019: 32,844 LSOAs, deciles 1-2 hold 6,568 of them
    assert (pop["lsoas"], pop["core20_lsoas"]) == (32844, 6568)
    assert 0.19 < pop["core20_population_share"] < 0.21
    table = res.indicators
    # England covers all ten deciles: its footprint SII is England's (same data and seed)
    assert np.allclose(table["footprint_sii"], table["england_sii"], rtol=1e-12)
    hle = table[(table["indicator_id"] == "hle_birth") & (table["sex"] == "Male")].iloc[0]
    assert hle["gap"] < 0 < hle["england_sii"]  # HLE is lower in the most deprived LADs
    assert any("Ecological approximation" in n for n in res.notes)


def test_core20_vs_rest_by_hand(fw_store: Store) -> None:
    d = lad_deciles(fw_store).set_index("area_code")
    t = fw_store.table("indicators")
    raw = fw_store.to_pandas(
        t.filter((t.indicator_id == "93722") & (t.area_type == "lad") & (t.period == "2022-2024"))
    ).set_index("area_code")
    have = d[d.index.isin(raw.index)]
    core = have[have["decile"] <= 2].index[:2].tolist()
    rest = have[have["decile"] >= 8].index[:2].tolist()
    res = core20_indicators(
        core + rest, store=fw_store, indicators=[("93722", "Persons")], repetitions=2_000
    )
    row = res.indicators.iloc[0]
    assert row["period"] == "2022-2024"

    def pooled(codes: list[str]) -> tuple[float, float]:
        w = np.array([d.loc[c, "population"] for c in codes])
        v = np.array([raw.loc[c, "value"] for c in codes], dtype=float)
        se = np.array(
            [(raw.loc[c, "upper_95_0"] - raw.loc[c, "lower_95_0"]) / (2 * Z95) for c in codes],
            dtype=float,
        )
        return float((w * v).sum() / w.sum()), float(math.sqrt((w**2 * se**2).sum()) / w.sum())

    (vc, sc), (vr, sr) = pooled(core), pooled(rest)
    assert row["core20_value"] == pytest.approx(vc, rel=1e-10)
    assert row["rest_value"] == pytest.approx(vr, rel=1e-10)
    assert row["gap"] == pytest.approx(vc - vr, rel=1e-10)
    assert row["gap_upper_95_0"] == pytest.approx(vc - vr + Z95 * math.hypot(sc, sr), rel=1e-10)
    assert (row["core20_n_lads"], row["rest_n_lads"]) == (2, 2)
    assert math.isnan(row["footprint_sii"])  # four LADs do not cover ten deciles


def test_footprints(fw_store: Store) -> None:
    name, lads = footprint_lads("E47000001", fw_store)
    assert name == "Greater Manchester" and len(lads) == 10
    with pytest.raises(
        InputError,
        match=r"footprint must be an English area code \(strategic authority E47/E61, ICB E54",
    ):
        footprint_lads("X", fw_store)
    with pytest.raises(InputError, match=r"footprint LADs must be LAD 2024 codes; got 'X'"):
        footprint_lads(["E08000025", "X"], fw_store)


def test_single_lad_footprint_has_no_rest(fw_store: Store) -> None:
    res = core20_indicators(
        "E08000025", store=fw_store, indicators=[("93722", "Persons")], repetitions=2_000
    )
    row = res.indicators.iloc[0]
    assert row["rest_n_lads"] == 0 and math.isnan(row["gap"])
    assert "n/a" in res.summary()


def test_indicator_without_limits_gives_no_rows(fw_store: Store) -> None:
    # the Health Index publishes no confidence limits: nothing to pool or regress
    res = core20_indicators(
        "E47000001",
        store=fw_store,
        indicators=[("hi_air_pollution", "Persons")],
        repetitions=2_000,
    )
    assert res.indicators.empty
    assert res.population.iloc[0]["population"] > 2_000_000
