"""Action plans: actions linked to levers, indicators and targets, with progress.

An action belongs to one authority and records a title, the lever it uses (an enquiry
note id or free text), an area of competence, linked indicators (``indicator_id`` values
of the store's ``indicators`` table), targets, an owner, partners, start and due dates
and a status. Every change is a new version (see :mod:`healthgap.framework.storage`).

**Progress** is read from the store: for each linked indicator, the authority's own area
code (combined authorities ``E47...``; the GLA ``E61000001``, alias ``E12000007``), each
sex/age breakdown published there, the latest period's value, the previous period's
value, the change, and its direction given the indicator's polarity ("Low is good" /
"High is good"; otherwise "no polarity").
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from healthgap.appdb.versions import StaleVersionError
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.framework.powers import check_competence
from healthgap.framework.storage import Actor, Workspace, check_permission
from healthgap.geography.authorities import canonical_code
from healthgap.geography.hierarchy import using
from healthgap.stats.benchmark import Polarity
from healthgap.stats.intervals import se_from_limits, z_value

STATUSES: tuple[str, ...] = ("draft", "planned", "in progress", "done", "paused", "dropped")
FIELDS: tuple[str, ...] = (
    "title",
    "lever",
    "competence",
    "indicators",
    "targets",
    "owner",
    "partners",
    "start",
    "due",
    "status",
)


def _check_date(name: str, value: str | None, field: str | None = None) -> str | None:
    """``value`` as an ISO date (``None`` when blank); ``name`` is how the message names
    it and ``field`` the input it came from (default ``name``)."""
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise InputError(
            f"{name} must be a date written YYYY-MM-DD; got {value!r}. E.g. 2026-03-31.",
            field=field or name,
        ) from None


def known_indicators(store: Store) -> set[str]:
    """The ``indicator_id`` values in the store."""
    t = store.table("indicators")
    return set(store.to_pandas(t.select("indicator_id").distinct())["indicator_id"].astype(str))


def check_indicators(indicators: list[str], known: set[str] | frozenset[str]) -> None:
    """Raise an InputError unless every id in ``indicators`` is in ``known``."""
    missing = [i for i in indicators if i not in known]
    if missing:
        raise InputError(
            f"indicators must be indicator_id values in the store; got {missing[0]!r}. "
            f"E.g. {sorted(known)[0]!r}; see them in the indicator_id column of "
            "`healthgap query --out rows.csv` (or store.table('indicators')).",
            field="indicators",
        )


class ActionPlan:
    """One authority's action plan in a workspace."""

    def __init__(self, workspace: Workspace, authority_code: str) -> None:
        self.ws = workspace
        self.authority_code = canonical_code(authority_code)[0]  # E12000007 -> the GLA

    def _clean(self, data: dict[str, Any], store: Store | None) -> dict[str, Any]:
        unknown = set(data) - set(FIELDS)
        if unknown:
            raise InputError(
                f"action fields must be among {', '.join(FIELDS)}; got {sorted(unknown)[0]!r}. "
                "Check the spelling."
            )
        out = dict(data)
        if not str(out.get("title", "")).strip():
            raise InputError(
                "an action must have a title; got none. Say what will be done, e.g. "
                "'Fund active-travel routes to the three largest employers'.",
                field="title",
            )
        status = out.setdefault("status", "planned")
        if status not in STATUSES:
            raise InputError(
                f"status must be one of {', '.join(STATUSES)}; got {status!r}. E.g. 'planned'.",
                field="status",
            )
        if out.get("competence"):
            check_competence(out["competence"])
        for key in ("start", "due"):
            out[key] = _check_date(key, out.get(key))
        if out["start"] and out["due"] and out["due"] < out["start"]:
            raise InputError(
                f"due must be on or after start; got start {out['start']} and due {out['due']}. "
                "Swap or correct the dates.",
                field="due",
            )
        out["indicators"] = [str(i) for i in out.get("indicators") or []]
        out["partners"] = [str(p) for p in out.get("partners") or []]
        targets = out.get("targets") or {}
        stray = [k for k in targets if k not in out["indicators"]]
        if stray:
            raise InputError(
                f"each target must be for a linked indicator; got a target for {stray[0]!r}, "
                "which is not in indicators. Link the indicator first.",
                field="indicators",
            )
        out["targets"] = targets
        if store is not None and out["indicators"]:
            check_indicators(out["indicators"], known_indicators(store))
        return out

    def add(self, who: Actor, store: Store | None = None, **fields: Any) -> str:
        """Add an action; returns its id (``<authority>-action-<n>``)."""
        data = self._clean(fields, store)
        check_permission(who, "action", self.authority_code)  # before taking a number
        rid = self.ws.new_id("action", f"{self.authority_code}-action")
        self.ws.put(who, "action", self.authority_code, rid, data)
        return rid

    def update(
        self,
        who: Actor,
        action_id: str,
        store: Store | None = None,
        *,
        expected_version: int | None = None,
        **fields: Any,
    ) -> int:
        """Change some fields of an action (a new version); returns the version number.

        ``expected_version`` is the version the change is based on; when the action has
        moved on since, :class:`~healthgap.appdb.versions.StaleVersionError` is raised and
        nothing changes. Without it, the version read here is the one expected.
        """
        last = self.ws.get("action", action_id)
        if last is None or last.deleted or last.authority_code != self.authority_code:
            raise InputError(
                f"action must be an action of {self.authority_code}; got {action_id!r}. "
                "List them with `healthgap framework actions list`."
            )
        if expected_version is not None and expected_version != last.version:
            raise StaleVersionError(f"action {action_id}", expected_version, last.version)
        kept = {k: v for k, v in last.data.items() if k != "example"}  # storage keeps it
        data = self._clean({**kept, **fields}, store)
        return self.ws.put(
            who, "action", self.authority_code, action_id, data, expected_version=last.version
        )

    def table(self) -> pd.DataFrame:
        """The current actions, one row each (``id`` then :data:`FIELDS`, ``version``,
        ``example``: part of the illustrative example workspace)."""
        rows = [
            {
                "id": v.record_id,
                **{f: v.data.get(f) for f in FIELDS},
                "version": v.version,
                "example": bool(v.data.get("example")),
            }
            for v in self.ws.current("action", self.authority_code)
        ]
        return pd.DataFrame(rows, columns=["id", *FIELDS, "version", "example"])

    def progress(self, store: Store | str | None = None) -> pd.DataFrame:
        """Latest value and trend of every indicator linked to an action.

        Columns: ``action_id``, ``indicator_id``, ``indicator_name``, ``sex``, ``age``,
        ``latest_period``, ``latest_value``, ``previous_period``, ``previous_value``,
        ``change``, ``z``, ``direction``, ``test``, ``target``.

        The latest period is compared with the latest earlier period that shares no year
        with it (rolling periods such as 2021-2023 and 2022-2024 share two years, so their
        difference is not a change between independent estimates): a two-sided z test of
        the difference, with each standard error from its 95% limits (financial years such
        as 2015/16 and 2016/17 do not overlap; 2021-2023 and 2022-2024 do),
        ``z = (v1 - v0) / sqrt(se1^2 + se0^2)``, ``se = (upper - lower) / (2 * 1.96)``.
        ``direction`` is "improving" or "worsening" (by the indicator's polarity) when
        |z| > 1.96, else "no significant change". When no valid test applies (every earlier
        period overlaps the latest, or there are no limits) the change against the period
        before is shown as "improving (indicative)" / "worsening (indicative)" and ``test``
        says why. Also "no change", "no polarity", "one period only" or "no data for this
        authority".
        """
        links = [
            (v.record_id, str(ind), (v.data.get("targets") or {}).get(ind))
            for v in self.ws.current("action", self.authority_code)
            for ind in v.data.get("indicators") or []
        ]
        cols = [
            "action_id",
            "indicator_id",
            "indicator_name",
            "sex",
            "age",
            "latest_period",
            "latest_value",
            "previous_period",
            "previous_value",
            "change",
            "z",
            "direction",
            "test",
            "target",
        ]
        if not links:
            return pd.DataFrame(columns=cols)
        link = pd.DataFrame(links, columns=["action_id", "indicator_id", "target"])
        with using(store) as s:
            t = s.indicators(sorted(set(link["indicator_id"])), area_code=self.authority_code)
            t = t.filter(t["category_type"].isnull())
            data = s.to_pandas(
                t.select(
                    "indicator_id",
                    "indicator_name",
                    "sex",
                    "age",
                    "period",
                    "period_start",
                    "period_end",
                    "value",
                    "lower_95_0",
                    "upper_95_0",
                    "polarity",
                )
            )
        data = data[data["value"].notna()].sort_values(["indicator_id", "sex", "age", "period_end"])
        data = data.drop_duplicates(["indicator_id", "sex", "age", "period"])
        keys = ["indicator_id", "sex", "age"]
        rows = [
            change_between_periods(group)
            for _, group in data.groupby(keys, dropna=False, sort=False)
        ]  # one series per linked indicator and breakdown: a handful
        series = pd.DataFrame(
            rows,
            columns=[
                *keys,
                "indicator_name",
                "polarity",
                "latest_period",
                "latest_value",
                "previous_period",
                "previous_value",
                "change",
                "z",
                "direction",
                "test",
            ],
        )
        out = link.merge(series.drop(columns="polarity"), on="indicator_id", how="left")
        out["direction"] = out["direction"].fillna("no data for this authority")
        return out[cols]


