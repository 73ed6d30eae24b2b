"""ONS Health Index for England by ICB, 2015-2021 (overall score and three domains).

``nhs_access/health_index_icb22.csv`` (humaniverse/healthyr reshape): ``icb22_code,
icb22_name, year, overall_score, healthy_people_domain, healthy_lives_domain,
healthy_places_domain``; one row per ICB (2022 codes) and year. Scores are indexed to
England 2015 = 100 (higher is healthier). Loaded as ``health_index_overall``,
``health_index_healthy_people``, ``health_index_healthy_lives`` and
``health_index_healthy_places`` with area type ``icb``.

ICB codes: 40 of the 42 2022 codes are unchanged in April 2024. Surrey Heartlands
(E54000052) and Sussex (E54000053) changed boundary in April 2024 (new codes E54000063,
E54000064), so their published 2022 codes are kept, not mapped (:data:`CHANGED_2024`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from healthgap.data.sources._common import Parsed, indicator_frame, read_csv, require_unique
from healthgap.data.sources.indicator_review import review
from healthgap.errors import SchemaError

#: 2022 ICB codes whose boundary changed in April 2024 (kept as published).
CHANGED_2024: dict[str, str] = {"E54000052": "E54000063", "E54000053": "E54000064"}

COLUMNS: dict[str, tuple[str, str]] = {
    "overall_score": ("health_index_overall", "Health Index: overall score"),
    "healthy_people_domain": ("health_index_healthy_people", "Health Index: Healthy People"),
    "healthy_lives_domain": ("health_index_healthy_lives", "Health Index: Healthy Lives"),
    "healthy_places_domain": ("health_index_healthy_places", "Health Index: Healthy Places"),
}


def _fail(path: Path, rule: str, got: str) -> SchemaError:
    return SchemaError(
        f"{path.name} {rule}; got {got}. Fetch the catalogue's version of the file "
        "(healthgap data fetch)."
    )


def health_index_icb(path: Path, source_id: str) -> Parsed:
    """The Health Index overall score and its three domains for every ICB and year."""
    raw = read_csv(
        path,
        {
            "icb22_code": "str",
            "icb22_name": "str",
            "year": "int",
            **dict.fromkeys(COLUMNS, "float"),
        },
    )
    ok = raw["icb22_code"].str.match(r"^E54\d{6}$").fillna(False).to_numpy()
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        raise _fail(
            path,
            "column 'icb22_code' must hold ICB codes (E54 and six digits)",
            f"{raw['icb22_code'].iloc[i]!r} on data row {i + 1}",
        )
    years = raw["year"].astype("float")
    bad = ~years.between(2015, 2030).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise _fail(
            path,
            "column 'year' must be 2015 or later",
            f"{raw['year'].iloc[i]!r} on data row {i + 1}",
        )
    require_unique(raw, ["icb22_code", "year"], path)
    frames = []
    for column, (ind, name) in COLUMNS.items():
        bad = ~(raw[column] > 0).to_numpy()  # blank, zero or negative
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise _fail(
                path,
                f"column {column!r} must hold a positive index score on every row",
                f"{raw[column].iloc[i]!r} on data row {i + 1}",
            )
        reviewed = review(ind)
        if reviewed is None:  # a programming error: every loaded indicator is reviewed
            raise KeyError(f"{ind} has no reviewed polarity")
        year = raw["year"].astype("int64")
        frames.append(
            indicator_frame(
                len(raw),
                indicator_id=ind,
                indicator_name=name,
                area_code=raw["icb22_code"],
                area_name=raw["icb22_name"],
                area_type="icb",
                sex="Persons",
                period=year.astype(str),
                period_start=year,
                period_end=year,
                value=raw[column],
                polarity=reviewed.polarity,
                source_id=source_id,
            )
        )
    return Parsed(pd.concat(frames, ignore_index=True), len(raw))
