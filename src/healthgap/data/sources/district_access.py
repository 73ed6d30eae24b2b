"""District-level NHS access and homelessness (humaniverse/healthyr reshapes, OGL v3.0).

Two files, one row per lower-tier authority, no area names and no limits:

* ``nhs_access/patients_per_gp_fte_ltla24.csv``: ``ltla24_code, total_patients,
  total_gp_fte, patients_per_gp`` (2024 codes; NHS Digital *General Practice Workforce*
  and *Patients Registered at a GP Practice*). Loaded as ``gp_patients_per_fte``; the
  published ratio must equal patients / FTE (relative 1e-9), or the file is refused.
  Patients and FTE are not put in ``count``/``denominator`` (FTE is not a population).
* ``wider/homelessness_ltla23_oct_dec_2023.csv``: ``ltla23_code, Households assessed as
  homeless per (000s), Households in temporary accommodation per 1,000`` (2023 codes;
  DLUHC live tables, October to December 2023). Loaded as ``homeless_assessed_per_1000``
  and ``temporary_accommodation_per_1000``; blank cells (not published) are left out.

Codes must be English district, unitary, metropolitan or London borough codes (E06,
E07, E08, E09) and appear once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from healthgap.data.sources._common import (
    Parsed,
    indicator_frame,
    read_csv,
    require_unique,
)
from healthgap.data.sources.indicator_review import review
from healthgap.errors import SchemaError

_LTLA_PREFIXES = ("E06", "E07", "E08", "E09")


def _check_codes(codes: pd.Series, column: str, path: Path) -> None:
    ok = codes.str.match(r"^E0[6-9]\d{6}$").fillna(False).to_numpy()
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        raise SchemaError(
            f"{path.name} column {column!r} must hold English lower-tier authority codes "
            f"({', '.join(_LTLA_PREFIXES)} followed by six digits); got {codes.iloc[i]!r} "
            f"on data row {i + 1}. Fetch the catalogue's version of the file."
        )


def _nonnegative(frame: pd.DataFrame, column: str, path: Path) -> None:
    bad = (frame[column] < 0).fillna(False).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SchemaError(
            f"{path.name} column {column!r} must hold numbers of 0 or more; got "
            f"{frame[column].iloc[i]!r} on data row {i + 1}. Fetch the catalogue's version "
            "of the file."
        )


def _polarity(ind: str) -> str:
    reviewed = review(ind)
    if reviewed is None:  # a programming error: every loaded indicator is reviewed
        raise KeyError(f"{ind} has no reviewed polarity")
    return reviewed.polarity


def patients_per_gp(path: Path, source_id: str) -> Parsed:
    """Registered patients per fully qualified GP (FTE), by district."""
    code, patients, fte, ratio = "ltla24_code", "total_patients", "total_gp_fte", "patients_per_gp"
    raw = read_csv(path, {code: "str", patients: "float", fte: "float", ratio: "float"})
    _check_codes(raw[code], code, path)
    require_unique(raw, [code], path)
    for column in (patients, fte, ratio):
        missing = raw[column].isna().to_numpy()
        if missing.any():
            i = int(np.flatnonzero(missing)[0])
            raise SchemaError(
                f"{path.name} column {column!r} must have a value on every row; got a blank "
                f"on data row {i + 1}. Fetch the catalogue's version of the file."
            )
        _nonnegative(raw, column, path)
    expected = raw[patients] / raw[fte]
    off = ~np.isclose(raw[ratio], expected, rtol=1e-9, atol=0.0)
    if off.any():
        i = int(np.flatnonzero(off)[0])
        raise SchemaError(
            f"{path.name} column {ratio!r} must equal {patients} / {fte}; got "
            f"{raw[ratio].iloc[i]!r} against {expected.iloc[i]!r} on data row {i + 1}. "
            "Fetch the catalogue's version of the file."
        )
    frame = indicator_frame(
        len(raw),
        indicator_id="gp_patients_per_fte",
        indicator_name="Registered patients per fully qualified GP (FTE)",
        area_code=raw[code],
        area_type="lad",
        sex="Persons",
        period="2024",
        period_start=2024,
        period_end=2024,
        value=raw[ratio],
        polarity=_polarity("gp_patients_per_fte"),
        source_id=source_id,
    )
    return Parsed(frame, len(raw))


_HOMELESS = {
    "Households assessed as homeless per (000s)": (
        "homeless_assessed_per_1000",
        "Households assessed as homeless (owed a relief duty) per 1,000",
    ),
    "Households in temporary accommodation per 1,000": (
        "temporary_accommodation_per_1000",
        "Households in temporary accommodation per 1,000",
    ),
}


def homelessness(path: Path, source_id: str) -> Parsed:
    """Households assessed as homeless and in temporary accommodation per 1,000."""
    code = "ltla23_code"
    raw = read_csv(path, {code: "str", **dict.fromkeys(_HOMELESS, "float")})
    _check_codes(raw[code], code, path)
    require_unique(raw, [code], path)
    frames = []
    for column, (ind, name) in _HOMELESS.items():
        _nonnegative(raw, column, path)
        part = raw[raw[column].notna().to_numpy()].reset_index(drop=True)
        frames.append(
            indicator_frame(
                len(part),
                indicator_id=ind,
                indicator_name=name,
                area_code=part[code],
                area_type="lad",
                sex="Persons",
                period="2023 Q4",
                period_start=2023,
                period_end=2023,
                value=part[column],
                polarity=_polarity(ind),
                source_id=source_id,
            )
        )
    return Parsed(pd.concat(frames, ignore_index=True), len(raw))
