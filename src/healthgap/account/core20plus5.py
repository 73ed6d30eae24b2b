"""Core20PLUS5 for any footprint: Core20 population, Core20 vs the rest, PLUS groups, the 5.

NHS England's Core20PLUS5 approach (adults, 2021; children and young people, 2023)
defines a target population (*Core20*: the most deprived 20% of the national population
by the Index of Multiple Deprivation; *PLUS*: locally chosen groups with poorer access,
experience or outcomes) and five clinical areas for each of adults and children and
young people.

What healthgap computes
-----------------------
* **Core20 population** of a footprint (a LAD, upper-tier or strategic authority,
  region, England, or a list of LADs): the population living in LSOAs in national IMD
  2019 deciles 1-2 and its share (:func:`healthgap.geography.core20_share`; IMD 2019
  mid-2015 LSOA populations).
* **Core20 vs the rest for an indicator** (:func:`core20_indicators`). The open data have
  indicator values for LADs, not LSOAs, so this is an **ecological approximation**: each
  LAD is placed in a national *LAD deprivation decile* by its population-weighted IMD
  2019 score (LADs ordered from most deprived, decile = floor(10 (C + P/2) / T) + 1, with
  C the population of more deprived LADs, P the LAD's and T England's), LADs in deciles
  1-2 stand for Core20, and a group's value is the population-weighted mean of its LADs'
  values, with se = sqrt(sum w^2 se_i^2) / sum w (se_i from the 95% limits, LADs
  independent). The gap is Core20 minus the rest with limits gap +/- 1.96 sqrt(se_c^2 +
  se_r^2). The SII across the ten LAD deciles (:func:`healthgap.sii`, Monte Carlo
  limits) is given for England and, where its LADs cover all ten deciles, for the
  footprint. A deprived LAD contains affluent neighbourhoods and vice versa, so these
  figures understate the LSOA-level gap; use LSOA or decile data when you have it.
* **PLUS groups and the 5 clinical areas** (:func:`clinical_template`,
  :func:`validate_clinical`, :func:`clinical_summary`): templates a user fills with local
  counts (numerator and denominator per clinical area, measure, area, period and group);
  the summary gives Wilson proportions per group (:func:`healthgap.proportion`), the
  Core20-minus-rest gap and each group compared with the whole population.

References
----------
NHS England, "Core20PLUS5 (adults) - an approach to reducing healthcare inequalities"
(2021) and "Evidence for the five clinical priorities"; NHS England, "Core20PLUS5 - an
approach to reducing health inequalities for children and young people" (2023).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from healthgap.account.neighbours import area_features
from healthgap.account.scorecards import ENGLAND, _rows, compare_to_benchmark
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.geography.core20 import core20_lsoas, core20_share
from healthgap.geography.footprints import Place
from healthgap.geography.hierarchy import lad_lookup, lsoa_lookup
from healthgap.geography.resolve import footprint as resolve_footprint
from healthgap.stats import intervals
from healthgap.stats.inequality.sii import sii
from healthgap.stats.proportion import proportion

Population = Literal["adults", "children_and_young_people"]


@dataclass(frozen=True)
class ClinicalArea:
    """One of the "5": NHS England's name, its stated focus, and a suggested measure."""

    key: str
    name: str
    focus: str
    measure: str


