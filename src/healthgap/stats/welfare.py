"""Inequality-averse summaries: Atkinson and Kolm equally distributed equivalents.

METHODS.md section 14. Within each group the rows are population subgroups (e.g. the
fifths of deprivation) with a health value h_i and a population share p_i. The equally
distributed equivalent (EDE) is the level of health that, shared equally by everyone,
would be judged as good as the actual unequal distribution:

* Atkinson (relative inequality aversion e >= 0):
  EDE = (sum p_i h_i^(1-e))^(1/(1-e)) for e != 1 and exp(sum p_i ln h_i) for e = 1;
  Atkinson index = 1 - EDE / mean.
* Kolm (absolute inequality aversion a >= 0):
  EDE = mean - (1/a) ln(sum p_i exp(-a (h_i - mean))); Kolm index = mean - EDE.

Both reduce to the mean when the aversion is 0 or every value is equal. With the English
values (e = 10.95, a = 0.15) the powers and exponentials overflow in direct evaluation,
so both are computed as log-sum-exp of the values relative to the mean, with a
``log1p``/``expm1`` form when every term is small and a cumulant series when every term
is tiny (aversion near 0, or e near 1).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from healthgap.errors import InputError
from healthgap.stats._frames import Groups, InputFrame, normalise_group_by
from healthgap.stats._suppress import Suppression
from healthgap.stats._validate import (
    RowChecks,
    no_reserved_names,
)
from healthgap.stats.results import StatResult

#: Atkinson inequality aversion elicited from the English general public (median response),
#: Robson et al. (2017), Health Economics 26(10):1328-1334.
ATKINSON_AVERSION_ENGLAND = 10.95
#: Kolm inequality aversion elicited from the English general public (median response, per
#: year of quality-adjusted life expectancy), Robson et al. (2017).
KOLM_AVERSION_ENGLAND = 0.15

ROBSON_2017 = (
    "Robson M, Asaria M, Cookson R, Tsuchiya A, Ali S (2017). Eliciting the level of health "
    "inequality aversion in England. Health Economics 26(10):1328-1334."
)
ATKINSON_REFERENCES = (
    "Atkinson AB (1970). On the measurement of inequality. Journal of Economic Theory "
    "2(3):244-263.",
    ROBSON_2017,
    "Cookson R, Griffin S, Norheim OF, Culyer AJ, eds (2020). Distributional "
    "Cost-Effectiveness Analysis: Quantifying Health Equity Impacts and Trade-Offs. "
    "Oxford University Press.",
)
KOLM_REFERENCES = (
    "Kolm S-C (1976). Unequal inequalities I. Journal of Economic Theory 12(3):416-442.",
    ROBSON_2017,
    "Cookson R, Griffin S, Norheim OF, Culyer AJ, eds (2020). Distributional "
    "Cost-Effectiveness Analysis: Quantifying Health Equity Impacts and Trade-Offs. "
    "Oxford University Press.",
)

#: Largest |term| up to which the log1p/expm1 form is used (else log-sum-exp).
_SMALL = 1.0
#: Largest |term| up to which the three-cumulant series is used (aversion near 0, e near 1).
_TINY = 1e-5


def atkinson(
    data: Any,
    value: str,
    population: str | None = None,
    group_by: str | Sequence[str] | None = None,
    aversion: float = ATKINSON_AVERSION_ENGLAND,
    *,
    on_invalid: str = "raise",
) -> StatResult:
    """Atkinson equally distributed equivalent and index of a health distribution.

    EDE = (sum_i p_i h_i^(1-e))^(1/(1-e)) for e != 1, EDE = exp(sum_i p_i ln h_i) (the
    geometric mean) for e = 1, where h_i is the value of row i of the group and p_i its
    population share. Atkinson index = 1 - EDE / mean, the share of mean health that a
    society with aversion e would give up for equality. EDE <= mean, with equality
    when e = 0 or all values are equal; the index does not change when every value is
    multiplied by the same number (relative inequality).

    Computed as mean x exp(L / (1 - e)), L = ln sum_i p_i (h_i / mean)^(1-e), by
    log-sum-exp (``log1p``/``expm1`` when every |(1 - e) ln(h_i / mean)| <= 1), so
    that e = 10.95 and widely spread values neither overflow nor lose precision.

    Parameters
    ----------
    data:
        pandas or polars DataFrame (or Arrow table): one row per population subgroup.
    value:
        Column of health values, all greater than 0 (e.g. quality-adjusted life
        expectancy in years).
    population:
        Column of subgroup populations (0 or more) used as weights; ``None`` weights
        every row equally.
    group_by:
        Column name(s) defining separate distributions; ``None`` treats all rows as one.
    aversion:
        Relative inequality aversion e, 0 or more. Default
        :data:`ATKINSON_AVERSION_ENGLAND` = 10.95 (Robson et al. 2017).

    on_invalid:
        ``"raise"`` (default) or ``"suppress"``: text, infinite or (Atkinson) non-positive
        values and negative populations raise, or suppress their group with the reason
        (docs/methods/options.md).

    Returns
    -------
    StatResult
        ``to_frame()`` has the group columns, ``population`` (when given), ``mean``
        (population-weighted), ``value`` (the EDE), ``atkinson_index``, ``suppressed``
        and ``suppression_reason``. No confidence limits.

    Suppression
    -----------
    A group is suppressed (NaN with a reason, one combined ``SuppressionWarning``) when
    any of its values or populations is missing, or its population is 0.

    Raises
    ------
    InputError
        A value of 0 or less (the Atkinson family needs positive health on a ratio
        scale: use :func:`kolm` for measures that can be 0 or negative), text or infinite
        numbers, a negative population, or an aversion below 0.

    References
    ----------
    Atkinson AB (1970), J Econ Theory 2:244-263. Robson M, Asaria M, Cookson R, Tsuchiya A,
    Ali S (2017), Health Economics 26(10):1328-1334.

    Examples
    --------
    >>> import pandas as pd, healthgap
    >>> df = pd.DataFrame({"fifth": [1, 2], "qale": [1.0, 4.0], "pop": [50, 50]})
    >>> out = healthgap.atkinson(df, "qale", "pop", aversion=2).to_frame()
    >>> out[["mean", "value", "atkinson_index"]].round(6)
       mean  value  atkinson_index
    0   2.5    1.6            0.36
    """
    return _ede(data, value, population, group_by, aversion, "atkinson", on_invalid)


def kolm(
    data: Any,
    value: str,
    population: str | None = None,
    group_by: str | Sequence[str] | None = None,
    aversion: float = KOLM_AVERSION_ENGLAND,
    *,
    on_invalid: str = "raise",
) -> StatResult:
    """Kolm equally distributed equivalent and index of a health distribution.

    EDE = mean - (1/a) ln(sum_i p_i exp(-a (h_i - mean))), where h_i is the value of row
    i of the group, p_i its population share and a the absolute inequality aversion
    (per unit of h: per year for life expectancy). Kolm index = mean - EDE, the health
    per person a society with aversion a would give up for equality. EDE <= mean, with
    equality when a = 0 or all values are equal; the index does not change when the
    same amount is added to every value (absolute inequality). Values may be 0 or
    negative.

    Computed by log-sum-exp of -a (h_i - mean) (``log1p``/``expm1`` when every term is
    at most 1 in size), so large aversions and spreads neither overflow nor lose
    precision.

    Parameters
    ----------
    data:
        pandas or polars DataFrame (or Arrow table): one row per population subgroup.
    value:
        Column of health values (any real numbers).
    population:
        Column of subgroup populations (0 or more) used as weights; ``None`` weights
        every row equally.
    group_by:
        Column name(s) defining separate distributions; ``None`` treats all rows as one.
    aversion:
        Absolute inequality aversion a, 0 or more, in units of 1/h. Default
        :data:`KOLM_AVERSION_ENGLAND` = 0.15 per year of quality-adjusted life expectancy
        (Robson et al. 2017).

    on_invalid:
        ``"raise"`` (default) or ``"suppress"``: text, infinite or (Atkinson) non-positive
        values and negative populations raise, or suppress their group with the reason
        (docs/methods/options.md).

    Returns
    -------
    StatResult
        ``to_frame()`` has the group columns, ``population`` (when given), ``mean``,
        ``value`` (the EDE), ``kolm_index``, ``suppressed`` and ``suppression_reason``.

    Suppression
    -----------
    A group is suppressed (NaN with a reason, one combined ``SuppressionWarning``) when
    any of its values or populations is missing, or its population is 0.

    Raises
    ------
    InputError
        Text or infinite numbers, a negative population, or an aversion below 0.

    References
    ----------
    Kolm S-C (1976), J Econ Theory 12:416-442. Robson M, Asaria M, Cookson R, Tsuchiya A,
    Ali S (2017), Health Economics 26(10):1328-1334.

    Examples
    --------
    >>> import pandas as pd, healthgap
    >>> df = pd.DataFrame({"fifth": [1, 2], "qale": [60.0, 70.0], "pop": [50, 50]})
    >>> out = healthgap.kolm(df, "qale", "pop").to_frame()
    >>> out[["mean", "value", "kolm_index"]].round(4)
       mean    value  kolm_index
    0  65.0  63.2782      1.7218
    """
    return _ede(data, value, population, group_by, aversion, "kolm", on_invalid)


def _aversion(aversion: Any, index: str) -> float:
    default = "ATKINSON_AVERSION_ENGLAND" if index == "atkinson" else "KOLM_AVERSION_ENGLAND"
    if (
        isinstance(aversion, bool)
        or not isinstance(aversion, numbers.Real)
        or not math.isfinite(float(aversion))
        or float(aversion) < 0
    ):
        raise InputError(
            f"aversion must be a number, 0 or more; got {aversion!r}. Use e.g. "
            f"aversion=healthgap.{default} (the English public's value), or 0 for the mean."
        )
    return float(aversion)


def _ede(
    data: Any,
    value: str,
    population: str | None,
    group_by: str | Sequence[str] | None,
    aversion: float,
    index: str,
    on_invalid: str = "raise",
) -> StatResult:
    e = _aversion(aversion, index)
    frame = InputFrame.of(data)
    keys = normalise_group_by(group_by)
    index_col = f"{index}_index"
    weights_given = population is not None
    columns = [value, *([population] if population is not None else []), *keys]
    roles = ["value", *(["population"] if weights_given else []), *(["group_by"] * len(keys))]
    frame.require(columns, roles)
    no_reserved_names(keys, ["population", "mean", "value", index_col])
    checks = RowChecks(frame, keys, on_invalid)
    h = checks.numbers(value, "value", non_negative=False)
    if index == "atkinson":
        not_positive = h <= 0
        bad = np.flatnonzero(not_positive)
        if bad.size:
            first = int(bad[0])
            checks.rule(
                not_positive,
                f"value is 0 or less (column {value!r})",
                InputError(
                    f"value column {value!r} must be greater than 0 for the Atkinson index; "
                    f"got {bad.size} {'value' if bad.size == 1 else 'values'} of 0 or less "
                    f"(first: {h[first]:g} at {frame.describe_row(first, keys)}). It measures "
                    "relative inequality in a positive quantity such as life expectancy; use "
                    "kolm() for measures that can be 0 or negative."
                ),
            )
            h[not_positive] = np.nan
    w = np.ones(len(frame)) if population is None else checks.numbers(population, "population")

    groups = Groups.of(frame, keys)
    total = groups.sum(w)
    suppression = Suppression(groups)
    checks.flag(suppression)
    suppression.flag(groups.any(np.isnan(h)), "value is missing")
    suppression.flag(groups.any(np.isnan(w)), "population is missing")
    suppression.flag(total <= 0, "population is 0")

    codes = groups.codes
    used = (w > 0) & ~suppression.mask[codes]  # rows that carry weight in a valid group
    h = np.where(used, h, np.nan)
    w = np.where(used, w, 0.0)
    # Reference value per group (any used row's value): the mean is computed as
    # reference + weighted mean deviation, exact when all values are equal.
    ref = np.full(groups.n, np.nan)
    ref[codes[used]] = h[used]
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = ref + groups.sum(w * (h - ref[codes])) / total
        p = w / total[codes]
        if index == "atkinson":
            rel = np.log(h) - np.log(mean[codes])  # ln(h_i / mean)
            log_ratio = (
                _scaled_log_mean_exp(rel, 1.0 - e, p, codes, groups.n)
                if e > 0
                else np.zeros(groups.n)  # e = 0: the EDE is the mean, exactly
            )
            ede = mean * np.exp(log_ratio)
            inequality = -np.expm1(log_ratio)  # 1 - EDE / mean
        else:
            dev = h - mean[codes]
            kolm_gap = (
                -_scaled_log_mean_exp(dev, -e, p, codes, groups.n)  # >= 0
                if e > 0
                else np.zeros(groups.n)  # a = 0: the EDE is the mean, exactly
            )
            ede = mean - kolm_gap
            inequality = kolm_gap
    suppression.apply(mean, ede, inequality)

    table = groups.keys.reset_index(drop=True).copy()
    if weights_given:
        table["population"] = total
    table["mean"] = mean
    table["value"] = ede
    table[index_col] = inequality
    table["suppressed"] = suppression.mask
    table["suppression_reason"] = pd.Series(suppression.reasons, dtype=object)
    suppression.warn(
        index,
        stacklevel=4,
        consequence="Their mean, value and index are NaN; see the suppression_reason column.",
    )

    symbol = "e" if index == "atkinson" else "a"
    name = "Atkinson" if index == "atkinson" else "Kolm"
    return StatResult(
        table=table,
        statistic=f"{name} equally distributed equivalent ({symbol} = {e:g})",
        method=f"{name} social welfare function, inequality aversion {symbol} = {e:g}",
        confidence=(),
        references=ATKINSON_REFERENCES if index == "atkinson" else KOLM_REFERENCES,
        kind=frame.kind,
        parameters={"aversion": e, "index": index},
    )


def _scaled_log_mean_exp(
    x: np.ndarray, k: float, p: np.ndarray, codes: np.ndarray, n: int
) -> np.ndarray:
    """Per group, (1/k) ln(sum_i p_i exp(k x_i)); its limit sum_i p_i x_i when k = 0.

    Rows with p_i = 0 (or x_i NaN) are left out. Three forms, chosen per group by the
    largest |k x_i|:

    * above 1, log-sum-exp ``(M + ln sum p exp(k x - M)) / k`` with M the group maximum
      of k x_i, which cannot overflow;
    * from 1e-5 to 1, ``log1p(sum p expm1(k x)) / k``, which keeps full precision as
      k x_i shrinks;
    * below 1e-5 (aversion near 0, or e near 1), the cumulant series
      k1 + k k2 / 2 + k^2 k3 / 6 (mean, variance and third central moment of x), whose
      first omitted term is below 1e-16 of the scale of x; the other forms would divide
      rounding error (or an underflow) by a tiny k.
    """
    live = p > 0
    x = np.where(live, x, 0.0)
    k1 = np.bincount(codes, weights=p * x, minlength=n)
    if k == 0:
        return k1
    t = k * x
    biggest = np.zeros(n)
    np.maximum.at(biggest, codes, np.abs(t))
    centred = np.where(live, x - k1[codes], 0.0)
    k2 = np.bincount(codes, weights=p * centred**2, minlength=n)
    k3 = np.bincount(codes, weights=p * centred**3, minlength=n)
    series = k1 + k * k2 / 2 + k * k * k3 / 6
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        small = np.log1p(np.bincount(codes, weights=p * np.expm1(t), minlength=n)) / k
        top = np.full(n, -np.inf)
        np.maximum.at(top, codes[live], t[live])
        shifted = np.where(live, np.exp(t - top[codes]), 0.0)
        large = (top + np.log(np.bincount(codes, weights=p * shifted, minlength=n))) / k
    return np.where(biggest <= _TINY, series, np.where(biggest <= _SMALL, small, large))
