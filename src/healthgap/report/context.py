"""The annual health-duty report's numbers, built from the store (no rendering).

:func:`build_context` gathers, for one English strategic authority, every figure the
report shows into a plain :class:`ReportContext`: sections of plain-English summaries,
tables and chart data. Rendering (:mod:`healthgap.report.render`, charts, PDF) only
formats what is here, so the HTML, the PDF and any test read the same numbers.

Every table passes through :func:`protect` (disclosure control, the default
:class:`~healthgap.data.disclosure.DisclosurePolicy`: counts of 1 to 7 withheld, other
counts rounded to the nearest 5) when it is made, before anything can render it.

Sections
--------
0. ``summary``: one page for a mayor and a scrutiny committee, from the numbers below
   (:mod:`healthgap.report.summary`).
1. ``mission``: the regional HLE gap (:func:`healthgap.account.mission.mission`) and the
   authority's own HLE by sex against England and its region, with 95% CIs and trend.
2. ``scorecard``: its outcomes framework (``--framework`` or a bundled example for the
   authority, else healthgap's default indicator set) with nearest-neighbour benchmarks.
3. ``inequalities``: SII and RII across the member councils ranked by IMD 2019 score
   (ecological: council-level values).
4. ``decomposition``: the HLE gap to England split into the LE gap and the extra years
   lived in poorer health, where the open data hold LE (England and the regions).
5. ``core20``: Core20 population share of the authority and each council (IMD 2019
   population-weighted; IMD 2025 by LSOA count, labelled).
6. ``hexmap``: the member councils on the ODI Leeds LAD hex layout, coloured by an
   indicator.
7. ``methods``: methods notes and the data catalogue of the store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from healthgap.account.aggregation import aggregation_rules
from healthgap.account.frameworks import (
    EXAMPLES,
    Framework,
    default_framework,
    load_framework,
    named_indicators,
    restrict_to_store,
)
from healthgap.account.mission import DEFAULT_BASELINE, MissionResult, mission
from healthgap.account.neighbours import area_features, nearest_neighbours
from healthgap.account.scorecards import Z95, change_test, scorecard
from healthgap.account.status import compare
from healthgap.data.disclosure import DisclosurePolicy, protect_table
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.geography.authorities import (
    GLA_CODE,
    LONDON_REGION,
    current_authorities,
    lad25_to_lad24,
)
from healthgap.geography.core20 import core20_lsoas
from healthgap.geography.footprints import Place
from healthgap.geography.hexes import current_area_codes
from healthgap.geography.hierarchy import ENGLAND_CODE, lsoa_lookup
from healthgap.geography.resolve import KIND_LABELS, Footprint
from healthgap.geography.resolve import footprint as resolve_footprint
from healthgap.stats import intervals
from healthgap.stats.inequality.sii import sii

#: The GSS code of the Greater London Authority; its area is the London region.
GLA_GSS_CODE = GLA_CODE
#: Columns that hold counts of people (disclosure control), besides :data:`COUNT_LIKE`.
PEOPLE_COLUMNS: frozenset[str] = frozenset({"population", "core20_population"})
POLICY = DisclosurePolicy()
HLE = "hle_birth"
LE = "le_birth"
SEXES = ("Female", "Male")
SII_SEED = 20250101
SII_REPETITIONS = 20_000
MIN_COUNCILS = 5
HEX_LAYOUT = "hex_lad23"

#: Indicators the member-council SII is computed for: (id, sex, label, value type, scale).
#: Scale divides the published value before the SII (percentages -> proportions) and is
#: the SII's multiplier, so the SII is in the published units.
SII_INDICATORS: tuple[tuple[str, str, str, str, float], ...] = (
    (HLE, "Female", "Healthy life expectancy at birth, females (years)", "normal", 1.0),
    (HLE, "Male", "Healthy life expectancy at birth, males (years)", "normal", 1.0),
    (
        "93722",
        "Persons",
        "Under-75 mortality from preventable cardiovascular disease (per 100,000)",
        "rate",
        1.0,
    ),
    ("adult_obesity", "Persons", "Adults living with obesity (%)", "proportion", 100.0),
)
#: The indicator colouring the hex map: the first of these the members have data for.
HEX_INDICATORS: tuple[tuple[str, str, str], ...] = (
    ("93722", "Persons", "Under-75 preventable cardiovascular mortality (per 100,000)"),
    ("adult_obesity", "Persons", "Adults living with obesity (%)"),
)


# ------------------------------------------------------------------ data objects


@dataclass(frozen=True)
class ReportTable:
    """A table as published: protected numbers, column headings and number formats.

    ``formats`` maps a column to its decimal places (numbers) ; other columns print as text.
    """

    id: str
    caption: str
    frame: pd.DataFrame
    columns: Mapping[str, str]
    digits: Mapping[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChartData:
    """What one chart shows: its kind, title, long-form data and the table behind it."""

    id: str
    kind: str
    title: str
    description: str
    data: pd.DataFrame
    table_id: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Section:
    """One numbered section of the report."""

    id: str
    title: str
    summary: tuple[str, ...]
    tables: tuple[ReportTable, ...] = ()
    charts: tuple[ChartData, ...] = ()
    notes: tuple[str, ...] = ()
    #: Headed groups of paragraphs (heading, paragraphs), e.g. the summary's four parts;
    #: empty for a section whose summary is one run of paragraphs.
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def table(self, table_id: str) -> ReportTable:
        """The section's table ``table_id``."""
        for t in self.tables:
            if t.id == table_id:
                return t
        raise KeyError(table_id)


@dataclass(frozen=True)
class ReportContext:
    """Every number of one authority's annual health-duty report."""

    authority_code: str
    authority_name: str
    data_code: str
    region_code: str
    region_name: str
    members: pd.DataFrame
    period: str
    target_year: int | None
    generated: dt.date
    sections: tuple[Section, ...]
    disclosure: str = POLICY.describe()
    kind: str = "strategic_authority"
    kind_label: str = "strategic authority"
    #: Which lookups define the footprint, and any alias or membership-change notes.
    geography: str = ""
    notes: tuple[str, ...] = ()

    def section(self, section_id: str) -> Section:
        """The section ``section_id`` (``mission``, ``scorecard``, ...)."""
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(section_id)

    def tables(self) -> list[ReportTable]:
        """Every table in the report, in order."""
        return [t for s in self.sections for t in s.tables]


# ------------------------------------------------------------------ helpers


def protect(frame: pd.DataFrame, policy: DisclosurePolicy = POLICY) -> pd.DataFrame:
    """Disclosure control for one report table, applied before it can be rendered.

    Count columns are those named in :data:`~healthgap.data.disclosure.COUNT_LIKE`,
    ending in ``_count``, or counting people (``population``, ``core20_population``).
    Small counts are withheld with every value derived in the same row (``value`` and
    its limits, shares); other counts are rounded. A table without counts is returned
    as it is.
    """
    return protect_table(frame, policy, people_columns=sorted(PEOPLE_COLUMNS), shares=True)


def _table(
    table_id: str,
    caption: str,
    frame: pd.DataFrame,
    columns: Mapping[str, str],
    digits: Mapping[str, int] | None = None,
    notes: Sequence[str] = (),
) -> ReportTable:
    safe = protect(frame[list(columns)].copy())
    return ReportTable(table_id, caption, safe, dict(columns), dict(digits or {}), tuple(notes))


def _years(x: float, digits: int = 1) -> str:
    return f"{x:.{digits}f} years"


def _ci(lo: float, hi: float, digits: int = 1) -> str:
    return f"95% CI {lo:.{digits}f} to {hi:.{digits}f}"


