"""The imports page: who may use it, a good file (loaded, shown, audited), bad files (nothing
loaded, every problem in the error summary), size limit and CSRF; then the pages in
Chromium with axe-core.

The expected numbers come from the files themselves, read here with pandas and hashlib,
not from the app: tests/data/fingertips_sample.csv (8 rows of a Fingertips download) and
synthetic files built in the tests (labelled synthetic).
"""

from __future__ import annotations

import hashlib
import html as html_lib
import io
import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from healthgap.appdb.models import AuditEntry
from healthgap.data.loading import table_checksum
from healthgap.data.store import open_store
from healthgap.web.app import create_app
from healthgap.web.routers import imports
from healthgap.web.settings import Settings
from tests.web.browser import axe_violations, needs_chromium, signed_in, visit, watch_console
from tests.web.conftest import PASSWORD, USERS, check_page

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "tests" / "data" / "fingertips_sample.csv"
MALFORMED = REPO / "tests" / "data" / "malformed"
#: Pages of this module checked in Chromium (each also rendered and checked below).
PAGES = ["/imports"]


def _app_on_copies(store_path: Path, template_db: Path, folder: Path) -> Any:
    """An app on its own copy of the session store (imports write to it) and database."""
    store = folder / "store.duckdb"
    shutil.copyfile(store_path, store)
    db = folder / "app.db"
    shutil.copyfile(template_db, db)
    return create_app(Settings(store=str(store), db_url=f"sqlite:///{db}"))


@pytest.fixture
def app(store_path: Path, template_db: Path, tmp_path: Path) -> Any:
    """Overrides the conftest's ``app`` so ``clients`` use a store this test may write."""
    return _app_on_copies(store_path, template_db, tmp_path)


def _upload(c: Any, content: bytes, name: str, kind: str = "fingertips", token: Any = None) -> Any:
    if token is None:
        token = c.get("/api/v1/session").json()["csrf_token"]
    data = {"format": kind} if token is False else {"format": kind, "csrf_token": token}
    return c.post("/imports", data=data, files={"file": (name, content, "text/csv")})


def _imported(app: Any, source_id: str) -> pd.DataFrame:
    app.state.store.close()
    store = open_store(app.state.settings.store)
    try:
        con = store.backend.con
        return con.execute(
            "SELECT * FROM indicators WHERE source_id = ? ORDER BY area_code", [source_id]
        ).df()
    finally:
        store.close()


def _checksum(app: Any, table: str = "indicators") -> tuple[int, int]:
    app.state.store.close()  # the app holds the file open for writing after an upload
    return table_checksum(app.state.settings.store, table)


def _local(app: Any, dataset: str) -> pd.DataFrame:
    app.state.store.close()  # the app holds the file open for writing after an upload
    store = open_store(app.state.settings.store)
    try:
        return store.backend.con.execute(
            "SELECT * FROM local_indicators WHERE source_id = ? ORDER BY area_code", [dataset]
        ).df()
    finally:
        store.close()


def _audit(app: Any) -> list[AuditEntry]:
    with app.state.sessions() as s:
        return s.query(AuditEntry).order_by(AuditEntry.id).all()


def _summary_items(html: str) -> list[str]:
    body = html.split('govuk-error-summary__list">', 1)[1].split("</ul>", 1)[0]
    items = re.findall(r"<li>(.*?)</li>", body)
    return [html_lib.unescape(re.sub(r"<[^>]+>", "", li)).strip() for li in items]


# ----------------------------------------------------------------------------- who may


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("viewer", 403), ("editor", 200), ("other_editor", 200), ("admin", 200)],
)
def test_only_editors_and_administrators_see_the_form(clients, role: str, status: int) -> None:
    r = clients(role).get("/imports")
    assert r.status_code == status
    check_page(r.text)
    if status == 200:
        assert 'enctype="multipart/form-data"' in r.text and 'name="csrf_token"' in r.text
    elif role == "anonymous":
        assert "Sign in at /sign-in" in r.text
    else:
        assert "data must be imported by an administrator or an editor; got viewer" in r.text


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("viewer", 403)])
def test_others_cannot_import(app, clients, role: str, status: int) -> None:
    before = _checksum(app)
    r = _upload(clients(role), SAMPLE.read_bytes(), SAMPLE.name)
    assert r.status_code == status
    check_page(r.text)
    assert _checksum(app) == before
    assert _audit(app) == []


