"""ONS: life expectancy, population estimates, the Health Index and SDG death rates."""

from __future__ import annotations

from healthgap.data.catalogue.dataset import Dataset
from healthgap.data.catalogue.publishers import (
    _DEMOGRAPHR_AT,
    _ELS,
    _ELS_COMMIT,
    _HEALTHYR,
    _HEALTHYR_AT,
    _NO_OFFICIAL,
    _RESHAPED,
    OGL,
    OGL_ATTRIBUTION,
    ONS,
    _raw_github,
)
from healthgap.data.sources import (
    health_index_icb,
    lsoa_population,
    ons,
    ons_le,
    ons_sdg,
)

#: hle_le/: healthy life expectancy and life expectancy.
LIFE_EXPECTANCY: tuple[Dataset, ...] = (
    Dataset(
        id="ons_hle_local_areas",
        title="Health state life expectancies: healthy life expectancy at birth, local areas",
        publisher=ONS,
        period="2011-2013 to 2022-2024",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography=(
            "UK, nations, English regions, combined authorities, counties and UAs, "
            "metropolitan districts and London boroughs (no E07 shire districts)"
        ),
        file="hle_le/ons_hle_birth_local_areas_2011_2024.csv",
        sha256="55a4b0530a921841018ee0e87c324ae4ab459ce1082a282f62815ffd8075c323",
        rows=5814,
        table="indicators",
        parser=ons.hle_local_areas,
        url=_raw_github(_ELS, _ELS_COMMIT, "healthy-life-expectancy/healthy-life-expectancy.csv"),
        url_note=_RESHAPED,
        provenance=f"{_ELS} @ {_ELS_COMMIT}, healthy-life-expectancy/healthy-life-expectancy.csv",
        caveats=(
            "ONS interim method: prevalence of good health modelled by logistic regression; "
            "slightly different from earlier releases (England 2018-2020 females 64.0 here, "
            "63.9 in the original release).",
            "City of London and the Isles of Scilly are not included.",
            "Reshaped: ISO period split into period/period_start/period_end, sex taken from "
            "the indicator name, columns renamed, empty status/notes dropped.",
        ),
    ),
    Dataset(
        id="ons_hle_regions_dec2023",
        title=(
            "Health state life expectancies in England, Northern Ireland and Wales: "
            "between 2011 to 2013 and 2020 to 2022 (Figure 1 data)"
        ),
        publisher=ONS,
        period="2011-2013 to 2020-2022",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="England, Wales, Northern Ireland and the 9 English regions",
        file="hle_le/ons_hle_birth_regions_2011_2022.csv",
        sha256="b663580b0d1bfaec7a456dab2fcf6fa32ed6292194f7cb096b902d116fc403c6",
        rows=240,
        table="indicators",
        parser=ons.hle_regions_dec2023,
        url=None,
        url_note=_NO_OFFICIAL,
        provenance=(
            "DanielJorden/Trends-in-Life-Expectancy @ 63782f15bbb667ee6d69f2f5f5380f1f72747401, "
            "data/rawdata/trends in life expectancy.csv (verbatim ONS figure CSV)"
        ),
        caveats=(
            "Pre-interim method, back-revised with Census 2021-based populations; values to "
            "2 decimal places. Loaded as indicator hle_birth_dec2023, separate from hle_birth.",
            "Reshaped from wide to long; 'Males'/'Females' became 'Male'/'Female'.",
        ),
    ),
    Dataset(
        id="ons_le_regions",
        title="Life expectancy for local areas of the UK: England and regions",
        publisher=ONS,
        period="2001-2003 to 2022-2024",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="England and the 9 English regions",
        file="hle_le/ons_le_birth_england_regions_2001_2024.csv",
        sha256="360d0a7df71eee86e7abeca54d302d97e7f983a323f59717449aaf23a5d0c46e",
        rows=440,
        table="indicators",
        parser=ons.le_regions,
        url=_raw_github(
            _ELS, "2a85bb6d81e95b40b673d9ba6f56d861240b0f1d", "life-expectancy/life-expectancy.csv"
        ),
        url_note=_RESHAPED + " That commit is not on any branch of the repository today.",
        provenance=(
            f"{_ELS} @ 2a85bb6d81e95b40b673d9ba6f56d861240b0f1d, "
            "life-expectancy/life-expectancy.csv"
        ),
        caveats=(
            "Only the England and region rows of the 2 MB source were transcribed (by hand, "
            "then checked: each area/sex/period once, lower <= value <= upper, no jump above "
            "0.8 years between consecutive periods).",
        ),
    ),
    Dataset(
        id="ons_hle_imd_decile_2015_2017",
        title=(
            "Health state life expectancies by national deprivation deciles, England and "
            "Wales: 2015 to 2017 (Figure 3 data, males)"
        ),
        publisher=ONS,
        period="2015-2017",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="England, by IMD 2015 decile",
        file="hle_le/ons_hle_by_imd_decile_england_males_2015_2017.csv",
        sha256="51a22b637d03fb94be4f4492f3b2f07d12785d94f593e43d359131ee9af348f5",
        rows=10,
        table="indicators",
        parser=ons.hle_by_imd_decile,
        url=(
            "https://cy.ons.gov.uk/generator?uri=/peoplepopulationandcommunity/"
            "healthandsocialcare/healthinequalities/bulletins/"
            "healthstatelifeexpectanciesbyindexofmultipledeprivationimd/2015to2017/"
            "ca8f0b8c&format=csv"
        ),
        url_note="ONS chart data (CSV); transcribed as published, so the bytes differ.",
        provenance="ONS web chart CSV, read from a stored copy of the page",
        caveats=("Males only; LE by decile is not given (LE = HLE + years in poorer health).",),
    ),
    Dataset(
        id="ons_sii_2015_2017_2018_2020",
        title=(
            "Health state life expectancies by national deprivation deciles, England: "
            "2018 to 2020, Table 1 (slope index of inequality)"
        ),
        publisher=ONS,
        period="2015-2017 and 2018-2020",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="England",
        file="hle_le/ons_sii_le_hle_dfle_england_2015_2017_vs_2018_2020.csv",
        sha256="24f994bb4a9748447e81ed8cb1567afb33c8bc2168b5447c7e342253d2a59b1d",
        rows=6,
        table="ons_sii_le_hle_dfle",
        parser=ons.sii_le_hle_dfle,
        url=(
            "https://www.ons.gov.uk/download/table?format=csv&uri=/peoplepopulationandcommunity/"
            "healthandsocialcare/healthinequalities/bulletins/"
            "healthstatelifeexpectanciesbyindexofmultipledeprivationimd/2018to2020/07e91a61.json"
        ),
        url_note="ONS table (CSV); transcribed, the '*' flag became a boolean.",
        provenance="ONS web table CSV, read from a stored copy",
    ),
)


