"""Sign-in, roles, the authorisation matrix for every write endpoint, audit, CSRF, throttling."""

from __future__ import annotations

import datetime as dt
import io
import re

import pandas as pd
import pytest

from healthgap.appdb import audit
from healthgap.appdb.auth import MAX_FAILURES, Throttled, authenticate, hash_password
from healthgap.appdb.models import AuditEntry, LoginAttempt, Target
from healthgap.errors import InputError
from healthgap.web.security import COOKIE
from tests.web.conftest import PASSWORD, USERS, check_page, csrf_headers, sign_in

OWN, OTHER = "E08000025", "E06000001"  # the editor's authority, and another


def target_body(authority: str, value: float = 60.0) -> dict:
    return {
        "authority_code": authority,
        "indicator_id": "hle_birth",
        "sex": "Female",
        "baseline_period": "2022-2024",
        "target_year": 2030,
        "target_value": value,
        "note": "test",
    }


def seed_target(app, authority: str) -> int:
    with app.state.sessions() as s:
        t = Target(**target_body(authority), baseline_value=58.0, published=True)
        s.add(t)
        s.commit()
        return t.id


ROLES = ["anonymous", "viewer", "editor", "other_editor", "admin"]


def allowed(role: str, authority: str) -> bool:
    if role == "admin":
        return True
    if role == "editor":
        return authority == OWN
    if role == "other_editor":
        return authority == OTHER
    return False


def expected_denied(role: str) -> int:
    return 401 if role == "anonymous" else 403


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("authority", [OWN, OTHER])
@pytest.mark.parametrize("action", ["create", "update", "delete"])
def test_authorisation_matrix(app, clients, role: str, authority: str, action: str) -> None:
    """Every write endpoint x every role x own/other authority; allowed writes are audited."""
    c = clients(role)
    headers = csrf_headers(c)
    if action == "create":
        r = c.post("/api/v1/targets", json=target_body(authority), headers=headers)
        ok = 201
    else:
        tid = seed_target(app, authority)
        if action == "update":
            headers["If-Match"] = '"1"'
            r = c.put(f"/api/v1/targets/{tid}", json=target_body(authority, 61.5), headers=headers)
            ok = 200
        else:
            headers["If-Match"] = '"1"'
            r = c.delete(f"/api/v1/targets/{tid}", headers=headers)
            ok = 204
    with app.state.sessions() as s:
        entries = s.query(AuditEntry).all()
        n_targets = s.query(Target).count()
    if allowed(role, authority):
        assert r.status_code == ok, r.text
        assert len(entries) == 1
        e = entries[0]
        assert e.action == action and e.entity == "target" and e.authority_code == authority
        assert e.user_email == USERS[role][0]
        if action == "create":
            assert e.before is None and e.after["target_value"] == 60.0
        elif action == "update":
            assert e.before["target_value"] == 60.0 and e.after["target_value"] == 61.5
        else:
            assert e.before["authority_code"] == authority and e.after is None
            assert n_targets == 0
    else:
        assert r.status_code == expected_denied(role), r.text
        err = r.json()["error"]
        assert set(err) == {"code", "message", "details"}
        assert err["code"] == ("unauthenticated" if role == "anonymous" else "forbidden")
        assert entries == []
        assert n_targets == (0 if action == "create" else 1)


def test_forbidden_message_names_the_rule(clients) -> None:
    c = clients("editor")
    r = c.post("/api/v1/targets", json=target_body(OTHER), headers=csrf_headers(c))
    assert r.json()["error"]["message"].startswith(
        f"targets of authority {OTHER} must be edited by an administrator or that "
        f"authority's editor; got editor editor@example.org of {OWN}."
    )


def test_editor_cannot_move_a_target_to_another_authority(app, clients) -> None:
    tid = seed_target(app, OWN)
    c = clients("editor")
    h = {**csrf_headers(c), "If-Match": '"1"'}
    r = c.put(f"/api/v1/targets/{tid}", json=target_body(OTHER), headers=h)
    assert r.status_code == 403
    with app.state.sessions() as s:
        assert s.get(Target, tid).authority_code == OWN


def test_api_writes_need_the_csrf_token(clients) -> None:
    c = clients("admin")
    r = c.post("/api/v1/targets", json=target_body(OWN))
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "csrf_failed"
    assert "got none" in r.json()["error"]["message"]
    r = c.post("/api/v1/targets", json=target_body(OWN), headers={"X-CSRF-Token": "forged"})
    assert "does not match" in r.json()["error"]["message"]


def test_forms_need_the_csrf_token(app, clients) -> None:
    c = clients("anonymous")
    r = c.post("/sign-in", data={"email": USERS["admin"][0], "password": PASSWORD})
    assert r.status_code == 403
    check_page(r.text)
    assert "CSRF token" in r.text


def test_sign_in_errors_use_the_error_summary(clients) -> None:
    c = clients("anonymous")
    token = c.get("/api/v1/session").json()["csrf_token"]
    r = c.post("/sign-in", data={"email": "", "password": "", "csrf_token": token})
    assert r.status_code == 400
    p = check_page(r.text)
    assert "govuk-error-summary" in r.text and 'href="#email"' in r.text
    assert p.title.startswith("Error: Sign in")


def test_sign_in_sets_a_secure_session_and_rotates_csrf(clients) -> None:
    c = clients("anonymous")
    before = c.get("/api/v1/session").json()["csrf_token"]
    r = sign_in(c, USERS["viewer"][0])
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert f"{COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    info = c.get("/api/v1/session").json()
    assert info["user"]["role"] == "viewer" and info["csrf_token"] != before
    # A tampered cookie is an anonymous session.
    c.cookies.set(COOKIE, c.cookies[COOKIE][:-2] + "xx")
    assert c.get("/api/v1/session").json()["user"] is None


