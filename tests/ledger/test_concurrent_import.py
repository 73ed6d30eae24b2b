"""Ledger imports running at the same time store each row once and never fail with a
database error (SQLite here; the live-server tests cover PostgreSQL's writers)."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import func, select

from healthgap.appdb.db import engine_for, init_db, sessions
from healthgap.ledger import import_ledger
from healthgap.ledger.models import LedgerFlow
from tests.ledger.conftest import ALLOCATIONS, AREAS, FLOW_HEADER, write


def _flows(n: int, offset: int) -> str:
    return FLOW_HEADER + "".join(
        f"flow,E54000050,TESTP{i},nhs_trust,prevention,E06000001,2024-25,1.00,no,INV-{i}\n"
        for i in range(offset, offset + n)
    )


def test_overlapping_imports_at_once_store_each_row_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    init_db(url).dispose()
    engine = engine_for(url)
    with sessions(engine)() as s:
        import_ledger(s, write(tmp_path, "alloc.csv", ALLOCATIONS), "allocations")
    # eight files sharing half their rows with the next one
    files = [write(tmp_path, f"f{k}.csv", _flows(40, 20 * k)) for k in range(8)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(files))

    def run(path: Path) -> None:
        try:
            with sessions(engine)() as s:
                start.wait()
                import_ledger(s, path, "flows", areas=AREAS, user="t")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(f,)) for f in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    with sessions(engine)() as s:
        stored = s.scalar(select(func.count()).select_from(LedgerFlow))
        distinct = s.scalar(select(func.count(func.distinct(LedgerFlow.flow_key))))
    assert stored == distinct == 20 * 7 + 40  # every row of every file, once
    engine.dispose()
