"""The partnership view (/partnerships): every ICB's strategic authorities and every
strategic authority's ICBs, with the overlap in people and neighbourhoods both ways, as a
table and CSV (the same figures as :func:`healthgap.framework.powers.authorities_of_icbs`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import APIRouter, Request

from healthgap.framework.powers import authorities_of_icbs
from healthgap.web.deps import StoreDep
from healthgap.web.render import render
from healthgap.web.responses import Fmt, Format, csv_response, records

router = APIRouter()

COLUMNS = [
    "icb_code",
    "icb_name",
    "strategic_authority_code",
    "strategic_authority_name",
    "lsoas",
    "population",
    "share_of_icb",
    "share_of_strategic_authority",
]


def partnerships(st: Any) -> pd.DataFrame:
    """Each (ICB, strategic authority) pair that share people, largest share of ICB first."""
    out = authorities_of_icbs(st)[COLUMNS]
    return out.sort_values(["icb_code", "share_of_icb"], ascending=[True, False]).reset_index(
        drop=True
    )


def _groups(df: pd.DataFrame, key: str, name: str) -> list[dict[str, Any]]:
    return [
        {"code": code, "name": rows[name].iloc[0], "rows": rows.to_dict("records")}
        for code, rows in df.groupby(key, sort=True)
    ]


@router.get("/partnerships", include_in_schema=False)
def partnerships_page(request: Request, st: StoreDep) -> Any:
    df = st.compute(partnerships)
    by_authority = df.sort_values(
        ["strategic_authority_code", "share_of_strategic_authority"], ascending=[True, False]
    )
    return render(
        request,
        "partnerships.html",
        {
            "icbs": _groups(df, "icb_code", "icb_name"),
            "authorities": _groups(
                by_authority, "strategic_authority_code", "strategic_authority_name"
            ),
            "csv": "/api/v1/partnerships?format=csv",
        },
    )


@router.get(
    "/api/v1/partnerships", tags=["api"], summary="ICBs and strategic authorities that overlap"
)
def partnerships_api(st: StoreDep, format: Format = Fmt) -> Any:
    """Every (ICB, strategic authority) pair sharing people: LSOAs (2021), mid-2015
    population, and the population share of each side."""
    df = st.compute(partnerships)
    if format == "csv":
        return csv_response(df, "partnerships")
    return {"data": records(df)}
