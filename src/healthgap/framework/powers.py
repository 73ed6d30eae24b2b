"""The powers register: England's strategic authorities, tiers, members, ICBs and powers.

Sources of each part:

* **authorities, tiers, powers**: ``seed/register.yaml``, each fact with a source (an Act,
  a statutory instrument, the English Devolution White Paper of December 2024, or a
  named briefing) and an "as of" date; facts we could not attribute, or whose source
  title was recalled but not checked, are shown as *unverified*. Every current authority
  (the fifteen of the May 2025 ONS lookup and the GLA) has a tier and its powers by
  domain (transport, skills, housing and planning, economic development, environment,
  public safety where a mayor holds police or fire functions, health) and by lever (a
  power, a budget, a duty, a convening role). Administrators add or correct powers
  through :class:`PowersRepository` (every change is a stored version).
* **member councils**: :func:`healthgap.geography.hierarchy.strategic_authorities`, i.e.
  the dated ONS LAD to Combined Authority lookups (latest: May 2025) plus the GLA
  (E61000001, alias E12000007) as the London region's boroughs.
* **abolished authorities** (North of Tyne E47000011 and the old North East E47000010,
  replaced by North East E47000014 in May 2024) are derived from the lookups
  (:func:`healthgap.geography.authorities.abolished`): they are kept so that old
  records resolve, marked as abolished, and not listed as current.
* **partner ICBs**: derived by overlap. Each LSOA (2021) has one LAD (2024) and one ICB
  (April 2024); an ICB is a partner of an authority when at least ``icb_threshold``
  (default 5%) of the authority's LSOAs lie in it. Both overlap shares are reported in
  neighbourhoods (``share_of_authority``, ``share_of_icb``) and in people
  (``population_share_of_authority``, ``population_share_of_icb``: mid-2015 LSOA
  populations of the IMD 2019 file).
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
from healthgap.geography.authorities import abolished, canonical_code, membership_history
from healthgap.geography.hierarchy import lsoa_lookup, strategic_authorities, using
from healthgap.geography.resolve import overlaps

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
#: The kinds of lever a power can be (the comparison matrix "by lever").
LEVERS: dict[str, str] = {
    "power": "A power",
    "budget": "A budget",
    "duty": "A duty",
    "role": "A convening role",
}


@cache
def seed_register() -> dict[str, Any]:
    """The seed file ``framework/seed/register.yaml`` as a dictionary."""
    text = resources.files("healthgap.framework.seed").joinpath("register.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def check_competence(value: str, field: str = "competence") -> str:
    """``value`` if it is a competence key, else an InputError (about ``field``) listing
    them."""
    if value not in COMPETENCES:
        raise InputError(
            f"competence must be one of {', '.join(COMPETENCES)}; got {value!r}. "
            "E.g. 'health' for health, wellbeing and public service reform.",
            field=field,
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
    #: ``current``, or ``abolished`` (then ``replaced_by`` names the successor's code).
    status: str = "current"
    replaced_by: str | None = None
    #: Source id of the legislation that created it, and when.
    established_by: str | None = None
    established_verified: bool = False
    established_on: str | None = None

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
            "status": self.status,
            "replaced_by": self.replaced_by,
            "established_by": self.established_by,
            "established_verified": self.established_verified,
            "established_on": self.established_on,
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
        people = overlaps(s, "strategic_authority", "icb")
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
    pairs = pairs.merge(
        people[
            [
                "strategic_authority_code",
                "icb_code",
                "population",
                "share_of_strategic_authority",
                "share_of_icb",
            ]
        ].rename(
            columns={
                "share_of_strategic_authority": "population_share_of_authority",
                "share_of_icb": "population_share_of_icb",
            }
        ),
        on=["strategic_authority_code", "icb_code"],
        how="left",
    )
    return pairs.sort_values(
        ["strategic_authority_code", "share_of_authority"], ascending=[True, False]
    ).reset_index(drop=True)


def authorities_of_icbs(store: Store | str | None = None) -> pd.DataFrame:
    """The partnership view from the NHS side: for each ICB, the strategic authorities
    overlapping it, with the overlap in people and neighbourhoods both ways.

    Columns: ``icb_code``, ``icb_name``, ``strategic_authority_code``,
    ``strategic_authority_name``, ``lsoas``, ``population``, ``share_of_icb``,
    ``share_of_strategic_authority`` (population shares) and the LSOA shares. ICBs with no
    strategic authority (e.g. much of the South East) have no rows.
    """
    with using(store) as s:
        out = overlaps(s, "icb", "strategic_authority")
    return out


def _applies(power: dict[str, Any], code: str, tier: str | None) -> bool:
    target = power.get("applies_to")
    if target == "all":
        return True
    if target == "mayoral":  # combined (county) authorities with a mayor; not the GLA
        return code.startswith("E47") and tier in ("mayoral", "established_mayoral")
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
        """The current authorities (abolished ones are in :attr:`former`)."""
        return iter([a for a in self.authorities.values() if a.status == "current"])

    def __len__(self) -> int:
        return sum(1 for _ in self)

    @property
    def former(self) -> list[Authority]:
        """Abolished authorities, kept so that old records resolve."""
        return [a for a in self.authorities.values() if a.status != "current"]

    def get(self, code_or_name: str) -> Authority:
        """An authority by code or (case-insensitive) name; E12000007 is the GLA.

        Abolished authorities are returned too (``status == "abolished"``); current ones
        win when a name is shared with an abolished one.
        """
        code = canonical_code(code_or_name)[0]
        if code in self.authorities:
            return self.authorities[code]
        named = [
            a for a in self.authorities.values() if a.name.lower() == code_or_name.strip().lower()
        ]
        current = [a for a in named if a.status == "current"]
        named = current or named
        if len(named) == 1:
            return named[0]
        if named:
            raise InputError(
                f"authority must name one strategic authority; got {code_or_name!r}, the name "
                f"of {' and '.join(a.code for a in named)}. Give the code instead."
            )
        example = next(iter(self))
        raise InputError(
            f"authority must be a strategic authority code or name in the register; got "
            f"{code_or_name!r}. E.g. {example.code} ({example.name}); list them with "
            "`healthgap framework powers list`."
        )

    def label(self, a: Authority) -> str:
        """The authority's name, with its code when another authority has the same name,
        and "(abolished)" for former ones."""
        same = sum(b.name == a.name for b in self.authorities.values())
        label = a.name if same == 1 else f"{a.name} ({a.code})"
        return label if a.status == "current" else f"{label}, abolished"

    def table(self) -> pd.DataFrame:
        """One row per authority: code, name, kind, tier, members, partner ICBs, powers."""
        rows = [
            {
                "code": a.code,
                "name": a.name,
                "kind": a.kind,
                "tier": a.tier_label,
                "members": len(a.members),
                "partner_icbs": int(a.icbs["partner"].sum()) if len(a.icbs) else 0,
                "powers": len(a.powers),
                "as_of": a.as_of,
            }
            for a in self
        ]
        out = pd.DataFrame(rows)
        out["members"] = out["members"].astype("int64")  # whole numbers
        return out

    def compare(self, codes: list[str] | None = None, *, by: str = "competence") -> pd.DataFrame:
        """The comparison matrix: authorities by area of competence, or by lever.

        ``by="competence"`` (default): one column per area of competence plus budgets;
        ``by="lever"``: one column per kind of lever (:data:`LEVERS`: a power, a budget, a
        duty, a convening role), each cell listing the competences it reaches.
        Each cell lists the ids of the recorded powers; unverified powers are suffixed
        ``*``; empty cells mean nothing is recorded (not that there is no power). Rows are
        named by :meth:`label`.
        """
        if by not in ("competence", "lever"):
            raise InputError(f"by must be 'competence' or 'lever'; got {by!r}.")
        chosen = [self.get(c) for c in codes] if codes else list(self)
        columns = ["tier", *(COMPETENCES if by == "competence" else LEVERS)]
        if by == "competence":
            columns.append("budgets")
        names = [self.label(a) for a in chosen]
        rows = []
        for a in chosen:  # cells gathered as lists, then made into one frame
            cells: dict[str, list[str]] = {c: [] for c in columns[1:]}
            for p in a.powers:
                label = p.id + ("" if p.verified else "*")
                if by == "competence":
                    cols = p.competences if p.kind != "budget" else ("budgets",)
                else:
                    cols = (p.kind,) if p.kind in LEVERS else ()
                for col in cols:
                    cells.setdefault(col, []).append(label)
            rows.append({"tier": a.tier_label, **{c: ", ".join(v) for c, v in cells.items()}})
        extra = sorted({c for r in rows for c in r} - set(columns))  # a competence not listed
        out = pd.DataFrame(rows, index=names, columns=[*columns, *extra]).fillna("")
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
        gone = abolished(s)
        history = membership_history(s)
    members = members.merge(lads, on="lad_code", how="left")
    for old in gone.values():  # an abolished authority's members: its last lookup's
        last = history[
            (history["strategic_authority_code"] == old.code)
            & (history["vintage"] == old.last_vintage)
        ]
        members = pd.concat(
            [members, last[["lad_code", "lad_name", "strategic_authority_code", "source"]]],
            ignore_index=True,
        )
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
                    if code not in gone and _applies(p, code, tier)
                ),
                name_source=entry.get("name_source"),
                members_verified=bool(entry.get("members_verified", True)),
                status="abolished" if code in gone else "current",
                replaced_by=gone[code].successor_code if code in gone else None,
                established_by=entry.get("established_by"),
                established_verified=bool(entry.get("established_verified", False)),
                established_on=entry.get("established_on"),
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
        expected_version: int | None = None,
    ) -> int:
        """Add or correct a power (administrators only); returns the version number.

        With ``expected_version`` (the version the correction was based on; 0 for a power
        not recorded here yet) a power recorded since is refused with
        :class:`~healthgap.appdb.versions.StaleVersionError` and nothing is stored.
        """
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
        return self.ws.put(who, "power", SHARED, power_id, data, expected_version=expected_version)

    def version(self, power_id: str) -> int:
        """The version of ``power_id`` recorded here (0: only as published, or unknown)."""
        last = self.ws.get("power", power_id)
        return 0 if last is None else last.version
