"""isr and smr: scalar re-implementation, a published worked example, PHStatsMethods,
the reference= and observed_total= forms, properties, suppression and error messages."""

from __future__ import annotations

import math
import warnings
from statistics import NormalDist

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chi2

import healthgap
from healthgap.errors import InputError, SuppressionWarning
from tests.conftest import RTOL
from tests.needs import importorskip_peer

LEVELS = (0.95, 0.998)
LIMIT_COLS = {0.95: ("lower_95_0", "upper_95_0"), 0.998: ("lower_99_8", "upper_99_8")}
BANDS = ["0-14", "15-44", "45-64", "65-74", "75+"]


# --- an independent scalar implementation, written from METHODS.md sections 1 and 5 --------
def poisson_scalar(o: float, confidence: float) -> tuple[float, float]:
    alpha = 1 - confidence
    if o < 10:
        lo = 0.0 if o == 0 else chi2.ppf(alpha / 2, 2 * o) / 2
        return lo, chi2.ppf(1 - alpha / 2, 2 * o + 2) / 2
    z = NormalDist().inv_cdf(1 - alpha / 2)
    o1 = o + 1
    return (
        o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3,
        o1 * (1 - 1 / (9 * o1) + z / (3 * math.sqrt(o1))) ** 3,
    )


def scalar_indirect(sub: pd.DataFrame, confidence: float) -> dict[str, float]:
    o = float(sub["obs"].sum())
    e = sum(rx / rn * n for rx, rn, n in zip(sub["rx"], sub["rn"], sub["pop"], strict=True))
    ref_rate = sub["rx"].sum() / sub["rn"].sum() * 100_000
    lo, hi = poisson_scalar(o, confidence)
    return {"o": o, "e": e, "ref_rate": ref_rate, "lo": lo / e, "hi": hi / e, "ratio": o / e}


def random_frame(rng: np.random.Generator, groups: int, low: int = 0) -> pd.DataFrame:
    k = len(BANDS)
    ref_x = rng.integers(50, 5000, k)
    ref_n = rng.integers(100_000, 900_000, k)
    return pd.DataFrame(
        {
            "area": np.repeat([f"E{i:04d}" for i in range(groups)], k),
            "age": BANDS * groups,
            "obs": rng.integers(low, 25, groups * k),
            "pop": rng.integers(500, 40_000, groups * k),
            "rx": np.tile(ref_x, groups),
            "rn": np.tile(ref_n, groups),
        }
    )


# --- values ---------------------------------------------------------------------------------
def test_isr_and_smr_match_scalar_formulae(rng: np.random.Generator) -> None:
    df = random_frame(rng, 30)
    df.loc[df["area"] == "E0000", "obs"] = [0, 1, 0, 2, 0]  # exact limits, O = 3
    df.loc[df["area"] == "E0001", "obs"] = 0  # O = 0 is valid
    isr = healthgap.isr(df, "obs", "pop", "age", "rx", "rn", group_by="area").to_frame()
    smr = healthgap.smr(df, "obs", "pop", "age", "rx", "rn", group_by="area").to_frame()
    smr100 = healthgap.smr(
        df, "obs", "pop", "age", "rx", "rn", group_by="area", refvalue=100
    ).to_frame()
    for i, area in enumerate(isr["area"]):
        sub = df[df["area"] == area]
        for c in LEVELS:
            ref = scalar_indirect(sub, c)
            lo, hi = LIMIT_COLS[c]
            assert isr["count"][i] == ref["o"] and smr["count"][i] == ref["o"]
            assert isr["expected"][i] == pytest.approx(ref["e"], rel=RTOL)
            assert isr["reference_rate"][i] == pytest.approx(ref["ref_rate"], rel=RTOL)
            assert isr["value"][i] == pytest.approx(ref["ratio"] * ref["ref_rate"], rel=RTOL)
            assert isr[lo][i] == pytest.approx(ref["lo"] * ref["ref_rate"], rel=RTOL, abs=0)
            assert isr[hi][i] == pytest.approx(ref["hi"] * ref["ref_rate"], rel=RTOL)
            assert smr["value"][i] == pytest.approx(ref["ratio"], rel=RTOL)
            assert smr[lo][i] == pytest.approx(ref["lo"], rel=RTOL, abs=0)
            assert smr[hi][i] == pytest.approx(ref["hi"], rel=RTOL)
            assert smr100[hi][i] == pytest.approx(100 * ref["hi"], rel=RTOL)
    assert isr["method"][0] == "Exact" and isr["method"][1] == "Exact"
    assert isr["value"][1] == 0 and isr["lower_95_0"][1] == 0
    assert set(isr["method"][2:]) == {"Byar's"}
    assert isr["population"][0] == df[df["area"] == "E0000"]["pop"].sum()


