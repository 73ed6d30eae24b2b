"""``healthgap demo``: a first look at England's health gaps from the loaded open data.

Until the web service is the main job, ``make run`` builds the store from the open-data
mirror and runs this: the regional healthy-life-expectancy gap behind the national
mission, the gradient by deprivation decile, and where Core20 populations live. Every
figure comes from the store and the statistics core, with its source named.
"""

from __future__ import annotations

from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from healthgap import stats  # the method loads when the demo runs
from healthgap.cli.main import app
from healthgap.cli.options import DbOption, StoreOption, app_db_url
from healthgap.data.store import open_store
from healthgap.geography import core20_share

console = Console(highlight=False)


def _fmt(value: float, digits: int = 1) -> str:
    return "" if pd.isna(value) else f"{value:.{digits}f}"


@app.command("demo")
def demo(
    store: StoreOption = None,
    workspace: Annotated[
        bool,
        typer.Option(
            "--workspace",
            help="Load the labelled example workspace (targets, a screening, an action plan, "
            "commitments, ledger entries, case studies) into the app database; every record "
            "is tagged Example. Loading twice changes nothing.",
        ),
    ] = False,
    remove_workspace: Annotated[
        bool,
        typer.Option(
            "--remove-workspace",
            help="Remove every example record from the app database, and nothing else.",
        ),
    ] = False,
    db: DbOption = None,
    user: Annotated[
        str | None, typer.Option("--user", help="Recorded in the audit log (default: $USER).")
    ] = None,
) -> None:
    """Print the mission gap, the deprivation gradient and Core20 shares from the open data.

    With --workspace, load the labelled example workspace instead; with
    --remove-workspace, remove it.
    """
    if workspace or remove_workspace:
        _workspace(store, db, user, remove=remove_workspace, load=workspace)
        return
    with open_store(store) as db_:
        regions = db_.to_pandas(db_.indicators("hle_birth", area_type="region"))
        deciles = db_.to_pandas(db_.indicators("hle_birth_imd2015_decile"))
        published = db_.to_pandas(db_.table("ons_sii_le_hle_dfle"))
        shares = core20_share(db_)
    _mission_gap(regions)
    _deprivation_gradient(deciles, published)
    _core20(shares)
    console.print(
        "\nContains public sector information licensed under the Open Government Licence "
        "v3.0. Run `healthgap datasets` for every source, period and licence.",
        style="dim",
    )


def _workspace(
    store: str | None, db: str | None, user: str | None, *, remove: bool, load: bool
) -> None:
    """Load or remove the example workspace (the CLI acts as an administrator)."""
    import os

    from healthgap.appdb.db import init_db
    from healthgap.appdb.permissions import Actor
    from healthgap.examples import AUTHORITY_NAME, load_examples, remove_examples

    if remove and load:
        raise typer.BadParameter(
            "give --workspace or --remove-workspace, not both; got both. "
            "Run `healthgap demo --remove-workspace` to remove the example."
        )
    url = app_db_url(db)
    engine = init_db(url)
    who = Actor(user or os.environ.get("USER") or "cli", "admin")
    try:
        if remove:
            removed = remove_examples(engine, who)
            console.print(
                f"Removed: {removed.summary()}"
                if removed.total
                else "No example records to remove."
            )
            return
        with open_store(store) as s:
            counts = load_examples(engine, s, who)
    finally:
        engine.dispose()
    console.print(
        f"Loaded the example workspace for {AUTHORITY_NAME} into {url}.\n{counts.summary()}\n"
        "Every record is illustrative and tagged Example in pages, downloads and the report. "
        "Remove them all with `healthgap demo --remove-workspace`."
    )


def _mission_gap(regions: pd.DataFrame) -> None:
    latest = regions[regions["period"] == regions["period"].max()]
    result = stats.gap(
        latest,
        "value",
        by="area_name",
        group_by="sex",
        lower="lower_95_0",
        upper="upper_95_0",
        confidence=0.95,
    )
    table = Table(
        title=f"Healthy life expectancy at birth: highest vs lowest English region, "
        f"{latest['period'].iloc[0]} (ONS)",
    )
    for name in ["Sex", "Highest", "HLE", "Lowest", "HLE", "Gap (years)", "95% limits"]:
        table.add_column(name)
    for _, row in result.to_pandas().iterrows():
        table.add_row(
            str(row["sex"]),
            str(row["first"]),
            _fmt(row["first_value"]),
            str(row["second"]),
            _fmt(row["second_value"]),
            _fmt(row["difference"]),
            f"{_fmt(row['difference_lower_95_0'])} to {_fmt(row['difference_upper_95_0'])}",
        )
    console.print(table)
    console.print(
        "The national mission is to halve the gap in healthy life expectancy between the "
        "regions with the highest and lowest; `healthgap calc gap` reproduces these figures."
    )


def _deprivation_gradient(deciles: pd.DataFrame, published: pd.DataFrame) -> None:
    table = Table(title="Male healthy life expectancy by IMD 2015 decile, 2015-2017 (ONS)")
    table.add_column("Decile (1 = most deprived)")
    table.add_column("HLE (years)")
    ordered = deciles.assign(decile=deciles["category"].astype(int)).sort_values("decile")
    for _, row in ordered.iterrows():
        table.add_row(str(row["decile"]), _fmt(row["value"]))
    console.print(table)
    hle = published[(published["sex"] == "Male") & (published["measure"] == "HLE")]
    if len(hle):
        first = hle.iloc[0]
        sii_cols = [c for c in published.columns if c.startswith("sii_") and "2015" in c]
        if sii_cols:
            console.print(
                f"ONS's published slope index of inequality for male HLE, 2015-2017: "
                f"{first[sii_cols[0]]} years between the most and least deprived ends."
            )


def _core20(shares: pd.DataFrame) -> None:
    top = shares.sort_values("core20_population_share", ascending=False).head(10)
    table = Table(
        title="Local authorities with the largest share of people in Core20 areas "
        "(the most deprived 20% of LSOAs, IMD 2019)"
    )
    table.add_column("Local authority")
    table.add_column("Core20 population share")
    for _, row in top.iterrows():
        table.add_row(str(row["lad_name"]), f"{row['core20_population_share']:.1%}")
    console.print(table)
