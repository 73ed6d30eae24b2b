"""Importing validated indicator files into the store: upsert, all or nothing, kill -9."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthgap.data import schema
from healthgap.data.importing import read_indicator_file
from healthgap.data.layout import INDICATOR_COLUMNS, INDICATOR_KEY
from healthgap.data.loading import (
    LoadResult,
    import_indicator_file,
    load_indicators,
    table_checksum,
)
from healthgap.data.problems import IndicatorFileError
from healthgap.data.synth import synthetic_indicator_rows
from healthgap.errors import InputError
from tests.data.importing_store.conftest import SAMPLE

REPO = Path(__file__).resolve().parents[3]
MALFORMED = REPO / "tests" / "data" / "malformed"


def state(store: Path) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """Checksums of the tables an import writes."""
    return (
        table_checksum(store, "indicators"),
        table_checksum(store, "datasets"),
        table_checksum(store, "areas"),
    )


def rows_of(store: Path, where: str) -> pd.DataFrame:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return con.execute(f"SELECT * FROM indicators WHERE {where}").df()
    finally:
        con.close()


def sample_rows() -> list[dict[str, str]]:
    """The sample file read with the csv module alone: the outside reference."""
    with SAMPLE.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def write_sample(path: Path, edit: dict[int, dict[str, str]] | None = None, extra: int = 0) -> Path:
    rows = sample_rows()
    for i, change in (edit or {}).items():
        rows[i].update(change)
    for k in range(extra):
        new = dict(rows[-1])
        new["Time period"] = f"{2010 + k} - {12 + k}"
        rows.append(new)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


# ------------------------------------------------------------------------ the key, once


def test_file_key_is_the_store_key() -> None:
    assert schema.KEY_COLUMNS is INDICATOR_KEY
    assert "area_type" in schema.KEY_COLUMNS


def test_a_unitary_authority_under_two_area_types_loads(store: Path, tmp_path: Path) -> None:
    rows = sample_rows()
    twin = dict(rows[2])  # Hartlepool, also listed as a district
    twin["Area Type"] = "Districts & UAs (from Apr 2023)"
    rows.append(twin)
    path = tmp_path / "twins.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    result = import_indicator_file(path, store)
    assert result.added == len(rows)
    got = rows_of(store, "source_id = 'import:twins.csv' AND area_code = 'E06000001'")
    assert sorted(got["area_type"]) == [
        "Counties & UAs (from Apr 2023)",
        "Counties & UAs (from Apr 2023)",
        "Districts & UAs (from Apr 2023)",
    ]


# ------------------------------------------------------------------------ import and upsert


def test_import_writes_the_file_values(store: Path) -> None:
    before = table_checksum(store)
    result = import_indicator_file(SAMPLE, store)
    assert isinstance(result, LoadResult)
    assert (result.rows, result.added, result.updated, result.unchanged) == (8, 8, 0, 0)
    assert result.source_id == "import:fingertips_sample.csv"
    assert table_checksum(store)[0] == before[0] + 8
    got = rows_of(store, "source_id = 'import:fingertips_sample.csv'")
    assert list(got.columns) == list(INDICATOR_COLUMNS)
    for ref in sample_rows():
        row = got[(got["area_code"] == ref["Area Code"]) & (got["period"] == ref["Time period"])]
        assert len(row) == 1
        r = row.iloc[0]
        assert r["area_type"] == ref["Area Type"]
        assert r["area_name"] == ref["Area Name"]
        assert r["value"] == float(ref["Value"])
        assert r["lower_95_0"] == float(ref["Lower CI 95.0 limit"])
        assert r["upper_95_0"] == float(ref["Upper CI 95.0 limit"])
        first = int(ref["Time period"][:4])
        assert (r["period_start"], r["period_end"]) == (first, first + 2)
        assert pd.isna(r["lower_99_8"]) and pd.isna(r["count"]) and pd.isna(r["category"])


def test_reimport_adds_nothing(store: Path) -> None:
    import_indicator_file(SAMPLE, store)
    after_first = state(store)[0]
    again = import_indicator_file(SAMPLE, store)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 8)
    assert state(store)[0] == after_first
    con = duckdb.connect(str(store), read_only=True)
    try:
        key = ", ".join(f'"{c}"' for c in INDICATOR_KEY)
        dup = con.execute(
            f"SELECT count(*) FROM (SELECT {key} FROM indicators GROUP BY ALL HAVING count(*) > 1)"
        ).fetchone()
        recorded = con.execute(
            "SELECT count(*), max(rows) FROM datasets WHERE id = 'import:fingertips_sample.csv'"
        ).fetchone()
    finally:
        con.close()
    assert dup == (0,)
    assert recorded == (1, 8)


def test_changed_and_new_rows_are_updated_and_added(store: Path, tmp_path: Path) -> None:
    import_indicator_file(SAMPLE, store, source_id="cvd")
    edited = write_sample(tmp_path / "edited.csv", edit={3: {"Value": "81.5"}}, extra=1)
    result = import_indicator_file(edited, store, source_id="cvd")
    assert (result.rows, result.added, result.updated, result.unchanged) == (9, 1, 1, 7)
    got = rows_of(store, "source_id = 'cvd' AND area_code = 'E06000002' AND period = '2001 - 03'")
    assert got["value"].tolist() == [81.5]
    assert len(rows_of(store, "source_id = 'cvd'")) == 9


def test_new_areas_are_named(store: Path, tmp_path: Path) -> None:
    rows = sample_rows()[:1]
    rows[0].update({"Area Code": "E06000099", "Area Name": "Nowhere-on-Test"})
    path = tmp_path / "new_area.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    import_indicator_file(path, store)
    con = duckdb.connect(str(store), read_only=True)
    try:
        got = con.execute("SELECT name, type FROM areas WHERE code = 'E06000099'").fetchall()
    finally:
        con.close()
    assert got == [("Nowhere-on-Test", "England")]


# ------------------------------------------------------------------------ all or nothing


@pytest.mark.parametrize(
    "name", ["duplicate_key.csv", "bad_period.csv", "empty_area_code.csv", "corrupt.parquet"]
)
def test_invalid_file_leaves_the_store_as_it_was(store: Path, name: str) -> None:
    before = state(store)
    with pytest.raises(IndicatorFileError, match=r"must"):
        import_indicator_file(MALFORMED / name, store)
    assert state(store) == before


def test_invalid_rows_after_many_good_chunks_write_nothing(store: Path, tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    generate(big, 3000, bad_at=2900)
    before = state(store)
    with pytest.raises(IndicatorFileError, match=r"line 2902, column 'value', value 'oops'"):
        import_indicator_file(big, store, chunk_rows=500)
    assert state(store) == before


def test_crash_mid_way_rolls_back(store: Path) -> None:
    tidy = read_indicator_file(SAMPLE)
    before = state(store)

    def chunks() -> Iterator[pd.DataFrame]:
        yield tidy.iloc[:4]
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        load_indicators(chunks(), store, source_id="crash")
    assert state(store) == before
    # the store is still writable afterwards
    assert load_indicators([tidy], store, source_id="crash").added == 8


def test_a_release_cannot_replace_another_datasets_rows(store: Path) -> None:
    tidy = read_indicator_file(SAMPLE)
    load_indicators([tidy], store, source_id="publisher_a")
    before = state(store)
    edited = tidy.assign(value=tidy["value"] + 1)
    with pytest.raises(
        InputError,
        match=r"a dataset must replace only its own rows; got 8 rows of 'publisher_b' whose "
        r"indicator, area, sex, age, category and period belong to the published dataset "
        r"'publisher_a'\. Published data change only with a newer release",
    ):
        load_indicators([edited], store, source_id="publisher_b")
    assert state(store) == before
    # a newer release of the same dataset replaces its rows
    assert load_indicators([edited], store, source_id="publisher_a").updated == 8


def test_repeated_key_across_chunks_is_refused(store: Path) -> None:
    tidy = read_indicator_file(SAMPLE)
    before = state(store)
    with pytest.raises(InputError, match=r"must have one row per indicator_id, area_code"):
        load_indicators([tidy, tidy.iloc[:1]], store, source_id="twice")
    assert state(store) == before


def test_store_errors(tmp_path: Path, store: Path) -> None:
    with pytest.raises(InputError, match=r"the store must exist; got no file"):
        import_indicator_file(SAMPLE, tmp_path / "none.duckdb")
    with pytest.raises(InputError, match=r"source_id must be a non-empty text; got ''"):
        load_indicators([], store, source_id="")
    with pytest.raises(InputError, match=r"table must be one of the store's tables"):
        table_checksum(store, "nope")


def test_store_locked_by_another_writer(store: Path) -> None:
    script = (
        "import sys, time, duckdb\n"
        "c = duckdb.connect(sys.argv[1])\n"
        "print('locked', flush=True)\n"
        "time.sleep(30)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script, str(store)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(InputError, match=r"must not be open for writing in another process"):
            import_indicator_file(SAMPLE, store)
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close() if holder.stdout else None


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.sampled_from(range(8)), unique=True, max_size=8),
    st.lists(st.floats(1, 500, allow_nan=False), min_size=8, max_size=8),
)
def test_counts_add_up_for_any_edit(
    store: Path, tmp_path: Path, changed: list[int], values: list[float]
) -> None:
    tidy = read_indicator_file(SAMPLE)
    sid = "prop"  # one dataset: each example first restores its rows, then edits them
    load_indicators([tidy], store, source_id=sid)
    edited = tidy.copy()
    for i in changed:
        v = values[i]
        edited.loc[i, ["value", "lower_95_0", "upper_95_0"]] = [v, v, v]
    really = [
        i
        for i in changed
        if not (tidy.loc[i, ["value", "lower_95_0", "upper_95_0"]] == values[i]).all()
    ]
    # any order of rows gives the same counts
    shuffled = edited.sample(
        frac=1.0, random_state=np.random.default_rng(len(changed)).integers(1 << 31)
    )
    result = load_indicators([shuffled.iloc[:3], shuffled.iloc[3:]], store, source_id=sid)
    assert (result.added, result.updated, result.unchanged) == (0, len(really), 8 - len(really))
    assert len(rows_of(store, f"source_id = '{sid}'")) == 8


# ------------------------------------------------------------------------ kill -9


def generate(path: Path, n: int, bad_at: int | None = None) -> None:
    """A tidy CSV of ``n`` distinct valid rows (synthetic GSS-shaped codes)."""
    frame = synthetic_indicator_rows(n, "kill_test")
    if bad_at is not None:
        frame["value"] = frame["value"].astype(object)
        frame.loc[bad_at, "value"] = "oops"
    frame.to_csv(path, index=False)


KILL_SCRIPT = """
import sys
from healthgap.data.loading import import_indicator_file
def staged(rows):
    print("staged", rows, flush=True)
import_indicator_file(sys.argv[2], sys.argv[1], chunk_rows=int(sys.argv[3]), on_chunk=staged)
print("done", flush=True)
"""


@pytest.mark.parametrize("after_chunks", [1, 7])
def test_kill_9_mid_import_leaves_the_store_as_it_was(
    store: Path, tmp_path: Path, after_chunks: int
) -> None:
    big = tmp_path / "big.csv"
    generate(big, 80_000)
    before = state(store)
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(store), str(big), "10000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    seen = 0
    for line in proc.stdout:
        if line.startswith("staged"):
            seen += 1
            if seen == after_chunks:
                os.kill(proc.pid, signal.SIGKILL)
                break
    proc.wait(timeout=60)
    errors = proc.stderr.read() if proc.stderr else ""
    proc.stdout.close()
    proc.stderr.close() if proc.stderr else None
    assert proc.returncode == -signal.SIGKILL, errors
    assert state(store) == before
    # and the store takes the import afterwards
    result = import_indicator_file(big, store, chunk_rows=40_000)
    assert (result.added, result.updated, result.unchanged) == (80_000, 0, 0)
