"""Age-band labels: parse the many ways they are written into (start, end) pairs.

Standard populations and life tables are joined by age band, never by position, so
labels must be read reliably. Accepted spellings include ``"0-4"``, ``"00-04"``,
``"0 to 4"``, ``"0-4 yrs"``, ``"Aged 0-4"``, ``"<1"``, ``"Under 1"``, ``"0"``, ``"1-4"``,
``"90+"``, ``"90 and over"``, ``"90+ yrs"``, ``"85 plus"`` and plain numbers (a band
start). The canonical label of a band is ``"0"`` for a single year, ``"5-9"`` for a
closed band and ``"90+"`` for an open one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from healthgap.errors import InputError


@dataclass(frozen=True, order=True)
class AgeBand:
    """A band of ages in whole years: ``end`` is inclusive, ``None`` for an open band."""

    start: int
    end: int | None

    @property
    def label(self) -> str:
        if self.end is None:
            return f"{self.start}+"
        if self.end == self.start:
            return str(self.start)
        return f"{self.start}-{self.end}"

    @property
    def is_open(self) -> bool:
        return self.end is None


_UNITS = r"(?:\s*(?:yrs?|years?|y)\.?)?"
_CLOSED = re.compile(rf"^(\d{{1,3}}){_UNITS}\s*(?:-|–|—|to)\s*(\d{{1,3}}){_UNITS}$")
_OPEN = re.compile(
    rf"^(\d{{1,3}}){_UNITS}\s*(?:\+|plus|and\s+over|&\s*over|or\s+over|and\s+older){_UNITS}$"
)
_UNDER = re.compile(rf"^(?:<|under|less\s+than)\s*(\d{{1,3}}){_UNITS}$")
_SINGLE = re.compile(rf"^(\d{{1,3}}){_UNITS}$")


def parse_band(label: Any) -> AgeBand | None:
    """Parse one label; ``None`` when it is not an age band we recognise.

    ``"<1"``/``"Under 1"`` is the single year 0; ``"Under 5"`` is 0-4. A plain number is
    a single year (``"0"``) — callers that treat numbers as band starts (life tables)
    use :func:`band_starts`.
    """
    if isinstance(label, bool) or label is None:
        return None
    if isinstance(label, int | np.integer):
        return AgeBand(int(label), int(label)) if label >= 0 else None
    if isinstance(label, float | np.floating):
        if np.isfinite(label) and float(label).is_integer() and label >= 0:
            return AgeBand(int(label), int(label))
        return None
    text = str(label).strip().lower()
    text = re.sub(r"^(?:aged?|ages)\s+", "", text)
    text = re.sub(r"\s+", " ", text)
    if m := _CLOSED.match(text):
        start, end = int(m.group(1)), int(m.group(2))
        return AgeBand(start, end) if end >= start else None
    if m := _OPEN.match(text):
        return AgeBand(int(m.group(1)), None)
    if m := _UNDER.match(text):
        upper = int(m.group(1))
        return AgeBand(0, upper - 1) if upper >= 1 else None
    if m := _SINGLE.match(text):
        return AgeBand(int(m.group(1)), int(m.group(1)))
    return None


def parse_column(values: pd.Series, column: str, describe_row: Any = None) -> list[AgeBand]:
    """Parse a whole column (each distinct label once); unknown labels are an InputError.

    ``describe_row(i)`` (optional) turns a row index into text for the message.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    parsed = [parse_band(u) for u in uniques]
    bad = [i for i, p in enumerate(parsed) if p is None]
    if bad or (codes < 0).any():
        if (codes < 0).any():
            row = int(np.flatnonzero(codes < 0)[0])
            shown = "an empty value"
        else:
            row = int(np.flatnonzero(codes == bad[0])[0])
            shown = repr(uniques[bad[0]])
        where = describe_row(row) if describe_row else f"row {row + 1}"
        n_bad = int(np.isin(codes, bad).sum() + (codes < 0).sum())
        raise InputError(
            f"age column {column!r} must hold age bands such as '0-4', '1-4', '90+' or "
            f"'<1'; got {shown} at {where} ({n_bad} {'row' if n_bad == 1 else 'rows'} in all). "
            "Write closed bands as 'start-end' and the last band as 'start+'."
        )
    table = np.array(parsed, dtype=object)
    return list(table[codes])


