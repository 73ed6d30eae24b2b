"""dsr: Dobson limits against a scalar re-implementation, a worked example, PHStatsMethods,
properties, suppression rules, non-independent events and every error message."""

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

import healthgap
from healthgap.errors import InputError, SuppressionWarning
from healthgap.stats.standard_populations import ESP2013_19, ESP2013_20, ESP2013_21
from tests.conftest import RTOL
from tests.needs import importorskip_peer

LEVELS = (0.95, 0.998)
LIMIT_COLS = {
    0.95: ("lower_95_0", "upper_95_0"),
    0.998: ("lower_99_8", "upper_99_8"),
}


# --- an independent scalar implementation, written from METHODS.md section 4 --------------
def z_of(confidence: float) -> float:
    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def byar_lower(o: float, z: float) -> float:
    return o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3


def byar_upper(o: float, z: float) -> float:
    o1 = o + 1
    return o1 * (1 - 1 / (9 * o1) + z / (3 * math.sqrt(o1))) ** 3


def scalar_dsr(
    x: list[float],
    n: list[float],
    w: list[float],
    m: float,
    confidence: float,
    f: list[float] | None = None,
    total_weight: float | None = None,
) -> tuple[float, float, float]:
    """DSR, lower, upper for one group; ``f`` gives event frequencies (METHODS.md s.4),
    one row per band and frequency (then ``total_weight`` is the standard's total)."""
    f = f or [1.0] * len(x)
    sw = total_weight if total_weight is not None else sum(w)
    total = 0.0
    events = 0.0
    var = 0.0
    for xi, ni, wi, fi in zip(x, n, w, f, strict=True):
        if ni == 0:
            continue
        total += fi * xi * wi / ni
        events += fi * xi
        var += fi * fi * xi * (wi / ni) ** 2
    value = total / sw * m
    var /= sw * sw
    z = z_of(confidence)
    scale = math.sqrt(var / events)
    return (
        value,
        value + scale * (byar_lower(events, z) - events) * m,
        value + scale * (byar_upper(events, z) - events) * m,
    )


def esp_frame(rng: np.random.Generator, groups: int, low: int = 0, high: int = 60) -> pd.DataFrame:
    k = len(ESP2013_19)
    return pd.DataFrame(
        {
            "area": np.repeat([f"E{i:04d}" for i in range(groups)], k),
            "age": np.tile(np.array(ESP2013_19.labels, dtype=object), groups),
            "deaths": rng.integers(low, high, groups * k),
            "pop": rng.integers(200, 30_000, groups * k),
        }
    )


def check_against_scalar(out: pd.DataFrame, df: pd.DataFrame, w: dict[str, float], m: float):
    for _, row in out.iterrows():
        sub = df[df["area"] == row["area"]]
        for c in LEVELS:
            value, lo, hi = scalar_dsr(
                sub["deaths"].tolist(),
                sub["pop"].tolist(),
                [w[a] for a in sub["age"]],
                m,
                c,
            )
            assert row["value"] == pytest.approx(value, rel=RTOL)
            assert row[LIMIT_COLS[c][0]] == pytest.approx(lo, rel=RTOL)
            assert row[LIMIT_COLS[c][1]] == pytest.approx(hi, rel=RTOL)


# --- values ---------------------------------------------------------------------------------
def test_matches_scalar_formula_on_random_groups(rng: np.random.Generator) -> None:
    df = esp_frame(rng, 25, low=1)
    out = healthgap.dsr(df, "deaths", "pop", "age", group_by="area").to_frame()
    assert len(out) == 25 and not out["suppressed"].any()
    check_against_scalar(out, df, ESP2013_19.to_dict(), 100_000)
    np.testing.assert_array_equal(out["count"], df.groupby("area")["deaths"].sum())
    np.testing.assert_array_equal(out["population"], df.groupby("area")["pop"].sum())


def test_published_worked_example_iussp() -> None:
    """IUSSP PAPP101 session 6: Sweden's rates 0.45, 2.4, 42.4 per 1000 standardised to
    Ecuador (7,498,000; 3,219,000; 742,000) give 3.7 per 1000 (one decimal place)."""
    df = pd.DataFrame({"age": ["0-29", "30-59", "60+"], "x": [450, 2400, 42400], "n": [10**6] * 3})
    std = {"0-29": 7_498_000, "30-59": 3_219_000, "60+": 742_000}
    out = healthgap.dsr(df, "x", "n", "age", standard_population=std, multiplier=1000)
    assert out.to_frame()["value"][0] == pytest.approx(3.7, abs=0.05)
    assert out.standard_population == "user-supplied (3 bands)"


