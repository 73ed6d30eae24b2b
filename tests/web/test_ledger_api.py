"""``POST /api/v1/ledger/imports`` and ``GET /api/v1/ledger/imports``: ledger files
imported through the JSON API, all or nothing, for the same users as the upload page.

Every ledger file here is SYNTHETIC (made-up commissioners' budgets, providers and amounts
on real Birmingham LSOA codes, tagged "SYNTHETIC test data - not real spending" in every
row), built by the helpers of tests/web/test_ledger_pages.py. The outside references are
the uploaded bytes themselves: the SHA-256 from :mod:`hashlib`, the totals summed here with
:class:`decimal.Decimal` from the file's amount strings, and the deciles from the IMD 2019
LSOA file in the store.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy.exc import IntegrityError
from starlette.datastructures import UploadFile

from healthgap.appdb.models import AuditEntry
from healthgap.ledger import LedgerAllocation, LedgerFlow, LedgerImport, import_ledger
from healthgap.ledger.records import IMPORT_COLUMNS, ledger_imports
from healthgap.ledger.schema import KINDS
from healthgap.web.routers import ledger as ledger_router
from healthgap.web.routers.ledger import TOO_BIG, ImportRefused, import_upload
from tests.web.conftest import USERS, csrf_headers
from tests.web.test_ledger_pages import (  # noqa: F401  (birmingham is a fixture)
    OTHER,
    OWN,
    TAG,
    allocations_csv,
    birmingham,
    flows_frame,
)

URL = "/api/v1/ledger/imports"
ERROR_KEYS = {"code", "message", "details"}


# --------------------------------------------------------------------------- helpers


def post(
    c: Any,
    content: bytes | None,
    name: str = "alloc.csv",
    kind: str | None = "allocations",
    headers: dict[str, str] | None = None,
) -> Any:
    """POST a ledger file as the API's multipart form (with ``c``'s CSRF token)."""
    data = {} if kind is None else {"kind": kind}
    files = None if content is None else {"file": (name, content, "text/csv")}
    if headers is None:
        headers = csrf_headers(c)
    return c.post(URL, data=data, files=files, headers=headers)


def error(r: Any, status: int, code: str) -> dict[str, Any]:
    """The one error shape, with the expected status and code."""
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == ERROR_KEYS
    assert body["error"]["code"] == code
    return dict(body["error"])


def pence(amounts: pd.Series) -> int:
    """The file's amount strings summed exactly in pence (the outside reference)."""
    return int(sum(Decimal(a) for a in amounts) * 100)


def snapshot(app: Any) -> dict[str, pd.DataFrame]:
    """Every ledger table and the audit log, row for row."""
    out = {}
    with app.state.sessions() as s:
        for model in (LedgerImport, LedgerAllocation, LedgerFlow, AuditEntry):
            table = model.__table__
            rows = s.execute(table.select().order_by(table.c.id)).all()
            out[model.__name__] = pd.DataFrame(rows, columns=list(table.c.keys()))
    return out


def assert_unchanged(before: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame]) -> None:
    for name, frame in before.items():
        pd.testing.assert_frame_equal(frame, after[name], obj=name)


def flows_csv(lsoas: pd.DataFrame, commissioner: str = OWN) -> tuple[pd.DataFrame, bytes]:
    frame = flows_frame(lsoas, commissioner)
    return frame, frame.to_csv(index=False).encode()


# --------------------------------------------------------------------------- round trip