def test_secure_cookie_flag(store_path, tmp_path) -> None:
    from healthgap.web.app import create_app
    from healthgap.web.settings import Settings
    from tests.web.conftest import TestClient

    app = create_app(
        Settings(store=str(store_path), db_url=f"sqlite:///{tmp_path}/a.db", secure_cookies=True)
    )
    with TestClient(app) as c:
        r = c.get("/sign-in")
    assert "Secure" in r.headers["set-cookie"]
    assert r.headers["strict-transport-security"].startswith("max-age=")


def test_security_headers(client) -> None:
    r = client.get("/")
    csp = r.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"


def test_login_throttling(app) -> None:
    now = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    email = USERS["viewer"][0]
    with app.state.sessions() as s:
        for _ in range(MAX_FAILURES):
            assert authenticate(s, email, "wrong password!!", now=now) is None
        with pytest.raises(Throttled):
            authenticate(s, email, PASSWORD, now=now + dt.timedelta(minutes=14))
        # After the window the right password works and clears the failures.
        assert authenticate(s, email, PASSWORD, now=now + dt.timedelta(minutes=16)) is not None
        assert s.query(LoginAttempt).count() == 0


def test_throttled_sign_in_form(clients) -> None:
    c = clients("anonymous")
    for _ in range(MAX_FAILURES):
        assert sign_in(c, USERS["admin"][0], "not the password").status_code == 400
    r = sign_in(c, USERS["admin"][0])
    assert r.status_code == 429 and "Too many failed attempts" in r.text
    check_page(r.text)


def test_passwords_are_argon2_and_checked() -> None:
    assert hash_password("a long passphrase here").startswith("$argon2id$")
    with pytest.raises(InputError, match="password must be at least 12 characters; got 5"):
        hash_password("short")


def test_add_user_errors(app) -> None:
    from healthgap.appdb.auth import add_user

    with app.state.sessions() as s:
        with pytest.raises(InputError, match="role must be one of admin, editor, approver, viewer"):
            add_user(s, "x@example.org", PASSWORD, "boss")
        with pytest.raises(InputError, match="authority must be given for an editor"):
            add_user(s, "x@example.org", PASSWORD, "editor")
        with pytest.raises(InputError, match="email must contain @"):
            add_user(s, "nobody", PASSWORD, "viewer")
        with pytest.raises(InputError, match="email must be new"):
            add_user(s, USERS["admin"][0].upper(), PASSWORD, "viewer")


def test_anonymous_sees_published_targets_only(app, clients) -> None:
    tid = seed_target(app, OWN)
    with app.state.sessions() as s:
        hidden = Target(**target_body(OWN), baseline_value=58.0, published=False)
        s.add(hidden)
        s.commit()
        hid = hidden.id
    anon = clients("anonymous")
    assert [t["id"] for t in anon.get("/api/v1/targets").json()["data"]] == [tid]
    assert anon.get(f"/api/v1/targets/{hid}").status_code == 404
    viewer = clients("viewer")
    assert len(viewer.get("/api/v1/targets").json()["data"]) == 2


def test_audit_log_view_and_export(app, clients) -> None:
    admin = clients("admin")
    h = csrf_headers(admin)
    tid = admin.post("/api/v1/targets", json=target_body(OWN), headers=h).json()["id"]
    admin.put(
        f"/api/v1/targets/{tid}", json=target_body(OWN, 62.0), headers={**h, "If-Match": '"1"'}
    )
    admin.delete(f"/api/v1/targets/{tid}", headers={**h, "If-Match": '"2"'})
    body = admin.get("/api/v1/audit").json()
    assert [e["action"] for e in body["data"]] == ["delete", "update", "create"]
    assert body["meta"]["total"] == 3
    csv = pd.read_csv(io.StringIO(admin.get("/api/v1/audit?format=csv").text))
    assert csv["action"].tolist() == ["create", "update", "delete"]
    assert '"target_value": 62.0' in csv["after"].iloc[1]
    with app.state.sessions() as s:
        assert "create" in audit.export_csv(s)
    for role, code in [("editor", 403), ("viewer", 403), ("anonymous", 401)]:
        assert clients(role).get("/api/v1/audit").status_code == code


def test_sign_out(clients) -> None:
    c = clients("viewer")
    token = c.get("/api/v1/session").json()["csrf_token"]
    assert (
        c.post("/sign-out", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    )
    assert c.get("/api/v1/session").json()["user"] is None


def test_targets_and_audit_pages(app, clients) -> None:
    admin = clients("admin")
    h = csrf_headers(admin)
    body = target_body(OWN)
    body["note"] = "<script>x</script>"
    admin.post("/api/v1/targets", json=body, headers=h)
    hidden = target_body(OTHER, 70.0)
    hidden["published"] = False
    admin.post("/api/v1/targets", json=hidden, headers=h)
    page = admin.get("/audit")
    assert page.status_code == 200
    check_page(page.text)
    assert page.text.count("create target") == 2
    assert re.search(r"Audit log(</strong>)?</a>", page.text)  # the current menu item
    assert "<script>x</script>" not in page.text  # escaped
    anon = clients("anonymous")
    r = anon.get("/targets")
    check_page(r.text)
    assert "1 targets" in r.text and "70.0" not in r.text
    assert "2 targets" in clients("viewer").get("/targets").text
    for role, status in [("anonymous", 401), ("viewer", 403), ("editor", 403)]:
        r = clients(role).get("/audit")
        assert r.status_code == status
        check_page(r.text)
        assert "Audit log</a>" not in r.text