#: The five clinical areas, named as in NHS England's published Core20PLUS5 descriptions
#: (focus paraphrased; see the module references).
CLINICAL_AREAS: dict[str, tuple[ClinicalArea, ...]] = {
    "adults": (
        ClinicalArea(
            "maternity",
            "Maternity",
            "continuity of care for women from Black, Asian and minority ethnic "
            "communities and from the most deprived groups",
            "women receiving continuity of carer / women booked",
        ),
        ClinicalArea(
            "smi",
            "Severe mental illness (SMI)",
            "annual physical health checks for people living with SMI",
            "people on the SMI register with a full annual health check / on the register",
        ),
        ClinicalArea(
            "respiratory",
            "Chronic respiratory disease",
            "COPD: uptake of COVID-19, flu and pneumonia vaccines to reduce "
            "exacerbations and emergency admissions",
            "people with COPD vaccinated against flu / people with COPD",
        ),
        ClinicalArea(
            "cancer",
            "Early cancer diagnosis",
            "cancers diagnosed at stage 1 or 2 (ambition: 75% by 2028)",
            "cancers staged 1 or 2 / cancers with a known stage",
        ),
        ClinicalArea(
            "hypertension",
            "Hypertension case-finding",
            "finding and treating high blood pressure (and optimal lipid "
            "management) to reduce heart attacks and strokes",
            "people with hypertension treated to target / on the hypertension register",
        ),
    ),
    "children_and_young_people": (
        ClinicalArea(
            "asthma",
            "Asthma",
            "less over-reliance on reliever medication and fewer asthma attacks",
            "children with asthma with a review in the year / children with asthma",
        ),
        ClinicalArea(
            "diabetes",
            "Diabetes",
            "access to real-time continuous glucose monitors and insulin pumps; "
            "annual health checks for type 2 diabetes",
            "children with type 1 diabetes using rtCGM / children with type 1 diabetes",
        ),
        ClinicalArea(
            "epilepsy",
            "Epilepsy",
            "access to epilepsy specialist nurses, including in the first year of "
            "care for those with a learning disability or autism",
            "children with epilepsy seen by a specialist nurse / children with epilepsy",
        ),
        ClinicalArea(
            "oral_health",
            "Oral health",
            "the backlog of tooth extractions in hospital for the under-10s",
            "under-10s waiting over 18 weeks for extraction / under-10s waiting",
        ),
        ClinicalArea(
            "mental_health",
            "Mental health",
            "access to mental health services for 0-17 year olds by ethnicity, "
            "age, gender and deprivation",
            "0-17s with at least one contact / 0-17s (population)",
        ),
    ),
}

#: Groups every filled template must have for each clinical area, measure, area, period.
CORE_GROUPS: tuple[str, str] = ("Core20", "Rest")
TEMPLATE_COLUMNS: tuple[str, ...] = (
    "clinical_area",
    "measure",
    "area_code",
    "period",
    "group",
    "numerator",
    "denominator",
)


def _population(population: Any) -> tuple[ClinicalArea, ...]:
    if population not in CLINICAL_AREAS:
        raise InputError(
            f"population must be one of {', '.join(CLINICAL_AREAS)}; got {population!r}. "
            "NHS England publishes one set of five for adults, one for children and young people."
        )
    return CLINICAL_AREAS[population]


def clinical_template(
    population: Population = "adults",
    *,
    area_codes: Sequence[str] = ("E00000000",),
    period: str = "2024/25",
    plus_groups: Sequence[str] = (),
) -> pd.DataFrame:
    """A blank template for the five clinical areas: fill ``numerator`` and ``denominator``.

    One row per clinical area, area and group (``Core20``, ``Rest`` and each PLUS group,
    e.g. ``"Learning disability"``). ``Core20`` + ``Rest`` must make up the whole
    population; PLUS groups may overlap them.

    Examples
    --------
    >>> blank = clinical_template("children_and_young_people", area_codes=["E54000057"])
    >>> blank["clinical_area"].unique().tolist()
    ['asthma', 'diabetes', 'epilepsy', 'oral_health', 'mental_health']
    """
    areas = _population(population)
    groups = [*CORE_GROUPS, *plus_groups]
    rows = [
        (a.key, a.measure, code, period, g, np.nan, np.nan)
        for a in areas
        for code in area_codes
        for g in groups
    ]
    return pd.DataFrame(rows, columns=list(TEMPLATE_COLUMNS))


