"""The Fingertips API client, on recorded responses only (no network)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import httpx
import pytest

from healthgap.data.fetch import FetchError
from healthgap.data.loading import table_checksum
from healthgap.data.problems import IndicatorFileError
from healthgap.data.sources.fingertips_api import (
    DEFAULT_BASE_URL,
    FingertipsAPIError,
    FingertipsClient,
    ca_bundle,
    import_fingertips,
)
from healthgap.errors import InputError
from tests.data.importing_store.conftest import FIXTURES

CSV = FIXTURES / "fingertips_93722_502.csv"


class Recorder:
    """A MockTransport handler serving recorded files, remembering every request."""

    def __init__(self, *responses: httpx.Response | Exception) -> None:
        self.queue = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        item = self.queue.pop(0) if len(self.queue) > 1 else self.queue[0]
        if isinstance(item, Exception):
            raise item
        return item


def client_for(
    recorder: Recorder, sleeps: list[float] | None = None, **kw: object
) -> FingertipsClient:
    return FingertipsClient(
        transport=httpx.MockTransport(recorder),
        sleep=(sleeps.append if sleeps is not None else lambda s: None),
        **kw,  # type: ignore[arg-type]
    )


def csv_response(body: bytes | None = None) -> httpx.Response:
    return httpx.Response(
        200,
        content=CSV.read_bytes() if body is None else body,
        headers={"content-type": "text/csv"},
    )


def test_area_types_and_metadata_parse_the_documented_shapes() -> None:
    rec = Recorder(
        httpx.Response(200, content=(FIXTURES / "area_types.json").read_bytes()),
        httpx.Response(200, content=(FIXTURES / "indicator_metadata_93722.json").read_bytes()),
    )
    with client_for(rec) as api:
        types = api.area_types()
        meta = api.indicator_metadata("93722")
    assert types.to_dict("records")[-1] == {
        "id": 502,
        "name": "Counties & UAs (from Apr 2023)",
        "short_name": "Counties & UAs",
    }
    assert meta["IID"] == 93722
    assert [r.url.path for r in rec.requests] == [
        "/api/area_types",
        "/api/indicator_metadata/by_indicator_id",
    ]
    assert rec.requests[1].url.params["indicator_ids"] == "93722"
    assert str(rec.requests[0].url).startswith(DEFAULT_BASE_URL)


def test_import_fingertips_goes_through_validation_and_upsert(store: Path) -> None:
    rec = Recorder(csv_response())
    with client_for(rec) as api:
        result = import_fingertips(93722, 502, store, client=api, parent_area_type=6)
        again = import_fingertips(93722, 502, store, client=api, parent_area_type=6)
    assert (result.rows, result.added) == (14, 14)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 14)
    assert result.source_id == "fingertips:93722:502"
    request = rec.requests[0]
    assert request.url.path == "/api/all_data/csv/by_indicator_id"
    assert dict(request.url.params) == {
        "indicator_ids": "93722",
        "child_area_type_id": "502",
        "parent_area_type_id": "6",
    }
    import duckdb

    con = duckdb.connect(str(store), read_only=True)
    try:
        got = con.execute(
            "SELECT area_code, period, value, lower_95_0, upper_95_0 FROM indicators "
            "WHERE source_id = 'fingertips:93722:502'"
        ).fetchall()
        url = con.execute("SELECT url FROM datasets WHERE id = 'fingertips:93722:502'").fetchone()
    finally:
        con.close()
    with CSV.open(encoding="utf-8", newline="") as fh:
        expected = {
            (r["Area Code"], r["Time period"]): (
                float(r["Value"]),
                float(r["Lower CI 95.0 limit"]),
                float(r["Upper CI 95.0 limit"]),
            )
            for r in csv.DictReader(fh)
        }
    assert {(a, p): (v, lo, hi) for a, p, v, lo, hi in got} == expected
    assert url is not None and "indicator_ids=93722&child_area_type_id=502" in url[0]


def test_server_errors_are_retried_with_backoff() -> None:
    sleeps: list[float] = []
    rec = Recorder(httpx.Response(503), httpx.Response(502), csv_response())
    with client_for(rec, sleeps, backoff=0.25) as api:
        body = api.indicator_csv(93722, 502)
    assert body == CSV.read_bytes()
    assert sleeps == [0.25, 0.5]
    assert len(rec.requests) == 3


def test_server_errors_give_up_after_the_retries() -> None:
    sleeps: list[float] = []
    rec = Recorder(httpx.Response(500))
    with (
        client_for(rec, sleeps, retries=2) as api,
        pytest.raises(
            FingertipsAPIError, match=r"got HTTP 500 Internal Server Error after 3 attempts"
        ),
    ):
        api.indicator_csv(93722, 502)
    assert len(rec.requests) == 3
    assert sleeps == [0.5, 1.0]


def test_client_errors_are_not_retried() -> None:
    rec = Recorder(httpx.Response(404))
    with (
        client_for(rec) as api,
        pytest.raises(FingertipsAPIError, match=r"HTTP 404 Not Found\. Check the indicator id"),
    ):
        api.indicator_csv(93722, 999)
    assert len(rec.requests) == 1


def test_offline_timeout_and_certificate_errors_are_clear() -> None:
    offline = Recorder(httpx.ConnectError("[Errno -3] Temporary failure in name resolution"))
    with (
        client_for(offline, retries=1) as api,
        pytest.raises(
            FingertipsAPIError, match=r"fingertips\.phe\.org\.uk must be reachable.*set HTTPS_PROXY"
        ),
    ):
        api.area_types()
    assert len(offline.requests) == 2
    slow = Recorder(httpx.ReadTimeout("timed out"))
    with (
        client_for(slow, retries=1) as api,
        pytest.raises(
            FingertipsAPIError, match=r"must answer in time; got a timeout .* after 2 attempts"
        ),
    ):
        api.area_types()
    cert = Recorder(httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] self-signed certificate"))
    with (
        client_for(cert) as api,
        pytest.raises(
            FingertipsAPIError,
            match=r"must present a certificate this machine trusts.*SSL_CERT_FILE",
        ),
    ):
        api.area_types()
    assert len(cert.requests) == 1  # certificate failures are not retried
    proxy = Recorder(httpx.ProxyError("407 Proxy Authentication Required"))
    with (
        client_for(proxy) as api,
        pytest.raises(FingertipsAPIError, match=r"the proxy must accept"),
    ):
        api.area_types()
    dropped = Recorder(httpx.RemoteProtocolError("peer closed connection"))
    with (
        client_for(dropped, retries=0) as api,
        pytest.raises(
            FingertipsAPIError, match=r"must complete the response; got: peer closed connection"
        ),
    ):
        api.area_types()
    assert issubclass(FingertipsAPIError, FetchError)


def test_empty_answers_and_bad_json_are_reported(store: Path) -> None:
    header = CSV.read_bytes().splitlines()[0] + b"\r\n"
    before = table_checksum(store)
    with (
        client_for(Recorder(csv_response(header))) as api,
        pytest.raises(
            FingertipsAPIError,
            match=r"must have data for indicator 93722 at area type 502; got only a header",
        ),
    ):
        import_fingertips(93722, 502, store, client=api)
    with (
        client_for(Recorder(csv_response(b""))) as api,
        pytest.raises(FingertipsAPIError, match=r"got an empty answer"),
    ):
        api.indicator_csv(93722, 502)
    html = httpx.Response(
        200, content=b"<html>maintenance</html>", headers={"content-type": "text/html"}
    )
    with (
        client_for(Recorder(html)) as api,
        pytest.raises(
            FingertipsAPIError, match=r"must answer /api/area_types with JSON; got text/html"
        ),
    ):
        api.area_types()
    with (
        client_for(Recorder(httpx.Response(200, json={"x": 1}))) as api,
        pytest.raises(FingertipsAPIError, match=r"with a list of objects with an Id"),
    ):
        api.area_types()
    with (
        client_for(Recorder(httpx.Response(200, json={}))) as api,
        pytest.raises(FingertipsAPIError, match=r"must know indicator 1; got no metadata"),
    ):
        api.indicator_metadata(1)
    assert table_checksum(store) == before


def test_an_invalid_download_leaves_the_store_as_it_was(store: Path) -> None:
    lines = CSV.read_text(encoding="utf-8").splitlines()
    fields = lines[3].split(",")
    fields[12] = "*"  # a suppressed value written as text
    lines[3] = ",".join(fields)
    before = table_checksum(store)
    with (
        client_for(Recorder(csv_response("\r\n".join(lines).encode()))) as api,
        pytest.raises(
            IndicatorFileError,
            match=r"Value must be a number \(1 line\): line 4, column 'Value', value '\*'",
        ),
    ):
        import_fingertips(93722, 502, store, client=api)
    assert table_checksum(store) == before


def test_argument_errors() -> None:
    rec = Recorder(csv_response())
    with client_for(rec) as api:
        with pytest.raises(
            InputError, match=r"indicator_id must be a positive whole number; got 'abc'"
        ):
            api.indicator_csv("abc", 502)
        with pytest.raises(InputError, match=r"area_type must be a positive whole number; got 0"):
            api.indicator_csv(93722, 0)
        with pytest.raises(InputError, match=r"parent_area_type must be a positive whole number"):
            api.indicator_csv(93722, 502, parent_area_type="x")
    assert rec.requests == []
    with pytest.raises(InputError, match=r"must start with http:// or https://; got 'ftp://x'"):
        FingertipsClient("ftp://x")
    with pytest.raises(InputError, match=r"retries must be a whole number 0 or more; got -1"):
        FingertipsClient(retries=-1)


def test_ca_bundle_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import certifi

    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    assert ca_bundle() is None
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    assert ca_bundle() == certifi.where()
    FingertipsClient().close()  # builds an SSL context from the bundle
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    with pytest.raises(
        InputError, match=r"SSL_CERT_FILE must name a CA bundle file; got .*missing\.pem"
    ):
        FingertipsClient()


def test_base_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEALTHGAP_FINGERTIPS_URL", "http://127.0.0.1:9/")
    with FingertipsClient() as api:
        assert api.base_url == "http://127.0.0.1:9"
    assert json.loads((FIXTURES / "area_types.json").read_text())[0]["Id"] == 6
