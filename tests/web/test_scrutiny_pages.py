"""Scrutiny on the web: a public question (CSRF token, honeypot, throttle per client) is
moderated, answered and shown on the target's page; committee questions; answers to
closed items refused; overdue items public; nothing personal published; the API."""

from __future__ import annotations

import re
from typing import Any

from healthgap.decisions import scrutiny
from healthgap.decisions.models import Question
from tests.web.conftest import USERS, check_page, csrf_headers

BHAM = "E08000025"
PAGES = ["/scrutiny", "/scrutiny/ask", "/scrutiny/ask/sent", "/scrutiny?authority=E08000025"]


def _hidden(c: Any, url: str) -> dict[str, str]:
    html = c.get(url).text
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))


def _target(c: Any) -> int:
    body = {
        "authority_code": BHAM,
        "indicator_id": "hle_birth",
        "sex": "Male",
        "baseline_period": "2021-2023",
        "target_year": 2030,
        "target_value": 63.0,
    }
    r = c.post("/api/v1/targets", json=body, headers=csrf_headers(c))
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _ask(c: Any, **over: str) -> Any:
    data = {
        **_hidden(c, "/scrutiny/ask"),
        "authority_code": BHAM,
        "subject_kind": "indicator",
        "subject_ref": "hle_male",
        "question": "Why has the gap grown?",
        "website": "",
        **over,
    }
    return c.post("/scrutiny/ask", data=data, follow_redirects=False)


def _questions(app: Any) -> list[Question]:
    with app.state.sessions() as s:
        return s.query(Question).order_by(Question.id).all()


def test_pages_render(clients: Any) -> None:
    anon = clients("anonymous")
    for url in PAGES:
        r = anon.get(url)
        assert r.status_code == 200, url
        check_page(r.text)
    ask = anon.get("/scrutiny/ask").text
    assert 'name="website"' in ask and "Do not write your name" in ask
    assert anon.get("/scrutiny/moderation").status_code == 401
    assert clients("viewer").get("/scrutiny/moderation").status_code == 403


