"""NHS England and NHS Digital: weighted populations, A&E waits, GP workforce, Talking Therapies."""

from __future__ import annotations

from healthgap.data.catalogue.dataset import Dataset
from healthgap.data.catalogue.publishers import (
    _AIF,
    _AIF_COMMIT,
    _HEALTHYR,
    _HEALTHYR_AT,
    _ICB_TOOL,
    _ICB_TOOL_COMMIT,
    _NO_OFFICIAL,
    NHSE,
    OGL,
    OGL_ATTRIBUTION,
    _raw_github,
)
from healthgap.data.sources import (
    ae_icb,
    district_access,
    nhs_allocations,
    talking_therapies,
)

#: nhs_allocations/: NHS England weighted populations (issue 16).
ALLOCATIONS: tuple[Dataset, ...] = (
    *(
        Dataset(
            id=f"nhs_weighted_population_{stem}",
            title=(
                f"ICB allocations {year}: GP practice weighted populations by formula "
                "component (Place Based Allocation Tool)"
            ),
            publisher=NHSE,
            period=year,
            licence=OGL,
            attribution=OGL_ATTRIBUTION,
            geography=(
                f"England, {rows:,} GP practices with their ICB (NHS ODS code), region and "
                "district (LAD 2021)"
            ),
            file=f"nhs_allocations/{nhs_allocations.PRACTICE_FILES[year]}",
            sha256=sha,
            rows=rows,
            table="nhs_weighted_populations",
            parser=parser,
            url=_raw_github(repo, commit, f"data/{stem}.csv"),
            url_note=(
                "NHS England's own repository for the Place Based Allocation Tool (the "
                "practice weighted populations behind the published ICB allocations); "
                "NHS England's allocations page is https://www.england.nhs.uk/allocations/. "
                "SOURCES.md does not say the mirror's bytes are the original's, so no "
                "download is offered: get the file with `healthgap data fetch --mirror`."
            ),
            provenance=f"{repo} @ {commit}, data/{stem}.csv",
            caveats=(
                "Need indices, not money: weighted populations scaled so that each "
                "component adds up to the registered population of England.",
                "Registered populations are projected to the allocation year from GP "
                "registrations; the 2024/25 file heads its population column 'pop 2022/23'.",
                "Districts are the practice's address district (LAD 2021 codes); a "
                "practice's patients may live elsewhere.",
                "Columns renamed to healthgap's names; postcodes, coordinates, CCG, PCN and "
                "sub-ICB columns are not loaded.",
            ),
        )
        for year, stem, sha, rows, parser, repo, commit in (
            (
                "2023/24",
                "2023_2024",
                "f8eb9008ac4a8ef442612a97c2b2633ad14ffc4f1d0265edeb73944b88692731",
                6553,
                nhs_allocations.practices_2023_24,
                _AIF,
                _AIF_COMMIT,
            ),
            (
                "2024/25",
                "2024_2025",
                "e5729efafb1b01257a27bf10935ea0c3c8ecf904bd2356409fc561db4c3caf5c",
                6553,
                nhs_allocations.practices_2024_25,
                _AIF,
                _AIF_COMMIT,
            ),
            (
                "2025/26",
                "2025_2026",
                "ec4f15678eb80187141e9f325c67bd7dbf112ca7bae988a10cdffd40c293f68c",
                6348,
                nhs_allocations.practices_2025_26,
                _ICB_TOOL,
                _ICB_TOOL_COMMIT,
            ),
        )
    ),
    Dataset(
        id="nhs_icb_weighted_population",
        title="ICB allocations 2023/24 to 2025/26: weighted populations and need index by ICB",
        publisher=NHSE,
        period="2023/24 to 2025/26",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="England, 42 ICBs (NHS ODS codes) x 3 allocation years",
        file="nhs_allocations/icb_weighted_population_need_index.csv",
        sha256="c8c7b75d3271dead00c26901e17bb6546aa23c49b7c065da42bee8791c958026",
        rows=126,
        table="nhs_icb_weighted_populations",
        parser=nhs_allocations.icb_summary,
        url=None,
        url_note=(
            "Computed by the mirror from the three practice files (summed to ICB x year); "
            "no publisher file has this layout. Get it with `healthgap data fetch --mirror`."
        ),
        provenance=(
            f"The practice files of {_AIF} @ {_AIF_COMMIT} and {_ICB_TOOL} @ "
            f"{_ICB_TOOL_COMMIT}, summed by ICB"
        ),
        caveats=(
            "Reconciled on load with the practice files beside it, ICB by ICB and year by "
            "year (weighted populations to 0.1, practice counts exactly).",
            "need_index = final weighted population / registered population (1 = England).",
        ),
    ),
)