def _each(frame: pd.DataFrame) -> list[Any]:
    """The rows of ``frame`` as named tuples (typed loosely: cells are of any type)."""
    return list(frame.itertuples(index=False))


def _rows(store: Store, ids: Sequence[str], codes: Sequence[str] | None = None) -> pd.DataFrame:
    table = store.table("indicators")
    cond = table.indicator_id.isin(list(ids)) & table.category_type.isnull()
    if codes is not None:  # with the 2025 codes of Barnsley and Sheffield
        renamed = lad25_to_lad24(store)
        wanted = [*codes, *(old for old, new in renamed.items() if new in set(codes))]
        cond = cond & table.area_code.isin(wanted)
    cols = [
        "indicator_id",
        "area_code",
        "area_name",
        "area_type",
        "sex",
        "period",
        "period_start",
        "period_end",
        "value",
        "lower_95_0",
        "upper_95_0",
        "polarity",
    ]
    out = store.to_pandas(table.filter(cond).select(*cols))
    out["area_code"] = current_area_codes(out["area_code"], store)  # 2025 LAD codes -> 2024
    out["sex"] = out["sex"].fillna("Persons").astype(str)
    for c in ("value", "lower_95_0", "upper_95_0"):
        out[c] = out[c].astype(float)
    return out


# ------------------------------------------------------------------ authority


@dataclass(frozen=True)
class Authority:
    """The footprint a report is for: codes, name, region and councils.

    ``kind`` is ``strategic_authority``, ``icb``, ``sub_icb`` or ``place``; ``members``
    has a ``share_inside`` column (1 for councils wholly inside; ICBs can split them).
    """

    code: str
    name: str
    data_code: str
    area_type: str
    region_code: str
    region_name: str
    members: pd.DataFrame
    kind: str = "strategic_authority"
    notes: tuple[str, ...] = ()
    footprint: Footprint | None = field(default=None, compare=False, repr=False)

    @property
    def label(self) -> str:
        """What the footprint is, in words."""
        return KIND_LABELS.get(self.kind, self.kind.replace("_", " "))


#: Footprint kinds a report can be written for.
REPORT_KINDS = ("strategic_authority", "icb", "sub_icb", "place")


def valid_authorities(store: Store) -> pd.DataFrame:
    """The strategic authorities of the latest lookup, the GLA and the ICBs (code, name).

    The Greater London Authority is listed under its GSS code E61000001 (its figures are
    the London region's, E12000007, which is also accepted).
    """
    sa = current_authorities(store)[["code", "name"]]
    icbs = lsoa_lookup(store)[["icb_code", "icb_name"]].drop_duplicates()
    icbs.columns = ["code", "name"]
    out = pd.concat([sa, icbs], ignore_index=True)
    return out.sort_values("code", ignore_index=True)


def resolve_authority(code: str | Place, store: Store, *, on: Any = None) -> Authority:
    """The :class:`Authority` for ``code``: a strategic authority, the GLA, an ICB, a
    sub-ICB or a user-defined place. Unknown and abolished codes raise InputError."""
    wanted = code if isinstance(code, Place) else str(code).strip().upper()
    kind = "strategic_authority" if wanted == LONDON_REGION else None
    try:
        fp = resolve_footprint(wanted, store, on=on, kind=kind)
    except InputError as exc:
        if "replaced by" in str(exc):
            raise
        listed = ", ".join(
            f"{c} ({n})" for c, n in valid_authorities(store).itertuples(index=False)
        )
        raise InputError(
            f"authority must be an English strategic authority or ICB code in the store; got "
            f"{code!r}. Valid codes: {listed}. Sub-ICB codes (E38...) are also accepted."
        ) from None
    if fp.kind not in REPORT_KINDS:
        raise InputError(
            f"authority must be a strategic authority (E47..., the GLA E61000001), an ICB "
            f"(E54...), a sub-ICB (E38...) or a saved place; got {code!r}, a {fp.label}. "
            "Reports are written for the footprints that hold the health duty."
        )
    is_gla = fp.code == GLA_CODE
    members = fp.lads[["lad_code", "lad_name", "utla_code", "utla_name", "share_inside"]]
    return Authority(
        code=fp.code,
        name=fp.name,
        data_code=fp.data_code,
        area_type="region" if is_gla else fp.area_type,
        region_code=fp.region_code,
        region_name=fp.region_name,
        members=members.reset_index(drop=True),
        kind=fp.kind,
        notes=fp.notes,
        footprint=fp,
    )


