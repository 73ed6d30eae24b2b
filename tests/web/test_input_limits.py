"""Hostile input bounded before it costs anything (issue 17, item 5): body limits while
streaming, sign-in and CSRF before an upload is read, text limits, control characters,
FTS5 syntax in the library search and malformed survey definitions.

The streaming tests drive the ASGI app directly with a generator body, counting what the
app pulls: the test client would read a generator body whole before calling the app.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from healthgap.appdb.auth import add_user
from healthgap.appdb.db import sessions
from healthgap.web import limits
from tests.web.conftest import PASSWORD, USERS, TestClient, check_page, csrf_headers, sign_in

GM = "E47000001"
MB = 1 << 20


class Sent:
    """What the app answered, and how much of the body it pulled."""

    def __init__(self) -> None:
        self.status = 0
        self.body = b""
        self.consumed = 0
        self.pulls = 0


def asgi_post(
    app: Any,
    path: str,
    chunks: Iterator[bytes],
    headers: dict[str, str] | None = None,
    query: str = "",
) -> Sent:
    """POST ``chunks`` (a generator: a chunked body, no Content-Length) to ``app``."""
    out = Sent()
    done = False

    async def receive() -> dict[str, Any]:
        nonlocal done
        if done:
            await asyncio.sleep(0)
            return {"type": "http.disconnect"}
        out.pulls += 1
        chunk = next(chunks, None)
        if chunk is None:
            done = True
            return {"type": "http.request", "body": b"", "more_body": False}
        out.consumed += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            out.status = message["status"]
        elif message["type"] == "http.response.body":
            out.body += message.get("body", b"")

    raw = [("transfer-encoding", "chunked"), *(headers or {}).items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in raw],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    asyncio.run(app(scope, receive, send))
    return out


def huge(total_mb: int = 300, head: bytes = b"") -> Iterator[bytes]:
    """A ``total_mb`` body, 1 MB a chunk, made as it is pulled."""
    yield head
    block = b"x" * MB
    for _ in range(total_mb):
        yield block


def _cookie(c: TestClient) -> str:
    return "; ".join(f"{k}={v}" for k, v in c.cookies.items())


UPLOADS = ["/imports", "/ledger/import", "/api/v1/ledger/imports"]
#: The start of a multipart file part (what a real upload sends first).
FILE_HEAD = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'


# ---------------------------------------------------------------- uploads
@pytest.mark.parametrize("path", UPLOADS)
def test_an_anonymous_300mb_chunked_upload_is_refused_unread(app: Any, path: str) -> None:
    headers = {"content-type": "multipart/form-data; boundary=b"}
    sent = asgi_post(app, path, huge(head=FILE_HEAD), headers)
    assert sent.status == 401, sent.body[:300]
    assert sent.consumed == 0  # not one byte pulled, so nothing written anywhere
    assert b"must be done by a signed-in user" in sent.body


@pytest.mark.parametrize("path", UPLOADS)
def test_a_viewer_upload_is_refused_unread(
    app: Any, clients: Callable[[str], TestClient], path: str
) -> None:
    viewer = clients("viewer")
    headers = {"cookie": _cookie(viewer), "content-type": "multipart/form-data; boundary=b"}
    sent = asgi_post(app, path, huge(head=FILE_HEAD), headers)
    assert sent.status == 403 and sent.consumed == 0


def test_an_upload_without_csrf_is_refused_after_at_most_the_peek(
    app: Any, clients: Callable[[str], TestClient]
) -> None:
    editor = clients("editor")
    headers = {"cookie": _cookie(editor), "content-type": "multipart/form-data; boundary=b"}
    # the file part comes first: no token can follow it
    sent = asgi_post(app, "/imports", huge(head=FILE_HEAD), headers)
    assert sent.status == 403, sent.body[:300]
    assert b"CSRF token" in sent.body
    assert sent.consumed <= limits.CSRF_PEEK_BYTES + MB
    # a wrong token in the first field: the same
    head = b'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\nnope\r\n--b\r\n'
    sent = asgi_post(app, "/ledger/import", huge(head=head), headers)
    assert sent.status == 403 and sent.consumed <= limits.CSRF_PEEK_BYTES + MB


def test_a_signed_in_chunked_upload_stops_at_the_limit(
    app: Any, clients: Callable[[str], TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    small = tuple(limits.UploadRoute(r.method, r.path, limit=2 * MB) for r in limits.UPLOAD_ROUTES)
    monkeypatch.setattr(limits, "UPLOAD_ROUTES", small)
    editor = clients("editor")
    token = editor.get("/api/v1/session").json()["csrf_token"]
    headers = {"cookie": _cookie(editor), "content-type": "multipart/form-data; boundary=b"}
    head = (
        f'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        '--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
    ).encode()
    sent = asgi_post(app, "/imports", huge(head=head), headers)
    assert sent.status == 413, sent.body[:300]
    assert sent.consumed <= 3 * MB + len(head)  # stopped near 2 MB, not 300 MB
    # the API with its header token: the same
    api = {**headers, "x-csrf-token": token}
    sent = asgi_post(app, "/api/v1/ledger/imports", huge(head=FILE_HEAD), api)
    assert sent.status == 413 and sent.consumed <= 3 * MB + len(FILE_HEAD)
    assert b'"code":"too_large"' in sent.body


# ---------------------------------------------------------------- ordinary forms
def test_a_chunked_form_over_the_small_limit_is_refused(app: Any) -> None:
    headers = {"content-type": "application/x-www-form-urlencoded"}
    sent = asgi_post(app, "/sign-in", huge(50), headers)
    assert sent.status == 413, sent.body[:300]
    assert sent.consumed <= limits.FORM_BODY_BYTES + MB
    sent = asgi_post(app, "/api/v1/targets", huge(50), {"content-type": "application/json"})
    assert sent.status == 413 and sent.consumed <= limits.FORM_BODY_BYTES + MB
    # any other body (no recognised type) is never read past the limit either
    sent = asgi_post(app, "/sign-out", huge(50), {"content-type": "text/plain"})
    assert sent.status in (403, 413) and sent.consumed <= limits.FORM_BODY_BYTES + MB


def test_a_declared_length_over_the_limit_is_refused_unread(
    clients: Callable[[str], TestClient],
) -> None:
    c = clients("anonymous")
    r = c.post("/sign-in", content=b"x" * (limits.FORM_BODY_BYTES + 1))
    assert r.status_code == 413
    check_page(r.text)
    assert "must be at most 256 KB" in r.text


# ---------------------------------------------------------------- text fields
def _gm_editor(app: Any) -> TestClient:
    with sessions(app.state.engine)() as s:
        add_user(s, "gm.limits@example.org", PASSWORD, "editor", GM)
    c = TestClient(app)
    assert sign_in(c, "gm.limits@example.org").status_code == 303
    return c


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"title": "x" * 501}, "body.title must be at most 500 characters; got 501"),
        ({"title": "a\x00b"}, "body.title must not contain control characters; got U+0000"),
        ({"title": "ok", "owner": "\x1b[31m"}, "got U+001B at character 1"),
        ({"title": "ok", "partners": ["x" * 20_001]}, "at most 20,000 characters"),
    ],
)
def test_json_text_limits_and_control_characters(app: Any, body: Any, message: str) -> None:
    c = _gm_editor(app)
    before = c.get(f"/api/v1/framework/{GM}/actions").json()["data"]
    r = c.post(f"/api/v1/framework/{GM}/actions", json=body, headers=csrf_headers(c))
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["code"] == "invalid_input" and message in err["message"], err
    assert c.get(f"/api/v1/framework/{GM}/actions").json()["data"] == before


def test_form_fields_are_limited_and_refuse_control_characters(
    clients: Callable[[str], TestClient],
) -> None:
    c = clients("anonymous")
    token = c.get("/api/v1/session").json()["csrf_token"]
    r = c.post(
        "/sign-in", data={"email": "a\x00@example.org", "password": "x", "csrf_token": token}
    )
    assert r.status_code == 400
    check_page(r.text)
    assert "field &#39;email&#39; must not contain control characters; got U+0000" in r.text
    r = c.post("/sign-in", data={"email": "a" * 600, "password": "x", "csrf_token": token})
    assert r.status_code == 400 and "at most 500 characters; got 600" in r.text
    # a tab or a line break in a long text is fine (the route then answers for itself)
    r = c.post(
        "/sign-in",
        data={"email": USERS["viewer"][0], "password": "a\tb\nc", "csrf_token": token},
    )
    assert r.status_code == 400 and "Enter a correct email address and password" in r.text


def test_query_strings_refuse_control_characters(client: TestClient) -> None:
    r = client.get("/framework/library", params={"q": "travel\x00"})
    assert r.status_code == 400
    check_page(r.text)
    assert "query parameter &#39;q&#39; must not contain control characters" in r.text
    r = client.get("/api/v1/framework/library", params={"q": "a" * 600})
    assert r.status_code == 400 and "at most 500 characters" in r.json()["error"]["message"]
    assert client.get("/api/v1/areas?area_type=%ff").status_code == 400


# ---------------------------------------------------------------- FTS5
@pytest.mark.parametrize(
    "q",
    ['"', '""', "NEAR(a b", "a*", "^a", "title:x", "AND", "a OR b", "NOT", "'", "(", "-a", "a+b"],
)
def test_library_search_takes_fts_syntax_as_text(client: TestClient, q: str) -> None:
    page = client.get("/framework/library", params={"q": q})
    assert page.status_code == 200, page.text[:300]
    check_page(page.text)
    api = client.get("/api/v1/framework/library", params={"q": q})
    assert api.status_code == 200 and isinstance(api.json()["data"], list)


def test_the_search_domain_refuses_a_nul_byte(tmp_path: Any) -> None:
    from healthgap.errors import InputError
    from healthgap.framework.storage import Workspace

    ws = Workspace(str(tmp_path / "w.db"))
    for bad in ("a\x00b", "\x00", "\ud800"):
        with pytest.raises(InputError, match="the search must be plain text; got the control"):
            ws.search_cases(bad)
    assert ws.search_cases('"NEAR(') == []
    ws.close()


# ---------------------------------------------------------------- surveys
@pytest.mark.parametrize(
    ("questions", "message"),
    [
        ([], "a survey must have at least one question; got none"),
        ([{"id": "q1", "kind": "scale"}], "the text of question q1 must be non-empty text"),
        ([{"id": "q1", "text": "  ", "kind": "scale"}], "must be non-empty text; got '  '"),
        ([{"id": "q1", "text": 5, "kind": "scale"}], "must be non-empty text; got 5"),
        ([{"text": "Q", "kind": "scale"}], "each question must have a unique id"),
        ([{"id": "q 1", "text": "Q", "kind": "scale"}], "each question must have a unique id"),
        (
            [{"id": "q1", "text": "Q", "kind": "choice", "options": ["a", ""]}],
            "an option of q1 must be non-empty text",
        ),
        (
            [{"id": "q1", "text": "Q", "kind": "choice", "options": ["a", "a"]}],
            "the options of 'q1' must differ",
        ),
        (
            [{"id": f"q{i}", "text": "Q", "kind": "scale"} for i in range(51)],
            "at most 50 questions; got 51",
        ),
    ],
)
def test_malformed_survey_definitions_are_refused_at_creation(
    app: Any, questions: Any, message: str
) -> None:
    c = _gm_editor(app)
    r = c.post(
        f"/api/v1/framework/{GM}/surveys",
        json={"title": "Check", "questions": questions},
        headers=csrf_headers(c),
    )
    assert r.status_code == 400, r.text
    assert message in r.json()["error"]["message"]
    listing = c.get(f"/framework/{GM}/surveys")
    assert listing.status_code == 200
    assert "Check</a>" not in listing.text


def test_a_survey_stored_before_the_checks_still_shows(app: Any) -> None:
    """A malformed definition already in a workspace (written before these checks) shows
    its well-formed questions; the page never fails for readers."""
    from healthgap.framework.storage import Actor
    from healthgap.web.routers.framework import workspace as _workspace

    c = _gm_editor(app)
    request = type("R", (), {"app": app})()
    ws = _workspace(request)
    ws.put(
        Actor("gm.limits@example.org", "editor", GM),
        "survey",
        GM,
        "legacy-survey",
        {
            "title": "Legacy",
            "questions": [
                {"id": "q1", "kind": "scale"},
                "junk",
                {"id": "q2", "text": "Still asked", "kind": "scale"},
            ],
        },
    )
    page = c.get(f"/framework/{GM}/surveys/legacy-survey")
    assert page.status_code == 200, page.text[:300]
    check_page(page.text)
    assert "Still asked" in page.text
    summary = c.get(f"/api/v1/framework/{GM}/surveys/legacy-survey/summary")
    assert summary.status_code == 200
    assert {r["question"] for r in summary.json()["data"]} == {"q2"}
    assert re.search(r"Legacy", c.get(f"/framework/{GM}/surveys").text)


def test_check_survey_refuses_what_the_api_model_lets_through() -> None:
    from healthgap.errors import InputError
    from healthgap.framework.partners import check_survey

    with pytest.raises(InputError, match="question 1 must be an object with id, text and kind"):
        check_survey("Check", ["q1"])
    with pytest.raises(InputError, match="a survey's title must be non-empty text; got ''"):
        check_survey("", [{"id": "q1", "text": "Q", "kind": "scale"}])
    with pytest.raises(InputError, match="a survey must have at least one question"):
        check_survey("Check", None)
