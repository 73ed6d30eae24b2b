"""The ledger in the web service: /ledger, /ledger/check, /ledger/import and
/api/v1/ledger/...; then the pages in Chromium with axe-core.

The numbers on the pages and in the API must equal :func:`healthgap.ledger.ledger_summary`
and :func:`healthgap.ledger.check_ledger` on the same app database; the totals are also
checked against the uploaded files themselves (summed here with pandas) and the
populations against the IMD 2019 File 6 populations in the store. Every ledger here is
SYNTHETIC (made-up commissioners, providers and amounts on real area codes), and says so.
"""

from __future__ import annotations

import html as html_lib
import io
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from healthgap.appdb.models import AuditEntry
from healthgap.geography import imd_lsoas
from healthgap.ledger import (
    SYNTHETIC_LABEL,
    LedgerFlow,
    check_ledger,
    import_ledger,
    ledger_summary,
    synthetic_ledger,
)
from healthgap.stats.inequality.concentration import ConcentrationIndex
from healthgap.web.app import create_app
from healthgap.web.routers.ledger import reading
from healthgap.web.settings import Settings
from tests.web import test_browser
from tests.web.browser import axe_violations, needs_chromium, shot, signed_in
from tests.web.chart_tables import chart_tables_agree
from tests.web.conftest import PASSWORD, check_page

#: The editor's authority in tests/web/conftest.py USERS (Birmingham).
OWN = "E08000025"
OTHER = "E06000001"
PAGES = [
    "/ledger",
    "/ledger?period=2024-25&programme=prevention",
    "/ledger?commissioner=SYNTHICB01&programme=mental+health",
    "/ledger/check",
]
TAG = "SYNTHETIC test data - not real spending"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def shared_app(
    store_path: Path, template_db: Path, tmp_path_factory: pytest.TempPathFactory
) -> Any:
    """An app whose database holds the SYNTHETIC example ledger (North East LADs).

    Overrides the conftest's ``shared_app`` for this module, so ``client`` and the
    browser ``server`` show a loaded ledger.
    """
    folder = tmp_path_factory.mktemp("ledger-web")
    db = folder / "app.db"
    shutil.copyfile(template_db, db)
    app = create_app(Settings(store=str(store_path), db_url=f"sqlite:///{db}"))
    alloc, flows = synthetic_ledger(store_path)
    alloc.to_csv(folder / "alloc.csv", index=False)
    flows.to_csv(folder / "flows.csv", index=False)
    with app.state.sessions() as s:
        import_ledger(s, folder / "alloc.csv", "allocations", user="test")
        import_ledger(s, folder / "flows.csv", "flows", store=store_path, user="test")
    app.state.flows_csv = folder / "flows.csv"
    return app


@pytest.fixture(scope="module")
def birmingham(store_path: Path) -> pd.DataFrame:
    """Eight Birmingham LSOAs (IMD 2019) spanning its deciles, with their populations."""
    lsoas = imd_lsoas(str(store_path), imd=2019)
    lsoas = lsoas[lsoas["lad_code"] == OWN].sort_values("lsoa_code")
    picked = lsoas.groupby("imd_decile", as_index=False).head(1).head(8)
    return picked.reset_index(drop=True)


def allocations_csv(commissioner: str = OWN, amount: str = "10000.00") -> bytes:
    return (
        "commissioner_code,commissioner_name,commissioner_type,period,programme,amount,"
        f"source_ref\n{commissioner},Test council ({TAG}),council,2024-25,prevention,"
        f"{amount},{TAG}: allocation\n"
    ).encode()


def flows_frame(lsoas: pd.DataFrame, commissioner: str = OWN) -> pd.DataFrame:
    """One SYNTHETIC flow per LSOA: £100 times (decile + 1), to two provider types."""
    n = len(lsoas)
    return pd.DataFrame(
        {
            "commissioner_code": commissioner,
            "provider_code": ["TESTVCS1" if i % 2 else "TESTTRUST1" for i in range(n)],
            "provider_type": ["voluntary_sector" if i % 2 else "nhs_trust" for i in range(n)],
            "programme": "prevention",
            "area_code": lsoas["lsoa_code"],
            "period": "2024-25",
            "amount": [f"{100 * (d + 1)}.25" for d in lsoas["imd_decile"]],
            "refund": "no",
            "source_ref": [f"{TAG}: invoice {i}" for i in range(n)],
        }
    )


