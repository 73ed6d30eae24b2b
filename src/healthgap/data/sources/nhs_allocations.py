"""NHS England allocation-formula weighted populations (the Place Based Allocation Tool).

Two layouts:

* **Practice files** (one per allocation year, 2023/24, 2024/25 and 2025/26): one row per
  GP practice with its ICB (NHS ODS code), region, district (LAD 2021 codes) and
  upper-tier authority, the registered population projected to the allocation year, and
  the weighted population of each formula component: general and acute, community
  services, mental health, maternity, the health inequalities adjustment, prescribing, the
  final (core) weighted population, primary medical care and the final primary medical
  care weighted population. The years name their columns differently (``ICS22``/``ICB``,
  ``pop 2022/23``/``Population``, ...); :data:`PRACTICE_LAYOUTS` maps each to the one
  canonical table ``nhs_weighted_populations`` (:data:`PRACTICE_COLUMNS`).
* **The ICB summary**: the practice files summed to ICB x year with the need index
  (final weighted population / registered population), table
  ``nhs_icb_weighted_populations``.

These are need indices, not money. Each parser checks, and refuses the whole file
(naming file, data row and column) when a component column is missing or empty, an ICB
code is not one of the 42 ICBs (:data:`ICB_CODES`), a population or final weighted
population is zero or negative, a component is negative, or a weighted population's
England total does not reconcile with the registered population (NHS England scales
every component to sum to the registered population). The ICB summary is also
reconciled, ICB by ICB and year by year, with the practice files beside it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from healthgap.data.sources._common import Kind, Parsed, read_csv, require_unique, typed_frame
from healthgap.errors import SchemaError

#: The NHS ODS codes of the 42 integrated care boards (July 2022 onwards; unchanged to
#: April 2025). Checked against the ONS ICB (April 2024) names lookup in the tests.
_ICB_LIST = (
    "QE1 QF7 QGH QH8 QHG QHL QHM QJ2 QJG QJK QJM QK1 QKK QKS QM7 QMF QMJ QMM QNC QNQ QNX "
    "QOC QOP QOQ QOX QPM QR1 QRL QRV QSL QT1 QT6 QU9 QUA QUE QUY QVV QWE QWO QWU QXU QYG"
)
ICB_CODES: frozenset[str] = frozenset(_ICB_LIST.split(" "))

#: Canonical name -> (description) of the weighted-population components, in file order.
COMPONENTS: dict[str, str] = {
    "ga_wp": "General and acute",
    "cs_wp": "Community services",
    "mh_wp": "Mental health",
    "maternity_wp": "Maternity",
    "health_inequalities_wp": "Health inequalities adjustment",
    "prescribing_wp": "Prescribing",
    "final_wp": "Final (core) weighted population",
    "pmc_wp": "Primary medical care (need, before the inequalities adjustment)",
    "final_pmc_wp": "Final primary medical care weighted population",
}

#: Column -> SQL type of the ``nhs_weighted_populations`` table, in order.
PRACTICE_COLUMNS: dict[str, str] = {
    "allocation_year": "VARCHAR",
    "practice_code": "VARCHAR",
    "practice_name": "VARCHAR",
    "icb_code": "VARCHAR",
    "icb_name": "VARCHAR",
    "region_code": "VARCHAR",
    "region_name": "VARCHAR",
    "lad_code": "VARCHAR",
    "lad_name": "VARCHAR",
    "registered_population": "DOUBLE",
    **dict.fromkeys(COMPONENTS, "DOUBLE"),
    "source_id": "VARCHAR",
}

_COMPONENT_SOURCE = {
    "G&A WP": "ga_wp",
    "CS WP": "cs_wp",
    "MH WP": "mh_wp",
    "Mat WP": "maternity_wp",
    "Health Ineq WP": "health_inequalities_wp",
    "Prescr WP": "prescribing_wp",
    "Final WP": "final_wp",
    "Primary Medical Care WP": "pmc_wp",
    "Final PMC WP": "final_pmc_wp",
}

_LAYOUT_2023 = {
    "Practice_Code": "practice_code",
    "GP_Practice_Name": "practice_name",
    "ICS22": "icb_code",
    "ICS22name": "icb_name",
    "R22": "region_code",
    "Region22": "region_name",
    "LAD21": "lad_code",
    "LTLA21": "lad_name",
    "pop 2022/23": "registered_population",
    **_COMPONENT_SOURCE,
}
_LAYOUT_2025 = {
    "Practice_Code": "practice_code",
    "GP_Practice_Name": "practice_name",
    "ICB": "icb_code",
    "ICBname": "icb_name",
    "Rcode": "region_code",
    "Region": "region_name",
    "LAD": "lad_code",
    "LTLA": "lad_name",
    "Population": "registered_population",
    **_COMPONENT_SOURCE,
}

#: Allocation year -> (file column -> canonical column). 2024/25 keeps 2023/24's names
#: (including the population column headed "pop 2022/23").
PRACTICE_LAYOUTS: dict[str, dict[str, str]] = {
    "2023/24": _LAYOUT_2023,
    "2024/25": _LAYOUT_2023,
    "2025/26": _LAYOUT_2025,
}

#: The practice file of each allocation year (in the same folder as the ICB summary).
PRACTICE_FILES: dict[str, str] = {
    "2023/24": "gp_practice_weighted_population_2023_2024.csv",
    "2024/25": "gp_practice_weighted_population_2024_2025.csv",
    "2025/26": "gp_practice_weighted_population_2025_2026.csv",
}

#: England totals must reconcile to this relative tolerance (the files carry 6-10
#: decimals per practice).
RECONCILE_RTOL = 1e-6

_LAD = re.compile(r"^E0[6789]\d{6}$")
_FETCH = "The file is not the version in healthgap's catalogue: fetch it again."


def _row_error(
    path: Path, column: str, rule: str, bad: np.ndarray, shown: pd.Series
) -> SchemaError:
    first = int(np.flatnonzero(bad)[0])
    return SchemaError(
        f"{path.name} column {column!r} must {rule}; got {int(bad.sum())} rows that do not "
        f"(first: {shown.iloc[first]!r} on data row {first + 1}). {_FETCH}"
    )


def _header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaError(
            f"{path.name} must be a readable UTF-8 CSV file; got {exc}. {_FETCH}"
        ) from None


#: The last parse of each practice file, keyed by (path, year, size, mtime): ``init``
#: parses the practice files just before the ICB summary, which reconciles with them.
_PARSED: dict[tuple[str, str, int, int], pd.DataFrame] = {}


def practices(path: Path, source_id: str, *, year: str) -> Parsed:
    """Parse one practice file of ``year`` into the ``nhs_weighted_populations`` layout."""
    try:
        st = path.stat()
        key: tuple[str, str, int, int] | None = (
            str(path.resolve()),
            year,
            st.st_size,
            st.st_mtime_ns,
        )
    except OSError:
        key = None
    if key is not None and key in _PARSED:
        frame = _PARSED[key].assign(source_id=source_id)
        return Parsed(frame, len(frame))
    parsed = _practices(path, source_id, year=year)
    if key is not None:
        if len(_PARSED) >= len(PRACTICE_FILES):
            _PARSED.clear()
        _PARSED[key] = parsed.frame.copy()
    return parsed


def _practices(path: Path, source_id: str, *, year: str) -> Parsed:
    layout = PRACTICE_LAYOUTS[year]
    header = _header(path)
    missing = [c for c in layout if c not in header]
    if missing:
        comps = [c for c in missing if c in _COMPONENT_SOURCE]
        what = "the weighted-population components" if comps else "the columns"
        raise SchemaError(
            f"{path.name} must have {what} {missing} (the {year} layout); got "
            f"[{', '.join(header[:8])} ...]. {_FETCH}"
        )
    kinds: dict[str, Kind] = {
        c: ("float" if k in COMPONENTS or k == "registered_population" else "str")
        for c, k in layout.items()
    }
    raw = read_csv(path, kinds).rename(columns=layout)
    for column in ("practice_code", "icb_code", "lad_code"):
        empty = raw[column].isna().to_numpy()
        if empty.any():
            src = next(k for k, v in layout.items() if v == column)
            raise _row_error(path, src, "not be empty", empty, raw["practice_code"].fillna(""))
    require_unique(raw, ["practice_code"], path)
    numbers = ["registered_population", *COMPONENTS]
    for column in numbers:
        src = next(k for k, v in layout.items() if v == column)
        values = raw[column]
        empty = values.isna().to_numpy()
        if empty.any():
            raise _row_error(
                path,
                src,
                "hold a number for every practice (a missing component)",
                empty,
                raw["practice_code"],
            )
        positive = column in ("registered_population", "final_wp", "final_pmc_wp")
        bad = (values <= 0 if positive else values < 0).to_numpy()
        if bad.any():
            rule = "be greater than 0" if positive else "be 0 or more"
            shown = raw["practice_code"] + ": " + values.astype(str)
            raise _row_error(path, src, rule, bad, shown)
    unknown = ~raw["icb_code"].isin(ICB_CODES).to_numpy()
    if unknown.any():
        src = next(k for k, v in layout.items() if v == "icb_code")
        raise _row_error(
            path,
            src,
            "hold the NHS ODS code of one of the 42 ICBs (e.g. QE1)",
            unknown,
            raw["icb_code"],
        )
    lad = ~raw["lad_code"].str.match(_LAD).to_numpy()
    if lad.any():
        src = next(k for k, v in layout.items() if v == "lad_code")
        raise _row_error(path, src, "hold an English LAD code (E06-E09)", lad, raw["lad_code"])
    total = float(raw["registered_population"].sum())
    pop_column = next(k for k, v in layout.items() if v == "registered_population")
    for column in COMPONENTS:
        got = float(raw[column].sum())
        if abs(got - total) > RECONCILE_RTOL * total:
            src = next(k for k, v in layout.items() if v == column)
            raise SchemaError(
                f"{path.name} column {src!r} must add up to the registered population "
                f"({pop_column!r}, {total:,.1f}) for England; got {got:,.1f}. NHS England "
                f"scales every weighted population to the registered population. {_FETCH}"
            )
    raw["allocation_year"] = year
    raw["source_id"] = source_id
    return Parsed(typed_frame(raw, PRACTICE_COLUMNS), len(raw))


practices_2023_24 = partial(practices, year="2023/24")
practices_2024_25 = partial(practices, year="2024/25")
practices_2025_26 = partial(practices, year="2025/26")

_SUMMARY_COMPONENTS = {
    "GandA_WP": "ga_wp",
    "CS_WP": "cs_wp",
    "MH_WP": "mh_wp",
    "Mat_WP": "maternity_wp",
    "Health_Ineq_WP": "health_inequalities_wp",
    "Prescr_WP": "prescribing_wp",
    "Final_WP": "final_wp",
    "Primary_Medical_Care_WP": "pmc_wp",
    "Final_PMC_WP": "final_pmc_wp",
}
_SUMMARY: Mapping[str, tuple[str, Kind]] = {
    "allocation_year": ("allocation_year", "str"),
    "icb_code_nhs": ("icb_code", "str"),
    "icb_name": ("icb_name", "str"),
    "n_practices": ("practices", "int"),
    "registered_population_projected": ("registered_population", "float"),
    **{k: (v, "float") for k, v in _SUMMARY_COMPONENTS.items()},
    "need_index_final_wp_per_head": ("need_index", "float"),
    "need_index_final_pmc_wp_per_head": ("pmc_need_index", "float"),
}

_SUMMARY_SOURCE = {v: k for k, (v, _) in _SUMMARY.items()}

#: Column -> SQL type of the ``nhs_icb_weighted_populations`` table.
ICB_COLUMNS: dict[str, str] = {
    "allocation_year": "VARCHAR",
    "icb_code": "VARCHAR",
    "icb_name": "VARCHAR",
    "practices": "BIGINT",
    "registered_population": "DOUBLE",
    **dict.fromkeys(COMPONENTS, "DOUBLE"),
    "need_index": "DOUBLE",
    "pmc_need_index": "DOUBLE",
    "source_id": "VARCHAR",
}

#: The summary prints weighted populations to 0.1 and indices to 5 decimals.
_SUMMARY_ABS = 0.051
_INDEX_ABS = 0.0000051


def icb_summary(path: Path, source_id: str) -> Parsed:
    """Parse the ICB x year summary and reconcile it with the practice files beside it."""
    raw = read_csv(path, {k: kind for k, (_, kind) in _SUMMARY.items()})
    raw = raw.rename(columns={k: v for k, (v, _) in _SUMMARY.items()})
    years = ~raw["allocation_year"].isin(list(PRACTICE_FILES)).to_numpy()
    if years.any():
        raise _row_error(
            path,
            "allocation_year",
            f"be one of {list(PRACTICE_FILES)}",
            years,
            raw["allocation_year"],
        )
    unknown = ~raw["icb_code"].isin(ICB_CODES).to_numpy()
    if unknown.any():
        raise _row_error(
            path,
            "icb_code_nhs",
            "hold the NHS ODS code of one of the 42 ICBs",
            unknown,
            raw["icb_code"],
        )
    require_unique(raw, ["allocation_year", "icb_code"], path)
    for year in PRACTICE_FILES:
        n = int((raw["allocation_year"] == year).sum())
        if n != len(ICB_CODES):
            raise SchemaError(
                f"{path.name} must have one row for each of the 42 ICBs in {year}; got {n}. "
                f"{_FETCH}"
            )
    pops = raw["registered_population"]
    bad = (pops <= 0).to_numpy() | pops.isna().to_numpy()
    if bad.any():
        raise _row_error(
            path, "registered_population_projected", "be greater than 0", bad, raw["icb_code"]
        )
    index = raw["final_wp"] / pops
    bad = ((index - raw["need_index"]).abs() > _INDEX_ABS + 1e-9).to_numpy()
    if bad.any():
        raise _row_error(
            path,
            "need_index_final_wp_per_head",
            "equal Final_WP / registered population",
            bad,
            raw["icb_code"] + " " + raw["allocation_year"],
        )
    _reconcile(path, raw)
    raw["source_id"] = source_id
    return Parsed(typed_frame(raw, ICB_COLUMNS), len(raw))


def _reconcile(path: Path, summary: pd.DataFrame) -> None:
    """Each ICB x year of the summary equals the sum of its practices (to print precision)."""
    for year, name in PRACTICE_FILES.items():
        file = path.parent / name
        if not file.is_file():
            raise SchemaError(
                f"{path.name} must be reconciled with the practice file {name} beside it; got "
                f"no such file in {path.parent}. Fetch the whole nhs_allocations folder."
            )
        prac = practices(file, "reconcile", year=year).frame
        sums = prac.groupby("icb_code")[["registered_population", *COMPONENTS]].sum()
        sums["practices"] = prac.groupby("icb_code").size()
        rows = summary[summary["allocation_year"] == year].set_index("icb_code")
        sums = sums.reindex(rows.index)
        for column in ["practices", "registered_population", *COMPONENTS]:
            tol = 0 if column == "practices" else _SUMMARY_ABS
            diff = (rows[column].astype(float) - sums[column].astype(float)).abs().to_numpy()
            bad = ~(diff <= tol)
            if bad.any():
                first = int(np.flatnonzero(bad)[0])
                code = rows.index[first]
                src = _SUMMARY_SOURCE.get(column, column)
                raise SchemaError(
                    f"{path.name} must reconcile with {name}: column {src!r} for ICB "
                    f"{code} in {year} must equal the sum of its practices "
                    f"({float(sums[column].iloc[first]):,.1f}); got "
                    f"{float(rows[column].iloc[first]):,.1f}. {_FETCH}"
                )