def test_published_smr_worked_example() -> None:
    """Calabrese (ed., 1992), Biological Effects of Low Level Exposures to Chemical and
    Radiation, ch. 7: 30 observed cases, 15.21 expected: SR 95% CI (1.33, 2.82)."""
    df = pd.DataFrame({"age": ["0+"], "obs": [30], "pop": [1.0], "rx": [15.21], "rn": [1.0]})
    out = healthgap.smr(df, "obs", "pop", "age", "rx", "rn", confidence=0.95).to_frame()
    assert out["expected"][0] == pytest.approx(15.21, rel=RTOL)
    assert out["value"][0] == pytest.approx(30 / 15.21, rel=RTOL)
    assert out["lower_95_0"][0] == pytest.approx(1.33, abs=0.005)
    assert out["upper_95_0"][0] == pytest.approx(2.82, abs=0.005)


def test_agrees_with_phstatsmethods_on_random_data(rng: np.random.Generator) -> None:
    """Differential test against ph_ISRate and ph_ISRatio (counts >= 1 per group: the peer
    rejects an observed total of 0), both confidence levels."""
    ph = importorskip_peer()
    df = random_frame(rng, 150)
    df.loc[df["age"] == "0-14", "obs"] += 1
    df.loc[df["area"] == "E0003", "obs"] = [1, 0, 2, 0, 3]  # exact limits
    ours_rate = healthgap.isr(df, "obs", "pop", "age", "rx", "rn", group_by="area").to_frame()
    ours_ratio = healthgap.smr(
        df, "obs", "pop", "age", "rx", "rn", group_by="area", refvalue=100
    ).to_frame()
    peer = df.drop(columns="age")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rate = ph.ph_ISRate(peer, "obs", "pop", "rx", "rn", group_cols="area", confidence=[*LEVELS])
        ratio = ph.ph_ISRatio(
            peer, "obs", "pop", "rx", "rn", group_cols="area", confidence=[*LEVELS], refvalue=100
        )
    for ours, theirs in ((ours_rate, rate), (ours_ratio, ratio)):
        theirs = theirs.sort_values("area").reset_index(drop=True)
        assert (ours["area"] == theirs["area"]).all()
        np.testing.assert_allclose(ours["count"], theirs["Observed"], rtol=RTOL)
        np.testing.assert_allclose(ours["expected"], theirs["Expected"], rtol=RTOL)
        np.testing.assert_allclose(ours["value"], theirs["Value"], rtol=RTOL)
        for col, their in [
            ("lower_95_0", "lower_95_ci"),
            ("upper_95_0", "upper_95_ci"),
            ("lower_99_8", "lower_99_8_ci"),
            ("upper_99_8", "upper_99_8_ci"),
        ]:
            np.testing.assert_allclose(ours[col], theirs[their], rtol=RTOL)
    theirs = rate.sort_values("area").reset_index(drop=True)
    np.testing.assert_allclose(ours_rate["reference_rate"], theirs["ref_rate"], rtol=RTOL)


def test_peer_rejects_zero_observed_but_we_do_not() -> None:
    """Documented peer defect (tests/reference/README.md): an observed total of 0 raises."""
    ph = importorskip_peer()
    df = pd.DataFrame(
        {"area": ["A", "A"], "age": ["0-64", "65+"], "obs": [0, 0], "pop": [1000, 200],
         "rx": [10, 50], "rn": [10_000, 2000]}
    )  # fmt: skip
    with pytest.raises(ValueError):
        ph.ph_ISRatio(df.drop(columns="age"), "obs", "pop", "rx", "rn", group_cols="area")
    out = healthgap.smr(df, "obs", "pop", "age", "rx", "rn", group_by="area").to_frame()
    assert out["value"][0] == 0
    # exact upper limit for O = 0 at 95% is 3.6889 (METHODS.md section 1); E = 1 + 5 = 6
    assert out["upper_95_0"][0] == pytest.approx(3.688879 / 6, rel=1e-6)


