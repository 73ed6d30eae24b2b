"""Output column names, defined once.

Every statistic reports ``value`` and one ``lower_XX_X``/``upper_XX_X`` pair per
confidence level, e.g. ``lower_95_0`` and ``upper_99_8``.
"""

from __future__ import annotations

from collections.abc import Iterable

VALUE = "value"
SUPPRESSED = "suppressed"
SUPPRESSION_REASON = "suppression_reason"
METHOD = "method"
COUNT = "count"
POPULATION = "population"
NUMERATOR = "numerator"
DENOMINATOR = "denominator"


def level_label(confidence: float) -> str:
    """Label for a confidence level: 0.95 -> ``"95_0"``, 0.998 -> ``"99_8"``, 0.9 -> ``"90_0"``.

    One decimal place of the percentage is kept; finer levels keep all their digits
    (0.9995 -> ``"99_95"``) so that two levels never share a label.
    """
    pct = round(confidence * 100, 10)
    text = f"{pct:.1f}" if round(pct, 1) == pct else f"{pct:.10g}"
    return text.replace(".", "_")


def lower(confidence: float, prefix: str = "") -> str:
    """Name of the lower-limit column for ``confidence`` (``prefix`` e.g. ``"sii_"``)."""
    return f"{prefix}lower_{level_label(confidence)}"


def upper(confidence: float, prefix: str = "") -> str:
    """Name of the upper-limit column for ``confidence``."""
    return f"{prefix}upper_{level_label(confidence)}"


def limit_columns(confidence: Iterable[float], prefix: str = "") -> list[str]:
    """``[lower_95_0, upper_95_0, lower_99_8, upper_99_8]`` for the given levels."""
    cols: list[str] = []
    for c in confidence:
        cols += [lower(c, prefix), upper(c, prefix)]
    return cols
