"""The report's targets section: the authority's recorded targets and where they stand.

Every number and status comes from :class:`healthgap.account.authority_targets.TargetBook`
(the same service as the Targets page, the scorecard and ``healthgap targets list``):
before the target year on track / off track by the trajectory and the latest interval,
after it met / not met on the data for the target year, "too early to say" until those
are published. Only published targets are shown.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pandas as pd

from healthgap.account.target_status import status_counts
from healthgap.report.model import Section, _table

if TYPE_CHECKING:
    from healthgap.data.store import Store
    from healthgap.report.authority import Authority

COLUMNS = {
    "target": "Target",
    "baseline_value": "Baseline",
    "baseline_period": "Baseline period",
    "target_value": "Target value",
    "target_year": "By",
    "value": "Latest",
    "period": "Latest period",
    "status": "Status",
}


def targets_section(
    store: Store, auth: Authority, book: Any = None, today: dt.date | None = None
) -> Section | None:
    """Section "Targets" for ``auth``; None (no section, rather than a near-empty page)
    when no TargetBook is given or it holds no published target of the authority."""
    if book is None:
        return None
    codes = list(dict.fromkeys([auth.code, auth.data_code]))
    frames = [book.status(store, code, published_only=True, as_of=today) for code in codes]
    table = (
        pd.concat([f for f in frames if len(f)], ignore_index=True)
        if any(len(f) for f in frames)
        else pd.DataFrame()
    )
    if table.empty:
        return None
    rows = table.to_dict("records")
    table["target"] = [
        str(r["indicator_name"]) + (f", {r['sex']}" if r["sex"] else "") for r in rows
    ]
    tally = "; ".join(f"{n} {s}" for s, n in status_counts(table["status"]))
    summary = [
        f"{len(table)} published target{'s' if len(table) != 1 else ''} "
        f"{'is' if len(table) == 1 else 'are'} recorded for {auth.name}: {tally}.",
        "Before its target year a target is on track unless the latest estimate's 95% "
        "interval lies wholly on the wrong side of the straight line from the baseline to "
        "the target; once data for the target year are published it is met or not met; "
        "after the target year, until then, it is too early to say.",
    ]
    summary += [
        f"{t}: {r['status']}, {r['reason']}." for t, r in zip(table["target"], rows, strict=True)
    ]
    tables = (
        _table(
            "targets-status",
            f"Targets of {auth.name} and their status",
            table,
            COLUMNS,
            {"baseline_value": 1, "target_value": 1, "value": 1},
        ),
    )
    return Section("targets", "Targets", tuple(summary), tables)
