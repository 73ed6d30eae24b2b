"""``healthgap ledger import|check|report``: the transparent-accounting ledger.

The ledger lives in the app database the web service uses (``--db``, default
``$HEALTHGAP_DB``, else ``healthgap-app.db`` in the data directory); area codes and populations come
from the analytical store (``--store``, default ``$HEALTHGAP_STORE``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from healthgap.cli._io import err_console, out_console
from healthgap.cli.main import app
from healthgap.cli.options import DbOption, StoreOption, app_db_url, out_option

ledger_app = typer.Typer(
    help="The transparent-accounting ledger: budget flows checked against allocations.",
    no_args_is_help=True,
)
app.add_typer(ledger_app, name="ledger")


def _session(db: str | None) -> Any:
    import healthgap.ledger.models  # noqa: F401  (registers the tables)
    from healthgap.appdb.db import init_db, sessions

    url = app_db_url(db)
    return sessions(init_db(url))()


@ledger_app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="CSV, Parquet or Excel (.xlsx) file.")],
    kind: Annotated[str, typer.Option("--kind", help="flows or allocations.")] = "flows",
    store: StoreOption = None,
    db: DbOption = None,
    user: Annotated[str | None, typer.Option("--user", help="Recorded in the audit log.")] = None,
) -> None:
    """Import flows or allocations, all or nothing; a rejected file lists every problem."""
    from healthgap.ledger import import_ledger

    with _session(db) as session:
        result = import_ledger(
            session, file, kind, store=store, user=user or os.environ.get("USER") or "cli"
        )
    err_console.print(result.summary())


@ledger_app.command("check")
def check_cmd(db: DbOption = None) -> None:
    """Check what is loaded: flows within allocations; exit 1 with a table on failure."""
    import pandas as pd
    from rich.table import Table

    from healthgap.ledger import check_ledger, pounds

    with _session(db) as session:
        result = check_ledger(session)
    t = Table(title="Ledger: flows against allocations")
    for c in ("commissioner", "programme", "period", "allocated", "flows", "remaining", "status"):
        t.add_column(c)
    for r in result.table.to_dict("records"):
        has = not pd.isna(r["allocated_pence"])
        code, name = str(r["commissioner_code"]), str(r.get("commissioner_name") or "")
        t.add_row(
            f"{name} ({code})" + (" EXAMPLE" if r.get("example") else "")
            if name and name != code
            else code,
            str(r["programme"]),
            str(r["period"]),
            pounds(int(r["allocated_pence"])) if has else "none",
            pounds(int(r["flows_pence"])),
            pounds(int(r["remaining_pence"])) if has else "",
            str(r["status"]),
        )
    out_console.print(t)
    if not result.ok:
        for p in result.problems:
            err_console.print(f"FAIL {p}", markup=False, soft_wrap=True)
        raise typer.Exit(1)
    err_console.print("All ledger checks passed.")


@ledger_app.command("report")
def report_cmd(
    by: Annotated[
        str, typer.Option("--by", help="decile, core20, provider-type or programme.")
    ] = "decile",
    out: Annotated[Path | None, out_option("Write FILE.csv, .json or .html.")] = None,
    period: Annotated[str | None, typer.Option("--period", help="e.g. 2024-25.")] = None,
    commissioner: Annotated[
        str | None, typer.Option("--commissioner", help="A commissioner code.")
    ] = None,
    programme: Annotated[str | None, typer.Option("--programme", help="One programme.")] = None,
    store: StoreOption = None,
    db: DbOption = None,
) -> None:
    """Spend per head by deprivation decile, Core20, provider type or programme, with the
    concentration index of spend against need."""
    from healthgap.cli._io import show
    from healthgap.ledger import ledger_summary, write_report

    with _session(db) as session:
        summary = ledger_summary(
            session, store, by=by, period=period, commissioner=commissioner, programme=programme
        )
    if out is not None:
        write_report(summary, out)
        err_console.print(f"Wrote {out}")
        return
    show(summary.table)
    c = summary.concentration
    if c is not None:
        out_console.print(
            f"Concentration index of spend per head against need: {c.value:.4f} "
            f"(95% CI {c.lower:.4f} to {c.upper:.4f}; {c.n} areas; negative = more spend "
            "where need is higher)"
        )
    out_console.print(f"Disclosure: {summary.metadata['disclosure']}")
