"""The network on the web: the signed feed, the public key, sharing and subscriptions.

* ``GET /network/feed.json`` (signed JSON), ``/network/feed.atom`` (a readable Atom view)
  and ``/.well-known/healthgap-network-key``: public; 503 until ``healthgap network
  keygen`` has made the deployment's key. They are documented in docs/network.md rather
  than the OpenAPI document, which lists the ``/api/`` operations only.
* ``/network/sharing``: an authority's editors (and administrators) choose what is shared.
* ``/admin/network``: administrators subscribe to other deployments (confirming the key's
  fingerprint first), refresh and remove them.

Every write calls :mod:`healthgap.network` (the CLI's functions), which checks the
permission again and writes the audit log.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from healthgap.appdb.permissions import Actor, NotPermittedError, Permission, check
from healthgap.appdb.versions import StaleVersionError, VersionRequiredError, parse
from healthgap.errors import InputError
from healthgap.network import publish, signing
from healthgap.network import subscribe as subs
from healthgap.network.models import EVERY
from healthgap.network.schema import KINDS, FeedRefused
from healthgap.web import csrf
from healthgap.web.deps import DbDep, current_user, require_user, requires
from healthgap.web.errors import WebError
from healthgap.web.render import render

router = APIRouter()


def _key(request: Request) -> Any:
    key = getattr(request.app.state, "network_key", None)
    if key is None:
        settings = request.app.state.settings
        try:
            key = signing.load_key(signing.key_path(settings.network_key))
        except InputError as exc:
            raise WebError(503, "no_network_key", str(exc)) from exc
        request.app.state.network_key = key
    return key


def _publisher(request: Request) -> str:
    return str(request.app.state.settings.network_name)


def _names(request: Request) -> dict[str, str]:
    """Authority names from the store (empty when it has no IMD and lookups)."""
    try:
        names: dict[str, str] = request.app.state.store.compute(publish.authority_names)
    except Exception:  # a store without the geography tables: codes stand for names
        return {}
    return names


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get(
    "/.well-known/healthgap-network-key",
    include_in_schema=False,
)
def network_key(request: Request) -> Any:
    return publish.key_document(_key(request), _publisher(request))


@router.get(
    "/network/feed.json",
    include_in_schema=False,
)
def feed_json(request: Request) -> Response:
    key = _key(request)
    try:
        payload = publish.payload(
            request.app.state.engine, _publisher(request), key, _names(request)
        )
    except InputError as exc:
        raise WebError(503, "feed_too_large", str(exc)) from exc
    body = json.dumps(publish.envelope(payload, key), ensure_ascii=True, indent=1)
    return Response(body, media_type="application/json")


@router.get(
    "/network/feed.atom",
    include_in_schema=False,
)
def feed_atom(request: Request) -> Response:
    key = _key(request)
    try:
        payload = publish.payload(
            request.app.state.engine, _publisher(request), key, _names(request)
        )
    except InputError as exc:
        raise WebError(503, "feed_too_large", str(exc)) from exc
    return Response(publish.atom(payload, _base(request)), media_type="application/atom+xml")


# ------------------------------------------------------------------------- sharing
def _sharer(request: Request, session: Session, authority: str) -> Actor:
    user = require_user(request, session)
    who = Actor.of(user)
    code = authority or who.authority_code or ""
    try:
        check(who, Permission("network_share"), code or None)
    except NotPermittedError as exc:
        raise WebError(403, "forbidden", str(exc)) from exc
    return who


def _sharing_page(
    request: Request, session: Session, code: str, errors: list[tuple[str, str]], status: int
) -> HTMLResponse:
    engine = request.app.state.engine
    chosen = publish.choices(session, code) if code else {}
    records = publish.shareable(engine, code) if code else []
    rows = []
    for r in records:
        rid = EVERY if r["kind"] == "progress" else r["id"]
        own = chosen.get((r["kind"], rid))
        rows.append(
            {
                **r,
                "record_id": rid,
                "shared": publish.is_shared(chosen, r["kind"], rid),
                "own": own,
                "version": own.version if own else 0,
            }
        )
    kinds = [
        {
            "kind": k,
            "label": label,
            "shared": bool(chosen.get((k, EVERY)) and chosen[(k, EVERY)].shared),
            "version": chosen[(k, EVERY)].version if (k, EVERY) in chosen else 0,
        }
        for k, label in KINDS.items()
    ]
    return render(
        request,
        "network_sharing.html",
        {"code": code, "rows": rows, "kinds": kinds, "errors": errors},
        status_code=status,
    )


@router.get("/network/sharing", response_class=HTMLResponse, include_in_schema=False)
def sharing_page(request: Request, session: DbDep, authority: str = "") -> Any:
    who = _sharer(request, session, authority.strip().upper())
    code = authority.strip().upper() or (who.authority_code or "")
    return _sharing_page(request, session, code, [], 200)


@router.post("/network/sharing", include_in_schema=False, dependencies=[requires("network_share")])
def sharing_change(
    request: Request,
    session: DbDep,
    authority: Annotated[str, Form(max_length=16)] = "",
    kind: Annotated[str, Form(max_length=32)] = "",
    record_id: Annotated[str, Form(max_length=64)] = "",
    shared: Annotated[str, Form(max_length=1)] = "",
    version: Annotated[str, Form(max_length=12)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Any:
    code = authority.strip().upper()
    who = _sharer(request, session, code)
    csrf.check(request, csrf_token)
    session.commit()
    try:
        expected = parse(version, "the sharing choice")
        if expected is None:
            raise VersionRequiredError("the sharing choice")
        publish.set_sharing(
            request.app.state.engine,
            who,
            code,
            kind,
            record_id or EVERY,
            shared == "1",
            expected_version=expected,
        )
    except NotPermittedError as exc:
        raise WebError(403, "forbidden", str(exc)) from exc
    except VersionRequiredError as exc:
        return _sharing_page(request, session, code, [("sharing", str(exc))], 428)
    except StaleVersionError as exc:
        return _sharing_page(request, session, code, [("sharing", str(exc))], 409)
    except InputError as exc:
        return _sharing_page(request, session, code, [("sharing", str(exc))], 400)
    return RedirectResponse(f"/network/sharing?authority={code}", status_code=303)


# ------------------------------------------------------------------------- subscriptions
def _admin(request: Request, session: Session) -> Actor:
    user = require_user(request, session)
    who = Actor.of(user)
    try:
        check(who, Permission("network", "subscribe"))
    except NotPermittedError as exc:
        raise WebError(403, "forbidden", str(exc)) from exc
    return who


def _admin_page(
    request: Request,
    errors: list[tuple[str, str]] | None = None,
    status: int = 200,
    **extra: Any,
) -> HTMLResponse:
    engine = request.app.state.engine
    rows = [{**s.to_dict(), "checked": subs.age(s)} for s in subs.subscriptions(engine)]
    ctx = {"rows": rows, "errors": errors or [], "address": "", "confirm": None, "notice": ""}
    ctx.update(extra)
    return render(request, "network_admin.html", ctx, status_code=status)


@router.get("/admin/network", response_class=HTMLResponse, include_in_schema=False)
def admin_page(request: Request, session: DbDep, notice: str = "") -> Any:
    _admin(request, session)
    notices = {
        "subscribed": "Subscribed: the key is pinned and the feed was read.",
        "refreshed": "The feed was read again.",
        "removed": "The subscription and everything it brought were removed.",
    }
    return _admin_page(request, notice=notices.get(notice, ""))


@router.post(
    "/admin/network/subscribe",
    include_in_schema=False,
    dependencies=[requires("network", "subscribe")],
)
def admin_subscribe(
    request: Request,
    session: DbDep,
    address: Annotated[str, Form(max_length=500)] = "",
    confirm_key: Annotated[str, Form(max_length=80)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Any:
    who = _admin(request, session)
    csrf.check(request, csrf_token)
    session.commit()
    engine = request.app.state.engine
    try:
        if not confirm_key:  # step 1: show the key's fingerprint; nothing is stored
            base = subs.normalise(address)
            key = subs.fetch_key(base)
            return _admin_page(request, address=base, confirm=key)
        subs.subscribe(engine, who, address, expect_key=confirm_key)
    except FeedRefused as exc:
        if not confirm_key:
            subs.log_refusal(engine, who, address.strip()[:400], None, exc.reason)
        return _admin_page(request, [("address", f"Refused: {exc.reason}.")], 400, address=address)
    except InputError as exc:
        return _admin_page(request, [("address", str(exc))], 400, address=address)
    return RedirectResponse("/admin/network?notice=subscribed", status_code=303)


def _version(version: str) -> int:
    expected = parse(version, "the subscription")
    if expected is None:
        raise VersionRequiredError("the subscription")
    return expected


def _change_subscription(
    request: Request,
    session: Session,
    csrf_token: str,
    version: str,
    change: Callable[..., Any],
    sub_id: int,
    notice: str,
) -> Any:
    """Refresh or remove a subscription for the signed-in administrator: the version read
    is required (428 without it, 409 when stale), a refused feed is 400, an unknown
    subscription 404; errors show by the refresh button of the admin page."""
    who = _admin(request, session)
    csrf.check(request, csrf_token)
    session.commit()
    try:
        change(request.app.state.engine, who, sub_id, expected_version=_version(version))
    except VersionRequiredError as exc:
        return _admin_page(request, [("refresh", str(exc))], 428)
    except StaleVersionError as exc:
        return _admin_page(request, [("refresh", str(exc))], 409)
    except FeedRefused as exc:
        return _admin_page(request, [("refresh", f"Refused: {exc.reason}.")], 400)
    except InputError as exc:
        return _admin_page(request, [("refresh", str(exc))], 404)
    return RedirectResponse(f"/admin/network?notice={notice}", status_code=303)


def _subscription_route(action: str, change: Callable[..., Any], notice: str) -> None:
    """``POST /admin/network/{sub_id}/<action>``: refresh or remove a subscription."""

    @router.post(
        f"/admin/network/{{sub_id:int}}/{action}",
        include_in_schema=False,
        dependencies=[requires("network", "subscribe")],
        name=f"admin_{action}",
    )
    def handler(
        request: Request,
        session: DbDep,
        sub_id: int,
        version: Annotated[str, Form(max_length=12)] = "",
        csrf_token: Annotated[str, Form(max_length=200)] = "",
    ) -> Any:
        return _change_subscription(request, session, csrf_token, version, change, sub_id, notice)


_subscription_route("refresh", subs.refresh, "refreshed")
_subscription_route("remove", subs.remove, "removed")


@router.get("/network", response_class=HTMLResponse, include_in_schema=False)
def network_page(request: Request, session: DbDep) -> Any:
    user = current_user(request, session)
    return render(
        request,
        "network.html",
        {
            "can_share": user is not None and user.role in ("admin", "editor"),
            "is_admin": user is not None and user.role == "admin",
        },
    )