def validate_clinical(data: Any, population: Population = "adults") -> pd.DataFrame:
    """Check a filled template; return it as a clean pandas frame.

    Structural problems raise :class:`InputError` naming the column and the first
    offending row: missing columns, unknown clinical areas, empty or negative counts, a
    numerator above its denominator, a repeated row, or a clinical area/measure/area/
    period without both ``Core20`` and ``Rest`` rows.
    """
    areas = _population(population)
    frame = pd.DataFrame(data).reset_index(drop=True)
    missing = [c for c in TEMPLATE_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(
            f"the clinical data must have columns {', '.join(TEMPLATE_COLUMNS)}; got no "
            f"{missing[0]!r} column. Start from clinical_template()."
        )
    keys = {a.key for a in areas}
    bad = ~frame["clinical_area"].isin(keys)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"clinical_area must be one of {', '.join(sorted(keys))} for {population}; got "
            f"{frame['clinical_area'].iloc[i]!r} in row {i + 1}. Use the template's keys."
        )
    for column in ("numerator", "denominator"):
        values = pd.to_numeric(frame[column], errors="coerce")
        wrong = values.isna() | (values < 0)
        if wrong.any():
            i = int(np.flatnonzero(wrong)[0])
            raise InputError(
                f"{column} must be a count of 0 or more in every row; got "
                f"{frame[column].iloc[i]!r} in row {i + 1} ({frame['clinical_area'].iloc[i]}, "
                f"{frame['group'].iloc[i]}). Fill every row of the template."
            )
        frame[column] = values.astype(float)
    over = frame["numerator"] > frame["denominator"]
    if over.any():
        i = int(np.flatnonzero(over)[0])
        raise InputError(
            f"numerator must not exceed denominator; got {frame['numerator'].iloc[i]:g} > "
            f"{frame['denominator'].iloc[i]:g} in row {i + 1}. Check the counts."
        )
    cell = ["clinical_area", "measure", "area_code", "period"]
    dup = frame.duplicated([*cell, "group"])
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise InputError(
            f"each clinical area, measure, area, period and group must appear once; got a "
            f"repeat in row {i + 1} (group {frame['group'].iloc[i]!r}). Remove or add it up."
        )
    has = frame[frame["group"].isin(CORE_GROUPS)].groupby(cell)["group"].nunique()
    cells = frame[cell].drop_duplicates()
    joined = cells.merge(has.rename("n").reset_index(), on=cell, how="left")
    short = joined["n"].fillna(0) < 2
    if short.any():
        r = joined[short].iloc[0]
        raise InputError(
            f"every clinical area, measure, area and period must have both Core20 and Rest "
            f"rows; got {r['clinical_area']}, {r['area_code']}, {r['period']} without them. "
            "Core20 + Rest make the whole population the PLUS groups are compared with."
        )
    return frame


def clinical_summary(
    data: Any, population: Population = "adults", *, multiplier: float = 100
) -> pd.DataFrame:
    """Per group: Wilson proportion with 95%/99.8% limits, compared with the whole.

    The whole population is Core20 + Rest. Columns: the cell columns, ``group``,
    ``numerator``, ``denominator``, ``value`` and limits, ``whole_value``,
    ``compared_95``/``compared_99_8`` (``higher``/``similar``/``lower``: the 5 have no
    single polarity), and for the Core20 row ``gap_vs_rest`` (Core20 minus Rest).
    """
    frame = validate_clinical(data, population)
    cell = ["clinical_area", "measure", "area_code", "period"]
    groups = proportion(
        frame, "numerator", "denominator", group_by=[*cell, "group"], multiplier=multiplier
    ).to_frame()
    core = frame[frame["group"].isin(CORE_GROUPS)].copy()
    core["group"] = "Whole population"
    whole = proportion(
        core, "numerator", "denominator", group_by=[*cell, "group"], multiplier=multiplier
    ).to_frame()
    out = groups.merge(
        whole[[*cell, "value"]].rename(columns={"value": "whole_value"}), on=cell, how="left"
    )
    out["compared_95"] = compare_to_benchmark(
        out["lower_95_0"], out["upper_95_0"], out["whole_value"], None
    )
    out["compared_99_8"] = compare_to_benchmark(
        out["lower_99_8"], out["upper_99_8"], out["whole_value"], None
    )
    rest = out[out["group"] == "Rest"][[*cell, "value"]].rename(columns={"value": "_rest"})
    out = out.merge(rest, on=cell, how="left")
    out["gap_vs_rest"] = np.where(out["group"] == "Core20", out["value"] - out["_rest"], np.nan)
    out = pd.concat([out.drop(columns="_rest"), whole], ignore_index=True)
    return out.sort_values([*cell, "group"], ignore_index=True)


