"""Choosing a period of published data: the periods the store has for an indicator,
and the check of the one a reader asked for (the latest when none). Every view that
offers a period choice (the regional gap, the inequality explorer) uses these, so the
choice and its error read the same in every face."""

from __future__ import annotations

from typing import Any

from healthgap.data.store import Store
from healthgap.errors import InputError


def indicator_periods(store: Store, **filters: Any) -> list[str]:
    """The periods of the indicator rows matching ``filters`` (``Store.indicators``),
    oldest first."""
    t = store.indicators(**filters)
    got = store.to_pandas(t.select("period", "period_end").distinct())
    return got.sort_values(["period_end", "period"])["period"].astype(str).tolist()


def choose_period(value: str | None, options: list[str], name: str = "period") -> str:
    """``value`` when it is one of ``options`` (the latest when ``None``); else an
    :class:`~healthgap.errors.InputError` naming a few periods to try."""
    if not options:
        raise InputError(f"{name} must have data in the store; got none. Run `healthgap init`.")
    if value is None:
        return options[-1]
    if value not in options:
        raise InputError(
            f"{name} must be one of the periods in the store; got {value!r}. "
            f"Try one of: {', '.join(options[-5:])}.",
            field=name,
        )
    return value
