"""The targets section of the scorecard and profile pages, and the helpers the targets
pages share with it (the target service on the app database, the one-time notice, who may
change an authority's targets). Routers import these from here, never from another router.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import Request
from sqlalchemy.orm import Session

from healthgap.account.authority_targets import TargetBook
from healthgap.account.target_status import status_counts
from healthgap.appdb.models import User
from healthgap.appdb.permissions import Actor, Permission
from healthgap.web.deps import StoreHandle, current_user
from healthgap.web.pagecache import narrowed_reads

#: The key of the one-time "Target saved" notice in the signed session cookie.
NOTICE = "target_notice"


def book(request: Request) -> TargetBook:
    """The target service on the app's database."""
    return TargetBook(request.app.state.engine)


#: How many targets the profile and scorecard pages list; the status counts cover them
#: all and /targets lists every one (an authority may record hundreds).
SHOWN = 20


def targets_section(
    request: Request, session: Session, st: StoreHandle, authority: str
) -> dict[str, Any]:
    """What the scorecard and profile pages show of an authority's targets: the status
    counts of all of them, the first :data:`SHOWN` with their status, and whether the
    reader may add one."""
    user = current_user(request, session)
    table = _status(request, st, authority, anonymous=user is None)
    return {
        "target_notice": request.state.session.pop(NOTICE, None),
        "target_rows": target_rows(table.head(SHOWN)),
        "target_total": len(table),
        "target_counts": status_counts(table["status"]),
        "target_authority": authority,
        "can_add_target": may_change(user, authority),
    }


def _status(request: Request, st: StoreHandle, authority: str, *, anonymous: bool) -> pd.DataFrame:
    """An authority's current targets with their status (anonymous visitors: published).

    It reads that authority's targets alone: a cached page showing them is made again
    when they change, not when another authority's do (:func:`narrowed_reads`)."""
    if not authority:  # every authority's targets: the whole table is read
        return book(request).status(st, None, published_only=anonymous)
    with narrowed_reads("targets", authority):
        return book(request).status(st, authority, published_only=anonymous)


def authority_target_rows(
    request: Request, session: Session, st: StoreHandle, authority: str
) -> list[dict[str, Any]]:
    """An authority's current targets with their status (anonymous visitors: published)."""
    anonymous = current_user(request, session) is None
    return target_rows(_status(request, st, authority, anonymous=anonymous))


def target_rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {str(k): (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
        for r in table.to_dict("records")
    ]


def may_change(user: User | None, authority: str | None) -> bool:
    if user is None:
        return False
    from healthgap.appdb.permissions import allows

    return allows(Actor.of(user), Permission("target"), authority)