def test_round_trip_then_idempotent_reimport(
    clients: Callable[[str], Any],
    app: Any,
    birmingham: pd.DataFrame,  # noqa: F811  (the fixture imported above)
) -> None:
    c = clients("admin")
    alloc = allocations_csv()
    r = post(c, alloc, "alloc.csv", "allocations")
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["kind"] == "allocations" and a["file"] == "alloc.csv"
    assert a["rows_added"] == 1 and a["rows_skipped"] == 0
    assert a["total_pence"] == 1_000_000 and a["total"] == "£10,000.00"
    assert a["commissioners"] == [OWN] and a["already_imported"] is False
    assert a["sha256"] == hashlib.sha256(alloc).hexdigest()
    assert a["size_bytes"] == len(alloc)
    assert a["previous_import_id"] is None and a["imported_by"] == USERS["admin"][0]

    flows, body = flows_csv(birmingham)
    r = post(c, body, "flows.csv", "flows")
    assert r.status_code == 201, r.text
    f = r.json()
    assert f["import_id"] == a["import_id"] + 1
    assert f["rows_added"] == len(flows) == len(birmingham)
    total = pence(flows["amount"])
    assert f["total_pence"] == total
    assert f["total"] == f"£{Decimal(total) / 100:,.2f}"
    assert f["message"] == (
        f"Imported flows.csv (flows): {len(flows)} rows added, 0 already in the ledger "
        f"(import #{f['import_id']})."
    )

    # The summaries show the new flows: by decile against the file grouped by the IMD
    # 2019 decile of each LSOA.
    data = pd.DataFrame(c.get("/api/v1/ledger/summary/decile").json()["data"])
    by_decile = (
        flows.merge(birmingham, left_on="area_code", right_on="lsoa_code")
        .groupby("imd_decile")["amount"]
        .agg(lambda s: pence(s) / 100)
    )
    got = data.set_index("imd_decile")["spend_pounds"]
    assert sorted(got.index) == sorted(by_decile.index)
    for decile, pounds in by_decile.items():
        assert got[decile] == pytest.approx(pounds, rel=1e-12)
    check = c.get("/api/v1/ledger/check").json()
    assert check["ok"] is True
    assert [(d["allocated_pence"], d["flows_pence"]) for d in check["data"]] == [(1_000_000, total)]
    programme = c.get("/api/v1/ledger/summary/programme").json()["data"]
    assert [(p["programme"], p["spend_pounds"]) for p in programme] == [
        ("prevention", pytest.approx(total / 100, rel=1e-12))
    ]

    # The same file again: 200, nothing added, the ledger and audit log unchanged.
    before = snapshot(app)
    again = post(c, body, "flows.csv", "flows")
    assert again.status_code == 200, again.text
    g = again.json()
    assert g["already_imported"] is True and g["import_id"] is None
    assert g["previous_import_id"] == f["import_id"]
    assert (g["rows_added"], g["total_pence"], g["commissioners"]) == (0, 0, [])
    assert g["sha256"] == f["sha256"] == hashlib.sha256(body).hexdigest()
    assert g["message"] == "flows.csv was already imported (same contents); nothing added."
    assert_unchanged(before, snapshot(app))
    # ... also under another name (the same contents are the same file).
    renamed = post(c, body, "flows-copy.csv", "flows")
    assert renamed.status_code == 200 and renamed.json()["previous_import_id"] == f["import_id"]

    # The list of imports, newest first.
    listed = c.get(URL).json()
    assert listed["meta"]["total"] == 2
    rows = listed["data"]
    assert [r["import_id"] for r in rows] == [f["import_id"], a["import_id"]]
    assert list(rows[0]) == list(IMPORT_COLUMNS)
    assert rows[0]["file"] == "flows.csv" and rows[0]["kind"] == "flows"
    assert rows[0]["total_pence"] == total and rows[0]["commissioners"] == OWN
    assert rows[0]["imported_by"] == USERS["admin"][0]
    assert rows[1]["rows_added"] == 1 and rows[1]["total_pence"] == 1_000_000
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+\+00:00", r["imported_at"]) for r in rows)
    csv = c.get(URL + "?format=csv")
    assert csv.headers["content-type"].startswith("text/csv")
    frame = pd.read_csv(io.StringIO(csv.text))
    assert list(frame["import_id"]) == [f["import_id"], a["import_id"]]
    assert list(frame["total_pence"]) == [total, 1_000_000]
    page = c.get(URL + "?limit=1&offset=1").json()
    assert [r["import_id"] for r in page["data"]] == [a["import_id"]]
    assert page["links"]["prev"] is not None and page["links"]["next"] is None
    # Every import is in the audit log with the signed-in user.
    with app.state.sessions() as s:
        audit = [
            (e.entity, e.user_email)
            for e in s.query(AuditEntry).order_by(AuditEntry.id)
            if e.entity.startswith("ledger_")
        ]
    assert audit == [
        ("ledger_allocations", USERS["admin"][0]),
        ("ledger_flows", USERS["admin"][0]),
    ]


