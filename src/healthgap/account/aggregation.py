"""How each measure is obtained for a footprint: from counts, as published, or not shown.

A figure for a footprint is

* **from counts** where the data hold counts and denominators for the footprint's parts
  (LSOAs): summed and divided, with the interval method of the measure;
* **as published** where the publisher gives that footprint's own figure;
* **not shown, with a reason** otherwise.

It is never a silent population-weighted mean of the parts' rates; where an approximation
is offered it is labelled as one (:data:`APPROXIMATE`). :func:`aggregation_rules` states the
rule of every measure the report and pages show, for one kind of footprint, so each page
can say how its numbers were made.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

FROM_COUNTS = "from counts"
AS_PUBLISHED = "as published"
NOT_SHOWN = "not shown"
APPROXIMATE = "approximation (labelled)"

#: Footprint kinds for which ONS/OHID publish their own figures (the store's area types).
PUBLISHED_FOR: dict[str, tuple[str, ...]] = {
    "hle_birth": ("lad", "utla", "combined_authority", "region", "nation"),
    "le_birth": ("region", "nation"),
    "93722": ("lad", "utla", "region", "nation"),
    "adult_obesity": ("lad", "utla", "combined_authority", "region", "nation"),
}
_LABELS: dict[str, str] = {
    "hle_birth": "Healthy life expectancy at birth",
    "le_birth": "Life expectancy at birth",
    "93722": "Under-75 mortality from preventable cardiovascular disease (DSR)",
    "adult_obesity": "Adults living with obesity (survey estimate)",
    "core20": "Core20 population share",
    "imd_score": "IMD 2019 average score (neighbours)",
}
_WHY_NOT: dict[str, str] = {
    "hle_birth": "a life table from deaths and survey health-state prevalence by age; the "
    "open data hold neither at this footprint, so it cannot be built or added up",
    "le_birth": "a life table from deaths and populations by age, not held at this footprint",
    "93722": "a directly standardised rate needs deaths and populations by age band for the "
    "footprint; only the published council rates are held, and a mean of them would not be "
    "the footprint's rate",
    "adult_obesity": "a weighted survey estimate (Active Lives); respondent counts by area "
    "are not published, so it cannot be re-estimated for the footprint",
}


@dataclass(frozen=True)
class AggregationRule:
    """How one measure is obtained for one kind of footprint."""

    measure: str
    label: str
    method: str
    detail: str


def aggregation_rules(area_type: str) -> pd.DataFrame:
    """The rule of every measure for a footprint of ``area_type`` (the store's types:
    ``combined_authority``, ``region``, ``icb``, ``sub_icb``, ``place``, ``lad``, ...).

    Columns: ``measure``, ``label``, ``method`` (:data:`FROM_COUNTS`,
    :data:`AS_PUBLISHED`, :data:`NOT_SHOWN` or :data:`APPROXIMATE`) and ``detail``.

    Examples
    --------
    >>> aggregation_rules("icb").set_index("measure").loc["hle_birth", "method"]
    'not shown'
    """
    rules: list[AggregationRule] = []
    for measure, types in PUBLISHED_FOR.items():
        if area_type in types:
            rules.append(
                AggregationRule(
                    measure,
                    _LABELS[measure],
                    AS_PUBLISHED,
                    "the publisher's own figure for this footprint, with its 95% limits",
                )
            )
        else:
            rules.append(
                AggregationRule(
                    measure,
                    _LABELS[measure],
                    NOT_SHOWN,
                    f"not published for this kind of footprint: {_WHY_NOT[measure]}. Council "
                    "figures are shown separately, each for its whole council",
                )
            )
    rules.append(
        AggregationRule(
            "core20",
            _LABELS["core20"],
            FROM_COUNTS,
            "sum of the mid-2015 populations of the footprint's LSOAs in national IMD deciles "
            "1-2 over the sum of all its LSOAs' populations (IMD 2019 on 2011 LSOAs, bridged "
            "to 2021 LSOAs with the ONS lookup); IMD 2025 as a count of 2021 LSOAs",
        )
    )
    rules.append(
        AggregationRule(
            "imd_score",
            _LABELS["imd_score"],
            FROM_COUNTS,
            "population-weighted mean of LSOA IMD scores (MHCLG's File 10 'average score' "
            "definition, a score, not a rate), used only to find similar footprints",
        )
    )
    return pd.DataFrame([r.__dict__ for r in rules])
