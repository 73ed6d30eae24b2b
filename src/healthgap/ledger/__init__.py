"""healthgap.ledger — the transparent-accounting ledger of budget flows.

Allocations (the budget each commissioner received per financial year and programme)
and flows (money from a commissioner to a provider, by programme and area) live in the
app database. Imports are all or nothing and reconcile against the allocations; reports
give spend per head by deprivation and its concentration index against need.
"""

from healthgap.ledger.models import LedgerAllocation, LedgerFlow, LedgerImport
from healthgap.ledger.schema import Discrepancy, LedgerRejected, parse_pence, pounds
from healthgap.ledger.service import (
    CheckResult,
    ImportResult,
    LedgerSummary,
    area_levels,
    check_ledger,
    import_ledger,
    ledger_flows,
    ledger_summary,
    write_report,
)
from healthgap.ledger.synthetic import SYNTHETIC_LABEL, synthetic_ledger, write_synthetic_ledger

__all__ = [
    "SYNTHETIC_LABEL",
    "CheckResult",
    "Discrepancy",
    "ImportResult",
    "LedgerAllocation",
    "LedgerFlow",
    "LedgerImport",
    "LedgerRejected",
    "LedgerSummary",
    "area_levels",
    "check_ledger",
    "import_ledger",
    "ledger_flows",
    "ledger_summary",
    "parse_pence",
    "pounds",
    "synthetic_ledger",
    "write_report",
    "write_synthetic_ledger",
]