def test_agrees_with_phstatsmethods_on_random_data(rng: np.random.Generator) -> None:
    """Differential test: PHStatsMethods.ph_dsr with the ESP2013 weights as a column."""
    ph = importorskip_peer()
    df = esp_frame(rng, 200)
    df["esp"] = df["age"].map(ESP2013_19.to_dict())
    ours = healthgap.dsr(df, "deaths", "pop", "age", group_by="area").to_frame()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = ph.ph_dsr(
            df.drop(columns="age"),
            "deaths",
            "pop",
            "esp",
            group_cols="area",
            euro_standard_pops=False,
            confidence=list(LEVELS),
        )
    theirs = theirs.sort_values("area").reset_index(drop=True)
    assert (ours["area"] == theirs["area"]).all()
    np.testing.assert_allclose(ours["value"], theirs["Value"], rtol=RTOL)
    np.testing.assert_allclose(ours["count"], theirs["Total Count"], rtol=RTOL)
    for c, (lo, hi) in LIMIT_COLS.items():
        label = "95" if c == 0.95 else "99_8"
        np.testing.assert_allclose(ours[lo], theirs[f"lower_{label}_ci"], rtol=RTOL)
        np.testing.assert_allclose(ours[hi], theirs[f"upper_{label}_ci"], rtol=RTOL)


def test_agrees_with_phstatsmethods_on_a_user_standard(rng: np.random.Generator) -> None:
    """The 21-band Eurostat form passed as a user-supplied Series, peer given a column."""
    ph = importorskip_peer()
    k = len(ESP2013_21)
    df = pd.DataFrame(
        {
            "area": np.repeat(["A", "B", "C"], k),
            "age": np.tile(np.array(ESP2013_21.labels, dtype=object), 3),
            "deaths": rng.integers(0, 30, 3 * k),
            "pop": rng.integers(100, 9_000, 3 * k),
        }
    )
    df["std"] = df["age"].map(ESP2013_21.to_dict())
    series = pd.Series(ESP2013_21.to_dict())
    ours = healthgap.dsr(
        df, "deaths", "pop", "age", group_by="area", standard_population=series, confidence=0.9
    ).to_frame()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = ph.ph_dsr(
            df.drop(columns="age"), "deaths", "pop", "std", group_cols="area",
            euro_standard_pops=False, confidence=0.9,
        )  # fmt: skip
    np.testing.assert_allclose(ours["value"], theirs["Value"], rtol=RTOL)
    np.testing.assert_allclose(ours["lower_90_0"], theirs["lower_90_ci"], rtol=RTOL)
    np.testing.assert_allclose(ours["upper_90_0"], theirs["upper_90_ci"], rtol=RTOL)


def test_peer_rejects_zero_population_but_we_suppress_only_that_group() -> None:
    """Documented difference (tests/reference/README.md): ph_dsr raises for any 0 population."""
    ph = importorskip_peer()
    df = pd.DataFrame(
        {
            "area": np.repeat(["A", "B"], 19),
            "age": list(ESP2013_19.labels) * 2,
            "deaths": [3] * 38,
            "pop": [1000] * 38,
        }
    )
    df.loc[18, "pop"] = 0
    df.loc[18, "deaths"] = 0  # population 0 with count 0: contributes nothing
    df["esp"] = df["age"].map(ESP2013_19.to_dict())
    with pytest.raises(ValueError):
        ph.ph_dsr(df, "deaths", "pop", "esp", group_cols="area", euro_standard_pops=False)
    out = healthgap.dsr(df, "deaths", "pop", "age", group_by="area").to_frame()
    assert not out["suppressed"].any()
    w = ESP2013_19.weight_array
    assert out["value"][0] == pytest.approx((3 / 1000 * w[:18]).sum() / 1e5 * 1e5, rel=RTOL)
    assert out["value"][1] == pytest.approx(300.0, rel=RTOL)


def test_label_spellings_and_row_order_do_not_matter(rng: np.random.Generator) -> None:
    df = esp_frame(rng, 6, low=2)
    spelled = df.copy()
    spelled["age"] = spelled["age"].replace(
        {"0-4": "00-04", "5-9": "5 to 9", "10-14": "10-14 yrs", "90+": "90 and over"}
    )
    spelled = spelled.sample(frac=1, random_state=3)
    a = healthgap.dsr(df, "deaths", "pop", "age", group_by="area").to_frame()
    b = healthgap.dsr(spelled, "deaths", "pop", "age", group_by="area").to_frame()
    pd.testing.assert_frame_equal(a, b, rtol=1e-12)