#: Derived columns withheld with their counts when a summary is published.
DERIVED_COLUMNS: tuple[str, ...] = (
    "value",
    "lower_95_0",
    "upper_95_0",
    "lower_99_8",
    "upper_99_8",
    "whole_value",
    "gap_vs_rest",
    "compared_95",
    "compared_99_8",
)


def publishable_clinical_summary(summary: pd.DataFrame, policy: Any = None) -> pd.DataFrame:
    """Apply disclosure control to a :func:`clinical_summary` before publishing it.

    :func:`healthgap.data.disclosure.apply_disclosure` on ``numerator`` and
    ``denominator``, with the margin Whole population = Core20 + Rest (so a withheld
    Core20 count cannot be recovered from the whole and the rest) and every derived
    column withheld with its counts. ``policy`` defaults to NHS Digital's rule (1-7
    withheld, other counts rounded to 5).
    """
    from healthgap.data.disclosure import apply_disclosure

    cell = ["clinical_area", "measure", "area_code", "period"]
    return apply_disclosure(
        summary,
        policy,
        count_columns=["numerator", "denominator"],
        derived_columns=list(DERIVED_COLUMNS),
        margins={"group": {"Whole population": list(CORE_GROUPS)}},
        group_by=cell,
    ).to_frame()


# ------------------------------------------------------------------ footprints and Core20


def footprint_lads(
    footprint: str | Place | Sequence[str], store: Store, *, on: Any = None
) -> tuple[str, list[str]]:
    """The footprint's name and its LAD (2024) codes.

    ``footprint`` is any code :func:`healthgap.geography.footprint` reads (strategic
    authority of the latest lookup or the GLA, ICB, sub-ICB, LAD, UTLA, region or England),
    or a list of LAD 2024 codes. For an ICB or sub-ICB the LADs are those with any
    neighbourhood inside (some only in part).
    """
    lookup = lad_lookup(store)
    if isinstance(footprint, Place):
        fp = resolve_footprint(footprint, store)
        return fp.name, sorted(fp.lads["lad_code"])
    if not isinstance(footprint, str):
        codes = list(footprint)
        unknown = sorted(set(codes) - set(lookup["lad_code"]))
        if unknown or not codes:
            raise InputError(
                f"footprint LADs must be LAD 2024 codes; got "
                f"{unknown[0] if unknown else 'none'!r}. "
                "Give codes such as E08000025."
            )
        return f"{len(codes)} LADs", sorted(codes)
    if footprint == ENGLAND:
        return "England", sorted(lookup["lad_code"])
    fp = resolve_footprint(footprint, store, on=on)
    return fp.name, sorted(fp.lads["lad_code"])


def _label(footprint: str | Place | Sequence[str]) -> str:
    if isinstance(footprint, Place):
        return str(footprint.code)
    return footprint if isinstance(footprint, str) else "custom"


def lad_deciles(store: Store) -> pd.DataFrame:
    """Every English LAD (2024) with population, IMD 2019 score and national LAD decile."""
    feats = area_features(store, "lad")
    feats = feats[feats["area_code"].str.startswith("E")]
    feats = feats.sort_values(
        ["imd_score", "area_code"], ascending=[False, True], ignore_index=True
    )
    pop = feats["population"].to_numpy(float)
    before = np.cumsum(pop) - pop
    mid = (before + pop / 2) / pop.sum()
    feats["decile"] = np.minimum(np.floor(mid * 10).astype(int) + 1, 10)
    return feats[["area_code", "area_name", "population", "imd_score", "decile"]]