#: The two-sided 5% critical value of the standard normal distribution.
Z_95 = z_value(0.95)


def change_between_periods(series: pd.DataFrame) -> dict[str, Any]:
    """The latest change of one indicator series (sorted by ``period_end``), tested when a
    valid test applies (see :meth:`ActionPlan.progress`).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"indicator_id": "x", "sex": "Persons", "age": "All ages",
    ...     "indicator_name": "X", "polarity": "Low is good", "period": ["2019", "2020"],
    ...     "period_start": [2019, 2020], "period_end": [2019, 2020], "value": [10.0, 8.0],
    ...     "lower_95_0": [9.0, 7.0], "upper_95_0": [11.0, 9.0]})
    >>> r = change_between_periods(s)
    >>> r["direction"], round(r["z"], 3)
    ('improving', -2.772)
    """
    last = series.iloc[-1]
    out: dict[str, Any] = {
        "indicator_id": last["indicator_id"],
        "sex": last["sex"],
        "age": last["age"],
        "indicator_name": last["indicator_name"],
        "polarity": last["polarity"],
        "latest_period": last["period"],
        "latest_value": float(last["value"]),
        "previous_period": None,
        "previous_value": np.nan,
        "change": np.nan,
        "z": np.nan,
        "direction": "one period only",
        "test": "",
    }
    if len(series) < 2:
        return out
    sign = Polarity.parse(last["polarity"]).sign
    # the year after each period: financial years ("2015/16": start 2015, end 2016) end
    # within their end year, calendar spans ("2022-2024") at the end of it
    fy = series["period"].astype(str).str.contains("/")
    after = series["period_end"].astype(float) + np.where(fy, 0.0, 1.0)
    earlier = series.iloc[:-1]
    apart = earlier[after.iloc[:-1].to_numpy() <= float(last["period_start"])]
    before = apart.iloc[-1] if len(apart) else series.iloc[-2]
    change = float(last["value"]) - float(before["value"])
    out |= {
        "previous_period": before["period"],
        "previous_value": float(before["value"]),
        "change": change,
    }
    se = [float(se_from_limits(r["lower_95_0"], r["upper_95_0"])) for r in (last, before)]
    testable = len(apart) > 0 and all(np.isfinite(x) and x > 0 for x in se)
    if testable:
        z = change / math.hypot(se[0], se[1])
        out["z"] = z
        out["test"] = (
            f"z test of {before['period']} against {last['period']} (periods share no year): "
            f"z = {z:.2f}, {'significant' if abs(z) > Z_95 else 'not significant'} at 5%"
        )
    elif len(apart) == 0:
        out["test"] = (
            f"indicative: every earlier period overlaps {last['period']} (they share years), "
            "so no valid test of the change applies"
        )
    else:
        out["test"] = "indicative: no confidence limits are published, so the change is not tested"
    if np.isnan(sign):
        out["direction"] = "no polarity"
    elif change == 0:
        out["direction"] = "no change"
    elif testable and abs(out["z"]) <= Z_95:
        out["direction"] = "no significant change"
    else:
        word = "improving" if change * sign > 0 else "worsening"
        out["direction"] = word if testable else f"{word} (indicative)"
    return out
