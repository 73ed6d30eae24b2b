"""Benchmark: count 100 million SYNTHETIC death records by LAD x age band x sex x year.

The records come from :mod:`healthgap.data.synth` (real populations, an illustrative
mortality schedule; **synthetic, not real deaths**), generated once into
``bench/.cache/`` (about 1 GB for 100 million rows; git-ignore ``bench/.cache/``).

The same job runs on two layouts of the same records, and every result is checked
equal to the first:

* the records **as generated** (random order, as an extract arrives);
* the records **clustered** by :func:`healthgap.data.clustering.cluster_records` (sorted
  by LSOA and date; written once into the cache, its time printed when it is made).

On each layout the job runs three or four ways:

* healthgap on DuckDB (:func:`healthgap.data.records.count_records`, one Ibis
  expression; goal under 20 s on 2 cores);
* plain pandas with categoricals, the fair baseline: read the records a row group at a
  time (LSOA and sex read as categoricals, ``read_dictionary``), map
  LSOA -> LAD, band ages with ``pd.cut``, ``groupby(..., observed=True).size()``, add
  the chunks up; goal DuckDB >= 10x faster;
* plain pandas on text keys (the baseline of the first figures, kept for comparison:
  every key turned into strings; the generated layout only);
* the same Ibis expression on local Spark (``local[2]``), session start timed apart;
* the same count as one hand-written DuckDB query, on 2 threads and on 1, to show how
  close the Ibis expression is to the engine's floor and how DuckDB scales with cores.

The machine is shared during development: ``--rows 10000000`` gives the ratios in a
minute; the published figures are from an idle machine at 100 million rows.

Run with ``.venv/bin/python bench/bench_records.py [--rows N] [--no-spark]``; the store
(populations, lookups, IMD) comes from ``--store`` or ``$HEALTHGAP_STORE``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from healthgap.data.clustering import cluster_records
from healthgap.data.engines import quiet, spark_session
from healthgap.data.records import age_band_table, count_records
from healthgap.data.synth import write_synthetic_records
from healthgap.geography.hierarchy import using
from healthgap.geography.lsoa_areas import area_lookup

CACHE = Path(__file__).resolve().parent / ".cache"
BY = ["lad", "age_band", "sex", "period"]
KEYS = ["lad_code", "age_band", "sex", "period"]


def records_file(rows: int, store: Any) -> Path:
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"deaths-synthetic-{rows}-seed0.parquet"
    if not path.exists():
        t0 = time.perf_counter()
        write_synthetic_records(path, rows, store=store, seed=0, chunk_size=5_000_000)
        print(f"generated {rows:,} synthetic records in {time.perf_counter() - t0:.1f} s")
    return path


def clustered_file(path: Path) -> Path:
    target = path.with_name(path.name.replace(".parquet", "-clustered.parquet"))
    if not target.exists():
        t0 = time.perf_counter()
        cluster_records(path, target)
        print(f"clustered {path.name} by LSOA and date in {time.perf_counter() - t0:.1f} s")
    return target


def _batches(path: Path, batch: int) -> Any:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path, read_dictionary=["lsoa_code", "sex"]).iter_batches(
        batch_size=batch, columns=["lsoa_code", "age", "sex", "date"]
    )


def pandas_baseline(path: Path, lookup: pd.DataFrame, batch: int = 5_000_000) -> pd.DataFrame:
    """Plain pandas on text keys, chunked (the first figures' baseline)."""
    lad_of = lookup.set_index("lsoa_code")["lad_code"]
    bands = age_band_table("esp2013_19")["age_band"].to_numpy(object)
    parts = []
    for chunk in _batches(path, batch):
        df = chunk.to_pandas(date_as_object=False)
        out = pd.DataFrame(
            {
                "lad_code": df["lsoa_code"].map(lad_of),
                "age_band": bands[np.minimum(df["age"].to_numpy(), 90)],
                "sex": df["sex"].astype(str),
                "period": df["date"].dt.year.astype(str),
            }
        )
        parts.append(out.groupby(KEYS, dropna=False).size())
    total = pd.concat(parts).groupby(level=list(range(4)), dropna=False).sum()
    return total.rename("count").reset_index()


def pandas_categorical(path: Path, lookup: pd.DataFrame, batch: int = 10_000_000) -> pd.DataFrame:
    """Plain pandas as a careful analyst writes it: categoricals and ``observed=True``.

    Chunked only to bound memory (100 million rows of keys would need several GB).
    """
    lad_of = lookup.set_index("lsoa_code")["lad_code"]
    labels = age_band_table("esp2013_19")["age_band"].drop_duplicates().tolist()
    edges = [*range(0, 95, 5), np.inf]
    parts = []
    for chunk in _batches(path, batch):
        df = chunk.to_pandas(date_as_object=False)
        keys = [
            df["lsoa_code"].map(lad_of).rename("lad_code"),
            pd.cut(df["age"], edges, right=False, labels=labels).rename("age_band"),
            df["sex"],
            df["date"].dt.year.rename("period"),
        ]
        parts.append(df.groupby(keys, observed=True, dropna=False).size())
    total = pd.concat(parts).groupby(level=list(range(4)), observed=True, dropna=False).sum()
    return total.rename("count").reset_index()


def canonical(df: pd.DataFrame) -> pd.DataFrame:
    out = df[[*KEYS, "count"]].astype({"count": "int64"})
    out = out.astype(dict.fromkeys(KEYS, str))
    return out.sort_values(KEYS, ignore_index=True)


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def hand_written_sql(path: Path, lookup: pd.DataFrame, threads: int) -> int:
    """The same count as one hand-written DuckDB query on ``threads`` threads (the floor
    healthgap's Ibis expression is measured against); the number of groups."""
    import duckdb

    con = duckdb.connect(config={"threads": threads})
    con.register("lookup_frame", lookup[["lsoa_code", "lad_code"]])
    con.execute("CREATE TABLE lad AS SELECT * FROM lookup_frame")
    query = (
        "SELECT l.lad_code, least(r.age, 90) // 5 AS band, r.sex, year(r.date) AS year, "
        f"count(*) FROM read_parquet('{path}') r LEFT JOIN lad l ON r.lsoa_code = l.lsoa_code "
        "GROUP BY ALL"
    )
    groups = len(con.execute(query).fetchall())
    con.close()
    return groups


def run_layout(
    name: str, path: Path, lookup: pd.DataFrame, args: Any, reference: pd.DataFrame | None
) -> tuple[float, pd.DataFrame]:
    """Time DuckDB and the pandas baselines on one layout; the DuckDB time and counts."""
    t_duck, duck = best(lambda: count_records(path, by=BY, lookup=lookup), args.repeat)
    same = "" if reference is None else f", same counts: {canonical(duck).equals(reference)}"
    print(f"[{name}] healthgap DuckDB  : {t_duck:8.2f} s  ({len(duck):,} groups{same})")
    for threads in (2, 1):
        t_sql, groups = best(lambda t=threads: hand_written_sql(path, lookup, t), args.repeat)
        print(f"[{name}] DuckDB SQL, {threads} thr : {t_sql:8.2f} s  ({groups:,} groups)")
    t_cat, cat = best(lambda: pandas_categorical(path, lookup), 1)
    print(
        f"[{name}] pandas categorical: {t_cat:8.2f} s  (same counts: "
        f"{canonical(cat).equals(canonical(duck))})"
    )
    ratio = f"[{name}] ratio pandas categorical / DuckDB: {t_cat / t_duck:.1f}x"
    if name == "generated":
        t_pd, ref = best(lambda: pandas_baseline(path, lookup), 1)
        print(
            f"[{name}] pandas text keys  : {t_pd:8.2f} s  (same counts: "
            f"{canonical(ref).equals(canonical(duck))})"
        )
        ratio += f"; pandas text keys / DuckDB: {t_pd / t_duck:.1f}x"
    print(ratio + " (goal >= 10x; DuckDB goal < 20 s)")
    return t_duck, duck


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000_000)
    parser.add_argument("--store", default=None)
    parser.add_argument("--repeat", type=int, default=3, help="DuckDB runs (best is shown)")
    parser.add_argument("--no-spark", action="store_true")
    args = parser.parse_args(argv)
    with using(args.store) as store:
        path = records_file(args.rows, store)
        lookup = area_lookup(store)
    clustered = clustered_file(path)
    print(f"records: {args.rows:,} synthetic rows, {path.stat().st_size / 1e9:.2f} GB")
    layouts = {"generated": path, "clustered": clustered}
    reference: pd.DataFrame | None = None
    duck_times = {}
    for name, file in layouts.items():
        duck_times[name], duck = run_layout(name, file, lookup, args, reference)
        reference = canonical(duck) if reference is None else reference
    print(
        f"clustered / generated, DuckDB: {duck_times['generated'] / duck_times['clustered']:.1f}x "
        "faster"
    )
    if args.no_spark:
        return
    t0 = time.perf_counter()
    session = spark_session("local[2]", conf={"spark.driver.memory": "4g"})
    print(f"Spark local[2] session start: {time.perf_counter() - t0:.1f} s")
    for name, file in layouts.items():
        t_spark, spark = best(
            lambda file=file: count_records(
                file, by=BY, lookup=lookup, engine="spark", session=session
            ),
            1,
        )
        print(
            f"[{name}] healthgap Spark   : {t_spark:8.2f} s  (same counts: "
            f"{canonical(spark).equals(reference)}); Spark / DuckDB "
            f"{t_spark / duck_times[name]:.1f}x"
        )
    with quiet():
        session.stop()


if __name__ == "__main__":
    main()
