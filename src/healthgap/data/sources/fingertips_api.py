"""A client for the public OHID Fingertips API, feeding the store's import path.

Fingertips (https://fingertips.phe.org.uk) publishes its indicator data through a
documented REST API (``/api`` on the same host). healthgap uses three endpoints:

``GET /api/all_data/csv/by_indicator_id?indicator_ids=ID&child_area_type_id=N``
    Every value of one indicator for one area type (plus England and the parent areas),
    as the "all data" CSV read by :mod:`healthgap.data.importing` (``format="fingertips"``).
    ``parent_area_type_id=M`` chooses the parent areas.
``GET /api/indicator_metadata/by_indicator_id?indicator_ids=ID``
    The indicator's metadata, a JSON object keyed by indicator id.
``GET /api/indicator_metadata/by_profile_id?profile_id=P``
    The metadata of every indicator in a profile, keyed by indicator id (the whole
    profile's indicator list; used by :mod:`healthgap.data.sources.fingertips_bulk`).
``GET /api/area_types``
    The area types, a JSON list of objects with ``Id``, ``Name`` and ``Short``.

:func:`import_fingertips` downloads the CSV to a temporary file and imports it through
:func:`healthgap.data.loading.import_indicator_file`: the same validation, the same
all-or-nothing upsert as a local file.

Network behaviour
-----------------
* Certificates are always verified. The CA bundle is ``$SSL_CERT_FILE``, else
  ``$REQUESTS_CA_BUNDLE``, else certifi's (via httpx); proxies come from the environment
  (``HTTPS_PROXY``, ``HTTP_PROXY``, ``NO_PROXY``).
* Timeouts on every request (30 s by default, 15 s at most to connect).
* Server errors (HTTP 5xx), timeouts and dropped connections are retried ``retries``
  times with exponential backoff (0.5 s, 1 s, 2 s, ...); client errors (4xx) are not.
* Failures raise :class:`FingertipsAPIError` (a :class:`~healthgap.data.fetch.FetchError`)
  saying what to do: go online or set a proxy, point ``SSL_CERT_FILE`` at a CA bundle,
  check the indicator id or area type.

The base address is ``$HEALTHGAP_FINGERTIPS_URL`` when set (e.g. an internal mirror),
else ``https://fingertips.phe.org.uk``.
"""

from __future__ import annotations

import io
import json
import os
import ssl
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pandas as pd

from healthgap.data.fetch import FetchError
from healthgap.errors import InputError

__all__ = [
    "DEFAULT_BASE_URL",
    "FingertipsAPIError",
    "FingertipsClient",
    "FingertipsNoData",
    "ca_bundle",
    "import_fingertips",
]

DEFAULT_BASE_URL = "https://fingertips.phe.org.uk"
DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF = 0.5


class FingertipsAPIError(FetchError):
    """The Fingertips API could not be reached or did not give what was asked for."""


class FingertipsNoData(FingertipsAPIError):
    """The API answered, but holds no rows for that indicator at that area type."""


def ca_bundle() -> str | None:
    """The CA bundle file from ``$SSL_CERT_FILE`` or ``$REQUESTS_CA_BUNDLE`` (else None).

    A variable naming a file that does not exist raises
    :class:`~healthgap.errors.InputError` rather than silently falling back.
    """
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        value = os.environ.get(name, "").strip()
        if value:
            if not Path(value).is_file():
                raise InputError(
                    f"{name} must name a CA bundle file; got {value!r}, which does not "
                    "exist. Point it at your organisation's PEM bundle or unset it."
                )
            return value
    return None


def _positive_id(value: Any, what: str, example: str) -> int:
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or int(text) < 1:
        raise InputError(
            f"{what} must be a positive whole number; got {value!r}. Use e.g. {example}."
        )
    return int(text)


