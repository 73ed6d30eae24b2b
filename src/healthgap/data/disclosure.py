"""Small-number disclosure control for published tables (METHODS.md section 16).

A :class:`DisclosurePolicy` says which counts are too small to publish and how the others
are rounded; :func:`apply_disclosure` applies it to a table and returns the protected
table together with a record of every cell it withheld and why;
:func:`find_disclosive_cells` scans any output table (an export, a web page's data, a
report) and lists the cells that break a policy, so tests of every face can prove that no
small number leaks.

The method
----------
1. **Primary suppression.** A count in 1..``threshold`` (and 0 too, when
   ``suppress_zero``) is withheld, and so is a count that rounding would turn into such
   a value (2 -> 0 with ``round_to=5`` when zeros are withheld). The default policy
   follows the NHS Digital rule for Hospital Episode Statistics (2018): 1 to 7 withheld,
   other counts rounded to the nearest 5; zeros are published unless ``suppress_zero``
   (withhold them where a zero itself discloses something).
2. **Secondary suppression.** In a table with margins, every *line* (a total and the
   cells it adds up, the others held fixed: e.g. Persons = Male + Female for one area and
   age) must end with no withheld cell or with at least two, so that no withheld cell is
   the line total minus the published cells. With ``protect_sums`` the withheld cells of
   a line whose total is published must also not add up to a small count, since that sum
   is the total minus the published cells. In each pass every line that breaks a rule
   takes one more cell: a published non-zero cell (one that also sits in another line
   needing a cell if there is one, otherwise the smallest), else the line's total, else a
   zero (a zero before the total when ``protect_sums`` is off, since a zero cannot raise
   a sum); ties go to the first cell in the order of the key columns, so the result does
   not depend on row order. Passes run over every line of every dimension at once
   until no line needs a cell.
3. **Derived columns.** Rates, values and limits built on a withheld count are withheld
   in the same row.
4. **Rounding.** Every published count (totals included, each on its own) is rounded to
   the nearest multiple of ``round_to``. A count exactly halfway goes up
   (``rounding="half_up"``: 15 -> 20 with ``round_to=10``) or to the even multiple
   (``"half_even"``: 15 -> 20, 25 -> 20); whole counts are never halfway with an odd base
   such as 5. Rounding happens after suppression, on the original counts, so rounded
   totals need not equal the sum of rounded cells.

Limits: the rules protect each line on its own. A reader who solves all the lines of a
table together (linear programming) can sometimes narrow a withheld cell further; for
tables released under a legal duty use a dedicated tool such as tau-ARGUS or sdcTable.
Rates published beside their denominators can reveal the count (rate x denominator):
withhold them with ``derived_columns``.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from healthgap.errors import HealthgapError, InputError
from healthgap.stats._frames import FrameKind, InputFrame, to_kind
from healthgap.stats._validate import numeric_column, require_finite, require_non_negative

REFERENCES = (
    "NHS Digital (2018). Disclosure control methodology for Hospital Episode Statistics "
    "(HES) and Emergency Care Data Set (ECDS): counts of 1 to 7 suppressed, other counts "
    "rounded to the nearest 5.",
    "Hundepool A et al. Handbook on Statistical Disclosure Control, 2nd edition "
    "(sdctools.github.io/HandbookSDC), chapter 5: frequency tables, primary and secondary "
    "cell suppression, rounding.",
)

Rounding = Literal["half_up", "half_even"]
ROUNDINGS: tuple[str, ...] = ("half_up", "half_even")

#: Column names :func:`find_disclosive_cells` treats as counts when none are named.
COUNT_LIKE: frozenset[str] = frozenset(
    {
        "count",
        "numerator",
        "denominator",
        "observed",
        "events",
        "cases",
        "deaths",
        "births",
        "admissions",
        "people",
        "patients",
    }
)


#: Units (and Fingertips value types) that make an indicator's ``value`` a count of
#: people or events: such values are protected like counts (:func:`protect_table`).
COUNT_UNITS: frozenset[str] = frozenset(
    {
        "count",
        "counts",
        "number",
        "numbers",
        "n",
        "persons",
        "people",
        "patients",
        "residents",
        "deaths",
        "births",
        "cases",
        "admissions",
        "events",
        "households",
        "pupils",
        "children",
        "adults",
        "individuals",
    }
)


def is_count_unit(unit: Any) -> bool:
    """Whether an indicator's unit (or value type) says its values are counts.

    >>> [is_count_unit(u) for u in ("Count", "number of deaths", "%", "per 100,000", None)]
    [True, True, False, False, False]
    """
    if not isinstance(unit, str):
        return False
    text = re.sub(r"\s+", " ", unit.strip().lower())
    return text in COUNT_UNITS or text.startswith(("number of ", "count of ", "count ("))


class DisclosureError(HealthgapError, AssertionError):
    """A table meant for publication still holds disclosive cells."""


def _whole(value: Any, name: str, minimum: int, example: str) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(float(value))
        or not float(value).is_integer()
        or float(value) < minimum
    ):
        raise InputError(
            f"{name} must be a whole number of {minimum} or more; got {value!r}. "
            f"Use e.g. {name}={example}."
        )
    return int(float(value))


@dataclass(frozen=True)
class DisclosurePolicy:
    """Which counts may be published, and how.

    Parameters
    ----------
    threshold:
        Counts from 1 to ``threshold`` are withheld (0 disables primary suppression
        of non-zero counts).
    suppress_zero:
        Withhold zeros too (when a zero would itself disclose, e.g. "no one in this
        group was vaccinated").
    round_to:
        Round every other count to the nearest multiple of this; ``None`` publishes
        counts as they are.
    rounding:
        ``"half_up"`` (a half goes to the larger multiple) or ``"half_even"``.
    secondary:
        Apply secondary suppression in tables with margins.
    protect_sums:
        Also make sure the withheld cells of a line do not add up to a small count.

    Examples
    --------
    >>> for part in DisclosurePolicy().describe().split("; "):
    ...     print(part)
    counts 1 to 7 withheld (0 published)
    other counts rounded to the nearest 5 (halves up)
    secondary suppression on
    """

    threshold: int = 7
    suppress_zero: bool = False
    round_to: int | None = 5
    rounding: Rounding = "half_up"
    secondary: bool = True
    protect_sums: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "threshold", _whole(self.threshold, "threshold", 0, "7"))
        if self.round_to is not None:
            object.__setattr__(self, "round_to", _whole(self.round_to, "round_to", 1, "5"))
        if self.rounding not in ROUNDINGS:
            raise InputError(
                f"rounding must be one of 'half_up', 'half_even'; got {self.rounding!r}."
            )
        for flag in ("suppress_zero", "secondary", "protect_sums"):
            if not isinstance(getattr(self, flag), bool):
                raise InputError(f"{flag} must be True or False; got {getattr(self, flag)!r}.")
        if self.threshold == 0 and not self.suppress_zero and self.round_to is None:
            raise InputError(
                "a disclosure policy must withhold or round something; got threshold=0, "
                "suppress_zero=False and round_to=None. Use e.g. threshold=7 or round_to=5."
            )

    def is_small(self, counts: np.ndarray) -> np.ndarray:
        """True where a count may not be published (NaN is never small)."""
        c = np.asarray(counts, dtype=float)
        small = (c > 0) & (c <= self.threshold)
        if self.suppress_zero:
            small |= c == 0
        return small

    def round(self, counts: np.ndarray) -> np.ndarray:
        """Counts rounded to the nearest ``round_to`` by the policy's rule (NaN stays NaN)."""
        c = np.asarray(counts, dtype=float)
        if self.round_to is None:
            return c.copy()
        b = float(self.round_to)
        q = c / b
        whole = np.floor(q + 0.5) if self.rounding == "half_up" else np.round(q)
        return whole * b

    @property
    def small_range(self) -> str:
        lo = 0 if self.suppress_zero else 1
        if self.threshold == 0:
            return "0" if self.suppress_zero else "none"
        return f"{lo} to {self.threshold}"

    def describe(self) -> str:
        """The policy in one line, for methods notes and audit records."""
        parts = []
        if self.threshold or self.suppress_zero:
            zero = "" if self.suppress_zero else " (0 published)"
            parts.append(f"counts {self.small_range} withheld{zero}")
        if self.round_to is not None and self.round_to > 1:
            how = "halves up" if self.rounding == "half_up" else "halves to even"
            parts.append(f"other counts rounded to the nearest {self.round_to} ({how})")
        parts.append(f"secondary suppression {'on' if self.secondary else 'off'}")
        return "; ".join(parts)


@dataclass(frozen=True, eq=False)
class DisclosureResult:
    """The protected table and the record of what was withheld and why.

    ``record`` has one row per withheld cell: ``row`` (1-based position in the input),
    the key columns, ``column``, ``action`` (``"primary"``, ``"secondary"`` or
    ``"derived"``) and ``reason``. It names cells, not their values, but it says which
    cells were small: keep it with the working files, not the publication.
    """

    table: pd.DataFrame
    record: pd.DataFrame
    policy: DisclosurePolicy
    count_columns: tuple[str, ...]
    kind: FrameKind = "pandas"
    references: tuple[str, ...] = REFERENCES
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_frame(self) -> Any:
        """The protected table as the kind of frame that was passed in (a fresh copy)."""
        return to_kind(self.table.copy(), self.kind)

    def to_pandas(self) -> pd.DataFrame:
        return self.table.copy()

    def _count(self, action: str) -> int:
        return int((self.record["action"] == action).sum())

    @property
    def n_primary(self) -> int:
        return self._count("primary")

    @property
    def n_secondary(self) -> int:
        return self._count("secondary")

    @property
    def n_derived(self) -> int:
        return self._count("derived")

    def summary(self) -> str:
        cells = len(self.table) * len(self.count_columns)
        lines = [
            f"Disclosure control: {self.policy.describe()}",
            f"  count cells: {cells}; withheld: {self.n_primary} primary, "
            f"{self.n_secondary} secondary; derived cells withheld: {self.n_derived}",
        ]
        lines += [f"  note: {n}" for n in self.notes]
        lines += [f"  reference: {r}" for r in self.references]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"<DisclosureResult: {len(self.table)} rows, {self.n_primary} primary and "
            f"{self.n_secondary} secondary suppressions>"
        )


