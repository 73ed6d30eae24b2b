"""Published data stay as published; uploads are local datasets owned by an authority.

Each test here reproduces a hole found by probing the service (issue 17): an editor of
one authority overwrote ONS's healthy life expectancy of the North East region with one
uploaded row, an upload renamed a real area, ``/sources`` listed an upload as
"nan nan nan", and an upload could not be withdrawn.

The reference values are read from the store before any upload (they are ONS's figures
as loaded by ``healthgap init`` from the mirror file
hle_le/ons_hle_birth_local_areas_2011_2024.csv); uploaded values are synthetic (99.0,
labelled as such), chosen to be far from any real HLE.
"""

from __future__ import annotations

import io
import re
import shutil
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette: httpx -> httpx2 notice
    from fastapi.testclient import TestClient

from healthgap.appdb.auth import add_user
from healthgap.appdb.models import AuditEntry
from healthgap.data.loading import table_checksum
from healthgap.web.app import create_app
from healthgap.web.settings import Settings
from tests.web.browser import axe_violations, needs_chromium, shot, visit, watch_console
from tests.web.conftest import PASSWORD, check_page, sign_in

#: The probe: an editor of a combined authority (Greater Manchester, E47000001).
GM_EDITOR = "gm.editor@example.org"
HEADER = "indicator_id,area_code,area_name,area_type,sex,age,period,value\n"


@pytest.fixture
def app(store_path: Path, template_db: Path, tmp_path: Path) -> Any:
    """An app on its own copy of the session store and database, plus a GM editor."""
    store = tmp_path / "store.duckdb"
    shutil.copyfile(store_path, store)
    db = tmp_path / "app.db"
    shutil.copyfile(template_db, db)
    app = create_app(Settings(store=str(store), db_url=f"sqlite:///{db}"))
    with app.state.sessions() as s:
        add_user(s, GM_EDITOR, PASSWORD, "editor", "E47000001")
        s.commit()
    return app


def _client(app: Any, email: str | None) -> TestClient:
    c = TestClient(app)
    if email is not None:
        assert sign_in(c, email).status_code == 303
    return c


def _upload(c: TestClient, content: str, name: str = "local.csv") -> Any:
    token = c.get("/api/v1/session").json()["csrf_token"]
    return c.post(
        "/imports",
        data={"format": "csv", "csrf_token": token},
        files={"file": (name, content.encode(), "text/csv")},
    )


def _state(app: Any) -> tuple[Any, ...]:
    """Checksums of the published tables (``indicators``, ``areas``, ``datasets``)."""
    path = app.state.settings.store
    app.state.store.close()  # let this test open the file
    return tuple(table_checksum(path, t) for t in ("indicators", "areas", "datasets"))


def _audit(app: Any) -> list[AuditEntry]:
    with app.state.sessions() as s:
        return s.query(AuditEntry).order_by(AuditEntry.id).all()


def _north_east(c: TestClient) -> dict[str, Any]:
    rows = c.get("/api/v1/hle-gap?period=2022-2024&limit=100").json()["data"]
    (row,) = [r for r in rows if r["area_code"] == "E12000001"]
    return row


NE_ROW = "hle_birth,E12000001,North East,region,Male,All ages,2022-2024,99.0\n"


def test_an_editor_cannot_upload_rows_outside_their_footprint(app: Any) -> None:
    anonymous = _client(app, None)
    published = _north_east(anonymous)
    before = _state(app)
    c = _client(app, GM_EDITOR)
    # line 2 is in Greater Manchester (Manchester, E08000003); line 3 is the North East
    content = HEADER + "hle_birth,E08000003,Manchester,lad,Male,All ages,2022-2024,99.0\n" + NE_ROW
    r = _upload(c, content)
    assert r.status_code == 400, r.text[:2000]
    check_page(r.text)
    text = re.sub(r"\s+", " ", r.text)
    assert "Nothing was imported" in text
    assert "local.csv, line 3, column &#39;area_code&#39;" in text
    assert "E12000001" in text and "E47000001" in text
    assert "line 2," not in text  # the Manchester row is inside the footprint
    assert _state(app) == before
    assert _audit(app) == []
    assert _north_east(anonymous) == published
    assert published["value"] == 57.0  # ONS's figure for the North East, 2022-2024


