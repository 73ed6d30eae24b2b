"""NHS Talking Therapies (IAPT) key measures by sub-ICB location, monthly.

``nhs_access/talking_therapies_sicbl22_monthly.csv`` (humaniverse/healthyr reshape of NHS
Digital's monthly key-measures time series): ``sicbl22_code, date, name, value``, one row
per sub-ICB location (July 2022 codes, ``E38``), month (``July 2022``) and measure, for
July 2022 to April 2023. Blank values are withheld by the publisher (small numbers) and are
not loaded.

Percentages are published as whole numbers and loaded as they are (no limits: the
publisher gives none). Counts are published rounded to the nearest 5 (NHS disclosure
control) and loaded as count indicators (value = count), compared without judgement. The
percentages come from the unrounded counts, so they cannot be recomputed from the file's
counts (deterioration: ``Count_Deterioration`` / ``Count_FinishedCourseTreatment`` is up to
2.5 points away): no percentage is stored with a count and denominator, and
``Count_Deterioration`` (the rounded numerator) is not loaded.

Checks (each failure names the file, the data row and the column; nothing is loaded):
codes are sub-ICB codes; months read as ``Month YYYY``; every measure name is one of the
eleven known; one row per code, month and measure; values are whole numbers, 0 or more,
percentages at most 100 and counts multiples of 5.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from healthgap.data.layout import INDICATOR_METADATA_COLUMNS
from healthgap.data.sources._common import (
    Parsed,
    indicator_frame,
    read_csv,
    require_unique,
    typed_frame,
)
from healthgap.data.sources.indicator_review import review
from healthgap.errors import SchemaError

SOURCE_URL = (
    "https://digital.nhs.uk/data-and-information/data-collections-and-data-sets/data-sets/"
    "improving-access-to-psychological-therapies-data-set/"
    "improving-access-to-psychological-therapies-data-set-reports"
)

#: file measure name -> (indicator id, name, definition, unit)
MEASURES: dict[str, tuple[str, str, str, str]] = {
    "Percentage_Recovery": (
        "tt_recovery_pct",
        "NHS Talking Therapies: recovery rate (%)",
        "Referrals finishing a course of treatment that moved to recovery, as a % of those "
        "finishing treatment who were at caseness when treatment began.",
        "%",
    ),
    "Percentage_ReliableRecovery": (
        "tt_reliable_recovery_pct",
        "NHS Talking Therapies: reliable recovery rate (%)",
        "Referrals finishing a course of treatment that moved to recovery and showed reliable "
        "improvement, as a % of those finishing treatment at caseness.",
        "%",
    ),
    "Percentage_Improvement": (
        "tt_reliable_improvement_pct",
        "NHS Talking Therapies: reliable improvement rate (%)",
        "Referrals finishing a course of treatment that showed reliable improvement, as a % "
        "of those finishing a course of treatment.",
        "%",
    ),
    "Percentage_Deterioration": (
        "tt_deterioration_pct",
        "NHS Talking Therapies: reliable deterioration rate (%)",
        "Referrals finishing a course of treatment that showed reliable deterioration, as a % "
        "of those finishing a course of treatment.",
        "%",
    ),
    "Percentage_AccessingServices6WeeksFinishedCourseTreatment": (
        "tt_waited_6_weeks_pct",
        "NHS Talking Therapies: finished treatment, waited under 6 weeks (%)",
        "Referrals finishing a course of treatment in the month whose first treatment came "
        "within 6 weeks of referral, as a % of those finishing a course of treatment.",
        "%",
    ),
    "Percentage_AccessingServices18WeeksFinishedCourseTreatment": (
        "tt_waited_18_weeks_pct",
        "NHS Talking Therapies: finished treatment, waited under 18 weeks (%)",
        "Referrals finishing a course of treatment in the month whose first treatment came "
        "within 18 weeks of referral, as a % of those finishing a course of treatment.",
        "%",
    ),
    "Count_ReferralsReceived": (
        "tt_referrals_received",
        "NHS Talking Therapies: referrals received",
        "New referrals received in the month.",
        "count",
    ),
    "Count_AccessingServices": (
        "tt_accessing_services",
        "NHS Talking Therapies: referrals entering treatment",
        "Referrals that had their first treatment appointment in the month.",
        "count",
    ),
    "Count_FinishedCourseTreatment": (
        "tt_finished_course",
        "NHS Talking Therapies: referrals finishing a course of treatment",
        "Referrals that ended in the month having had two or more treatment appointments.",
        "count",
    ),
    "Count_EndedReferrals": (
        "tt_ended_referrals",
        "NHS Talking Therapies: referrals ended",
        "Referrals that ended in the month, for any reason.",
        "count",
    ),
    "Count_Deterioration": (
        "tt_deterioration_pct",
        "",
        "",
        "",
    ),  # the rounded numerator of tt_deterioration_pct: checked, not loaded
}
_NUMERATOR = "Count_Deterioration"


def _fail(path: Path, rule: str, got: str) -> SchemaError:
    return SchemaError(
        f"{path.name} {rule}; got {got}. Fetch the catalogue's version of the file "
        "(healthgap data fetch)."
    )


def key_measures(path: Path, source_id: str) -> Parsed:
    """Monthly NHS Talking Therapies key measures for every sub-ICB location."""
    raw = read_csv(path, {"sicbl22_code": "str", "date": "str", "name": "str", "value": "float"})
    records = len(raw)
    ok = raw["sicbl22_code"].str.fullmatch(r"E38\d{6}").fillna(False).to_numpy()
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        raise _fail(
            path,
            "column 'sicbl22_code' must hold sub-ICB codes (E38 and six digits)",
            f"{raw['sicbl22_code'].iloc[i]!r} on data row {i + 1}",
        )
    when = pd.to_datetime(raw["date"], format="%B %Y", errors="coerce")
    bad = when.isna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise _fail(
            path,
            "column 'date' must hold a month such as 'July 2022'",
            f"{raw['date'].iloc[i]!r} on data row {i + 1}",
        )
    known = raw["name"].isin(list(MEASURES)).to_numpy()
    if not known.all():
        i = int(np.flatnonzero(~known)[0])
        raise _fail(
            path,
            f"column 'name' must hold one of the {len(MEASURES)} key measures "
            f"({', '.join(MEASURES)})",
            f"{raw['name'].iloc[i]!r} on data row {i + 1}",
        )
    require_unique(raw, ["sicbl22_code", "date", "name"], path)
    value = raw["value"].to_numpy()
    pct = raw["name"].str.startswith("Percentage_").to_numpy()
    bad = ~np.isnan(value) & (
        (value < 0) | (value % 1 != 0) | (pct & (value > 100)) | (~pct & (value % 5 != 0))
    )
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise _fail(
            path,
            "column 'value' must hold whole numbers of 0 or more (at most 100 for "
            "Percentage_ measures, multiples of 5 for Count_ measures)",
            f"{raw['value'].iloc[i]:g} on data row {i + 1}",
        )
    raw["period"] = when.dt.strftime("%Y-%m")
    raw["year"] = when.dt.year
    frames = []
    meta = []
    for measure, (ind, name, definition, unit) in MEASURES.items():
        if measure == _NUMERATOR:
            continue
        rows = raw[(raw["name"] == measure) & raw["value"].notna()].reset_index(drop=True)
        count = rows["value"] if unit == "count" else None
        reviewed = review(ind)
        if reviewed is None:
            raise SchemaError(
                f"{path.name} indicator {ind!r} must have a reviewed polarity; got none. Add "
                "it, with a reason, to healthgap.data.sources.indicator_review."
            )
        frames.append(
            indicator_frame(
                len(rows),
                indicator_id=ind,
                indicator_name=name,
                area_code=rows["sicbl22_code"],
                area_type="sub_icb",
                sex="Persons",
                period=rows["period"],
                period_start=rows["year"],
                period_end=rows["year"],
                value=rows["value"],
                count=count,
                polarity=reviewed.polarity,
                source_id=source_id,
            )
        )
        meta.append(
            {
                "indicator_id": ind,
                "name": name,
                "definition": definition,
                "unit": unit,
                "value_type": "Count" if unit == "count" else "Proportion",
                "polarity": reviewed.polarity,
                "polarity_source": "healthgap review",
                "polarity_reason": reviewed.reason,
                "domain": reviewed.domain,
                "interval_method": None,
                "source": "NHS Digital (now NHS England), NHS Talking Therapies monthly statistics",
                "source_url": SOURCE_URL,
                "caveats": "Monthly, by sub-ICB location (July 2022 codes). Percentages are "
                "published rounded to whole numbers; values withheld by the publisher "
                "(small numbers) are blank and not loaded. Counts are rounded to the "
                "nearest 5 by the publisher. No confidence limits.",
                "decimal_places": 0,
                "dataset_id": source_id,
            }
        )
    return Parsed(
        pd.concat(frames, ignore_index=True),
        records,
        typed_frame(pd.DataFrame(meta), INDICATOR_METADATA_COLUMNS),
    )