class FingertipsClient:
    """A small, careful client for the Fingertips API.

    Parameters
    ----------
    base_url
        The site address; default ``$HEALTHGAP_FINGERTIPS_URL`` or
        ``https://fingertips.phe.org.uk``.
    timeout
        Seconds per request.
    retries
        Extra attempts after a server error, timeout or dropped connection.
    backoff
        Seconds before the first retry; doubled for each further one.
    transport
        An httpx transport (tests pass :class:`httpx.MockTransport`).
    sleep
        The function that waits between retries (tests pass a recorder).

    Examples
    --------
    >>> import httpx
    >>> def handler(request):
    ...     return httpx.Response(200, json=[{"Id": 15, "Name": "England", "Short": "England"}])
    >>> client = FingertipsClient(transport=httpx.MockTransport(handler))
    >>> client.area_types()[["id", "name"]].to_dict("records")
    [{'id': 15, 'name': 'England'}]
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
        backoff: float = DEFAULT_BACKOFF,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        from healthgap import __version__

        url = base_url or os.environ.get("HEALTHGAP_FINGERTIPS_URL", "").strip()
        self.base_url = (url or DEFAULT_BASE_URL).rstrip("/")
        if not self.base_url.startswith(("http://", "https://")):
            raise InputError(
                f"the Fingertips address must start with http:// or https://; got "
                f"{self.base_url!r}. Use e.g. {DEFAULT_BASE_URL}."
            )
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise InputError(f"retries must be a whole number 0 or more; got {retries!r}.")
        self.retries = retries
        self.backoff = backoff
        self._sleep = sleep
        bundle = ca_bundle()
        verify: ssl.SSLContext | bool = (
            ssl.create_default_context(cafile=bundle) if bundle is not None else True
        )
        self._client = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
            follow_redirects=True,
            verify=verify,
            trust_env=True,
            transport=transport,
            headers={"User-Agent": f"healthgap/{__version__} (+fingertips api)"},
        )

    def __enter__(self) -> FingertipsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    # ------------------------------------------------------------------ transport

    def get(self, path: str, params: dict[str, Any] | None = None) -> httpx.Response:
        """GET ``path`` with retries; a response with status 200 or FingertipsAPIError."""
        host = httpx.URL(self.base_url).host
        url = f"{self.base_url}{path}"
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                response = self._client.get(path, params=params)
            except httpx.TimeoutException:
                if last:
                    raise FingertipsAPIError(
                        f"{host} must answer in time; got a timeout for {url} after "
                        f"{attempt + 1} attempts. Try again later or raise --timeout."
                    ) from None
            except httpx.ProxyError as exc:
                raise FingertipsAPIError(
                    f"the proxy must accept the request for {url}; got: {exc}. "
                    "Check HTTPS_PROXY / HTTP_PROXY and NO_PROXY."
                ) from None
            except httpx.ConnectError as exc:
                text = str(exc)
                if "CERTIFICATE" in text.upper():
                    raise FingertipsAPIError(
                        f"{host} must present a certificate this machine trusts; got: "
                        f"{text}. Verification stays on: if your network inspects HTTPS, "
                        "point SSL_CERT_FILE (or REQUESTS_CA_BUNDLE) at your "
                        "organisation's CA bundle."
                    ) from None
                if last:
                    raise FingertipsAPIError(
                        f"{host} must be reachable; got: {text}. This machine may be "
                        "offline or need a proxy: set HTTPS_PROXY (and NO_PROXY), or "
                        "download the CSV elsewhere and run `healthgap import FILE`."
                    ) from None
            except httpx.TransportError as exc:
                if last:
                    raise FingertipsAPIError(
                        f"{host} must complete the response; got: {exc} ({url}) after "
                        f"{attempt + 1} attempts. Try again later."
                    ) from None
            else:
                if response.status_code == 200:
                    return response
                if response.status_code < 500 or last:
                    raise FingertipsAPIError(
                        f"the Fingertips API must answer {url} with data; got HTTP "
                        f"{response.status_code} {response.reason_phrase}"
                        + (f" after {attempt + 1} attempts" if response.status_code >= 500 else "")
                        + ". "
                        + (
                            "The service may be down: try again later."
                            if response.status_code >= 500
                            else "Check the indicator id and area type (healthgap import "
                            "--fingertips ID --area-type N)."
                        )
                    )
            self._sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        response = self.get(path, params)
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise FingertipsAPIError(
                f"the Fingertips API must answer {path} with JSON; got "
                f"{response.headers.get('content-type', 'no content type')} "
                f"({response.text[:60]!r}). Check the address ({self.base_url})."
            ) from None

    # ------------------------------------------------------------------ endpoints

    def area_types(self) -> pd.DataFrame:
        """The area types: columns ``id``, ``name``, ``short_name`` (``/api/area_types``)."""
        data = self._json("/api/area_types")
        if not isinstance(data, list) or not all(isinstance(d, dict) and "Id" in d for d in data):
            raise FingertipsAPIError(
                "the Fingertips API must answer /api/area_types with a list of objects "
                f"with an Id; got {str(data)[:60]!r}. Check the address ({self.base_url})."
            )
        return pd.DataFrame(
            {
                "id": [int(d["Id"]) for d in data],
                "name": [d.get("Name") for d in data],
                "short_name": [d.get("Short") for d in data],
            }
        )

    def indicator_metadata(self, indicator_id: int | str) -> dict[str, Any]:
        """One indicator's metadata (``/api/indicator_metadata/by_indicator_id``)."""
        ind = _positive_id(indicator_id, "indicator_id", "93722")
        data = self._json("/api/indicator_metadata/by_indicator_id", {"indicator_ids": str(ind)})
        if not isinstance(data, dict) or str(ind) not in data:
            raise FingertipsAPIError(
                f"the Fingertips API must know indicator {ind}; got no metadata for it. "
                "Check the id on https://fingertips.phe.org.uk (search the indicator)."
            )
        entry: dict[str, Any] = data[str(ind)]
        return entry

    def metadata_for(self, indicator_ids: list[int | str]) -> dict[str, dict[str, Any]]:
        """Several indicators' metadata in one request, keyed by indicator id (text).

        Ids the API does not know are absent from the answer; the caller decides.
        """
        ids = [_positive_id(i, "indicator_id", "93722") for i in indicator_ids]
        if not ids:
            raise InputError("indicator_ids must list at least one id; got none. Use e.g. [93722].")
        data = self._json(
            "/api/indicator_metadata/by_indicator_id",
            {"indicator_ids": ",".join(str(i) for i in ids)},
        )
        return self._keyed(data, "/api/indicator_metadata/by_indicator_id")

    def profile_metadata(self, profile_id: int | str) -> dict[str, dict[str, Any]]:
        """The metadata of every indicator in a profile, keyed by indicator id (text)
        (``/api/indicator_metadata/by_profile_id``)."""
        pid = _positive_id(profile_id, "profile_id", "19 (Public Health Outcomes Framework)")
        data = self._json("/api/indicator_metadata/by_profile_id", {"profile_id": str(pid)})
        keyed = self._keyed(data, "/api/indicator_metadata/by_profile_id")
        if not keyed:
            raise FingertipsAPIError(
                f"Fingertips profile {pid} must list indicators; got none. Check the profile "
                "id (https://fingertips.phe.org.uk/api/profiles lists them)."
            )
        return keyed

    def _keyed(self, data: Any, path: str) -> dict[str, dict[str, Any]]:
        if not isinstance(data, dict) or not all(
            str(k).isdigit() and isinstance(v, dict) for k, v in data.items()
        ):
            raise FingertipsAPIError(
                f"the Fingertips API must answer {path} with metadata keyed by indicator id; "
                f"got {str(data)[:60]!r}. Check the address ({self.base_url})."
            )
        return {str(k): v for k, v in data.items()}

    def indicator_csv(
        self,
        indicator_id: int | str,
        area_type: int | str,
        parent_area_type: int | str | None = None,
    ) -> bytes:
        """The "all data" CSV of one indicator at one area type, as bytes."""
        ind = _positive_id(indicator_id, "indicator_id", "93722")
        child = _positive_id(area_type, "area_type", "502 (upper-tier local authorities)")
        params = {"indicator_ids": str(ind), "child_area_type_id": str(child)}
        if parent_area_type is not None:
            params["parent_area_type_id"] = str(
                _positive_id(parent_area_type, "parent_area_type", "6 (regions)")
            )
        body = self.get("/api/all_data/csv/by_indicator_id", params).content
        lines = [line for line in io.BytesIO(body).read().splitlines() if line.strip()]
        if len(lines) < 2:
            raise FingertipsNoData(
                f"Fingertips must have data for indicator {ind} at area type {child}; got "
                f"{'an empty answer' if not lines else 'only a header'}. The indicator may "
                "not be published for that area type: list them with "
                "FingertipsClient().area_types() and check the indicator's profile."
            )
        return body

    def download(
        self,
        indicator_id: int | str,
        area_type: int | str,
        destination: str | os.PathLike[str],
        parent_area_type: int | str | None = None,
    ) -> Path:
        """Write the indicator's CSV to ``destination`` (atomically) and return the path."""
        body = self.indicator_csv(indicator_id, area_type, parent_area_type)
        target = Path(destination)
        tmp = target.with_name(f".{target.name}.part")
        tmp.write_bytes(body)
        os.replace(tmp, target)
        return target