def test_the_form_needs_the_csrf_token(app, clients) -> None:
    c = clients("editor")
    for token, words in [(False, "got none"), ("forged", "a token that does not match")]:
        r = _upload(c, SAMPLE.read_bytes(), SAMPLE.name, token=token)
        assert r.status_code == 403
        check_page(r.text)
        assert words in r.text
    assert _imported(app, "import:fingertips_sample.csv").empty


def test_the_page_is_in_the_service_navigation(clients) -> None:
    assert 'href="/imports"' in clients("editor").get("/").text


# ----------------------------------------------------------------------------- a good file


def _hartlepool() -> bytes:
    """The sample's rows for Hartlepool (E06000001), the other editor's own area."""
    frame = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    return frame[frame["Area Code"] == "E06000001"].to_csv(index=False).encode()


def test_a_good_file_is_loaded_shown_and_audited(app, clients) -> None:
    content = _hartlepool()
    expected = pd.read_csv(io.BytesIO(content))  # the reference: the file itself
    assert len(expected) == 2
    c = clients("other_editor")
    r = _upload(c, content, "hartlepool.csv")
    assert r.status_code == 200, r.text[:2000]
    page = check_page(r.text)
    assert page.title.startswith("Import data")
    assert "govuk-panel--confirmation" in r.text
    assert "2 rows loaded from hartlepool.csv as local dataset <strong>local-00001" in r.text
    digest = hashlib.sha256(content).hexdigest()
    assert digest in r.text

    rows = _local(app, "local-00001")
    assert sorted(rows["area_code"]) == sorted(expected["Area Code"])
    for tidy, column in [
        ("value", "Value"),
        ("lower_95_0", "Lower CI 95.0 limit"),
        ("upper_95_0", "Upper CI 95.0 limit"),
    ]:
        got = sorted(rows[tidy])
        assert got == pytest.approx(sorted(expected[column]), rel=1e-12), tidy
    assert _imported(app, "local-00001").empty  # the published table is untouched

    (entry,) = _audit(app)
    email, _, authority = USERS["other_editor"]
    assert (entry.action, entity_id := entry.entity_id) == ("import", "local-00001")
    assert entry.entity == "local_dataset" and entity_id == "local-00001"
    assert entry.user_email == email and entry.authority_code == authority
    assert entry.before is None
    after = dict(entry.after)
    assert after.pop("uploaded_at")
    assert after == {
        "id": "local-00001",
        "title": f"Uploaded from hartlepool.csv by {email}",
        "file": "hartlepool.csv",
        "format": "fingertips",
        "owner_authority": authority,
        "scope": f"areas inside {authority}",
        "uploaded_by": email,
        "checksum": digest,
        "rows": 2,
        "status": "active",
        "withdrawn_by": None,
        "withdrawn_at": None,
    }
    # The server's views of the local layer see the new dataset at once.
    ids = [d["id"] for d in c.get("/api/v1/local-datasets?limit=1000").json()["data"]]
    assert ids == ["local-00001"]
    # and the form lists it with a withdraw button
    assert 'action="/imports/local-00001/withdraw"' in c.get("/imports").text


def test_the_same_file_twice_is_refused(app, clients) -> None:
    c = clients("admin")
    assert _upload(c, SAMPLE.read_bytes(), SAMPLE.name).status_code == 200
    before = _checksum(app, "local_indicators")
    r = _upload(c, SAMPLE.read_bytes(), SAMPLE.name)
    assert r.status_code == 400
    check_page(r.text)
    assert "the file must not be uploaded twice; got fingertips_sample.csv" in r.text
    assert "local dataset local-00001" in r.text
    assert _checksum(app, "local_indicators") == before
    assert [e.entity_id for e in _audit(app)] == ["local-00001"]


def test_a_path_in_the_file_name_is_dropped(app, clients) -> None:
    r = _upload(clients("admin"), SAMPLE.read_bytes(), "..\\..\\etc/evil <1>.csv")
    assert r.status_code == 200
    assert "rows loaded from evil _1_.csv" in r.text
    assert len(_local(app, "local-00001")) == 8


