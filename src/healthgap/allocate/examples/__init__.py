"""Built-in example formulas on the real open data: illustrations, not official allocations.

Three formula files sit beside this module, each with the *structure* of a published
allocation, run on the open data in the store:

``icb_capitation`` (TOML)
    NHS-style weighted capitation over the 42 ICBs (July 2022): a core component (90%)
    of population weighted by an age cost curve, and a health-inequalities component
    (10%) of population times deprivation. Populations by broad age band are the IoD2019
    File 6 mid-2015 LSOA denominators summed to ICBs through the ONS LSOA (2011) to ICB
    (July 2022) lookup, in which every LSOA lies in one ICB; deprivation is the
    population-weighted mean IMD 2019 score of the ICB's LSOAs (MHCLG's "average score"
    method). The cost weights are illustrative, not NHS England's.
``public_health_grant`` (YAML)
    The public health grant's structure: population times the under-75 standardised
    mortality ratio (SMR<75), over upper-tier councils. The store holds no all-cause
    SMR<75 (no deaths or populations by age for councils), so the proxy is OHID's
    *under-75 mortality from preventable cardiovascular disease* (Fingertips 93722, a
    directly standardised rate, 2022-2024) as a ratio to England's, times 100: like the
    SMR<75, it compares premature mortality after removing the effect of age. City of
    London is combined with Hackney and the Isles of Scilly with Cornwall, as OHID
    publishes them (151 areas). Populations: ONS mid-2020 estimates.
``health_duty_fund`` (TOML)
    A fund for strategic authorities weighted by the healthy life expectancy gap to
    England (70%) and the Core20 population share (30%). Authorities: the combined
    authorities of the open December 2023 lookup plus the Greater London Authority (as
    the London region), with North East and North of Tyne taken together as the North
    East MCA (E47000014), which ONS's HLE file reports: 10 authorities. HLE: ONS
    2022-2024, the mean of the male and female values.

Every example has an illustrative control total and a five-year pace of change from a
**synthetic** baseline: the control total / (1 + 3%) shared equally per head (no
published current allocations are in the open data). Outputs carry
:data:`ILLUSTRATION` so that nobody mistakes them for real allocations.

The **published-need examples** (:data:`NEED_EXAMPLES`, one per allocation year) are not
illustrations: ``icb_core_<year>`` gives each of the 42 ICBs its share of England's final
(core) weighted population and ``icb_primary_care_<year>`` its share of the final primary
medical care weighted population, exactly as NHS England publishes them
(:mod:`healthgap.allocate.need`). They have no control total: £ amounts need the
published envelope, which the user supplies (``control_total``); without it they give
shares only. A pace of change on top starts from a synthetic equal-per-head baseline and
is labelled so. Their outputs carry :data:`PUBLISHED_NEED`.

>>> sorted(EXAMPLES)
['health_duty_fund', 'icb_capitation', 'public_health_grant']
>>> sorted(NEED_EXAMPLES)[:2]
['icb_core_2023_24', 'icb_core_2024_25']
>>> example_formula("public_health_grant").source
'public_health_grant.yaml'
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from healthgap.allocate import need
from healthgap.allocate.engine import allocate
from healthgap.allocate.explain import compare
from healthgap.allocate.formula import Formula, Pace, _Parser
from healthgap.allocate.results import AllocationResult, Comparison
from healthgap.allocate.rounding import largest_remainder, pence_from_pounds
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.geography.authorities import data_code
from healthgap.geography.core20 import core20_share
from healthgap.geography.hierarchy import (
    ENGLAND_CODE,
    lad_lookup,
    lsoa_lookup,
    recode_lad,
)

#: The label every example output carries.
ILLUSTRATION = (
    "Illustration of a published formula structure on real open data; NOT an official "
    "allocation. Cost weights, shares, control totals and the baseline are illustrative."
)

#: The label every published-need example output carries.
PUBLISHED_NEED = (
    "NHS England's published weighted populations (real need indices, not money): target "
    "shares equal each ICB's published share of England's weighted population. Pounds only "
    "from the control total you supply; any current allocations and pace of change are "
    "SYNTHETIC (equal per head), not published allocations."
)

#: Shown when a published-need example runs without a control total.
SHARES_ONLY = (
    "No control total given: target shares only. Pounds need the published envelope: pass "
    "a control total (--control-total POUNDS)."
)

#: The synthetic baseline: current allocations = control total / (1 + this), per head.
BASELINE_UPLIFT = 0.03

#: The catalogue ids of the open datasets the examples read: a store of just these
#: (``init_store(path, ids=DATASETS)``) runs every example, and builds in seconds.
DATASETS: tuple[str, ...] = (
    "imd2019_lsoa",
    "lookup_icb24_names",
    "lookup_lad23_cauth23",
    "lookup_lad23_utla23",
    "lookup_lad24_cauth24",
    "lookup_lad24_region24",
    "lookup_lad25_cauth25",
    "lookup_lad_code_history",
    "lookup_lsoa11_lad21",
    "lookup_lsoa11_lsoa21_lad22",
    "lookup_lsoa21_icb24",
    "nhs_weighted_population_2023_2024",
    "nhs_weighted_population_2024_2025",
    "nhs_weighted_population_2025_2026",
    "ohid_cvd_u75_preventable",
    "ons_hle_local_areas",
    "ons_mye_2020_lad21",
)

_HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class ExampleSpec:
    """What a built-in example is: its formula file, areas, data and what-if component.

    Attributes
    ----------
    name, title:
        The id (``icb_capitation``) and a title for people.
    file:
        The formula file beside this module.
    areas:
        What the areas are (e.g. "42 ICBs (July 2022)").
    need_component:
        The component whose share ``hi_share`` changes in a what-if (the other
        components share the rest in proportion to their shares).
    sources:
        The open datasets the inputs are built from.
    proxy:
        Which data stand in for what, and why.
    """

    name: str
    title: str
    file: str
    areas: str
    need_component: str
    sources: tuple[str, ...]
    proxy: str
    year: str | None = None

    @property
    def label(self) -> str:
        """What every output of this example says it is."""
        return ILLUSTRATION if self.year is None else PUBLISHED_NEED

    @property
    def published(self) -> bool:
        """True for the published-need examples (no illustrative settings)."""
        return self.year is not None


EXAMPLES: dict[str, ExampleSpec] = {
    "icb_capitation": ExampleSpec(
        name="icb_capitation",
        title="ICB-style weighted capitation (illustration)",
        file="icb_capitation.toml",
        areas="42 integrated care boards (July 2022)",
        need_component="health_inequalities",
        sources=(
            "MHCLG IoD2019 (File 6 populations, mid-2015; File 7 scores)",
            "ONS LSOA (2011) to Sub-ICB Location to ICB (July 2022) lookup",
        ),
        proxy=(
            "Age need: an illustrative cost curve on three broad age bands (0-15, 16-59, 60+), "
            "the only age split of LSOA populations in the open data. Health inequalities: "
            "the population-weighted mean IMD 2019 score, in place of NHS England's "
            "avoidable-mortality-based index (no ICB avoidable mortality is in the store)."
        ),
    ),
    "public_health_grant": ExampleSpec(
        name="public_health_grant",
        title="Public-health-grant-style SMR<75 formula (illustration)",
        file="public_health_grant.yaml",
        areas="151 upper-tier local authorities (2023; two pairs combined as OHID does)",
        need_component="need",
        sources=(
            "OHID Fingertips 93722: under-75 preventable CVD mortality, DSR, 2022-2024",
            "ONS mid-2020 population estimates (2021 LADs), recoded to 2023 upper-tier areas",
        ),
        proxy=(
            "SMR<75 proxy: the under-75 preventable cardiovascular mortality rate (directly "
            "standardised) as a ratio to England's, x 100. The store has no all-cause deaths "
            "or populations by age for councils, so no all-cause SMR<75 can be computed; "
            "this is the age-standardised premature mortality indicator it does hold."
        ),
    ),
    "health_duty_fund": ExampleSpec(
        name="health_duty_fund",
        title="Strategic-authority health-duty fund (illustration)",
        file="health_duty_fund.toml",
        areas="10 strategic authorities (8 combined authorities, North East MCA, GLA)",
        need_component="hle_gap",
        sources=(
            "NHS England GP practice weighted populations 2025/26 (need index per head)",
            "ONS healthy life expectancy at birth, local areas, 2022-2024",
            "MHCLG IoD2019 deciles and File 6 populations (Core20 share)",
            "ONS LAD to combined authority lookup (May 2025); mid-2020 populations",
        ),
        proxy=(
            "Need: NHS England's published need index (final weighted population per "
            "registered patient, 2025/26) of the authority's districts' GP practices, "
            "practices counted in the district of their address. "
            "HLE gap: England's HLE minus the authority's (mean of male and female; ONS "
            "publishes no persons HLE), 0 where the authority is at or above England. The "
            "GLA (E61000001) is the London region. Members are those of the ONS May 2025 "
            "lookup: all 15 combined authorities of that date and the GLA."
        ),
    ),
}


def _need_spec(kind: str, year: str) -> ExampleSpec:
    stem = year.replace("/", "_")
    if kind == "core":
        return ExampleSpec(
            name=f"icb_core_{stem}",
            title=f"ICB core need shares {year} (NHS England published weighted populations)",
            file=f"icb_core_{stem}.toml",
            areas="42 integrated care boards (NHS ODS codes)",
            need_component="core",
            sources=(f"NHS England GP practice weighted populations {year}",),
            proxy=(
                "None: the final (core) weighted population as NHS England publishes it, "
                "summed from its practices to ICBs."
            ),
            year=year,
        )
    return ExampleSpec(
        name=f"icb_primary_care_{stem}",
        title=f"ICB primary medical care need shares {year} (NHS England published)",
        file=f"icb_primary_care_{stem}.toml",
        areas="42 integrated care boards (NHS ODS codes)",
        need_component="health_inequalities",
        sources=(f"NHS England GP practice weighted populations {year}",),
        proxy=(
            "None: 85% primary medical care need and 15% the health inequalities "
            "adjustment, the split of NHS England's published final primary medical care "
            "weighted population."
        ),
        year=year,
    )


#: The published-need examples: for each allocation year, the ICB core formula and
#: primary medical care.
NEED_EXAMPLES: dict[str, ExampleSpec] = {
    spec.name: spec
    for year in need.YEARS
    for spec in (_need_spec("core", year), _need_spec("pmc", year))
}

#: Every built-in example: the illustrations, then the published-need examples.
ALL_EXAMPLES: dict[str, ExampleSpec] = {**EXAMPLES, **NEED_EXAMPLES}


def _spec(name: str) -> ExampleSpec:
    if name not in ALL_EXAMPLES:
        close = difflib.get_close_matches(str(name), list(ALL_EXAMPLES), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise InputError(
            f"example must be one of {', '.join(ALL_EXAMPLES)}; got {name!r}.{hint} "
            "List them with `healthgap allocate examples`."
        )
    return ALL_EXAMPLES[name]


def example_spec(name: str) -> ExampleSpec:
    """The description of built-in example ``name``."""
    return _spec(name)


def example_formula(name: str) -> Formula:
    """The checked formula of the built-in example ``name`` (read from its file)."""
    return Formula.load(_HERE / _spec(name).file)


# ---- inputs from the store ----------------------------------------------------------


def _lad_populations(store: Store) -> pd.DataFrame:
    """ONS mid-2020 all-age populations of English LADs, recoded to 2024 codes."""
    t = store.table("populations")
    t = t.filter([t.source_id == "ons_mye_2020_lad21", t.area_code.startswith("E")])
    pops = store.to_pandas(t.group_by("area_code").aggregate(population=t.population.sum()))
    pops["lad_code"] = recode_lad(pops["area_code"], 2021, 2024, store=store)
    return pops.groupby("lad_code", as_index=False)["population"].sum()


def _baseline(control_pence: int, population: np.ndarray) -> np.ndarray:
    """The synthetic current allocations in pounds: control / (1 + uplift), per head."""
    total = round(control_pence / (1 + BASELINE_UPLIFT))
    weights = population.astype(float)
    return largest_remainder(weights / weights.sum() * total, total) / 100


def _icb_inputs(store: Store) -> tuple[pd.DataFrame, pd.DataFrame]:
    imd = store.to_pandas(
        store.table("imd2019_lsoa11").select(
            "lsoa11_code",
            "imd_score",
            "pop_age_0_15_mid2015",
            "pop_age_16_59_mid2015",
            "pop_age_60_plus_mid2015",
        )
    )
    look = lsoa_lookup(store, lsoa_vintage=2011)[["lsoa_code", "icb_code", "icb_name"]]
    lsoas = imd.merge(look, left_on="lsoa11_code", right_on="lsoa_code", how="left")
    if lsoas["icb_code"].isna().any():
        first = lsoas.loc[lsoas["icb_code"].isna(), "lsoa11_code"].iloc[0]
        raise InputError(
            f"every IMD 2019 LSOA must be in the LSOA to ICB lookup; got {first!r} in none. "
            "Rebuild the store with `healthgap init`."
        )
    bands = {"0-15": "pop_age_0_15_mid2015", "16-59": "pop_age_16_59_mid2015"}
    bands["60+"] = "pop_age_60_plus_mid2015"
    lsoas["population"] = lsoas[list(bands.values())].sum(axis=1)
    lsoas["weighted_score"] = lsoas["imd_score"] * lsoas["population"]
    by = lsoas.groupby(["icb_code", "icb_name"], sort=True)
    sums = by[[*bands.values(), "population", "weighted_score"]].sum().reset_index()
    inputs = pd.DataFrame(
        {
            "area": sums["icb_code"],
            "area_name": sums["icb_name"],
            "population": sums["population"],
            "imd_score": sums["weighted_score"] / sums["population"],
        }
    )
    long = [
        pd.DataFrame({"area": sums["icb_code"], "age": label, "population": sums[column]})
        for label, column in bands.items()
    ]
    return inputs, pd.concat(long, ignore_index=True)


#: OHID's combined areas: (code, name, members).
_COMBINED = (
    ("E67000001", "City of London, Hackney", ("E09000001", "E09000012")),
    ("E67000002", "Isles of Scilly, Cornwall", ("E06000053", "E06000052")),
)
_PH_PERIOD = "2022-2024"


def _ph_inputs(store: Store) -> pd.DataFrame:
    lads = lad_lookup(store)[["lad_code", "utla_code", "utla_name"]]
    pops = _lad_populations(store).merge(lads, on="lad_code", how="left", validate="one_to_one")
    for code, name, members in _COMBINED:
        hit = pops["utla_code"].isin(members)
        pops.loc[hit, "utla_code"] = code
        pops.loc[hit, "utla_name"] = name
    utla = pops.groupby(["utla_code", "utla_name"], as_index=False, sort=True)["population"].sum()
    t = store.indicators("93722", period=_PH_PERIOD)
    dsr = store.to_pandas(t.select("area_code", "area_type", "value"))
    england = dsr.loc[dsr["area_code"] == ENGLAND_CODE, "value"]
    if len(england) != 1:
        raise InputError(
            f"indicator 93722 must have one England value for {_PH_PERIOD}; got "
            f"{len(england)}. Rebuild the store with `healthgap init`."
        )
    dsr = dsr.drop_duplicates("area_code").set_index("area_code")["value"]
    value = utla["utla_code"].map(dsr)
    if value.isna().any():
        first = utla.loc[value.isna(), "utla_code"].iloc[0]
        raise InputError(
            f"indicator 93722 ({_PH_PERIOD}) must have a value for every upper-tier area; "
            f"got {int(value.isna().sum())} without (first: {first}). Rebuild the store."
        )
    return pd.DataFrame(
        {
            "area": utla["utla_code"],
            "area_name": utla["utla_name"],
            "population": utla["population"],
            "cvd_u75_dsr": value.to_numpy(),
            "smr_u75_proxy": 100 * value.to_numpy() / float(england.iloc[0]),
        }
    )


_NORTH_EAST = ("E47000014", "North East", ("E47000010", "E47000011"))
#: The allocation year of the NHS need index in the health-duty fund.
SA_NEED_YEAR = "2025/26"
_HLE_PERIOD = "2022-2024"


def _sa_inputs(store: Store) -> pd.DataFrame:
    lads = lad_lookup(store)[["lad_code", "strategic_authority_code", "strategic_authority_name"]]
    lads = lads.dropna(subset=["strategic_authority_code"]).copy()
    code, name, members = _NORTH_EAST
    hit = lads["strategic_authority_code"].isin(members)
    lads.loc[hit, "strategic_authority_code"] = code
    lads.loc[hit, "strategic_authority_name"] = name
    pops = _lad_populations(store).merge(lads, on="lad_code", how="inner")
    core = core20_share(store, to="lad", imd=2019, lad_vintage=2024)
    pops = pops.merge(
        core[["lad_code", "population", "core20_population"]].rename(
            columns={"population": "population_mid2015"}
        ),
        on="lad_code",
        how="left",
        validate="one_to_one",
    )
    keys = ["strategic_authority_code", "strategic_authority_name"]
    sa = pops.groupby(keys, as_index=False, sort=True)[
        ["population", "population_mid2015", "core20_population"]
    ].sum()
    # NHS England's published need: the weighted populations of the authority's districts'
    # practices (practices counted in the district of their address).
    districts = need.district_need(store, SA_NEED_YEAR).merge(lads, on="lad_code", how="inner")
    weighted = districts.groupby("strategic_authority_code")[
        ["final_wp", "registered_population"]
    ].sum()
    sa["nhs_need_index"] = sa["strategic_authority_code"].map(
        weighted["final_wp"] / weighted["registered_population"]
    )
    t = store.indicators("hle_birth", period=_HLE_PERIOD, sex=["Male", "Female"])
    hle = store.to_pandas(t.select("area_code", "sex", "value")).drop_duplicates(
        ["area_code", "sex"]
    )
    persons = hle.groupby("area_code")["value"].agg(["mean", "count"])
    persons = persons.loc[persons["count"] == 2, "mean"]
    if ENGLAND_CODE not in persons.index:
        raise InputError(
            f"healthy life expectancy must have England's male and female values for "
            f"{_HLE_PERIOD}; got none. Rebuild the store with `healthgap init`."
        )
    # the GLA (E61000001) is published as the London region (E12000007)
    sa["hle_years"] = sa["strategic_authority_code"].map(data_code).map(persons)
    sa = sa.dropna(subset=["hle_years"]).reset_index(drop=True)
    gap = np.maximum(0.0, float(persons[ENGLAND_CODE]) - sa["hle_years"].to_numpy())
    return pd.DataFrame(
        {
            "area": sa["strategic_authority_code"],
            "area_name": sa["strategic_authority_name"],
            "population": sa["population"],
            "hle_years": sa["hle_years"],
            "england_hle_years": float(persons[ENGLAND_CODE]),
            "hle_gap_years": gap,
            "core20_share": sa["core20_population"] / sa["population_mid2015"],
            "nhs_need_index": sa["nhs_need_index"],
        }
    )


def example_inputs(store: Store, name: str, control_pence: int | None = None) -> pd.DataFrame:
    """The inputs table of example ``name``, built from the store: one row per area with
    ``area``, ``area_name``, ``population``, the index columns and ``current`` (the
    synthetic baseline, pounds; for a published-need example only when ``control_pence``
    is given)."""
    spec = _spec(name)
    if spec.year is not None:
        inputs = need.need_inputs(store, spec.year)
        if control_pence is not None:
            inputs["current"] = _baseline(control_pence, inputs["population"].to_numpy())
        return inputs
    if spec.name == "icb_capitation":
        inputs, _ = _icb_inputs(store)
    elif spec.name == "public_health_grant":
        inputs = _ph_inputs(store)
    else:
        inputs = _sa_inputs(store)
    formula = example_formula(name)
    assert formula.control_total is not None
    total = formula.control_total if control_pence is None else control_pence
    inputs["current"] = _baseline(total, inputs["population"].to_numpy())
    return inputs


def example_bands(store: Store, name: str) -> pd.DataFrame | None:
    """The population-by-band table for the example's cost curve (``None`` if it has none)."""
    if _spec(name).name != "icb_capitation":
        return None
    return _icb_inputs(store)[1]


