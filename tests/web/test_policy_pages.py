"""Policy pages and API: screening flows, the permissions matrix for every write, what
each role can read, and the simulation (numbers equal healthgap.policy's; known answers)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from healthgap.appdb.auth import add_user
from healthgap.appdb.models import AuditEntry
from healthgap.policy import PolicyOption, Range, simulate
from healthgap.policy.screening import ScreeningRepository
from healthgap.policy.spec import baseline_from_store, regions_from_store
from tests.policy.test_screening import ANSWERS
from tests.web.conftest import PASSWORD, USERS, TestClient, check_page, sign_in

OWN, OTHER = "E08000025", "E06000001"  # the editor's authority, and another's
PAGES = ["/policy", "/policy/simulate"]


def _token(c: TestClient) -> str:
    return str(c.get("/api/v1/session").json()["csrf_token"])


def _seed(app: Any, authority: str = OWN, *, complete: bool = True, signed: bool = False) -> int:
    repo = ScreeningRepository(app.state.engine)
    sid = repo.create("Employment support", authority=authority, by="seed@example.org")
    if complete:
        for qid, value in ANSWERS.items():
            repo.answer(sid, qid, value, by="seed@example.org")
    if signed:
        repo.sign_off(sid, by="approver@example.org", role="DPH")
    return sid


def _version(c: TestClient, sid: int) -> str:
    """The hidden version field of the screening's answer forms, as the page shows it."""
    found = re.search(r'name="version" value="(\d+)"', c.get(f"/policy/{sid}").text)
    assert found is not None, "the answer form carries no version field"
    return found[1]


def test_pages_pass_the_structure_checks(client: TestClient) -> None:
    for url in PAGES:
        r = client.get(url)
        assert r.status_code == 200, (url, r.text[:300])
        check_page(r.text)
    assert '<a class="govuk-service-navigation__link" href="/policy"' in client.get("/").text