def test_new_rows_of_a_changed_file_are_added_and_the_rest_skipped(
    clients: Callable[[str], Any],
    birmingham: pd.DataFrame,  # noqa: F811  (the fixture imported above)
) -> None:
    c = clients("editor")
    assert post(c, allocations_csv()).status_code == 201
    flows, _ = flows_csv(birmingham)
    first = flows.head(3)
    assert post(c, first.to_csv(index=False).encode(), "part.csv", "flows").status_code == 201
    r = post(c, flows.to_csv(index=False).encode(), "all.csv", "flows")
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["rows_added"], body["rows_skipped"]) == (len(flows) - 3, 3)
    assert body["total_pence"] == pence(flows["amount"].iloc[3:])


# --------------------------------------------------------------------------- rejections


def test_rejected_file_lists_every_discrepancy_and_changes_nothing(
    clients: Callable[[str], Any],
    app: Any,
    birmingham: pd.DataFrame,  # noqa: F811  (the fixture imported above)
) -> None:
    c = clients("admin")
    assert post(c, allocations_csv(amount="100.00")).status_code == 201
    flows = flows_frame(birmingham.head(3))
    flows.loc[1, "area_code"] = "E01999999"
    flows.loc[2, "amount"] = "-5.00"
    before = snapshot(app)
    r = post(c, flows.to_csv(index=False).encode(), "bad.csv", "flows")
    err = error(r, 400, "invalid_input")
    assert err["message"].startswith(
        "bad.csv must pass every ledger check; got 3 problems, so nothing was imported:\n"
    )
    assert err["message"].endswith("Correct these rows and import the whole file again.")
    found = {(d["row"], d["column"]): d for d in err["details"]}
    assert set(found) == {(2, "amount"), (3, "area_code"), (4, "amount")}
    assert all(
        set(d) == {"file", "row", "column", "value", "rule", "amount_pence"} for d in found.values()
    )
    assert all(d["file"] == "bad.csv" for d in found.values())
    assert found[(3, "area_code")]["value"] == "E01999999"
    assert found[(3, "area_code")]["rule"] == (
        "must be an English LSOA, LAD, UTLA or ICB code known to the store"
    )
    assert found[(4, "amount")]["value"] == "-5.00"
    assert found[(4, "amount")]["rule"].startswith(
        "must not be negative unless the row is marked refund=yes"
    )
    # The three rows together (row 4's -£5.00 too: it is also listed on its own) exceed the
    # £100 allocation; the discrepancy carries their sum and the excess.
    over = found[(2, "amount")]
    spent = pence(flows["amount"])
    assert over["amount_pence"] == spent
    assert over["rule"] == (
        f"flows from {OWN} / prevention / 2024-25 must not exceed its allocation of £100.00 "
        f"(over by £{Decimal(spent - 10_000) / 100:,.2f}; rows 2, 3, 4)"
    )
    # Every discrepancy is also in the message, in the order of the details.
    lines = [ln for ln in err["message"].splitlines() if ln.startswith("  - ")]
    assert [ln.split(":")[0] for ln in lines] == [
        f"  - bad.csv row {d['row']}, column {d['column']}" for d in err["details"]
    ]
    assert_unchanged(before, snapshot(app))


def test_file_level_problems(clients: Callable[[str], Any], app: Any) -> None:
    c = clients("admin")
    before = snapshot(app)
    err = error(post(c, b"commissioner_code,amount\nX,1\n", "cols.csv"), 400, "invalid_input")
    assert err["message"].startswith("cols.csv must pass every ledger check; got ")
    missing = [d for d in err["details"] if d["row"] is None]
    assert {d["column"] for d in missing} >= {"period", "programme", "source_ref"}
    assert all(
        d["rule"] == f"the allocations file must have a column {d['column']!r}" for d in missing
    )
    err = error(post(c, b"a,b", "x.pdf"), 400, "invalid_input")
    assert err["message"] == (
        "ledger file must be .csv, .parquet or .xlsx; got 'x.pdf'. Save it in one of these formats."
    )
    assert err["details"] is None
    err = error(post(c, b"\xff\xfe\x00bad", "latin.csv"), 400, "invalid_input")
    assert err["message"].startswith("latin.csv must be UTF-8 text; got bytes that are not")
    err = error(post(c, b"", "empty.csv"), 400, "invalid_input")
    assert err["message"] == "empty.csv must have a header row and data; got an empty file."
    # Folders in the name are dropped: the file is known by its own name.
    err = error(post(c, b"", "../../etc/empty.csv"), 400, "invalid_input")
    assert err["message"].startswith("empty.csv must have a header row")
    assert_unchanged(before, snapshot(app))


