"""The public powers register: ``/framework`` and ``/api/v1/framework``."""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from healthgap.errors import InputError
from healthgap.framework.powers import (
    COMPETENCES,
    LEVERS,
    TIERS,
    Register,
)
from healthgap.web.deps import (
    StoreDep,
)
from healthgap.web.render import render
from healthgap.web.routers.framework.shared import (
    API,
    Format,
    _csv,
    _records,
    the_register,
)

router = APIRouter()


# ---------------------------------------------------------------------------- register
def register_view(
    reg: Register, tier: str | None = None, competence: str | None = None
) -> dict[str, Any]:
    """The register table and comparison matrix, filtered by tier and area of competence."""
    if tier and tier not in (*TIERS, "none"):
        raise InputError(
            f"tier must be one of {', '.join(TIERS)} or none; got {tier!r}. E.g. 'mayoral'."
        )
    if competence and competence not in COMPETENCES:
        raise InputError(
            f"competence must be one of {', '.join(COMPETENCES)}; got {competence!r}. "
            "E.g. 'health'."
        )
    chosen = [a for a in reg if not tier or (a.tier == tier if tier != "none" else a.tier is None)]
    table = reg.table()
    table = table[table["code"].isin([a.code for a in chosen])].reset_index(drop=True)
    matrix = reg.compare([a.code for a in chosen]) if chosen else pd.DataFrame()
    columns = [competence] if competence else [*COMPETENCES, "budgets"]
    return {"table": table, "matrix": matrix, "columns": columns, "chosen": chosen}


@router.get("/framework", response_class=HTMLResponse, include_in_schema=False)
def framework_page(request: Request, st: StoreDep, tier: str = "", competence: str = "") -> Any:
    reg = the_register(request, st)
    view = register_view(reg, tier or None, competence or None)
    rows = [
        {"code": a.code, "label": reg.label(a), "cells": view["matrix"].loc[reg.label(a)]}
        for a in view["chosen"]
    ]
    codes = [a.code for a in view["chosen"]]
    levers = reg.compare(codes, by="lever") if codes else pd.DataFrame()
    lever_rows = [
        {"code": a.code, "label": reg.label(a), "cells": levers.loc[reg.label(a)]}
        for a in view["chosen"]
    ]
    return render(
        request,
        "framework.html",
        {
            "reg": reg,
            "rows": rows,
            "lever_rows": lever_rows,
            "lever_labels": LEVERS,
            "former": reg.former,
            "table": view["table"].to_dict("records"),
            "columns": view["columns"],
            "labels": {**COMPETENCES, "budgets": "Budgets and settlements"},
            "tiers": TIERS,
            "tier": tier,
            "competence": competence,
            "competences": COMPETENCES,
        },
    )


@router.get(API, tags=["framework"], summary="The powers register and comparison matrix")
def api_register(
    request: Request,
    st: StoreDep,
    tier: str | None = None,
    competence: str | None = None,
    format: Format = "json",
) -> Any:
    reg = the_register(request, st)
    view = register_view(reg, tier, competence)
    if format == "csv":
        return _csv(view["table"], "framework-register")
    matrix = view["matrix"].reset_index()
    return {
        "data": _records(view["table"]),
        "matrix": _records(matrix[["authority", "tier", *view["columns"]]]) if len(matrix) else [],
        "sources": reg.sources,
        "meta": {"total": len(view["table"]), "tier": tier, "competence": competence},
    }