@dataclass(frozen=True)
class Core20Shares:
    """Core20 counts and shares of a footprint, counted from its own neighbourhoods.

    ``councils`` is the ``members`` frame given to :func:`core20_shares` (one row per
    council, its columns kept) with ``population`` and ``core20_population`` (IMD 2019 on
    2011 LSOAs, mid-2015 populations), ``lsoas`` and ``core20_lsoas`` (IMD 2019),
    ``lsoas_2025`` and ``core20_lsoas_2025`` (IMD 2025 on 2021 LSOAs, counts only) and the
    shares in per cent ``core20_population_share``, ``core20_lsoa_share_2019`` and
    ``core20_lsoa_share_2025``. ``total`` has the same figures for the whole footprint
    (counts summed, shares the ratios of the sums, never means of council shares).
    ``england_share`` is England's IMD 2019 Core20 population share in per cent.
    """

    councils: pd.DataFrame
    total: dict[str, float]
    england_share: float


_CORE20_COUNTS = (
    "population",
    "core20_population",
    "lsoas",
    "core20_lsoas",
    "lsoas_2025",
    "core20_lsoas_2025",
)


def _core20_percentages(t: pd.DataFrame) -> pd.DataFrame:
    t["core20_population_share"] = 100 * (t["core20_population"] / t["population"])
    t["core20_lsoa_share_2019"] = 100 * (t["core20_lsoas"] / t["lsoas"])
    t["core20_lsoa_share_2025"] = 100 * (t["core20_lsoas_2025"] / t["lsoas_2025"])
    return t


def core20_shares(
    store: Store, members: pd.DataFrame, lsoa11: Sequence[str], lsoa21: Sequence[str]
) -> Core20Shares:
    """Core20 for the part inside a footprint of each of its councils (``members``, a frame
    with ``lad_code``) from the footprint's own 2011 (``lsoa11``) and 2021 (``lsoa21``)
    LSOAs, so a council split between footprints counts only its part inside.

    Core20 is national IMD deciles 1-2 (:func:`healthgap.geography.core20.core20_lsoas`).
    """
    l19 = core20_lsoas(store, imd=2019)[["lsoa_code", "population", "core20"]]
    england_share = float(l19.loc[l19["core20"], "population"].sum() / l19["population"].sum())
    lad11 = lsoa_lookup(store, lsoa_vintage=2011)[["lsoa_code", "lad_code"]]
    l19 = l19[l19["lsoa_code"].isin(set(lsoa11))].merge(lad11, on="lsoa_code")
    l19["core20_population"] = l19["population"].where(l19["core20"], 0.0)
    l19["core20_lsoas"] = l19["core20"].astype("int64")
    g19 = l19.groupby("lad_code").agg(
        population=("population", "sum"),
        core20_population=("core20_population", "sum"),
        lsoas=("lsoa_code", "size"),
        core20_lsoas=("core20_lsoas", "sum"),
    )
    l25 = core20_lsoas(store, imd=2025)[["lsoa_code", "core20"]]
    lad21 = lsoa_lookup(store, lsoa_vintage=2021)[["lsoa_code", "lad_code"]]
    l25 = l25[l25["lsoa_code"].isin(set(lsoa21))].merge(lad21, on="lsoa_code")
    g25 = l25.groupby("lad_code").agg(
        lsoas_2025=("lsoa_code", "size"), core20_lsoas_2025=("core20", "sum")
    )
    councils = members.merge(g19.join(g25, how="outer").reset_index(), on="lad_code", how="left")
    total = _core20_percentages(pd.DataFrame({c: [councils[c].sum()] for c in _CORE20_COUNTS}))
    return Core20Shares(
        councils=_core20_percentages(councils),
        total={str(c): float(v) for c, v in total.iloc[0].items()},
        england_share=100 * england_share,
    )


