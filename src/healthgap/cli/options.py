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
    typer.Option(help="Confidence level: 0.95 or 95; repeat for several. Default 0.95 and 0.998."),
]
Multiplier = Annotated[float, typer.Option(help="Scale, e.g. 100000 for 'per 100,000'.")]
OnInvalid = Annotated[
    str,
    typer.Option(
        "--on-invalid",
        help="'raise' (default): stop on text, negative or infinite values. 'suppress': "
        "suppress the groups holding them, with the reason, and compute the rest.",
    ),
]
OpenFrom = Annotated[
    int,
    typer.Option(
        "--open-from",
        help="Start of the open age band when ages are band starts (default 90). "
        "Labels such as '85+' declare their own.",
    ),
]


def levels(confidence: list[float] | None) -> tuple[float, ...]:
    return tuple(confidence) if confidence else (0.95, 0.998)
