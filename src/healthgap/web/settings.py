"""Settings of the web service, read from arguments or ``HEALTHGAP_*`` environment variables."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

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
    secure_cookies: add ``Secure`` to cookies (on behind HTTPS).
    assets: the ``node_modules`` folder holding govuk-frontend, vega, vega-lite, vega-embed.
    docs: the ``docs`` folder (methods pages are rendered from ``docs/methods``).
    """

    store: str | None = None
    db_url: str = field(default_factory=default_db_url)
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    secure_cookies: bool = False
    session_max_age: int = 8 * 3600
    assets: Path = field(default_factory=_default_assets)
    docs: Path = field(default_factory=_default_docs)

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from ``HEALTHGAP_STORE``, ``HEALTHGAP_DB``, ``HEALTHGAP_SECRET_KEY``,
        ``HEALTHGAP_SECURE_COOKIES`` (1/0), with explicit ``overrides`` (``None`` ignored)."""
        env: dict[str, object] = {}
        if os.environ.get("HEALTHGAP_STORE"):
            env["store"] = os.environ["HEALTHGAP_STORE"]
        if os.environ.get("HEALTHGAP_DB"):
            env["db_url"] = os.environ["HEALTHGAP_DB"]
        if os.environ.get("HEALTHGAP_SECRET_KEY"):
            env["secret_key"] = os.environ["HEALTHGAP_SECRET_KEY"]
        if os.environ.get("HEALTHGAP_SECURE_COOKIES"):
            env["secure_cookies"] = os.environ["HEALTHGAP_SECURE_COOKIES"] == "1"
        env.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**env)  # type: ignore[arg-type]
