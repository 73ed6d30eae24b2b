"""Strategic-authority membership as a dated fact, from the ONS lookups of 2023, 2024 and 2025.

Membership of England's strategic authorities changes: North of Tyne (E47000011) and the
old North East combined authority (E47000010) were replaced by the North East mayoral
combined authority (E47000014) in May 2024; East Midlands, York and North Yorkshire,
Lancashire, Devon and Torbay, Greater Lincolnshire and Hull and East Yorkshire were created
in 2024-25. healthgap keeps every ONS lookup it has and answers "who were the members of
X on date D" from the lookup in force on that date:

=============  ==========================  ==============================================
vintage        in force from               store table
=============  ==========================  ==============================================
``2023-12``    1 December 2023 (and, for   ``lookup_lad23_cauth23_en`` (10 authorities)
               earlier dates, the earliest
               lookup held; see the note)
``2024-05``    1 May 2024                  ``lookup_lad24_cauth24_may2024`` (11)
``2025-05``    1 May 2025                  ``lookup_lad25_cauth25_may2025`` (15)
=============  ==========================  ==============================================

The default date is today, i.e. the latest lookup. The Greater London Authority is not a
combined authority and is in none of these files: it is added as the 33 London boroughs
under its own GSS code **E61000001**. The London region code E12000007 is accepted as an
alias (the GLA's area is the London region, and published figures for it are the
region's: :func:`data_code`).

**LAD codes.** Members are given as LAD 2024 codes, the vintage of the rest of the
hierarchy (:mod:`healthgap.geography.hierarchy`). Barnsley and Sheffield have new 2025
codes (E08000038, E08000039) after a small boundary change between them; the 2025 lookup's
codes are mapped back to the 2024 codes by name (:data:`LAD25_TO_LAD24` holds the pairs the
lookups imply), and the 2025 codes are accepted wherever a LAD code is read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from healthgap.data.published import remembered
from healthgap.data.store import Store
from healthgap.errors import InputError

#: The Greater London Authority's GSS code, and the London region code accepted as its alias.
GLA_CODE = "E61000001"
GLA_NAME = "Greater London Authority"
LONDON_REGION = "E12000007"


@dataclass(frozen=True)
class MembershipVintage:
    """One dated ONS district-to-combined-authority lookup."""

    id: str
    in_force: dt.date
    table: str
    lad: str
    code: str
    name: str
    title: str


#: The lookups, oldest first.
VINTAGES: tuple[MembershipVintage, ...] = (
    MembershipVintage(
        "2023-12",
        dt.date(2023, 12, 1),
        "lookup_lad23_cauth23_en",
        "lad23_code",
        "cauth23_code",
        "cauth23_name",
        "ONS LAD to Combined Authority (December 2023) lookup",
    ),
    MembershipVintage(
        "2024-05",
        dt.date(2024, 5, 1),
        "lookup_lad24_cauth24_may2024",
        "LAD24CD",
        "CAUTH24CD",
        "CAUTH24NM",
        "ONS LAD to Combined Authority (May 2024) lookup",
    ),
    MembershipVintage(
        "2025-05",
        dt.date(2025, 5, 1),
        "lookup_lad25_cauth25_may2025",
        "LAD25CD",
        "CAUTH25CD",
        "CAUTH25NM",
        "ONS LAD to Combined Authority (May 2025) lookup",
    ),
)
LATEST = VINTAGES[-1].id
_MONTHS = ("", "January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip


def when(vintage: str) -> str:
    """A vintage id as words, e.g. ``"2024-05"`` -> ``"May 2024"``."""
    year, month = vintage.split("-")
    return f"{_MONTHS[int(month)]} {year}"


def vintage_on(on: dt.date | str | None = None) -> MembershipVintage:
    """The lookup in force on ``on`` (default today: the latest).

    Dates before the earliest lookup get the earliest one; callers say so with
    :func:`vintage_note`.
    """
    day = _date(on)
    chosen = VINTAGES[0]
    for v in VINTAGES:
        if v.in_force <= day:
            chosen = v
    return chosen


def vintage_note(on: dt.date | str | None = None) -> str:
    """Which lookup membership on ``on`` comes from, as one sentence."""
    day = _date(on)
    v = vintage_on(day)
    text = f"Members as of {day.isoformat()}: {v.title} (in force from {when(v.id)})."
    if day < VINTAGES[0].in_force:
        text += (
            f" No earlier lookup is held, so authorities created before {when(v.id)} are shown "
            "with their December 2023 members."
        )
    return text


def membership_date(on: dt.date | str | None) -> dt.date:
    """``on`` as a date (today for ``None``); a clear error for anything not YYYY-MM-DD."""
    return _date(on)


def _date(on: dt.date | str | None) -> dt.date:
    if on is None:
        return dt.date.today()
    if isinstance(on, dt.datetime):
        return on.date()
    if isinstance(on, dt.date):
        return on
    try:
        return dt.date.fromisoformat(str(on).strip())
    except ValueError:
        raise InputError(
            f"the membership date must be a date like 2024-06-30; got {on!r}. "
            "Use the ISO form YYYY-MM-DD."
        ) from None


def _lad24(store: Store) -> pd.DataFrame:
    return store.to_pandas(store.table("lookup_lad24_region24_en"))


def membership_history(store: Store) -> pd.DataFrame:
    """Every lookup's rows: one per (vintage, LAD) in an authority, the GLA included.

    Columns: ``vintage``, ``in_force`` (date), ``lad_code`` (2024 code), ``lad_name``,
    ``lad_code_published`` (the code as the lookup gives it), ``strategic_authority_code``,
    ``strategic_authority_name``, ``source`` (``ons_lookup_<vintage>`` or ``gla``).
    """
    return remembered(store, ("membership_history",), lambda: _membership_history(store))


def _membership_history(store: Store) -> pd.DataFrame:
    lads = _lad24(store)
    known = set(lads["lad24_code"])
    by_name = dict(zip(lads["lad24_name"], lads["lad24_code"], strict=True))
    london = lads[lads["region24_code"] == LONDON_REGION]
    parts = []
    held = set(store.tables())
    if not any(v.table in held for v in VINTAGES):
        raise InputError(
            "the store must hold an ONS LAD to combined authority lookup; got none of "
            f"{', '.join(v.table for v in VINTAGES)}. Rebuild it with `healthgap init`."
        )
    for v in VINTAGES:
        if v.table not in held:  # a store built from part of the catalogue
            continue
        raw = store.to_pandas(store.table(v.table))
        published = raw[v.lad].astype(str).str.strip()
        names = raw[v.lad.replace("CD", "NM").replace("_code", "_name")].astype(str).str.strip()
        code24 = published.where(published.isin(known), names.map(by_name))
        if code24.isna().any():
            first = published[code24.isna()].iloc[0]
            raise InputError(
                f"{v.table} LAD codes must be 2024 LAD codes or renamed ones; got {first!r}, "
                "which matches no 2024 LAD by code or name. Rebuild the store with "
                "`healthgap init`."
            )
        frame = pd.DataFrame(
            {
                "vintage": v.id,
                "in_force": v.in_force,
                "lad_code": code24.to_numpy(),
                "lad_code_published": published.to_numpy(),
                "strategic_authority_code": raw[v.code].astype(str).str.strip().to_numpy(),
                "strategic_authority_name": raw[v.name].astype(str).str.strip().to_numpy(),
                "source": f"ons_lookup_{v.id}",
            }
        )
        gla = pd.DataFrame(
            {
                "vintage": v.id,
                "in_force": v.in_force,
                "lad_code": london["lad24_code"].to_numpy(),
                "lad_code_published": london["lad24_code"].to_numpy(),
                "strategic_authority_code": GLA_CODE,
                "strategic_authority_name": GLA_NAME,
                "source": "gla",
            }
        )
        parts += [frame, gla]
    out = pd.concat(parts, ignore_index=True)
    out = out.merge(
        lads[["lad24_code", "lad24_name"]].rename(
            columns={"lad24_code": "lad_code", "lad24_name": "lad_name"}
        ),
        on="lad_code",
        how="left",
    )
    out = out[
        [
            "vintage",
            "in_force",
            "lad_code",
            "lad_name",
            "lad_code_published",
            "strategic_authority_code",
            "strategic_authority_name",
            "source",
        ]
    ].sort_values(["vintage", "strategic_authority_code", "lad_code"], ignore_index=True)
    return out


def memberships(store: Store, *, on: dt.date | str | None = None) -> pd.DataFrame:
    """Which strategic authority each English LAD belonged to on ``on`` (default: now).

    Columns as :func:`membership_history`, for the lookup in force on that date (of those
    the store holds).
    """
    history = membership_history(store)
    held = set(history["vintage"])
    day = _date(on)
    chosen = [v.id for v in VINTAGES if v.id in held and v.in_force <= day]
    vintage = chosen[-1] if chosen else min(held)
    return history[history["vintage"] == vintage].reset_index(drop=True)


def lad25_to_lad24(store: Store) -> dict[str, str]:
    """The 2025 LAD codes the lookups use that differ from the 2024 codes (2025 -> 2024)."""
    h = membership_history(store)
    changed = h[h["lad_code_published"] != h["lad_code"]]
    return dict(zip(changed["lad_code_published"], changed["lad_code"], strict=True))


class ReplacedCodeError(InputError):
    """The code was a real one but has been replaced (an abolished authority, a July 2022
    ICB code); the message names the code that replaced it."""


@dataclass(frozen=True)
class Abolished:
    """An authority in an earlier lookup but not in the latest, and who replaced it."""

    code: str
    name: str
    last_vintage: str
    successor_code: str
    successor_name: str
    replaced_in: str

    @property
    def message(self) -> str:
        return (
            f"{self.name} ({self.code}) was replaced by {self.successor_name} "
            f"({self.successor_code}) in {when(self.replaced_in)}"
        )


def abolished(store: Store) -> dict[str, Abolished]:
    """Authorities that no longer exist, each with the authority that took most of its LADs.

    Derived from the lookups, not typed in: an authority is abolished when it is absent
    from the latest lookup; its successor is the authority holding most of its former
    members in the first lookup without it.
    """
    h = membership_history(store)
    latest = set(h.loc[h["vintage"] == LATEST, "strategic_authority_code"])
    out: dict[str, Abolished] = {}
    ids = [v.id for v in VINTAGES]
    for code, rows in h.groupby("strategic_authority_code"):
        if code in latest:
            continue
        last = max(rows["vintage"])
        nxt = ids[ids.index(last) + 1]
        members = set(rows.loc[rows["vintage"] == last, "lad_code"])
        after = h[(h["vintage"] == nxt) & h["lad_code"].isin(members)]
        if after.empty:
            continue
        top = after["strategic_authority_code"].value_counts().index[0]
        out[str(code)] = Abolished(
            code=str(code),
            name=str(rows["strategic_authority_name"].iloc[0]),
            last_vintage=last,
            successor_code=str(top),
            successor_name=str(
                after.loc[
                    after["strategic_authority_code"] == top, "strategic_authority_name"
                ].iloc[0]
            ),
            replaced_in=nxt,
        )
    return out


def current_authorities(store: Store, *, on: dt.date | str | None = None) -> pd.DataFrame:
    """The strategic authorities on ``on`` (default now), one row each.

    Columns: ``code``, ``name``, ``members`` (count of LADs), ``first_vintage`` (the
    earliest lookup listing it), ``members_changed`` (True when its members differ
    between the lookups held), ``kind`` ("combined authority" or "GLA").
    """
    h = membership_history(store)
    now = memberships(store, on=on)
    first = h.groupby("strategic_authority_code")["vintage"].min()
    sets = (
        h.groupby(["strategic_authority_code", "vintage"])["lad_code"]
        .apply(lambda s: tuple(sorted(s)))
        .groupby(level=0)
        .nunique()
    )
    out = (
        now.groupby(["strategic_authority_code", "strategic_authority_name"])
        .size()
        .rename("members")
        .reset_index()
        .rename(columns={"strategic_authority_code": "code", "strategic_authority_name": "name"})
    )
    out["members"] = out["members"].astype("int64")
    out["first_vintage"] = out["code"].map(first)
    out["members_changed"] = out["code"].map(sets).fillna(1).astype(int) > 1
    out["kind"] = ["GLA" if c == GLA_CODE else "combined authority" for c in out["code"]]
    return out.sort_values("code", ignore_index=True)


@dataclass(frozen=True)
class ResolvedAuthority:
    """A strategic authority code as given, resolved to the one code healthgap uses."""

    code: str
    name: str
    vintage: str
    members: pd.DataFrame
    notes: tuple[str, ...] = ()

    @property
    def data_code(self) -> str:
        return data_code(self.code)


def canonical_code(code: str) -> tuple[str, tuple[str, ...]]:
    """The one code healthgap uses for an authority code, with a note when it is an alias."""
    wanted = str(code).strip().upper()
    if wanted == LONDON_REGION:
        return GLA_CODE, (
            f"{LONDON_REGION} is the London region's code; the Greater London Authority's own "
            f"code is {GLA_CODE}, used here (its published figures are the region's).",
        )
    return wanted, ()


def data_code(code: str) -> str:
    """The code published figures for an authority use: the London region's for the GLA."""
    return LONDON_REGION if code == GLA_CODE else code


