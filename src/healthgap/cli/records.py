"""``healthgap synth records``, ``records aggregate`` and ``records cluster``: record-level data.

Heavy modules (Ibis, DuckDB, PySpark, pyarrow) are imported inside the commands so that
``healthgap --help`` stays quick.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from healthgap.cli._io import err_console, out_console
from healthgap.cli.main import app
from healthgap.cli.options import StoreOption, out_option
from healthgap.errors import InputError
from healthgap.safe_csv import to_csv

synth_app = typer.Typer(
    help="Write SYNTHETIC data for testing and benchmarks (never real data).",
    no_args_is_help=True,
)
records_app = typer.Typer(
    help="Count person- or event-level records on DuckDB or Spark.", no_args_is_help=True
)
app.add_typer(synth_app, name="synth")
app.add_typer(records_app, name="records")


@synth_app.command("records")
def synth_records(
    rows: Annotated[int, typer.Option("--rows", help="How many records to write.")],
    out: Annotated[Path, out_option("The Parquet file; its name must contain 'synthetic'.")],
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    gradient: Annotated[
        float,
        typer.Option("--gradient", help="Death-rate ratio, most / least deprived IMD decile."),
    ] = 2.0,
    start: Annotated[str, typer.Option("--start", help="First date of death.")] = "2019-01-01",
    end: Annotated[str, typer.Option("--end", help="Last date of death.")] = "2023-12-31",
    store: StoreOption = None,
) -> None:
    """Write SYNTHETIC death records built from real populations (illustrative rates)."""
    from healthgap.data.synth import write_synthetic_records
    from healthgap.geography.hierarchy import using

    with using(store) as s:
        path = write_synthetic_records(
            out, rows, store=s, seed=seed, start=start, end=end, gradient=gradient
        )
    out_console.print(f"Wrote {rows:,} SYNTHETIC records (not real data) to {path}", markup=False)


def _keys(by: list[str]) -> list[str]:
    return [k.strip() for item in by for k in item.split(",") if k.strip()]


@records_app.command("aggregate")
def records_aggregate(
    file: Annotated[Path, typer.Argument(help="A Parquet file (or folder) of records.")],
    by: Annotated[
        list[str] | None,
        typer.Option(
            "--by",
            help="Keys to count by, repeated or comma-separated: lad, utla, region, icb, "
            "lsoa, imd_decile, core20, age_band, age, sex, period, cause.",
        ),
    ] = None,
    engine: Annotated[str, typer.Option("--engine", help="duckdb or spark.")] = "duckdb",
    period: Annotated[str, typer.Option("--period", help="calendar or financial.")] = "calendar",
    age_bands: Annotated[
        str, typer.Option("--age-bands", help="esp2013_19 (0-4..90+) or esp2013_20.")
    ] = "esp2013_19",
    lsoa_vintage: Annotated[
        int, typer.Option("--lsoa-vintage", help="2011 or 2021 LSOA codes.")
    ] = 2011,
    master: Annotated[
        str, typer.Option("--master", help="Spark master URL (engine spark).")
    ] = "local[2]",
    remote: Annotated[
        str | None,
        typer.Option("--remote", help="Spark Connect address sc://... (engine spark)."),
    ] = None,
    out: Annotated[Path | None, out_option("Write the counts to CSV or Parquet.")] = None,
    no_disclosure: Annotated[
        bool,
        typer.Option(
            "--no-disclosure",
            help="Write exact counts (for secure onward analysis only; never publish them).",
        ),
    ] = False,
    store: StoreOption = None,
) -> None:
    """Count records by area, deprivation, age band, sex, period and cause.

    Counts shown or written are protected by the default disclosure policy (1-7
    withheld, others rounded to 5) unless --no-disclosure is given.
    """
    from healthgap.data.disclosure import apply_disclosure
    from healthgap.data.engines import check_engine
    from healthgap.data.records import AREA_KEYS, DEPRIVATION_KEYS, count_records
    from healthgap.geography.hierarchy import using
    from healthgap.geography.lsoa_areas import area_lookup

    keys = _keys(by or ["lad", "age_band", "sex", "period"])
    check_engine(engine)
    if lsoa_vintage not in (2011, 2021):
        raise InputError(f"--lsoa-vintage must be 2011 or 2021; got {lsoa_vintage}.")
    with using(store) as s:
        by_area = any(k in AREA_KEYS or k in DEPRIVATION_KEYS for k in keys)
        vintage: Literal[2011, 2021] = 2011 if lsoa_vintage == 2011 else 2021
        lookup = area_lookup(s, lsoa_vintage=vintage) if by_area else None
        counts = count_records(
            file,
            by=keys,
            engine=engine,  # type: ignore[arg-type]
            master=master,
            remote=remote,
            period=period,
            age_bands=age_bands,
            lookup=lookup,
            lsoa_vintage=vintage,
        )
    if no_disclosure:
        err_console.print(
            "Exact counts (no disclosure control): do not publish them.", markup=False
        )
        table = counts
    else:
        table = apply_disclosure(counts, count_columns="count").to_frame()
    if out is None:
        out_console.print(table.to_string(index=False), markup=False)
        return
    if out.suffix.lower() == ".parquet":
        table.to_parquet(out, index=False)
    else:
        to_csv(table, out)
    out_console.print(f"Wrote {len(table):,} rows to {out}", markup=False)


@records_app.command("cluster")
def records_cluster(
    source: Annotated[Path, typer.Argument(help="A Parquet file (or folder) of records.")],
    target: Annotated[Path, typer.Argument(help="The clustered Parquet file to write.")],
    memory_limit: Annotated[
        str | None,
        typer.Option(
            "--memory-limit",
            help="DuckDB memory limit for the sort, e.g. 4GB (beyond it, spill to disk).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Rewrite records sorted by LSOA and date, so counting them runs about twice as fast.

    The same records and columns, in a new order; the source is not changed.
    """
    import time

    from healthgap.data.clustering import cluster_records, layout

    start = time.perf_counter()
    out = cluster_records(source, target, memory_limit=memory_limit)
    out_console.print(
        f"Wrote {out} ({layout(out)}) in {time.perf_counter() - start:.1f} s", markup=False
    )
