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
gives no population for its breakdown groups, so every group has the same weight:
weighted measures then equal their unweighted forms, and the SII treats quintiles as
equal fifths of the population (true by construction for LSOA quintiles within an area,
approximately). Every result says so in its notes. Groups are protected at the output
boundary (:func:`healthgap.data.disclosure.protect_table`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from healthgap.data.disclosure import protect_table
from healthgap.data.indicator_metadata import metadata
from healthgap.data.sources.indicator_review import NO_JUDGEMENT
from healthgap.data.store import Store
from healthgap.errors import InputError
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
    both["population"] = 1.0
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
        ]
    ].sort_values(["indicator_name", "dimension", "sex", "category_type", "rank", "category"])
    measures = _measures(both, seed)
    notes = (
        EQUAL_WEIGHTS,
        "Deprivation: groups of LSOAs within the area by national deprivation "
        "(1 = most deprived). SII and RII compare the least with the most deprived end.",
        "Ethnic group: Fingertips' groups; 'not stated' and 'unknown' are left out. PAR is "
        "the gap between the best group and the area average.",
        "Small numbers: groups with small counts are withheld with their values.",
    )
    return Inequalities(area_code, area_name, groups.reset_index(drop=True), measures, notes)


def _measures(both: pd.DataFrame, seed: int) -> pd.DataFrame:
    out = []
    key = ["indicator_id", "indicator_name", "sex", "age", "dimension", "category_type", "period"]
    for values, part in both.groupby(key, sort=True):
        part = part[part["value"].notna()]
        if len(part) < 2:
            continue
        polarity = part["polarity"].iloc[0]
        favourable = Polarity.parse(polarity) is not Polarity.LOWER_IS_BETTER
        ordered = values[4] == "deprivation within the area"
        codes = ORDERED_CODES if ordered else NON_ORDERED_CODES
        if values[4] == "sex":
            codes = ["D", "R"]
        limits = part["lower_95_0"].notna().all() and part["upper_95_0"].notna().all()
        try:
            result = inequality_measures(
                part,
                value="value",
                population="population",
                subgroup="category",
                favourable=favourable,
                ordered=ordered,
                order="rank" if ordered else None,
                lower="lower_95_0" if limits else None,
                upper="upper_95_0" if limits else None,
                measures=codes,
                confidence=0.95,
                repetitions=2_000,
                seed=seed,
            ).to_frame()
        except InputError:
            continue
        for k, v in zip(key, values, strict=True):
            result[k] = v
        result["judgement"] = "no judgement" if polarity == NO_JUDGEMENT else polarity
        out.append(result)
    if not out:
        return pd.DataFrame(columns=[*key, "measure", "value"])
    frame = pd.concat(out, ignore_index=True)
    first = [*key, "measure"]
    return frame[first + [c for c in frame.columns if c not in first]].replace({np.inf: np.nan})
