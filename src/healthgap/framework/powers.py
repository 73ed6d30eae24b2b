"""The powers register: England's strategic authorities, tiers, members, ICBs and powers.

Sources of each part:

* **authorities, tiers, powers**: ``seed/register.yaml``, each fact with a source
  (title, publisher, URL) and an "as of" date; facts we could not attribute are shown
  as *unverified*. The ten combined authorities of the December 2023 ONS lookup and the
  GLA are joined by the seven 2024-25 authorities (E47000012 to E47000018) that the ONS
  healthy life expectancy file (source date 19/02/2026) names in its "Combined Authority
  or City Region" rows: their name and code cite that file; their tier and member
  councils are *unverified* (no source for them is in the data mirror). Administrators
  add or correct powers through :class:`PowersRepository` (every change is a stored
  version).
* **member councils**: :func:`healthgap.geography.hierarchy.strategic_authorities`, i.e.
  the ONS LAD to Combined Authority lookup (December 2023, 10 authorities) plus the GLA
  as the London region's boroughs.
* **partner ICBs**: derived by overlap. Each LSOA (2021) has one LAD (2024) and one ICB
  (April 2024); an ICB is a partner of an authority when at least ``icb_threshold``
  (default 5%) of the authority's LSOAs lie in it. Both overlap shares are reported
  (``share_of_authority``, ``share_of_icb``), counted in LSOAs (LSOAs have similar
  populations, about 1,500 residents each).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd
import yaml

from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.framework.storage import SHARED, Actor, Workspace
from healthgap.geography.hierarchy import lsoa_lookup, strategic_authorities, using

#: The seven areas of competence (key -> label), in the order of the White Paper list.
COMPETENCES: dict[str, str] = {
    "transport": "Transport and local infrastructure",
    "skills": "Skills and employment support",
    "housing": "Housing and strategic planning",
    "economy": "Economic development and regeneration",
    "environment": "Environment and climate",
    "health": "Health, wellbeing and public service reform",
    "safety": "Public safety",
}
TIERS: dict[str, str] = {
    "foundation": "Foundation strategic authority",
    "mayoral": "Mayoral strategic authority",
    "established_mayoral": "Established mayoral strategic authority",
}
UNVERIFIED = "unverified"


@cache
def seed_register() -> dict[str, Any]:
    """The seed file ``framework/seed/register.yaml`` as a dictionary."""
    text = resources.files("healthgap.framework.seed").joinpath("register.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def check_competence(value: str) -> str:
    """``value`` if it is a competence key, else an InputError listing them."""
    if value not in COMPETENCES:
        raise InputError(
            f"competence must be one of {', '.join(COMPETENCES)}; got {value!r}. "
            "E.g. 'health' for health, wellbeing and public service reform."
        )
    return value


@dataclass(frozen=True)
class Power:
    """A power, duty, role or budget of one or more authorities, with its source."""

    id: str
    text: str
    kind: str
    competences: tuple[str, ...]
    status: str
    source: str | None
    as_of: str | None
    verified: bool

    def to_dict(self) -> dict[str, Any]:
        out = self.__dict__.copy()
        out["competences"] = list(self.competences)
        return out


@dataclass(frozen=True)
class Authority:
    """One strategic authority as the register knows it."""

    code: str
    name: str
    kind: str
    tier: str | None
    tier_source: str | None
    tier_verified: bool
    as_of: str
    note: str
    members: pd.DataFrame = field(repr=False, compare=False)
    icbs: pd.DataFrame = field(repr=False, compare=False)
    powers: tuple[Power, ...] = ()
    #: Source id of the name and code (``None``: the lookup the members come from).
    name_source: str | None = None
    #: False when no source in the data mirror lists the member councils.
    members_verified: bool = True

    @property
    def tier_label(self) -> str:
        label = TIERS.get(self.tier or "", "tier not recorded")
        return label if self.tier_verified else f"{label} ({UNVERIFIED})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "tier": self.tier,
            "tier_source": self.tier_source,
            "tier_verified": self.tier_verified,
            "as_of": self.as_of,
            "note": self.note,
            "name_source": self.name_source,
            "members_verified": self.members_verified,
            "members": self.members.to_dict(orient="records"),
            "partner_icbs": self.icbs.to_dict(orient="records"),
            "powers": [p.to_dict() for p in self.powers],
        }


def partner_icbs(store: Store | str | None = None, *, icb_threshold: float = 0.05) -> pd.DataFrame:
    """ICBs overlapping each strategic authority, by LSOA 2021 counts.

    Columns: ``strategic_authority_code``, ``icb_code``, ``icb_name``, ``lsoas``,
    ``share_of_authority`` (of the authority's LSOAs in this ICB), ``share_of_icb`` (of
    the ICB's LSOAs in this authority), ``partner`` (``share_of_authority >=
    icb_threshold``).
    """
    if not 0 <= icb_threshold <= 1:
        raise InputError(
            f"icb_threshold must be between 0 and 1; got {icb_threshold!r}. "
            "It is a share of the authority's LSOAs, e.g. 0.05."
        )
    with using(store) as s:
        lsoas = lsoa_lookup(s, lsoa_vintage=2021)
    lsoas = lsoas[lsoas["icb_code"].notna()]
    icb_size = lsoas.groupby("icb_code").size().rename("icb_lsoas")
    inside = lsoas[lsoas["strategic_authority_code"].notna()]
    pairs = (
        inside.groupby(["strategic_authority_code", "icb_code", "icb_name"])
        .size()
        .rename("lsoas")
        .reset_index()
    )
    total = pairs.groupby("strategic_authority_code")["lsoas"].transform("sum")
    pairs["share_of_authority"] = pairs["lsoas"] / total
    pairs["share_of_icb"] = pairs["lsoas"] / pairs["icb_code"].map(icb_size)
    pairs["partner"] = pairs["share_of_authority"] >= icb_threshold
    return pairs.sort_values(
        ["strategic_authority_code", "share_of_authority"], ascending=[True, False]
    ).reset_index(drop=True)


def _applies(power: dict[str, Any], code: str, tier: str | None) -> bool:
    target = power.get("applies_to")
    if target == "all":
        return True
    if target == "mayoral":
        return tier in ("mayoral", "established_mayoral")
    return code in (target or [])


def _power(p: dict[str, Any], tier_verified: bool = True) -> Power:
    """A Power; one that applies through an unverified tier is itself unverified."""
    by_tier = p.get("applies_to") == "mayoral"
    return Power(
        id=str(p["id"]),
        text=" ".join(str(p["text"]).split()),
        kind=str(p.get("kind", "power")),
        competences=tuple(p.get("competences") or ()),
        status=str(p.get("status", "")),
        source=p.get("source"),
        as_of=p.get("as_of"),
        verified=bool(p.get("verified", False)) and (tier_verified or not by_tier),
    )


class Register:
    """The register: authorities (with members, ICBs and powers) and their sources."""

    def __init__(self, authorities: list[Authority], sources: dict[str, dict[str, str]]):
        self.authorities = {a.code: a for a in authorities}
        self.sources = sources

    def __iter__(self) -> Any:
        return iter(self.authorities.values())

    def __len__(self) -> int:
        return len(self.authorities)

    def get(self, code_or_name: str) -> Authority:
        """An authority by code or (case-insensitive) name."""
        if code_or_name in self.authorities:
            return self.authorities[code_or_name]
        named = [a for a in self if a.name.lower() == code_or_name.strip().lower()]
        if len(named) == 1:
            return named[0]
        if named:
            raise InputError(
                f"authority must name one strategic authority; got {code_or_name!r}, the name "
                f"of {' and '.join(a.code for a in named)}. Give the code instead."
            )
        example = next(iter(self.authorities.values()))
        raise InputError(
            f"authority must be a strategic authority code or name in the register; got "
            f"{code_or_name!r}. E.g. {example.code} ({example.name}); list them with "
            "`healthgap framework powers list`."
        )

    def label(self, a: Authority) -> str:
        """The authority's name, with its code when another authority has the same name."""
        same = sum(b.name == a.name for b in self)
        return a.name if same == 1 else f"{a.name} ({a.code})"

    def table(self) -> pd.DataFrame:
        """One row per authority: code, name, kind, tier, members, partner ICBs, powers."""
        rows = [
            {
                "code": a.code,
                "name": a.name,
                "kind": a.kind,
                "tier": a.tier_label,
                "members": len(a.members) if a.members_verified or len(a.members) else None,
                "partner_icbs": int(a.icbs["partner"].sum()) if len(a.icbs) else 0,
                "powers": len(a.powers),
                "as_of": a.as_of,
            }
            for a in self
        ]
        return pd.DataFrame(rows)

    def compare(self, codes: list[str] | None = None) -> pd.DataFrame:
        """The comparison matrix: authorities by areas of competence (plus budgets).

        Each cell lists the ids of the recorded powers in that area; unverified powers
        are suffixed ``*``; empty cells mean nothing is recorded (not that there is
        no power). Rows are named by :meth:`label` (the name, plus the code when two
        authorities share a name).
        """
        chosen = [self.get(c) for c in codes] if codes else list(self)
        columns = ["tier", *COMPETENCES, "budgets"]
        names = [self.label(a) for a in chosen]
        out = pd.DataFrame("", index=names, columns=columns)
        for a, name in zip(chosen, names, strict=True):
            out.loc[name, "tier"] = a.tier_label
            for p in a.powers:
                label = p.id + ("" if p.verified else "*")
                for col in p.competences if p.kind != "budget" else ("budgets",):
                    cell = str(out.loc[name, col])
                    out.loc[name, col] = f"{cell}, {label}" if cell else label
        out.index.name = "authority"
        return out


