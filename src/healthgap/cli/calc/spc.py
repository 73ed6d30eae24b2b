"""``healthgap calc spc``: XmR charts with Making Data Count rules and icons."""

from __future__ import annotations

from typing import Annotated

import typer

from healthgap.cli import options as opt
from healthgap.cli._io import run_statistic
from healthgap.cli.calc import calc_app
from healthgap.errors import InputError
from healthgap.stats.spc import DEFAULT_RUN_LENGTH, RECOMMENDED_POINTS, spc


@calc_app.command("spc")
def spc_command(
    input: opt.InputPath,
    value: Annotated[str, typer.Option(help="Column of the measured values.")],
    period: Annotated[
        str, typer.Option(help="Column giving the time order (numbers, dates or '2024-03').")
    ],
    group_by: opt.GroupBy = None,
    polarity: Annotated[
        str,
        typer.Option(help="higher_is_better, lower_is_better or neutral (no judgement)."),
    ] = "neutral",
    target: Annotated[
        float | None, typer.Option(help="Target for the assurance icon (needs a polarity).")
    ] = None,
    target_column: Annotated[
        str | None, typer.Option(help="Column holding one target per group, instead of --target.")
    ] = None,
    baseline: Annotated[
        int | None, typer.Option(help="Fix the mean and limits on the first N periods.")
    ] = None,
    run_length: Annotated[
        int, typer.Option(help="Points in a row for a shift or a trend (6 or 7).")
    ] = DEFAULT_RUN_LENGTH,
    recommended_points: Annotated[
        int, typer.Option(help="Fewer points than this give trial limits and a warning.")
    ] = RECOMMENDED_POINTS,
    screen_outliers: Annotated[
        bool,
        typer.Option(
            "--screen-outliers",
            help="Leave moving ranges of 3.267 x their mean or more out of the limits "
            "(NHSRplotthedots' default; the Excel tool does not).",
        ),
    ] = False,
    rebase: Annotated[
        list[str] | None,
        typer.Option(help="First period of a new phase (recalculated limits); repeat."),
    ] = None,
    rebase_column: Annotated[
        str | None, typer.Option(help="Column naming each row's phase, instead of --rebase.")
    ] = None,
    trajectory: Annotated[
        str | None, typer.Option(help="Column of the planned trajectory, one value per period.")
    ] = None,
    icon_priority: Annotated[
        str,
        typer.Option(
            help="Icon of special-cause points: improvement (Excel tool), concern, or "
            "side_of_mean (NHSRplotthedots)."
        ),
    ] = "improvement",
    on_invalid: opt.OnInvalid = "raise",
    out: opt.OutPath = None,
) -> None:
    """XmR chart: mean, process limits, special-cause rules, variation and assurance icons."""
    if target is not None and target_column is not None:
        raise InputError(
            f"target must be given once; got --target {target:g} and --target-column "
            f"{target_column!r}. Use one of them."
        )
    if rebase and rebase_column is not None:
        raise InputError(
            f"rebase must be given once; got --rebase {rebase[0]!r} and --rebase-column "
            f"{rebase_column!r}. Use one of them."
        )
    run_statistic(
        spc,
        input,
        out,
        value=value,
        period=period,
        group_by=group_by,
        polarity=polarity,
        target=target_column if target_column is not None else target,
        baseline=baseline,
        run_length=run_length,
        recommended_points=recommended_points,
        screen_outliers=screen_outliers,
        rebase=rebase_column if rebase_column is not None else (rebase or None),
        trajectory=trajectory,
        icon_priority=icon_priority,
        on_invalid=on_invalid,
    )
