"""The example workspace on the web (/admin/examples): administrators load and remove it
with CSRF-protected, versioned POSTs; every example record is tagged on pages and in
downloads; nobody else may press the buttons."""

from __future__ import annotations

import csv
import io
import re
import threading
from typing import Any

from healthgap.data.store import open_store
from healthgap.examples import example_counts, expected_counts
from tests.web.conftest import check_page

#: Pages the disclosure scan (tests/data/test_disclosure_scan.py) also walks.
PAGES = ["/admin/examples"]


def _fields(c: Any) -> dict[str, str]:
    html = c.get("/admin/examples").text
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    assert fields.get("csrf_token") and "version" in fields
    return fields


def _expected(app: Any) -> dict[str, int]:
    with open_store(app.state.settings.store) as s:
        return expected_counts(s).counts


def test_admin_loads_tags_everywhere_and_removes(clients: Any, app: Any) -> None:
    admin, anon = clients("admin"), clients("anonymous")
    page = admin.get("/admin/examples")
    assert page.status_code == 200
    check_page(page.text)
    assert "Load the example workspace" in page.text
    r = admin.post("/admin/examples/load", data=_fields(admin), follow_redirects=False)
    assert r.status_code == 303, r.text
    assert example_counts(app.state.engine).counts == _expected(app)
    done = admin.get(r.headers["location"])
    check_page(done.text)
    assert "The example workspace is loaded" in done.text

    tag = '<strong class="govuk-tag govuk-tag--yellow">Example</strong>'
    targets = anon.get("/targets").text
    assert targets.count(tag) == 2  # the two example targets, published
    policy = admin.get("/policy").text
    assert tag in policy and "Greater Manchester" in policy  # a name, not E47000001
    actions = admin.get("/framework/E47000001/actions").text
    check_page(actions)
    assert actions.count(tag) == 3
    # progress rows name the action by its title, indicators by their names
    assert "Example: evening bus fares capped at the daytime price</td>" in actions
    assert ">E47000001-action-" not in actions
    assert tag in admin.get("/framework/E47000001/commitments").text
    assert admin.get("/framework/library").text.count(tag) == 2

    rows = list(csv.DictReader(io.StringIO(anon.get("/api/v1/targets?format=csv").text)))
    assert [r["example"] for r in rows] == ["True", "True"]
    export = admin.get("/framework/E47000001/export.csv").text
    assert {r["example"] for r in csv.DictReader(io.StringIO(export))} == {"True"}
    screenings = admin.get("/api/v1/policy/screenings").json()["data"]
    assert [s["example"] for s in screenings] == [True]

    r = admin.post("/admin/examples/remove", data=_fields(admin), follow_redirects=False)
    assert r.status_code == 303
    assert example_counts(app.state.engine).total == 0
    assert tag not in anon.get("/targets").text


def test_only_administrators_with_token_and_version(clients: Any, app: Any) -> None:
    admin = clients("admin")
    good = _fields(admin)
    for role in ("editor", "viewer"):
        c = clients(role)
        assert c.get("/admin/examples").status_code == 403
        r = c.post("/admin/examples/load", data=good, follow_redirects=False)
        assert r.status_code == 403
    anon = clients("anonymous")
    assert anon.post("/admin/examples/remove", data=good).status_code == 401
    no_token = {k: v for k, v in good.items() if k != "csrf_token"}
    assert admin.post("/admin/examples/load", data=no_token).status_code == 403
    no_version = {k: v for k, v in good.items() if k != "version"}
    assert admin.post("/admin/examples/load", data=no_version).status_code == 428
    stale = {**good, "version": str(int(good["version"]) + 5)}
    r = admin.post("/admin/examples/remove", data=stale)
    assert r.status_code == 409 and "changed by someone else" in r.text
    assert example_counts(app.state.engine).total == 0  # nothing was written


def test_two_administrators_loading_at_once_write_it_once(clients: Any, app: Any) -> None:
    """Both read version N; both press load at the same moment: exactly one goes ahead."""
    a, b = clients("admin"), clients("admin")
    forms = [_fields(a), _fields(b)]
    assert forms[0]["version"] == forms[1]["version"]
    statuses: list[int] = []
    barrier = threading.Barrier(2)

    def press(c: Any, form: dict[str, str]) -> None:
        barrier.wait()
        statuses.append(
            c.post("/admin/examples/load", data=form, follow_redirects=False).status_code
        )

    threads = [
        threading.Thread(target=press, args=(c, f)) for c, f in zip((a, b), forms, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [303, 409]
    assert example_counts(app.state.engine).counts == _expected(app)
