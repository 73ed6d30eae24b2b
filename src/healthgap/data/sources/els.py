"""ONS Explore Local Statistics (ELS): one CSV per topic with its JSON metadata.

Layout (every file): ``areacd, areanm, geography, indicator, period, observation,
measure, unit, lci_95, uci_95, status, notes`` in any order. The quirks of the
published files are handled, and anything else is refused:

* a UTF-8 byte-order mark (some files start with one);
* a repeated ``notes`` header (``persistent-absences-for-pupils-eligible-for-free-school-meals``);
  any other repeated column is an error;
* several indicators in one file (``employment-rate``, ``personal-wellbeing-estimates``,
  ...): each ``indicator`` value must be a key of the JSON metadata;
* ``period`` is an ISO 8601 interval ``2013-04-01/P1Y`` or a date ``2024-05-15``:
  a year starting 1 January reads ``2013``, any other start ``2013/14``; several years
  ``2013-2015`` or ``2013/14-2015/16``;
* rows for ITL regions and police force areas (:data:`OTHER_GEOGRAPHIES`) are left out;
* ``status`` codes: ``x`` not available, ``u`` low reliability, ``c`` confidential,
  ``z`` not applicable (kept in ``value_note``; rows without a value stay, with no value).

Each indicator is loaded as ``els_<indicator name in snake case>`` with its metadata
(label, subtitle and description, unit, source, caveats) and the polarity and domain of
the reviewed table (:mod:`healthgap.data.sources.indicator_review`). The unit in the
CSV must agree with the metadata (a percentage file needs the ``%`` suffix), values must
lie in the unit's range, and each indicator, area, geography and period may appear once.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from healthgap.data.layout import INDICATOR_METADATA_COLUMNS
from healthgap.data.sources._common import (
    Parsed,
    area_types,
    indicator_frame,
    require_unique,
    typed_frame,
)
from healthgap.data.sources.indicator_review import UNIT_OVERRIDES, review
from healthgap.errors import SchemaError

COLUMNS: tuple[str, ...] = (
    "areacd",
    "areanm",
    "geography",
    "indicator",
    "period",
    "observation",
    "measure",
    "unit",
    "lci_95",
    "uci_95",
    "status",
    "notes",
)

#: Geographies outside healthgap's area types (ITL statistical regions, police force
#: areas): their rows are left out; any other unknown geography is an error.
OTHER_GEOGRAPHIES: frozenset[str] = frozenset(
    {"ITL Level 1", "ITL Level 2", "ITL Level 3", "Police Force Area"}
)

STATUS: dict[str, str] = {
    "x": "x: not available",
    "u": "u: low reliability",
    "c": "c: confidential",
    "z": "z: not applicable",
}

#: CSV ``unit`` label -> (unit shown, lowest allowed, highest allowed, JSON suffix needed).
UNITS: dict[str, tuple[str, float | None, float | None, str | None]] = {
    "%": ("%", 0.0, 100.0, "%"),
    "mins": ("minutes", 0.0, None, None),
    "yrs": ("years", 0.0, 125.0, None),
    "£": ("£", 0.0, None, None),
    "Score out of 10": ("score out of 10", 0.0, 10.0, None),
    "Rate per 1000 people": ("per 1,000 people", 0.0, None, None),
    "Rate per 100,000 population": ("per 100,000 population", 0.0, None, None),
    "Rate per 1,000,000 population": ("per 1,000,000 population", 0.0, None, None),
    "Count per 10,000 people": ("per 10,000 people", 0.0, None, None),
    "Net additional dwellings per 1,000 stock": ("per 1,000 dwellings", None, None, None),
}

_PERIOD = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:/P(\d+)Y)?$")


def _fail(path: Path, rule: str, got: str) -> SchemaError:
    return SchemaError(
        f"{path.name} {rule}; got {got}. The file is not in the Explore Local Statistics "
        "layout healthgap knows: fetch the catalogue's version (healthgap data fetch)."
    )


def slug(text: str) -> str:
    """``els_`` plus ``text`` in snake case: "Claimant Count" -> ``els_claimant_count``."""
    return "els_" + re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def read_els_csv(path: Path) -> pd.DataFrame:
    """The CSV as text columns, checking the header (byte-order mark, repeated notes)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(path, "must be a readable UTF-8 CSV file", str(exc)) from None
    seen: set[str] = set()
    for i, name in enumerate(header):
        if name in seen and name != "notes":
            raise _fail(path, f"header must name each column once (column {i + 1})", repr(name))
        seen.add(name)
    missing = [c for c in COLUMNS if c not in seen]
    if missing:
        raise _fail(path, f"must have the columns {list(COLUMNS)}", f"{missing} missing")
    unknown = sorted(seen - set(COLUMNS))
    if unknown:
        raise _fail(path, f"must have only the columns {list(COLUMNS)}", f"also {unknown}")
    frame = pd.read_csv(
        path,
        dtype=str,
        keep_default_na=False,
        encoding="utf-8-sig",
        header=0,
        names=[f"{c}#{i}" for i, c in enumerate(header)],
    )
    first = {c: f"{c}#{header.index(c)}" for c in COLUMNS}
    return frame[[first[c] for c in COLUMNS]].set_axis(list(COLUMNS), axis=1)


