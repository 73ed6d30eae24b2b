"""Typer options shared by the ``calc`` commands, so each is spelt one way."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

InputPath = Annotated[Path, typer.Argument(help="Input table: CSV (any delimiter) or Parquet.")]
OutPath = Annotated[
    Path | None, typer.Option("--out", "-o", help="Write the result here (CSV or .parquet).")
]
GroupBy = Annotated[
    list[str] | None,
    typer.Option("--group-by", "-g", help="Column defining groups; repeat for several."),
]
Confidence = Annotated[
    list[float] | None,
    typer.Option(help="Confidence level in (0, 1); repeat for several. Default 0.95 and 0.998."),
]
Multiplier = Annotated[float, typer.Option(help="Scale, e.g. 100000 for 'per 100,000'.")]


def levels(confidence: list[float] | None) -> tuple[float, ...]:
    return tuple(confidence) if confidence else (0.95, 0.998)