# ----------------------------------------------------------------------------- bad files


def test_a_bad_file_changes_nothing_and_lists_its_problem(app, clients) -> None:
    before = _checksum(app)
    r = _upload(clients("editor"), (MALFORMED / "text_in_numbers.csv").read_bytes(), "t.csv")
    assert r.status_code == 400
    page = check_page(r.text)
    assert page.title.startswith("Error: Import data")
    items = _summary_items(r.text)
    # The rules and places as tests/data/malformed/expected.json records them for this file.
    assert "t.csv, line 3, column 'Value': Value must be a number; got value '*'" in items
    assert "t.csv, line 5, column 'Count': Count must be a number; got value '1,234'" in items
    assert 'href="#file"' in r.text and "govuk-file-upload--error" in r.text
    assert "<caption" in r.text and "Problems found in t.csv" in r.text
    assert _checksum(app) == before
    assert _audit(app) == []


def test_many_problems_show_the_first_few_and_count_the_rest(app, clients) -> None:
    # Synthetic: the sample file with 30 rows whose value is text.
    frame = pd.read_csv(SAMPLE)
    rows = pd.concat([frame] * 4, ignore_index=True).iloc[:30].copy()
    rows["Area Code"] = [f"E06{i:06d}" for i in range(30)]
    rows["Value"] = "x"
    content = rows.to_csv(index=False).encode()
    r = _upload(clients("editor"), content, "synthetic.csv")
    assert r.status_code == 400
    check_page(r.text)
    items = _summary_items(r.text)
    shown = [i for i in items if i.startswith("synthetic.csv, line ")]
    assert len(shown) == 5  # the importer keeps the first 5 of each rule
    assert (
        shown[0] == "synthetic.csv, line 2, column 'Value': Value must be a number; got value 'x'"
    )
    assert items[-1] == "and 25 more problems"


def test_the_error_summary_is_capped(app, clients, monkeypatch) -> None:
    monkeypatch.setattr(imports, "MAX_SHOWN", 1)
    r = _upload(clients("editor"), (MALFORMED / "text_in_numbers.csv").read_bytes(), "t.csv")
    items = _summary_items(r.text)
    assert len(items) == 2 and items[-1] == "and 1 more problem"


def test_an_empty_file_is_refused_with_the_importers_words(clients) -> None:
    r = _upload(clients("editor"), b"", "empty.csv")
    assert r.status_code == 400
    check_page(r.text)
    assert "got an empty file (0 bytes)" in r.text


@pytest.mark.parametrize(
    ("data", "files", "field", "message"),
    [
        ({"format": "fingertips"}, None, "file", "Select a file to import"),
        ({}, {"file": ("a.csv", b"x", "text/csv")}, "format", "Select the kind of file"),
        ({"format": "pdf"}, {"file": ("a.csv", b"x", "text/csv")}, "format", "Select the kind"),
    ],
)
def test_missing_answers_use_the_error_summary(clients, data, files, field, message) -> None:
    c = clients("editor")
    data = {**data, "csrf_token": c.get("/api/v1/session").json()["csrf_token"]}
    r = c.post("/imports", data=data, files=files or {"file": ("", b"", "text/csv")})
    assert r.status_code == 400
    check_page(r.text)
    assert f'<a href="#{field}">{message}' in r.text
    assert f'id="{field}"' in r.text


def test_files_over_the_limit_are_refused(app, clients, monkeypatch) -> None:
    monkeypatch.setattr(imports, "MAX_UPLOAD_BYTES", 100)
    content = SAMPLE.read_bytes()
    assert len(content) > 100
    r = _upload(clients("editor"), content, SAMPLE.name)
    assert r.status_code == 413
    check_page(r.text)
    assert "The selected file must be smaller than 100 bytes" in r.text
    assert _imported(app, "import:fingertips_sample.csv").empty


def test_a_declared_length_over_the_limit_is_refused_unread(clients, monkeypatch) -> None:
    monkeypatch.setattr(imports, "MAX_UPLOAD_BYTES", 1000)
    r = _upload(clients("editor"), b"x" * 200_000, "big.csv")
    assert r.status_code == 413
    assert "smaller than 1 kB" in r.text
    assert clients("viewer").post("/imports", content=b"x" * 200_000).status_code == 403