def test_rows_for_the_same_band_are_added(rng: np.random.Generator) -> None:
    """Males and females on separate rows give the persons DSR."""
    df = esp_frame(rng, 4, low=1)
    males = df.assign(deaths=df["deaths"] // 2, pop=df["pop"] // 2)
    females = df.assign(deaths=df["deaths"] - males["deaths"], pop=df["pop"] - males["pop"])
    both = pd.concat([males, females], ignore_index=True)
    a = healthgap.dsr(df, "deaths", "pop", "age", group_by="area").to_frame()
    b = healthgap.dsr(both, "deaths", "pop", "age", group_by="area").to_frame()
    pd.testing.assert_frame_equal(a, b, rtol=1e-12)


def test_auto_form_follows_the_data(rng: np.random.Generator) -> None:
    for std in (ESP2013_20, ESP2013_21):
        k = len(std)
        df = pd.DataFrame(
            {
                "age": list(std.labels),
                "deaths": rng.integers(1, 40, k),
                "pop": rng.integers(500, 9000, k),
            }
        )
        df["area"] = "A"
        result = healthgap.dsr(df, "deaths", "pop", "age")
        assert result.standard_population == std.name
        check_against_scalar(result.to_frame().assign(area="A"), df, std.to_dict(), 100_000)


def test_restricted_standard_for_under_75_rates(rng: np.random.Generator) -> None:
    under75 = ESP2013_19.restrict(0, 74)
    df = esp_frame(rng, 3, low=1)
    df = df[df["age"].isin(under75.labels)]
    out = healthgap.dsr(df, "deaths", "pop", "age", group_by="area", standard_population=under75)
    assert out.standard_population == "esp2013_19 ages 0-74"
    check_against_scalar(out.to_frame(), df, under75.to_dict(), 100_000)


def test_missing_count_is_zero(rng: np.random.Generator) -> None:
    df = esp_frame(rng, 2, low=1).astype({"deaths": float})
    zero = df.copy()
    df.loc[[0, 5, 20], "deaths"] = np.nan
    zero.loc[[0, 5, 20], "deaths"] = 0.0
    a = healthgap.dsr(df, "deaths", "pop", "age", group_by="area").to_frame()
    b = healthgap.dsr(zero, "deaths", "pop", "age", group_by="area").to_frame()
    pd.testing.assert_frame_equal(a, b)


def test_polars_in_polars_out_and_result_metadata(rng: np.random.Generator) -> None:
    df = esp_frame(rng, 3, low=1)
    result = healthgap.dsr(pl.from_pandas(df), "deaths", "pop", "age", group_by="area")
    table = result.to_frame()
    assert isinstance(table, pl.DataFrame)
    assert table.columns == [
        "area", "count", "population", "value", "lower_95_0", "upper_95_0",
        "lower_99_8", "upper_99_8", "suppressed", "suppression_reason",
    ]  # fmt: skip
    assert result.method == "Dobson"
    assert result.statistic == "Directly standardised rate per 100,000"
    assert result.standard_population == "esp2013_19"
    assert result.parameters["standard_population"] == ESP2013_19.to_dict()
    assert any("Dobson" in r for r in result.references)


# --- properties -----------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(
    st.floats(1e-4, 0.05),
    st.lists(st.integers(50, 100_000), min_size=19, max_size=19),
)
def test_equal_age_specific_rates_give_that_rate(rate: float, pops: list[int]) -> None:
    df = pd.DataFrame({"age": ESP2013_19.labels, "pop": pops})
    df["x"] = df["pop"] * rate
    if df["x"].sum() < 10:
        df["x"] *= 10 / df["x"].sum() * 1.01
        rate = df["x"][0] / df["pop"][0]
    out = healthgap.dsr(df, "x", "pop", "age", multiplier=1).to_frame()
    assert out["value"][0] == pytest.approx(rate, rel=1e-10)


