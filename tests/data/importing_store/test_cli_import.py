"""``healthgap import``: files and Fingertips downloads, plain errors and exit 2."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

from healthgap.data.loading import table_checksum
from tests.cli_run import Completed, run_healthgap
from tests.data.importing_store.conftest import FIXTURES, SAMPLE

REPO = Path(__file__).resolve().parents[3]
MALFORMED = REPO / "tests" / "data" / "malformed"


def run_cli(*args: str, env: dict[str, str] | None = None) -> Completed:
    base: dict[str, str | None] = {k: None for k in os.environ if "proxy" in k.lower()}
    base.update({"NO_PROXY": "127.0.0.1,localhost", "COLUMNS": "200"})
    return run_healthgap(*args, env={**base, **(env or {})})  # in this process (tests/cli_run.py)


def test_import_file_is_a_local_dataset_and_never_twice(store: Path) -> None:
    published = table_checksum(store, "indicators")
    first = run_cli("import", str(SAMPLE), "--store", str(store), "--format", "fingertips")
    assert first.returncode == 0, first.stderr
    assert "8 rows from fingertips_sample.csv into" in first.stdout
    assert "as local dataset local-00001 (owner: all areas;" in first.stdout
    assert "its audit entry waits in the store until the web service starts" in first.stdout
    assert table_checksum(store, "indicators") == published
    after = table_checksum(store, "local_indicators")
    assert after[0] == 8
    second = run_cli("import", str(SAMPLE), "--store", str(store))
    assert second.returncode == 2
    assert "the file must not be uploaded twice; got fingertips_sample.csv" in second.stderr
    assert table_checksum(store, "local_indicators") == after


def test_an_authority_may_upload_only_its_own_areas(store_path: Path, tmp_path: Path) -> None:
    store = tmp_path / "full.duckdb"  # the full store: the footprint needs the lookups
    shutil.copyfile(store_path, store)
    done = run_cli("import", str(SAMPLE), "--store", str(store), "--authority", "E06000001")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "area_code must be an area inside E06000001's footprint" in done.stderr
    # England (line 2), the North East (line 3) and Middlesbrough (line 5) are outside
    assert "line 2, column 'area_code', value 'E92000001'" in done.stderr
    assert "line 5, column 'area_code', value 'E06000002'" in done.stderr
    assert "local_indicators" not in _tables(store)
    hartlepool = tmp_path / "hartlepool.csv"
    lines = SAMPLE.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    hartlepool.write_text(lines[0] + "".join(x for x in lines if ",E06000001," in x))
    done = run_cli("import", str(hartlepool), "--store", str(store), "--authority", "e06000001")
    assert done.returncode == 0, done.stderr
    assert "2 rows from hartlepool.csv" in done.stdout and "(owner: E06000001;" in done.stdout


def test_authority_needs_the_lookups(store: Path) -> None:
    done = run_cli("import", str(SAMPLE), "--store", str(store), "--authority", "E06000001")
    assert done.returncode == 2
    assert "the store must hold the geography lookups to know E06000001's footprint" in (
        done.stderr
    )


def test_db_delivers_the_audit_entry_at_once(store: Path, tmp_path: Path) -> None:
    from healthgap.appdb.db import init_db, sessions
    from healthgap.appdb.models import AuditEntry

    url = f"sqlite:///{tmp_path / 'app.db'}"
    done = run_cli(
        "import", str(SAMPLE), "--store", str(store), "--db", url, "--by", "ana@example.org"
    )
    assert done.returncode == 0, done.stderr
    assert "recorded in the audit log" in done.stdout
    with sessions(init_db(url))() as s:
        (entry,) = s.query(AuditEntry).all()
    assert (entry.action, entry.entity, entry.entity_id) == (
        "import",
        "local_dataset",
        "local-00001",
    )
    assert entry.user_email == "ana@example.org" and entry.after["rows"] == 8


def _tables(store: Path) -> set[str]:
    import duckdb

    con = duckdb.connect(str(store), read_only=True)
    try:
        return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    finally:
        con.close()


def test_invalid_file_exits_2_without_traceback(store: Path) -> None:
    before = table_checksum(store)
    done = run_cli("import", str(MALFORMED / "text_in_numbers.csv"), "--store", str(store))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "Error: text_in_numbers.csv must follow the healthgap indicator layout" in done.stderr
    assert "line 3, column 'Value', value '*'" in done.stderr
    assert table_checksum(store) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "import must be given either a FILE or --fingertips INDICATOR_ID; got neither"),
        (
            (str(SAMPLE), "--fingertips", "93722"),
            "import must be given either a FILE or --fingertips INDICATOR_ID; got both",
        ),
        (("--fingertips", "93722"), "--fingertips must come with --area-type"),
        ((str(SAMPLE), "--area-type", "502"), "--area-type and --parent-area-type must come"),
        ((str(SAMPLE), "--format", "json"), "--format must be one of fingertips, csv, parquet"),
        (("--fingertips", "x1", "--area-type", "502"), "indicator_id must be a positive whole"),
    ],
)
def test_argument_errors_exit_2(store: Path, args: tuple[str, ...], message: str) -> None:
    done = run_cli("import", *args, "--store", str(store))
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_store_exits_2(tmp_path: Path) -> None:
    done = run_cli("import", str(SAMPLE), "--store", str(tmp_path / "none.duckdb"))
    assert done.returncode == 2
    assert "the store must exist" in done.stderr


class _Recorded(BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        _Recorded.seen.append(self.path)
        query = parse_qs(url.query)
        if url.path == "/api/all_data/csv/by_indicator_id" and query.get("indicator_ids") == [
            "93722"
        ]:
            body = (FIXTURES / "fingertips_93722_502.csv").read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
        else:
            body = b"Not found"
            self.send_response(404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fingertips_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorded)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_import_from_fingertips_via_a_local_server(store: Path, fingertips_server: str) -> None:
    _Recorded.seen.clear()
    env = {"HEALTHGAP_FINGERTIPS_URL": fingertips_server}
    done = run_cli(
        "import", "--fingertips", "93722", "--area-type", "502", "--store", str(store), env=env
    )
    assert done.returncode == 0, done.stderr
    assert "14 rows from fingertips:93722:502" in done.stdout
    assert "14 added" in done.stdout
    assert _Recorded.seen == [
        "/api/all_data/csv/by_indicator_id?indicator_ids=93722&child_area_type_id=502"
    ]
    missing = run_cli(
        "import", "--fingertips", "1", "--area-type", "502", "--store", str(store), env=env
    )
    assert missing.returncode == 2
    assert "got HTTP 404 Not Found" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_offline_fingertips_exits_2(store: Path) -> None:
    done = run_cli(
        "import",
        "--fingertips",
        "93722",
        "--area-type",
        "502",
        "--store",
        str(store),
        "--timeout",
        "2",
        env={"HEALTHGAP_FINGERTIPS_URL": "http://127.0.0.1:9"},
    )
    assert done.returncode == 2
    assert "127.0.0.1 must be reachable" in done.stderr
    assert "Traceback" not in done.stderr
