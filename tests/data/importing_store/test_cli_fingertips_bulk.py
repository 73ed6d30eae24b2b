"""``healthgap import --fingertips-profile``: a whole profile through a local server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.data.importing_store.conftest import FIXTURES
from tests.data.importing_store.test_cli_import import run_cli

HERE = FIXTURES / "fingertips_breadth"


class _Profile(BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        _Profile.seen.append(url.path)
        query = parse_qs(url.query)
        body, status = b"Not found", 404
        if url.path == "/api/indicator_metadata/by_profile_id" and query["profile_id"] == ["9999"]:
            body, status = (HERE / "indicator_metadata_profile_9999.json").read_bytes(), 200
        elif url.path == "/api/all_data/csv/by_indicator_id":
            file = HERE / f"all_data_{query['indicator_ids'][0]}_502.csv"
            if file.is_file():
                body, status = file.read_bytes(), 200
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Profile)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_profile_fetch_from_the_command_line(store: Path, server: str) -> None:
    _Profile.seen.clear()
    env = {"HEALTHGAP_FINGERTIPS_URL": server}
    args = ["import", "--fingertips-profile", "9999", "--area-type", "502", "--store", str(store)]
    done = run_cli(*args, env=env)
    assert done.returncode == 0, done.stderr
    assert "2 indicator x area type fetches: 2 loaded; 26 rows loaded (10 breakdown rows)" in (
        done.stdout
    )
    assert _Profile.seen[0] == "/api/indicator_metadata/by_profile_id"
    again = run_cli(*args, env=env)
    assert "26 rows loaded" in again.stdout  # a finished fetch leaves no checkpoint


def test_profile_fetch_errors_are_plain(store: Path, server: str) -> None:
    env = {"HEALTHGAP_FINGERTIPS_URL": server}
    done = run_cli("import", "--fingertips-profile", "9999", "--store", str(store), env=env)
    assert done.returncode == 2
    assert "must come with --area-type" in done.stderr
    bad = run_cli(
        "import", "--fingertips-profile", "1", "--area-type", "502", "--store", str(store), env=env
    )
    assert bad.returncode == 2 and "got HTTP 404 Not Found" in bad.stderr
    assert "Traceback" not in bad.stderr + done.stderr