@settings(max_examples=40, deadline=None)
@given(st.integers(10, 5000), st.floats(0.01, 50.0), st.sampled_from([0.9, 0.95, 0.998]))
def test_proportional_population_gives_crude_byar_limits(
    total: int, scale: float, confidence: float
) -> None:
    """Fay & Feuer (1997): Dobson's interval is exact in the sense of reducing to the
    Poisson (here Byar's) limits of the crude rate when the study population is
    proportional to the standard."""
    w = ESP2013_19.weight_array
    n = w * scale
    x = np.zeros(19)
    x[:] = total // 19
    x[: total % 19] += 1
    df = pd.DataFrame({"age": ESP2013_19.labels, "x": x, "n": n})
    out = healthgap.dsr(df, "x", "n", "age", confidence=confidence).to_frame()
    z = z_of(confidence)
    per = 100_000 / n.sum()
    label = f"{confidence * 100:.1f}".replace(".", "_")
    assert out["value"][0] == pytest.approx(total * per, rel=1e-10)
    assert out[f"lower_{label}"][0] == pytest.approx(byar_lower(total, z) * per, rel=1e-10)
    assert out[f"upper_{label}"][0] == pytest.approx(byar_upper(total, z) * per, rel=1e-10)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 18), st.integers(0, 90), st.integers(1, 10**5)),
        min_size=19,
        max_size=80,
    ),
    st.randoms(use_true_random=False),
)
def test_order_free_and_limits_bracket_value(rows: list[tuple[int, int, int, int]], rnd) -> None:
    df = pd.DataFrame(rows, columns=["g", "band", "x", "n"])
    # every group gets every band so nothing is suppressed for missing bands
    full = pd.DataFrame([(g, b, 5, 1000) for g in range(4) for b in range(19)], columns=df.columns)
    df = pd.concat([df, full], ignore_index=True)
    df["age"] = [ESP2013_19.labels[b] for b in df["band"]]
    df = df.drop(columns="band")
    shuffled = df.sample(frac=1, random_state=rnd.randint(0, 10**6))
    a = healthgap.dsr(df, "x", "n", "age", group_by="g").to_frame()
    b = healthgap.dsr(shuffled, "x", "n", "age", group_by="g").to_frame()
    pd.testing.assert_frame_equal(a, b, rtol=1e-12)
    assert (a["lower_95_0"] <= a["value"]).all() and (a["value"] <= a["upper_95_0"]).all()
    assert (a["lower_99_8"] <= a["lower_95_0"]).all()
    assert (a["upper_95_0"] <= a["upper_99_8"]).all()


# --- suppression ----------------------------------------------------------------------------
def base(groups: tuple[str, ...] = ("A", "B", "C")) -> pd.DataFrame:
    k = len(ESP2013_19)
    return pd.DataFrame(
        {
            "area": np.repeat(list(groups), k),
            "age": list(ESP2013_19.labels) * len(groups),
            "deaths": [2] * (k * len(groups)),
            "pop": [1000] * (k * len(groups)),
        }
    )


def test_total_count_below_10_is_suppressed() -> None:
    df = base()
    df.loc[df["area"] == "B", "deaths"] = 0
    df.loc[19 + 3, "deaths"] = 9
    with pytest.warns(
        SuppressionWarning,
        match=r"dsr: 1 of 3 groups suppressed: total count < 10 \(1 group, first: area B\)\. "
        r"Their value and limits are NaN",
    ):
        out = healthgap.dsr(df, "deaths", "pop", "age", group_by="area").to_frame()
    assert out["suppressed"].tolist() == [False, True, False]
    assert out["suppression_reason"][1] == "total count < 10"
    assert out["count"][1] == 9
    assert np.isnan(out.loc[1, ["value", "lower_95_0", "upper_99_8"]].astype(float)).all()
    assert out["value"][0] == pytest.approx(200.0)


def test_missing_bands_suppress_with_their_labels() -> None:
    df = base()
    df = df[~((df["area"] == "A") & df["age"].isin(["85-89", "90+"]))]
    df = df[~((df["area"] == "C") & (df["age"] == "0-4"))]
    with pytest.warns(SuppressionWarning) as record:
        out = healthgap.dsr(df, "deaths", "pop", "age", group_by="area").to_frame()
    assert len(record) == 1
    assert out["suppression_reason"].tolist() == [
        "missing age bands: 85-89, 90+",
        None,
        "missing age bands: 0-4",
    ]
    message = str(record[0].message)
    assert "missing age bands: 85-89, 90+ (1 group, first: area A)" in message
    assert "missing age bands: 0-4 (1 group, first: area C)" in message