@dataclass(frozen=True)
class Core20Result:
    """Core20 figures for a footprint."""

    footprint: str
    footprint_name: str
    lads: tuple[str, ...]
    population: pd.DataFrame
    indicators: pd.DataFrame
    notes: tuple[str, ...] = field(default_factory=tuple)

    def summary(self) -> str:
        """Plain text."""
        p = self.population.iloc[0]
        lines = [
            f"Core20 in {self.footprint_name}: {p['core20_population']:,.0f} of "
            f"{p['population']:,.0f} people ({100 * p['core20_population_share']:.1f}%) live in "
            f"the most deprived 20% of LSOAs nationally (IMD 2019)."
        ]
        for r in self.indicators.itertuples(index=False):
            lines.append(
                f"- {r.indicator_id} [{r.sex}] {r.period}: Core20 LADs {_f(r.core20_value)} "
                f"({r.core20_n_lads} LADs), rest {_f(r.rest_value)} ({r.rest_n_lads} LADs), "
                f"gap {_f(r.gap)} ({_f(r.gap_lower_95_0)} to {_f(r.gap_upper_95_0)}); "
                f"England SII across LAD deciles {_f(r.england_sii)}"
            )
        lines.extend(f"Note: {n}" for n in self.notes)
        return "\n".join(lines)


def _f(x: Any) -> str:
    return "n/a" if x != x else f"{float(x):.1f}"


ECOLOGICAL_NOTE = (
    "Ecological approximation: indicator values are for whole LADs grouped by their "
    "population-weighted IMD 2019 score into national LAD deciles; Core20 here means LADs "
    "in deciles 1-2, not the people in the most deprived LSOAs."
)