# ---- running ------------------------------------------------------------------------


def what_if_formula(
    name: str,
    *,
    hi_share: float | None = None,
    growth: float | None = None,
    floor: float | None = None,
    years: int | None = None,
) -> Formula:
    """The example's formula with a what-if applied.

    ``hi_share`` is the share of the example's need component
    (:attr:`ExampleSpec.need_component`); the other components share the rest in
    proportion to their own shares (equally if they were all 0). ``growth``, ``floor``
    and ``years`` replace the pace of change's settings.
    """
    spec = _spec(name)
    formula = example_formula(name)
    changed = []
    if hi_share is not None:
        checker = _Parser({}, "what-if", None)
        share = checker.number(
            hi_share,
            f"hi_share (the {spec.need_component} component's share)",
            "a share between 0 and 1",
            lambda v: 0 <= v <= 1,
            "Write 15% as 0.15.",
        )
        others = [c for c in formula.components if c.name != spec.need_component]
        if not others:
            raise InputError(
                f"hi_share must change a formula with two components or more; the example "
                f"{name} has one ({spec.need_component}). For the inequalities share of "
                "published need use the icb_primary_care_<year> examples."
            )
        total = sum(c.share for c in others)
        shares = {spec.need_component: share}
        for c in others:
            weight = c.share / total if total > 0 else 1 / len(others)
            shares[c.name] = (1 - share) * weight
        # Make the shares add up to 1 exactly in floating point.
        last = others[-1].name
        shares[last] = 1 - sum(v for k, v in shares.items() if k != last)
        formula = formula.with_shares(shares)
        changed.append(f"{spec.need_component} share {share:g}")
    if any(v is not None for v in (growth, floor, years)):
        old = formula.pace or Pace(years=1)
        n = old.years if years is None else years
        raw = {
            "years": n,
            "growth": (old.growth[0] if old.growth else 0.0) if growth is None else growth,
            "floor": old.floor if floor is None else floor,
        }
        pace: Pace = _Parser({}, "what-if", None).pace(raw)
        formula = replace(formula, pace=pace, current=formula.current or "current")
        for label, value in (("growth", growth), ("floor", floor), ("years", years)):
            if value is not None:
                changed.append(f"{label} {value:g}")
    if changed:
        formula = replace(formula, name=f"{formula.name}; what if {', '.join(changed)}")
    return formula