#: population/: mid-year estimates and Census 2021 residents by sex.
POPULATION: tuple[Dataset, ...] = (
    Dataset(
        id="ons_mye_2020_lad21",
        title=(
            "Estimates of the population for the UK, England and Wales, Scotland and "
            "Northern Ireland, mid-2020 (2021 geography), MYE2 persons"
        ),
        publisher=ONS,
        period="mid-2020",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="England and Wales, 331 LADs (2021)",
        file="population/ons_mye_mid2020_persons_single_year_lad21_ew.csv",
        sha256="b6db50c7f898dd1dad9b2e8395339d9a39dda5cd4123d6ca795d1f1632f627ca",
        rows=331,
        table="populations",
        parser=ons.mye_mid2020_single_year,
        url=(
            "https://www.ons.gov.uk/file?uri=/peoplepopulationandcommunity/populationandmigration/"
            "populationestimates/datasets/populationestimatesforukenglandandwalesscotlandand"
            "northernireland/mid2020/ukpopestimatesmid2020on2021geography.xls"
        ),
        url_note="ONS's spreadsheet (xls); the mirror file is a CSV of one sheet.",
        provenance=(
            "humaniverse/demographr @ d0417101e5cad5fe1eca059ac60859e9157a29d2, "
            "data/population20_ltla21.rda"
        ),
        caveats=("Persons only: no single-year-of-age split by sex was available.",),
    ),
    Dataset(
        id="census2021_sex_lad21",
        title="Census 2021 TS009: sex by single year of age (LTLA totals)",
        publisher=ONS,
        period="2021 (Census day)",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="England and Wales, 331 LADs (2021)",
        file="population/census2021_usual_residents_by_sex_lad21_ew.csv",
        sha256="18c186f258dbbe860b06326a9c3bd023be6da43084e7b5238e2c95dc13ffddf3",
        rows=331,
        table="populations",
        parser=ons.census2021_by_sex,
        url=None,
        url_note=_NO_OFFICIAL,
        provenance=(
            "humaniverse/demographr @ d0417101e5cad5fe1eca059ac60859e9157a29d2, "
            "data/age_gender21_ltla21_ew.rda"
        ),
        caveats=(
            "Totals only; the package's derived age bands were dropped (its code "
            "double-counts overlapping categories).",
        ),
    ),
)