def test_zero_population_with_count_suppresses_that_group() -> None:
    df = base()
    df.loc[(df["area"] == "B") & (df["age"] == "90+"), "pop"] = 0
    df.loc[(df["area"] == "C") & (df["age"] == "90+"), ["pop", "deaths"]] = 0
    with pytest.warns(
        SuppressionWarning,
        match=r"population is 0 but count > 0 in age bands: 90\+ \(1 group, first: area B\)",
    ):
        out = healthgap.dsr(df, "deaths", "pop", "age", group_by="area").to_frame()
    assert out["suppressed"].tolist() == [False, True, False]
    # C: band 90+ (population 0, count 0) contributes nothing; sum(w) stays 100,000.
    expected = 2 / 1000 * (100_000 - 1000)
    assert out["value"][2] == pytest.approx(expected, rel=RTOL)


def test_missing_population_suppresses() -> None:
    df = base().astype({"pop": float})
    df.loc[(df["area"] == "A") & (df["age"] == "5-9"), "pop"] = np.nan
    with pytest.warns(SuppressionWarning, match=r"population is missing in age bands: 5-9"):
        out = healthgap.dsr(df, "deaths", "pop", "age", group_by="area").to_frame()
    assert out["suppression_reason"][0] == "population is missing in age bands: 5-9"


def test_zero_weight_band_is_not_required() -> None:
    df = base(("A",))
    std = {**ESP2013_19.to_dict(), "90+": 0}
    out = healthgap.dsr(df[df["age"] != "90+"], "deaths", "pop", "age", standard_population=std)
    assert out.to_frame()["value"][0] == pytest.approx(200.0, rel=RTOL)


# --- non-independent events ---------------------------------------------------------------
def frequency_frame(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for area in ("A", "B"):
        for label in ESP2013_19.labels:
            pop = int(rng.integers(1000, 9000))
            for f in (1, 2, 3):
                rows.append((area, label, f, int(rng.integers(0, 12)), pop))
    return pd.DataFrame(rows, columns=["area", "age", "f", "persons", "pop"])


def test_event_frequency_matches_scalar_adjusted_variance(rng: np.random.Generator) -> None:
    df = frequency_frame(rng)
    result = healthgap.dsr(df, "persons", "pop", "age", group_by="area", event_frequency="f")
    out = result.to_frame()
    assert result.method == "Dobson, adjusted for non-independent events"
    w = ESP2013_19.to_dict()
    for _, row in out.iterrows():
        sub = df[df["area"] == row["area"]]
        for c in LEVELS:
            value, lo, hi = scalar_dsr(
                sub["persons"].tolist(),
                sub["pop"].tolist(),
                [w[a] for a in sub["age"]],
                100_000,
                c,
                f=sub["f"].astype(float).tolist(),
                total_weight=ESP2013_19.total,
            )
            assert row["value"] == pytest.approx(value, rel=RTOL)
            assert row[LIMIT_COLS[c][0]] == pytest.approx(lo, rel=RTOL)
            assert row[LIMIT_COLS[c][1]] == pytest.approx(hi, rel=RTOL)
        assert row["count"] == (sub["persons"] * sub["f"]).sum()
        assert row["population"] == sub.drop_duplicates("age")["pop"].sum()


def test_event_frequency_value_is_the_dsr_of_events_with_wider_limits(
    rng: np.random.Generator,
) -> None:
    df = frequency_frame(rng)
    events = (
        df.assign(events=df["persons"] * df["f"])
        .groupby(["area", "age"], as_index=False)
        .agg(events=("events", "sum"), pop=("pop", "first"))
    )
    adj = healthgap.dsr(df, "persons", "pop", "age", group_by="area", event_frequency="f")
    ind = healthgap.dsr(events, "events", "pop", "age", group_by="area")
    a, b = adj.to_frame(), ind.to_frame()
    np.testing.assert_allclose(a["value"], b["value"], rtol=RTOL)
    assert (a["lower_95_0"] < b["lower_95_0"]).all() and (a["upper_95_0"] > b["upper_95_0"]).all()
    single = df[df["f"] == 1]
    c = healthgap.dsr(single, "persons", "pop", "age", group_by="area", event_frequency="f")
    d = healthgap.dsr(single, "persons", "pop", "age", group_by="area")
    pd.testing.assert_frame_equal(c.to_frame(), d.to_frame())


def test_event_frequency_errors(rng: np.random.Generator) -> None:
    df = frequency_frame(rng)
    bad = df.copy()
    bad.loc[1, "pop"] = bad.loc[0, "pop"] + 1
    with pytest.raises(
        InputError,
        match=r"population column 'pop' must repeat the same band population on every "
        r"event-frequency row; got \d+ and \d+ for area A, age 0-4 \(1 band in all\)",
    ):
        healthgap.dsr(bad, "persons", "pop", "age", group_by="area", event_frequency="f")
    dup = pd.concat([df, df.iloc[[4]]], ignore_index=True)
    with pytest.raises(
        InputError,
        match=r"event_frequency rows must be one per group, age band and frequency; got 1 "
        r"repeated row \(first: area A, age 5-9, f 2 at row 115\)",
    ):
        healthgap.dsr(dup, "persons", "pop", "age", group_by="area", event_frequency="f")
    frac = df.astype({"f": float})
    frac.loc[2, "f"] = 1.5
    with pytest.raises(
        InputError,
        match=r"event_frequency column 'f' must hold whole numbers of events per person "
        r"\(0, 1, 2, \.\.\.\); got 1\.5 at row 3 \(area A, age 0-4\) \(1 row in all\)",
    ):
        healthgap.dsr(frac, "persons", "pop", "age", group_by="area", event_frequency="f")
    with pytest.raises(InputError, match=r"event_frequency must be a column name or None"):
        healthgap.dsr(df, "persons", "pop", "age", event_frequency=3)  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"event_frequency column 'freq' must be in data"):
        healthgap.dsr(df, "persons", "pop", "age", event_frequency="freq")


