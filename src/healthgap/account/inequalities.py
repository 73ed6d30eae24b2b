"""Inequalities within an area, as the Health Inequalities Dashboard shows them.

For one area, every indicator with breakdowns in the store, in its latest period:

* **deprivation within the area** (ordered: LSOA deprivation quintiles or deciles within
  the area, 1 = most deprived): the values by group with the WHO HEAT ordered measures,
  slope and relative index of inequality (SII, RII), difference and ratio between the
  least and most deprived groups, and the population attributable risk (PAR);
* **ethnic group** (non-ordered; "not stated" and "unknown" left out): between-group
  variance (BGV), index of disparity (IDISW), Theil index (TI), PAR against the best
  group, difference and ratio between the best and worst groups;
* **sex** (non-ordered, male and female): difference and ratio.

Measures come from :func:`healthgap.stats.inequality.inequality_measures` (its formulas
and intervals; Monte Carlo with a fixed seed where no closed form exists). The extract
gives no population for its breakdown groups: :mod:`healthgap.account.group_populations`
supplies them (ethnic groups by their Census 2021 residents in the area, deprivation
groups within the area by the mid-2020 population of their LSOAs), and the ``weight``
column says which; where none is known every group has the same weight (weighted
measures then equal their unweighted forms) and the column says so.

**Census 2021 by deprivation within the area**
(:mod:`healthgap.account.census_deprivation`): the census LSOA measures (disability,
household deprivation, overcrowding, ethnic group shares) by IMD 2025 decile of the
area's own 2021 LSOAs, weighted by the residents or households counted, with the ordered
measures. Groups are protected at the output boundary
(:func:`healthgap.data.disclosure.protect_table`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from healthgap.account.census_deprivation import census_by_deprivation
from healthgap.account.group_populations import deprivation_populations, ethnic_populations
from healthgap.data.disclosure import protect_table
from healthgap.data.indicator_metadata import metadata
from healthgap.data.sources.indicator_review import NO_JUDGEMENT
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.geography.resolve import Footprint, footprint
from healthgap.stats.benchmark import Polarity
from healthgap.stats.inequality.summary_measures import inequality_measures

#: Deprivation group names -> rank (1 = most deprived), quintiles and deciles.
DEPRIVATION_RANK: dict[str, int] = {
    "Most deprived quintile": 1,
    "Second most deprived quintile": 2,
    "Average deprived quintile": 3,
    "Second least deprived quintile": 4,
    "Least deprived quintile": 5,
    "Most deprived decile": 1,
    "Second most deprived decile": 2,
    "Third more deprived decile": 3,
    "Fourth more deprived decile": 4,
    "Fifth more deprived decile": 5,
    "Fifth less deprived decile": 6,
    "Fourth less deprived decile": 7,
    "Third less deprived decile": 8,
    "Second least deprived decile": 9,
    "Least deprived decile": 10,
}
_UNKNOWN = {"Not stated / invalid", "Not known/Not stated", "Unknown"}
ORDERED_CODES = ["D", "R", "PAR", "SII", "RII"]
NON_ORDERED_CODES = ["D", "R", "PAR", "BGV", "IDISW", "TI"]
EQUAL_WEIGHTS = (
    "The source gives no population for these groups: every group has the same weight, so "
    "weighted measures equal their unweighted forms (and the SII treats the groups as equal "
    "shares of the population)."
)
WEIGHTS = (
    "Weights: each group counts by its population (the 'weight' column says which): "
    "ethnic groups by their Census 2021 residents in the area; deprivation groups within "
    "the area by the mid-2020 population of their LSOAs; census measures by the residents "
    "or households counted. Where no population is known for a set of groups, every group "
    "has the same weight (weighted measures then equal their unweighted forms)."
)
_EQUAL = "equal (no population known for these groups)"


@dataclass(frozen=True)
class Inequalities:
    """Values by group (``groups``) and summary measures (``measures``) for one area."""

    area_code: str
    area_name: str
    groups: pd.DataFrame
    measures: pd.DataFrame
    notes: tuple[str, ...]

    def for_output(self) -> pd.DataFrame:
        """The group table with disclosure control."""
        return protect_table(self.groups)

    def summary(self) -> str:
        """Plain text: one line per indicator and dimension with its headline measures."""
        lines = [f"Inequalities within {self.area_name} ({self.area_code})"]
        m = self.measures
        for (name, dim, sex), part in m.groupby(["indicator_name", "dimension", "sex"]):
            shown = ", ".join(
                f"{m_} {v:.2f}"
                for m_, v in zip(part["measure"], part["value"].astype(float), strict=True)
                if not np.isnan(v)
            )
            lines.append(f"- {name} [{sex}] by {dim}: {shown}")
        return "\n".join(lines)


def _dimension(category_type: str) -> str | None:
    text = category_type.lower()
    if "deprivation" in text and "within area" in text:
        return "deprivation within the area"
    if text.startswith("ethnic groups"):
        return "ethnic group"
    return None


def inequalities(area_code: str, *, store: Store, seed: int = 20_260_515) -> Inequalities:
    """Values by deprivation, ethnic group and sex for ``area_code``, with measures.

    Raises InputError when the store holds no breakdowns or sexes for the area.
    """
    con = store.backend.con.cursor()
    try:
        rows = con.execute(
            "SELECT * REPLACE (coalesce(sex, 'Persons') AS sex, coalesce(age, '') AS age) "
            "FROM indicators WHERE area_code = ? AND value IS NOT NULL",
            [area_code],
        ).fetch_df()
        name_row = con.execute(
            "SELECT any_value(name) FROM areas WHERE code = ?", [area_code]
        ).fetchone()
    finally:
        con.close()
    if rows.empty:
        raise InputError(
            f"area must have indicator values in the store; got {area_code!r}, which has "
            "none. Use a council code such as E08000003 (Manchester)."
        )
    area_name = str(name_row[0]) if name_row and name_row[0] else area_code
    cats = rows[rows["category_type"].notna()].copy()
    cats["dimension"] = cats["category_type"].map(_dimension)
    cats = cats[cats["dimension"].notna() & ~cats["category"].isin(_UNKNOWN)]
    # sex: male and female rows of indicators published by sex (latest period)
    sexes = rows[rows["category_type"].isna() & rows["sex"].isin(["Male", "Female"])].copy()
    sexes["dimension"], sexes["category_type"], sexes["category"] = "sex", "Sex", sexes["sex"]
    sexes["sex"] = "Persons"
    # a sex comparison needs both sexes in the same period
    pair = sexes.groupby(["indicator_id", "age", "period"])["category"].transform("nunique")
    sexes = sexes[pair == 2]
    both = pd.concat([cats, sexes], ignore_index=True)
    if both.empty:
        raise InputError(
            f"area must have breakdowns (deprivation, ethnic group or sex) in the store; got "
            f"none for {area_code}. The Fingertips extract covers England and the North West."
        )
    key = ["indicator_id", "sex", "age", "category_type"]
    last = both.groupby(key)["period_end"].transform("max")
    both = both[both["period_end"] == last]
    # one area type per indicator (a unitary authority can appear twice)
    both = both.sort_values("area_type").drop_duplicates([*key, "category", "period"])
    meta = metadata(store, sorted(set(both["indicator_id"])))[
        ["indicator_id", "name", "unit", "polarity"]
    ]
    both = both.drop(columns=["polarity"]).merge(meta, on="indicator_id", how="left")
    both["indicator_name"] = both["name"].fillna(both["indicator_name"])
    both["rank"] = both["category"].map(DEPRIVATION_RANK)
    try:
        fp: Footprint | None = footprint(area_code, store)
    except InputError:
        fp = None
    both = _weigh(both, area_code, store, fp)
    census = census_by_deprivation(area_code, store, fp=fp) if fp is not None else pd.DataFrame()
    if len(census):
        units = metadata(store, sorted(set(census["indicator_id"])))
        census = census.merge(units[["indicator_id", "unit"]], on="indicator_id", how="left")
        census["weight"] = "Census 2021 residents or households in the group"
        both = pd.concat([both, census], ignore_index=True)
    groups = both[
        [
            "indicator_id",
            "indicator_name",
            "unit",
            "sex",
            "age",
            "dimension",
            "category_type",
            "category",
            "rank",
            "period",
            "value",
            "lower_95_0",
            "upper_95_0",
            "count",
            "denominator",
            "polarity",
            "population",
            "weight",
        ]
    ].sort_values(["indicator_name", "dimension", "sex", "category_type", "rank", "category"])
    measures = _measures(both, seed)
    notes = (
        WEIGHTS,
        "Deprivation: groups of LSOAs within the area ranked by their own IMD score "
        "(1 = most deprived). SII and RII compare the least with the most deprived end.",
        "Census 2021 measures by deprivation: the area's 2021 LSOAs in deciles (quintiles "
        "below 50 LSOAs) by IMD 2025 score; each group's share pools its LSOAs' counts, "
        "with Wilson 95% limits.",
        "Ethnic group: Fingertips' groups; 'not stated' and 'unknown' are left out. PAR is "
        "the gap between the best group and the area average.",
        "Small numbers: groups with small counts are withheld with their values.",
    )
    return Inequalities(area_code, area_name, groups.reset_index(drop=True), measures, notes)


def _weigh(both: pd.DataFrame, area_code: str, store: Store, fp: Footprint | None) -> pd.DataFrame:
    """Population weights for each set of groups (see :mod:`.group_populations`).

    A set of groups is one indicator, sex, age, breakdown and period. Populations are
    looked up once per distinct set of ethnic groups and once per number of deprivation
    groups, and written to every set that shares them in one assignment.
    """
    both = both.copy()
    both["population"] = 1.0
    both["weight"] = _EQUAL
    key = ["indicator_id", "sex", "age", "category_type", "period"]
    sets = both.groupby(key, sort=False)
    dimension = sets["dimension"].transform("first")
    ethnic = both.index[dimension == "ethnic group"]
    if len(ethnic):
        names = both.loc[ethnic, "category"].astype(str)
        members = names.groupby(sets.ngroup().loc[ethnic]).agg(lambda s: tuple(sorted(s)))
        row_members = sets.ngroup().loc[ethnic].map(members)
        for cats in dict.fromkeys(members):
            found = ethnic_populations(area_code, cats, store, fp=fp)
            if found is None:
                continue
            weights, source = found
            rows = row_members.index[row_members == cats]
            both.loc[rows, "population"] = both.loc[rows, "category"].map(weights).to_numpy()
            both.loc[rows, "weight"] = source
    ranked = sets["rank"].transform("count") == sets["rank"].transform("size")
    deprivation = (dimension == "deprivation within the area") & ranked
    if deprivation.any():
        top = sets["rank"].transform("max")
        size = pd.Series(np.where(top > 5, 10, 5), index=both.index)
        for groups in (5, 10):
            rows = both.index[deprivation & (size == groups)]
            if not len(rows):
                continue
            pops = deprivation_populations(area_code, groups, store, fp=fp)
            if pops is None:
                continue
            both.loc[rows, "population"] = both.loc[rows, "rank"].map(pops).to_numpy()
            both.loc[rows, "weight"] = (
                f"mid-2020 population of the area's LSOAs in the IMD 2019 {groups}-group"
            )
    return both


_SERIES = ["indicator_id", "indicator_name", "sex", "age", "dimension", "category_type", "period"]


def _measures(both: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Measures for every series with two or more groups that have a value and a weight.

    Series that take the same options (direction, ordered or not, measure codes, limits
    or not) go to :func:`inequality_measures` in one call, one group per series. Its Monte
    Carlo draws are common random numbers by subgroup position, so each series gets the
    same values and limits as it would alone. A batch that raises falls back to one call
    per series, leaving out only the series that raise.
    """
    key = _SERIES
    rows = both[both["population"].notna() & both["value"].notna()].copy()
    rows["_series"] = rows.groupby(key, sort=True).ngroup()
    rows = rows[rows["_series"] >= 0]  # a row with an empty key cell is in no series
    rows = rows[rows.groupby("_series")["value"].transform("size") >= 2]
    if rows.empty:
        return pd.DataFrame(columns=[*key, "measure", "value"])
    head = rows.drop_duplicates("_series").set_index("_series").sort_index()
    limits = (rows["lower_95_0"].notna() & rows["upper_95_0"].notna()).groupby(rows["_series"])
    options = pd.DataFrame(
        {
            "favourable": [
                Polarity.parse(p) is not Polarity.LOWER_IS_BETTER for p in head["polarity"]
            ],
            "ordered": head["dimension"].astype(str).str.startswith("deprivation within the area"),
            "sex": head["dimension"] == "sex",
            "limits": limits.all(),
            "width": rows.groupby("_series").size(),
        },
        index=head.index,
    )
    out = []
    for (favourable, ordered, sex, has_limits, _), batch in options.groupby(
        ["favourable", "ordered", "sex", "limits", "width"], sort=False
    ):
        codes = ["D", "R"] if sex else ORDERED_CODES if ordered else NON_ORDERED_CODES
        call = _Call(bool(favourable), bool(ordered), codes, bool(has_limits), seed)
        part = rows[rows["_series"].isin(batch.index)]
        try:
            out.append(call(part, group_by="_series"))
        except InputError:
            out.extend(call.each(part))
    if not out:
        return pd.DataFrame(columns=[*key, "measure", "value"])
    frame = pd.concat(out, ignore_index=True).sort_values("_series", kind="stable")
    series = frame.pop("_series").to_numpy()
    for k in key:
        frame[k] = head[k].to_numpy()[np.searchsorted(head.index.to_numpy(), series)]
    judgement = head["polarity"].where(head["polarity"] != NO_JUDGEMENT, "no judgement")
    frame["judgement"] = judgement.to_numpy()[np.searchsorted(head.index.to_numpy(), series)]
    frame = frame.reset_index(drop=True)
    frame.columns = frame.columns.astype("str")  # grouped results label columns as object
    first = [*key, "measure"]
    return frame[first + [c for c in frame.columns if c not in first]].replace({np.inf: np.nan})


@dataclass(frozen=True)
class _Call:
    """One set of :func:`inequality_measures` options, for a batch of series or one."""

    favourable: bool
    ordered: bool
    codes: list[str]
    limits: bool
    seed: int

    def __call__(self, part: pd.DataFrame, group_by: str | None) -> pd.DataFrame:
        return inequality_measures(
            part,
            value="value",
            population="population",
            subgroup="category",
            group_by=group_by,
            favourable=self.favourable,
            ordered=self.ordered,
            order="rank" if self.ordered else None,
            lower="lower_95_0" if self.limits else None,
            upper="upper_95_0" if self.limits else None,
            measures=self.codes,
            confidence=0.95,
            repetitions=2_000,
            seed=self.seed,
        ).to_frame()

    def each(self, part: pd.DataFrame) -> list[pd.DataFrame]:
        """One call per series (the fallback): series that raise are left out."""
        out = []
        for series, one in part.groupby("_series", sort=True):
            try:
                result = self(one.drop(columns="_series"), group_by=None)
            except InputError:
                continue
            result.insert(0, "_series", series)
            out.append(result)
        return out