def _numbers(raw: pd.DataFrame, column: str, path: Path) -> pd.Series:
    text = raw[column].str.strip()
    out = pd.to_numeric(text.where(text != ""), errors="coerce")
    bad = (out.isna() & (text != "")).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise _fail(
            path, f"column {column!r} must hold numbers", f"{text.iloc[i]!r} on row {i + 2}"
        )
    return out.astype("float64")


def _periods(raw: pd.DataFrame, path: Path) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(raw["period"])
    parts = pd.Series(uniques, dtype=object).str.extract(_PERIOD)
    bad = parts[0].isna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad[codes])[0])
        raise _fail(
            path,
            "column 'period' must hold ISO intervals like 2013-04-01/P1Y or dates",
            f"{raw['period'].iloc[i]!r} on row {i + 2}",
        )
    labels, starts, ends = [], [], []
    for year, month, day, span in parts.itertuples(index=False):
        first, years = int(year), int(span) if isinstance(span, str) else 1
        # a date without a duration is a point in time: its calendar year
        new_year = (month == "01" and day == "01") or not isinstance(span, str)
        if new_year:
            last = first + years - 1
            label = str(first) if years == 1 else f"{first}-{last}"
            end = last
        else:
            last = first + years - 1
            label = f"{first}/{(first + 1) % 100:02d}"
            if years > 1:
                label += f"-{last}/{(last + 1) % 100:02d}"
            end = last + 1
        labels.append(label)
        starts.append(first)
        ends.append(end)
    return (
        pd.Series(np.asarray(labels, dtype=object)[codes]),
        np.asarray(starts, dtype=np.int64)[codes],
        np.asarray(ends, dtype=np.int64)[codes],
    )


def _metadata(path: Path) -> dict[str, Any]:
    meta_path = path.with_suffix(".json")
    try:
        with meta_path.open(encoding="utf-8-sig") as fh:
            doc = json.load(fh)
    except FileNotFoundError:
        raise SchemaError(
            f"{path.name} must come with its metadata file {meta_path.name} in the same "
            "folder; got none. Fetch both files (healthgap data fetch)."
        ) from None
    except (OSError, ValueError) as exc:
        raise SchemaError(
            f"{meta_path.name} must be a JSON metadata file; got {exc}. Fetch it again."
        ) from None
    meta = doc.get("ess-beta-metadata") if isinstance(doc, dict) else None
    if not isinstance(meta, dict):
        raise SchemaError(
            f"{meta_path.name} must hold an 'ess-beta-metadata' object; got keys "
            f"{sorted(doc) if isinstance(doc, dict) else type(doc).__name__}. Fetch it again."
        )
    return meta


def _indicator_meta(meta: dict[str, Any], names: list[str], path: Path) -> dict[str, dict]:
    """Metadata per indicator name: the shared block merged with the indicator's own."""
    if "shared" not in meta:
        if len(names) != 1:
            raise SchemaError(
                f"{path.with_suffix('.json').name} must describe every indicator of "
                f"{path.name}; got metadata for one indicator and {len(names)} indicators "
                f"in the file ({', '.join(names[:4])}). Fetch both files again."
            )
        return {names[0]: meta}
    out = {}
    for name in names:
        own = meta.get(name)
        if not isinstance(own, dict):
            raise SchemaError(
                f"{path.with_suffix('.json').name} must describe every indicator of "
                f"{path.name}; got none for {name!r} (it has "
                f"{', '.join(k for k in meta if k != 'shared')}). Fetch both files again."
            )
        out[name] = {**meta["shared"], **own}
    return out


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value).strip()


