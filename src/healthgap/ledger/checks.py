"""Re-checking everything loaded in the ledger.

:func:`check_ledger` checks that flows never exceed allocations, that every flow has an
allocation and that each stored row still matches its key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from healthgap.ledger.models import LedgerAllocation, LedgerFlow
from healthgap.ledger.records import (
    FLOW_KEY_FIELDS,
    KEY,
    _loaded_allocations,
    _loaded_flow_totals,
    commissioner_names,
    flow_key,
)
from healthgap.ledger.schema import pounds


@dataclass(frozen=True)
class CheckResult:
    """``table``: one row per commissioner/programme/period with allocation, flows,
    remaining and status, the commissioner's name and ``example`` (records of the
    illustrative example workspace); ``problems``: human-readable failures (empty when all pass)."""

    table: pd.DataFrame
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_ledger(session: Session) -> CheckResult:
    """Check everything loaded: flows within allocations, every flow allocated, and each
    stored flow still matching its key (no edits outside healthgap)."""
    alloc = _loaded_allocations(session)
    spent = _loaded_flow_totals(session)
    table = alloc.merge(spent, on=KEY, how="outer", suffixes=("_allocated", "_flows"))
    table = table.rename(
        columns={"amount_pence_allocated": "allocated_pence", "amount_pence_flows": "flows_pence"}
    )
    problems: list[str] = []
    missing = table["allocated_pence"].isna()
    table["flows_pence"] = table["flows_pence"].fillna(0).astype("int64")
    table["allocated_pence"] = table["allocated_pence"].astype("Int64")
    table["remaining_pence"] = table["allocated_pence"] - table["flows_pence"]
    over = ~missing & (table["remaining_pence"] < 0).fillna(False)
    table["status"] = np.where(missing, "no allocation", np.where(over, "over allocation", "ok"))
    for _, r in table[missing | over].iterrows():
        label = f"{r['commissioner_code']} / {r['programme']} / {r['period']}"
        if pd.isna(r["allocated_pence"]):
            problems.append(f"{label}: flows of {pounds(r['flows_pence'])} have no allocation.")
        else:
            problems.append(
                f"{label}: flows of {pounds(r['flows_pence'])} exceed the allocation of "
                f"{pounds(int(r['allocated_pence']))} by {pounds(-int(r['remaining_pence']))}."
            )
    for flow in session.scalars(select(LedgerFlow)):
        if flow_key({f: getattr(flow, f) for f in FLOW_KEY_FIELDS}) != flow.flow_key:
            problems.append(
                f"flow #{flow.id} ({flow.source_ref}) no longer matches its key: it was changed "
                "outside healthgap."
            )
    table = table.sort_values(KEY, ignore_index=True)
    # Names for people (the code stays beside them) and the example workspace's marker.
    names = commissioner_names(session)
    examples = set(
        session.scalars(select(LedgerAllocation.commissioner_code).where(LedgerAllocation.example))
    ) | set(session.scalars(select(LedgerFlow.commissioner_code).where(LedgerFlow.example)))
    table["commissioner_name"] = [names.get(c) or c for c in table["commissioner_code"]]
    table["example"] = table["commissioner_code"].isin(examples)
    return CheckResult(table, tuple(problems))
