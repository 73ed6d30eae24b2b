"""Synthetic records: built from the real populations, seeded, labelled synthetic.

The cell weight is checked against the formula evaluated by hand (scalar Python) from
the raw store tables; the sampled records against the weights with binomial bounds.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from healthgap.data.synth import (
    SYNTHETIC_CAUSES,
    SynthFrame,
    deprivation_multiplier,
    synth_frame,
    synthetic_records,
    write_synthetic_records,
)
from healthgap.errors import InputError


@pytest.fixture(scope="module")
def frame(store: Any) -> SynthFrame:
    return synth_frame(store, gradient=2.0)


def test_weight_matches_the_formula_by_hand(store: Any, frame: SynthFrame) -> None:
    lsoa = "E01011229"  # any English LSOA 2011
    i = int(np.flatnonzero(frame.lsoa_codes == lsoa)[0])
    lad = frame.lad_codes[i]
    pops = store.to_pandas(store.table("populations"))
    p70 = pops[
        (pops.source_id == "ons_mye_2020_lad21") & (pops.area_code == lad) & (pops.age_lower == 70)
    ]["population"].item()
    census = pops[(pops.source_id == "census2021_sex_lad21") & (pops.area_code == lad)]
    males = census[census.sex == "Male"]["population"].item()
    females = census[census.sex == "Female"]["population"].item()
    lookup = store.to_pandas(store.table("lookup_lsoa11_lad21_ew"))
    imd = store.to_pandas(store.table("imd2019_lsoa11")).set_index("lsoa11_code")
    in_lad = lookup[lookup.lad21_code == lad]["lsoa11_code"]
    share = imd.loc[lsoa, "pop_total_mid2015"] / imd.loc[in_lad, "pop_total_mid2015"].sum()
    decile = imd.loc[lsoa, "imd_decile"]
    rate = 2e-5 * math.exp(0.095 * 70)
    want = p70 * share * males / (males + females) * rate * 2.0 ** ((10 - decile) / 9)
    assert frame.weights[i, 70, 1] == pytest.approx(want, rel=1e-10)
    # females at 70 use 0.7 x the male rate; infants their own rate
    assert frame.weights[i, 70, 0] / frame.weights[i, 70, 1] == pytest.approx(
        0.7 * females / males, rel=1e-10
    )
    p0 = pops[
        (pops.source_id == "ons_mye_2020_lad21") & (pops.area_code == lad) & (pops.age_lower == 0)
    ]["population"].item()
    assert frame.weights[i, 0, 1] / frame.weights[i, 70, 1] == pytest.approx(
        (p0 / p70) * (400e-5 / rate), rel=1e-10
    )


def test_frame_covers_every_english_lsoa(frame: SynthFrame) -> None:
    assert frame.weights.shape == (32844, 91, 2)
    assert frame.lsoa_codes[0].startswith("E01")
    assert (frame.weights > 0).all()


def test_deprivation_multiplier() -> None:
    np.testing.assert_allclose(
        deprivation_multiplier([1, 10, 4], 3.0), [3.0, 1.0, 3.0 ** (6 / 9)], rtol=1e-12
    )


def test_sampled_records_follow_the_weights(frame: SynthFrame) -> None:
    n = 200_000
    table = pd.concat(
        t.to_pandas() for t in synthetic_records(n, seed=11, frame=frame, chunk_size=70_000)
    )
    assert len(table) == n and table["record_id"].tolist() == list(range(n))
    # by IMD decile: observed share within 5 binomial standard errors of the expected
    decile_of = pd.Series(frame.imd_decile, index=frame.lsoa_codes)
    observed = table["lsoa_code"].astype(str).map(decile_of).value_counts().sort_index() / n
    expected = (
        pd.Series(frame.weights.sum(axis=(1, 2)), index=frame.imd_decile).groupby(level=0).sum()
    )
    expected /= expected.sum()
    se = np.sqrt(expected * (1 - expected) / n)
    assert (np.abs(observed - expected) < 5 * se).all()
    assert expected.iloc[0] > expected.iloc[-1]  # more deaths where more deprived
    ages = table["age"].to_numpy()
    assert ages.min() >= 0 and ages.max() <= 105
    assert set(table["cause"].astype(str)) <= {c for c, _ in SYNTHETIC_CAUSES}
    dates = pd.to_datetime(table["date"])
    assert dates.min() >= pd.Timestamp("2019-01-01") and dates.max() <= pd.Timestamp("2023-12-31")
    male = (table["sex"].astype(str) == "Male").mean()
    want_male = frame.weights[:, :, 1].sum() / frame.weights.sum()
    assert abs(male - want_male) < 5 * math.sqrt(want_male * (1 - want_male) / n)


def test_seeded_and_reproducible(frame: SynthFrame) -> None:
    a = next(synthetic_records(1000, seed=5, frame=frame))
    b = next(synthetic_records(1000, seed=5, frame=frame))
    c = next(synthetic_records(1000, seed=6, frame=frame))
    assert a.equals(b)
    assert not a.equals(c)


def test_written_file_is_labelled_synthetic(synthetic_file: Path) -> None:
    schema = pq.read_schema(synthetic_file)
    assert schema.metadata[b"healthgap.synthetic"] == b"true"
    assert b"SYNTHETIC" in schema.metadata[b"healthgap.description"]
    assert b"Illustrative" in schema.metadata[b"healthgap.mortality"]
    assert schema.metadata[b"healthgap.seed"] == b"7"
    assert all(f.metadata[b"synthetic"] == b"true" for f in schema)
    meta = pq.ParquetFile(synthetic_file).metadata
    assert meta.num_rows == 5000 and meta.num_row_groups == 4  # 1500-row chunks
    assert not list(synthetic_file.parent.glob(".*partial"))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n": -1}, r"n \(the number of records\) must be a whole number of at least 0"),
        ({"chunk_size": 0}, r"chunk_size must be a whole number of at least 1; got 0"),
        ({"start": "2020-02-30"}, r"start must be a date such as '2019-01-01'"),
        ({"start": "2021-01-01", "end": "2020-01-01"}, r"end must not be before start"),
    ],
)
def test_record_errors(frame: SynthFrame, kwargs: dict[str, Any], match: str) -> None:
    args = {"n": 10, "frame": frame, **kwargs}
    with pytest.raises(InputError, match=match):
        next(synthetic_records(**args))


def test_write_errors(store: Any, tmp_path: Path) -> None:
    with pytest.raises(
        InputError,
        match=r"the output file name must contain 'synthetic'; "
        r"got 'deaths.parquet'",
    ):
        write_synthetic_records(tmp_path / "deaths.parquet", 10, store=store)
    with pytest.raises(InputError, match=r"the output folder must exist"):
        write_synthetic_records(tmp_path / "no" / "x-synthetic.parquet", 10, store=store)
    with pytest.raises(InputError, match=r"gradient must be a positive number .*got 0"):
        write_synthetic_records(tmp_path / "x-synthetic.parquet", 10, store=store, gradient=0)