# ----------------------------------------------------------------------------- lines


@dataclass
class _Lines:
    """Every line of a table as flat membership arrays (one entry per cell in a line)."""

    line: np.ndarray  # line id of each membership
    cell: np.ndarray  # cell id (row * k + column index)
    total: np.ndarray  # True where the cell is the line's total
    labels: list[str]  # a description of each line, for reasons

    @property
    def n(self) -> int:
        return len(self.labels)

    @classmethod
    def empty(cls) -> _Lines:
        z = np.array([], dtype=np.int64)
        return cls(z, z.copy(), np.array([], dtype=bool), [])


def _relations(df: pd.DataFrame, column: str, spec: Any) -> pd.DataFrame:
    """``label, relation, is_total`` for one margin column."""
    present = pd.unique(df[column].dropna())
    if isinstance(spec, Mapping):
        rows = []
        for r, (parent, children) in enumerate(spec.items()):
            if isinstance(children, str) or not isinstance(children, Sequence | set | frozenset):
                raise InputError(
                    f"margins[{column!r}][{parent!r}] must be a list of the categories it "
                    f"adds up; got {children!r}. Use e.g. margins={{{column!r}: "
                    f"{{{parent!r}: ['a', 'b']}}}}."
                )
            if parent not in set(present):
                raise InputError(
                    f"margins total {parent!r} must be a value of column {column!r}; got "
                    f"values {_first(present)}. Check the spelling of the total."
                )
            rows.append((parent, r, True))
            rows += [(c, r, False) for c in children if c != parent]
        return pd.DataFrame(rows, columns=["__label", "__relation", "__total"])
    if spec not in set(present):
        raise InputError(
            f"margins total {spec!r} must be a value of column {column!r}; got values "
            f"{_first(present)}. Name the category that holds the total, e.g. "
            f"margins={{{column!r}: 'Persons'}}."
        )
    rows = [(spec, 0, True)] + [(v, 0, False) for v in present if v != spec]
    return pd.DataFrame(rows, columns=["__label", "__relation", "__total"])


