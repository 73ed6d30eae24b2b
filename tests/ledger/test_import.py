"""Imports: schema checks, reconciliation listing every discrepancy, all or nothing,
idempotent re-import, audit log. All data here is SYNTHETIC."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthgap.appdb.models import AuditEntry
from healthgap.errors import InputError
from healthgap.ledger import (
    LedgerAllocation,
    LedgerFlow,
    LedgerImport,
    LedgerRejected,
    check_ledger,
    import_ledger,
    parse_pence,
    pounds,
)
from tests.ledger.conftest import ALLOCATIONS, AREAS, FLOW_HEADER, write

GOOD_FLOWS = FLOW_HEADER + (
    "flow,E54000050,RX1,nhs_trust,mental health,E06000001,2024-25,600.00,no,INV-1\n"
    "flow,E54000050,VCS1,voluntary_sector,mental health,E06000002,2024-25,£250.50,no,INV-2\n"
    "flow,E54000050,RX1,nhs_trust,mental health,E06000001,2024-25,-50.50,yes,CR-1\n"
    "total,E54000050,,,mental health,,2024-25,800.00,,\n"
)


def counts(session: Session) -> tuple[int, int, int, int]:
    return tuple(  # type: ignore[return-value]
        session.scalar(select(func.count()).select_from(m))
        for m in (LedgerImport, LedgerAllocation, LedgerFlow, AuditEntry)
    )


@pytest.fixture
def loaded(session: Session, tmp_path: Path) -> Session:
    import_ledger(session, write(tmp_path, "alloc.csv", ALLOCATIONS), "allocations")
    return session


def test_clean_import_stores_whole_pence_and_audits(loaded: Session, tmp_path: Path) -> None:
    res = import_ledger(loaded, write(tmp_path, "f.csv", GOOD_FLOWS), areas=AREAS, user="ann")
    assert (res.rows_added, res.rows_skipped) == (3, 0)
    amounts = sorted(loaded.scalars(select(LedgerFlow.amount_pence)))
    assert amounts == [-5050, 25050, 60000]
    entry = loaded.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry is not None and entry.user_email == "ann"
    assert entry.after is not None and entry.after["total_pence"] == 80000
    assert entry.authority_code == "E54000050"
    assert check_ledger(loaded).ok


def test_reimport_is_idempotent(loaded: Session, tmp_path: Path) -> None:
    f = write(tmp_path, "f.csv", GOOD_FLOWS)
    import_ledger(loaded, f, areas=AREAS)
    before = counts(loaded)
    again = import_ledger(loaded, f, areas=AREAS)
    assert again.already_imported and counts(loaded) == before
    # A different file repeating two rows plus one new row adds only the new one.
    more = (
        FLOW_HEADER
        + "\n".join(GOOD_FLOWS.splitlines()[1:3])
        + ("\nflow,E54000050,RX1,nhs_trust,mental health,E06000003,2024-25,100.00,no,INV-3\n")
    )
    res = import_ledger(loaded, write(tmp_path, "more.csv", more), areas=AREAS)
    assert (res.rows_added, res.rows_skipped) == (1, 2)
    assert loaded.scalar(select(func.count()).select_from(LedgerFlow)) == 4


def test_rejection_lists_every_discrepancy_and_changes_nothing(
    loaded: Session, tmp_path: Path
) -> None:
    bad = FLOW_HEADER + (
        "flow,E54000050,RX1,nhs_trust,mental health,E06000001,2024-25,900.00,no,A\n"  # row 2
        "flow,E54000050,RX1,nhs_trust,mental health,E99999999,2024-25,200.00,no,B\n"  # row 3
        "flow,E54000050,RX1,nhs_trust,prevention,E06000002,2024-25,-20.00,no,C\n"  # row 4
        "flow,E54000050,RX1,nhs_trust,obesity,E06000002,2024-25,10.00,no,D\n"  # row 5
        "total,E54000050,,,mental health,,2024-25,1000.00,,\n"  # row 6
    )
    before = counts(loaded)
    with pytest.raises(LedgerRejected) as caught:
        import_ledger(loaded, write(tmp_path, "bad.csv", bad), areas=AREAS)
    assert counts(loaded) == before
    assert "bad.csv row 4, column amount: must not be negative unless" in str(caught.value)
    assert "got 5 problems, so nothing was imported" in str(caught.value)
    by_row = {d.row: d for d in caught.value.discrepancies}
    assert set(by_row) == {2, 3, 4, 5, 6}
    assert by_row[4].amount_pence == -2000
    assert by_row[3].column == "area_code" and by_row[3].value == "E99999999"
    assert by_row[3].amount_pence == 20000
    # Mental health: 900 + 200 = 1,100 against 1,000 allocated: over by 100.
    assert "must not exceed its allocation of £1,000.00 (over by £100.00; rows 2, 3)" in (
        by_row[2].rule
    )
    assert "import the allocations first" in by_row[5].rule
    assert "must equal its flow rows (£1,100.00, difference -£100.00)" in by_row[6].rule
    assert counts(loaded) == before


def test_schema_problems_all_listed(session: Session, tmp_path: Path) -> None:
    text = (
        "commissioner_code,commissioner_type,period,programme,amount,source_ref,colour\n"
        "e54000050,icb,2024-26,mental health,12.345,X\n"
        "E54000050,trust,2024-25,,-5,\n"
    )
    with pytest.raises(LedgerRejected) as caught:
        import_ledger(session, write(tmp_path, "a.csv", text), "allocations")
    msg = str(caught.value)
    assert "a.csv, column colour: every column must be one of" in msg
    text = text.replace(",colour", "")
    with pytest.raises(LedgerRejected) as caught:
        import_ledger(session, write(tmp_path, "a.csv", text), "allocations")
    found = {(d.row, d.column) for d in caught.value.discrepancies}
    assert found == {
        (2, "period"),
        (2, "amount"),
        (3, "commissioner_type"),
        (3, "programme"),
        (3, "amount"),
        (3, "source_ref"),
    }
    assert (
        "a.csv row 2, column period: must be a financial year written like 2024-25; got "
        "'2024-26'." in str(caught.value)
    )
    assert session.scalar(select(func.count()).select_from(LedgerImport)) == 0


def test_allocation_conflict_and_duplicates(loaded: Session, tmp_path: Path) -> None:
    changed = ALLOCATIONS.replace("1000.00", "1200.00")
    with pytest.raises(LedgerRejected, match=r"must match the allocation already loaded"):
        import_ledger(loaded, write(tmp_path, "a2.csv", changed), "allocations")
    dup = ALLOCATIONS + ALLOCATIONS.splitlines()[1].replace("1000.00", "1.00") + "\n"
    with pytest.raises(LedgerRejected, match=r"must appear once \(also row 2\)"):
        import_ledger(loaded, write(tmp_path, "a3.csv", dup), "allocations")


def test_parquet_and_excel_read_the_same(loaded: Session, tmp_path: Path) -> None:
    frame = pd.read_csv(write(tmp_path, "f.csv", GOOD_FLOWS), dtype=str, keep_default_na=False)
    frame["amount"] = [600.0, 250.5, -50.5, 800.0]
    frame.to_parquet(tmp_path / "f.parquet")
    res = import_ledger(loaded, tmp_path / "f.parquet", areas=AREAS)
    assert res.rows_added == 3
    frame.to_excel(tmp_path / "f.xlsx", index=False)
    res = import_ledger(loaded, tmp_path / "f.xlsx", areas=AREAS)
    assert (res.rows_added, res.rows_skipped) == (0, 3)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.txtx", "a", r"ledger file must be .csv, .parquet or .xlsx; got 'x.txtx'"),
        ("e.csv", "", r"e.csv must have a header row and data; got an empty file"),
    ],
)
def test_file_errors(
    session: Session, tmp_path: Path, name: str, content: str, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        import_ledger(session, write(tmp_path, name, content), "allocations")


def test_missing_file_and_bad_kind(session: Session, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"ledger file must be an existing file; got"):
        import_ledger(session, tmp_path / "nope.csv", "allocations")
    with pytest.raises(InputError, match=r"--kind must be flows or allocations; got 'budget'"):
        import_ledger(session, tmp_path / "nope.csv", "budget")


def test_money_helpers() -> None:
    assert parse_pence("0.1") == 10 and parse_pence("-£1,000") == -100000
    assert parse_pence("1e3") is None and parse_pence("") is None
    assert pounds(5) == "£0.05"


KILL_SCRIPT = """
import os, signal, sys
import pandas as pd
from sqlalchemy.orm import Session
import healthgap.ledger.models
from healthgap.appdb.db import init_db, sessions
from healthgap.ledger import import_ledger
areas = pd.DataFrame({"area_code": ["E06000001", "E06000002", "E06000003"], "level": "lad"})
def die(self):
    self.flush()  # every row is written inside the open transaction, then the process dies
    os.kill(os.getpid(), signal.SIGKILL)
Session.commit = die
with sessions(init_db(sys.argv[1]))() as s:
    import_ledger(s, sys.argv[2], "flows", areas=areas)
"""


def test_kill_9_during_import_leaves_the_ledger_unchanged(
    loaded: Session, db_url: str, tmp_path: Path
) -> None:
    before = counts(loaded)
    loaded.close()
    f = write(tmp_path, "f.csv", GOOD_FLOWS)
    proc = subprocess.run(
        [sys.executable, "-c", KILL_SCRIPT, db_url, str(f)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ},
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert counts(loaded) == before
    res = import_ledger(loaded, f, areas=AREAS)  # the same file imports cleanly afterwards
    assert res.rows_added == 3