def test_missing_or_wrong_fields_are_422(clients: Callable[[str], Any], app: Any) -> None:
    c = clients("admin")
    before = snapshot(app)
    err = error(post(c, allocations_csv(), kind="budgets"), 422, "invalid_request")
    assert err["message"] == (
        "kind must be one of flows, allocations; got 'budgets'. "
        "Send -F kind=flows or -F kind=allocations."
    )
    assert err["details"] == [{"location": ["body", "kind"], "message": err["message"]}]
    err = error(post(c, None, kind=None), 422, "invalid_request")
    assert [d["location"] for d in err["details"]] == [["body", "kind"], ["body", "file"]]
    assert err["details"][0]["message"].startswith(
        "kind must be one of flows, allocations; got none."
    )
    assert err["details"][1]["message"] == (
        "file must be an uploaded file part with a file name; got none. "
        "Send -F file=@flows.csv (the @ attaches the file)."
    )
    r = c.post(URL, data={"kind": "flows", "file": "flows.csv"}, headers=csrf_headers(c))
    err = error(r, 422, "invalid_request")
    assert err["message"].startswith(
        "file must be an uploaded file part with a file name; got a plain text field, not a file."
    )
    r = c.post(URL, json={"kind": "flows"}, headers=csrf_headers(c))
    assert error(r, 422, "invalid_request")["details"][0]["location"] == ["body", "kind"]
    # A second file part is more than the form allows.
    files = [("file", ("a.csv", b"x", "text/csv")), ("file", ("b.csv", b"y", "text/csv"))]
    r = c.post(URL, data={"kind": "flows"}, files=files, headers=csrf_headers(c))
    err = error(r, 400, "invalid_input")
    assert err["message"] == (
        "the request body must be a multipart form with the fields kind and file; got Too many "
        "files. Maximum number of files is 1. Send it as in docs/ledger.md: "
        "curl -F kind=flows -F file=@flows.csv ..."
    )
    assert_unchanged(before, snapshot(app))


