"""Record-level data -> counts, as Ibis expressions that run on DuckDB or Spark.

Person- or event-level records (one row per death, admission, diagnosis...) with an
age, a sex, an LSOA code, a date and optionally a cause are counted by any of

* area: ``lsoa``, ``lad``, ``utla``, ``strategic_authority``, ``region``, ``sub_icb``,
  ``icb`` (England's hierarchy, LAD 2024 codes, from the ``lookup`` the caller passes:
  :func:`healthgap.geography.lsoa_areas.area_lookup`);
* deprivation: ``imd_decile`` (the LSOA's national IMD decile, 1 = most deprived) and
  ``core20`` (True in deciles 1-2);
* ``age_band`` (the bands of a standard population: 19 bands 0-4 ... 90+ by default,
  or the 20 life-table bands 0, 1-4, ..., 90+), ``age`` (single year), ``sex``,
  ``period`` (calendar year ``"2020"`` or financial year ``"2020/21"``, April-March)
  and ``cause``.

:func:`aggregate_records` returns an **Ibis expression**; nothing runs until it is
executed, so the same expression runs on an embedded DuckDB (default) or on Spark
(local, a cluster, or Spark Connect): see :mod:`healthgap.data.engines`.
:func:`count_records` does the whole thing for a Parquet file.

Records are never dropped. A record whose LSOA code is not an English LSOA of the
chosen vintage has missing area, decile and Core20 values; a missing or negative age
has a missing age band; a missing date has a missing period. Such rows are counted in
their own groups, so totals always equal the number of records.

LSOA vintages: ``lsoa_vintage=2011`` (IMD 2019 deciles; ICB July 2022) or ``2021``
(IMD 2025 deciles; ICB April 2024). LAD, UTLA and region codes are 2024 codes.

Examples
--------
>>> import pandas as pd
>>> from healthgap.data.records import aggregate_records
>>> from healthgap.data.engines import connect, execute
>>> con = connect("duckdb")
>>> records = con.create_table("records", pd.DataFrame({
...     "age": [0, 3, 47, 92], "sex": ["Male", "Female", "Female", "Male"],
...     "lsoa_code": ["E01000001"] * 4,
...     "date": pd.to_datetime(["2020-03-31", "2020-04-01", "2020-12-31", "2021-01-01"]),
... }))
>>> expr = aggregate_records(records, by=["age_band", "period"], period="financial")
>>> execute(expr)
  age_band   period  count
0      0-4  2019/20      1
1      0-4  2020/21      1
2    45-49  2020/21      1
3      90+  2020/21      1
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from healthgap.data.engines import Engine, check_engine, connect, execute, read_parquet
from healthgap.errors import InputError
from healthgap.stats.standard_populations import StandardPopulation, standard_population

Period = Literal["calendar", "financial"]

#: Area levels: ``by`` key -> output column.
AREA_KEYS: dict[str, str] = {
    "lsoa": "lsoa_code",
    "lad": "lad_code",
    "utla": "utla_code",
    "strategic_authority": "strategic_authority_code",
    "region": "region_code",
    "sub_icb": "sub_icb_code",
    "icb": "icb_code",
}
#: Deprivation keys (from the LSOA's IMD).
DEPRIVATION_KEYS: tuple[str, ...] = ("imd_decile", "core20")
#: Keys read from the records themselves.
RECORD_KEYS: tuple[str, ...] = ("age_band", "age", "sex", "period", "cause")
KEYS: tuple[str, ...] = (*AREA_KEYS, *DEPRIVATION_KEYS, *RECORD_KEYS)

#: The age-band layouts records can be counted in (from standard_populations).
AGE_BAND_LAYOUTS: tuple[str, ...] = ("esp2013_19", "esp2013_20")


@dataclass(frozen=True)
class RecordColumns:
    """The names of the record columns (rename to match your extract)."""

    age: str = "age"
    sex: str = "sex"
    lsoa: str = "lsoa_code"
    date: str = "date"
    cause: str = "cause"


def _ibis() -> Any:
    return importlib.import_module("ibis")


def _by(by: Any) -> list[str]:
    keys = [by] if isinstance(by, str) else list(by)
    bad = [k for k in keys if k not in KEYS]
    if not keys or bad:
        raise InputError(
            f"by must list keys from {', '.join(KEYS)}; got "
            f"{(repr(bad[0]) if bad else 'none')}. For example by=['lad', 'age_band', "
            "'sex', 'period']."
        )
    if len(set(keys)) != len(keys):
        raise InputError(f"by must name each key once; got {keys!r}. Remove the repeated key.")
    return keys


def _bands(age_bands: Any) -> StandardPopulation:
    if isinstance(age_bands, str) and age_bands not in AGE_BAND_LAYOUTS:
        raise InputError(
            f"age_bands must be 'esp2013_19' (0-4, ..., 90+) or 'esp2013_20' (0, 1-4, ..., "
            f"90+), or a StandardPopulation; got {age_bands!r}."
        )
    bands = standard_population(age_bands)
    starts = [b.start for b in bands.bands]
    contiguous = all(
        b.end is not None and b.end + 1 == n.start
        for b, n in zip(bands.bands, bands.bands[1:], strict=False)
    )
    if starts[0] != 0 or not contiguous or not bands.bands[-1].is_open:
        raise InputError(
            f"age_bands must cover every age from 0 in contiguous bands ending in an open "
            f"band (e.g. 90+); got {', '.join(bands.labels)}."
        )
    return bands


def age_band_table(age_bands: Any = "esp2013_19") -> pd.DataFrame:
    """One row per whole age from 0 to the start of the open band: ``age_key``, ``age_band``.

    Ages above the open band's start are mapped to it by the expression (clipped), so the
    table stays small. ``age_band_order`` keeps the bands in age order.

    >>> age_band_table().tail(2)
        age_key age_band  age_band_order
    89       89    85-89              17
    90       90      90+              18
    """
    bands = _bands(age_bands)
    rows = []
    for i, band in enumerate(bands.bands):
        end = band.start if band.end is None else band.end
        for age in range(band.start, end + 1):
            rows.append((age, band.label, i))
    return pd.DataFrame(rows, columns=["age_key", "age_band", "age_band_order"])


def _require_columns(records: Any, needed: dict[str, str]) -> None:
    have = list(records.columns)
    for role, column in needed.items():
        if column not in have:
            raise InputError(
                f"the records must have a {role} column {column!r}; got columns "
                f"{', '.join(repr(c) for c in have)}. Name the column with "
                f"columns=RecordColumns({role}=...)."
            )


def _period_key(date: Any, period: str) -> Any:
    """The year (calendar) or the year the financial year starts in, as an integer."""
    year = date.year().cast("int32")
    if period == "calendar":
        return year
    return year - (date.month() < 4).cast("int32")


def _period_label(start: Any, period: str) -> Any:
    """Label a period key after aggregation: ``"2020"`` or ``"2020/21"``."""
    ibis = _ibis()
    if period == "calendar":
        return start.cast("string")
    return (
        start.cast("string") + ibis.literal("/") + ((start + 1) % 100).cast("string").lpad(2, "0")
    )


def aggregate_records(
    records: Any,
    *,
    by: Sequence[str] = ("lad", "age_band", "sex", "period"),
    period: Period = "calendar",
    age_bands: Any = "esp2013_19",
    lookup: Any = None,
    lsoa_vintage: Literal[2011, 2021] = 2011,
    columns: RecordColumns | None = None,
) -> Any:
    """Count records by area, deprivation, age band, sex, period and cause (Ibis expression).

    Parameters
    ----------
    records
        An Ibis table of records on any backend (DuckDB, PySpark, ...).
    by
        The keys to count by (see the module docstring); default LAD x age band x sex x
        period.
    period
        ``"calendar"`` (``"2020"``) or ``"financial"`` (April to March, ``"2020/21"``).
    age_bands
        ``"esp2013_19"`` (0-4, 5-9, ..., 85-89, 90+; default), ``"esp2013_20"`` (0, 1-4,
        5-9, ..., 90+) or a :class:`~healthgap.stats.standard_populations.StandardPopulation`
        whose bands start at 0 and end open.
    lookup
        The LSOA lookup, a pandas frame like
        :func:`healthgap.geography.lsoa_areas.area_lookup`'s (build it once with
        ``area_lookup(store, lsoa_vintage=...)``); needed when an area or deprivation key
        is asked for.
    lsoa_vintage
        2011 (default) or 2021: the vintage of the records' LSOA codes.
    columns
        The names of the record columns (:class:`RecordColumns`).

    Returns
    -------
    ibis.expr.types.Table
        The ``by`` columns (areas as ``<level>_code``) and ``count``, sorted by the keys
        (age bands in age order). Execute with :func:`healthgap.data.engines.execute`.
    """
    ibis = _ibis()
    keys = _by(by)
    cols = columns or RecordColumns()
    if period not in ("calendar", "financial"):
        raise InputError(
            f"period must be 'calendar' or 'financial'; got {period!r}. Financial years "
            "run April to March and are labelled '2020/21'."
        )
    if lsoa_vintage not in (2011, 2021):
        raise InputError(
            f"lsoa_vintage must be 2011 or 2021; got {lsoa_vintage!r}. IMD 2019 uses "
            "2011 LSOAs, IMD 2025 and Census 2021 use 2021 LSOAs."
        )
    needed: dict[str, str] = {}
    area_keys = [k for k in keys if k in AREA_KEYS or k in DEPRIVATION_KEYS]
    if area_keys:
        needed["lsoa"] = cols.lsoa
    if "age_band" in keys or "age" in keys:
        needed["age"] = cols.age
    for key in ("sex", "cause"):
        if key in keys:
            needed[key] = getattr(cols, key)
    if "period" in keys:
        needed["date"] = cols.date
    _require_columns(records, needed)

    t = records
    derived: dict[str, Any] = {}
    if "sex" in keys:
        derived["sex"] = t[cols.sex]
    if "cause" in keys:
        derived["cause"] = t[cols.cause]
    if "age" in keys:
        derived["age"] = t[cols.age]
    if "period" in keys:
        derived["_period_key"] = _period_key(t[cols.date], period)
    band_join = None
    if "age_band" in keys:
        band, band_join = _band_order(t[cols.age], _bands(age_bands), _backend_name(records))
        derived["_age_key" if band_join is not None else "age_band_order"] = band
    if area_keys:
        derived["_lsoa"] = t[cols.lsoa]
    t = t.select(**derived)
    if band_join is not None:
        t = t.left_join(band_join, t["_age_key"] == band_join["age_key"]).drop(
            "_age_key", "age_key"
        )
    names = None
    if area_keys:
        wanted = [AREA_KEYS.get(k, k) for k in area_keys]
        if lookup is None:
            raise InputError(
                f"lookup must be given to count by {', '.join(area_keys)}; got none. Build it "
                "with healthgap.geography.lsoa_areas.area_lookup(store, "
                f"lsoa_vintage={lsoa_vintage}) and pass lookup=."
            )
        _require_lookup(lookup, wanted)
        codes, names = _area_codes(lookup, [w for w in wanted if w != "lsoa_code"])
        if codes is not None:
            lk = ibis.memtable(codes)
            t = t.left_join(lk, t["_lsoa"] == lk["lsoa_code"]).drop("lsoa_code")
        t = t.rename(lsoa_code="_lsoa") if "lsoa" in keys else t.drop("_lsoa")
    # Count on small integer keys (an area number, the age band's order, the period's
    # start year) and label the groups afterwards: names, deciles and labels are looked
    # up once per group, not once per record.
    out_cols = [AREA_KEYS.get(k, k) for k in keys]
    internal = {"age_band": "age_band_order", "period": "_period_key"}
    labelled = set() if names is None else set(names.columns) - {"_area"}
    group = [internal.get(c, c) for c in out_cols if c not in labelled]
    if names is not None:
        group.append("_area")
    agg = t.group_by(group).aggregate(count=ibis._.count())
    if names is not None:
        lab = ibis.memtable(names.rename(columns={"_area": "_area_label"}))
        agg = agg.left_join(lab, agg["_area"] == lab["_area_label"]).drop("_area", "_area_label")
    if "age_band" in keys:
        labels = ibis.memtable(
            age_band_table(age_bands)[["age_band_order", "age_band"]]
            .drop_duplicates()
            .rename(columns={"age_band_order": "_band"})
        )
        agg = agg.left_join(labels, agg["age_band_order"] == labels["_band"]).drop("_band")
    if "period" in keys:
        agg = agg.mutate(period=_period_label(agg["_period_key"], period))
    order = [internal.get(c, c) for c in out_cols]
    return agg.order_by([ibis.asc(c, nulls_first=False) for c in order]).select(*out_cols, "count")


#: At most this many band starts off the regular grid are counted with comparisons;
#: more irregular layouts are looked up with a join.
_MAX_IRREGULAR_STARTS = 3


def _backend_name(table: Any) -> str | None:
    """The name of the Ibis backend a table lives on (``"duckdb"``, ``"pyspark"``...)."""
    errors = importlib.import_module("ibis.common.exceptions")
    try:
        return str(table.get_backend().name)
    except errors.IbisError:  # an unbound table has no backend: use portable SQL
        return None


def _whole_division(value: Any, step: int, backend: str | None) -> Any:
    """``value // step`` for non-negative integers, as fast as the backend allows.

    Ibis writes ``//`` as ``FLOOR(value / step)``, a floating-point division of every
    record; DuckDB's own ``divide`` divides integers (about 15% faster on 100 million
    records). Other backends use ``//``.
    """
    if backend != "duckdb":
        return value // step
    ibis = _ibis()
    divide = ibis.udf.scalar.builtin(
        lambda value, step: None, name="divide", signature=(("int32", "int32"), "int32")
    )
    return divide(value.cast("int32"), ibis.literal(step, "int32"))


def _band_order(age: Any, bands: StandardPopulation, backend: str | None = None) -> tuple[Any, Any]:
    """The age band's position (0 = youngest) as an integer expression, or a lookup.

    The ESP2013 layouts are regular: every multiple of 5 up to 90 starts a band, and
    the 20-band layout adds a start at 1. For such layouts the position is
    ``min(age, top) // step`` plus one for each extra start at or below the age:
    arithmetic on each record, with no join. Ages are floored to whole years; a
    missing or negative age has no band. Returns ``(expression, None)``, or for an
    irregular layout ``(clipped age, lookup table)`` to be joined on ``age_key``.
    """
    ibis = _ibis()
    starts = [b.start for b in bands.bands]
    top = starts[-1]
    if age.type().is_floating():
        age = age.floor().cast("int32")
    elif not age.type().is_integer():
        age = age.cast("int32")
    valid = age >= 0
    steps = [
        w
        for w in range(max(top, 1), 0, -1)
        if top % w == 0 and set(range(0, top + 1, w)) <= set(starts)
    ]
    step = min(steps, key=lambda w: len(set(starts) - set(range(0, top + 1, w))))
    extras = sorted(set(starts) - set(range(0, top + 1, step)))
    if len(extras) > _MAX_IRREGULAR_STARTS:
        table = age_band_table(bands)[["age_key", "age_band_order"]]
        clipped = ibis.ifelse(age > top, top, age).cast("int64")
        return ibis.ifelse(valid, clipped, ibis.null("int64")), ibis.memtable(table)
    # LEAST skips missing values, so it is used only under the ``age >= 0`` guard.
    order = _whole_division(ibis.least(age, top), step, backend).cast("int32")
    for start in extras:
        order = order + (age >= start).cast("int32")
    return ibis.ifelse(valid, order, ibis.null("int32")), None


def _area_codes(lookup: pd.DataFrame, wanted: list[str]) -> tuple[Any, Any]:
    """The LSOA -> area-number table and the area-number -> names table for ``wanted``.

    Each distinct combination of the wanted area codes, deciles and Core20 flags gets
    one number (in sorted order); records are counted by that number.
    """
    if not wanted:
        return None, None
    frame = lookup.drop_duplicates("lsoa_code")[["lsoa_code", *wanted]].reset_index(drop=True)
    number = frame.groupby(wanted, sort=True, dropna=False).ngroup().astype("int32")
    codes = pd.DataFrame({"lsoa_code": frame["lsoa_code"], "_area": number})
    names = frame[wanted].assign(_area=number).drop_duplicates("_area").reset_index(drop=True)
    return codes, names


def _require_lookup(lookup: Any, wanted: list[str]) -> None:
    if not isinstance(lookup, pd.DataFrame):
        raise InputError(
            f"lookup must be a pandas data frame like area_lookup()'s; got "
            f"{type(lookup).__name__}. Build one with "
            "healthgap.geography.lsoa_areas.area_lookup(store)."
        )
    missing = [c for c in ["lsoa_code", *wanted] if c not in lookup.columns]
    if missing:
        raise InputError(
            f"lookup must have the column {missing[0]!r}; got columns "
            f"{', '.join(repr(c) for c in lookup.columns)}. Build one with "
            "healthgap.geography.lsoa_areas.area_lookup(store)."
        )


def count_records(
    path: str | Path,
    *,
    by: Sequence[str] = ("lad", "age_band", "sex", "period"),
    engine: Engine = "duckdb",
    session: Any = None,
    master: str | None = "local[2]",
    remote: str | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Count the records in a Parquet file on DuckDB or Spark; a pandas frame.

    ``options`` go to :func:`aggregate_records` (``period``, ``age_bands``, ``lookup``,
    ``lsoa_vintage``, ``columns``). For Spark give an existing ``session``,
    a ``master`` URL or a Spark Connect ``remote``.

    Examples
    --------
    >>> counts = count_records("deaths-synthetic.parquet", by=["lad", "period"])  # doctest: +SKIP
    """
    check_engine(engine)
    backend = connect(engine, session=session, master=master, remote=remote)
    records = read_parquet(backend, path)
    return execute(aggregate_records(records, by=by, **options))
