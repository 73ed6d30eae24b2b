"""Get the catalogue's files into the local data directory, verified by checksum.

Three ways, one rule (a file is only ever in place if its SHA-256 matches the catalogue):

* ``fetch(mirror=DIR)`` copies from a local mirror (an offline machine, a shared drive);
* ``fetch(mirror="https://...")`` downloads from a web server holding the same layout;
* ``fetch()`` downloads from the publishers' addresses (``Dataset.download_url``).
  Only datasets whose address serves exactly the mirror's bytes can be fetched this
  way; the rest are reshaped copies of the publishers' files and are reported as
  ``unavailable`` with the reason.

Every file is written to a temporary file beside its target and renamed into place
only after its checksum matches, so a failed or interrupted fetch never leaves a
half-written or wrong file. Downloads use :mod:`httpx` with certificate verification
on, the proxy and CA settings of the environment (``HTTPS_PROXY``, ``NO_PROXY``,
``SSL_CERT_FILE``) and timeouts.

Examples
--------
>>> from healthgap.data.fetch import fetch
>>> results = fetch(mirror="../shared/data", data_dir="/tmp/healthgap-data")  # doctest: +SKIP
>>> {r.status for r in results}  # doctest: +SKIP
{'copied'}
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal
from urllib.parse import quote, urlsplit

import httpx

from healthgap.data import paths
from healthgap.data.catalogue import Dataset, select
from healthgap.errors import HealthgapError

Status = Literal["copied", "downloaded", "up to date", "unavailable"]
_CHUNK = 1 << 20
DEFAULT_TIMEOUT = 60.0


class FetchError(HealthgapError):
    """A file could not be fetched, or what arrived is not the catalogue's file."""


@dataclass(frozen=True)
class FetchResult:
    """What happened to one dataset."""

    dataset: str
    status: Status
    path: Path
    source: str
    note: str = ""


def sha256_of(path: str | os.PathLike[str]) -> str:
    """The SHA-256 checksum of a file, as 64 hex digits."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def is_current(dataset: Dataset, path: Path) -> bool:
    """True when ``path`` exists and holds exactly the catalogue's file."""
    return path.is_file() and sha256_of(path) == dataset.sha256


def _mismatch(dataset: Dataset, actual: str, source: str) -> FetchError:
    return FetchError(
        f"{dataset.file} must match the catalogue's SHA-256 {dataset.sha256}; got {actual} "
        f"from {source}. The file is corrupt or a different version; nothing was written. "
        "Fetch it again, or replace the mirror's copy with the catalogue's version."
    )