def test_create_answer_with_an_error_and_sign_off(
    app: Any, clients: Callable[[str], TestClient]
) -> None:
    c = clients("editor")
    r = c.get("/policy/new")
    check_page(r.text)
    assert "E08000025" in r.text
    # missing title: the error summary, nothing created
    r = c.post("/policy/new", data={"title": " ", "csrf_token": _token(c)})
    assert r.status_code == 400
    check_page(r.text)
    assert "There is a problem" in r.text and 'href="#title"' in r.text
    r = c.post(
        "/policy/new",
        data={"title": "Employment support", "csrf_token": _token(c)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    sid = int(r.headers["location"].rsplit("/", 1)[1])
    page = c.get(f"/policy/{sid}").text
    check_page(page)
    assert 'name="deprivation" type="radio"' in page and "<textarea" in page
    # a review date that is not a date: error summary linking to the field, value kept
    r = c.post(
        f"/policy/{sid}/answers",
        data={
            "csrf_token": _token(c),
            "stage": "review",
            "review_date": "next spring",
            "version": _version(c, sid),
        },
    )
    assert r.status_code == 400
    check_page(r.text)
    assert 'href="#q-review_date"' in r.text and "must be a date written YYYY-MM-DD" in r.text
    assert 'value="next spring"' in r.text and "govuk-input--error" in r.text
    # nothing changed: an error too
    r = c.post(
        f"/policy/{sid}/answers",
        data={"csrf_token": _token(c), "stage": "prepare", "version": _version(c, sid)},
    )
    assert r.status_code == 400 and "Change at least one answer" in r.text
    # answer every stage through the forms (multi-choice as repeated fields)
    for stage in ("prepare", "assess", "refine", "review"):
        from healthgap.policy.questions import QUESTIONS

        fields: dict[str, Any] = {
            "csrf_token": _token(c),
            "stage": stage,
            "version": _version(c, sid),
        }
        for q in QUESTIONS:
            if q.stage == stage and q.id in ANSWERS:
                fields[q.id] = ANSWERS[q.id]
        r = c.post(f"/policy/{sid}/answers", data=fields, follow_redirects=False)
        assert r.status_code == 303, r.text[:500]
    rec = c.get(f"/api/v1/policy/screenings/{sid}").json()
    assert rec["status"] == "ready for sign-off"
    assert rec["answers"]["assess"]["plus_groups"] == ANSWERS["plus_groups"]
    # the editor who wrote the answers sees no sign-off form and may not sign off
    page = c.get(f"/policy/{sid}").text
    assert f'action="/policy/{sid}/sign-off"' not in page and "Sign-off is by an approver" in page
    r = c.post(
        f"/policy/{sid}/sign-off",
        data={"csrf_token": _token(c), "signoff_role": "DPH"},
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert "must be signed off by an administrator or that authority&#39;s approver" in r.text
    # the authority's approver signs off
    with app.state.sessions() as s:
        add_user(s, "dph@example.org", PASSWORD, "approver", OWN)
    c = clients("anonymous")
    assert sign_in(c, "dph@example.org").status_code == 303
    page = c.get(f"/policy/{sid}").text
    fingerprint = re.search(r'name="fingerprint" value="([0-9a-f]{64})"', page)[1]
    # sign-off without a role: error summary
    r = c.post(f"/policy/{sid}/sign-off", data={"csrf_token": _token(c), "signoff_role": ""})
    assert r.status_code == 400 and 'href="#signoff_role"' in r.text
    r = c.post(
        f"/policy/{sid}/sign-off",
        data={
            "csrf_token": _token(c),
            "fingerprint": fingerprint,
            "signoff_role": "Director of Public Health",
            "signoff_statement": "Agreed with the mitigations.",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = c.get(f"/policy/{sid}").text
    check_page(page)
    rec = c.get(f"/api/v1/policy/screenings/{sid}").json()
    assert rec["status"] == "signed off" and rec["fingerprint"] in page
    assert "Director of Public Health" in page and "Agreed with the mitigations." in page
    # exports
    for fmt, media in (
        ("md", "text/markdown"),
        ("html", "text/html"),
        ("json", "application/json"),
    ):
        r = c.get(f"/policy/{sid}/export.{fmt}")
        assert r.status_code == 200 and r.headers["content-type"].startswith(media)
        assert rec["fingerprint"] in r.text
    assert c.get(f"/policy/{sid}/export.pdf").status_code == 404
    # the audit log has every write, by the signed-in user
    admin = clients("admin")
    log = admin.get("/api/v1/audit?limit=100").json()["data"]
    mine = [e for e in log if e["entity"] == "policy_screening" and e["entity_id"] == str(sid)]
    assert sorted({e["action"] for e in mine}) == ["answer", "create", "sign_off"]
    assert {e["user_email"] for e in mine if e["action"] != "sign_off"} == {USERS["editor"][0]}
    assert [e["user_email"] for e in mine if e["action"] == "sign_off"] == ["dph@example.org"]
    assert len(mine) == 1 + len(ANSWERS) + 1


# --------------------------------------------------------------------- permissions matrix

ROLES = ["anonymous", "viewer", "editor", "other_editor", "admin"]


def _expected(role: str, authority: str, endpoint: str = "") -> int:
    if role == "anonymous":
        return 401
    if endpoint.endswith("sign_off"):  # administrators and the authority's approvers only
        return 0 if role == "admin" else 403
    if role == "admin" or (role in ("editor", "other_editor") and USERS[role][2] == authority):
        return 0  # allowed
    return 403


def _write(c: TestClient, app: Any, endpoint: str, authority: str) -> Any:
    token = _token(c)
    if endpoint == "api_create":
        return c.post(
            "/api/v1/policy/screenings",
            json={"title": "New", "authority_code": authority},
            headers={"X-CSRF-Token": token},
        )
    if endpoint == "page_create":
        return c.post(
            "/policy/new",
            data={"title": "New", "authority": authority, "csrf_token": token},
            follow_redirects=False,
        )
    sid = _seed(app, authority)
    version = ScreeningRepository(app.state.engine).get(sid).version
    if endpoint == "api_answer":
        return c.post(
            f"/api/v1/policy/screenings/{sid}/answers",
            json={"question_id": "summary", "value": "Changed."},
            headers={"X-CSRF-Token": token, "If-Match": f'"{version}"'},
        )
    if endpoint == "page_answer":
        return c.post(
            f"/policy/{sid}/answers",
            data={
                "csrf_token": token,
                "stage": "prepare",
                "summary": "Changed.",
                "version": version,
            },
            follow_redirects=False,
        )
    read = ScreeningRepository(app.state.engine).get(sid).fingerprint
    if endpoint == "api_sign_off":
        return c.post(
            f"/api/v1/policy/screenings/{sid}/sign-off",
            json={"role": "DPH", "fingerprint": read},
            headers={"X-CSRF-Token": token},
        )
    return c.post(
        f"/policy/{sid}/sign-off",
        data={"csrf_token": token, "signoff_role": "DPH", "fingerprint": read},
        follow_redirects=False,
    )


ENDPOINTS = [
    "api_create",
    "page_create",
    "api_answer",
    "page_answer",
    "api_sign_off",
    "page_sign_off",
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_permissions_matrix(app: Any, clients: Callable[[str], TestClient], endpoint: str) -> None:
    """Every role x own/other authority for one write endpoint (one app, one client each)."""
    made = {role: clients(role) for role in ROLES}
    for role in ROLES:
        for authority in (OWN, OTHER):
            c = made[role]
            posted = authority
            if endpoint == "page_create" and role in ("editor", "other_editor"):
                # an editor's form files under their own authority whatever is posted
                authority = str(USERS[role][2])
            with Session(app.state.engine) as s:
                before = len(s.scalars(select(AuditEntry)).all())
            r = _write(c, app, endpoint, posted)
            want = _expected(role, authority, endpoint)
            with Session(app.state.engine) as s:
                after = len(s.scalars(select(AuditEntry)).all())
            seeded = 0 if endpoint.endswith("create") else 1 + len(ANSWERS)
            case = (endpoint, role, posted)
            if want:
                assert r.status_code == want, (case, r.text[:300])
                assert after - before == seeded, case  # the refused write left no trace
                if endpoint.startswith("api"):
                    err = r.json()["error"]
                    assert err["code"] == ("unauthenticated" if want == 401 else "forbidden")
                    if want == 403:
                        rule = (
                            "must be signed off by an administrator or that authority's approver"
                            if endpoint.endswith("sign_off")
                            else "must be changed by an administrator or that authority"
                        )
                        assert rule in err["message"], err["message"]
            else:
                assert r.status_code in (201, 303), (case, r.text[:300])
                assert after - before == seeded + 1, case
                if endpoint == "page_create":
                    sid = r.headers["location"].rsplit("/", 1)[1]
                    rec = c.get(f"/api/v1/policy/screenings/{sid}").json()
                    assert rec["authority_code"] == authority, case


def test_csrf_is_required(app: Any, clients: Callable[[str], TestClient]) -> None:
    c = clients("admin")
    r = c.post("/api/v1/policy/screenings", json={"title": "T", "authority_code": OWN})
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf_failed"
    sid = _seed(app)
    r = c.post(f"/policy/{sid}/answers", data={"stage": "prepare", "summary": "x"})
    assert r.status_code == 403 and "CSRF token" in r.text


def test_what_each_role_can_read(app: Any, clients: Callable[[str], TestClient]) -> None:
    draft = _seed(app, OWN, complete=False)
    signed = _seed(app, OTHER, signed=True)
    repo = ScreeningRepository(app.state.engine)
    repo.answer(signed, "summary", "Unapproved draft text.", by="seed@example.org")
    seen = {}
    for role in ROLES:
        c = clients(role)
        seen[role] = {r["id"] for r in c.get("/api/v1/policy/screenings").json()["data"]}
        page = c.get("/policy").text
        check_page(page)
        public = c.get(f"/api/v1/policy/screenings/{signed}").json()
        if role in ("admin", "other_editor"):
            assert public["answers"]["prepare"]["summary"] == "Unapproved draft text."
            assert public["status"] == "changed since sign-off"
        else:  # the version that was signed off
            assert public["answers"]["prepare"]["summary"] == ANSWERS["summary"]
            assert public["status"] == "signed off"
    assert seen["admin"] == {draft, signed}
    assert seen["editor"] == {draft, signed}
    assert seen["other_editor"] == {signed}
    assert seen["viewer"] == seen["anonymous"] == {signed}
    anon = clients("anonymous")
    assert anon.get(f"/policy/{draft}").status_code == 404
    assert anon.get(f"/api/v1/policy/screenings/{draft}").json()["error"]["code"] == "not_found"
    assert anon.get(f"/policy/{draft}/export.md").status_code == 404
    page = anon.get(f"/policy/{signed}").text
    check_page(page)
    assert (
        "as it stood when it was last signed off" in page
        and '<form method="post" action="/policy/' not in page
    )
    assert anon.get("/policy/new").status_code == 401
    assert clients("viewer").get("/policy/new").status_code == 403


# --------------------------------------------------------------------- simulation

TARGETED = {
    "run": "1",
    "name": "Targeted",
    "via": "determinant",
    "effect_1": "3",
    "spread": "50",
    "determinant": "employment rate, points",
    "per_unit_low": "0.1",
    "per_unit": "0.25",
    "per_unit_high": "0.4",
    "compare": "yes",
    "draws": "1000",
    "seed": "20261123",
}


def test_simulation_equals_the_domain_function(shared_app: Any, client: TestClient) -> None:
    body = client.get("/api/v1/policy/simulate", params=TARGETED).json()
    handle = shared_app.state.store
    base = handle.compute(
        baseline_from_store, "hle_birth_imd2015_decile", sex="Male", period="2015-2017"
    )
    regions = handle.compute(regions_from_store, "hle_birth", sex="Male", period="2015-2017")
    unit = Range(0.1, 0.25, 0.4)
    options = [
        PolicyOption("Targeted", {1: [1.5, 3.0, 4.5]}, via="determinant", per_unit=unit),
        PolicyOption(
            "Same average gain, spread evenly",
            {"all": [0.15, 0.3, 0.45]},
            via="determinant",
            per_unit=unit,
        ),
    ]
    sim = simulate(
        base, options, se="se" if "se" in base else None, regions=regions, draws=1000, seed=20261123
    )
    got = {(r["option"], r["measure"]): r for r in body["summary"]}
    assert len(got) == len(sim.summary)
    for r in sim.summary.to_dict("records"):
        g = got[(r["option"], r["measure"])]
        for k in ("baseline", "projected", "change", "change_lower_95_0", "change_upper_95_0"):
            assert g[k] == pytest.approx(r[k], rel=1e-12, abs=1e-15), (r["measure"], k)
        assert g["verdict"] == r["verdict"]
    assert body["verdicts"] == sim.verdicts
    measures = {m for _, m in got}
    assert {"sii", "rii", "core20_gap", "regional_gap", "atkinson_ede", "kolm_ede"} <= measures
    # the page shows the same verdicts and passes the structure checks
    page = client.get("/policy/simulate", params=TARGETED)
    check_page(page.text)
    assert (
        "<strong>Targeted</strong>: the gap (slope index of inequality) <strong>narrows</strong>"
        in page.text
    )
    assert 'data-spec-id="plane-chart-spec"' in page.text
    csv = client.get(
        "/api/v1/policy/simulate", params={**TARGETED, "format": "csv", "table": "plane"}
    )
    assert csv.text.splitlines()[0].startswith("option,efficiency,efficiency_lower_95_0")


def test_known_answers(client: TestClient) -> None:
    """Uniform gain: SII, Core20 and regional gaps exactly unchanged. One year in decile 1
    only: SII changes by c1 (Low & Low 2004 weights, METHODS.md), Core20 gap by -1/2,
    mean by 1/10."""
    params = {"run": "1", "via": "indicator", "spread": "0", "draws": "200", "seed": "1"}
    uniform = {**params, **{f"effect_{d}": "0.4" for d in range(1, 11)}}
    body = client.get("/api/v1/policy/simulate", params=uniform).json()
    rows = {r["measure"]: r for r in body["summary"] if r["option"] == "Policy option"}
    for m in ("sii", "core20_gap", "regional_gap", "kolm_gap"):
        assert rows[m]["change"] == 0.0 and rows[m]["change_lower_95_0"] == 0.0
        assert rows[m]["change_upper_95_0"] == 0.0
    assert rows["mean"]["change"] == pytest.approx(0.4, rel=1e-10)
    assert body["verdicts"]["Policy option"] == "no clear effect"
    one = {**params, "effect_1": "1"}
    body = client.get("/api/v1/policy/simulate", params=one).json()
    rows = {r["measure"]: r for r in body["summary"] if r["option"] == "Policy option"}
    x = (np.arange(1, 11) - 0.5) / 10  # rank midpoints, equal shares a = 1/10
    c1 = 0.1 * (x[0] - 0.5) / np.sum(0.1 * (x - 0.5) ** 2)
    assert c1 == pytest.approx(-6 / 11, rel=1e-12)
    assert rows["sii"]["change"] == pytest.approx(c1, rel=1e-10)
    assert rows["core20_gap"]["change"] == pytest.approx(-0.5, rel=1e-10)
    assert rows["mean"]["change"] == pytest.approx(0.1, rel=1e-10)
    assert body["verdicts"]["Policy option"] == "narrows"
    even = {r["measure"]: r for r in body["summary"] if r["option"] != "Policy option"}
    assert even == {}  # compare unticked: one option only


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        (
            {"effect_1": "abc"},
            "effect-1",
            "Effect on decile 1 must be a number, like 0.5; got &#39;abc&#39;",
        ),
        ({}, "effect-1", "Enter the expected effect on at least one decile"),
        (
            {"effect_2": "1", "spread": "150"},
            "spread",
            "Uncertainty must be from 0 to 100 per cent; got 150",
        ),
        (
            {"effect_2": "1", "draws": "5"},
            "draws",
            "Draws must be a whole number from 100 to 20,000",
        ),
        (
            {"effect_2": "1", "via": "determinant"},
            "per_unit",
            "Enter the effect on the indicator per unit",
        ),
        (
            {"effect_2": "1", "via": "determinant", "per_unit": "0.2", "per_unit_low": "0.3"},
            "per_unit_low",
            "lowest &lt;= central &lt;= highest; got 0.3, 0.2, 0.2",
        ),
        (
            {"effect_2": "1", "name": "Same average gain, spread evenly"},
            "name",
            "Option name must differ",
        ),
    ],
)
def test_simulation_form_errors(
    client: TestClient, params: dict[str, str], field: str, message: str
) -> None:
    r = client.get("/policy/simulate", params={"run": "1", **params})
    assert r.status_code == 400
    check_page(r.text)
    assert "There is a problem" in r.text and f'href="#{field}"' in r.text
    assert message in r.text
    api = client.get("/api/v1/policy/simulate", params={"run": "1", **params})
    assert api.status_code == 400
    err = api.json()["error"]
    assert err["code"] == "invalid_input" and err["details"][0]["location"] == ["query", field]
    assert re.sub("&#39;", "'", re.sub("&lt;", "<", message)) in err["message"]


def test_a_stale_answer_is_refused_and_nothing_stored(
    app: Any, clients: Callable[[str], TestClient]
) -> None:
    """Answers name the version read: 428 without it, 409 (API) or the form again with a
    GOV.UK error (page) when someone answered since; nothing of the stale write is stored."""
    sid = _seed(app, OWN, complete=False)
    c = clients("editor")
    repo = ScreeningRepository(app.state.engine)
    # the API: the ETag of the read is the version; If-Match is required
    r = c.get(f"/api/v1/policy/screenings/{sid}")
    read = r.headers["ETag"]
    assert read == f'"{repo.get(sid).version}"' and r.json()["version"] == 1
    body = {"question_id": "summary", "value": "First."}
    r = c.post(
        f"/api/v1/policy/screenings/{sid}/answers",
        json=body,
        headers={"X-CSRF-Token": _token(c)},
    )
    assert r.status_code == 428, r.text
    assert "must name the version it is based on" in r.json()["error"]["message"]
    assert repo.get(sid).answers == {}
    r = c.post(
        f"/api/v1/policy/screenings/{sid}/answers",
        json=body,
        headers={"X-CSRF-Token": _token(c), "If-Match": read},
    )
    assert r.status_code == 201, r.text
    assert r.headers["ETag"] == '"2"' and r.json()["version"] == 2
    # a second write from the same (now stale) read: 409, nothing stored
    r = c.post(
        f"/api/v1/policy/screenings/{sid}/answers",
        json={"question_id": "summary", "value": "Second."},
        headers={"X-CSRF-Token": _token(c), "If-Match": read},
    )
    assert r.status_code == 409, r.text
    err = r.json()["error"]
    assert err["code"] == "conflict"
    assert "based on version 1, but it is now version 2" in err["message"]
    rec = repo.get(sid)
    assert rec.answers == {"summary": "First."} and rec.version == 2
    # the form: a page read before the API write above carries version 2; after another
    # answer it is stale and comes back with the error, the typed answer and version 3
    stale = _version(c, sid)
    repo.answer(sid, "summary", "Third.", by="seed@example.org", expected_version=2)
    with Session(app.state.engine) as s:
        audits = len(s.scalars(select(AuditEntry)).all())
    r = c.post(
        f"/policy/{sid}/answers",
        data={"csrf_token": _token(c), "stage": "prepare", "summary": "Mine.", "version": stale},
        follow_redirects=False,
    )
    assert r.status_code == 409, r.text[:300]
    check_page(r.text)
    assert "There is a problem" in r.text and 'href="#q-summary"' in r.text
    assert "changed by someone else since you read it" in r.text
    assert "Mine." in r.text and 'name="version" value="3"' in r.text
    assert repo.get(sid).answers == {"summary": "Third."}
    with Session(app.state.engine) as s:
        assert len(s.scalars(select(AuditEntry)).all()) == audits
    # without the field: 428; resaving from the page shown: stored
    r = c.post(
        f"/policy/{sid}/answers",
        data={"csrf_token": _token(c), "stage": "prepare", "summary": "Mine."},
    )
    assert r.status_code == 428
    assert repo.get(sid).answers == {"summary": "Third."}
    r = c.post(
        f"/policy/{sid}/answers",
        data={"csrf_token": _token(c), "stage": "prepare", "summary": "Mine.", "version": "3"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert repo.get(sid).answers == {"summary": "Mine."} and repo.get(sid).version == 4


def test_a_sign_off_must_name_the_answers_read(
    app: Any, clients: Callable[[str], TestClient]
) -> None:
    """A sign-off approves the answers read: 428 without their fingerprint, 409 when
    someone answered since; neither signs anything."""
    sid = _seed(app, OWN)
    repo = ScreeningRepository(app.state.engine)
    c = clients("admin")
    url = f"/api/v1/policy/screenings/{sid}/sign-off"
    read = c.get(f"/api/v1/policy/screenings/{sid}").json()["fingerprint"]
    r = c.post(url, json={"role": "DPH"}, headers={"X-CSRF-Token": _token(c)})
    assert r.status_code == 428, r.text
    assert "must name the fingerprint of the answers you read; got none" in r.text
    r = c.post(
        f"/policy/{sid}/sign-off",
        data={"csrf_token": _token(c), "signoff_role": "DPH"},
        follow_redirects=False,
    )
    assert r.status_code == 428
    assert repo.get(sid).signoffs == ()
    repo.answer(sid, "summary", "Changed since.", by="seed@example.org")
    r = c.post(url, json={"role": "DPH", "fingerprint": read}, headers={"X-CSRF-Token": _token(c)})
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"
    assert repo.get(sid).signoffs == ()
    now = repo.get(sid).fingerprint
    r = c.post(url, json={"role": "DPH", "fingerprint": now}, headers={"X-CSRF-Token": _token(c)})
    assert r.status_code == 201 and r.json()["status"] == "signed off"
