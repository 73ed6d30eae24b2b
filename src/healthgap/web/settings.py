"""Settings of the web service, read from arguments or ``HEALTHGAP_*`` environment variables."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from healthgap.appdb.db import configured_db_url, default_db_url

#: Folder inside the installed package where a packager may bundle ``node_modules`` and
#: ``docs`` (both optional; see :func:`locate`).
BUNDLED = Path(__file__).resolve().parent.parent / "_bundled"


def source_checkout(start: Path | None = None) -> Path | None:
    """The healthgap source checkout holding ``start`` (default: this module), or ``None``
    when healthgap runs from an installed wheel.

    A checkout is the nearest folder above ``start`` with both a ``pyproject.toml`` and
    ``src/healthgap``; nothing is assumed about how deep the module sits.
    """
    here = (start or Path(__file__)).resolve()
    for folder in here.parents:
        if (folder / "pyproject.toml").is_file() and (folder / "src" / "healthgap").is_dir():
            return folder
    return None


def locate(
    name: str,
    env: str,
    *,
    start: Path | None = None,
    cwd: Path | None = None,
    bundled: Path | None = None,
) -> Path:
    """Where the ``name`` folder (``node_modules`` or ``docs``) is, in this order.

    1. ``$env`` (``HEALTHGAP_ASSETS`` / ``HEALTHGAP_DOCS``) when set;
    2. the copy bundled in the installed package (``healthgap/_bundled/<name>``);
    3. the source checkout healthgap runs from (:func:`source_checkout`);
    4. ``<name>`` in the working directory (e.g. after ``npm ci`` next to a deployment).

    The first that exists wins; when none does, the working-directory path is returned
    (the app then serves pages without the missing assets, as before).
    """
    value = os.environ.get(env, "").strip()
    if value:
        return Path(value)
    here = Path.cwd() if cwd is None else cwd
    checkout = source_checkout(start)
    candidates = [(bundled or BUNDLED) / name]
    if checkout is not None:
        candidates.append(checkout / name)
    candidates.append(here / name)
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return here / name


def _default_assets() -> Path:
    return locate("node_modules", "HEALTHGAP_ASSETS")


def _default_docs() -> Path:
    return locate("docs", "HEALTHGAP_DOCS")


@dataclass(frozen=True)
class Settings:
    """Where the data and app database live, and how sessions are secured.

    Attributes
    ----------
    store: path of the analytical store (DuckDB), opened read-only.
    db_url: SQLAlchemy URL of the app database (default :func:`healthgap.appdb.db.default_db_url`:
        ``$HEALTHGAP_DB``, else ``healthgap-app.db`` in the data directory).
    secret_key: signs session cookies; set ``HEALTHGAP_SECRET_KEY`` in production.
    secure_cookies: ``"auto"`` (default): cookies are ``Secure`` and responses carry HSTS
        when the request came over HTTPS (directly, or through a proxy whose
        ``X-Forwarded-Proto`` the server trusts, see ``trusted_proxies``); ``True``:
        always; ``False``: never (local development over plain HTTP).
    session_max_age: absolute lifetime of a sign-in, in seconds (8 hours).
    session_idle: a sign-in ends after this many seconds without a request (30 minutes).
    trusted_proxies: addresses whose ``X-Forwarded-For``/``-Proto`` headers are believed
        (``healthgap serve`` passes them to uvicorn); empty: none.
    assets: the ``node_modules`` folder holding govuk-frontend, vega, vega-lite, vega-embed.
    docs: the ``docs`` folder (methods pages are rendered from ``docs/methods``).
    page_cache: keep rendered anonymous ``GET`` responses until the data they read change
        (:mod:`healthgap.web.pagecache`); ``HEALTHGAP_PAGE_CACHE=0`` turns it off.
    network_key: the deployment's Ed25519 private key for its signed feed
        (``$HEALTHGAP_NETWORK_KEY``, else ``network-ed25519.pem`` in the data directory;
        made by ``healthgap network keygen``; keep it outside the repository).
    network_name: the publisher's name in the feed (``$HEALTHGAP_NETWORK_NAME``).
    """

    store: str | None = None
    db_url: str = field(default_factory=default_db_url)
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    secure_cookies: bool | Literal["auto"] = "auto"
    session_max_age: int = 8 * 3600
    session_idle: int = 30 * 60
    trusted_proxies: str = ""
    assets: Path = field(default_factory=_default_assets)
    docs: Path = field(default_factory=_default_docs)
    page_cache: bool = True
    network_key: Path | None = None
    network_name: str = field(
        default_factory=lambda: (
            os.environ.get("HEALTHGAP_NETWORK_NAME", "").strip() or "A healthgap deployment"
        )
    )

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from ``HEALTHGAP_STORE``, ``HEALTHGAP_DB``, ``HEALTHGAP_SECRET_KEY``,
        ``HEALTHGAP_SECURE_COOKIES`` (auto/1/0), ``HEALTHGAP_SESSION_MAX_AGE`` and
        ``HEALTHGAP_SESSION_IDLE`` (seconds), ``HEALTHGAP_TRUSTED_PROXIES``,
        ``HEALTHGAP_PAGE_CACHE`` (1/0), with explicit
        ``overrides`` (``None`` ignored)."""
        env: dict[str, object] = {}
        if os.environ.get("HEALTHGAP_STORE"):
            env["store"] = os.environ["HEALTHGAP_STORE"]
        if configured_db_url():
            env["db_url"] = configured_db_url()
        if os.environ.get("HEALTHGAP_SECRET_KEY"):
            env["secret_key"] = os.environ["HEALTHGAP_SECRET_KEY"]
        if os.environ.get("HEALTHGAP_SECURE_COOKIES"):
            flag = os.environ["HEALTHGAP_SECURE_COOKIES"].strip().lower()
            env["secure_cookies"] = "auto" if flag == "auto" else flag in ("1", "true", "yes")
        for name, key in (
            ("HEALTHGAP_SESSION_MAX_AGE", "session_max_age"),
            ("HEALTHGAP_SESSION_IDLE", "session_idle"),
        ):
            if os.environ.get(name):
                env[key] = int(os.environ[name])
        if os.environ.get("HEALTHGAP_TRUSTED_PROXIES"):
            env["trusted_proxies"] = os.environ["HEALTHGAP_TRUSTED_PROXIES"]
        if os.environ.get("HEALTHGAP_PAGE_CACHE"):
            flag = os.environ["HEALTHGAP_PAGE_CACHE"].strip().lower()
            env["page_cache"] = flag not in ("0", "false", "no", "off")
        if os.environ.get("HEALTHGAP_NETWORK_KEY"):
            env["network_key"] = Path(os.environ["HEALTHGAP_NETWORK_KEY"])
        env.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**env)  # type: ignore[arg-type]
