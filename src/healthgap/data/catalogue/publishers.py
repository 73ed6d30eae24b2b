"""Publishers, licences and address helpers shared by the catalogue entries."""

from __future__ import annotations

from healthgap.data.sources import talking_therapies

OGL = "OGL v3.0"
OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
OGL_ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0."
)
MIT = "MIT"
EUROSTAT = "Eurostat reuse policy"
ONS = "Office for National Statistics (ONS)"
OHID = "Office for Health Improvement and Disparities (OHID)"
MHCLG = "Ministry of Housing, Communities and Local Government (MHCLG)"
NHSE = "NHS England"
_RESHAPED = (
    "The publisher's file in its original layout. The mirror file is a reshaped copy "
    "(see caveats), so its checksum differs: get the mirror file with "
    "`healthgap data fetch --mirror`."
)
_NO_OFFICIAL = (
    "SOURCES.md records only a third-party GitHub copy of the official file (see "
    "provenance), not the publisher's address."
)
_ELS = "ONSdigital/explore-local-statistics-data"
_ELS_COMMIT = "4972c588d0c192839afc8fa54ae82cb3dc7721ed"
_GEOGRAPHR = "humaniverse/geographr @ c026be5cc76cb576358082b53f1f13d69ab577ae"
_HEXMAPS_COMMIT = "5383e24a0fbfb1a53e0dcafdf902bf6213e22b75"
_AIF = "nhsx/AIF_Allocation_Tool"
_AIF_COMMIT = "02c749ad78eb095d627672229e6f09c0bb04abe4"
_ICB_TOOL = "nhsengland/ICB_Allocation_Tool_update"
_ICB_TOOL_COMMIT = "32182a7829f95043ce9c4d35664e03d8449d6794"
_HEALTHYR = "humaniverse/healthyr"
_HEALTHYR_AT = "ed2003efc556306bc4421e2b99b17031db47d719"
_DEMOGRAPHR_AT = "humaniverse/demographr @ d0417101e5cad5fe1eca059ac60859e9157a29d2"


def _raw_github(repo: str, commit: str, path: str) -> str:
    return f"https://raw.githubusercontent.com/{repo}/{commit}/{path}"


def _geo_attribution(year: int) -> str:
    return (
        "Source: Office for National Statistics licensed under the Open Government Licence "
        f"v.3.0. Contains OS data © Crown copyright and database right {year}."
    )


#: Publishers' own addresses that SOURCES.md does not spell out, each with where it was
#: checked: the guard test accepts these beside the ones SOURCES.md gives.
PUBLISHER_ADDRESSES: dict[str, str] = {
    **{
        f"https://www.nomisweb.co.uk/output/census/2021/census2021-{t}.zip": (
            "Nomis 2021 Census bulk data download page (nomisweb.co.uk/census/2021/bulk) "
            f"lists census2021-{t}.zip; SOURCES.md names the bulk file"
        )
        for t in ("ts011", "ts021", "ts038", "ts052", "ts077")
    },
    (
        "https://www.ons.gov.uk/peoplepopulationandcommunity/populationandmigration/"
        "populationestimates/datasets/lowersuperoutputareamidyearpopulationestimates"
    ): "the ONS dataset page of LSOA mid-year estimates by single year of age and sex",
    talking_therapies.SOURCE_URL: (
        "NHS Digital's NHS Talking Therapies data set reports page (monthly, quarterly and "
        "annual publications)"
    ),
}
