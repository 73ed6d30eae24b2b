"""Settings of the web service, read from arguments or ``HEALTHGAP_*`` environment variables."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from healthgap.appdb.db import default_db_url

REPO = Path(__file__).resolve().parents[3]


def _default_assets() -> Path:
    return Path(os.environ.get("HEALTHGAP_ASSETS", REPO / "node_modules"))


def _default_docs() -> Path:
    return Path(os.environ.get("HEALTHGAP_DOCS", REPO / "docs"))


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
        ``HEALTHGAP_SESSION_IDLE`` (seconds), ``HEALTHGAP_TRUSTED_PROXIES``, with explicit
        ``overrides`` (``None`` ignored)."""
        env: dict[str, object] = {}
        if os.environ.get("HEALTHGAP_STORE"):
            env["store"] = os.environ["HEALTHGAP_STORE"]
        if os.environ.get("HEALTHGAP_DB"):
            env["db_url"] = os.environ["HEALTHGAP_DB"]
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
        if os.environ.get("HEALTHGAP_NETWORK_KEY"):
            env["network_key"] = Path(os.environ["HEALTHGAP_NETWORK_KEY"])
        env.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**env)  # type: ignore[arg-type]
