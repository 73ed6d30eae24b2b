"""Saved places on the web: the list (anyone), the new and edit forms (administrators and
editors), the CSRF token and version on every write, errors in the GOV.UK pattern, and the
place's Core20PLUS5 page."""

from __future__ import annotations

import re
from typing import Any

from healthgap.appdb.models import AuditEntry, SavedPlace
from tests.web.conftest import check_page


def _token(c: Any, url: str) -> dict[str, str]:
    html = c.get(url).text
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    assert fields.get("csrf_token"), "the form must carry the CSRF token"
    return fields


def _new(c: Any, **form: str) -> Any:
    data = {**_token(c, "/places/new"), **form}
    return c.post("/places/new", data=data, follow_redirects=False)


def test_editor_saves_a_place_and_anyone_reads_it(clients: Any, app: Any) -> None:
    editor, anon = clients("editor"), clients("anonymous")
    r = _new(
        editor,
        name="Two <b>councils",
        level="lad",
        areas="E08000025, E08000026",
        description="Birmingham & Coventry",
    )
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    page = anon.get(url)
    assert page.status_code == 200
    check_page(page.text)
    assert "Two &lt;b&gt;councils" in page.text and "<b>councils" not in page.text
    assert "E08000025, E08000026" in page.text
    assert 'href="/core20plus5/place:Two%20%3Cb%3Ecouncils"' in page.text
    assert "Change the areas" not in page.text  # anonymous: no edit button
    listing = anon.get("/places")
    check_page(listing.text)
    assert "Save a new place" not in listing.text
    assert re.search(r"numeric\">2</td>", listing.text)
    with app.state.sessions() as s:
        place = s.query(SavedPlace).one()
        assert (place.authority_code, place.version, place.areas) == (
            "E08000025",
            1,
            ["E08000025", "E08000026"],
        )
        assert s.query(AuditEntry).filter_by(entity="place").count() == 1


def test_unknown_codes_are_refused_with_the_error_summary(clients: Any, app: Any) -> None:
    editor = clients("editor")
    r = _new(editor, name="Bad", level="lad", areas="E08000025 E08999999")
    assert r.status_code == 400
    check_page(r.text)
    assert "govuk-error-summary" in r.text and '<a href="#areas">' in r.text
    assert "E08999999" in r.text and "<title>Error:" in r.text.replace("\n", "")
    assert "E08000025 E08999999" in r.text  # what was typed is kept
    r = _new(editor, name="", level="lad", areas="E08000025")
    assert r.status_code == 400 and '<a href="#name">' in r.text
    with app.state.sessions() as s:
        assert s.query(SavedPlace).count() == 0


def test_writes_need_the_csrf_token_and_a_role(clients: Any, app: Any) -> None:
    editor = clients("editor")
    r = editor.post(
        "/places/new", data={"name": "X", "level": "lad", "areas": "E08000025"},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 403 and "CSRF" in r.text
    viewer = clients("viewer")
    assert viewer.get("/places/new").status_code == 403
    assert clients("anonymous").get("/places/new").status_code == 401
    with app.state.sessions() as s:
        assert s.query(SavedPlace).count() == 0


def test_edit_checks_version_and_authority(clients: Any, app: Any) -> None:
    editor, other, admin = clients("editor"), clients("other_editor"), clients("admin")
    url = _new(editor, name="Pilot", level="lad", areas="E08000025").headers["location"]
    edit = url + "/edit"
    form = check_page(editor.get(edit).text)
    assert "areas" in form.controls
    fields = _token(editor, edit)
    assert fields["version"] == "1"
    r = editor.post(edit, data={**fields, "level": "lad", "areas": "E08000025 E08000026"},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    # the same (now stale) version again: refused, nothing changed
    r = editor.post(edit, data={**fields, "level": "lad", "areas": "E08000027"},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 409 and "version must be the current one" in r.text
    check_page(r.text)
    assert 'name="version" value="2"' in r.text  # the form now carries the current version
    # an editor of another authority may not change it; an administrator may
    assert other.get(edit).status_code == 403
    o = _token(other, "/places/new")
    r = other.post(edit, data={**o, "version": "2", "level": "lad", "areas": "E08000027"},
                   follow_redirects=False)  # fmt: skip
    assert r.status_code == 403
    a = _token(admin, edit)
    r = admin.post(edit, data={**a, "level": "lad", "areas": "E08000027"},
                   follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    with app.state.sessions() as s:
        place = s.query(SavedPlace).one()
        assert (place.version, place.areas) == (3, ["E08000027"])
    assert clients("anonymous").get("/places/999").status_code == 404


def test_core20_page_of_a_saved_place(clients: Any) -> None:
    editor = clients("editor")
    _new(editor, name="Birmingham", level="lad", areas="E08000025")
    place = editor.get("/core20plus5/place:Birmingham")
    assert place.status_code == 200, place.text[:500]
    check_page(place.text)
    council = editor.get("/api/v1/core20plus5/E08000025").json()
    saved = editor.get("/api/v1/core20plus5/place:Birmingham").json()
    # the same single district, so the same Core20 population
    same = {k: v for k, v in saved["population"].items() if not k.startswith("footprint")}
    assert same == {k: v for k, v in council["population"].items() if not k.startswith("footprint")}
    assert same["core20_lsoas"] > 0
    assert saved["footprint"] == "place:Birmingham"
    csv = editor.get("/api/v1/core20plus5/place:Birmingham?format=csv")
    assert (
        csv.status_code == 200
        and "core20-place-Birmingham.csv" in csv.headers["content-disposition"]
    )
    missing = editor.get("/core20plus5/place:Nowhere")
    assert missing.status_code == 404 and "place must be the name of a saved place" in missing.text
