"""The local layer in the store: uploads as owned datasets, withdrawal, the audit outbox,
and ``init`` carrying uploads over when it rebuilds the published data.

Reference values come from tests/data/fingertips_sample.csv itself (8 rows, read with
the csv module in test_loading.py) and the mirror files the store is built from.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from healthgap.data.loading import table_checksum
from healthgap.data.local import (
    NotOwnerError,
    OutboxEntry,
    Uploader,
    commit_local_dataset,
    deliver_audit,
    local_datasets,
    pending_audit,
    prepare_local_file,
    withdraw_local_dataset,
)
from healthgap.data.problems import IndicatorFileError
from healthgap.data.store import init_store
from healthgap.errors import ConflictError, NotFoundError
from tests.data.importing_store.conftest import SAMPLE
from tests.data.open_data._mirror import mirror_or_skip

ADMIN = Uploader("admin@example.org", None, None, is_admin=True)
HARTLEPOOL = Uploader("h@example.org", "E06000001", frozenset({"E06000001"}))


def published(store: Path) -> tuple[tuple[int, int], ...]:
    return tuple(table_checksum(store, t) for t in ("indicators", "areas", "datasets"))


def upload(store: Path, tmp_path: Path, who: Uploader = ADMIN, file: Path = SAMPLE) -> str:
    prepared = prepare_local_file(file, who, tmp_path)
    con = duckdb.connect(str(store))
    try:
        return commit_local_dataset(con, prepared, who).id
    finally:
        con.close()


def test_an_upload_is_one_owned_dataset_beside_the_published_data(
    store: Path, tmp_path: Path
) -> None:
    before = published(store)
    dataset = upload(store, tmp_path)
    assert dataset == "local-00001"
    assert published(store) == before
    con = duckdb.connect(str(store), read_only=True)
    try:
        meta = local_datasets(con)
        (entry,) = pending_audit(con)
        rows = con.execute("SELECT count(*) FROM local_indicators").fetchone()
    finally:
        con.close()
    assert rows == (8,)
    (row,) = meta.to_dict("records")
    assert row["rows"] == 8 and row["status"] == "active" and row["owner_authority"] is None
    assert row["uploaded_by"] == "admin@example.org" and row["file"] == SAMPLE.name
    assert len(row["checksum"]) == 64
    assert (entry.action, entry.entity, entry.entity_id) == ("import", "local_dataset", dataset)
    assert entry.before is None and entry.after is not None and entry.after["rows"] == 8


def test_rows_outside_the_footprint_refuse_the_whole_file(tmp_path: Path) -> None:
    with pytest.raises(
        IndicatorFileError,
        match=r"(?s)area_code must be an area inside E06000001's footprint.*"
        r"line 2, column 'area_code', value 'E92000001'",
    ) as caught:
        prepare_local_file(SAMPLE, HARTLEPOOL, tmp_path)
    assert caught.value.problems.total == 6  # 8 rows, 2 of them Hartlepool's
    assert list(tmp_path.iterdir()) == []  # nothing staged


def test_withdrawal_restores_exactly_and_keeps_before_and_after(
    store: Path, tmp_path: Path
) -> None:
    before = published(store)
    con = duckdb.connect(str(store))
    try:
        # an empty local layer first, so "before" includes the (empty) local tables
        from healthgap.data.local import ensure_local_tables

        ensure_local_tables(con)
    finally:
        con.close()
    local_before = table_checksum(store, "local_indicators")
    dataset = upload(store, tmp_path)
    con = duckdb.connect(str(store))
    try:
        with pytest.raises(NotOwnerError, match=r"must be withdrawn by its owner"):
            withdraw_local_dataset(con, dataset, HARTLEPOOL)
        old, new = withdraw_local_dataset(con, dataset, ADMIN)
        # typed, so that a face picks its answer (409, 404) without reading the message
        with pytest.raises(ConflictError, match=r"must be active to be withdrawn"):
            withdraw_local_dataset(con, dataset, ADMIN)
        with pytest.raises(NotFoundError, match=r"must be a local dataset in the store"):
            withdraw_local_dataset(con, "local-99999", ADMIN)
        entries = pending_audit(con)
    finally:
        con.close()
    assert published(store) == before
    assert table_checksum(store, "local_indicators") == local_before
    assert (old.status, new.status, new.withdrawn_by) == ("active", "withdrawn", ADMIN.email)
    assert [e.action for e in entries] == ["import", "withdraw"]
    assert entries[1].before is not None and entries[1].before["status"] == "active"
    assert entries[1].after is not None and entries[1].after["status"] == "withdrawn"


def test_the_outbox_is_delivered_once_even_after_a_crash(store: Path, tmp_path: Path) -> None:
    upload(store, tmp_path)
    log: list[OutboxEntry] = []

    def crashing(entry: OutboxEntry) -> None:
        log.append(entry)
        raise RuntimeError("killed after the app database committed")

    def idempotent(entry: OutboxEntry) -> None:
        if all(e.id != entry.id for e in log):
            log.append(entry)

    con = duckdb.connect(str(store))
    try:
        with pytest.raises(RuntimeError):
            deliver_audit(con, crashing)
        assert len(pending_audit(con)) == 1  # not marked: delivered again next time
        assert deliver_audit(con, idempotent) == 1
        assert pending_audit(con) == []
        assert deliver_audit(con, idempotent) == 0
    finally:
        con.close()
    assert len(log) == 1


def test_init_carries_the_local_layer_over(store: Path, tmp_path: Path) -> None:
    first = upload(store, tmp_path)
    local = table_checksum(store, "local_indicators")
    init_store(
        store, mirror=mirror_or_skip(), ids=["ons_le_regions", "ohid_cvd_u75_preventable"]
    ).close()
    assert table_checksum(store, "local_indicators") == local
    con = duckdb.connect(str(store), read_only=True)
    try:
        assert len(pending_audit(con)) == 1  # an undelivered entry survives too
    finally:
        con.close()
    edited = tmp_path / "edited.csv"
    edited.write_text(SAMPLE.read_text(encoding="utf-8-sig").replace("86.8092", "86.8093"))
    assert (first, upload(store, tmp_path, file=edited)) == ("local-00001", "local-00002")


def test_init_after_a_kill_keeps_the_committed_upload(store: Path) -> None:
    """A CLI upload killed just after its commit leaves it in the write-ahead log only;
    ``init`` must read it from there before it deletes the old log."""
    import os
    import signal
    import subprocess
    import sys

    env = {
        **os.environ,
        "HEALTHGAP_KILL_POINT": "committed",
        "PYTHONPATH": str(Path(__file__).resolve().parents[3] / "src"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "healthgap", "import", str(SAMPLE), "--store", str(store)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    assert any(line.strip() == "kill-point committed" for line in proc.stdout)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(60)
    proc.stdout.close()
    assert Path(f"{store}.wal").exists()
    init_store(
        store, mirror=mirror_or_skip(), ids=["ons_le_regions", "ohid_cvd_u75_preventable"]
    ).close()
    con = duckdb.connect(str(store), read_only=True)
    try:
        assert con.execute("SELECT id, rows FROM local_datasets").fetchall() == [("local-00001", 8)]
        assert len(pending_audit(con)) == 1
    finally:
        con.close()
