"""Standard populations for direct standardisation (METHODS.md section 6).

A standard population is a set of age bands with a weight each. Data are joined to it
by age-band LABEL, never by position: labels are parsed into ``(start, end)`` bands by
:mod:`healthgap.stats.age_bands`, so ``"0-4"``, ``"00-04"``, ``"0 to 4"`` and
``"0-4 yrs"`` are the same band and ``"90+"``, ``"90 and over"`` and ``"90+ yrs"`` too.

The 2013 European Standard Population (ESP2013) is built in, in three forms:

* ``esp2013_19``: 19 bands 0-4, 5-9, ..., 85-89, 90+ (as used by OHID Fingertips);
* ``esp2013_20``: 20 bands 0, 1-4, 5-9, ..., 85-89, 90+ (the life-table bands);
* ``esp2013_21``: 21 bands 0, 1-4, 5-9, ..., 85-89, 90-94, 95+ (Eurostat's original).

Each totals 100,000. Users may supply their own standard as a mapping of label to
weight, a pandas Series, or a two-column frame.

References
----------
Eurostat (2013). Revision of the European Standard Population: report of Eurostat's
task force. Methodologies and Working papers, KS-RA-13-028-EN-N, Table 4.1 (ESP 2013
weights by age band).
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from healthgap.errors import InputError
from healthgap.stats._frames import InputFrame
from healthgap.stats.age_bands import AgeBand, parse_band, parse_codes

_ESP2013_5_TO_89: tuple[tuple[str, float], ...] = (
    ("5-9", 5500),
    ("10-14", 5500),
    ("15-19", 5500),
    ("20-24", 6000),
    ("25-29", 6000),
    ("30-34", 6500),
    ("35-39", 7000),
    ("40-44", 7000),
    ("45-49", 7000),
    ("50-54", 7000),
    ("55-59", 6500),
    ("60-64", 6000),
    ("65-69", 5500),
    ("70-74", 5000),
    ("75-79", 4000),
    ("80-84", 2500),
    ("85-89", 1500),
)

ESP2013_SOURCE = (
    "Eurostat (2013). Revision of the European Standard Population: report of Eurostat's "
    "task force. KS-RA-13-028-EN-N."
)


@dataclass(frozen=True, eq=False)
class StandardPopulation:
    """Age bands and their weights, sorted by age; join data to it by band label.

    Attributes
    ----------
    name:
        Short name shown with results, e.g. ``"esp2013_19"``.
    bands:
        The age bands, youngest first; they do not overlap.
    weights:
        One weight per band (0 or more), e.g. the standard population in that band.
    source:
        Where the weights come from.

    Examples
    --------
    >>> from healthgap.stats.standard_populations import ESP2013_19
    >>> len(ESP2013_19), ESP2013_19.total
    (19, 100000.0)
    >>> under75 = ESP2013_19.restrict(0, 74)
    >>> under75.name, under75.labels[-1], under75.total
    ('esp2013_19 ages 0-74', '70-74', 91000.0)
    """

    name: str
    bands: tuple[AgeBand, ...]
    weights: tuple[float, ...]
    source: str = ""
    _index: dict[AgeBand, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {b: i for i, b in enumerate(self.bands)})

    def __len__(self) -> int:
        return len(self.bands)

    @property
    def labels(self) -> tuple[str, ...]:
        """Canonical labels, e.g. ``("0-4", "5-9", ..., "90+")``."""
        return tuple(b.label for b in self.bands)

    @property
    def weight_array(self) -> np.ndarray:
        return np.array(self.weights, dtype=float)

    @property
    def total(self) -> float:
        """The sum of the weights (100,000 for ESP2013)."""
        return float(sum(self.weights))

    def to_dict(self) -> dict[str, float]:
        """``{label: weight}`` in age order."""
        return dict(zip(self.labels, self.weights, strict=True))

    def to_frame(self) -> pd.DataFrame:
        """A two-column frame ``age_band``, ``weight`` in age order."""
        return pd.DataFrame({"age_band": list(self.labels), "weight": list(self.weights)})

    def index_of(self, bands: Sequence[AgeBand]) -> np.ndarray:
        """Position of each band in this standard, ``-1`` where it has no such band."""
        return np.array([self._index.get(b, -1) for b in bands], dtype=np.intp)

    def restrict(self, min_age: int = 0, max_age: int | None = None) -> StandardPopulation:
        """The bands lying wholly within ages ``min_age`` to ``max_age`` (inclusive).

        Used for age-restricted rates such as under-75 mortality:
        ``ESP2013_19.restrict(0, 74)`` keeps 0-4 ... 70-74 (weights total 91,000). A
        band that straddles a limit is an error, since it cannot be split.
        """
        valid_min = isinstance(min_age, int) and not isinstance(min_age, bool) and min_age >= 0
        valid_max = max_age is None or (
            isinstance(max_age, int) and not isinstance(max_age, bool) and max_age >= min_age
        )
        if not (valid_min and valid_max):
            raise InputError(
                f"restrict must be given whole ages with 0 <= min_age <= max_age; got "
                f"min_age={min_age!r}, max_age={max_age!r}. Use e.g. restrict(0, 74)."
            )
        hi = math.inf if max_age is None else max_age
        keep: list[int] = []
        for i, b in enumerate(self.bands):
            end = math.inf if b.end is None else b.end
            if b.start >= min_age and end <= hi:
                keep.append(i)
            elif b.start <= hi and end >= min_age:
                limits = f"{min_age}-{max_age}" if max_age is not None else f"{min_age}+"
                raise InputError(
                    f"restrict must cut the standard at band edges; got ages {limits}, which "
                    f"split the band {b.label} of {self.name}. Choose limits that fall "
                    "between bands, e.g. restrict(0, 74)."
                )
        if not keep:
            raise InputError(
                f"restrict must keep at least one band; got ages {min_age} to {max_age}, "
                f"outside every band of {self.name} ({', '.join(self.labels)})."
            )
        suffix = f" ages {min_age}-{max_age}" if max_age is not None else f" ages {min_age}+"
        return StandardPopulation(
            name=self.name + suffix,
            bands=tuple(self.bands[i] for i in keep),
            weights=tuple(self.weights[i] for i in keep),
            source=self.source,
        )

    def __repr__(self) -> str:
        return f"<StandardPopulation {self.name}: {len(self)} bands, total {self.total:g}>"


def _esp(
    name: str, head: Sequence[tuple[str, float]], tail: Sequence[tuple[str, float]]
) -> StandardPopulation:
    pairs = [*head, *_ESP2013_5_TO_89, *tail]
    bands = tuple(AgeBand(*_bounds(label)) for label, _ in pairs)
    return StandardPopulation(
        name=name,
        bands=bands,
        weights=tuple(float(w) for _, w in pairs),
        source=ESP2013_SOURCE,
    )


def _bounds(label: str) -> tuple[int, int | None]:
    band = parse_band(label)
    if band is None:  # pragma: no cover - the built-in labels are canonical
        raise AssertionError(label)
    return band.start, band.end


#: ESP2013 in 19 bands 0-4, 5-9, ..., 85-89, 90+ (OHID Fingertips).
ESP2013_19: StandardPopulation = _esp("esp2013_19", [("0-4", 5000)], [("90+", 1000)])
#: ESP2013 in 20 bands 0, 1-4, 5-9, ..., 85-89, 90+ (life-table bands).
ESP2013_20: StandardPopulation = _esp("esp2013_20", [("0", 1000), ("1-4", 4000)], [("90+", 1000)])
#: ESP2013 in Eurostat's 21 bands 0, 1-4, 5-9, ..., 85-89, 90-94, 95+.
ESP2013_21: StandardPopulation = _esp(
    "esp2013_21", [("0", 1000), ("1-4", 4000)], [("90-94", 800), ("95+", 200)]
)

#: The named standards ``standard_population=`` accepts; ``"esp2013"`` picks among these.
NAMED: dict[str, StandardPopulation] = {
    "esp2013_19": ESP2013_19,
    "esp2013_20": ESP2013_20,
    "esp2013_21": ESP2013_21,
}
AUTO = "esp2013"
_NAMES = (AUTO, *NAMED)


def standard_population(spec: Any = AUTO) -> StandardPopulation:
    """Build a :class:`StandardPopulation` from a name or from the user's own weights.

    Parameters
    ----------
    spec:
        ``"esp2013_19"``, ``"esp2013_20"``, ``"esp2013_21"``, or ``"esp2013"`` (the
        19-band form here; :func:`healthgap.dsr` instead picks the form matching the
        data's labels); a mapping ``{label: weight}``; a pandas Series indexed by label;
        a pandas or polars frame with two columns (label, weight) or with an
        ``age_band`` (or ``age``) column and one column whose name contains ``weight``;
        or a :class:`StandardPopulation`.

    Raises
    ------
    InputError
        For an unknown name, a label that is not an age band, two labels for the same
        band, overlapping bands, or weights that are missing, negative or all zero.

    Examples
    --------
    >>> from healthgap.stats.standard_populations import standard_population
    >>> std = standard_population({"0-29": 7498, "30 to 59": 3219, "60 and over": 742})
    >>> std.labels, std.total
    (('0-29', '30-59', '60+'), 11459.0)
    """
    if isinstance(spec, StandardPopulation):
        return spec
    if isinstance(spec, str):
        if spec == AUTO:
            return ESP2013_19
        if spec in NAMED:
            return NAMED[spec]
        raise InputError(
            f"standard_population must be one of {', '.join(repr(n) for n in _NAMES)}, or "
            f"a mapping, Series or two-column frame of age band -> weight; got {spec!r}."
        )
    labels, weights = _labels_and_weights(spec)
    return from_pairs(labels, weights)


def _labels_and_weights(spec: Any) -> tuple[list[Any], list[Any]]:
    if isinstance(spec, pd.Series):
        return list(spec.index), list(spec.to_numpy())
    if isinstance(spec, Mapping):
        return list(spec.keys()), list(spec.values())
    module = type(spec).__module__
    if module.startswith("polars"):
        spec = spec.to_pandas()
    if isinstance(spec, pd.DataFrame):
        cols = list(spec.columns)
        if len(cols) == 2:
            return list(spec[cols[0]]), list(spec[cols[1]])
        lowered = {str(c).lower(): c for c in cols}
        age_col = next((lowered[k] for k in ("age_band", "age", "age_group") if k in lowered), None)
        weight_cols = [c for c in cols if "weight" in str(c).lower()]
        if age_col is not None and len(weight_cols) == 1:
            return list(spec[age_col]), list(spec[weight_cols[0]])
        raise InputError(
            f"standard_population frame must have two columns (age band, weight) or an "
            f"'age_band' column and one '...weight' column; got columns {cols}. "
            "Select the two columns first, e.g. frame[['age_band', 'weight']]."
        )
    raise InputError(
        f"standard_population must be a name such as 'esp2013', a mapping of age band -> "
        f"weight, a pandas Series or a two-column frame; got {type(spec).__name__}."
    )


def from_pairs(
    labels: list[Any], weights: list[Any], what: str = "standard_population"
) -> StandardPopulation:
    if not labels:
        raise InputError(
            f"{what} must have at least one age band; got none. "
            "Give e.g. {'0-4': 5000, '5-9': 5500, ...}."
        )
    bands: list[AgeBand] = []
    for i, label in enumerate(labels):
        band = parse_band(label)
        if band is None:
            raise InputError(
                f"{what} age bands must be labels such as '0-4', '1-4', '90+' or "
                f"'<1'; got {label!r} (band {i + 1}). Write closed bands as 'start-end' and "
                "the last band as 'start+'."
            )
        bands.append(band)
    values: list[float] = []
    for label, w in zip(labels, weights, strict=True):
        ok = isinstance(w, numbers.Real) and not isinstance(w, bool)
        value = float(w) if ok else math.nan
        if not ok or not math.isfinite(value):
            raise InputError(
                f"{what} weights must be finite numbers; got {w!r} for band "
                f"{label!r}. Fill in every band's weight."
            )
        if value < 0:
            raise InputError(
                f"{what} weights must be 0 or more; got {value:g} for band "
                f"{label!r}. Check the signs of the weights."
            )
        values.append(value)
    first_label: dict[AgeBand, Any] = {}
    for label, band in zip(labels, bands, strict=True):
        if band in first_label:
            raise InputError(
                f"{what} must list each age band once; got {first_label[band]!r} "
                f"and {label!r}, which are both the band {band.label}. Remove the duplicate."
            )
        first_label[band] = label
    order = sorted(range(len(bands)), key=lambda i: bands[i].start)
    for a, b in itertools.pairwise(order):
        end = bands[a].end
        if end is None or end >= bands[b].start:
            raise InputError(
                f"{what} age bands must not overlap; got {labels[a]!r} and "
                f"{labels[b]!r}. Give each age in at most one band."
            )
    if sum(values) <= 0:
        raise InputError(
            f"{what} weights must not all be 0; got a total of 0. Give the population of each band."
        )
    sorted_bands = tuple(bands[i] for i in order)
    return StandardPopulation(
        name=f"user-supplied ({len(bands)} bands)" if what == "standard_population" else what,
        bands=sorted_bands,
        weights=tuple(values[i] for i in order),
        source="supplied by the user",
    )


def match_bands(
    spec: Any,
    bands: Sequence[AgeBand],
    column: str,
    locate: Callable[[int], tuple[Any, str]],
    what: str | None = None,
) -> tuple[StandardPopulation, np.ndarray]:
    """Resolve ``spec`` against the data's distinct bands and map each to a standard band.

    ``bands`` are the parsed distinct labels of the data (from
    :func:`~healthgap.stats.age_bands.parse_codes`); ``locate(i)`` returns label ``i`` as
    written and a description of the first row holding it, for error messages.
    ``"esp2013"`` picks the ESP2013 form every label belongs to (the 19-band form when
    several fit equally well). A label matching no band is an :class:`InputError`;
    ``what`` names the standard in that message (default "the standard population NAME").

    Returns the standard and, per distinct label, the index of its band in the standard.
    """
    if isinstance(spec, str) and spec == AUTO:
        candidates = [(std, std.index_of(bands)) for std in NAMED.values()]
        complete = [c for c in candidates if (c[1] >= 0).all()]
        if complete:
            # Fewest standard bands without data first; ties go to the 19-band form.
            return min(complete, key=lambda c: len(c[0]) - len(set(c[1].tolist())))
        std, idx = min(candidates, key=lambda c: int((c[1] < 0).sum()))
        _raise_unmatched(std, idx, bands, column, locate, what, auto=True)
    std = standard_population(spec)
    idx = std.index_of(bands)
    if (idx < 0).any():
        _raise_unmatched(std, idx, bands, column, locate, what, auto=False)
    return std, idx


def _raise_unmatched(
    std: StandardPopulation,
    idx: np.ndarray,
    bands: Sequence[AgeBand],
    column: str,
    locate: Callable[[int], tuple[Any, str]],
    what: str | None,
    auto: bool,
) -> None:
    unmatched = np.flatnonzero(idx < 0)
    bad = int(unmatched[0])
    label, where = locate(bad)
    others = sorted({bands[int(i)].label for i in unmatched} - {bands[bad].label})
    also = f" (also unmatched: {', '.join(others)})" if others else ""
    forms = " or of any other ESP2013 form" if auto else ""
    raise InputError(
        f"age column {column!r} must hold the age bands of "
        f"{what or 'the standard population ' + std.name}"
        f" ({', '.join(std.labels)}); got {label!r} at {where}, which matches no band of "
        f"it{forms}{also}. Combine or split the data's bands to match, or keep only the rows "
        "within its ages."
    )


def join_bands(
    frame: InputFrame,
    age: str,
    context: Sequence[str],
    spec: Any,
    what: str | None = None,
) -> tuple[StandardPopulation, np.ndarray]:
    """Parse the ``age`` column and give each row the index of its band in the standard.

    Each distinct label is parsed once (:func:`~healthgap.stats.age_bands.parse_codes`), so
    this is fast on long tables. Unknown labels and labels matching no band of the
    standard are :class:`InputError` naming the label, its first row and the expected bands.
    """
    values = frame.df[age]
    codes, bands = parse_codes(values, age, lambda r: frame.describe_row(r, context))

    def locate(i: int) -> tuple[Any, str]:
        row = int(np.argmax(codes == i))
        return values.iat[row], frame.describe_row(row, context)

    std, idx = match_bands(spec, bands, age, locate, what)
    return std, idx[codes]


def band_reasons(
    mask: np.ndarray, labels: Sequence[str], prefix: str
) -> list[tuple[np.ndarray, str]]:
    """Turn a groups x bands boolean matrix into suppression reasons naming the bands.

    Returns ``(groups_mask, reason)`` pairs, one per distinct pattern of flagged bands,
    e.g. ``"missing age bands: 85-89, 90+"``. The loop is over distinct patterns (few),
    not over groups.
    """
    rows = np.flatnonzero(mask.any(axis=1))
    if not rows.size:
        return []
    patterns, inverse = np.unique(mask[rows], axis=0, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    out: list[tuple[np.ndarray, str]] = []
    for p, pattern in enumerate(patterns):
        groups_mask = np.zeros(mask.shape[0], dtype=bool)
        groups_mask[rows[inverse == p]] = True
        out.append(
            (groups_mask, prefix + ", ".join(labels[int(k)] for k in np.flatnonzero(pattern)))
        )
    return out
