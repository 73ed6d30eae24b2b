"""User-defined places saved in the app database, usable wherever a footprint is.

A saved place is a name and a list of LSOA (2021) or LAD (2024) codes, e.g. the
neighbourhoods of a health inequalities programme or a group of districts. Saving checks
every code against the store's lookups and refuses the whole place, listing the unknown
codes, if any is wrong (nothing is saved). Once saved, :func:`saved_footprint` turns it into
a :class:`~healthgap.geography.resolve.Footprint`, so Core20, the report and anything else
that takes a footprint work for it; CLI and pages name it ``place:<name>``.

Rules
-----
* Administrators and editors save places (viewers read them); an editor's place belongs to
  its authority, and only that authority's editors (or an administrator) change it.
* Limits: a name of 1 to 200 characters without control characters; 1 to
  :data:`MAX_AREAS` codes (a 20,000-LSOA place is a region: use the region).
* Every change is versioned: :func:`update_place` must be given the version it was based
  on, and a stale version is refused (someone else changed it first).
* Every change is written to the audit log with the place before and after.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthgap.appdb import audit
from healthgap.appdb.models import SavedPlace, User
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.geography.footprints import Place
from healthgap.geography.resolve import Footprint, footprint

MAX_AREAS = 20_000
LEVELS = ("lsoa", "lad")
PREFIX = "place:"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class PlaceConflictError(InputError):
    """The place was changed by someone else since the version the change was based on."""


class PlacePermissionError(InputError):
    """The user may not make this change."""


def _clean_name(name: str) -> str:
    text = str(name).strip()
    if not text or len(text) > 200 or _CONTROL.search(text):
        raise InputError(
            f"a place's name must be 1 to 200 characters without control characters; got "
            f"{text[:40]!r} ({len(text)} characters). Give a short plain name.",
            field="name",
        )
    return text


def _check(areas: Any, level: str, name: str, store: Store) -> list[str]:
    if level not in LEVELS:
        raise InputError(
            f"place {name!r} level must be 'lsoa' (LSOA 2021 codes) or 'lad' (LAD 2024 codes); "
            f"got {level!r}.",
            field="level",
        )
    if isinstance(areas, str):
        areas = re.split(r"[\s,]+", areas)
    codes = sorted({str(a).strip().upper() for a in areas if str(a).strip()})
    if not codes or len(codes) > MAX_AREAS:
        raise InputError(
            f"place {name!r} must list 1 to {MAX_AREAS:,} codes; got {len(codes):,}. "
            "For a larger area use its region or ICB code.",
            field="areas",
        )
    footprint(Place(name, codes, level=level), store)  # lists every unknown code
    return codes


def _may_change(user: User, authority_code: str | None) -> None:
    if user.role == "admin":
        return
    if user.role != "editor" or (
        authority_code is not None and user.authority_code != authority_code
    ):
        raise PlacePermissionError(
            f"places must be changed by an administrator or an editor of their authority; "
            f"{user.email} is {'an' if user.role[0] in 'aeiou' else 'a'} {user.role}"
            + (f" of {user.authority_code}" if user.authority_code else "")
            + ". Ask an administrator."
        )


def save_place(
    session: Session,
    user: User,
    name: str,
    areas: Any,
    store: Store,
    *,
    level: str = "lsoa",
    description: str = "",
) -> SavedPlace:
    """Save a new place (all or nothing); returns it with its database-assigned id."""
    _may_change(user, user.authority_code)
    clean = _clean_name(name)
    codes = _check(areas, level, clean, store)
    if session.scalar(select(SavedPlace).where(SavedPlace.name == clean)) is not None:
        raise InputError(
            f"a place's name must be unique; got {clean!r}, which is already saved. Choose "
            "another name or update that place.",
            field="name",
        )
    place = SavedPlace(
        name=clean,
        level=level,
        areas=codes,
        description=str(description)[:2000],
        authority_code=user.authority_code if user.role == "editor" else None,
        created_by=user.email,
        version=1,
    )
    session.add(place)
    session.flush()
    audit.record(
        session, user.email, "create", "place", place.id, place.authority_code, None,
        place.to_dict(),
    )  # fmt: skip
    session.commit()
    return place


def update_place(
    session: Session,
    user: User,
    name: str,
    areas: Any,
    store: Store,
    *,
    version: int,
    level: str | None = None,
) -> SavedPlace:
    """Replace a place's areas; ``version`` must be the version the change is based on."""
    place = get_place(session, name)
    _may_change(user, place.authority_code)
    if version != place.version:
        raise PlaceConflictError(
            f"place {place.name!r} version must be the current one to change it; got "
            f"{version}, but it is at version {place.version} (changed since). Reload it and "
            "make the change again."
        )
    before = place.to_dict()
    new_level = level or place.level
    place.areas = _check(areas, new_level, place.name, store)
    place.level = new_level
    place.version += 1
    audit.record(
        session, user.email, "update", "place", place.id, place.authority_code, before,
        place.to_dict(),
    )  # fmt: skip
    session.commit()
    return place


def get_place(session: Session, name: str) -> SavedPlace:
    """The saved place called ``name`` (with or without the ``place:`` prefix)."""
    wanted = str(name).removeprefix(PREFIX).strip()
    place = session.scalar(select(SavedPlace).where(SavedPlace.name == wanted))
    if place is None:
        names = list(session.scalars(select(SavedPlace.name).order_by(SavedPlace.name)))
        listed = ", ".join(names[:10]) if names else "none yet"
        raise InputError(
            f"place must be the name of a saved place; got {wanted!r}. Saved places: {listed}."
        )
    return place


def list_places(session: Session) -> list[SavedPlace]:
    """Every saved place, by name."""
    return list(session.scalars(select(SavedPlace).order_by(SavedPlace.name)))


def saved_footprint(session: Session, name: str, store: Store) -> Footprint:
    """The saved place ``name`` as a :class:`~healthgap.geography.resolve.Footprint`."""
    place = get_place(session, name)
    return footprint(
        Place(place.name, list(place.areas), level=place.level, code=f"{PREFIX}{place.name}"),
        store,
    )


def as_place(session: Session, name: str) -> Place:
    """The saved place ``name`` as a :class:`~healthgap.geography.footprints.Place`."""
    place = get_place(session, name)
    return Place(place.name, list(place.areas), level=place.level, code=f"{PREFIX}{place.name}")