def control_pence(control_total: Any) -> int | None:
    """A control total in pounds as whole pence; it must be a positive amount."""
    if control_total is None:
        return None
    remedy = " Give the envelope in pounds, e.g. --control-total 123456789000."
    try:
        pence = pence_from_pounds(control_total, "control_total", remedy)
    except InputError as exc:
        if "0 or more" not in str(exc):
            raise
        pence = 0
    if pence <= 0:
        raise InputError(
            f"control_total must be a positive amount in pounds; got {control_total!r}.{remedy}"
        )
    return pence


#: Money columns dropped from a published-need run without a control total.
_MONEY = (
    "target_pence",
    "target_per_head",
    "allocation_pence",
    "allocation_per_head",
)


def run_example(
    store: Store,
    name: str,
    *,
    hi_share: float | None = None,
    growth: float | None = None,
    floor: float | None = None,
    years: int | None = None,
    control_total: Any = None,
) -> AllocationResult:
    """Run built-in example ``name`` on the store, with an optional what-if.

    The result's notes begin with the example's label (:data:`ILLUSTRATION` or
    :data:`PUBLISHED_NEED`); its table has ``area_name`` after ``area``. ``control_total``
    (pounds, positive) replaces an illustration's control total and gives a
    published-need example its pounds; without it a published-need example gives shares
    only (its money columns are absent and the notes say :data:`SHARES_ONLY`). A pace of
    change on a published-need example needs a control total.
    """
    spec = _spec(name)
    pence = control_pence(control_total)
    formula = what_if_formula(name, hi_share=hi_share, growth=growth, floor=floor, years=years)
    if spec.published and formula.pace is not None and pence is None:
        raise InputError(
            "a pace of change on published need must have a control total; got none. Pass "
            "--control-total POUNDS (the envelope); the starting allocations are then a "
            "synthetic equal-per-head baseline."
        )
    inputs = example_inputs(store, name, pence if formula.pace is not None else None)
    run_total = pence if pence is not None else (0 if spec.published else formula.control_total)
    result = allocate(
        replace(formula, control_total=run_total),
        inputs.drop(columns=["current"])
        if formula.current is None and "current" in inputs
        else inputs,
        example_bands(store, name),
        inputs_name=f"example {name}",
        bands_name=f"example {name} bands",
    )
    names = inputs.set_index("area")["area_name"]
    table = result.table.copy()
    table.insert(1, "area_name", table["area"].map(names).to_numpy())
    notes: tuple[str, ...] = (spec.label, *result.notes)
    if spec.published:
        column = "published_need_share" if name.startswith("icb_core") else "published_pmc_share"
        published = inputs.set_index("area")[column]
        at = list(table.columns).index("target_share") + 1
        table.insert(at, "published_share", table["area"].map(published).to_numpy())
        table.insert(at + 1, "difference", table["target_share"] - table["published_share"])
        if pence is None:
            table = table.drop(columns=[c for c in _MONEY if c in table.columns])
            notes = (spec.label, SHARES_ONLY, *result.notes[1:])
    table["label"] = output_label(spec, synthetic=formula.current is not None)
    return replace(result, table=table, notes=notes)