def _first(values: Any, n: int = 6) -> str:
    vals = list(values)
    return "[" + ", ".join(repr(v) for v in vals[:n]) + (" ..." if len(vals) > n else "") + "]"


def _build_lines(
    df: pd.DataFrame,
    k: int,
    margins: Mapping[str, Any],
    group_by: list[str],
    total_index: int | None,
    total_column: str | None,
) -> _Lines:
    n = len(df)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    labels: list[str] = []
    for column, spec in margins.items():
        rel = _relations(df, column, spec)
        others = group_by + [m for m in margins if m != column]
        left = df[[*others, column]].copy()
        left["__row"] = np.arange(n)
        pairs = left.merge(rel, left_on=column, right_on="__label", how="inner", sort=False)
        if not len(pairs):
            continue
        keys = [*others, "__relation"]
        grouped = pairs.groupby(keys, sort=True, dropna=False, observed=True)
        line_local = grouped.ngroup().to_numpy(dtype=np.int64)
        m = int(line_local.max()) + 1
        totals_of = (
            pairs.loc[pairs["__total"], ["__relation", "__label"]]
            .drop_duplicates("__relation")
            .set_index("__relation")["__label"]
        )
        rel_of_line = np.zeros(m, dtype=np.int64)
        rel_of_line[line_local] = pairs["__relation"].to_numpy(dtype=np.int64)
        line_labels = [f"{column} total {totals_of.get(r, '?')!r}" for r in rel_of_line]
        row = pairs["__row"].to_numpy(dtype=np.int64)
        is_total = pairs["__total"].to_numpy(dtype=bool)
        for j in range(k):
            parts.append((line_local + len(labels), row * k + j, is_total))
            labels += line_labels
    if total_index is not None:
        rows = np.repeat(np.arange(n, dtype=np.int64), k)
        cols = np.tile(np.arange(k, dtype=np.int64), n)
        parts.append((rows + len(labels), rows * k + cols, cols == total_index))
        labels += [f"row total column {total_column!r}"] * n
    if not parts:
        return _Lines.empty()
    line = np.concatenate([p[0] for p in parts])
    cell = np.concatenate([p[1] for p in parts])
    total = np.concatenate([p[2] for p in parts])
    # keep lines that have exactly one total and at least one other cell
    n_lines = len(labels)
    totals = np.bincount(line, weights=total, minlength=n_lines)
    members = np.bincount(line, weights=~total, minlength=n_lines)
    keep_line = (totals == 1) & (members >= 1)
    if (totals > 1).any():  # unreachable after the uniqueness check; kept as a guard
        raise InputError(
            "each line of the table must have one total; got a line with several. "
            "Make the rows unique on group_by and the margin columns."
        )
    keep = keep_line[line]
    remap = np.cumsum(keep_line) - 1
    kept_labels = [lab for lab, ok in zip(labels, keep_line, strict=True) if ok]
    return _Lines(remap[line[keep]], cell[keep], total[keep], kept_labels)