def test_reference_frame_and_mapping_match_the_per_row_form(rng: np.random.Generator) -> None:
    df = random_frame(rng, 5, low=1)
    ref = df.drop_duplicates("age")[["age", "rx", "rn"]]
    ref = ref.assign(age=["00-14", "15 to 44", "45-64", "65-74 yrs", "75 and over"])
    data = df.drop(columns=["rx", "rn"])
    mapping = {a: (x, n) for a, x, n in zip(ref["age"], ref["rx"], ref["rn"], strict=True)}
    for fn in (healthgap.isr, healthgap.smr):
        per_row = fn(df, "obs", "pop", "age", "rx", "rn", group_by="area").to_frame()
        framed = fn(data, "obs", "pop", "age", "rx", "rn", group_by="area", reference=ref)
        mapped = fn(data, "obs", "pop", "age", "rx", "rn", group_by="area", reference=mapping)
        pd.testing.assert_frame_equal(per_row, framed.to_frame(), rtol=1e-12)
        pd.testing.assert_frame_equal(per_row, mapped.to_frame(), rtol=1e-12)
        assert framed.parameters["reference"] is True
    polars_ref = healthgap.isr(
        data, "obs", "pop", "age", "rx", "rn", group_by="area", reference=pl.from_pandas(ref)
    )
    expected = ref["rx"].sum() / ref["rn"].sum() * 100_000
    np.testing.assert_allclose(polars_ref.to_frame()["reference_rate"], expected, rtol=RTOL)


def test_observed_total_forms(rng: np.random.Generator) -> None:
    df = random_frame(rng, 4, low=1)
    by_age = healthgap.smr(df, "obs", "pop", "age", "rx", "rn", group_by="area").to_frame()
    totals = df.groupby("area")["obs"].transform("sum")
    repeated = df.assign(obs=totals)
    on_one_row = df.assign(obs=np.where(df["age"] == "0-14", totals, np.nan))
    for frame in (repeated, on_one_row):
        out = healthgap.smr(
            frame, "obs", "pop", "age", "rx", "rn", group_by="area", observed_total=True
        ).to_frame()
        pd.testing.assert_frame_equal(by_age, out, rtol=1e-12)
    with pytest.raises(
        InputError,
        match=r"count column 'obs' must hold the same all-age total on every row of a group "
        r"when observed_total=True; got \d+ and \d+ for area E0000 \(4 groups in all\)",
    ):
        healthgap.smr(df, "obs", "pop", "age", "rx", "rn", group_by="area", observed_total=True)
    empty = on_one_row.copy()
    empty.loc[empty["area"] == "E0002", "obs"] = np.nan
    with pytest.warns(SuppressionWarning, match=r"count is missing \(1 group, first: area E0002"):
        out = healthgap.isr(
            empty, "obs", "pop", "age", "rx", "rn", group_by="area", observed_total=True
        ).to_frame()
    assert out["suppression_reason"].tolist() == [None, None, "count is missing", None]
    with pytest.raises(InputError, match=r"observed_total must be True or False; got 'yes'"):
        healthgap.isr(df, "obs", "pop", "age", "rx", "rn", observed_total="yes")  # type: ignore[arg-type]


def test_polars_in_polars_out_and_metadata(rng: np.random.Generator) -> None:
    df = random_frame(rng, 3, low=1)
    result = healthgap.isr(pl.from_pandas(df), "obs", "pop", "age", "rx", "rn", group_by="area")
    table = result.to_frame()
    assert isinstance(table, pl.DataFrame)
    assert table.columns == [
        "area", "count", "expected", "population", "reference_rate", "value", "lower_95_0",
        "upper_95_0", "lower_99_8", "upper_99_8", "method", "suppressed", "suppression_reason",
    ]  # fmt: skip
    assert result.statistic == "Indirectly standardised rate per 100,000"
    smr = healthgap.smr(df, "obs", "pop", "age", "rx", "rn", group_by="area", refvalue=100)
    assert smr.statistic == "Indirectly standardised ratio x 100"
    assert list(smr.to_frame().columns)[:4] == ["area", "count", "expected", "value"]
    assert "Byar" in smr.method