def resolve(code: str, store: Store, *, on: dt.date | str | None = None) -> ResolvedAuthority:
    """The authority ``code`` (E47..., E61000001 or its alias E12000007) with its members on ``on``.

    Raises
    ------
    InputError
        For an abolished authority (a :class:`ReplacedCodeError`, naming the authority
        that replaced it) or an unknown code (listing the current ones).
    """
    wanted, notes = canonical_code(code)
    v = vintage_on(on)
    now = memberships(store, on=on)
    rows = now[now["strategic_authority_code"] == wanted]
    if rows.empty:
        gone = abolished(store).get(wanted)
        if gone is not None:
            raise ReplacedCodeError(
                f"authority must be a current strategic authority; got {code!r}: "
                f"{gone.message}. Use {gone.successor_code}, or give a date before "
                f"{when(gone.replaced_in)} to see it as it was."
            )
        listed = ", ".join(
            f"{r.code} ({r.name})" for r in current_authorities(store, on=on).itertuples()
        )
        raise InputError(
            f"authority must be an English strategic authority code; got {code!r}. "
            f"Valid codes ({when(v.id)} lookup and the GLA): {listed}."
        )
    if on is not None:
        notes = (*notes, vintage_note(on))
    history = membership_history(store)
    mine = history[history["strategic_authority_code"] == wanted]
    sets = {str(k): tuple(sorted(g["lad_code"])) for k, g in mine.groupby("vintage")}
    if len(set(sets.values())) > 1:
        counts = ", ".join(f"{len(s)} in {when(k)}" for k, s in sorted(sets.items()))
        notes = (*notes, f"Its members changed between the lookups held ({counts}).")
    return ResolvedAuthority(
        code=wanted,
        name=str(rows["strategic_authority_name"].iloc[0]),
        vintage=v.id,
        members=rows[["lad_code", "lad_name"]].reset_index(drop=True),
        notes=notes,
    )


def members_of(code: str, store: Store, *, on: dt.date | str | None = None) -> pd.DataFrame:
    """The member districts (LAD 2024 codes and names) of authority ``code`` on ``on``."""
    return resolve(code, store, on=on).members