# ----------------------------------------------------------------------------- the table


@dataclass
class _Table:
    frame: InputFrame
    counts: list[str]
    values: np.ndarray  # (n, k) floats, NaN where missing or withheld
    group_by: list[str]
    margins: dict[str, Any]
    total_column: str | None
    lines: _Lines
    rank: np.ndarray  # (n,) position of each row in key order

    @property
    def keys(self) -> list[str]:
        return self.group_by + [m for m in self.margins if m not in self.group_by]


def _names(value: Any, name: str, example: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return list(value)
    raise InputError(
        f"{name} must be a column name or a list of column names; got {value!r}. "
        f"Use e.g. {name}={example}."
    )


def _prepare(
    data: Any,
    count_columns: Any,
    margins: Mapping[str, Any] | None,
    group_by: Any,
    total_column: str | None,
    strict_numbers: bool,
    name: str,
) -> _Table:
    frame = InputFrame.of(data, name=name)
    counts = _names(count_columns, "count_columns", "['count']")
    if not counts:
        raise InputError(
            "count_columns must name at least one column; got an empty list. "
            "Use e.g. count_columns=['count']."
        )
    if len(set(counts)) != len(counts):
        raise InputError(f"count_columns must not repeat a column; got {counts}.")
    keys = _names(group_by, "group_by", "['area_code']")
    if margins is None:
        margins = {}
    if not isinstance(margins, Mapping):
        raise InputError(
            f"margins must map a column to its total category; got {margins!r}. "
            "Use e.g. margins={'sex': 'Persons'} or margins={'area': {'E12000001': "
            "['E06000001', 'E06000002']}}."
        )
    margins = dict(margins)
    frame.require(
        counts + keys + list(margins),
        ["count"] * len(counts) + ["group_by"] * len(keys) + ["margins"] * len(margins),
    )
    clash = sorted((set(keys) | set(margins)) & set(counts))
    if clash:
        raise InputError(
            f"count_columns must not also be key columns; got {clash} in both. "
            "Name the counts in count_columns and the categories in group_by or margins."
        )
    both = sorted(set(keys) & set(margins))
    if both:
        raise InputError(
            f"group_by must not repeat a margins column; got {both} in both. "
            "A margins column already splits the table into lines."
        )
    total_index = None
    if total_column is not None:
        if total_column not in counts:
            raise InputError(
                f"total_column must be one of count_columns; got {total_column!r} (count "
                f"columns {counts}). Add it to count_columns."
            )
        if len(counts) < 2:
            raise InputError(
                f"total_column needs at least one other count column to add up; got only "
                f"{counts}. Name the columns it is the total of in count_columns."
            )
        total_index = counts.index(total_column)
    df = frame.df
    values = np.empty((len(df), len(counts)))
    for j, c in enumerate(counts):
        if strict_numbers:
            v = numeric_column(frame, c, "count", keys + list(margins))
            require_finite(frame, v, c, "count", keys + list(margins))
            require_non_negative(frame, v, c, "count", keys + list(margins))
        else:  # a published table: markers such as '*' or '[c]' mean withheld
            v = pd.to_numeric(df[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        values[:, j] = v
    line_keys = keys + list(margins)
    if (margins or total_column is not None) and line_keys:
        dup = df.duplicated(line_keys, keep=False).to_numpy()
        if dup.any():
            rows = np.flatnonzero(dup)
            raise InputError(
                f"rows must be unique on {line_keys}; got {rows.size} rows that share "
                f"their keys (first: {frame.describe_row(int(rows[0]), line_keys)} and "
                f"{frame.describe_row(int(rows[1]), line_keys)}). Add the columns that "
                "tell them apart to group_by."
            )
    if line_keys:
        order = df.reset_index(drop=True).sort_values(line_keys, kind="stable").index.to_numpy()
        rank = np.empty(len(df), dtype=np.int64)
        rank[order] = np.arange(len(df))
    else:
        rank = np.arange(len(df), dtype=np.int64)
    lines = _build_lines(df, len(counts), margins, keys, total_index, total_column)
    return _Table(frame, counts, values, keys, margins, total_column, lines, rank)


def _derived_map(
    derived_columns: Any, counts: list[str], frame: InputFrame
) -> dict[str, list[int]]:
    if derived_columns is None:
        return {}
    if isinstance(derived_columns, Mapping):
        out: dict[str, list[int]] = {}
        for d, base in derived_columns.items():
            bases = [base] if isinstance(base, str) else list(base)
            wrong = [b for b in bases if b not in counts]
            if wrong:
                raise InputError(
                    f"derived_columns[{d!r}] must name count columns; got {wrong[0]!r} "
                    f"(count columns {counts}). Add it to count_columns."
                )
            out[str(d)] = [counts.index(b) for b in bases]
    else:
        out = {
            d: list(range(len(counts)))
            for d in _names(derived_columns, "derived_columns", "['value']")
        }
    frame.require(list(out), ["derived"] * len(out))
    clash = sorted(set(out) & set(counts))
    if clash:
        raise InputError(
            f"derived_columns must not also be count columns; got {clash} in both. "
            "Counts are withheld by their own rule."
        )
    return out


# ----------------------------------------------------------------------------- suppression


def _secondary(
    table: _Table, withheld: np.ndarray, policy: DisclosurePolicy
) -> tuple[np.ndarray, np.ndarray]:
    """Add cells until every line is safe. Returns (secondary mask, line that chose each)."""
    lines = table.lines
    n_cells = withheld.size
    secondary = np.zeros(n_cells, dtype=bool)
    chosen_by = np.full(n_cells, -1, dtype=np.int64)
    if not policy.secondary or lines.n == 0:
        return secondary, chosen_by
    value = np.nan_to_num(table.values.ravel(), nan=0.0)
    rank = np.repeat(table.rank * table.values.shape[1], table.values.shape[1]) + np.tile(
        np.arange(table.values.shape[1]), len(table.rank)
    )
    exhausted = np.zeros(lines.n, dtype=bool)
    if policy.protect_sums:  # zeros cannot raise a small sum; the total can end the need
        klass = np.where(lines.total, 1, np.where(value[lines.cell] == 0, 2, 0))
    else:
        klass = np.where(lines.total, 2, np.where(value[lines.cell] == 0, 1, 0))
    while True:
        s = withheld[lines.cell]
        n_withheld = np.bincount(lines.line, weights=s, minlength=lines.n)
        need = n_withheld == 1
        if policy.protect_sums:
            child_sum = np.bincount(
                lines.line,
                weights=np.where(s & ~lines.total, value[lines.cell], 0.0),
                minlength=lines.n,
            )
            total_published = (
                np.bincount(lines.line, weights=lines.total & ~s, minlength=lines.n) > 0
            )
            need |= (n_withheld >= 2) & total_published & policy.is_small(child_sum)
        need &= ~exhausted
        if not need.any():
            return secondary, chosen_by
        candidate = need[lines.line] & ~s
        has_candidate = np.bincount(lines.line[candidate], minlength=lines.n) > 0
        exhausted |= need & ~has_candidate
        if not candidate.any():
            continue
        # how many needy lines each cell sits in: shared cells protect several at once
        shared = np.bincount(lines.cell[need[lines.line]], minlength=n_cells)
        c = lines.cell[candidate]
        ln = lines.line[candidate]
        order = np.lexsort((rank[c], value[c], -shared[c], klass[candidate], ln))
        _, first = np.unique(ln[order], return_index=True)
        pick = c[order][first]
        by = ln[order][first]
        fresh = ~withheld[pick]
        withheld[pick] = True
        secondary[pick[fresh]] = True
        chosen_by[pick[fresh]] = by[fresh]


def apply_disclosure(
    data: Any,
    policy: DisclosurePolicy | None = None,
    count_columns: str | Sequence[str] = "count",
    derived_columns: str | Sequence[str] | Mapping[str, str | Sequence[str]] | None = None,
    margins: Mapping[str, Any] | None = None,
    group_by: str | Sequence[str] | None = None,
    total_column: str | None = None,
) -> DisclosureResult:
    """Withhold and round counts so that a table can be published.

    Primary suppression withholds small counts; secondary suppression (for tables with
    margins) withholds more cells until no withheld cell can be found by subtracting
    published cells from a line total; derived columns are withheld with their counts;
    published counts are rounded. See the module docstring for the rules.

    Parameters
    ----------
    data:
        pandas or polars DataFrame (or Arrow table), one row per cell of the table in long
        form, or one row per table row with a count column per category (wide form).
    policy:
        The :class:`DisclosurePolicy`; default NHS Digital's rule (1-7 withheld, others
        rounded to the nearest 5; zeros published).
    count_columns:
        Column(s) holding counts. Each is a separate table unless ``total_column`` is given.
    derived_columns:
        Columns computed from the counts (rates, values, confidence limits, percentages):
        a list (withheld when any count in the row is withheld) or a mapping from each
        derived column to the count column(s) it is built on.
    margins:
        For each category column that has a total, the total: a category name
        (``{"sex": "Persons"}``: the Persons row adds up every other sex) or a hierarchy
        ``{"area_code": {"E12000001": ["E06000001", ...], "E92000001": [...]}}``
        (each parent adds up its children; levels may nest).
    group_by:
        Other key columns that split the table (e.g. ``period``, an area column that has
        no total row). Rows must be unique on ``group_by`` plus the ``margins`` columns.
    total_column:
        In wide form, the count column that adds up the other count columns in each row.

    Returns
    -------
    DisclosureResult
        ``to_frame()`` is the input with withheld counts and derived cells missing (NaN in
        pandas, null in polars) and the other counts rounded; ``record`` lists every
        withheld cell with its reason.

    Raises
    ------
    InputError
        Missing columns, counts that are not numbers or are negative or infinite, totals
        that are not categories of their column, rows repeating a key.

    References
    ----------
    NHS Digital (2018) disclosure control methodology for HES and ECDS; Hundepool et al.
    (2024) Handbook on Statistical Disclosure Control, chapter 5.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"sex": ["Male", "Female", "Persons"], "count": [3, 40, 43]})
    >>> out = apply_disclosure(t, margins={"sex": "Persons"})
    >>> out.to_frame()
           sex  count
    0     Male    NaN
    1   Female    NaN
    2  Persons   45.0
    >>> out.record[["row", "sex", "column", "action"]]
       row     sex column     action
    0    1    Male  count    primary
    1    2  Female  count  secondary
    """
    policy = _policy(policy)
    table = _prepare(data, count_columns, margins, group_by, total_column, True, "data")
    derived = _derived_map(derived_columns, table.counts, table.frame)
    n, k = table.values.shape
    rounded = policy.round(table.values)
    # a count that rounds into the small range (e.g. 2 -> 0 when zeros are withheld) goes too
    rounds_small = (policy.is_small(rounded) & ~policy.is_small(table.values)).ravel()
    primary = policy.is_small(table.values).ravel() | rounds_small
    withheld = primary | np.isnan(table.values.ravel())
    secondary, chosen_by = _secondary(table, withheld.copy(), policy)
    suppressed = primary | secondary

    out = table.frame.df.copy()
    published = rounded
    published[suppressed.reshape(n, k)] = np.nan
    for j, c in enumerate(table.counts):
        out[c] = published[:, j]
    derived_hits: dict[str, np.ndarray] = {}
    for d, bases in derived.items():
        hit = suppressed.reshape(n, k)[:, bases].any(axis=1)
        derived_hits[d] = hit
        if hit.any():
            out[d] = out[d].mask(pd.Series(hit, index=out.index))

    record = _record(table, primary, rounds_small, secondary, chosen_by, derived_hits, policy)
    notes = []
    if policy.round_to is not None and policy.round_to > 1:
        notes.append("published counts rounded on their own: totals may not add up exactly")
    return DisclosureResult(
        table=out,
        record=record,
        policy=policy,
        count_columns=tuple(table.counts),
        kind=table.frame.kind,
        notes=tuple(notes),
    )


def _policy(policy: Any) -> DisclosurePolicy:
    if policy is None:
        return DisclosurePolicy()
    if not isinstance(policy, DisclosurePolicy):
        raise InputError(
            f"policy must be a DisclosurePolicy; got {type(policy).__name__}. "
            "Use e.g. policy=DisclosurePolicy(threshold=7, round_to=5)."
        )
    return policy


def _record(
    table: _Table,
    primary: np.ndarray,
    rounds_small: np.ndarray,
    secondary: np.ndarray,
    chosen_by: np.ndarray,
    derived_hits: Mapping[str, np.ndarray],
    policy: DisclosurePolicy,
) -> pd.DataFrame:
    k = table.values.shape[1]
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    actions: list[np.ndarray] = []
    reasons: list[np.ndarray] = []
    small = f"count is {policy.small_range}" if policy.threshold else "count is 0"
    for mask, action in ((primary, "primary"), (secondary, "secondary")):
        idx = np.flatnonzero(mask)
        rows.append(idx // k)
        cols.append(np.array([table.counts[j] for j in idx % k], dtype=object))
        actions.append(np.full(idx.size, action, dtype=object))
        if action == "primary":
            why = np.full(idx.size, small, dtype=object)
            why[rounds_small[idx]] = f"count rounds to a withheld value ({policy.small_range})"
            reasons.append(why)
        else:
            reasons.append(
                np.array(
                    [
                        f"stops a withheld cell being found from the {table.lines.labels[b]}"
                        for b in chosen_by[idx]
                    ],
                    dtype=object,
                )
            )
    for d, hit in derived_hits.items():
        idx = np.flatnonzero(hit)
        rows.append(idx)
        cols.append(np.full(idx.size, d, dtype=object))
        actions.append(np.full(idx.size, "derived", dtype=object))
        reasons.append(np.full(idx.size, "built on a withheld count", dtype=object))
    row = np.concatenate(rows) if rows else np.array([], dtype=np.int64)
    df = table.frame.df
    record = pd.DataFrame({"row": row.astype(np.int64) + 1})
    for key in table.keys:
        record[key] = df[key].to_numpy()[row] if len(row) else df[key].iloc[:0].to_numpy()
    record["column"] = np.concatenate(cols) if cols else np.array([], dtype=object)
    record["action"] = np.concatenate(actions) if actions else np.array([], dtype=object)
    record["reason"] = np.concatenate(reasons) if reasons else np.array([], dtype=object)
    order = {"primary": 0, "secondary": 1, "derived": 2}
    record["_o"] = record["action"].map(order)
    record = record.sort_values(["row", "_o"], kind="stable").drop(columns="_o")
    return record.reset_index(drop=True)


# Checking tables and protecting them by column name live in their own modules; they are
# imported last because they build on the policy and suppression above.
from healthgap.data.disclosure_check import (  # noqa: E402
    assert_not_disclosive,
    find_disclosive_cells,
)
from healthgap.data.disclosure_tables import protect_table  # noqa: E402

__all__ = [
    "COUNT_LIKE",
    "COUNT_UNITS",
    "DisclosureError",
    "DisclosurePolicy",
    "DisclosureResult",
    "apply_disclosure",
    "assert_not_disclosive",
    "find_disclosive_cells",
    "is_count_unit",
    "protect_table",
]