# --- properties -----------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 500), st.integers(1, 10**6)),
        min_size=len(BANDS),
        max_size=len(BANDS),
    ),
    st.sampled_from([1, 100]),
)
def test_smr_of_a_population_against_itself_is_one(
    rows: list[tuple[int, int]], refvalue: int
) -> None:
    df = pd.DataFrame(rows, columns=["obs", "pop"])
    df["age"] = BANDS
    if df["obs"].sum() == 0:
        df.loc[0, "obs"] = 1
    out = healthgap.smr(df, "obs", "pop", "age", "obs", "pop", refvalue=refvalue).to_frame()
    assert out["value"][0] == pytest.approx(refvalue, rel=1e-12)
    rate = healthgap.isr(df, "obs", "pop", "age", "obs", "pop").to_frame()
    crude = healthgap.crude_rate(df, "obs", "pop").to_frame()
    for col in ("value", "lower_95_0", "upper_95_0", "lower_99_8", "upper_99_8"):
        assert rate[col][0] == pytest.approx(crude[col][0], rel=1e-12)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 40), st.integers(0, 5000)),
        min_size=1,
        max_size=40,
    ),
    st.randoms(use_true_random=False),
)
def test_order_free_and_limits_bracket_value(rows: list[tuple[int, int, int]], rnd) -> None:
    extra = pd.DataFrame(rows, columns=["g", "obs", "pop"])
    extra["age"] = [BANDS[i % len(BANDS)] for i in range(len(extra))]
    full = pd.DataFrame([(g, 1, 1000, b) for g in range(4) for b in BANDS], columns=extra.columns)
    df = pd.concat([extra, full], ignore_index=True)
    df["rx"] = df["age"].map(dict(zip(BANDS, [5, 40, 300, 900, 4000], strict=True)))
    df["rn"] = 100_000
    shuffled = df.sample(frac=1, random_state=rnd.randint(0, 10**6))
    a = healthgap.smr(df, "obs", "pop", "age", "rx", "rn", group_by="g").to_frame()
    b = healthgap.smr(shuffled, "obs", "pop", "age", "rx", "rn", group_by="g").to_frame()
    pd.testing.assert_frame_equal(a, b, rtol=1e-12)
    assert (a["lower_95_0"] <= a["value"]).all() and (a["value"] <= a["upper_95_0"]).all()
    assert (a["lower_99_8"] <= a["lower_95_0"]).all()
    assert (a["upper_95_0"] <= a["upper_99_8"]).all()


# --- suppression ----------------------------------------------------------------------------
def small() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area": ["A", "A", "B", "B", "C", "C"],
            "age": ["0-64", "65+"] * 3,
            "obs": [3, 9, 4, 8, 1, 2],
            "pop": [1000, 200, 900, 300, 500, 100],
            "rx": [10, 50] * 3,
            "rn": [10_000, 2000] * 3,
        }
    )


def test_missing_band_and_population_suppress() -> None:
    df = small().astype({"pop": float})
    df = df.drop(index=3)  # B lacks 65+
    df.loc[4, "pop"] = np.nan
    with pytest.warns(SuppressionWarning) as record:
        out = healthgap.smr(df, "obs", "pop", "age", "rx", "rn", group_by="area").to_frame()
    assert len(record) == 1
    assert out["suppression_reason"].tolist() == [
        None,
        "missing age bands: 65+",
        "population is missing in age bands: 0-64",
    ]
    assert "smr: 2 of 3 groups suppressed" in str(record[0].message)


def test_expected_zero_suppresses() -> None:
    df = small()
    df.loc[df["area"] == "C", "pop"] = 0
    with pytest.warns(SuppressionWarning, match=r"expected count is 0 \(1 group, first: area C\)"):
        out = healthgap.isr(df, "obs", "pop", "age", "rx", "rn", group_by="area").to_frame()
    assert out["suppressed"].tolist() == [False, False, True]
    assert np.isnan(out["value"][2]) and out["count"][2] == 3