def core20_indicators(
    footprint: str | Place | Sequence[str],
    *,
    store: Store,
    indicators: Sequence[tuple[str, str]] = (
        ("hle_birth", "Female"),
        ("hle_birth", "Male"),
        ("93722", "Persons"),
        ("adult_obesity", "Persons"),
    ),
    repetitions: int = 20_000,
    seed: int = 1,
    on: Any = None,
) -> Core20Result:
    """Core20 population and Core20-vs-rest indicator values for a footprint.

    ``on`` (a date or ``YYYY-MM-DD``) is the date a strategic authority's membership is
    taken on (default today; see :func:`healthgap.geography.authorities.memberships`).

    See the module docs for the method (LSOA-based population, LAD-based ecological
    indicator values, SII across national LAD deciles).

    Examples
    --------
    >>> res = core20_indicators("E47000001", store=store)  # doctest: +SKIP
    >>> print(res.summary())  # doctest: +SKIP
    """
    name, lads = footprint_lads(footprint, store, on=on)
    extra_notes: list[str] = []
    if isinstance(footprint, Place) or (isinstance(footprint, str) and footprint != ENGLAND):
        # Population from the footprint's own LSOAs: exact for ICBs that split councils.
        fp = resolve_footprint(footprint, store, on=on)
        mine = core20_share(store, to=[fp.place(2011)], imd=2019)
        partial = fp.partial_lads
        if len(partial):
            lads = sorted(fp.lads.loc[fp.lads["share_inside"] >= 0.5, "lad_code"])
            extra_notes.append(
                f"{len(partial)} council(s) lie only partly in {fp.name} ("
                + ", ".join(
                    f"{n} {100 * float(sh):.0f}%"
                    for n, sh in zip(partial["lad_name"], partial["share_inside"], strict=True)
                )
                + " of their neighbourhoods): the population figures count only the "
                "neighbourhoods inside; council-level indicator values use the councils with "
                "at least half their neighbourhoods inside."
            )
    else:
        shares = core20_share(store, to="lad", imd=2019, lad_vintage=2024)
        mine = shares[shares["lad_code"].isin(lads)]
    population = pd.DataFrame(
        {
            "footprint": [_label(footprint)],
            "population": [mine["population"].sum()],
            "core20_population": [mine["core20_population"].sum()],
            "lsoas": [int(mine["lsoas"].sum())],
            "core20_lsoas": [int(mine["core20_lsoas"].sum())],
        }
    )
    population["core20_population_share"] = (
        population["core20_population"] / population["population"]
    )

    deciles = lad_deciles(store)
    ids = sorted({i for i, _ in indicators})
    rows = _rows(store, ids, "lad", None)
    wanted = pd.DataFrame(list(indicators), columns=["indicator_id", "sex"])
    rows = rows.merge(wanted, on=["indicator_id", "sex"])
    last = rows.groupby(["indicator_id", "sex"])["period_end"].transform("max")
    rows = rows[rows["period_end"] == last]
    rows = rows.merge(deciles[["area_code", "population", "decile"]], on="area_code")
    rows["se"] = intervals.se_from_limits(rows["lower_95_0"], rows["upper_95_0"], 0.95)
    rows = rows.dropna(subset=["value", "se"])
    rows["w"] = rows["population"]
    rows["wv"] = rows["w"] * rows["value"]
    rows["w2s2"] = rows["w"] ** 2 * rows["se"] ** 2
    rows["core20"] = rows["decile"] <= 2
    rows["in_footprint"] = rows["area_code"].isin(lads)
    keys = ["indicator_id", "sex", "period"]

    def pooled(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
        g = frame.groupby(by)[["w", "wv", "w2s2"]].sum()
        g["value"] = g["wv"] / g["w"]
        g["se"] = np.sqrt(g["w2s2"]) / g["w"]
        g["n_lads"] = frame.groupby(by).size()
        return g[["value", "se", "n_lads", "w"]].reset_index()

    local = pooled(rows[rows["in_footprint"]], [*keys, "core20"])
    core = local[local["core20"]].drop(columns=["core20", "w"]).add_prefix("core20_")
    rest = local[~local["core20"]].drop(columns=["core20", "w"]).add_prefix("rest_")
    table = rows[[*keys, "polarity"]].drop_duplicates(keys)
    table = table.merge(core.rename(columns={f"core20_{k}": k for k in keys}), on=keys, how="left")
    table = table.merge(rest.rename(columns={f"rest_{k}": k for k in keys}), on=keys, how="left")
    gap = intervals.difference_of_estimates(
        table["core20_value"], table["core20_se"], table["rest_value"], table["rest_se"]
    )
    table["gap"], table["gap_lower_95_0"], table["gap_upper_95_0"] = gap.value, gap.lower, gap.upper
    for c in ("core20_n_lads", "rest_n_lads"):
        table[c] = table[c].fillna(0).astype(int)

    national = pooled(rows, [*keys, "decile"])
    national["group"] = "england"
    local_d = pooled(rows[rows["in_footprint"]], [*keys, "decile"])
    complete = local_d.groupby(keys)["decile"].transform("nunique") == 10
    local_d = local_d[complete].assign(group="footprint")
    both = pd.concat([national, local_d], ignore_index=True)
    sii_columns = [*keys, "group", "sii", "sii_lower_95_0", "sii_upper_95_0"]
    if both.empty:  # no LAD values with limits (e.g. the Health Index): no SII
        result = pd.DataFrame(columns=sii_columns)
    else:
        result = sii(
            both,
            "value",
            "w",
            "decile",
            group_by=[*keys, "group"],
            se="se",
            repetitions=repetitions,
            seed=seed,
            rii=False,
        ).to_frame()
    for grp in ("england", "footprint"):
        part = result[result["group"] == grp][[*keys, "sii", "sii_lower_95_0", "sii_upper_95_0"]]
        part = part.rename(
            columns={c: c.replace("sii", f"{grp}_sii") for c in part.columns if "sii" in c}
        )
        table = table.merge(part, on=keys, how="left")
    notes = [
        ECOLOGICAL_NOTE,
        "SII: a positive value means the least deprived end is higher (healthgap.sii "
        "orientation); limits by Monte Carlo.",
        "Footprint SII is given only where the footprint's LADs cover all ten deciles.",
    ]
    notes.extend(extra_notes)
    if (table["core20_n_lads"] == 0).any():
        notes.append(
            "The footprint has no LAD in LAD deciles 1-2: Core20 values are missing; "
            "its Core20 LSOAs are counted in the population figures."
        )
    return Core20Result(
        footprint=_label(footprint),
        footprint_name=name,
        lads=tuple(lads),
        population=population,
        indicators=table.sort_values(keys, ignore_index=True),
        notes=tuple(notes),
    )


__all__ = [
    "CLINICAL_AREAS",
    "ENGLAND",
    "clinical_summary",
    "clinical_template",
    "core20_indicators",
    "footprint_lads",
    "lad_deciles",
    "publishable_clinical_summary",
    "validate_clinical",
]