def register(
    store: Store | str | None = None,
    workspace: Workspace | None = None,
    *,
    icb_threshold: float = 0.05,
) -> Register:
    """Build the powers register from the seed file, the store's lookups and any edits.

    Parameters
    ----------
    store
        The analytical store (for member councils and ICB overlaps).
    workspace
        The framework database; powers recorded there by administrators are added to
        (or, with the same id, replace) the seed powers.
    icb_threshold
        Minimum share of an authority's LSOAs in an ICB for it to count as a partner.

    Examples
    --------
    >>> reg = register()  # doctest: +SKIP
    >>> reg.get("Greater Manchester").tier_label  # doctest: +SKIP
    'Established mayoral strategic authority'
    """
    seed = seed_register()
    with using(store) as s:
        members = strategic_authorities(s)
        lads = lsoa_lookup(s, lsoa_vintage=2021)[["lad_code", "lad_name"]].drop_duplicates()
        icbs = partner_icbs(s, icb_threshold=icb_threshold)
    members = members.merge(lads, on="lad_code", how="left")
    powers = {str(p["id"]): dict(p) for p in seed["powers"]}
    if workspace is not None:
        for v in workspace.current("power"):
            powers[v.record_id] = {"id": v.record_id, **v.data}
    authorities = []
    for entry in seed["authorities"]:
        code = str(entry["code"])
        tier = entry.get("tier")
        authorities.append(
            Authority(
                code=code,
                name=str(entry["name"]),
                kind=str(entry.get("kind", "")),
                tier=tier,
                tier_source=entry.get("tier_source"),
                tier_verified=bool(entry.get("tier_verified", False)),
                as_of=str(entry.get("as_of", "")),
                note=" ".join(str(entry.get("note", "")).split()),
                members=members.loc[
                    members["strategic_authority_code"] == code, ["lad_code", "lad_name", "source"]
                ].reset_index(drop=True),
                icbs=icbs.loc[icbs["strategic_authority_code"] == code]
                .drop(columns="strategic_authority_code")
                .reset_index(drop=True),
                powers=tuple(
                    _power(p, bool(entry.get("tier_verified", False)))
                    for p in powers.values()
                    if _applies(p, code, tier)
                ),
                name_source=entry.get("name_source"),
                members_verified=bool(entry.get("members_verified", True)),
            )
        )
    return Register(authorities, dict(seed["sources"]))


class PowersRepository:
    """Administrators' edits to the register, kept with full history."""

    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace

    def record(
        self,
        who: Actor,
        power_id: str,
        *,
        text: str,
        applies_to: list[str] | str,
        competences: list[str],
        source: str,
        as_of: str,
        kind: str = "power",
        status: str = "in force",
        verified: bool = True,
    ) -> int:
        """Add or correct a power (administrators only); returns the version number."""
        for c in competences:
            check_competence(c)
        if not source.strip():
            raise InputError(
                f"source must name where the fact comes from; got an empty source for "
                f"{power_id!r}. Give a title or URL, or record it with verified=False."
            )
        data = {
            "text": text,
            "applies_to": applies_to,
            "competences": competences,
            "source": source,
            "as_of": as_of,
            "kind": kind,
            "status": status,
            "verified": verified,
        }
        return self.ws.put(who, "power", SHARED, power_id, data)