def test_a_local_value_never_replaces_a_published_value(app: Any) -> None:
    anonymous = _client(app, None)
    published = _north_east(anonymous)
    before = _state(app)
    r = _upload(_client(app, "admin@example.org"), HEADER + NE_ROW)
    assert r.status_code == 200, r.text[:2000]
    assert _state(app) == before  # the published tables are untouched
    assert _north_east(anonymous) == published
    home = anonymous.get("/").text
    assert "99.0" not in home
    # the area page shows both values side by side, each labelled with its source
    page = anonymous.get("/areas/E12000001")
    assert page.status_code == 200
    check_page(page.text)
    text = re.sub(r"\s+", " ", page.text)
    assert "Local data" in text
    local = text.split("Local data", 1)[1]
    assert "99.0" in local and "57.0" in local
    assert "ons_hle_local_areas" in local and "local.csv" in local
    api = anonymous.get("/api/v1/areas/E12000001/local").json()["data"]
    (row,) = api
    assert row["local_value"] == 99.0 and row["published_value"] == 57.0
    assert row["published_source"] == "ons_hle_local_areas"
    assert row["owner"] == "all areas (administrator)"


def test_an_upload_cannot_rename_a_real_area(app: Any) -> None:
    before = _state(app)
    content = HEADER + "hle_birth,E06000001,Renamed Town,utla,Male,All ages,2022-2024,99.0\n"
    r = _upload(_client(app, "admin@example.org"), content)
    assert r.status_code == 200, r.text[:2000]
    assert _state(app) == before
    anonymous = _client(app, None)
    page = anonymous.get("/areas/E06000001").text
    assert "Renamed Town" not in page
    assert "<h1" in page and "Hartlepool" in page
    names = pd.read_csv(io.StringIO(anonymous.get("/api/v1/areas?format=csv").text))
    assert set(names.loc[names["area_code"] == "E06000001", "area_name"].dropna()) == {"Hartlepool"}


def test_sources_lists_every_dataset_with_its_provenance(app: Any) -> None:
    content = HEADER + "hle_birth,E08000025,Birmingham,lad,Male,All ages,2022-2024,99.0\n"
    r = _upload(_client(app, "editor@example.org"), content, "bham.csv")
    assert r.status_code == 200, r.text[:2000]
    page = _client(app, None).get("/sources")
    check_page(page.text)
    assert not re.search(r"\bnan\b", page.text, re.IGNORECASE)
    text = re.sub(r"\s+", " ", page.text)
    assert "Published datasets" in text and "Local datasets" in text
    local = text.split("Local datasets", 1)[1]
    assert "bham.csv" in local and "E08000025" in local and "editor@example.org" in local
    published = _client(app, None).get("/api/v1/sources?limit=1000").json()["data"]
    assert all(d["publisher"] for d in published)
    assert "ons_hle_local_areas" in {d["id"] for d in published}


def test_a_withdrawn_upload_restores_exactly_what_was_there(app: Any) -> None:
    before = _state(app)
    owner = _client(app, "editor@example.org")
    local_before = _client(app, None).get("/api/v1/areas/E08000025/local").json()["data"]
    content = HEADER + "hle_birth,E08000025,Birmingham,lad,Male,All ages,2022-2024,99.0\n"
    r = _upload(owner, content, "bham.csv")
    assert r.status_code == 200, r.text[:2000]
    (dataset,) = re.findall(r'action="/imports/([^"/]+)/withdraw"', r.text)
    assert _client(app, None).get("/api/v1/areas/E08000025/local").json()["data"]
    # another authority's editor may not withdraw it
    other = _client(app, "other@example.org")
    token = other.get("/api/v1/session").json()["csrf_token"]
    refused = other.post(f"/imports/{dataset}/withdraw", data={"csrf_token": token})
    assert refused.status_code == 403
    token = owner.get("/api/v1/session").json()["csrf_token"]
    done = owner.post(f"/imports/{dataset}/withdraw", data={"csrf_token": token})
    assert done.status_code == 200, done.text[:2000]
    check_page(done.text)
    assert _client(app, None).get("/api/v1/areas/E08000025/local").json()["data"] == local_before
    assert _state(app) == before
    imported, withdrawn = _audit(app)
    assert (imported.action, withdrawn.action) == ("import", "withdraw")
    assert imported.entity_id == withdrawn.entity_id == dataset
    assert withdrawn.before["status"] == "active" and withdrawn.before["rows"] == 1
    assert withdrawn.after["status"] == "withdrawn"
    assert withdrawn.after["withdrawn_by"] == "editor@example.org"
    # the audit page links each entry to the dataset's line on /sources
    page = _client(app, "admin@example.org").get("/audit")
    assert page.status_code == 200
    check_page(page.text)
    assert page.text.count(f'<a class="govuk-link" href="/sources#local">{dataset}</a>') == 2


