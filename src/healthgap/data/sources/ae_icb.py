"""A&E four-hour performance by ICB, monthly (humaniverse/healthyr reshape, OGL v3.0).

``nhs_access/ae_four_hour_icb22_monthly.csv``: ``icb22_code, total_attendances,
attendances_over_4hours, total_emergency_admissions, emergency_admissions_over_4hours,
pct_attendance_over_4hours, pct_emergency_admissions_over_4hours, date`` (``April 2022``),
one row per ICB (2022 codes) and month, from NHS England's monthly A&E provider files
mapped to ICBs. Loaded, each with count and denominator:

* ``ae_attendances_over_4h_pct``: % of A&E attendances over 4 hours from arrival;
* ``ae_admissions_over_4h_pct``: % of emergency admissions via A&E waiting over 4 hours
  from decision to admit.

The value is the exact percentage (count / denominator x 100); the file's 2-decimal
proportions must agree to within 0.005, counts must be whole and no larger than their
totals. Periods read ``2022-04``. ICB codes are kept as published (see
:mod:`healthgap.data.sources.health_index_icb` for the two that changed in April 2024).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from healthgap.data.sources._common import (
    Kind,
    Parsed,
    indicator_frame,
    read_csv,
    require_unique,
)
from healthgap.data.sources.indicator_review import review
from healthgap.errors import SchemaError

#: indicator id -> (name, count column, total column, published proportion column)
MEASURES: dict[str, tuple[str, str, str, str]] = {
    "ae_attendances_over_4h_pct": (
        "A&E attendances over 4 hours from arrival (%)",
        "attendances_over_4hours",
        "total_attendances",
        "pct_attendance_over_4hours",
    ),
    "ae_admissions_over_4h_pct": (
        "Emergency admissions via A&E waiting over 4 hours from decision to admit (%)",
        "emergency_admissions_over_4hours",
        "total_emergency_admissions",
        "pct_emergency_admissions_over_4hours",
    ),
}


def _fail(path: Path, rule: str, got: str) -> SchemaError:
    return SchemaError(
        f"{path.name} {rule}; got {got}. Fetch the catalogue's version of the file "
        "(healthgap data fetch)."
    )


def ae_four_hour(path: Path, source_id: str) -> Parsed:
    """Monthly A&E four-hour measures for every ICB, with counts and denominators."""
    columns: dict[str, Kind] = {"icb22_code": "str", "date": "str"}
    columns.update({c: "int" for _, n, d, _ in MEASURES.values() for c in (n, d)})
    columns.update({p: "float" for *_, p in MEASURES.values()})
    raw = read_csv(path, columns)
    ok = raw["icb22_code"].str.match(r"^E54\d{6}$").fillna(False).to_numpy()
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        raise _fail(
            path,
            "column 'icb22_code' must hold ICB codes (E54 and six digits)",
            f"{raw['icb22_code'].iloc[i]!r} on data row {i + 1}",
        )
    when = pd.to_datetime(raw["date"], format="%B %Y", errors="coerce")
    bad = when.isna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise _fail(
            path,
            "column 'date' must hold a month such as 'April 2022'",
            f"{raw['date'].iloc[i]!r} on data row {i + 1}",
        )
    require_unique(raw, ["icb22_code", "date"], path)
    period = when.dt.strftime("%Y-%m")
    frames = []
    for ind, (name, num, den, pct) in MEASURES.items():
        n = raw[num].astype("float64")
        d = raw[den].astype("float64")
        bad = (n.isna() | d.isna() | (n < 0) | (d <= 0) | (n > d)).to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise _fail(
                path,
                f"columns {num!r} and {den!r} must hold counts with 0 <= {num} <= {den} "
                f"and {den} > 0",
                f"{raw[num].iloc[i]!r} and {raw[den].iloc[i]!r} on data row {i + 1}",
            )
        value = 100.0 * n / d
        off = ~(np.abs(raw[pct] - value / 100.0) <= 0.005 + 1e-9).to_numpy()
        if off.any():
            i = int(np.flatnonzero(off)[0])
            raise _fail(
                path,
                f"column {pct!r} must equal {num} / {den} to 2 decimal places",
                f"{raw[pct].iloc[i]!r} against {value.iloc[i] / 100:.4f} on data row {i + 1}",
            )
        reviewed = review(ind)
        if reviewed is None:  # a programming error: every loaded indicator is reviewed
            raise KeyError(f"{ind} has no reviewed polarity")
        frames.append(
            indicator_frame(
                len(raw),
                indicator_id=ind,
                indicator_name=name,
                area_code=raw["icb22_code"],
                area_type="icb",
                sex="Persons",
                period=period,
                period_start=when.dt.year,
                period_end=when.dt.year,
                value=value,
                count=n,
                denominator=d,
                polarity=reviewed.polarity,
                source_id=source_id,
            )
        )
    return Parsed(pd.concat(frames, ignore_index=True), len(raw))
