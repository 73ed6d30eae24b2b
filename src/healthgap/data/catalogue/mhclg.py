"""MHCLG (formerly DLUHC): the English indices of deprivation and statutory homelessness."""

from __future__ import annotations

from healthgap.data.catalogue.dataset import Dataset
from healthgap.data.catalogue.publishers import (
    _HEALTHYR,
    _HEALTHYR_AT,
    _NO_OFFICIAL,
    MHCLG,
    OGL,
    OGL_ATTRIBUTION,
)
from healthgap.data.sources import (
    district_access,
    imd,
)

#: imd2019/ and imd2025/: the English indices of deprivation.
DEPRIVATION: tuple[Dataset, ...] = (
    Dataset(
        id="imd2019_lsoa",
        title=(
            "English Indices of Deprivation 2019: File 7, all ranks, scores, deciles and "
            "population denominators (reconstructed)"
        ),
        publisher=MHCLG,
        period="2019 (populations mid-2015)",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="England, 32,844 LSOAs (2011), with LAD 2019 codes",
        file="imd2019/imd2019_lsoa11_england.csv",
        sha256="513693d9039a2f1cc399f9ff97f0f142ef374a901dd4acf5b6781408bd03c60e",
        rows=32844,
        table="imd2019_lsoa11",
        parser=imd.imd2019_lsoa,
        url=None,
        url_note=_NO_OFFICIAL,
        provenance=(
            "anetobradley/energy_flex @ 709f2f8b79a86e273a86f6c7324f4fc2b1aeeefd (Files 2 "
            "and 6) joined with nhsx/p24-pvt-diabetes-inequal @ "
            "90bb52b739a84b7d6f0773bf4830abb6537928b6, data/imd-statistics.parquet (scores)"
        ),
        caveats=(
            "Population denominators are mid-2015 estimates excluding prisoners.",
            "Barriers to Housing and Services columns are barriers_*; Living Environment "
            "columns are living_environment_*.",
        ),
    ),
    Dataset(
        id="imd2019_lad",
        title="English Indices of Deprivation 2019: File 10, local authority district summaries",
        publisher=MHCLG,
        period="2019",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="England, 317 LADs (2019)",
        file="imd2019/imd2019_lad19_summaries.csv",
        sha256="6504b946a9bc05f6d4ce7477e0bf041e8346de4a2c236ab9a28aca9e563523a5",
        rows=317,
        table="imd2019_lad19",
        parser=imd.imd2019_lad,
        url=None,
        url_note=_NO_OFFICIAL,
        provenance=(
            "CharlesTheFifth/unhappy-meals @ ef5934da3712e5795c7030f04630aaf34bd21611, "
            "data/File_10_-_IoD2019_Local_Authority_District_Summaries__lower-tier__.xlsx"
        ),
        caveats=("The 10 domain sheets were merged on LAD code; names became snake_case.",),
    ),
    Dataset(
        id="imd2025_lsoa",
        title="English Indices of Deprivation 2025: File 7, scores, ranks and deciles",
        publisher=MHCLG,
        period="2025",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="England, 33,755 LSOAs (2021), with LAD 2024 codes",
        file="imd2025/imd2025_lsoa21_england.csv",
        sha256="15a5602c47e30e2372bad647cfd779b404a6184b2697859dccfd6233daa932e5",
        rows=33755,
        table="imd2025_lsoa21",
        parser=imd.imd2025_lsoa,
        url=(
            "https://assets.publishing.service.gov.uk/media/68ff5daabcb10f6bf9bef911/"
            "File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv"
        ),
        url_note=(
            "MHCLG's File 7; the mirror file keeps only some of its columns and adds LSOA "
            "names, so the bytes differ."
        ),
        provenance=(
            "humaniverse/IMD @ 2f6c9050afee99a40041eb63b02b6b0c58850704, "
            "data/imd2025_england_lsoa21.rda"
        ),
        caveats=(
            "No population denominators, subdomains or supplementary indices: population-"
            "weighted figures for IMD 2025 need LSOA 2021 populations from elsewhere.",
        ),
    ),
    Dataset(
        id="imd2025_lad",
        title="English Indices of Deprivation 2025: File 10, local authority district summaries",
        publisher=MHCLG,
        period="2025",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="England, 296 LADs (2024)",
        file="imd2025/imd2025_lad24_summaries.csv",
        sha256="40fab5120f72a9796d4dcdbdb967e613cfe35d59386e957e07ed3bebd965a04b",
        rows=296,
        table="imd2025_lad24",
        parser=imd.imd2025_lad,
        url=None,
        url_note=_NO_OFFICIAL,
        provenance=(
            "humaniverse/IMD @ 2f6c9050afee99a40041eb63b02b6b0c58850704, "
            "data/imd2025_england_ltla24.rda"
        ),
        caveats=("Column names from janitor::clean_names; ltla24_* became lad24_*.",),
    ),
    Dataset(
        id="imd2025_icb",
        title="English Indices of Deprivation 2025: File 13, integrated care board summaries",
        publisher=MHCLG,
        period="2025",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="England, 42 ICBs (2024)",
        file="imd2025/imd2025_icb24_summaries.csv",
        sha256="f2d719d8f4d6fa2d475210f606d4a55e8d61e23171d3f22a18c3ff86121a65d5",
        rows=42,
        table="imd2025_icb24",
        parser=imd.imd2025_icb,
        url=None,
        url_note=_NO_OFFICIAL,
        provenance=(
            "humaniverse/IMD @ 2f6c9050afee99a40041eb63b02b6b0c58850704, "
            "data/imd2025_england_icb24.rda"
        ),
    ),
)


#: Statutory homelessness (issue 15).
HOMELESSNESS: tuple[Dataset, ...] = (
    Dataset(
        id="homelessness_ltla23_oct_dec_2023",
        title=(
            "Households assessed as homeless and in temporary accommodation per 1,000, "
            "by district, October to December 2023"
        ),
        publisher="Department for Levelling Up, Housing and Communities",
        period="2023 Q4",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="296 English lower-tier authorities (2023 codes)",
        file="wider/homelessness_ltla23_oct_dec_2023.csv",
        sha256="66ece4c6231cdf2a16f94c94546746f4aefdb19ff8af2d7fe81a8c95cdee5d1a",
        rows=296,
        table="indicators",
        parser=district_access.homelessness,
        url=None,
        url_note=_NO_OFFICIAL,
        provenance=(
            f"{_HEALTHYR} @ {_HEALTHYR_AT}, data/england_homelessness.rda (from DLUHC "
            "Detailed_LA_202312.ods; reshaped to CSV)"
        ),
        caveats=(
            "One quarter only; blank cells (councils that did not submit) are not loaded.",
            "2023 district codes: the same as 2024 codes for every English district.",
        ),
    ),
)