def _council_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Council values: rows typed ``lad``, and for unitary councils (whose district is also
    their upper tier) the rows typed ``utla`` where the publisher gave only those (OHID
    publishes some indicators for unitaries at upper-tier level only)."""
    rows = rows[rows["area_type"].isin(["lad", "utla"])]
    rows = rows.assign(_o=(rows["area_type"] != "lad").astype(int)).sort_values("_o")
    keys = ["indicator_id", "area_code", "sex", "period"]
    return rows.drop_duplicates(keys).drop(columns="_o")


# ------------------------------------------------------------------ 1. mission


def _hle_periods(store: Store) -> list[str]:
    t = store.indicators(HLE, area_code=ENGLAND_CODE)
    got = store.to_pandas(t.select("period", "period_end").distinct())
    return got.sort_values(["period_end", "period"])["period"].astype(str).tolist()


def _mission_section(
    store: Store,
    auth: Authority,
    period: str,
    target_year: int | None,
    result: MissionResult | None = None,
) -> Section:
    # The gap and its trend do not depend on the target year; without one, no target,
    # trajectory or status is shown.
    if result is None:
        result = mission(store, target_year=target_year)
    gaps = result.gaps
    upto = gaps[gaps["period_start"] <= int(period[:4])]
    summary: list[str] = []
    for sex in SEXES:
        g = upto[upto["sex"] == sex]
        last = g.iloc[-1]
        base = g[g["period"] == DEFAULT_BASELINE]
        text = (
            f"In {last['period']} the gap in {sex.lower()} healthy life expectancy between "
            f"the highest region ({last['highest']}) and the lowest ({last['lowest']}) was "
            f"{_years(last['gap'], 2)} ({_ci(last['lower'], last['upper'], 2)})"
        )
        if len(base):
            text += f", against {_years(float(base['gap'].iloc[0]), 2)} at the "
            text += f"{DEFAULT_BASELINE} baseline."
        else:
            text += "."
        summary.append(text)
        latest = last["period"] == gaps[gaps["sex"] == sex]["period"].iloc[-1]
        if latest:
            summary.append(result.trends[sex].sentence)
        if target_year is not None and latest:
            summary.append(result.tracks[sex].status.sentence)
            if sex in result.paces:
                summary.append(result.paces[sex].sentence)
    if target_year is None:
        summary.append(
            "No target year is shown: no published government source states the year by "
            "which the gap is to be halved. A report made with a target year adds the "
            "halving trajectory, the status and what it would take."
        )
    gap_table = _table(
        "mission-gap",
        "Gap in healthy life expectancy at birth between the highest and lowest English "
        "region, by sex and period (years, 95% confidence limits)",
        upto.assign(sex=upto["sex"].astype(str)),
        {
            "period": "Period",
            "sex": "Sex",
            "gap": "Gap (years)",
            "lower": "Lower 95%",
            "upper": "Upper 95%",
            "highest": "Highest region",
            "lowest": "Lowest region",
        },
        {"gap": 2, "lower": 2, "upper": 2},
    )
    gap_chart = ChartData(
        "chart-mission-gap",
        "trend_band",
        "Regional gap in healthy life expectancy, by sex",
        "Line chart of the gap in years between the highest and lowest region for each "
        "period, one line per sex, with shaded 95% confidence limits.",
        gap_table.frame.rename(columns={"gap": "value", "sex": "series"}),
        "mission-gap",
        {"y_title": "Gap (years)", "zero": True},
    )

    # The authority's own HLE with its region and England.
    codes = [auth.data_code, auth.region_code, ENGLAND_CODE]
    rows = _rows(store, [HLE], codes)
    rows = rows[
        rows["area_type"].isin(["combined_authority", "region", "nation"]) & rows["sex"].isin(SEXES)
    ]
    rows = rows[rows["period_start"] <= int(period[:4])]
    role = {auth.data_code: auth.name, auth.region_code: auth.region_name, ENGLAND_CODE: "England"}
    if auth.data_code == auth.region_code:
        role[auth.region_code] = auth.name
    rows["area"] = rows["area_code"].map(role)
    tables = [gap_table]
    charts = [gap_chart]
    mine = rows[rows["area_code"] == auth.data_code]
    if mine.empty and auth.kind != "strategic_authority":
        summary.append(
            f"Healthy life expectancy is not published for {auth.name} ({auth.code}): ONS "
            f"publishes it for councils, combined authorities, regions and England, not for "
            f"{auth.label}s, and it cannot be added up from council figures (it is a life "
            "table built from deaths and survey prevalence by age, which the open data do not "
            "hold at this footprint). Its councils' figures are in section 3 where published."
        )
    elif mine.empty:
        summary.append(
            f"ONS publishes no healthy life expectancy for {auth.name} ({auth.code}) in the "
            "open data, so its own figures cannot be shown; its member councils' figures are "
            "in section 3 where published."
        )
    else:
        latest = rows[rows["period"] == period].copy()
        eng = latest[latest["area_code"] == ENGLAND_CODE].set_index("sex")["value"]
        reg = latest[latest["area_code"] == auth.region_code].set_index("sex")["value"]
        latest["vs_england"] = [
            compare(
                r.value,
                r.lower_95_0,
                r.upper_95_0,
                eng.get(r.sex, np.nan),
                "higher_is_better",
                what="England",
            )
            if r.area_code != ENGLAND_CODE
            else ""
            for r in _each(latest)
        ]
        latest["vs_region"] = [
            compare(
                r.value,
                r.lower_95_0,
                r.upper_95_0,
                reg.get(r.sex, np.nan),
                "higher_is_better",
                what=auth.region_name,
            )
            if r.area_code == auth.data_code and auth.data_code != auth.region_code
            else ""
            for r in _each(latest)
        ]
        order = {auth.data_code: 0, auth.region_code: 1, ENGLAND_CODE: 2}
        latest = latest.assign(_o=latest["area_code"].map(order)).sort_values(["sex", "_o"])
        first_period = str(mine.sort_values("period_start")["period"].iloc[0])
        for sex in SEXES:
            m = latest[(latest["area_code"] == auth.data_code) & (latest["sex"] == sex)]
            if m.empty:
                continue
            r = m.iloc[0]
            text = (
                f"{auth.name}'s {sex.lower()} healthy life expectancy at birth in {period} was "
                f"{_years(r['value'])} ({_ci(r['lower_95_0'], r['upper_95_0'])}): "
                f"{r['vs_england']}, England {_years(eng.get(sex, np.nan))}"
            )
            if r["vs_region"]:
                text += f"; {r['vs_region']}, {_years(reg.get(sex, np.nan))}"
            b = mine[(mine["sex"] == sex) & (mine["period"] == first_period)]
            if len(b):
                b0 = b.iloc[0]
                diff, z = change_test(
                    r["value"],
                    r["lower_95_0"],
                    r["upper_95_0"],
                    b0["value"],
                    b0["lower_95_0"],
                    b0["upper_95_0"],
                )
                d, zz = float(diff), float(z)
                word = "rise" if d > 0 else "fall" if d < 0 else "change"
                sig = (
                    "larger than the uncertainty of the two estimates (significant at 95%)"
                    if abs(zz) > Z95
                    else "within the uncertainty of the two estimates (not significant)"
                )
                text += (
                    f". Since {first_period} ({_years(b0['value'])}) that is a {word} of "
                    f"{_years(abs(d))}, {sig}"
                )
            summary.append(text + ".")
        tables.append(
            _table(
                "mission-authority",
                f"Healthy life expectancy at birth in {period}: {auth.name}, "
                f"{auth.region_name if auth.data_code != auth.region_code else 'its region'} "
                "and England (years, 95% confidence limits)",
                latest,
                {
                    "sex": "Sex",
                    "area": "Area",
                    "value": "HLE (years)",
                    "lower_95_0": "Lower 95%",
                    "upper_95_0": "Upper 95%",
                    "vs_england": "Compared with England",
                    "vs_region": "Compared with region",
                },
                {"value": 1, "lower_95_0": 1, "upper_95_0": 1},
            )
        )
        trend = rows.sort_values(["period_start", "sex", "area_code"]).copy()
        trend["series"] = trend["area"] + ", " + trend["sex"].str.lower()
        wide = trend.pivot_table(
            index=["period_start", "period"], columns=["sex", "area_code"], values="value"
        )
        wide.columns = [f"{c[0]}|{c[1]}" for c in wide.columns]
        wide = wide.reset_index()
        heads = {"period": "Period"}
        for sx in SEXES:
            for code in dict.fromkeys([auth.data_code, auth.region_code, ENGLAND_CODE]):
                if f"{sx}|{code}" in wide.columns:
                    heads[f"{sx}|{code}"] = f"{sx}: {role[code]}"
        trend_table = _table(
            "mission-trend",
            f"Healthy life expectancy at birth by period and sex: {auth.name}, its region and "
            "England (years; the chart shows the 95% limits)",
            wide,
            heads,
            {c: 1 for c in heads if c != "period"},
        )
        tables.append(trend_table)
        charts.append(
            ChartData(
                "chart-mission-trend",
                "trend_band",
                f"Healthy life expectancy at birth: {auth.name} against England",
                f"Line charts by sex of healthy life expectancy for {auth.name}, its region "
                "and England in each period, with shaded 95% confidence limits.",
                protect(trend)[["period", "sex", "series", "value", "lower_95_0", "upper_95_0"]]
                .rename(columns={"lower_95_0": "lower", "upper_95_0": "upper"})
                .assign(series=trend["area"].to_numpy()),
                "mission-trend",
                {"y_title": "HLE (years)", "facet": "sex"},
            )
        )
    notes = (
        *result.notes[:1],
        "Compared with England or the region: the authority's 95% confidence interval "
        "against the other area's value (OHID Fingertips method); 'similar' when it "
        "contains it.",
        "Change since the first period: z test with standard errors from the 95% limits; "
        "the periods do not overlap when they are 9 or more years apart.",
    )
    return Section(
        "mission",
        "The mission gap and healthy life expectancy",
        tuple(summary),
        tuple(tables),
        tuple(charts),
        tuple(notes),
    )


# ------------------------------------------------------------------ 2. scorecard


def _choose_framework(
    auth: Authority,
    store: Store,
    framework: str | Path | Framework | None,
    indicators: Sequence[str] = (),
) -> tuple[Framework, str]:
    if isinstance(framework, Framework):
        chosen, how = framework, "given"
    elif framework is not None:
        chosen, how = load_framework(framework), "given"
    else:
        found = [
            fw
            for p in sorted(EXAMPLES.glob("*.toml"))
            if (fw := load_framework(p)).authority in (auth.code, auth.data_code)
        ]
        if found:
            chosen, how = found[0], "example"
        else:
            chosen = named_indicators(
                restrict_to_store(default_framework(auth.data_code, auth.area_type), store), store
            )
            how = "default"
    if chosen.authority not in (auth.code, auth.data_code):
        raise InputError(
            f"framework authority must be the report's authority {auth.code}; got "
            f"{chosen.authority!r} in {chosen.source or 'the framework'}. Pass the framework "
            "file written for this authority."
        )
    if chosen.authority != auth.data_code:
        from dataclasses import replace

        chosen = replace(chosen, authority=auth.data_code, area_type=auth.area_type)
    if indicators:
        from healthgap.account.frameworks import add_indicators

        chosen = add_indicators(chosen, indicators, store)
    return chosen, how


def _scorecard_section(
    store: Store,
    auth: Authority,
    framework: str | Path | Framework | None,
    indicators: Sequence[str] = (),
) -> Section:
    fw, how = _choose_framework(auth, store, framework, indicators)
    summary: list[str] = []
    if how == "default":
        summary.append(
            f"{auth.name} has no outcomes framework in healthgap, so this is healthgap's "
            "default indicator set: every headline indicator the open data hold for the "
            "authority, with no targets. A report made with the authority's own outcomes "
            "framework file shows its indicators and targets instead."
        )
    else:
        summary.append(f"Framework: {fw.name} (version {fw.version}).")
    if fw.illustration:
        summary.append(
            "ILLUSTRATION: this framework is an example of the file layout; its targets are "
            "invented and are not the authority's."
        )
    if not fw.indicators:
        summary.append(
            f"The open data publish none of the scorecard's indicators for {auth.name} at "
            f"{auth.label} level, and hold no counts and denominators to add them up from its "
            "councils or neighbourhoods, so no scorecard can be shown (a population-weighted "
            "mean of council rates would not be a valid figure for it)."
        )
        near_table, near_text = _neighbours(store, auth)
        summary.extend(near_text)
        return Section(
            "scorecard", "Outcomes framework scorecard", tuple(summary), tuple(near_table)
        )
    card = scorecard(fw, store, neighbours=5)
    t = card.table.copy()
    t["change_significant"] = np.where(
        t["change_z"].abs() > Z95, "yes", np.where(t["change_z"].notna(), "no", "")
    )
    counts = t["compared_95"].value_counts()
    parts = [
        f"{int(counts.get(k, 0))} {label}"
        for k, label in (
            ("better", "significantly better than England"),
            ("similar", "similar to England"),
            ("worse", "significantly worse than England"),
        )
        if counts.get(k, 0)
    ]
    if parts:
        summary.append(
            f"Of {len(t)} indicator{'s' if len(t) != 1 else ''} at the latest period: "
            + ", ".join(parts)
            + " (95% level)."
        )
    targets = t[t["target"].notna()]
    if len(targets):
        st = targets["target_status"].value_counts()
        ahead = [
            f"{int(st[w])} {w}" for w in ("on track", "off track", "too early to say") if w in st
        ]
        summary.append(
            f"Targets: {int(st.get('met', 0))} met, {int(st.get('not met', 0))} not met and "
            f"{int(st.get('cannot tell', 0))} where the confidence interval contains the target "
            "(cannot tell)"
            + (f"; not yet due: {', '.join(ahead)}" if ahead else "")
            + ". A target is called met only when the whole 95% interval is on the "
            "good side of it; one whose period is not yet published is judged against the "
            "straight line from its baseline instead."
        )
    tables = [
        _table(
            "scorecard-values",
            f"{fw.name}: latest value of each indicator for {auth.name} compared with England",
            t,
            {
                "label": "Indicator",
                "period": "Period",
                "value": "Value",
                "lower_95_0": "Lower 95%",
                "upper_95_0": "Upper 95%",
                "england_value": "England",
                "compared_95": "vs England (95%)",
                "compared_99_8": "vs England (99.8%)",
            },
            {"value": 1, "lower_95_0": 1, "upper_95_0": 1, "england_value": 1},
        ),
        _table(
            "scorecard-progress",
            f"{fw.name}: change since baseline, targets and nearest-neighbour benchmarks",
            t,
            {
                "label": "Indicator",
                "baseline_period": "Baseline period",
                "baseline": "Baseline",
                "change": "Change",
                "change_significant": "Significant change",
                "target": "Target",
                "target_period": "Target period",
                "target_status": "Target status",
                "neighbour_mean": "Neighbour mean",
                "neighbour_rank": "Rank (1 = best)",
            },
            {"baseline": 1, "change": 1, "target": 1, "neighbour_mean": 1, "neighbour_rank": 0},
        ),
    ]
    near_table, near_text = _neighbours(store, auth)
    tables.extend(near_table)
    summary.extend(near_text)
    return Section(
        "scorecard", "Outcomes framework scorecard", tuple(summary), tuple(tables), (), card.notes
    )


def _neighbours(store: Store, auth: Authority) -> tuple[list[ReportTable], list[str]]:
    """The five most similar footprints of the same kind, as a table and a sentence."""
    kind_type = {"icb": "icb", "sub_icb": "sub_icb"}.get(auth.kind, auth.area_type)
    code = auth.code if auth.kind in ("icb", "sub_icb") else auth.data_code
    if auth.kind == "strategic_authority" and auth.code == GLA_CODE:
        kind_type, code = "region", auth.data_code
    try:
        near = nearest_neighbours(code, store=store, area_type=kind_type, k=5)
    except InputError:
        return [], []
    if near.empty:
        return [], []
    plural = {
        "region": "regions",
        "icb": "integrated care boards",
        "sub_icb": "sub-ICB locations",
    }.get(kind_type, "strategic authorities")
    table = _table(
        "scorecard-neighbours",
        f"The five {plural} most similar to {auth.name} in deprivation and size "
        "(nearest neighbours)",
        near,
        {
            "area_code": "Code",
            "area_name": "Area",
            "imd_score": "IMD 2019 average score",
            "population": "Population (mid-2015)",
            "distance": "Distance",
        },
        {"imd_score": 1, "population": 0, "distance": 2},
    )
    text = (
        f"Neighbour benchmarks compare {auth.name} with the {len(near)} {plural} most like it "
        "in deprivation and population: " + ", ".join(near["area_name"].astype(str)) + "."
    )
    return [table], [text]


# ------------------------------------------------------------------ 3. inequalities


def _member_ranks(store: Store, auth: Authority) -> pd.DataFrame:
    feats = area_features(store, "lad")
    m = auth.members.merge(
        feats[["area_code", "population", "imd_score"]],
        left_on="lad_code",
        right_on="area_code",
        how="left",
    ).drop(columns="area_code")
    m = m.sort_values(["imd_score", "lad_code"], ascending=[False, True], ignore_index=True)
    m["deprivation_rank"] = np.arange(1, len(m) + 1)
    return m


def _midpoints(population: np.ndarray) -> np.ndarray:
    share = population / population.sum()
    return np.cumsum(share) - share / 2


def _inequality_section(store: Store, auth: Authority, period: str) -> Section:
    members = _member_ranks(store, auth)
    members["midpoint"] = _midpoints(members["population"].to_numpy(float))
    summary = [
        f"This section compares the {len(members)} member councils of {auth.name}, ranked from "
        "the most to the least deprived by their population-weighted IMD 2019 score. It is "
        "ecological: each council's value stands for everyone in it, and deprived and affluent "
        "neighbourhoods within a council are averaged together, so it understates the gap "
        "between neighbourhoods. The slope index of inequality (SII) is the fitted difference "
        "between the least and the most deprived end of the authority's population; the "
        "relative index (RII) is their ratio."
    ]
    partial = auth.members[auth.members["share_inside"] < 1]
    if len(partial):
        summary.append(
            f"{len(partial)} of these councils lie only partly in {auth.name} ("
            + ", ".join(
                f"{n}, {100 * float(sh):.0f}% of its neighbourhoods"
                for n, sh in zip(partial["lad_name"], partial["share_inside"], strict=True)
            )
            + "): their published values are for the whole council."
        )
    ids = sorted({i[0] for i in SII_INDICATORS})
    rows = _rows(store, ids, list(members["lad_code"]))
    rows = _council_rows(rows)
    hle_before = rows["period_start"] <= int(period[:4])
    rows = rows[(rows["indicator_id"] != HLE) | hle_before]
    frames = []
    skipped: list[str] = []
    chosen: list[pd.DataFrame] = []
    for ind_id, sex, label, vtype, scale in SII_INDICATORS:
        r = rows[(rows["indicator_id"] == ind_id) & (rows["sex"] == sex)]
        r = r.dropna(subset=["value", "lower_95_0", "upper_95_0"])
        if r.empty:
            skipped.append(f"{label}: no council values in the open data")
            continue
        latest = r[r["period_end"] == r["period_end"].max()]
        latest = latest[latest["period"] == latest["period"].iloc[0]]
        have = members[members["lad_code"].isin(latest["area_code"])].copy()
        if len(have) < MIN_COUNCILS:
            skipped.append(
                f"{label}: only {len(have)} of {len(members)} councils have published values "
                f"(at least {MIN_COUNCILS} are needed for an SII)"
            )
            continue
        have["quantile"] = np.arange(1, len(have) + 1)
        have["midpoint"] = _midpoints(have["population"].to_numpy(float))
        joined = have.merge(latest, left_on="lad_code", right_on="area_code")
        joined["label"] = label
        joined["value_type"] = vtype
        joined["scale"] = scale
        missing = sorted(set(members["lad_name"]) - set(have["lad_name"]))
        if missing:
            skipped.append(
                f"{label}: {', '.join(missing)} left out (no published value for "
                f"{latest['period'].iloc[0]})"
            )
        chosen.append(joined)
    for part in chosen:
        vtype = str(part["value_type"].iloc[0])
        scale = float(part["scale"].iloc[0])
        data = part.assign(
            v=part["value"] / scale, lo=part["lower_95_0"] / scale, hi=part["upper_95_0"] / scale
        )
        res = sii(
            data,
            "v",
            "population",
            "quantile",
            group_by=["indicator_id", "sex", "period", "label"],
            lower="lo",
            upper="hi",
            value_type=vtype,  # type: ignore[arg-type]
            multiplier=scale,
            repetitions=SII_REPETITIONS,
            seed=SII_SEED,
            rii=True,
        ).to_frame()
        res["councils"] = len(part)
        wmean_x = float(np.average(part["midpoint"], weights=part["population"]))
        wmean_y = float(np.average(part["value"], weights=part["population"]))
        res["fit_most_deprived"] = wmean_y - res["sii"] * wmean_x
        res["fit_least_deprived"] = res["fit_most_deprived"] + res["sii"]
        frames.append(res)
    tables: list[ReportTable] = [
        _table(
            "inequality-members",
            f"Member councils of {auth.name} ranked by deprivation (1 = most deprived)",
            members,
            {
                "deprivation_rank": "Rank",
                "lad_code": "Code",
                "lad_name": "Council",
                "imd_score": "IMD 2019 average score",
                "population": "Population (mid-2015)",
                "midpoint": "Position (0-1)",
            },
            {"imd_score": 1, "population": 0, "midpoint": 3},
        )
    ]
    charts: list[ChartData] = []
    if frames:
        res = pd.concat(frames, ignore_index=True)
        sii_table = _table(
            "inequality-sii",
            f"Slope and relative index of inequality across the councils of {auth.name} "
            "(council-level, ecological; 95% Monte Carlo limits)",
            res,
            {
                "label": "Indicator",
                "period": "Period",
                "councils": "Councils",
                "sii": "SII",
                "sii_lower_95_0": "SII lower 95%",
                "sii_upper_95_0": "SII upper 95%",
                "rii": "RII",
                "rii_lower_95_0": "RII lower 95%",
                "rii_upper_95_0": "RII upper 95%",
            },
            {
                "sii": 2,
                "sii_lower_95_0": 2,
                "sii_upper_95_0": 2,
                "rii": 3,
                "rii_lower_95_0": 3,
                "rii_upper_95_0": 3,
            },
        )
        tables.append(sii_table)
        for r in res.itertuples(index=False):
            lo, hi, s = float(r.sii_lower_95_0), float(r.sii_upper_95_0), float(r.sii)
            if lo > 0 or hi < 0:
                end = "least" if s > 0 else "most"
                verdict = f"significantly higher at the {end} deprived end"
            else:
                verdict = "not significantly different from no slope (the interval includes 0)"
            summary.append(
                f"{r.label}, {r.period}: SII {s:.2f} ({_ci(lo, hi, 2)}), {verdict}; RII "
                f"{float(r.rii):.3f}."
            )
        for i, part in enumerate(chosen):
            label = str(part["label"].iloc[0])
            fit = res[res["label"] == label].iloc[0]
            tid = f"inequality-values-{i + 1}"
            vt = _table(
                tid,
                f"{label}, {part['period'].iloc[0]}: council values by deprivation position",
                part,
                {
                    "deprivation_rank": "Rank",
                    "lad_name": "Council",
                    "midpoint": "Position (0-1)",
                    "value": "Value",
                    "lower_95_0": "Lower 95%",
                    "upper_95_0": "Upper 95%",
                },
                {"midpoint": 3, "value": 1, "lower_95_0": 1, "upper_95_0": 1},
            )
            tables.append(vt)
            charts.append(
                ChartData(
                    f"chart-sii-{i + 1}",
                    "sii",
                    f"{label} by deprivation of council, {part['period'].iloc[0]}",
                    f"Scatter chart of {label.lower()} for each council (with 95% limits) "
                    "against its position from most deprived (0) to least deprived (1), with "
                    "the fitted SII line.",
                    vt.frame,
                    tid,
                    {
                        "fit": [
                            float(fit["fit_most_deprived"]),
                            float(fit["fit_least_deprived"]),
                        ],
                        "y_title": label,
                    },
                )
            )
    else:
        summary.append("No indicator has enough council values for an SII.")
    if skipped:
        summary.append("Not shown or incomplete: " + "; ".join(skipped) + ".")
    notes = (
        "SII by weighted least squares of council values on the midpoint of each council's "
        "cumulative population share (mid-2015 populations from the IMD 2019 file), "
        "healthgap.sii; positive = higher at the least deprived end. Limits: Monte Carlo "
        f"({SII_REPETITIONS:,} draws, seed {SII_SEED}) from each council's 95% limits.",
        "Rates are simulated on the log scale and percentages on the logit scale, then "
        "back-transformed; the regression is on the published scale.",
    )
    return Section(
        "inequalities",
        "Inequalities by deprivation across member councils",
        tuple(summary),
        tuple(tables),
        tuple(charts),
        notes,
    )


# ------------------------------------------------------------------ 4. decomposition


def _decomposition_section(store: Store, auth: Authority, period: str) -> Section:
    is_region = auth.data_code == auth.region_code
    area_code, area_name = auth.region_code, auth.name if is_region else auth.region_name
    rows = _rows(store, [HLE, LE], [area_code, ENGLAND_CODE])
    rows = rows[rows["area_type"].isin(["region", "nation"]) & rows["sex"].isin(SEXES)]
    both = rows.groupby("period")["indicator_id"].nunique()
    common = rows[rows["period"].isin(both[both == 2].index)]
    common = common[common["period_start"] <= int(period[:4])]
    need = (
        "A Segment-Tool decomposition of the life-expectancy gap by age and cause "
        "(healthgap.decompose_gap, Arriaga's method) needs deaths by five-year age band "
        "(and by cause) and mid-year populations by the same age bands, by sex, for the "
        "authority and for England; the open data hold neither for local areas, so supply "
        "them from ONS or OHID (e.g. the Primary Care Mortality Database or ONS death "
        "registrations) to run it."
    )
    summary = [need]
    if common.empty:
        summary.append("The store holds no life expectancy to split the HLE gap with.")
        return Section("decomposition", "Life-expectancy gap decomposition", tuple(summary))
    use = (
        period
        if period in set(common["period"])
        else str(common.sort_values("period_end")["period"].iloc[-1])
    )
    p = common[common["period"] == use]
    wide = p.pivot_table(
        index="sex",
        columns=["indicator_id", "area_code"],
        values=["value", "lower_95_0", "upper_95_0"],
    )
    out = []
    for sex in SEXES:

        def get(what: str, ind: str, code: str, sex: str = sex) -> float:
            cell: Any = wide.loc[sex, (what, ind, code)]
            return float(cell)

        le_a, le_e = get("value", LE, area_code), get("value", LE, ENGLAND_CODE)
        hle_a, hle_e = get("value", HLE, area_code), get("value", HLE, ENGLAND_CODE)

        def gap(ind: str) -> intervals.Difference:
            def se(code: str) -> Any:
                return intervals.se_from_limits(
                    get("lower_95_0", ind, code), get("upper_95_0", ind, code)
                )

            return intervals.difference_of_estimates(
                get("value", ind, ENGLAND_CODE),
                se(ENGLAND_CODE),
                get("value", ind, area_code),
                se(area_code),
            )

        le, hle = gap(LE), gap(HLE)
        le_gap, hle_gap = float(le.value), float(hle.value)
        out.append(
            {
                "sex": sex,
                "period": use,
                "le_area": le_a,
                "le_england": le_e,
                "hle_area": hle_a,
                "hle_england": hle_e,
                "le_gap": le_gap,
                "le_gap_lower": float(le.lower),
                "le_gap_upper": float(le.upper),
                "hle_gap": hle_gap,
                "hle_gap_lower": float(hle.lower),
                "hle_gap_upper": float(hle.upper),
                "poorer_health_gap": hle_gap - le_gap,
            }
        )
    df = pd.DataFrame(out)
    where = auth.name if is_region else f"the {area_name} region"
    if not is_region:
        summary.insert(
            0,
            f"Life expectancy is not in the open data for {auth.name}, only for England and "
            f"the regions, so the split below is for the {area_name} region, the nearest "
            "area that has both measures.",
        )
    for r in _each(df):
        below = r.hle_gap >= 0
        lo, hi = (
            (r.hle_gap_lower, r.hle_gap_upper) if below else (-r.hle_gap_upper, -r.hle_gap_lower)
        )
        le_lo, le_hi = (
            (r.le_gap_lower, r.le_gap_upper)
            if r.le_gap >= 0
            else (-r.le_gap_upper, -r.le_gap_lower)
        )
        summary.append(
            f"{r.sex}s, {r.period}: healthy life expectancy in {where} is "
            f"{_years(abs(r.hle_gap), 2)} {'below' if below else 'above'} England's "
            f"({_ci(lo, hi, 2)}). Life expectancy is {_years(abs(r.le_gap), 2)} "
            f"{'shorter' if r.le_gap >= 0 else 'longer'} ({_ci(le_lo, le_hi, 2)}), and "
            f"{_years(abs(r.poorer_health_gap), 2)} "
            f"{'more' if r.poorer_health_gap >= 0 else 'fewer'} are lived in poorer health."
        )
    table = _table(
        "decomposition-split",
        f"Gap to England in healthy life expectancy split into the life-expectancy gap and "
        f"extra years in poorer health, {where}, {use} (years)",
        df,
        {
            "sex": "Sex",
            "hle_area": "HLE (area)",
            "hle_england": "HLE (England)",
            "hle_gap": "HLE gap",
            "le_area": "LE (area)",
            "le_england": "LE (England)",
            "le_gap": "LE gap",
            "poorer_health_gap": "Extra years in poorer health",
        },
        dict.fromkeys(("hle_area", "hle_england", "hle_gap", "le_area", "le_england", "le_gap"), 2)
        | {"poorer_health_gap": 2},
    )
    long = pd.concat(
        [
            pd.DataFrame(
                {"sex": df["sex"], "component": "Shorter life (LE gap)", "years": df["le_gap"]}
            ),
            pd.DataFrame(
                {
                    "sex": df["sex"],
                    "component": "More years in poorer health",
                    "years": df["poorer_health_gap"],
                }
            ),
        ],
        ignore_index=True,
    )
    chart = ChartData(
        "chart-decomposition",
        "stacked",
        f"Healthy life expectancy gap to England, {where}, {use}",
        "Stacked bar chart by sex splitting the gap to England in healthy life expectancy "
        "into the gap in life expectancy and the extra years lived in poorer health.",
        protect(long),
        "decomposition-split",
        {"y_title": "Years below England (negative: above)"},
    )
    notes = (
        "HLE gap = LE gap + (years in poorer health in the area - in England), where years "
        "in poorer health = LE - HLE; gaps are England minus the area.",
        "Limits of the LE and HLE gaps combine the two areas' standard errors (from their "
        "95% limits) as if independent; the area is part of England, so they are slightly "
        "wide. The poorer-health component has no interval: LE and HLE of one area share "
        "their mortality data and their covariance is not published.",
        "The HLE series is ONS's interim method; LE is ONS's life expectancy for local "
        "areas. Both are ONS period estimates for the same three years.",
    )
    return Section(
        "decomposition",
        "Life-expectancy gap decomposition",
        tuple(summary),
        (table,),
        (chart,),
        notes,
    )


# ------------------------------------------------------------------ 5. Core20


def _core20_lsoa_table(store: Store, auth: Authority) -> tuple[pd.DataFrame, float]:
    """Core20 counts for the footprint's part of each council, from its own LSOAs.

    IMD 2019 on 2011 LSOAs (with mid-2015 populations), IMD 2025 on 2021 LSOAs (counts
    only). Returns the per-council table and England's IMD 2019 Core20 population share.
    """
    fp = auth.footprint
    assert fp is not None
    l19 = core20_lsoas(store, imd=2019)[["lsoa_code", "population", "core20"]]
    england_share = float(l19.loc[l19["core20"], "population"].sum() / l19["population"].sum())
    lad11 = lsoa_lookup(store, lsoa_vintage=2011)[["lsoa_code", "lad_code"]]
    l19 = l19[l19["lsoa_code"].isin(set(fp.lsoa11))].merge(lad11, on="lsoa_code")
    l19["core20_population"] = np.where(l19["core20"], l19["population"], 0.0)
    l19["core20_lsoas"] = l19["core20"].astype("int64")
    g19 = l19.groupby("lad_code").agg(
        population=("population", "sum"),
        core20_population=("core20_population", "sum"),
        lsoas=("lsoa_code", "size"),
        core20_lsoas=("core20_lsoas", "sum"),
    )
    l25 = core20_lsoas(store, imd=2025)[["lsoa_code", "core20"]]
    lad21 = lsoa_lookup(store, lsoa_vintage=2021)[["lsoa_code", "lad_code"]]
    l25 = l25[l25["lsoa_code"].isin(set(fp.lsoa21))].merge(lad21, on="lsoa_code")
    g25 = l25.groupby("lad_code").agg(
        lsoas_2025=("lsoa_code", "size"), core20_lsoas_2025=("core20", "sum")
    )
    table = auth.members[["lad_code", "lad_name", "share_inside"]].merge(
        g19.join(g25, how="outer").reset_index(), on="lad_code", how="left"
    )
    part = table["share_inside"] < 1
    table.loc[part, "lad_name"] = [
        f"{n} (part: {100 * sh:.0f}% of its neighbourhoods)"
        for n, sh in zip(table.loc[part, "lad_name"], table.loc[part, "share_inside"], strict=True)
    ]
    return table.drop(columns="share_inside"), england_share


def _core20_section(store: Store, auth: Authority) -> Section:
    table, england_share = _core20_lsoa_table(store, auth)
    what = "councils" if auth.kind == "strategic_authority" else "councils (parts inside)"
    total = pd.DataFrame(
        {
            "lad_code": [auth.code],
            "lad_name": [f"{auth.name} (all {what})"],
            **{
                c: [table[c].sum()]
                for c in (
                    "population",
                    "core20_population",
                    "lsoas",
                    "core20_lsoas",
                    "lsoas_2025",
                    "core20_lsoas_2025",
                )
            },
        }
    )
    total["core20_population_share"] = total["core20_population"] / total["population"]
    table["core20_population_share"] = table["core20_population"] / table["population"]
    table = pd.concat([total, table], ignore_index=True)
    table["core20_lsoa_share_2019"] = table["core20_lsoas"] / table["lsoas"]
    table["core20_lsoa_share_2025"] = table["core20_lsoas_2025"] / table["lsoas_2025"]
    for c in ("core20_population_share", "core20_lsoa_share_2019", "core20_lsoa_share_2025"):
        table[c] = 100 * table[c]
    eng_share = 100 * england_share
    t = _table(
        "core20-shares",
        f"Core20: share of people and of neighbourhoods (LSOAs) in England's most deprived "
        f"20%, {auth.name} and its councils (IMD 2019 and IMD 2025)",
        table,
        {
            "lad_name": "Area",
            "population": "Population (mid-2015)",
            "core20_population": "Core20 population",
            "core20_population_share": "Core20 % of people (IMD 2019)",
            "core20_lsoa_share_2019": "Core20 % of LSOAs (IMD 2019)",
            "core20_lsoa_share_2025": "Core20 % of LSOAs (IMD 2025)",
        },
        {
            "population": 0,
            "core20_population": 0,
            "core20_population_share": 1,
            "core20_lsoa_share_2019": 1,
            "core20_lsoa_share_2025": 1,
        },
    )
    top = t.frame.iloc[0]
    change = float(top["core20_lsoa_share_2025"]) - float(top["core20_lsoa_share_2019"])
    summary = (
        f"Core20 is the most deprived 20% of England's neighbourhoods by the Index of Multiple "
        f"Deprivation. In {auth.name}, {float(top['core20_population_share']):.1f}% of people "
        f"(about {float(top['core20_population']):,.0f} of {float(top['population']):,.0f}, "
        f"mid-2015) lived in Core20 neighbourhoods by IMD 2019, against 20% in England as a "
        f"whole ({eng_share:.1f}% with these populations).",
        f"By IMD 2025, {float(top['core20_lsoa_share_2025']):.1f}% of its neighbourhoods are "
        f"Core20, against {float(top['core20_lsoa_share_2019']):.1f}% by IMD 2019 (a change of "
        f"{change:+.1f} percentage points). The IMD 2025 figure counts neighbourhoods (2021 "
        "LSOAs), not people: the open IMD 2025 file has no populations. The two indices use "
        "different neighbourhood boundaries and indicators, so the change is indicative.",
    )
    chart_data = t.frame.iloc[1:].melt(
        id_vars=["lad_name"],
        value_vars=["core20_population_share", "core20_lsoa_share_2025"],
        var_name="measure",
        value_name="percent",
    )
    chart_data["measure"] = chart_data["measure"].map(
        {
            "core20_population_share": "% of people (IMD 2019)",
            "core20_lsoa_share_2025": "% of LSOAs (IMD 2025)",
        }
    )
    chart = ChartData(
        "chart-core20",
        "grouped_bar",
        f"Core20 share by council, {auth.name}",
        "Horizontal bar chart of the percentage of each council's people (IMD 2019) and "
        "neighbourhoods (IMD 2025) in England's most deprived 20%, with a rule at 20%.",
        chart_data,
        "core20-shares",
        {"rule": 20.0, "x_title": "Per cent in Core20"},
    )
    notes = (
        "Core20: LSOAs in national IMD deciles 1-2 (healthgap.geography.core20_lsoas). "
        "Populations are the IMD 2019 mid-2015 LSOA denominators.",
        "Aggregation: counted from the footprint's own neighbourhoods (IMD 2019 on 2011 "
        "LSOAs, bridged to the 2021 footprint with the ONS LSOA 2011 to 2021 lookup; IMD "
        "2025 on 2021 LSOAs), so a council split between footprints counts only its part "
        "inside. Shares are ratios of the summed counts, never means of council shares.",
        "Population counts are rounded to the nearest 5 by disclosure control.",
    )
    return Section("core20", "Core20 population", summary, (t,), (chart,), notes)


# ------------------------------------------------------------------ 6. hex map


def _hexmap_section(store: Store, auth: Authority) -> Section:
    lads = list(auth.members["lad_code"])
    layouts = store.table("hex_layouts")
    hexes = store.to_pandas(
        layouts.filter((layouts.layout_id == HEX_LAYOUT) & layouts.area_code.isin(lads)).select(
            "area_code", "area_name", "q", "r", "layout"
        )
    )
    rows = _rows(store, [i for i, _, _ in HEX_INDICATORS], lads)
    rows = _council_rows(rows)
    chosen = None
    for ind_id, sex, label in HEX_INDICATORS:
        r = rows[(rows["indicator_id"] == ind_id) & (rows["sex"] == sex)].dropna(subset=["value"])
        if r.empty:
            continue
        latest = r[r["period_end"] == r["period_end"].max()]
        chosen = (label, latest)
        break
    summary = [
        f"The {len(hexes)} member councils of {auth.name} on the Open Innovations hex map of "
        "local authority districts (one equal-sized hexagon per council, placed roughly where "
        "it is; not to scale)."
    ]
    frame = hexes.rename(columns={"area_code": "lad_code", "area_name": "lad_name"})
    label = ""
    if chosen is not None:
        label, latest = chosen
        frame = frame.merge(
            latest[["area_code", "period", "value", "lower_95_0", "upper_95_0"]],
            left_on="lad_code",
            right_on="area_code",
            how="left",
        ).drop(columns="area_code")
        summary[0] += f" Colour shows {label.lower()}, {latest['period'].iloc[0]}."
    else:
        frame = frame.assign(period="", value=np.nan, lower_95_0=np.nan, upper_95_0=np.nan)
        summary.append("No indicator has council values to colour the map with.")
    frame = frame.sort_values("value", ascending=False, ignore_index=True)
    t = _table(
        "hexmap-values",
        f"{label or 'Member councils'} by council, {auth.name}",
        frame,
        {
            "lad_code": "Code",
            "lad_name": "Council",
            "period": "Period",
            "value": "Value",
            "lower_95_0": "Lower 95%",
            "upper_95_0": "Upper 95%",
        },
        {"value": 1, "lower_95_0": 1, "upper_95_0": 1},
    )
    data = protect(frame)
    chart = ChartData(
        "chart-hexmap",
        "hexmap",
        f"Hex map of {auth.name}'s councils" + (f": {label}" if label else ""),
        f"Hex map of the councils of {auth.name}; darker hexagons have higher values of "
        f"{label.lower() or 'the indicator'}; values are in the table below.",
        data,
        "hexmap-values",
        {"label": label, "layout": str(hexes["layout"].iloc[0]) if len(hexes) else "odd-r"},
    )
    return Section(
        "hexmap",
        "Map of member councils",
        tuple(summary),
        (t,),
        (chart,),
        ("Hex layout: Open Innovations (ODI Leeds) UK local authority districts 2023, MIT.",),
    )


# ------------------------------------------------------------------ 7. methods


def _methods_section(store: Store, auth: Authority | None = None) -> Section:
    ds = store.datasets()
    used = ds[~ds["id"].str.startswith(("esp2013", "lookup_lsoa11_lsoa21"))]
    t = _table(
        "methods-sources",
        "Data sources: every dataset loaded in the store this report was built from",
        used,
        {
            "title": "Title",
            "publisher": "Publisher",
            "period": "Period",
            "licence": "Licence",
        },
    )
    tables = [t]
    if auth is not None:
        rules = aggregation_rules(auth.area_type if auth.kind != "place" else "place")
        tables.insert(
            0,
            _table(
                "methods-aggregation",
                f"How each figure is obtained for {auth.name} ({auth.label}): from counts, as "
                "published, or not shown",
                rules,
                {"label": "Measure", "method": "How", "detail": "Why and how"},
            ),
        )
    attributions = sorted(set(used["attribution"].dropna().astype(str)))
    summary = (
        "Every figure in this report comes from published open data loaded into the "
        "healthgap store; nothing is modelled or imputed beyond the methods named in each "
        "section. Confidence intervals are 95% unless stated; 'similar' means the interval "
        "includes the comparator, and no status is claimed that the intervals do not "
        "support.",
        f"Disclosure control was applied to every table before rendering: {POLICY.describe()} "
        "(NHS Digital's rule).",
        *attributions,
    )
    return Section("methods", "Methods and data sources", summary, tuple(tables))


# ------------------------------------------------------------------ entry point


def build_context(
    store: Store,
    authority: str | Place,
    *,
    period: str | None = None,
    framework: str | Path | Framework | None = None,
    target_year: int | None = None,
    today: dt.date | None = None,
    on: Any = None,
    workspace: Any = None,
    indicators: Sequence[str] = (),
    targets: Any = None,
    accountability: Any = None,
) -> ReportContext:
    """All the numbers of the annual health-duty report for one strategic authority.

    Parameters
    ----------
    store
        An open :class:`~healthgap.data.store.Store` built from the open data.
    authority
        A strategic authority of the latest lookup (E47...), the GLA (E61000001;
        E12000007 is accepted as its alias), an ICB (E54...), a sub-ICB (E38...) or a
        :class:`~healthgap.geography.Place`.
    period
        The healthy-life-expectancy period the report is for, e.g. ``"2022-2024"``
        (default the latest). Other indicators use their latest period up to then.
    framework
        An outcomes framework file (TOML/YAML) or :class:`Framework` for the authority;
        default a bundled example for the authority, else the default indicator set.
    target_year
        The mission's target year (no default: without one, no mission status is given).
    on
        The date strategic-authority membership is taken for (default today: the latest
        ONS lookup).
    workspace
        A :class:`healthgap.framework.storage.Workspace` holding the authority's joint
        commitments and action plan, for the summary (default None: the summary says
        none are recorded for the report).
    indicators
        More indicators for the scorecard, by id (``"ID"`` or ``"ID:Sex"``): any the store
        holds for the authority (:func:`healthgap.account.frameworks.add_indicators`).
    targets
        A :class:`healthgap.account.authority_targets.TargetBook` whose published targets
        of the authority the targets section shows (:mod:`healthgap.report.targets`).
    accountability
        An engine of the app database: the report then adds "Decisions and regard",
        "Questions and answers" and "What we committed to last year, what happened"
        (:mod:`healthgap.report.accountability`). Default None: left out.

    Raises
    ------
    InputError
        An unknown authority (the message lists the valid codes), a period not in the HLE
        series, a framework for another authority, or a bad target year.

    Examples
    --------
    >>> ctx = build_context(store, "E47000001", target_year=2035)  # doctest: +SKIP
    >>> [s.title for s in ctx.sections]  # doctest: +SKIP
    """
    auth = resolve_authority(authority, store, on=on)
    periods = _hle_periods(store)
    if not periods:
        raise InputError(
            "the store must hold ONS healthy life expectancy; got none. Rebuild it with "
            "`healthgap init`."
        )
    if period is None:
        period = periods[-1]
    elif period not in periods:
        raise InputError(
            f"period must be a healthy life expectancy period in the store; got {period!r}. "
            f"Periods: {', '.join(periods)}."
        )
    from healthgap.report.funding import funding_section
    from healthgap.report.summary import summary_section
    from healthgap.report.targets import targets_section
    from healthgap.report.wider import wider_section

    result = mission(store, target_year=target_year)
    fw, _ = _choose_framework(auth, store, framework, indicators)
    with_targets = (
        _mission_section(store, auth, period, target_year, result),
        _scorecard_section(store, auth, framework, indicators),
        targets_section(store, auth, targets, today),
        wider_section(store, auth),
        _inequality_section(store, auth, period),
        _decomposition_section(store, auth, period),
        _core20_section(store, auth),
        _hexmap_section(store, auth),
        funding_section(store, auth),
    )
    sections: tuple[Section, ...] = tuple(s for s in with_targets if s is not None)
    if accountability is not None and auth.kind != "place":  # a saved place has no register
        from healthgap.report.accountability import sections as accountability_sections

        sections += accountability_sections(accountability, auth.code, today)
    sections += (_methods_section(store, auth),)
    summary = summary_section(auth, period, result, sections, fw, workspace)
    sections = (summary, *sections)
    members = _member_ranks(store, auth)
    return ReportContext(
        authority_code=auth.code,
        authority_name=auth.name,
        data_code=auth.data_code,
        region_code=auth.region_code,
        region_name=auth.region_name,
        members=protect(members[["lad_code", "lad_name", "imd_score", "population"]]),
        period=period,
        target_year=target_year,
        generated=today or dt.date.today(),
        sections=sections,
        kind=auth.kind,
        kind_label=auth.label,
        geography=_geography_text(auth),
        notes=auth.notes,
    )


def _geography_text(auth: Authority) -> str:
    """Which lookups define the footprint, in one sentence."""
    if auth.kind == "strategic_authority":
        from healthgap.geography.authorities import VINTAGES

        v = next(v for v in VINTAGES if v.id == (auth.footprint.vintage if auth.footprint else ""))
        return (
            f"Members from the {v.title}; councils as LAD 2024 codes; neighbourhoods as "
            "2021 LSOAs (IMD 2019 figures on 2011 LSOAs, bridged with the ONS LSOA 2011 to "
            "2021 lookup)."
        )
    if auth.kind == "place":
        return (
            "A user-defined place: the LSOAs (2021) or districts (LAD 2024 codes) it was saved "
            "with, checked against the ONS lookups; IMD 2019 figures on 2011 LSOAs, bridged "
            "with the ONS LSOA 2011 to 2021 lookup."
        )
    return (
        "Neighbourhoods from the ONS LSOA (2021) to sub-ICB location to ICB (April 2024) "
        "lookup; councils as LAD 2024 codes (best fit from the LSOAs); IMD 2019 figures on "
        "2011 LSOAs, bridged with the ONS LSOA 2011 to 2021 lookup."
    )