def test_an_xlsx_zip_bomb_is_refused_quickly(app, clients, tmp_path) -> None:
    import time
    import zipfile

    from healthgap.data.importing import read_indicator_file

    good = tmp_path / "good.xlsx"
    read_indicator_file(SAMPLE).to_excel(good, index=False)
    bomb = tmp_path / "bomb.xlsx"
    shutil.copyfile(good, bomb)
    with (
        zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as book,
        book.open("xl/media/padding.xml", "w") as part,
    ):
        for _ in range(300):  # 300 MB of zeros, about 300 kB deflated
            part.write(b"0" * (1 << 20))
    c = clients("admin")
    start = time.perf_counter()
    r = c.post(
        "/imports",
        data={"format": "excel", "csrf_token": c.get("/api/v1/session").json()["csrf_token"]},
        files={"file": ("bomb.xlsx", bomb.read_bytes(), "application/octet-stream")},
    )
    assert time.perf_counter() - start < 3.0
    assert r.status_code == 400
    check_page(r.text)
    assert "an Excel workbook must unpack to at most 250 MB; got 315 MB" in r.text
    assert _audit(app) == []


def test_safe_name() -> None:
    assert imports.safe_name("a/b\\c.csv") == "c.csv"
    assert imports.safe_name("...") == "upload"
    assert imports.safe_name("é.csv") == "_.csv"
    assert len(imports.safe_name("x" * 300 + ".csv")) == 100


# ----------------------------------------------------------------------------- in Chromium


@pytest.fixture(scope="module")
def browser_app(store_path: Path, template_db: Path, tmp_path_factory) -> Any:
    """The browser tests' ``server`` (tests/web/conftest.py) runs an app on copies."""
    return _app_on_copies(store_path, template_db, tmp_path_factory.mktemp("imports-web"))


@needs_chromium
@pytest.mark.parametrize("url", PAGES)
def test_imports_in_chromium_pass_axe(server: str, browser: Any, url: str, tmp_path) -> None:
    """The form, the error summary of a bad file and the panel of a good one, each checked
    with axe-core and the page structure checks; the form works without JavaScript."""
    page = signed_in(
        browser, server, USERS["editor"][0], PASSWORD, viewport={"width": 1100, "height": 900}
    )
    # as in test_browser.py; and the browser's note of the 400 answer to the bad file is benign
    errors = watch_console(page, ignore="status of 400")
    visit(page, server + url)
    check_page(page.content())
    assert axe_violations(page) == []

    bad = tmp_path / "bad.csv"
    bad.write_bytes((MALFORMED / "text_in_numbers.csv").read_bytes())
    page.set_input_files("#file", str(bad))
    page.click("form[action='/imports'] button")
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").count() == 1, page.content()[:3000]
    check_page(page.content())
    assert page.title().startswith("Error: Import data")
    assert axe_violations(page) == []

    page.check("#format")
    good = tmp_path / "birmingham.csv"  # synthetic: the sample's rows moved to Birmingham
    frame = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    frame = frame[frame["Area Code"] == "E06000001"].assign(
        **{"Area Code": "E08000025", "Area Name": "Birmingham"}
    )
    frame.to_csv(good, index=False)
    page.set_input_files("#file", str(good))
    page.click("form[action='/imports'] button")
    page.wait_for_selector(".govuk-panel--confirmation")
    check_page(page.content())
    assert axe_violations(page) == []
    page.close()
    assert not errors, errors


@needs_chromium
def test_imports_work_without_javascript(server: str, browser: Any, tmp_path) -> None:
    ctx = browser.new_context(java_script_enabled=False)
    page = ctx.new_page()
    page.goto(server + "/sign-in")
    page.fill("#email", USERS["admin"][0])
    page.fill("#password", PASSWORD)
    page.click("form[action='/sign-in'] button")
    page.goto(server + "/imports")
    bad = tmp_path / "bad.csv"
    bad.write_bytes((MALFORMED / "text_in_numbers.csv").read_bytes())
    page.set_input_files("#file", str(bad))
    page.click("form[action='/imports'] button")
    assert page.locator(".govuk-error-summary li").count() == 2
    assert page.locator("table caption").first.inner_text() == "Problems found in bad.csv"
    ctx.close()