def test_too_large_is_413(
    clients: Callable[[str], Any], app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = clients("admin")
    before = snapshot(app)
    assert TOO_BIG == (
        "the file must be smaller than 50 MB; got a larger one. Split it (for example one "
        "file per financial year) and import each part."
    )
    monkeypatch.setattr(ledger_router, "MAX_UPLOAD_BYTES", 100)
    # The multipart part is over the limit.
    err = error(post(c, allocations_csv()), 413, "too_large")
    assert err["message"] == TOO_BIG and err["details"] is None
    # The declared length is over the limit plus the form's overhead: refused unread.
    big = b"x" * 150_000
    err = error(post(c, big, "big.csv"), 413, "too_large")
    assert err["message"] == TOO_BIG
    assert_unchanged(before, snapshot(app))
    # Who may not import hears that first, before any size check.
    error(post(clients("viewer"), big, "big.csv"), 403, "forbidden")
    error(post(clients("anonymous"), big, "big.csv"), 401, "unauthenticated")


def test_import_upload_refuses_a_file_over_the_limit_while_copying(
    app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A part whose size the parser did not know is cut off when it is copied."""
    monkeypatch.setattr(ledger_router, "MAX_UPLOAD_BYTES", 10)
    upload = UploadFile(io.BytesIO(allocations_csv()), filename="alloc.csv")
    assert upload.size is None
    with app.state.sessions() as s, pytest.raises(ImportRefused, match="must be smaller than") as e:
        import_upload(s, None, _admin(s), upload, "allocations")  # type: ignore[arg-type]
    assert e.value.status == 413 and e.value.problems == ()


def _admin(session: Any) -> Any:
    from healthgap.appdb.models import User

    return session.query(User).filter_by(email=USERS["admin"][0]).one()


def test_a_concurrent_import_of_the_same_file_is_reported_as_already_imported(
    clients: Callable[[str], Any], app: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """If another request commits the same file between our checks and our commit, the
    unique keys refuse our rows; the import runs again and finds the file loaded."""
    c = clients("admin")
    alloc = allocations_csv()
    calls: list[str] = []

    def racing(session: Any, path: Any, kind: str, **kw: Any) -> Any:
        calls.append(kind)
        if len(calls) == 1:
            (tmp_path / "other.csv").write_bytes(alloc)
            with app.state.sessions() as other:
                import_ledger(other, tmp_path / "other.csv", kind, user="other@example.org")
            raise IntegrityError("INSERT INTO ledger_allocations", None, Exception("UNIQUE"))
        return import_ledger(session, path, kind, **kw)

    monkeypatch.setattr(ledger_router, "import_ledger", racing)
    r = post(c, alloc)
    assert r.status_code == 200, r.text
    assert r.json()["already_imported"] is True and r.json()["previous_import_id"] == 1
    assert calls == ["allocations", "allocations"]
    with app.state.sessions() as s:
        assert s.query(LedgerAllocation).count() == 1
        assert s.query(LedgerImport).count() == 1


# --------------------------------------------------------------------------- permissions

#: POST status of the editor's own-authority allocations file, by role.
ROLE_STATUS = {
    "anonymous": 401,
    "viewer": 403,
    "editor": 201,
    "other_editor": 403,  # the rows are the editor's authority, not theirs
    "admin": 201,
}
#: GET /api/v1/ledger/imports: any administrator or editor.
LIST_STATUS = {**ROLE_STATUS, "editor": 200, "other_editor": 200, "admin": 200}


@pytest.mark.parametrize("role", list(ROLE_STATUS))
def test_permission_matrix(clients: Callable[[str], Any], app: Any, role: str) -> None:
    c = clients(role)
    before = snapshot(app)
    r = post(c, allocations_csv(), "alloc.csv")
    assert r.status_code == ROLE_STATUS[role], r.text
    if ROLE_STATUS[role] == 201:
        assert r.json()["imported_by"] == USERS[role][0]
        with app.state.sessions() as s:
            assert [a.commissioner_code for a in s.query(LedgerAllocation)] == [OWN]
    else:
        assert_unchanged(before, snapshot(app))
    if role == "anonymous":
        err = error(r, 401, "unauthenticated")
        assert err["message"] == (
            "This action must be done by a signed-in user; got an anonymous request. "
            "Sign in at /sign-in."
        )
    elif role == "viewer":
        err = error(r, 403, "forbidden")
        assert err["message"] == (
            "ledger files must be imported by an administrator or an editor of an authority; "
            "got viewer viewer@example.org. Ask an administrator for access."
        )
    elif role == "other_editor":
        err = error(r, 403, "forbidden")
        assert err["message"].startswith(
            "alloc.csv must pass every ledger check; got 1 problem, so nothing was imported:\n"
            f"  - alloc.csv row 2, column commissioner_code: must be your own authority's code "
            f"{OTHER} (editors import only their own authority's rows; ask an administrator to "
            f"import the others); got '{OWN}'."
        )
        assert [(d["row"], d["column"], d["value"]) for d in err["details"]] == [
            (2, "commissioner_code", OWN)
        ]
    listed = c.get(URL)
    assert listed.status_code == LIST_STATUS[role], listed.text
    if LIST_STATUS[role] != 200:
        assert listed.json()["error"]["code"] in ("unauthenticated", "forbidden")


@pytest.mark.parametrize("role", ["editor", "admin"])
def test_csrf_token_is_required(clients: Callable[[str], Any], app: Any, role: str) -> None:
    c = clients(role)
    before = snapshot(app)
    err = error(post(c, allocations_csv(), headers={}), 403, "csrf_failed")
    assert err["message"] == (
        "The form or request must carry this session's CSRF token; got none. "
        "Reload the page and try again."
    )
    err = error(post(c, allocations_csv(), headers={"X-CSRF-Token": "forged"}), 403, "csrf_failed")
    assert "got a token that does not match" in err["message"]
    # The page's form field does not count for the API: the header is the one place.
    token = c.get("/api/v1/session").json()["csrf_token"]
    r = c.post(
        URL,
        data={"kind": "allocations", "csrf_token": token},
        files={"file": ("alloc.csv", allocations_csv(), "text/csv")},
    )
    error(r, 403, "csrf_failed")
    assert_unchanged(before, snapshot(app))


def test_editor_mixed_file_is_refused_whole(clients: Callable[[str], Any], app: Any) -> None:
    c = clients("editor")
    before = snapshot(app)
    mixed = allocations_csv() + allocations_csv(OTHER).split(b"\n", 1)[1]
    err = error(post(c, mixed, "mixed.csv"), 403, "forbidden")
    assert [(d["row"], d["value"]) for d in err["details"]] == [(3, OTHER)]
    assert err["details"][0]["rule"].startswith(f"must be your own authority's code {OWN}")
    assert_unchanged(before, snapshot(app))


def test_editors_list_their_own_imports(clients: Callable[[str], Any], app: Any) -> None:
    editor, other, admin = clients("editor"), clients("other_editor"), clients("admin")
    mine = post(editor, allocations_csv()).json()["import_id"]
    theirs = post(admin, allocations_csv(OTHER), "other.csv").json()["import_id"]
    both = post(admin, allocations_csv(OWN, "1.00").replace(b"prevention", b"screening"), "own.csv")
    assert both.status_code == 201, both.text
    ids = {
        role: [r["import_id"] for r in c.get(URL).json()["data"]]
        for role, c in (("editor", editor), ("other", other), ("admin", admin))
    }
    assert ids["admin"] == [both.json()["import_id"], theirs, mine]
    assert ids["editor"] == [both.json()["import_id"], mine]  # their authority's rows
    assert ids["other"] == [theirs]
    with app.state.sessions() as s:
        table = ledger_imports(s)
        one = ledger_imports(s, import_id=theirs)
    assert list(table["import_id"]) == ids["admin"]
    assert list(table["commissioners"]) == [OWN, OTHER, OWN]
    assert list(table["total_pence"]) == [100, 1_000_000, 1_000_000]
    assert list(one["import_id"]) == [theirs] and list(one.columns) == list(IMPORT_COLUMNS)
    assert str(table["imported_at"].dt.tz) == "UTC"


def test_empty_list(clients: Callable[[str], Any], app: Any) -> None:
    body = clients("admin").get(URL).json()
    assert body["data"] == [] and body["meta"]["total"] == 0
    with app.state.sessions() as s:
        empty = ledger_imports(s)
    assert empty.empty and list(empty.columns) == list(IMPORT_COLUMNS)


# --------------------------------------------------------------------------- OpenAPI


def test_openapi_describes_the_upload(client: Any) -> None:
    doc = client.get("/openapi.json").json()
    op = doc["paths"][URL]["post"]
    schema = op["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert schema["required"] == ["kind", "file"]
    assert schema["properties"]["kind"]["enum"] == list(KINDS)
    assert schema["properties"]["file"] == {
        "type": "string",
        "format": "binary",
        "description": schema["properties"]["file"]["description"],
    }
    assert [p["name"] for p in op["parameters"]] == ["X-CSRF-Token"]
    responses = op["responses"]
    for status in ("200", "201"):
        ref = responses[status]["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith("/LedgerImportOut")
    for status in ("400", "401", "403", "413", "422"):
        ref = responses[status]["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith("/ErrorBody"), status
    out = doc["components"]["schemas"]["LedgerImportOut"]
    assert {"import_id", "rows_added", "total_pence", "already_imported"} <= set(out["required"])
    listing = doc["paths"][URL]["get"]
    assert {"401", "403"} <= set(listing["responses"])
    assert "text/csv" in listing["responses"]["200"]["content"]