@contextmanager
def _staged(target: Path) -> Iterator[tuple[IO[bytes], Callable[[], None]]]:
    """A temporary file beside ``target``; ``commit()`` renames it into place."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".part"
        )
    except OSError as exc:
        raise FetchError(
            f"the data directory must be writable; got {exc}. "
            "Choose another folder with --data-dir or HEALTHGAP_DATA_DIR."
        ) from None
    tmp = Path(tmp_name)
    committed = False

    def commit() -> None:
        nonlocal committed
        os.replace(tmp, target)
        committed = True

    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh, commit
    finally:
        if not committed:
            tmp.unlink(missing_ok=True)


def _copy(dataset: Dataset, source: Path, target: Path) -> None:
    if not source.is_file():
        raise FetchError(
            f"the mirror must hold {dataset.file}; got no such file at {source}. "
            "Check --mirror points at the folder that holds SOURCES.md."
        )
    with _staged(target) as (out, commit):
        digest = hashlib.sha256()
        with source.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
        out.flush()
        actual = digest.hexdigest()
        if actual != dataset.sha256:
            raise _mismatch(dataset, actual, str(source))
        out.close()
        commit()


def _download(dataset: Dataset, url: str, target: Path, client: httpx.Client) -> None:
    host = urlsplit(url).netloc or url
    with _staged(target) as (out, commit):
        digest = hashlib.sha256()
        try:
            with client.stream("GET", url) as response:
                if response.status_code != 200:
                    raise FetchError(
                        f"the download of {dataset.file} must succeed; got HTTP "
                        f"{response.status_code} {response.reason_phrase} from {url}. "
                        "The address may have moved: use a mirror (--mirror) instead."
                    )
                for chunk in response.iter_bytes(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
        except httpx.TimeoutException:
            raise FetchError(
                f"the download of {dataset.file} must finish in time; got a timeout from "
                f"{host}. Try again, raise the timeout, or use a mirror (--mirror DIR)."
            ) from None
        except httpx.ProxyError as exc:
            raise FetchError(
                f"the proxy must accept the request for {url}; got: {exc}. "
                "Check HTTPS_PROXY / HTTP_PROXY, or use a mirror (--mirror DIR)."
            ) from None
        except httpx.ConnectError as exc:
            text = str(exc)
            if "CERTIFICATE" in text.upper():
                remedy = (
                    "Certificate verification stays on: if your network inspects HTTPS, "
                    "point SSL_CERT_FILE at your organisation's CA bundle."
                )
            else:
                remedy = (
                    "This machine may be offline or need a proxy: set HTTPS_PROXY (and "
                    "NO_PROXY), or copy the files from a mirror with --mirror DIR."
                )
            raise FetchError(f"{host} must be reachable; got: {text}. {remedy}") from None
        except httpx.HTTPError as exc:
            raise FetchError(
                f"the download of {dataset.file} must succeed; got: {exc} ({url}). "
                "Try again, or use a mirror (--mirror DIR)."
            ) from None
        out.flush()
        actual = digest.hexdigest()
        if actual != dataset.sha256:
            raise _mismatch(dataset, actual, url)
        out.close()
        commit()


def make_client(timeout: float = DEFAULT_TIMEOUT) -> httpx.Client:
    """An HTTP client: certificates verified, environment proxies/CAs, timeouts."""
    from healthgap import __version__

    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
        follow_redirects=True,
        verify=True,
        trust_env=True,
        headers={"User-Agent": f"healthgap/{__version__} (+open data fetch)"},
    )


def fetch(
    ids: Iterable[str] | None = None,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    mirror: str | os.PathLike[str] | None = None,
    client: httpx.Client | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    force: bool = False,
    on_result: Callable[[FetchResult], None] | None = None,
) -> list[FetchResult]:
    """Copy or download the catalogue's files into the local data directory.

    Parameters
    ----------
    ids
        Catalogue ids to fetch; all datasets when ``None``.
    data_dir
        Destination; else ``$HEALTHGAP_DATA_DIR``, else the per-user data folder.
    mirror
        A local folder or an ``http(s)://`` address laid out like the catalogue's
        ``file`` paths; else ``$HEALTHGAP_MIRROR``; else the publishers' addresses.
    client
        An :class:`httpx.Client` to use (tests pass one with a mock transport).
    timeout
        Seconds to wait for each download (connecting: at most 15 s).
    force
        Fetch again even when the local file already matches its checksum.
    on_result
        Called with each :class:`FetchResult` as soon as it is known (progress).

    Returns
    -------
    list of FetchResult
        One per dataset, in catalogue order, each followed by one per companion file
        (metadata and lookups the dataset's parser reads). Datasets that have no address serving
        the exact file (and no mirror was given) have status ``"unavailable"``.

    Raises
    ------
    FetchError
        A mirror file is missing, a download fails, or a checksum does not match.
        Files already fetched stay; the failing file is not written.
    """
    datasets = select(ids)
    destination = paths.data_dir(data_dir)
    source = paths.mirror(mirror)
    own_client = client is None and not isinstance(source, Path)
    http = make_client(timeout) if own_client else client
    results: list[FetchResult] = []
    try:
        for ds in datasets:
            result = _fetch_one(ds, destination, source, http, force)
            results.append(result)
            if on_result is not None:
                on_result(result)
            # companion files (metadata, lookups) travel with their dataset
            for name, sha, url in ds.companions:
                part = dataclasses.replace(
                    ds, file=name, sha256=sha, download_url=url, companions=()
                )
                extra = _fetch_one(part, destination, source, http, force)
                results.append(extra)
                if on_result is not None:
                    on_result(extra)
    finally:
        if own_client and http is not None:
            http.close()
    return results


def _fetch_one(
    ds: Dataset,
    destination: Path,
    source: str | Path | None,
    client: httpx.Client | None,
    force: bool,
) -> FetchResult:
    target = destination / ds.file
    if isinstance(source, Path):
        origin = source / ds.file
        if not force and is_current(ds, target):
            return FetchResult(ds.id, "up to date", target, str(origin))
        if origin.is_file() and target.exists() and origin.resolve() == target.resolve():
            actual = sha256_of(origin)
            if actual != ds.sha256:
                raise _mismatch(ds, actual, str(origin))
            return FetchResult(ds.id, "up to date", target, str(origin))
        _copy(ds, origin, target)
        return FetchResult(ds.id, "copied", target, str(origin))
    if source is not None:
        url = source + quote(ds.file)
    elif ds.download_url is not None:
        url = ds.download_url
    else:
        if not force and is_current(ds, target):
            return FetchResult(ds.id, "up to date", target, "")
        reason = (
            "no address serves this exact file (the mirror's copy is reshaped from the "
            "publisher's); fetch it from a mirror with --mirror DIR"
        )
        return FetchResult(ds.id, "unavailable", target, ds.url or "", reason)
    if not force and is_current(ds, target):
        return FetchResult(ds.id, "up to date", target, url)
    assert client is not None
    _download(ds, url, target, client)
    return FetchResult(ds.id, "downloaded", target, url)