def _upload(c: Any, content: bytes, name: str, kind: str = "flows", token: Any = None) -> Any:
    if token is None:
        token = c.get("/api/v1/session").json()["csrf_token"]
    data = {"kind": kind} if token is False else {"kind": kind, "csrf_token": token}
    return c.post("/ledger/import", data=data, files={"file": (name, content, "text/csv")})


def _audit(app: Any) -> list[AuditEntry]:
    with app.state.sessions() as s:
        return s.query(AuditEntry).order_by(AuditEntry.id).all()


def _flow_count(app: Any) -> int:
    with app.state.sessions() as s:
        return s.query(LedgerFlow).count()


def _cells(text: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", text))


# --------------------------------------------------------------------------- reading pages


@pytest.mark.parametrize("url", PAGES)
def test_ledger_pages_pass_structure_checks(client: Any, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 200, r.text
    check_page(r.text)
    chart_tables_agree(r.text)  # each chart's figures are in its table
    # the navigation entry (the current page's label is in GOV.UK's <strong> fallback)
    assert re.search(r'href="/ledger"[^>]*>(?:<strong[^>]*>)?Spending(?:</strong>)?</a>', r.text)


def test_page_and_api_equal_ledger_summary(client: Any, shared_app: Any, store_path: Path) -> None:
    with shared_app.state.sessions() as s:
        expected = {
            by: ledger_summary(s, str(store_path), by=by)
            for by in ("decile", "programme", "provider-type")
        }
        raw = ledger_summary(s, str(store_path), by="decile", disclose=False)
    page = _cells(client.get("/ledger").text)
    assert "SYNTHETIC example" in page and SYNTHETIC_LABEL in page
    for by, summary in expected.items():
        body = client.get(f"/api/v1/ledger/summary/{by}").json()
        assert body["by"] == by
        assert body["metadata"]["synthetic"] == summary.metadata["synthetic"]
        got = pd.DataFrame(body["data"])
        pd.testing.assert_frame_equal(
            got,
            summary.table.reset_index(drop=True),
            check_dtype=False,
            check_exact=False,
            rtol=1e-12,
        )
        for r in summary.table.to_dict("records"):
            assert f"{r['spend_pounds']:,.2f}" in page
            if pd.notna(r["spend_per_head"]):
                assert f"{r['spend_per_head']:,.2f}" in page
            if pd.notna(r["spend_per_need_weighted_head"]):
                assert f"{r['spend_per_need_weighted_head']:,.2f}" in page
        csv = client.get(f"/api/v1/ledger/summary/{by}?format=csv")
        assert csv.headers["content-type"].startswith("text/csv")
        # The synthetic ledger says so in the file name as well as in the content.
        assert f'filename="ledger-{by}-synthetic.csv"' in csv.headers["content-disposition"]
        assert set(pd.read_csv(io.StringIO(csv.text))["label"]) == {SYNTHETIC_LABEL}
        frame = pd.read_csv(io.StringIO(csv.text))
        assert frame["spend_pounds"].sum() == pytest.approx(
            summary.table["spend_pounds"].sum(), rel=1e-12
        )
    ci = expected["decile"].concentration
    assert ci is not None
    body = client.get("/api/v1/ledger/summary/decile").json()
    assert body["concentration_index"]["value"] == pytest.approx(ci.value, rel=1e-12)
    assert body["reading"] == reading(ci)
    assert reading(ci) in page
    # Outside reference: the total equals the SYNTHETIC flows file, summed here.
    flows = pd.read_csv(shared_app.state.flows_csv, dtype={"amount": str})
    total = sum(round(float(a) * 100) for a in flows["amount"]) / 100
    assert expected["decile"].table["spend_pounds"].sum() == pytest.approx(total, rel=1e-12)
    assert f"£{total:,.2f}" in page
    # Disclosure: populations on the page and in the API are the disclosed ones (rounded
    # to 5), not the raw sums.
    pops = pd.DataFrame(body["data"])["population"]
    assert (pops.dropna() % 5 == 0).all()
    assert not (raw.table["population"] % 5 == 0).all()  # the raw sums are not all rounded
    assert list(pops) == list(expected["decile"].table["population"])
    areas = client.get("/api/v1/ledger/areas").json()["data"]
    assert all(a["population"] is None or a["population"] % 5 == 0 for a in areas)
    assert len(areas) == ci.n


def test_filters(client: Any, shared_app: Any, store_path: Path) -> None:
    with shared_app.state.sessions() as s:
        want = ledger_summary(s, str(store_path), by="decile", programme="prevention")
    body = client.get("/api/v1/ledger/summary/decile?programme=prevention").json()
    assert [d["spend_pounds"] for d in body["data"]] == pytest.approx(
        list(want.table["spend_pounds"]), rel=1e-12
    )
    assert body["metadata"]["programme"] == "prevention"
    page = _cells(client.get("/ledger?programme=prevention").text)
    assert f"{want.table['spend_pounds'].sum():,.2f}" in page
    assert '<option value="prevention" selected>' in client.get("/ledger?programme=prevention").text


def test_filter_and_api_errors(client: Any) -> None:
    r = client.get("/ledger?period=1999-00")
    assert r.status_code == 400
    check_page(r.text)
    assert "There is a problem" in r.text
    assert "period must be one the ledger holds (2024-25); got &#39;1999-00&#39;" in r.text
    err = client.get("/api/v1/ledger/summary/decile?commissioner=nobody").json()["error"]
    assert err["code"] == "invalid_input"
    assert re.search(
        r"commissioner must be one the ledger holds \(SYNTHICB01\); got 'NOBODY'", err["message"]
    )
    err = client.get("/api/v1/ledger/summary/postcode").json()["error"]
    assert err["code"] == "not_found"
    assert (
        "the breakdown must be one of decile, core20, provider-type, programme; got 'postcode'"
        in err["message"]
    )
    err = client.get("/api/v1/ledger/check?format=xml").json()["error"]
    assert "format must be json or csv; got 'xml'" in err["message"]
    # Core20 needs LSOA flows; the SYNTHETIC example is by LAD.
    err = client.get("/api/v1/ledger/summary/core20").json()["error"]
    assert (
        "the core20 breakdown must use flows to LSOAs (Core20 is the most deprived 20% of "
        "LSOAs in England); got flows to LAD areas. Use the decile breakdown for LAD areas."
    ) in err["message"]
    assert "Core20 against the rest: the core20 breakdown must use flows to LSOAs" in _cells(
        client.get("/ledger").text
    )


def test_check_page_and_api_equal_check_ledger(client: Any, shared_app: Any) -> None:
    with shared_app.state.sessions() as s:
        result = check_ledger(s)
    body = client.get("/api/v1/ledger/check").json()
    assert body["ok"] is True and body["problems"] == []
    assert [d["allocated_pence"] for d in body["data"]] == list(result.table["allocated_pence"])
    assert [d["flows_pence"] for d in body["data"]] == list(result.table["flows_pence"])
    page = _cells(client.get("/ledger/check").text)
    assert "All checks pass" in page
    assert f"The loaded ledger is the SYNTHETIC example ({SYNTHETIC_LABEL})" in page
    for r in result.table.to_dict("records"):
        assert f"{int(r['remaining_pence']) / 100:,.2f}" in page
    csv = pd.read_csv(io.StringIO(client.get("/api/v1/ledger/check?format=csv").text))
    assert list(csv["remaining_pence"]) == list(result.table["remaining_pence"])


def test_empty_ledger(clients: Callable[[str], Any]) -> None:
    c = clients("anonymous")
    r = c.get("/ledger")
    assert r.status_code == 200
    check_page(r.text)
    assert "No spending has been published in the ledger yet" in r.text
    err = c.get("/api/v1/ledger/summary/decile").json()["error"]
    assert "the ledger must hold flows for the report; got none" in err["message"]
    r = c.get("/ledger/check")
    check_page(r.text)
    assert "the ledger is empty" in r.text
    assert "SYNTHETIC" not in r.text


def test_reading_wording() -> None:
    def ci(value: float, lower: float, upper: float) -> ConcentrationIndex:
        return ConcentrationIndex(value, 0.01, lower, upper, 0.95, 10, 1.0)

    assert reading(ci(-0.2, -0.3, -0.1)).startswith("More is spent per head where need is higher")
    assert reading(ci(0.2, 0.1, 0.3)).startswith("More is spent per head where need is lower")
    assert "no clear leaning" in reading(ci(0.01, -0.02, 0.04))
    assert "95% confidence interval -0.300 to -0.100, 10 areas" in reading(ci(-0.2, -0.3, -0.1))
    assert "at least two areas" in reading(None)


# --------------------------------------------------------------------------- importing


def test_editor_imports_own_files_with_lsoa_report(
    clients: Callable[[str], Any], app: Any, birmingham: pd.DataFrame, store_path: Path
) -> None:
    c = clients("editor")
    r = c.get("/ledger/import")
    assert r.status_code == 200
    check_page(r.text)
    assert f"your authority's code, {OWN}" in r.text
    r = _upload(c, allocations_csv(), "alloc.csv", "allocations")
    assert r.status_code == 200, r.text
    check_page(r.text)
    assert "Imported alloc.csv (allocations): 1 rows added" in r.text
    flows = flows_frame(birmingham)
    buf = io.BytesIO()
    flows.to_excel(buf, index=False)
    r = _upload(c, buf.getvalue(), "flows.xlsx")
    assert r.status_code == 200, r.text
    assert f"{len(flows)} rows added" in r.text
    again = _upload(c, buf.getvalue(), "flows.xlsx")
    assert "already imported (same contents)" in again.text
    entries = [e for e in _audit(app) if e.entity.startswith("ledger_")]
    assert [(e.entity, e.user_email, e.action) for e in entries] == [
        ("ledger_allocations", "editor@example.org", "import"),
        ("ledger_flows", "editor@example.org", "import"),
    ]
    # Core20 and deciles on LSOAs: spend and population against the file and IMD 2019.
    spend = flows.assign(pence=[round(float(a) * 100) for a in flows["amount"]])
    spend = spend.merge(birmingham, left_on="area_code", right_on="lsoa_code")
    core = spend[spend["imd_decile"] <= 2]
    body = c.get("/api/v1/ledger/summary/core20").json()
    row = next(d for d in body["data"] if d["core20"] == "Core20")
    assert row["spend_pounds"] == pytest.approx(core["pence"].sum() / 100, rel=1e-12)
    raw_pop = float(core["population"].sum())
    assert row["population"] == 5 * round(raw_pop / 5)  # disclosed: rounded to 5
    with app.state.sessions() as s:
        want = ledger_summary(s, str(store_path), by="core20")
    assert [d["spend_per_head"] for d in body["data"]] == pytest.approx(
        list(want.table["spend_per_head"]), rel=1e-12, nan_ok=True
    )
    page = c.get("/ledger")
    check_page(page.text)
    assert "SYNTHETIC example" not in page.text  # not the example ledger
    assert "Core20" in page.text and "Rest" in page.text


def test_rejected_import_lists_every_problem(
    clients: Callable[[str], Any], app: Any, birmingham: pd.DataFrame
) -> None:
    c = clients("admin")
    assert (
        _upload(c, allocations_csv(amount="100.00"), "alloc.csv", "allocations").status_code == 200
    )
    flows = flows_frame(birmingham.head(3))
    flows.loc[1, "area_code"] = "E01999999"
    flows.loc[2, "amount"] = "-5.00"
    r = _upload(c, flows.to_csv(index=False).encode(), "bad.csv")
    assert r.status_code == 400
    check_page(r.text)
    text = _cells(r.text)
    assert "There is a problem" in text and "Nothing was imported" in text
    assert "bad.csv row 3, column area_code: must be an English LSOA, LAD, UTLA or ICB code" in text
    assert (
        "bad.csv row 4, column amount: must not be negative unless the row is marked "
        "refund=yes; got '-5.00'" in text
    )
    # the file's first row alone (£100 x (decile + 1) + 25p) exceeds the £100 allocation
    assert "must not exceed its allocation of £100.00" in text
    assert "<caption" in r.text and "Problems found in bad.csv (3)" in text
    assert _flow_count(app) == 0
    assert not [e for e in _audit(app) if e.entity == "ledger_flows"]
    r = _upload(c, b"commissioner_code,amount\nX,1\n", "cols.csv", "allocations")
    assert r.status_code == 400
    assert "the allocations file must have a column &#39;period&#39;" in r.text
    r = _upload(c, b"a,b", "x.pdf", "allocations")
    assert (
        r.status_code == 400
        and "ledger file must be .csv, .parquet or .xlsx; got &#39;x.pdf&#39;" in r.text
    )
    r = c.post("/ledger/import", data={"csrf_token": c.get("/api/v1/session").json()["csrf_token"]})
    assert r.status_code == 400
    assert "Select the kind of ledger file" in r.text and "Select a file to import" in r.text


def test_editor_may_not_import_other_commissioners(
    clients: Callable[[str], Any], app: Any, birmingham: pd.DataFrame
) -> None:
    c = clients("editor")
    mixed = allocations_csv() + allocations_csv(OTHER).split(b"\n", 1)[1]
    r = _upload(c, mixed, "mixed.csv", "allocations")
    assert r.status_code == 403
    check_page(r.text)
    assert (
        f"mixed.csv row 3, column commissioner_code: must be your own authority&#39;s code {OWN}"
        in r.text
    )
    assert "row 2," not in r.text  # the own row is not listed
    with app.state.sessions() as s:
        assert check_ledger(s).table.empty  # nothing stored, not even the own row


# --------------------------------------------------------------------------- permissions

ROLE_STATUS = {
    "anonymous": 401,
    "viewer": 403,
    "editor": 200,
    "other_editor": 403,  # the file's rows are the editor's authority, not theirs
    "admin": 200,
}

#: The upload form: any editor or administrator may open it.
FORM_STATUS = {**ROLE_STATUS, "other_editor": 200}


@pytest.mark.parametrize("role", list(ROLE_STATUS))
def test_permission_matrix(clients: Callable[[str], Any], app: Any, role: str) -> None:
    c = clients(role)
    form = c.get("/ledger/import")
    assert form.status_code == FORM_STATUS[role]
    r = _upload(c, allocations_csv(), "alloc.csv", "allocations")
    assert r.status_code == ROLE_STATUS[role], r.text
    with app.state.sessions() as s:
        stored = len(check_ledger(s).table)
    assert stored == (1 if ROLE_STATUS[role] == 200 else 0)
    imports = [e for e in _audit(app) if e.entity == "ledger_allocations"]
    assert len(imports) == stored
    if role == "anonymous":
        assert "must be done by a signed-in user" in r.text
    elif role == "viewer":
        assert (
            "must be imported by an administrator or an editor of an authority; got viewer"
            in html_lib.unescape(r.text)
        )
    elif role == "other_editor":
        assert f"must be your own authority's code {OTHER}" in html_lib.unescape(r.text)
    # Without the CSRF token nobody may write (those without the permission are refused
    # for that first: the route's declared permission is checked before anything else).
    r = _upload(c, allocations_csv(), "alloc2.csv", "allocations", token=False)
    if role in ("anonymous", "viewer"):
        assert r.status_code == ROLE_STATUS[role]
    else:
        assert r.status_code == 403
        assert "must carry this session&#39;s CSRF token; got none" in r.text


# --------------------------------------------------------------------------- browser


@needs_chromium
@pytest.mark.parametrize("url", ["/ledger", "/ledger/check"])
def test_ledger_pages_pass_axe(server: str, browser: Any, url: str) -> None:
    test_browser.test_page_in_chromium_passes_axe(server, browser, url)


@needs_chromium
def test_import_page_passes_axe(server: str, browser: Any) -> None:
    """The import page signed in as an administrator, after a rejected upload."""
    page = signed_in(
        browser, server, "admin@example.org", PASSWORD, viewport={"width": 1100, "height": 900}
    )
    page.goto(server + "/ledger/import")
    page.set_input_files(
        "#file",
        files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": allocations_csv(amount="-1")}],
    )
    page.check("#kind-allocations")
    page.click("form[action='/ledger/import'] button[type=submit]")
    assert "There is a problem" in page.content()
    bad = axe_violations(page)
    shot(page, "ledger_import")
    page.close()
    assert not bad, bad
