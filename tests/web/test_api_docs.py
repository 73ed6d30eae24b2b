"""``/docs``: the offline API reference. The operations table is rendered on the server
(so the page reads without JavaScript) from the same OpenAPI document as /openapi.json;
Swagger UI's files are pinned in package-lock.json and served from node_modules, never a
CDN."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from healthgap.web.app import VENDOR
from healthgap.web.routers.apidocs import operations
from healthgap.web.settings import source_checkout
from tests.web.conftest import check_page

REPO = source_checkout()
assert REPO is not None  # the tests run from a checkout


def test_docs_lists_every_api_operation_without_javascript(client: Any) -> None:
    r = client.get("/docs")
    assert r.status_code == 200
    check_page(r.text)
    doc = client.get("/openapi.json").json()
    ops = operations(doc)
    assert len(ops) >= 20
    body = r.text.replace("&amp;", "&")
    for op in ops:
        assert f"<code>{op['path']}</code>" in body, op
    assert "GET" in body and "POST" in body
    assert 'href="/openapi.json"' in body
    # Nothing from another host: every script and stylesheet is ours.
    assert not re.findall(r'(?:src|href)="https?://', r.text)
    # The footer links to it (it is not in the menu).
    footer = r.text.split('<footer class="govuk-footer">')[1]
    assert 'href="/docs"' in footer


def test_swagger_ui_is_pinned_and_served_locally() -> None:
    package = json.loads((REPO / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((REPO / "package-lock.json").read_text(encoding="utf-8"))
    pinned = package["dependencies"]["swagger-ui-dist"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", pinned), "pin an exact version (npm --save-exact)"
    assert lock["packages"]["node_modules/swagger-ui-dist"]["version"] == pinned
    assert lock["packages"]["node_modules/swagger-ui-dist"]["integrity"].startswith("sha512-")
    assert package["scarfSettings"] == {"enabled": False}  # no install-time analytics
    assert VENDOR["/assets/swagger-ui"] == "swagger-ui-dist"


def test_interactive_reference_only_when_its_files_are_there(client: Any) -> None:
    html = client.get("/docs").text
    have = (client.app.state.settings.assets / "swagger-ui-dist" / "swagger-ui-bundle.js").is_file()
    assert ('id="swagger-ui"' in html) is have
    assert ("/static/api-docs.js" in html) is have
    if have:
        css = client.get("/assets/swagger-ui/swagger-ui.css")
        assert css.status_code == 200 and "swagger-ui" in css.text


@pytest.mark.parametrize(
    ("doc", "want"),
    [
        ({"paths": {}}, []),
        (
            {"paths": {"/a": {"delete": {"summary": "Remove", "tags": ["t"]}, "parameters": []}}},
            [{"method": "DELETE", "path": "/a", "summary": "Remove", "tag": "t"}],
        ),
    ],
)
def test_operations(doc: dict[str, Any], want: list[dict[str, str]]) -> None:
    assert operations(doc) == want
