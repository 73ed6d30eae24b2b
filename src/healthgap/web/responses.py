"""Response helpers every router shares: JSON-ready records, CSV downloads, pagination,
the API's list parameters, and views that answer 404 when the store has nothing.

Routers import these from here, never from another router.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import pandas as pd
from fastapi import Query, Request, Response

from healthgap.errors import InputError
from healthgap.safe_csv import csv_text
from healthgap.web import viewmodels
from healthgap.web.deps import StoreHandle
from healthgap.web.errors import WebError

#: The formats a data endpoint answers in (``?format=``).
Format = Literal["json", "csv"]


def json_value(value: Any) -> Any:
    """A cell as JSON: NaN -> None, numpy scalars -> Python values."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return json_value(value.item())
    return value


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (NaN -> null)."""
    return [{str(k): json_value(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def csv_response(df: pd.DataFrame, name: str) -> Response:
    """``df`` as a CSV download."""
    return Response(
        csv_text(df),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


def page(
    request: Request,
    df: pd.DataFrame,
    limit: int,
    offset: int,
    extra: dict[str, Any],
    *,
    total: int | None = None,
) -> dict[str, Any]:
    """A paginated body: ``data``, ``meta`` (total, limit, offset) and ``links``.

    ``df`` holds every row, or (with ``total``, the number of rows in all) only the rows
    of this page, already selected by the database."""
    if total is None:
        total = len(df)
        chunk = df.iloc[offset : offset + limit]
    else:
        chunk = df

    def link(off: int) -> str:
        return str(request.url.include_query_params(limit=limit, offset=off))

    links = {
        "self": link(offset),
        "next": link(offset + limit) if offset + limit < total else None,
        "prev": link(max(0, offset - limit)) if offset > 0 else None,
    }
    return {
        **extra,
        "data": records(chunk),
        "meta": {"total": total, "limit": limit, "offset": offset},
        "links": links,
    }


Limit = Query(100, ge=1, le=1000, description="Rows per page.")
# Bounded so that no offset or id overflows a database integer (SQLite int64, PostgreSQL int4).
Offset = Query(0, ge=0, le=1_000_000_000, description="Rows to skip.")
Fmt = Query("json", description="json or csv.")


def area_profile(st: StoreHandle, area_code: str, breakdowns: bool = False) -> viewmodels.View:
    """The area profile, or a 404 when the store has no values for the area."""
    try:
        view: viewmodels.View = st.compute(
            viewmodels.area_profile, area_code, breakdowns=breakdowns
        )
    except InputError as exc:
        raise WebError(404, "not_found", str(exc)) from exc
    return view