def test_an_administrator_uploads_for_a_named_authority(app: Any) -> None:
    admin = _client(app, "admin@example.org")
    token = admin.get("/api/v1/session").json()["csrf_token"]
    content = HEADER + "hle_birth,E06000001,Hartlepool,utla,Male,All ages,2022-2024,99.0\n"

    def post(authority: str) -> Any:
        return admin.post(
            "/imports",
            data={"format": "csv", "csrf_token": token, "authority": authority},
            files={"file": ("h.csv", content.encode(), "text/csv")},
        )

    bad = post("Hartlepool")
    assert bad.status_code == 400
    check_page(bad.text)
    assert "Enter the authority as its 9-character ONS code" in bad.text
    assert 'href="#authority"' in bad.text
    r = post("e06000001")
    assert r.status_code == 200, r.text[:2000]
    text = re.sub(r"\s+", " ", r.text)
    assert 'Owner</dt><dd class="govuk-summary-list__value">E06000001<' in text
    (dataset,) = re.findall(r'action="/imports/([^"/]+)/withdraw"', r.text)
    # the owner authority's editor may withdraw it; the other editor may not
    other = _client(app, "editor@example.org")
    token2 = other.get("/api/v1/session").json()["csrf_token"]
    assert (
        other.post(f"/imports/{dataset}/withdraw", data={"csrf_token": token2}).status_code == 403
    )
    owner = _client(app, "other@example.org")
    token3 = owner.get("/api/v1/session").json()["csrf_token"]
    assert (
        owner.post(f"/imports/{dataset}/withdraw", data={"csrf_token": token3}).status_code == 200
    )
    # a bad dataset id is a 404, a second withdrawal a 409
    assert owner.post("/imports/nope/withdraw", data={"csrf_token": token3}).status_code == 404
    missing = owner.post("/imports/local-99999/withdraw", data={"csrf_token": token3})
    assert missing.status_code == 404
    assert "dataset must be a local dataset in the store; got &#39;local-99999&#39;" in missing.text
    again = owner.post(f"/imports/{dataset}/withdraw", data={"csrf_token": token3})
    assert again.status_code == 409 and "must be active to be withdrawn" in again.text


@pytest.fixture(scope="module")
def browser_app(store_path: Path, template_db: Path, tmp_path_factory: Any) -> Any:
    """An app whose store holds one local dataset (for the pages in Chromium)."""
    folder = tmp_path_factory.mktemp("layers-web")
    store = folder / "store.duckdb"
    shutil.copyfile(store_path, store)
    db = folder / "app.db"
    shutil.copyfile(template_db, db)
    app = create_app(Settings(store=str(store), db_url=f"sqlite:///{db}"))
    r = _upload(_client(app, "admin@example.org"), HEADER + NE_ROW, "north_east.csv")
    assert r.status_code == 200, r.text[:2000]
    return app


@needs_chromium
@pytest.mark.parametrize("url", ["/areas/E12000001", "/sources"])
def test_local_data_pages_in_chromium_pass_axe(server: str, browser: Any, url: str) -> None:
    ctx = browser.new_context(viewport={"width": 1100, "height": 900})
    page = ctx.new_page()
    errors = watch_console(page)
    visit(page, server + url)
    check_page(page.content())
    assert "local-00001" in page.content()
    assert axe_violations(page) == []
    shot(page, "local-data-" + url.strip("/").replace("/", "-"))
    ctx.close()
    assert not errors, errors