#: indicators/: the ONS Health Index.
HEALTH_INDEX: tuple[Dataset, ...] = (
    Dataset(
        id="ons_health_index",
        title="Health Index for England: underlying data (Table 2)",
        publisher=ONS,
        period="2015 to 2021",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="England, 307 LADs (2021)",
        file="indicators/ons_health_index_underlying_indicators_lad21_2015_2021.csv",
        sha256="5ebdc158fbf59c9fc33f0d918a2a3176b1786b5bd477763cd8bf6c227c90b88a",
        rows=120344,
        table="indicators",
        parser=ons.health_index_indicators,
        url=None,
        url_note=_NO_OFFICIAL
        + " The ONS file is healthindexunderlyingdataenglandcanscreenfix.xlsx.",
        provenance=(
            "humaniverse/healthyr @ ed2003efc556306bc4421e2b99b17031db47d719, "
            "data/england_health_index_indicators.rda"
        ),
        caveats=(
            "56 indicators in raw units; values written to 6 significant figures.",
            "No counts, denominators, limits, sex or polarity in the source.",
        ),
    ),
)


#: hle_le/: life expectancy by age for local areas (issue 15).
LIFE_EXPECTANCY_BY_AGE: tuple[Dataset, ...] = (
    Dataset(
        id="ons_le_local_areas_by_age",
        title=(
            "Life expectancy for local areas of the UK, 2021 to 2023: at birth and at 65, "
            "with 95% limits"
        ),
        publisher=ONS,
        period="2021-2023",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography=(
            "UK countries, English regions, combined authorities, ICBs, counties, unitary "
            "authorities and districts"
        ),
        file="hle_le/ons_le_local_areas_by_age_2021_2023.csv",
        sha256="2afef90fc97ed204684ecfd96eaa300a6d17c4bdf8c4b75679df9de619f70e8e",
        rows=18880,
        table="indicators",
        parser=ons_le.le_by_age,
        url=None,
        url_note=_NO_OFFICIAL,
        provenance=(
            "CameronNicholas-Foley/IJC445-Yorkshire-structural-profile @ "
            "1651379b467e4e553ea88bb87da862ab2d4aeaf9, raw_data/ONS_life_expectancy/"
            "lifeexpectancylocalareas_trimmed.xlsx (header rows dropped)"
        ),
        caveats=(
            "Loaded: le_birth (age <1) for every area but England and the regions (those "
            "come from ons_le_regions, the same release) and le_65 (age band 65 to 69) for "
            "every area; the other age bands are not loaded.",
            "Scottish and Welsh health boards are left out.",
        ),
    ),
)


