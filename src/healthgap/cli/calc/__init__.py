"""``healthgap calc STATISTIC INPUT`` — every statistic on a CSV, for analysts without Python.

Each module in this package registers its commands on :data:`calc_app` when imported.
"""

import typer

calc_app = typer.Typer(
    help="Compute a statistic from a CSV file and write the result as CSV.",
    no_args_is_help=True,
)

# Importing the modules registers their commands.
from healthgap.cli.calc import (  # noqa: E402, F401
    descriptive,
    heat,
    inequality,
    life_tables,
    rates,
    spc,
    standardised,
    welfare,
)
