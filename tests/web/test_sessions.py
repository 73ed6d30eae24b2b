"""Sessions and accounts: sign-out, a password change and disabling revoke every copy of a
cookie; idle and absolute timeouts; an atomic sign-in throttle per account and per client
address (40 parallel guesses against a live server); the same password work for unknown
emails; Secure cookies and HSTS over HTTPS."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

import healthgap.web.deps as deps
from healthgap.appdb import auth
from healthgap.appdb.auth import MAX_CLIENT_FAILURES, MAX_FAILURES, set_disabled, set_password
from healthgap.appdb.models import LoginAttempt
from healthgap.web.security import COOKIE
from tests.web.browser import serve
from tests.web.conftest import PASSWORD, USERS, TestClient, sign_in


def _user(c: TestClient) -> Any:
    return c.get("/api/v1/session").json()["user"]


def _copy(app: Any, c: TestClient) -> TestClient:
    """Another client holding a copy of ``c``'s session cookie."""
    other = TestClient(app)
    other.cookies.set(COOKIE, c.cookies[COOKIE])
    return other


def test_sign_out_revokes_every_copy_of_the_cookie(app: Any, clients: Any) -> None:
    c = clients("editor")
    copy = _copy(app, c)
    assert _user(copy)["email"] == USERS["editor"][0]
    token = c.get("/api/v1/session").json()["csrf_token"]
    assert (
        c.post("/sign-out", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    )
    assert _user(c) is None
    assert _user(copy) is None  # the copied cookie no longer signs anyone in
    copy.close()
    # signing in again works, with a new session
    assert sign_in(c, USERS["editor"][0]).status_code == 303 and _user(c) is not None


@pytest.mark.parametrize("change", ["password", "disable"])
def test_password_change_and_disabling_revoke_sessions(app: Any, clients: Any, change: str) -> None:
    c = clients("viewer")
    email = USERS["viewer"][0]
    if change == "password":
        set_password(app.state.engine, email, "a brand new passphrase")
    else:
        set_disabled(app.state.engine, email, True)
    assert _user(c) is None
    r = sign_in(c, email, "a brand new passphrase" if change == "password" else PASSWORD)
    if change == "password":
        assert r.status_code == 303
    else:  # a disabled account cannot sign in, even with the right password
        assert r.status_code == 400 and _user(c) is None
        set_disabled(app.state.engine, email, False)
        assert sign_in(c, email).status_code == 303


def test_idle_and_absolute_timeouts(
    app: Any, clients: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time as real_time

    settings = app.state.settings
    c = clients("viewer")
    start = real_time.time()

    class Clock:
        now = start

        def time(self) -> float:
            return self.now

    clock = Clock()
    monkeypatch.setattr(deps, "time", clock)
    # active every 20 minutes: never idle for 30, but 8 hours after sign-in it ends
    for minutes in range(20, 8 * 60, 20):
        clock.now = start + minutes * 60
        assert _user(c) is not None, minutes
    clock.now = start + settings.session_max_age + 1
    assert _user(c) is None
    # idle for longer than the limit
    clock.now = real_time.time()
    assert sign_in(c, USERS["viewer"][0]).status_code == 303
    clock.now += settings.session_idle - 5
    assert _user(c) is not None
    clock.now += settings.session_idle + 5
    assert _user(c) is None


def _failures(app: Any, email: str) -> int:
    with app.state.sessions() as s:
        return int(
            s.scalar(
                select(func.count()).select_from(LoginAttempt).where(LoginAttempt.email == email)
            )
            or 0
        )


def test_forty_parallel_guesses_evaluate_at_most_the_limit(app: Any) -> None:
    email = USERS["admin"][0]
    with serve(app) as url:

        def guess(i: int) -> int:
            with httpx.Client(base_url=url, timeout=60) as c:
                token = c.get("/api/v1/session").json()["csrf_token"]
                r = c.post(
                    "/sign-in",
                    data={"email": email, "password": f"wrong guess {i}", "csrf_token": token},
                    headers={"X-Forwarded-For": f"10.0.0.{i}"},
                )
                return r.status_code

        with ThreadPoolExecutor(40) as pool:
            codes = list(pool.map(guess, range(40)))
    assert set(codes) <= {400, 429}
    assert codes.count(400) <= MAX_FAILURES, codes
    assert _failures(app, email) <= MAX_FAILURES


def test_throttle_per_client_address(app: Any) -> None:
    with app.state.sessions() as s:
        for i in range(MAX_CLIENT_FAILURES):
            assert auth.authenticate(s, f"nobody{i}@example.org", "wrong", client="1.2.3.4") is None
        with pytest.raises(auth.Throttled):
            auth.authenticate(s, USERS["viewer"][0], PASSWORD, client="1.2.3.4")
        # another address is not held up
        assert auth.authenticate(s, USERS["viewer"][0], PASSWORD, client="5.6.7.8") is not None


def test_unknown_and_known_emails_cost_the_same(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    checked: list[str] = []
    real = auth.verify_password

    def counting(hashed: str, password: str) -> bool:
        checked.append(hashed)
        return real(hashed, password)

    monkeypatch.setattr(auth, "verify_password", counting)
    with app.state.sessions() as s:
        assert auth.authenticate(s, "nobody@example.org", "a wrong password") is None
        assert auth.authenticate(s, USERS["viewer"][0], "a wrong password") is None
    assert len(checked) == 2 and all(h.startswith("$argon2id$") for h in checked)


def test_secure_cookies_and_hsts_over_https_only(app: Any) -> None:
    assert app.state.settings.secure_cookies == "auto"
    with TestClient(app, base_url="https://testserver") as https:
        r = https.get("/sign-in")
        assert "Secure" in r.headers["set-cookie"]
        assert r.headers["strict-transport-security"].startswith("max-age=")
    with TestClient(app) as plain:
        r = plain.get("/sign-in")
        assert "Secure" not in r.headers["set-cookie"]
        assert "strict-transport-security" not in r.headers