def test_public_question_moderated_answered_on_the_targets_page(clients: Any, app: Any) -> None:
    """The walk of the issue: a public question -> moderated -> answered -> visible on the
    target's page."""
    editor, anon = clients("editor"), clients("anonymous")
    tid = _target(editor)
    r = _ask(
        anon,
        subject_kind="target",
        subject_ref=str(tid),
        question="Is the target on track? <b>bold</b>",
    )
    assert r.status_code == 303 and r.headers["location"] == "/scrutiny/ask/sent"
    (q,) = _questions(app)
    assert q.status == "awaiting moderation" and q.client_key and "testclient" not in q.client_key
    assert "Is the target on track" not in anon.get(f"/targets/{tid}").text  # not yet public
    assert anon.get(f"/scrutiny/questions/{q.id}").status_code == 404
    queue = editor.get("/scrutiny/moderation")
    check_page(queue.text)
    assert "Is the target on track? &lt;b&gt;bold&lt;/b&gt;" in queue.text
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', queue.text))
    r = editor.post(
        f"/scrutiny/questions/{q.id}/moderate",
        data={**form, "outcome": "publish", "due_on": "2099-01-31", "note": ""},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = editor.get(f"/scrutiny/questions/{q.id}")
    check_page(page.text)
    answer = {
        **_hidden(editor, f"/scrutiny/questions/{q.id}"),
        "answer": "Yes: see the report.",
        "answered_on": "",
    }
    r = editor.post(f"/scrutiny/questions/{q.id}/answer", data=answer, follow_redirects=False)
    assert r.status_code == 303, r.text
    target_page = anon.get(f"/targets/{tid}")
    check_page(target_page.text)
    assert "Is the target on track? &lt;b&gt;bold&lt;/b&gt;" in target_page.text
    assert "Yes: see the report." in target_page.text
    # answering again: the question is closed
    r = editor.post(f"/scrutiny/questions/{q.id}/answer", data=answer, follow_redirects=False)
    assert r.status_code in (400, 409)
    # nothing personal: no staff email on the public pages or in the export
    for url in (
        f"/targets/{tid}",
        "/scrutiny",
        f"/scrutiny/questions/{q.id}",
        "/api/v1/questions?format=csv",
        "/api/v1/questions",
    ):
        text = anon.get(url).text
        assert USERS["editor"][0] not in text and "client_key" not in text, url


def test_honeypot_and_throttle(clients: Any, app: Any) -> None:
    anon = clients("anonymous")
    assert _ask(anon, website="http://spam.example").status_code == 303
    assert _questions(app) == []  # the robot was answered, nothing kept
    for _ in range(scrutiny.PUBLIC_PER_WINDOW):
        assert _ask(anon).status_code == 303
    r = _ask(anon)
    assert r.status_code == 429 and "at most 3 in 60 minutes" in r.text
    check_page(r.text)
    assert len(_questions(app)) == scrutiny.PUBLIC_PER_WINDOW
    r = anon.post(
        "/api/v1/questions",
        json={
            "authority_code": BHAM,
            "subject_kind": "indicator",
            "subject_ref": "hle_male",
            "question": "Q?",
        },
        headers=csrf_headers(anon),
    )
    assert r.status_code == 429 and r.json()["error"]["code"] == "too_many_requests"


def test_bad_questions_are_refused_with_the_error_summary(clients: Any, app: Any) -> None:
    anon = clients("anonymous")
    r = _ask(anon, subject_kind="")
    assert r.status_code == 400 and '<a href="#subject_kind">' in r.text
    check_page(r.text)
    r = _ask(anon, subject_kind="target", subject_ref="")
    assert r.status_code == 400 and '<a href="#subject_ref">' in r.text
    r = _ask(anon, question="")
    assert r.status_code == 400 and '<a href="#question">' in r.text
    r = _ask(anon, csrf_token="forged")
    assert r.status_code == 403
    assert _questions(app) == []


def test_committee_question_api_and_overdue(clients: Any, app: Any) -> None:
    editor, anon, other = clients("editor"), clients("anonymous"), clients("other_editor")
    h = csrf_headers(editor)
    body = {
        "authority_code": BHAM,
        "asked_by": "health and wellbeing board",
        "subject_kind": "annual report",
        "subject_ref": "2025",
        "question": "When?",
        "asked_on": "2025-01-02",
        "due_on": "2025-02-01",
    }
    r = editor.post("/api/v1/questions/committee", json=body, headers=h)
    assert r.status_code == 201, r.text
    qid = r.json()["id"]
    assert r.json()["overdue"] is True
    r = other.post("/api/v1/questions/committee", json=body, headers=csrf_headers(other))
    assert r.status_code == 403
    assert "When?" in anon.get("/scrutiny?subject_kind=annual%20report&subject_ref=2025").text
    assert "When?" not in anon.get("/scrutiny?subject_kind=indicator&subject_ref=hle_male").text
    overdue = anon.get("/api/v1/questions/overdue").json()["data"]
    assert [q["id"] for q in overdue] == [qid]
    page = anon.get("/scrutiny").text
    assert "overdue by" in page
    url = f"/api/v1/questions/{qid}/answer"
    assert editor.put(url, json={"answer": "Soon."}, headers=h).status_code == 428
    r = editor.put(url, json={"answer": "Soon."}, headers={**h, "If-Match": '"1"'})
    assert r.status_code == 200 and r.json()["status"] == "answered"
    r = editor.put(url, json={"answer": "Again."}, headers={**h, "If-Match": '"1"'})
    assert r.status_code == 409
    r = editor.put(url, json={"answer": "Again."}, headers={**h, "If-Match": '"2"'})
    assert r.status_code == 400 and "so it is closed" in r.json()["error"]["message"]
    # the committee form
    form = editor.get("/scrutiny/committee")
    check_page(form.text)
    data = {
        **_hidden(editor, "/scrutiny/committee"),
        "authority_code": BHAM,
        "asked_by": "overview and scrutiny committee",
        "subject_kind": "indicator",
        "subject_ref": "hle_male",
        "question": "",
        "asked_on": "",
        "due_on": "",
    }
    r = editor.post("/scrutiny/committee", data=data, follow_redirects=False)
    assert r.status_code == 400 and '<a href="#question">' in r.text
    data["question"] = "What is the plan?"
    assert editor.post("/scrutiny/committee", data=data, follow_redirects=False).status_code == 303


def test_api_public_question_and_moderation(clients: Any, app: Any) -> None:
    anon, editor = clients("anonymous"), clients("editor")
    body = {
        "authority_code": BHAM,
        "subject_kind": "indicator",
        "subject_ref": "hle_male",
        "question": "Why?",
    }
    assert anon.post("/api/v1/questions", json=body).status_code == 403  # no CSRF token
    r = anon.post("/api/v1/questions", json=body, headers=csrf_headers(anon))
    assert r.status_code == 202 and r.json()["status"] == "awaiting moderation"
    qid = r.json()["id"]
    assert anon.get(f"/api/v1/questions/{qid}").status_code == 404
    assert editor.get(f"/api/v1/questions/{qid}").status_code == 200
    url = f"/api/v1/questions/{qid}/moderation"
    h = csrf_headers(editor)
    r = editor.put(url, json={"outcome": "refuse"}, headers={**h, "If-Match": '"1"'})
    assert r.status_code == 400 and "moderation note must not be empty" in r.text
    r = editor.put(
        url, json={"outcome": "refuse", "note": "Names a person."}, headers={**h, "If-Match": '"1"'}
    )
    assert r.status_code == 200 and r.json()["status"] == "not published"
    assert anon.get("/api/v1/questions").json()["data"] == []
    assert "Names a person" not in editor.get(f"/api/v1/questions/{qid}").text
