"""OHID Fingertips: the published indicators and the FingertipsNext developer extract."""

from __future__ import annotations

from healthgap.data.catalogue.dataset import Dataset
from healthgap.data.catalogue.publishers import (
    _ELS,
    _ELS_COMMIT,
    _RESHAPED,
    OGL,
    OGL_ATTRIBUTION,
    OHID,
    _raw_github,
)
from healthgap.data.sources import (
    fingertips_extract,
    ohid,
)

_FINGERTIPS_NEXT = "dhsc-govuk/FingertipsNext"
_FTN_DATA = "0ed8ddc0e5283da3471af801c237776cd21b1be6"
_FTN_LOOKUPS = "d1600f4a5a6dc3eacaaad5d23e00f6eb312fdbba"
_FTN_META = "2f2c803efd235239d79971b3a748cbd967b147be"
_FTN_OUT = "DataCreator/DataCreator/data/out"


#: indicators/: OHID Fingertips indicators.
INDICATORS: tuple[Dataset, ...] = (
    Dataset(
        id="ohid_cvd_u75_preventable",
        title=(
            "Public Health Outcomes Framework 93722: under 75 mortality rate from "
            "cardiovascular diseases considered preventable"
        ),
        publisher=OHID,
        period="2001-2003 to 2022-2024",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="England, regions, counties and UAs, LADs",
        file="indicators/ohid_preventable_cvd_mortality_u75_dsr_2001_2024.csv",
        sha256="18cf9cf919ed58c3a523343a2ce70dce38271d543229b08b0b01b4d998937f57",
        rows=7150,
        table="indicators",
        parser=ohid.preventable_cvd_mortality_u75,
        url=_raw_github(
            _ELS,
            _ELS_COMMIT,
            "preventable-cardiovascular-mortality-england/"
            "preventable-cardiovascular-mortality-england.csv",
        ),
        url_note=(
            "ONS's republication of the OHID Fingertips indicator (Explore Local "
            "Statistics). " + _RESHAPED
        ),
        provenance=(
            f"{_ELS} @ {_ELS_COMMIT}, preventable-cardiovascular-mortality-england/"
            "preventable-cardiovascular-mortality-england.csv (source date 04/11/2025)"
        ),
        caveats=(
            "Directly age-standardised rate per 100,000 with 95% limits; no counts or "
            "denominators in the source.",
            "Persons aged under 75 (the source's metadata).",
        ),
    ),
    Dataset(
        id="ohid_adult_obesity",
        title="Percentage of adults (18+) classified as living with obesity (Active Lives)",
        publisher=OHID,
        period="2015/16 to 2024/25",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="England, regions, combined authorities, counties and UAs, LADs",
        file="indicators/ohid_adult_obesity_prevalence_2015_2025.csv",
        sha256="2c75a2519fe7e7a717d12b2885243bb4b0c30ee2b6ae23fbd1bea6bb93f8dfce",
        rows=3510,
        table="indicators",
        parser=ohid.adult_obesity_prevalence,
        url=_raw_github(_ELS, _ELS_COMMIT, "adult-obesity-prevalence/adult-obesity-prevalence.csv"),
        url_note=(
            "ONS's republication of the OHID Fingertips indicator (Explore Local "
            "Statistics). " + _RESHAPED
        ),
        provenance=f"{_ELS} @ {_ELS_COMMIT}, adult-obesity-prevalence/adult-obesity-prevalence.csv",
        caveats=(
            "Survey years run mid-November to mid-November; period_start and period_end "
            "are the calendar years of the first and last day (2015/16: 2015 and 2016).",
            "Self-reported height and weight, adjusted; 95% limits; no counts.",
        ),
    ),
)


#: fingertips/: the FingertipsNext developer extract (issue 15).
FINGERTIPS_EXTRACT: tuple[Dataset, ...] = (
    Dataset(
        id="fingertips_northwest_extract",
        title=(
            "OHID Fingertips values with counts, denominators and breakdowns: England and "
            "the North West (FingertipsNext developer extract)"
        ),
        publisher=OHID,
        period="2018 to 2024",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography=(
            "England, 36 North West councils (Greater Manchester, Lancashire, Merseyside), "
            "their ICBs and sub-ICBs (GP practices and PCNs are left out)"
        ),
        file="fingertips/northwest_extract_healthdata.csv",
        sha256="ea648d3848b2a8e19cc7dd59a93149d534e57dcdd92f35cf3b960891d1df0c43",
        rows=44452,
        table="indicators",
        parser=fingertips_extract.fingertips_extract,
        url=f"https://github.com/{_FINGERTIPS_NEXT}/blob/{_FTN_DATA}/{_FTN_OUT}/healthdata.csv",
        url_note="DHSC's FingertipsNext repository; the mirror file is the original, unchanged.",
        provenance=f"{_FINGERTIPS_NEXT} @ {_FTN_DATA}, {_FTN_OUT}/healthdata.csv (data OGL v3.0)",
        download_url=_raw_github(_FINGERTIPS_NEXT, _FTN_DATA, f"{_FTN_OUT}/healthdata.csv"),
        caveats=(
            "A developer seed extract, not national coverage: England and the North West only.",
            "The extract has no area types: a key repeated with identical values is kept "
            "once; 328 keys repeated with different values (sub-ICBs under two vintages, "
            "mostly GP Patient Survey and QOF indicators) are left out.",
            "Polarity and domain come from healthgap's reviewed table; Fingertips' metadata "
            "extract gives none.",
            "31 rows whose published 95% limits do not contain the value (93124 England "
            "deprivation rows, one 93701 row) are loaded without limits (value_note says so).",
        ),
        companions=(
            (
                "fingertips/areas.csv",
                "6b78a2de0b27df399b832352c16eeea9e74bebc5ae4040312532390b08a3e1b1",
                _raw_github(_FINGERTIPS_NEXT, _FTN_LOOKUPS, f"{_FTN_OUT}/areas.csv"),
            ),
            (
                "fingertips/categories.csv",
                "d83ca0fecbfd1278279836d600062d09c0329b69671d76d57ee520eb8393b84d",
                _raw_github(_FINGERTIPS_NEXT, _FTN_LOOKUPS, f"{_FTN_OUT}/categories.csv"),
            ),
            (
                "fingertips/indicator_metadata_1587.json",
                "57305bd3e2457cf6670f3b5361b5df2894126736827d876cfd7aa68a7a180ada",
                _raw_github(
                    _FINGERTIPS_NEXT,
                    _FTN_META,
                    "apps/ai-search/ai-search-setup/dist/assets/ft.json",
                ),
            ),
        ),
    ),
)