#: GP patients per full-time-equivalent GP (issue 15).
GP_WORKFORCE: tuple[Dataset, ...] = (
    Dataset(
        id="gp_patients_per_fte_ltla24",
        title="Registered patients per fully qualified GP (FTE) by district",
        publisher="NHS Digital",
        period="2024",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="296 English lower-tier authorities (2024 codes)",
        file="nhs_access/patients_per_gp_fte_ltla24.csv",
        sha256="effafe87d59fb1c20f64b0bc26764381259d157c80ccb72b521ebef2bd145846",
        rows=296,
        table="indicators",
        parser=district_access.patients_per_gp,
        url=None,
        url_note=_NO_OFFICIAL,
        provenance=(
            f"{_HEALTHYR} @ {_HEALTHYR_AT}, data/england_underdoctored_areas.rda (reshaped to CSV)"
        ),
        caveats=(
            "The month of the workforce and registration extracts is not recorded by the "
            "copy; loaded as period 2024 (the file uses April 2024 district codes).",
            "Patients and GP FTE are checked (ratio = patients / FTE) but not stored as "
            "count and denominator: FTE is not a population.",
            "Practices count in the district of their address, not their patients'. The City "
            "of London's ratio (about 406) reflects a small resident list.",
        ),
    ),
)


#: A&E four-hour waits by ICB (issue 15).
AE_WAITS: tuple[Dataset, ...] = (
    Dataset(
        id="nhse_ae_four_hour_icb22",
        title="A&E four-hour performance by ICB, monthly: attendances and emergency admissions",
        publisher="NHS England",
        period="April 2022 to July 2025",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="42 ICBs (2022 codes)",
        file="nhs_access/ae_four_hour_icb22_monthly.csv",
        sha256="32acec1b607bfc19b91bbf802afbcc1f6ea00d0282b4c049083349959f3d184b",
        rows=1680,
        table="indicators",
        parser=ae_icb.ae_four_hour,
        url=None,
        url_note=_NO_OFFICIAL,
        provenance=(
            f"{_HEALTHYR} @ {_HEALTHYR_AT}, data/england_icb_accidents_emergency.rda "
            "(reshaped to CSV)"
        ),
        caveats=(
            "ICB codes as published (2022): Surrey Heartlands (E54000052) and Sussex "
            "(E54000053) changed boundary in April 2024 and keep their 2022 codes.",
            "Provider returns are mapped to ICBs by the copy's author, not by NHS England; "
            "the exact percentage is stored and the file's 2-decimal proportion checked.",
            "Months run April 2022 to July 2025 (SOURCES.md says from April 2021; the file "
            "starts April 2022).",
        ),
    ),
)


#: NHS Talking Therapies by sub-ICB location (issue 15).
TALKING_THERAPIES: tuple[Dataset, ...] = (
    Dataset(
        id="nhs_talking_therapies_sicbl22",
        title="NHS Talking Therapies key measures by sub-ICB location, monthly",
        publisher="NHS Digital",
        period="July 2022 to April 2023",
        licence=OGL,
        attribution=OGL_ATTRIBUTION,
        geography="106 sub-ICB locations (July 2022 codes)",
        file="nhs_access/talking_therapies_sicbl22_monthly.csv",
        sha256="f81f0dc13209a85b229b166e708db6daf69c5ddc029361db942e4b3820950afc",
        rows=12826,
        table="indicators",
        parser=talking_therapies.key_measures,
        url=talking_therapies.SOURCE_URL,
        url_note=(
            "The publisher's page of NHS Talking Therapies reports; the mirror file is a "
            "reshaped copy of the monthly key-measures time series, so its checksum differs: "
            "get it with `healthgap data fetch --mirror`."
        ),
        provenance=f"{_HEALTHYR} @ {_HEALTHYR_AT}, data/england_sicb_iapt.rda (reshaped to CSV)",
        caveats=(
            "Ten months (July 2022 to April 2023; SOURCES.md says 2022-2023).",
            "Percentages are whole numbers as published; counts are rounded to the nearest 5 "
            "by the publisher, so percentages cannot be recomputed from them.",
            "Blank values (withheld by the publisher) are not loaded.",
            "Sub-ICB codes of July 2022, as published.",
        ),
    ),
)