# --- structural errors ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "kwargs", "message"),
    [
        (None, {"refvalue": 10}, r"refvalue must be 1 or 100; got 10\. Use refvalue=1"),
        (None, {"refvalue": True}, r"refvalue must be 1 or 100; got True"),
        (("rn", 1, 0), {}, r"ref_population column 'rn' must hold a number greater than 0 on "
         r"every row; got 0 at row 2 \(area A, age 65\+\) \(1 row in all\)\. Reference data"),
        (("rx", 2, np.nan), {}, r"ref_count column 'rx' must not be empty; got an empty value "
         r"at row 3 \(area B, age 0-64\)"),
        (("rx", 2, -4), {}, r"ref_count column 'rx' must be 0 or more; got 1 negative value"),
        (("obs", 0, -1), {}, r"count column 'obs' must be 0 or more"),
        (("age", 5, "old"), {}, r"age column 'age' must hold age bands such as .* got 'old' "
         r"at row 6 \(area C, age old\)"),
        (None, {"group_by": ["area", "age"]}, r"group_by must not include the age column 'age'"),
        (None, {"ref_count": "ref"}, r"ref_count column 'ref' must be in data"),
        (None, {"confidence": 0}, r"confidence must be between 0 and 1"),
    ],
)  # fmt: skip
def test_structural_errors(
    change: tuple[str, int, object] | None, kwargs: dict[str, object], message: str
) -> None:
    df = small().astype({"rx": float, "age": object})
    if change:
        column, row, value = change
        df.loc[row, column] = value
    args: dict[str, object] = {"group_by": "area"} | kwargs
    fn = healthgap.smr if "refvalue" in kwargs else healthgap.isr
    ref_count = str(args.pop("ref_count", "rx"))
    with pytest.raises(InputError, match=message):
        fn(df, "obs", "pop", "age", ref_count, "rn", **args)  # type: ignore[arg-type]


def test_reference_errors() -> None:
    data = small().drop(columns=["rx", "rn"])
    ref = pd.DataFrame({"age": ["0-64", "65+"], "rx": [10, 50], "rn": [10_000, 2000]})
    with pytest.raises(
        InputError,
        match=r"ref columns must come from either data or reference, not both; got 'rx' in "
        r"both",
    ):
        healthgap.isr(small(), "obs", "pop", "age", "rx", "rn", reference=ref)
    with pytest.raises(
        InputError,
        match=r"age column 'age' must hold the age bands of the reference \(0-64, 65\+\); got "
        r"'65-74' at row 2 \(area A, age 65-74\), which matches no band of it",
    ):
        healthgap.isr(
            data.replace({"65+": "65-74"}), "obs", "pop", "age", "rx", "rn",
            group_by="area", reference=ref,
        )  # fmt: skip
    wider = pd.concat([ref, pd.DataFrame({"age": ["85+"], "rx": [1], "rn": [5]})])
    wider.loc[1, "age"] = "65-84"
    with pytest.raises(
        InputError,
        match=r"age column 'age' must have rows for every age band of reference; got no rows "
        r"in any group for 85\+",
    ):
        healthgap.isr(
            data.replace({"65+": "65-84"}), "obs", "pop", "age", "rx", "rn", reference=wider
        )
    with pytest.raises(
        InputError,
        match=r"reference must list each age band once; got '0-64' and '00-64', which are "
        r"both the band 0-64",
    ):
        dup = pd.concat([ref, ref.iloc[[0]].assign(age="00-64")])
        healthgap.isr(data, "obs", "pop", "age", "rx", "rn", reference=dup)
    with pytest.raises(
        InputError,
        match=r"ref_population column 'rn' must hold a number greater than 0 on every row; got "
        r"0 at row 2 \(age 65\+\)",
    ):
        healthgap.isr(data, "obs", "pop", "age", "rx", "rn", reference=ref.assign(rn=[5, 0]))
    with pytest.raises(
        InputError,
        match=r"reference must map each age band to \(ref_count, ref_population\); got 7 for "
        r"'0-64'",
    ):
        healthgap.isr(data, "obs", "pop", "age", "rx", "rn", reference={"0-64": 7})
    with pytest.raises(
        InputError,
        match=r"reference must be a data frame or a mapping of age band -> \(ref_count, "
        r"ref_population\); got list",
    ):
        healthgap.isr(data, "obs", "pop", "age", "rx", "rn", reference=[1, 2])
    with pytest.raises(InputError, match=r"ref_count column 'deaths' must be in reference"):
        healthgap.isr(data, "obs", "pop", "age", "deaths", "rn", reference=ref)