def canonical_labels(bands: list[AgeBand]) -> np.ndarray:
    """Canonical label per band (``"0-4"``, ``"90+"``), as an object array."""
    return np.array([b.label for b in bands], dtype=object)


def are_band_starts(bands: list[AgeBand]) -> bool:
    """True when every label is a single age, i.e. the column gives band *starts*."""
    return all(not b.is_open and b.end == b.start for b in bands)


def band_starts(
    values: pd.Series, column: str, describe_row: Any = None, open_from: int | None = None
) -> list[AgeBand]:
    """Parse a life-table age column, where plain numbers are band starts.

    When every label is a single age (``0, 1, 5, ..., 90`` as numbers or text), each is the
    start of a band running up to the next start, and the band starting at ``open_from`` is
    the open last band (``90+``). A start above ``open_from`` is an :class:`InputError`; when
    no row starts at ``open_from`` the band before it still ends at ``open_from - 1``, and
    the caller decides what a missing open band means. ``open_from=None`` makes the highest
    start the open band (only for callers that declare the layout some other way).
    Otherwise the labels are read as bands with :func:`parse_column` (``"0"``, ``"1-4"``,
    ..., ``"90+"``), which declare their own open band, and ``open_from`` is not used.
    Returns one :class:`AgeBand` per row; whether the bands form a valid layout
    (contiguous, open last band) is for the caller to check.

    >>> [b.label for b in band_starts(pd.Series([0, 1, 5, 10]), "age", open_from=10)]
    ['0', '1-4', '5-9', '10+']
    >>> [b.label for b in band_starts(pd.Series([0, 1, 5]), "age", open_from=10)]
    ['0', '1-4', '5-9']
    >>> [b.label for b in band_starts(pd.Series(["0-4", "5-9", "10+"]), "age", open_from=90)]
    ['0-4', '5-9', '10+']
    """
    bands = parse_column(values, column, describe_row)
    if not are_band_starts(bands):
        return bands
    starts = sorted({b.start for b in bands})
    if open_from is None:
        open_from = starts[-1]
    above = [s for s in starts if s > open_from]
    if above:
        raise InputError(
            f"age column {column!r} must not start a band above the open band "
            f"{open_from}+ (open_from={open_from}); got band starts "
            f"{', '.join(map(str, above))}. Pass open_from={above[-1]} if {above[-1]}+ is "
            f"your open band, or add those rows into the {open_from} row."
        )
    bounds = [*starts, open_from] if starts[-1] != open_from else starts
    ends = [*(s - 1 for s in bounds[1:]), None]
    by_start = {s: AgeBand(s, e) for s, e in zip(bounds, ends, strict=True)}
    return [by_start[b.start] for b in bands]


def parse_codes(
    values: pd.Series, column: str, describe_row: Any = None
) -> tuple[np.ndarray, list[AgeBand]]:
    """Parse a column as integer codes into a list of bands (each distinct label once).

    ``codes[i]`` indexes the returned list for row ``i``. Labels spelt differently but
    meaning the same band (``"0-4"`` and ``"00-04"``) give equal bands at different
    positions. Faster than :func:`parse_column` on long tables because no per-row
    objects are made; unknown or empty labels raise the same :class:`InputError`.

    >>> codes, bands = parse_codes(pd.Series(["0-4", "90+", "00-04"]), "age")
    >>> codes.tolist(), [b.label for b in bands]
    ([0, 1, 2], ['0-4', '90+', '0-4'])
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    parsed = [parse_band(u) for u in uniques]
    bands = [p for p in parsed if p is not None]
    if len(bands) != len(parsed) or (codes < 0).any():
        parse_column(values, column, describe_row)  # raises the InputError naming the row
        raise AssertionError("unreachable: parse_column accepted an unparsed label")
    return codes.astype(np.intp, copy=False), bands