#: mortality/: SDG 3.4.1 death rates by cause (issue 15).
DEATH_RATES: tuple[Dataset, ...] = (
    Dataset(
        id="ons_sdg_death_rates_by_cause",
        title=(
            "UK SDG indicator 3.4.1: death rates from cardiovascular disease, cancer, "
            "diabetes or chronic respiratory disease by region, sex and age"
        ),
        publisher=ONS,
        period="2013-2020",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="England and the 9 English regions",
        file="mortality/ons_sdg_3_4_1_death_rates_region_sex_age_cause_2013_2020.csv",
        sha256="6bd3ca70fa474f3cccbbd52dc30cede6a8f17209ceaef4babfaf0c1ece61be3b",
        rows=24250,
        table="death_rates_by_cause",
        parser=ons_sdg.death_rates,
        url=_raw_github(
            "ONSdigital/sdg-data",
            "20607016dce50b15c2b990bc5d06fe09a21acce1",
            "data/indicator_3-4-1.csv",
        ),
        url_note="The publisher's repository; the mirror file is the original, unchanged.",
        provenance=(
            "ONSdigital/sdg-data @ 20607016dce50b15c2b990bc5d06fe09a21acce1, "
            "data/indicator_3-4-1.csv"
        ),
        download_url=_raw_github(
            "ONSdigital/sdg-data",
            "20607016dce50b15c2b990bc5d06fe09a21acce1",
            "data/indicator_3-4-1.csv",
        ),
        caveats=(
            "Rates, not counts: age-standardised rates computed from them have no "
            "confidence limits.",
            "Regions publish ages 30 and over only (younger bands have too few deaths).",
            "Wales and England-and-Wales rows, and respiratory sub-types other than chronic "
            "lower respiratory diseases, are not loaded.",
            "One key is published twice with different values (England, chronic lower "
            "respiratory diseases, males 15-19, 2020: 0.25 and 0.2); both rows are left out.",
        ),
    ),
)


#: The ONS Health Index by ICB (issue 15).
HEALTH_INDEX_ICB: tuple[Dataset, ...] = (
    Dataset(
        id="ons_health_index_icb22",
        title="ONS Health Index for England by ICB: overall score and domains",
        publisher=ONS,
        period="2015-2021",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="42 ICBs (2022 codes)",
        file="nhs_access/health_index_icb22.csv",
        sha256="b74dd0f4657e3d8c7e92c8c9ef7c6925ac20c5e55aaad85c95c46c5452588c0e",
        rows=294,
        table="indicators",
        parser=health_index_icb.health_index_icb,
        url=None,
        url_note=_NO_OFFICIAL,
        provenance=(
            f"{_HEALTHYR} @ {_HEALTHYR_AT}, data/england_health_index_ics.rda (reshaped to CSV)"
        ),
        caveats=(
            "ICB codes as published (2022): 40 are unchanged in April 2024; Surrey "
            "Heartlands (E54000052) and Sussex (E54000053) changed boundary in April 2024 "
            "(now E54000063 and E54000064) and keep their 2022 codes, not mapped.",
            "Scores are indexed to England 2015 = 100; no limits and no England row.",
        ),
    ),
)


#: population/: LSOA mid-year estimates by single year of age (issue 15).
LSOA_AGES: tuple[Dataset, ...] = (
    Dataset(
        id="ons_mye_2020_lsoa11_single_year",
        title="Population estimates by LSOA (2011) and single year of age, mid-2020, persons",
        publisher=ONS,
        period="mid-2020",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="34,753 LSOAs (2011) of England and Wales",
        file="population/ons_mye_mid2020_persons_single_year_lsoa11.csv",
        sha256="2777b4a25ce23dd115e5b60b403d64a32e6ff8fd736b94970bfdb7e92c30265e",
        rows=34753,
        table="population_lsoa11_single_year",
        parser=lsoa_population.single_year_lsoa11,
        url=(
            "https://www.ons.gov.uk/peoplepopulationandcommunity/populationandmigration/"
            "populationestimates/datasets/lowersuperoutputareamidyearpopulationestimates"
        ),
        url_note=(
            "The ONS dataset page (workbooks by year and sex); the mirror file is the "
            "'Mid-2020 Persons' sheet written to CSV, so its checksum differs: get it with "
            "`healthgap data fetch --mirror`."
        ),
        provenance=f"{_DEMOGRAPHR_AT}, data/population20_lsoa11.rda (written to CSV)",
        caveats=(
            "Stored wide (one row per LSOA, one integer column per age, age_0 to age_89 and "
            "age_90_plus): 34,753 rows instead of 3.2 million; "
            "healthgap.geography.age_structure gives any footprint's ages in long form.",
            "ONS treats LSOA single-year estimates as supporting information: sum them over "
            "areas or ages before relying on them.",
            "2011 LSOAs: footprints use their 2011 LSOAs (healthgap.geography.footprint).",
        ),
    ),
)