def output_label(spec: ExampleSpec, *, synthetic: bool = True) -> str:
    """The short label written into every row of an example's tables and CSV files."""
    if not spec.published:
        return "ILLUSTRATION: not an official allocation; baseline synthetic"
    if synthetic:
        return "NHS England published need; current allocations and pace SYNTHETIC"
    return "NHS England published need (shares); not an allocation in pounds"


def file_label(spec: ExampleSpec) -> str:
    """A word for file names: ``illustration`` or ``published-need``."""
    return "published-need" if spec.published else "illustration"


def compare_example(
    store: Store,
    name: str,
    *,
    hi_share: float | None = None,
    growth: float | None = None,
    floor: float | None = None,
    years: int | None = None,
    basis: str = "target",
    control_total: Any = None,
) -> Comparison:
    """Winners and losers if the what-if replaced the example's own settings.

    A published-need example compares pounds, so it needs ``control_total``.
    """
    spec = _spec(name)
    if spec.published and control_total is None:
        raise InputError(
            "a what-if on published need compares pounds, so it must have a control total; "
            "got none. Pass --control-total POUNDS (the envelope)."
        )
    base = run_example(store, name, control_total=control_total)
    other = run_example(
        store,
        name,
        hi_share=hi_share,
        growth=growth,
        floor=floor,
        years=years,
        control_total=control_total,
    )
    result = compare(base, other, basis=basis)
    names = base.table.set_index("area")["area_name"]
    table = result.table.copy()
    table.insert(1, "area_name", table["area"].map(names).to_numpy())
    table["label"] = output_label(spec, synthetic=not spec.published or basis != "target")
    return replace(result, table=table)


__all__ = [
    "ALL_EXAMPLES",
    "EXAMPLES",
    "ILLUSTRATION",
    "NEED_EXAMPLES",
    "PUBLISHED_NEED",
    "SHARES_ONLY",
    "ExampleSpec",
    "compare_example",
    "control_pence",
    "example_bands",
    "example_formula",
    "example_inputs",
    "example_spec",
    "run_example",
    "what_if_formula",
]
