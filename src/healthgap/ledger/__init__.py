"""healthgap.ledger — the transparent-accounting ledger of budget flows.

Allocations (the budget each commissioner received per financial year and programme)
and flows (money from a commissioner to a provider, by programme and area) live in the
app database. Imports are all or nothing and reconcile against the allocations; reports
give spend per head by deprivation and its concentration index against need.

Modules: :mod:`.schema` (reading and validating a ledger file), :mod:`.importing`
(reconciling and storing it), :mod:`.checks` (re-checking what is loaded),
:mod:`.summaries` (spend per head and concentration), :mod:`.records` (the keys and
queries they share), :mod:`.models` (the tables) and :mod:`.synthetic` (a demo ledger).
"""

from healthgap.ledger.checks import CheckResult, check_ledger
from healthgap.ledger.importing import ImportResult, import_ledger
from healthgap.ledger.models import LedgerAllocation, LedgerFlow, LedgerImport
from healthgap.ledger.records import area_levels, ledger_flows
from healthgap.ledger.schema import Discrepancy, LedgerRejected, parse_pence, pounds
from healthgap.ledger.summaries import LedgerSummary, ledger_summary, write_report
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