def import_fingertips(
    indicator_id: int | str,
    area_type: int | str,
    store: str | os.PathLike[str] | None = None,
    *,
    parent_area_type: int | str | None = None,
    source_id: str | None = None,
    client: FingertipsClient | None = None,
    **options: Any,
) -> Any:
    """Download one indicator at one area type from Fingertips and import it.

    The CSV goes through :func:`healthgap.data.loading.import_indicator_file` with
    ``format="fingertips"``: validated completely, then upserted in one transaction.
    ``source_id`` defaults to ``fingertips:<indicator>:<area type>``; ``options`` go to
    ``import_indicator_file`` (``on_validated``, ``on_chunk``, ``chunk_rows``, ...).
    Returns the :class:`~healthgap.data.loading.LoadResult`.
    """
    from healthgap.data.loading import import_indicator_file

    ind = _positive_id(indicator_id, "indicator_id", "93722")
    child = _positive_id(area_type, "area_type", "502 (upper-tier local authorities)")
    own = client is None
    api = client if client is not None else FingertipsClient()
    try:
        with tempfile.TemporaryDirectory(prefix="healthgap-fingertips-") as folder:
            name = f"fingertips_{ind}_area_type_{child}.csv"
            path = api.download(ind, child, Path(folder) / name, parent_area_type)
            return import_indicator_file(
                path,
                store,
                format="fingertips",
                source_id=source_id or f"fingertips:{ind}:{child}",
                title=f"OHID Fingertips indicator {ind}, area type {child}",
                url=(
                    f"{api.base_url}/api/all_data/csv/by_indicator_id?indicator_ids={ind}"
                    f"&child_area_type_id={child}"
                ),
                **options,
            )
    finally:
        if own:
            api.close()
