"""Fetching: copy from a mirror or download, verified by SHA-256, never half-written.

No test touches the network: downloads come from a web server on 127.0.0.1 started in
the test, serving real mirror files (and corrupted copies), or from an httpx
MockTransport.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthgap.data import catalogue
from healthgap.data.fetch import FetchError, _fetch_one, fetch, sha256_of
from tests.cli_run import Completed, run_healthgap

SMALL = ["ons_sii_2015_2017_2018_2020", "esp2013_19", "hex_icb22"]


def copy_subset(mirror: Path, dest: Path, ids: list[str]) -> Path:
    for i in ids:
        f = catalogue.get(i).file
        (dest / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(mirror / f, dest / f)
    return dest


def corrupt(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # one flipped bit
    path.write_bytes(bytes(data))


def leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.endswith(".part")]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Serve a folder over HTTP on 127.0.0.1; yields a function folder -> base URL."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    servers: list[ThreadingHTTPServer] = []

    def start(folder: Path) -> str:
        handler = functools.partial(_Quiet, directory=str(folder))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_copy_from_a_local_mirror(mirror: Path, tmp_path: Path) -> None:
    seen: list[str] = []
    results = fetch(
        SMALL, data_dir=tmp_path, mirror=mirror, on_result=lambda r: seen.append(r.status)
    )
    assert [r.status for r in results] == ["copied"] * 3 == seen
    for ds in catalogue.select(SMALL):
        assert (tmp_path / ds.file).read_bytes() == (mirror / ds.file).read_bytes()
    again = fetch(SMALL, data_dir=tmp_path, mirror=mirror)
    assert {r.status for r in again} == {"up to date"}
    forced = fetch(SMALL, data_dir=tmp_path, mirror=mirror, force=True)
    assert {r.status for r in forced} == {"copied"}
    assert leftovers(tmp_path) == []


def test_corrupt_mirror_file_is_refused_and_nothing_written(mirror: Path, tmp_path: Path) -> None:
    bad = copy_subset(mirror, tmp_path / "mirror", SMALL)
    corrupt(bad / catalogue.get("esp2013_19").file)
    dest = tmp_path / "data"
    with pytest.raises(
        FetchError,
        match=r"reference/esp2013_19_age_bands\.csv must match the catalogue's SHA-256 7ad2.* "
        r"nothing was written",
    ):
        fetch(SMALL, data_dir=dest, mirror=bad)
    assert (dest / catalogue.get("ons_sii_2015_2017_2018_2020").file).is_file()  # before it
    assert not (dest / catalogue.get("esp2013_19").file).exists()
    assert leftovers(dest) == []


def test_a_good_local_file_survives_a_corrupt_mirror(mirror: Path, tmp_path: Path) -> None:
    dest = tmp_path / "data"
    fetch(["esp2013_19"], data_dir=dest, mirror=mirror)
    bad = copy_subset(mirror, tmp_path / "mirror", ["esp2013_19"])
    corrupt(bad / catalogue.get("esp2013_19").file)
    with pytest.raises(FetchError, match="must match the catalogue's SHA-256"):
        fetch(["esp2013_19"], data_dir=dest, mirror=bad, force=True)
    ds = catalogue.get("esp2013_19")
    assert sha256_of(dest / ds.file) == ds.sha256


def test_a_wrong_local_file_is_replaced(mirror: Path, tmp_path: Path) -> None:
    ds = catalogue.get("esp2013_20")
    (tmp_path / ds.file).parent.mkdir(parents=True)
    (tmp_path / ds.file).write_text("stale")
    [result] = fetch([ds.id], data_dir=tmp_path, mirror=mirror)
    assert result.status == "copied"
    assert sha256_of(tmp_path / ds.file) == ds.sha256


def test_missing_mirror_file(tmp_path: Path) -> None:
    (tmp_path / "mirror").mkdir()
    with pytest.raises(FetchError, match=r"the mirror must hold reference/esp2013_19_age_bands"):
        fetch(["esp2013_19"], data_dir=tmp_path / "d", mirror=tmp_path / "mirror")


def test_mirror_that_is_the_data_dir_is_verified_in_place(mirror: Path, tmp_path: Path) -> None:
    copy_subset(mirror, tmp_path, ["esp2013_19"])
    [result] = fetch(["esp2013_19"], data_dir=tmp_path, mirror=tmp_path, force=True)
    assert result.status == "up to date"
    corrupt(tmp_path / catalogue.get("esp2013_19").file)
    with pytest.raises(FetchError, match="must match the catalogue's SHA-256"):
        fetch(["esp2013_19"], data_dir=tmp_path, mirror=tmp_path, force=True)


def test_download_from_a_web_mirror(mirror: Path, tmp_path: Path, serve: Any) -> None:
    url = serve(copy_subset(mirror, tmp_path / "web", SMALL))
    results = fetch(SMALL, data_dir=tmp_path / "data", mirror=url)
    assert [r.status for r in results] == ["downloaded"] * 3
    assert results[0].source.startswith(url)
    for ds in catalogue.select(SMALL):
        assert sha256_of(tmp_path / "data" / ds.file) == ds.sha256


def test_corrupted_download_is_refused(mirror: Path, tmp_path: Path, serve: Any) -> None:
    web = copy_subset(mirror, tmp_path / "web", ["hex_icb22"])
    corrupt(web / catalogue.get("hex_icb22").file)
    url = serve(web)
    with pytest.raises(
        FetchError,
        match=r"hexmaps/nhs-icb-2022\.hexjson must match .* from http://127\.0\.0\.1:\d+/hexmaps",
    ):
        fetch(["hex_icb22"], data_dir=tmp_path / "data", mirror=url)
    assert not (tmp_path / "data" / catalogue.get("hex_icb22").file).exists()
    assert leftovers(tmp_path / "data") == []


def test_missing_download_is_an_http_error(tmp_path: Path, serve: Any) -> None:
    (tmp_path / "empty").mkdir()
    url = serve(tmp_path / "empty")
    with pytest.raises(FetchError, match=r"must succeed; got HTTP 404 File not found from http"):
        fetch(["esp2013_19"], data_dir=tmp_path / "data", mirror=url)


def mock_client(handler: Any) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def test_publisher_downloads_only_verifiable_files(mirror: Path, tmp_path: Path) -> None:
    served = {d.download_url: (mirror / d.file).read_bytes() for d in catalogue.CATALOGUE}
    served.update(
        {
            url: (mirror / name).read_bytes()
            for d in catalogue.CATALOGUE
            for name, _, url in d.companions
        }
    )
    requested: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requested.append(str(request.url))
        return httpx.Response(200, content=served[str(request.url)])

    results = fetch(data_dir=tmp_path, client=mock_client(handler))
    by_status: dict[str, list[str]] = {}
    for r in results:
        by_status.setdefault(r.status, []).append(r.dataset)
    originals = sorted(d.id for d in catalogue.CATALOGUE if d.download_url is not None)
    assert {"hex_icb22", "hex_lad21", "hex_lad23", "hex_utla"} <= set(originals)
    # each original and each companion (ELS metadata, Fingertips lookups) once
    companions = sum(len(d.companions) for d in catalogue.CATALOGUE)
    assert len(by_status["downloaded"]) == len(originals) + companions
    assert len(by_status["unavailable"]) == len(catalogue.CATALOGUE) - len(originals)
    assert all(
        u.startswith(
            (
                "https://raw.githubusercontent.com/odileeds/",
                "https://raw.githubusercontent.com/ONSdigital/explore-local-statistics-data/",
                "https://raw.githubusercontent.com/dhsc-govuk/FingertipsNext/",
                "https://raw.githubusercontent.com/ONSdigital/sdg-data/",
            )
        )
        for u in requested
    )
    note = next(r.note for r in results if r.status == "unavailable")
    assert "fetch it from a mirror with --mirror DIR" in note


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (
            httpx.ConnectError("[Errno -2] Name or service not known"),
            r"raw\.githubusercontent\.com must be reachable; got: \[Errno -2\].* offline or "
            r"need a proxy: set HTTPS_PROXY",
        ),
        (
            httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] self-signed certificate"),
            r"Certificate verification stays on: .* SSL_CERT_FILE",
        ),
        (httpx.ReadTimeout("timed out"), r"must finish in time; got a timeout from raw\."),
        (httpx.ProxyError("407 Proxy Authentication Required"), r"the proxy must accept"),
        (httpx.RemoteProtocolError("peer closed"), r"must succeed; got: peer closed"),
    ],
)
def test_network_failures_are_plain_errors(tmp_path: Path, error: Exception, message: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    with pytest.raises(FetchError, match=message):
        fetch(["hex_icb22"], data_dir=tmp_path, client=mock_client(handler))
    assert leftovers(tmp_path) == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=st.binary(max_size=4096), honest=st.booleans())
def test_a_file_lands_only_when_its_checksum_matches(
    tmp_path_factory: pytest.TempPathFactory, content: bytes, honest: bool
) -> None:
    base = tmp_path_factory.mktemp("prop")
    ds = catalogue.get("esp2013_19")
    (base / "m" / ds.file).parent.mkdir(parents=True)
    (base / "m" / ds.file).write_bytes(content)
    digest = hashlib.sha256(content).hexdigest()
    claimed = digest if honest else hashlib.sha256(content + b"x").hexdigest()
    fake = dataclasses.replace(ds, sha256=claimed)
    target = base / "d" / ds.file
    if honest:
        result = _fetch_one(fake, base / "d", base / "m", None, force=False)
        assert result.status == "copied" and target.read_bytes() == content
    else:
        with pytest.raises(FetchError):
            _fetch_one(fake, base / "d", base / "m", None, force=False)
        assert not target.exists()
    if (base / "d").exists():
        assert leftovers(base / "d") == []


def run_cli(*args: str) -> Completed:
    return run_healthgap(*args)  # in this process (tests/cli_run.py)


def test_cli_fetch(mirror: Path, tmp_path: Path) -> None:
    ok = run_cli(
        "data",
        "fetch",
        "--mirror",
        str(mirror),
        "--data-dir",
        str(tmp_path / "d"),
        "--dataset",
        "esp2013_19",
        "--dataset",
        "hex_icb22",
    )
    assert ok.returncode == 0, ok.stderr
    assert "copied      esp2013_19" in ok.stderr and "2 of 2 datasets are in" in ok.stderr
    bad = copy_subset(mirror, tmp_path / "bad", ["esp2013_20"])
    corrupt(bad / catalogue.get("esp2013_20").file)
    proc = run_cli(
        "data",
        "fetch",
        "--mirror",
        str(bad),
        "--data-dir",
        str(tmp_path / "d"),
        "--dataset",
        "esp2013_20",
    )
    assert proc.returncode == 2
    assert "must match the catalogue's SHA-256" in " ".join(proc.stderr.split())
    assert "Traceback" not in proc.stderr


def test_cli_fetch_without_a_mirror_names_what_it_cannot_get(tmp_path: Path) -> None:
    proc = run_cli("data", "fetch", "--data-dir", str(tmp_path), "--dataset", "esp2013_19")
    assert proc.returncode == 2
    text = " ".join(proc.stderr.split())
    assert "every dataset must have a verifiable source; got 1 without one (esp2013_19)" in text
    assert "Traceback" not in proc.stderr
