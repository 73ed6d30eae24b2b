"""The HEAT result table: one row per group and measure, with direction notes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from healthgap.stats import _schema as col
from healthgap.stats._frames import Groups, InputFrame
from healthgap.stats._suppress import Suppression
from healthgap.stats._table import assemble
from healthgap.stats.inequality import _heat_kernels as k
from healthgap.stats.inequality._heat_layout import Grid
from healthgap.stats.inequality._heat_measures import MEASURES, REFERENCE_MEASURES
from healthgap.stats.results import StatResult

REFERENCES = (
    "Hosseinpoor AR, Nambiar D, Schlotheuber A, Reidpath D, Ross Z (2016). Health Equity "
    "Assessment Toolkit (HEAT): software for exploring and comparing health inequalities in "
    "countries. BMC Medical Research Methodology 16:141. doi:10.1186/s12874-016-0229-9.",
    "Schlotheuber A, Hosseinpoor AR (2022). Summary measures of health inequality: a review "
    "of existing measures and their application. International Journal of Environmental "
    "Research and Public Health 19(6):3697. doi:10.3390/ijerph19063697.",
    "World Health Organization (2024). Health inequality monitoring: harnessing data to "
    "advance health equity. Geneva: WHO (chapters 20-21).",
    "Ahn J, Harper S, Yu M, Feuer EJ, Liu B, Luta G (2018). Variance estimation and "
    "confidence intervals for 11 commonly used health disparity measures. JCO Clinical "
    "Cancer Informatics 2:1-19. doi:10.1200/CCI.18.00031.",
)


MEASURE = "measure"
MEASURE_NAME = "measure_name"
SETTING_AVERAGE = "setting_average"
SUBGROUPS = "subgroups"
APPLICABLE = "applicable"
NOTES = "notes"


@dataclass
class Computed:
    """Every measure's values, limits, method and notes, as arrays over groups."""

    value: dict[str, np.ndarray]
    limits: dict[str, dict[float, tuple[np.ndarray, np.ndarray]]]
    method: dict[str, str]
    reason: dict[str, list[tuple[np.ndarray, str]]]
    note: dict[str, list[tuple[np.ndarray, str]]]


def _output_columns(levels: Sequence[float]) -> list[str]:
    return [
        MEASURE,
        MEASURE_NAME,
        col.VALUE,
        *col.limit_columns(levels),
        col.METHOD,
        SETTING_AVERAGE,
        SUBGROUPS,
        APPLICABLE,
        col.SUPPRESSED,
        col.SUPPRESSION_REASON,
        NOTES,
    ]


def _direction_notes(
    grid: Grid,
    lay: k.Layout,
    codes: list[str],
    favourable: bool,
    is_ordered: bool,
    ref_pos: np.ndarray,
    e_mult: float,
    scale: float | None,
) -> dict[str, np.ndarray]:
    """One plain-language note per group and measure (vectorised string building)."""
    g = grid.n.size

    def label(idx: np.ndarray) -> pd.Series:
        return pd.Series(grid.labels[np.arange(g), np.maximum(idx, 0)], dtype=object)

    la, lb = label(lay.a), label(lay.b)
    worse = lb if favourable else la
    notes: dict[str, pd.Series] = {}
    notes["D"] = la + " minus " + lb + "; positive means " + worse + " is worse off"
    notes["R"] = la + " divided by " + lb + "; above 1 means " + worse + " is worse off"
    if is_ordered:
        kind = " (most advantaged)"
    elif (ref_pos >= 0).any():
        kind = " (reference subgroup)"
    else:
        kind = " (best-performing subgroup)"
    if is_ordered or (ref_pos >= 0).any():
        ref_text = "reference point " + label(lay.ref) + kind
    else:
        ref_text = pd.Series(["reference point: the best-performing subgroup"] * g, dtype=object)
    sign = "0 or more" if favourable else "0 or less"
    notes["PAR"] = ref_text + f"; {sign} by definition"
    notes["PAF"] = ref_text + "; per cent of the setting average"
    higher = "higher among the more advantaged"
    gap = (
        f"positive = {higher} (the disadvantaged worse off for this favourable indicator)"
        if favourable
        else f"negative = higher among the more disadvantaged (the disadvantaged worse off "
        f"for this adverse indicator); positive = {higher}"
    )
    model = "logistic" if scale is not None else "linear"
    rii_model = "logistic" if scale is not None else "log-linear (Poisson)"
    dis, adv = label(np.zeros(g, dtype=int)), label(np.maximum(grid.n - 1, 0))
    ranks = "ranks from " + dis + " (X = 0) to " + adv + " (X = 1); "
    notes["SII"] = ranks + f"{model} model; " + gap
    notes["RII"] = (
        ranks
        + f"{rii_model} model; "
        + gap.replace("positive", "above 1").replace("negative", "below 1")
    )
    notes["ACI"] = pd.Series([gap] * g, dtype=object)
    notes["RCI"] = pd.Series([gap + "; x 100"] * g, dtype=object)
    best_idx = np.argmax(np.where(grid.mask, grid.y if favourable else -grid.y, -np.inf), axis=1)
    notes["MDBU"] = "best-performing subgroup " + label(best_idx)
    notes["MDBW"] = notes["MDBU"]
    if (ref_pos >= 0).any():
        notes["MDRU"] = "reference subgroup " + label(ref_pos)
        notes["MDRW"] = notes["MDRU"]
    for code in ("COV", "IDISU", "IDISW"):
        notes[code] = pd.Series(["per cent of the setting average"] * g, dtype=object)
    for code in ("MLD", "TI"):
        notes[code] = pd.Series([f"x {e_mult:g}"] * g, dtype=object)
    return {
        c: notes[c].to_numpy(dtype=object) if c in notes else np.full(g, None, dtype=object)
        for c in codes
    }