def explore_local_statistics(path: Path, source_id: str) -> Parsed:
    """Parse one ELS topic file and its JSON metadata (see the module docs)."""
    raw = read_els_csv(path)
    records = len(raw)
    raw = raw[~raw["geography"].isin(OTHER_GEOGRAPHIES).to_numpy()].reset_index(drop=True)
    n = len(raw)
    raw["area_type"] = area_types(raw["geography"], path)
    value = _numbers(raw, "observation", path)
    lower = _numbers(raw, "lci_95", path)
    upper = _numbers(raw, "uci_95", path)
    require_unique(raw, ["indicator", "areacd", "geography", "period"], path)
    period, start, end = _periods(raw, path)
    names = list(dict.fromkeys(raw["indicator"]))
    per = _indicator_meta(_metadata(path), names, path)
    meta_rows = []
    ids = raw["indicator"].map({name: slug(name) for name in names})
    unit_shown: dict[str, str] = {}
    for name in names:
        ind = slug(name)
        rows = (raw["indicator"] == name).to_numpy()
        units = list(dict.fromkeys(raw.loc[rows, "unit"]))
        if len(units) != 1:
            raise _fail(path, f"indicator {name!r} must have one unit", f"{units}")
        info = per[name]
        unit = units[0]
        if unit not in UNITS:
            raise _fail(path, f"column 'unit' must be one of {sorted(UNITS)}", repr(unit))
        shown, low, high, suffix = UNITS[unit]
        override = UNIT_OVERRIDES.get(ind)
        if override is not None and override.file_unit == unit:
            shown, low, high, suffix = override.unit, 0.0, None, None
        elif suffix is not None and info.get("suffix") != suffix:
            raise SchemaError(
                f"{path.name} unit of {name!r} must agree with its metadata; got {unit!r} in "
                f"column 'unit' and suffix {info.get('suffix')!r} in "
                f"{path.with_suffix('.json').name}. Check which is right and record it in "
                "healthgap.data.sources.indicator_review.UNIT_OVERRIDES."
            )
        for column, series in (("observation", value), ("lci_95", lower), ("uci_95", upper)):
            s = series[rows]
            out_of_range = ((s < low) if low is not None else s < -np.inf) | (
                (s > high) if high is not None else s > np.inf
            )
            if out_of_range.any():
                i = int(np.flatnonzero(rows)[np.flatnonzero(out_of_range.to_numpy())[0]])
                raise _fail(
                    path,
                    f"column {column!r} must lie in [{low}, {high}] for unit {unit!r}",
                    f"{series.iloc[i]!r} on row {i + 2}",
                )
        reviewed = review(ind)
        if reviewed is None:
            raise SchemaError(
                f"{path.name} indicator {name!r} ({ind}) must have a reviewed polarity; got "
                "none. Add it, with a reason, to healthgap.data.sources.indicator_review."
            )
        unit_shown[name] = shown
        definition = " ".join(
            t for t in (_text(info.get("subtitle")), _text(info.get("longDescription"))) if t
        )
        caveats = [_text(info.get("caveats"))]
        if override is not None:
            caveats.append(override.reason)
        if str(info.get("experimentalStatistic", "")).upper() == "T":
            caveats.append("Official statistics in development (experimental).")
        meta_rows.append(
            {
                "indicator_id": ind,
                "name": _text(info.get("label")) or name,
                "definition": definition or None,
                "unit": shown,
                "value_type": None,
                "polarity": reviewed.polarity,
                "polarity_source": "healthgap review",
                "polarity_reason": reviewed.reason,
                "domain": reviewed.domain,
                "interval_method": "95% limits as published" if lower[rows].notna().any() else None,
                "source": _text(info.get("sourceOrg")),
                "source_url": _text(info.get("sourceURL")),
                "caveats": "\n\n".join(c for c in caveats if c) or None,
                "decimal_places": info.get("decimalPlaces"),
                "dataset_id": source_id,
            }
        )
    status = raw["status"].str.strip()
    note = status.map(STATUS).fillna(status.where(status != ""))
    meta = pd.DataFrame(meta_rows)
    frame = indicator_frame(
        n,
        indicator_id=ids,
        indicator_name=raw["indicator"].map(dict(zip(names, meta["name"], strict=True))),
        area_code=raw["areacd"],
        area_name=raw["areanm"],
        area_type=raw["area_type"],
        sex="Persons",
        period=period,
        period_start=start,
        period_end=end,
        value=value,
        lower_95_0=lower,
        upper_95_0=upper,
        polarity=raw["indicator"].map({k: review(slug(k)).polarity for k in names}),  # type: ignore[union-attr]
        source_id=source_id,
        value_note=note,
    )
    return Parsed(frame, records, typed_frame(meta, INDICATOR_METADATA_COLUMNS))