# --- structural errors ----------------------------------------------------------------------
def test_label_matching_no_band_is_an_error() -> None:
    df = base(("A",))
    df.loc[17, "age"] = "85+"
    df = df.drop(index=18)
    with pytest.raises(
        InputError,
        match=r"age column 'age' must hold the age bands of the standard population esp2013_19 "
        r"\(0-4, 5-9, .*, 90\+\); got '85\+' at row 18 \(area A, age 85\+\), which matches "
        r"no band of it or of any other ESP2013 form",
    ):
        healthgap.dsr(df, "deaths", "pop", "age", group_by="area")


def test_band_absent_from_all_groups_is_an_error() -> None:
    df = base()
    df = df[~df["age"].isin(["75-79", "80-84", "85-89", "90+"])]
    with pytest.raises(
        InputError,
        match=r"age column 'age' must have rows for every age band of esp2013_19; got no rows "
        r"in any group for 75-79, 80-84, 85-89, 90\+\. For an age-restricted rate pass a "
        r"restricted standard, e\.g\. standard_population=ESP2013_19\.restrict\(0, 74\)",
    ):
        healthgap.dsr(df, "deaths", "pop", "age", group_by="area")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"age": "band"}, r"age column 'band' must be in data"),
        ({"group_by": ["area", "age"]}, r"group_by must not include the age column 'age'"),
        ({"standard_population": "who2000"}, r"standard_population must be one of 'esp2013'"),
        (
            {"standard_population": {"0-4": 1, "00-04": 2}},
            r"standard_population must list each age band once",
        ),
        ({"standard_population": {"0-4": -5}}, r"standard_population weights must be 0 or more"),
        ({"multiplier": -1}, r"multiplier must be a number greater than 0; got -1"),
        ({"confidence": 100}, r"confidence must be between 0 and 1 \(exclusive\), or a percentage"),
        ({"group_by": "value"}, r"group_by columns must not use the output column names"),
    ],
)
def test_structural_errors(kwargs: dict[str, object], message: str) -> None:
    df = base()
    df["value"] = 1
    args: dict[str, object] = {"count": "deaths", "population": "pop", "age": "age"}
    args.update({"group_by": "area"} | kwargs)
    with pytest.raises(InputError, match=message):
        healthgap.dsr(df, **args)  # type: ignore[arg-type]


def test_bad_values_name_row_and_group() -> None:
    df = base()
    df.loc[20, "deaths"] = -1
    with pytest.raises(
        InputError,
        match=r"count column 'deaths' must be 0 or more; got 1 negative value \(first: -1 at "
        r"row 21 \(area B, age 5-9\)\)",
    ):
        healthgap.dsr(df, "deaths", "pop", "age", group_by="area")
    df = base().astype({"age": object})
    df.loc[4, "age"] = None
    with pytest.raises(InputError, match=r"age column 'age' must hold age bands .* got an empty"):
        healthgap.dsr(df, "deaths", "pop", "age", group_by="area")
