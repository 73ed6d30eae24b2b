"""Indicator metadata in the store: what each indicator is, and how to read it.

The ``indicator_metadata`` table (:data:`healthgap.data.layout.INDICATOR_METADATA_COLUMNS`)
has one row per indicator id: name, definition, unit, value type, polarity (with its
source and reason), profile domain, interval method, source, caveats. Parsers of files
that carry metadata (Explore Local Statistics JSON, the Fingertips API metadata) return
it with their rows; indicators loaded before those sources existed get the entries of
:data:`BUILTIN` (transcribed from the same publishers' metadata, see each ``source``).
Every indicator id in ``indicators`` therefore has exactly one metadata row; the build
fails otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from healthgap.data.layout import INDICATOR_METADATA_COLUMNS
from healthgap.data.sources._common import typed_frame
from healthgap.data.sources.indicator_review import OUTCOMES, REVIEWED, review
from healthgap.errors import SchemaError

TABLE = "indicator_metadata"

_ONS_HLE = (
    "https://www.ons.gov.uk/peoplepopulationandcommunity/healthandsocialcare/"
    "healthandlifeexpectancies"
)
_HEALTH_INDEX = (
    "https://www.ons.gov.uk/peoplepopulationandcommunity/healthandsocialcare/"
    "healthandwellbeing/datasets/healthindexscoresengland"
)
_PHOF = "https://fingertips.phe.org.uk/profile/public-health-outcomes-framework"
_GP_WORKFORCE = (
    "https://digital.nhs.uk/data-and-information/publications/statistical/"
    "general-and-personal-medical-services"
)
_AE = "https://www.england.nhs.uk/statistics/statistical-work-areas/ae-waiting-times-and-activity/"
_HOMELESSNESS = "https://www.gov.uk/government/statistical-data-sets/live-tables-on-homelessness"

#: id -> (name, definition, unit, value type, interval method, source, source URL, caveats)
BUILTIN: dict[str, tuple[str, str, str, str, str | None, str, str, str | None]] = {
    "hle_birth": (
        "Healthy life expectancy at birth",
        "Average number of years a person would expect to live in good health, based on "
        "current mortality rates and the prevalence of self-reported good health.",
        "years",
        "Life expectancy",
        "95% limits as published (ONS)",
        "Office for National Statistics",
        _ONS_HLE,
        "ONS interim method from the 2011-2013 series onwards (good health modelled).",
    ),
    "hle_birth_dec2023": (
        "Healthy life expectancy at birth (December 2023 release)",
        "Healthy life expectancy at birth, pre-interim method, England and regions.",
        "years",
        "Life expectancy",
        None,
        "Office for National Statistics",
        _ONS_HLE,
        "Pre-interim method; not comparable with hle_birth.",
    ),
    "le_birth": (
        "Life expectancy at birth",
        "Average number of years a newborn would live at current age-specific mortality.",
        "years",
        "Life expectancy",
        "95% limits as published (ONS)",
        "Office for National Statistics",
        _ONS_HLE,
        None,
    ),
    "le_65": (
        "Life expectancy at 65",
        "Average number of further years a person aged 65 would live at current "
        "age-specific mortality.",
        "years",
        "Life expectancy",
        "95% limits as published (ONS)",
        "Office for National Statistics",
        _ONS_HLE,
        None,
    ),
    "93722": (
        "Under 75 mortality rate from cardiovascular diseases considered preventable",
        "Age-standardised rate of deaths from preventable cardiovascular disease in people "
        "under 75, per 100,000 population (PHOF E04b).",
        "per 100,000",
        "Directly standardised rate",
        "Dobson & Byar's methods",
        "OHID, based on Office for National Statistics data",
        _PHOF,
        None,
    ),
    "adult_obesity": (
        "Percentage of adults (aged 18+) classified as living with obesity",
        "Adults with a BMI of 30 or more, from self-reported height and weight adjusted "
        "for bias (Active Lives Adult Survey).",
        "%",
        "Proportion",
        "Other method (survey weighted)",
        "OHID, from Sport England's Active Lives Adult Survey",
        _PHOF,
        None,
    ),
    "hle_birth_imd2015_decile": (
        "Healthy life expectancy at birth, by IMD 2015 decile",
        "Healthy life expectancy for England's LSOAs grouped by national deprivation decile.",
        "years",
        "Life expectancy",
        None,
        "Office for National Statistics",
        _ONS_HLE,
        None,
    ),
    "gp_patients_per_fte": (
        "Registered patients per fully qualified GP (FTE)",
        "Patients registered at the district's GP practices divided by the full-time "
        "equivalent of fully qualified GPs working in them (NHS England's "
        "'under-doctored areas' measure).",
        "patients per GP FTE",
        "Ratio",
        None,
        "NHS Digital, General Practice Workforce and Patients Registered at a GP Practice",
        _GP_WORKFORCE,
        "Practices are placed in the district of their address; patients may live "
        "elsewhere. Taken from humaniverse/healthyr, which does not state the month "
        "(2024 district codes); a ratio, so no limits.",
    ),
    "homeless_assessed_per_1000": (
        "Households assessed as homeless per 1,000 households",
        "Households assessed as homeless (owed a relief duty), October to December "
        "2023, per 1,000 households (DLUHC table A1).",
        "per 1,000 households",
        "Crude rate",
        None,
        "Department for Levelling Up, Housing and Communities, live tables on homelessness",
        _HOMELESSNESS,
        "One quarter (October to December 2023); councils that did not submit are blank "
        "in the source and not loaded.",
    ),
    "temporary_accommodation_per_1000": (
        "Households in temporary accommodation per 1,000 households",
        "Households in temporary accommodation arranged by the council at 31 December "
        "2023, per 1,000 households.",
        "per 1,000 households",
        "Crude rate",
        None,
        "Department for Levelling Up, Housing and Communities, live tables on homelessness",
        _HOMELESSNESS,
        "Councils that did not submit are blank in the source and not loaded.",
    ),
    "census_ethnic_group_share": (
        "Residents by ethnic group (Census 2021), % of usual residents",
        "Usual residents in each of the 19 Census 2021 ethnic groups, as a share of the "
        "area's residents (breakdown rows: category_type 'Ethnic group', with count and "
        "denominator).",
        "%",
        "Proportion",
        None,
        "Office for National Statistics, Census 2021",
        "https://www.ons.gov.uk/peoplepopulationandcommunity/culturalidentity/ethnicity/"
        "bulletins/ethnicgroupenglandandwales/census2021",
        "Counts are perturbed by ONS for disclosure control, so totals differ slightly from "
        "published totals; 2021 district codes; a census count, so no limits.",
    ),
    "health_index_overall": (
        "Health Index: overall score",
        "The ONS Health Index overall score, combining the Healthy People, Healthy Lives and "
        "Healthy Places domains. Indexed to England 2015 = 100; higher is healthier.",
        "index (England 2015 = 100)",
        "Index",
        None,
        "Office for National Statistics",
        _HEALTH_INDEX,
        "By ICB (2022 codes; Surrey Heartlands and Sussex keep their 2022 codes, whose "
        "boundaries changed in April 2024). A composite index: no limits.",
    ),
    "health_index_healthy_people": (
        "Health Index: Healthy People domain",
        "The Healthy People domain of the ONS Health Index (health outcomes: mortality, "
        "physical and mental health, difficulties in daily life, wellbeing). Indexed to "
        "England 2015 = 100; higher is healthier.",
        "index (England 2015 = 100)",
        "Index",
        None,
        "Office for National Statistics",
        _HEALTH_INDEX,
        "By ICB (2022 codes; Surrey Heartlands and Sussex keep their 2022 codes, whose "
        "boundaries changed in April 2024). A composite index: no limits.",
    ),
    "health_index_healthy_lives": (
        "Health Index: Healthy Lives domain",
        "The Healthy Lives domain of the ONS Health Index (behavioural risks, physiological "
        "risks, protective measures, children and young people). Indexed to England 2015 = "
        "100; higher is healthier.",
        "index (England 2015 = 100)",
        "Index",
        None,
        "Office for National Statistics",
        _HEALTH_INDEX,
        "By ICB (2022 codes; Surrey Heartlands and Sussex keep their 2022 codes, whose "
        "boundaries changed in April 2024). A composite index: no limits.",
    ),
    "health_index_healthy_places": (
        "Health Index: Healthy Places domain",
        "The Healthy Places domain of the ONS Health Index (access to green space, local "
        "services, crime, economic and working conditions, living conditions). Indexed to "
        "England 2015 = 100; higher is healthier.",
        "index (England 2015 = 100)",
        "Index",
        None,
        "Office for National Statistics",
        _HEALTH_INDEX,
        "By ICB (2022 codes; Surrey Heartlands and Sussex keep their 2022 codes, whose "
        "boundaries changed in April 2024). A composite index: no limits.",
    ),
    "ae_attendances_over_4h_pct": (
        "A&E attendances over 4 hours from arrival (%)",
        "Attendances at A&E departments of all types spending more than 4 hours from "
        "arrival to admission, transfer or discharge, as a % of attendances, by month.",
        "%",
        "Proportion",
        None,
        "NHS England, A&E Attendances and Emergency Admissions",
        _AE,
        "Provider returns mapped to ICBs by humaniverse/healthyr; ICB codes of 2022.",
    ),
    "ae_admissions_over_4h_pct": (
        "Emergency admissions via A&E waiting over 4 hours from decision to admit (%)",
        "Emergency admissions via A&E waiting more than 4 hours from the decision to "
        "admit to admission, as a % of emergency admissions, by month.",
        "%",
        "Proportion",
        None,
        "NHS England, A&E Attendances and Emergency Admissions",
        _AE,
        "Provider returns mapped to ICBs by humaniverse/healthyr; ICB codes of 2022.",
    ),
    "years_in_poorer_health_imd2015_decile": (
        "Years lived in poorer health, from birth, by IMD 2015 decile",
        "Life expectancy minus healthy life expectancy, by national deprivation decile.",
        "years",
        "Life expectancy",
        None,
        "Office for National Statistics",
        _ONS_HLE,
        None,
    ),
}


def builtin_frame(ids: Sequence[str]) -> pd.DataFrame:
    """Metadata rows for the given ids from :data:`BUILTIN` (Health Index ids generated)."""
    rows: list[dict[str, Any]] = []
    for ind in ids:
        reviewed = review(ind)
        if ind in BUILTIN:
            name, definition, unit, vtype, method, source, url, caveats = BUILTIN[ind]
        elif ind.startswith("hi_"):
            name = "Health Index: " + ind[3:].replace("_", " ")
            definition = "An underlying indicator of the ONS Health Index, in its raw units."
            unit, vtype, method, source = None, None, None, "Office for National Statistics"
            url = _HEALTH_INDEX
            caveats = "No limits or England value in the source: shown, not compared."
        else:
            continue
        rows.append(
            {
                "indicator_id": ind,
                "name": name,
                "definition": definition,
                "unit": unit,
                "value_type": vtype,
                "polarity": reviewed.polarity if reviewed else None,
                "polarity_source": "healthgap review" if reviewed else None,
                "polarity_reason": reviewed.reason if reviewed else None,
                "domain": reviewed.domain if reviewed else OUTCOMES,
                "interval_method": method,
                "source": source,
                "source_url": url,
                "caveats": caveats,
                "decimal_places": None,
                "dataset_id": None,
            }
        )
    return typed_frame(
        pd.DataFrame(rows, columns=list(INDICATOR_METADATA_COLUMNS)), INDICATOR_METADATA_COLUMNS
    )


def build_table(con: Any, frames: Sequence[pd.DataFrame]) -> None:
    """Create ``indicator_metadata`` from the parsers' frames plus :data:`BUILTIN`.

    Raises SchemaError when two sources describe the same id differently.
    """
    import pyarrow as pa

    parsed = [f for f in frames if f is not None and len(f)]
    meta = (
        pd.concat(parsed, ignore_index=True)
        if parsed
        else pd.DataFrame(columns=list(INDICATOR_METADATA_COLUMNS))
    )
    # one indicator loaded from two files (e.g. by LSOA and by district) describes itself
    # identically in both: keep one row
    same = [c for c in INDICATOR_METADATA_COLUMNS if c != "dataset_id"]
    meta = meta.drop_duplicates(subset=same).reset_index(drop=True)
    repeated = meta[meta.duplicated("indicator_id", keep=False)]
    if len(repeated):
        first = repeated["indicator_id"].iloc[0]
        sources = ", ".join(sorted(set(repeated["dataset_id"].dropna())))
        raise SchemaError(
            f"indicator metadata must have one row per indicator; got {first!r} from "
            f"{sources}. Two datasets load the same indicator: load one of them."
        )
    known = {r[0] for r in con.execute("SELECT DISTINCT indicator_id FROM indicators").fetchall()}
    missing = sorted(known - set(meta["indicator_id"]))
    extra = builtin_frame(missing)
    if len(extra):
        meta = pd.concat([meta, extra], ignore_index=True) if len(meta) else extra
    meta = typed_frame(meta, INDICATOR_METADATA_COLUMNS)
    ddl = ", ".join(f'"{c}" {t}' for c, t in INDICATOR_METADATA_COLUMNS.items())
    con.execute(f'CREATE TABLE "{TABLE}" ({ddl})')
    con.register("_incoming_meta", pa.Table.from_pandas(meta, preserve_index=False))
    try:
        con.execute(f'INSERT INTO "{TABLE}" SELECT * FROM _incoming_meta')
    finally:
        con.unregister("_incoming_meta")


def metadata(store: Any, ids: Sequence[str] | None = None) -> pd.DataFrame:
    """The metadata rows of ``ids`` (all when ``None``) from an open store.

    A store built before issue 15 has no ``indicator_metadata`` table: the built-in
    entries are returned instead.
    """
    if TABLE not in store.tables():
        got = builtin_frame(sorted(set(ids or REVIEWED)))
    else:
        t = store.table(TABLE)
        got = store.to_pandas(t if ids is None else t.filter(t.indicator_id.isin(list(ids))))
    return got.reset_index(drop=True)