def _result(
    frame: InputFrame,
    groups: Groups,
    keys: list[str],
    grid: Grid,
    lay: k.Layout,
    codes: list[str],
    levels: tuple[float, ...],
    computed: Computed,
    direction: dict[str, np.ndarray],
    ref_pos: np.ndarray,
    reference: Any,
    reps: int,
    seed: int | None,
    scale: float | None,
    e_mult: float,
    favourable: bool,
    is_ordered: bool,
    has_se: bool,
    invalid: list[tuple[str, np.ndarray]],
) -> StatResult:
    g, m = groups.n, len(codes)
    row_keys = groups.keys.loc[np.repeat(np.arange(g), m)].reset_index(drop=True)
    row_keys[MEASURE] = np.tile(np.array(codes, dtype=object), g)
    rows = Groups(codes=np.arange(g * m), keys=row_keys, columns=[*keys, MEASURE])

    def stack(per_code: Callable[[str], np.ndarray], dtype: Any = float) -> np.ndarray:
        return np.stack([np.asarray(per_code(c), dtype=dtype) for c in codes], axis=1).ravel()

    applicable_gm = np.stack(
        [np.full(g, True) if not MEASURES[c].complex else grid.n >= 3 for c in codes], axis=1
    )
    applicable = applicable_gm.ravel()
    suppression = Suppression(rows)
    mask = grid.mask
    group_flags = [
        *((hit, reason) for reason, hit in invalid),  # on_invalid="suppress": first of all
        (np.any(mask & np.isnan(grid.y), axis=1), "estimate is missing for a subgroup"),
        (np.any(mask & np.isnan(grid.pop), axis=1), "population is missing for a subgroup"),
        (np.nansum(grid.pop, axis=1) <= 0, "population is 0"),
        (grid.n < 2, "fewer than 2 subgroups"),
    ]
    for flag, reason in group_flags:
        suppression.flag(np.repeat(flag, m) & applicable, reason)
    if reference is not None:
        missing_ref = np.repeat(ref_pos < 0, m)
        uses_ref = np.tile(np.isin(codes, ["D", "R", "PAR", "PAF", *REFERENCE_MEASURES]), g)
        suppression.flag(
            missing_ref & uses_ref & applicable,
            f"reference subgroup {str(reference)!r} is not in this group",
        )
    for j, code in enumerate(codes):
        for flag, reason in computed.reason[code]:
            full = np.zeros((g, m), dtype=bool)
            full[:, j] = flag
            suppression.flag(full.ravel() & applicable, reason)

    value = stack(lambda c: computed.value[c])
    limits = {
        lvl: (
            np.stack([computed.limits[c][lvl][0] for c in codes], axis=1).ravel(),
            np.stack([computed.limits[c][lvl][1] for c in codes], axis=1).ravel(),
        )
        for lvl in levels
    }
    value[~applicable] = np.nan
    for lo, hi in limits.values():
        lo[~applicable] = np.nan
        hi[~applicable] = np.nan
    method = stack(lambda c: np.full(g, computed.method[c], dtype=object), object)
    method[~applicable] = None

    notes = stack(lambda c: direction[c], object)
    for j, code in enumerate(codes):
        for flag, text in computed.note[code]:
            idx = np.flatnonzero(flag) * m + j
            notes[idx] = [text if n is None else f"{n}; {text}" for n in notes[idx]]
    na = np.flatnonzero(~applicable)
    notes[na] = [f"not applicable: needs 3 or more subgroups; this group has {n}" for n in
                 np.repeat(grid.n, m)[na]]  # fmt: skip
    with np.errstate(invalid="ignore"):
        mu = k.setting_average(grid.y, lay)
    table = assemble(
        rows,
        {MEASURE_NAME: np.tile(np.array([MEASURES[c].name for c in codes], dtype=object), g)},
        value,
        limits,
        suppression,
        method=method,
        extra={
            SETTING_AVERAGE: np.repeat(mu, m),
            SUBGROUPS: np.repeat(grid.n, m),
            APPLICABLE: applicable,
        },
    )
    table[NOTES] = pd.Series(notes, dtype=object)
    table = table[[*keys, *_output_columns(levels)]]
    suppression.warn("inequality_measures", unit="row")
    notes_result = []
    if not has_se:
        notes_result.append("no standard errors were given, so there are no confidence limits")
    return StatResult(
        table=table,
        statistic="WHO HEAT summary measures of health inequality",
        method="Analytic limits where a closed form exists, Monte Carlo otherwise "
        "(see the method column)",
        confidence=levels,
        references=REFERENCES,
        notes=tuple(notes_result),
        kind=frame.kind,
        parameters={
            "favourable": favourable,
            "ordered": is_ordered,
            "reference_subgroup": reference,
            "proportion_scale": scale,
            "entropy_multiplier": e_mult,
            "measures": tuple(codes),
            "repetitions": reps,
            "seed": seed,
        },
    )
