"""Authorities' targets in the app database: create, edit, retire, list and assess them.

One service for every face: the JSON API (``/api/v1/targets``), the pages (``/targets``,
the scorecard and profile sections, the report) and the CLI (``healthgap targets``) all
call :class:`TargetBook`, so a target is checked, stored and judged one way.

**Checked against the store** before it is written (:func:`check_target`): the indicator
must be an ``indicator_id`` of the store (else the nearest ids are suggested); the area
(``authority_code``) must have data for it; the sex and age must be breakdowns published
there (required when there are several: a healthy life expectancy target for women is not
one for men); the baseline period must be a period of that series; the baseline value is
the store's estimate for that period; the target year must come after the baseline
period; the polarity defaults to the store's. Every problem names its field and the valid
choices (or the nearest match); all of them are reported together
(:class:`TargetFieldErrors`).

**Versions**: every edit and retirement names the version it read; a stale one is refused
with nothing changed (:class:`~healthgap.appdb.versions.StaleVersionError`, a 409 on the
web). Every change is in the audit log. **Permissions**: administrators change any
authority's targets, editors their own (:mod:`healthgap.appdb.permissions`).

**Status** (:meth:`TargetBook.status`): aware of the due date, see
:mod:`healthgap.account.target_status`.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from healthgap.account.target_status import TARGET_POLARITIES, due_status
from healthgap.appdb import audit
from healthgap.appdb.db import writing
from healthgap.appdb.models import Target, ensure_authority, target_fields
from healthgap.appdb.permissions import Actor, Permission, check
from healthgap.appdb.versions import StaleVersionError
from healthgap.data.store import Store
from healthgap.errors import InputError

#: The fields a target is made of (what a form, the API and the CLI give).
FIELDS = (
    "authority_code",
    "indicator_id",
    "sex",
    "age",
    "baseline_period",
    "baseline_value",
    "target_year",
    "target_value",
    "polarity",
    "note",
    "published",
)
NOTE_MAX = 2000
_POLARITY_WORDS = {"high is good": "higher_is_better", "low is good": "lower_is_better"}
STATUS_COLUMNS = [
    "id",
    "authority_code",
    "area_name",
    "indicator_id",
    "indicator_name",
    "sex",
    "age",
    "baseline_period",
    "baseline_value",
    "target_value",
    "target_year",
    "polarity",
    "period",
    "value",
    "lower",
    "upper",
    "expected",
    "status",
    "reason",
    "note",
    "published",
    "version",
    "example",
]


class TargetFieldErrors(InputError):
    """One or more fields of a target are wrong: ``errors`` holds (field, message) pairs,
    in the order of :data:`FIELDS`; the message of the exception joins them."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(m for _, m in errors), field=errors[0][0] if errors else None)
        self.errors = errors


def _nearest(got: str, choices: Iterable[str], names: Mapping[str, str] | None = None) -> str:
    """`` Did you mean 'x' (name)?`` for the closest choices by id (or by name)."""
    choices = list(choices)
    close = difflib.get_close_matches(got, choices, n=3, cutoff=0.6)
    if not close and names:
        by_name = {str(v).lower(): k for k, v in names.items()}
        close = [by_name[n] for n in difflib.get_close_matches(got.lower(), list(by_name), n=3)]
    if not close:
        return ""
    shown = [f"{c!r} ({names[c]})" if names and c in names else repr(c) for c in close]
    return f" Did you mean {', '.join(shown)}?"


def _store_polarity(raw: Any) -> str | None:
    text = str(raw or "").lower()
    for words, polarity in _POLARITY_WORDS.items():
        if words in text:
            return polarity
    return None


def indicator_names(store: Store) -> dict[str, str]:
    """``indicator_id`` -> ``indicator_name`` for every indicator of the store."""
    t = store.table("indicators")
    df = store.to_pandas(t.select("indicator_id", "indicator_name").distinct())
    df = df.sort_values("indicator_id").drop_duplicates("indicator_id")
    return dict(zip(df["indicator_id"].astype(str), df["indicator_name"].astype(str), strict=True))


def _series_rows(store: Store, indicator: str, area: str | None = None) -> pd.DataFrame:
    """The indicator's rows (no category breakdowns), for one area or all."""
    t = store.table("indicators")
    t = t.filter((t["indicator_id"] == indicator) & t["category_type"].isnull())
    if area is not None:
        t = t.filter(t["area_code"] == area)
    cols = ["area_code", "area_name", "area_type", "sex", "age", "period", "period_end"]
    cols += ["value", "lower_95_0", "upper_95_0", "polarity", "indicator_name"]
    return store.to_pandas(t.select(*cols))


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _breakdown(
    name: str, label: str, got: str, choices: list[str], where: str, errors: list[Any]
) -> str | None:
    """The sex or age of a target: one of ``choices`` (required when there are several)."""
    if not got:
        if len(choices) == 1:
            return choices[0]
        errors.append(
            (
                name,
                f"{label} must be given for {where}: it is published for "
                f"{', '.join(choices)}; got none. Choose one.",
            )
        )
        return None
    if got in choices:
        return got
    fold = {c.lower(): c for c in choices}
    if got.lower() in fold:
        return fold[got.lower()]
    errors.append((name, f"{label} must be one of {', '.join(choices)} for {where}; got {got!r}."))
    return None


def check_target(fields: Mapping[str, Any], store: Store | StoreReads) -> dict[str, Any]:
    """The target's fields cleaned and checked against the store (see the module).

    ``store`` may be the web's memoising store handle (:class:`StoreReads`): the checks
    read only published data, which do not change while a server runs.

    ``fields`` holds :data:`FIELDS` (``sex``, ``age``, ``baseline_value``, ``polarity``,
    ``note`` and ``published`` may be left out). Numbers may be given as text (a form).
    Raises :class:`TargetFieldErrors` naming every wrong field.
    """
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise TargetFieldErrors(
            [
                (
                    unknown[0],
                    f"target fields must be among {', '.join(FIELDS)}; got "
                    f"{unknown[0]!r}. Check the spelling.",
                )
            ]
        )
    errors: list[tuple[str, str]] = []
    out: dict[str, Any] = {}
    area = _text(fields.get("authority_code")).upper()
    indicator = _text(fields.get("indicator_id"))
    read = _reader(store)
    names: dict[str, str] = read(indicator_names)
    rows = _Series.of(pd.DataFrame())
    if not indicator:
        errors.append(
            (
                "indicator_id",
                "indicator must be given; got none. Choose one, e.g. "
                "'hle_birth' (healthy life expectancy at birth).",
            )
        )
    elif indicator not in names:
        errors.append(
            (
                "indicator_id",
                f"indicator must be an indicator of the store; got "
                f"{indicator!r}.{_nearest(indicator, names, names)}",
            )
        )
    if not area:
        errors.append(
            (
                "authority_code",
                "area must be given; got none. Give the area's GSS "
                "code, e.g. E47000001 (Greater Manchester).",
            )
        )
    elif indicator in names:
        rows = read(_series_summary, indicator, area)
        if rows.empty:
            areas = read(_series_rows, indicator)[["area_code", "area_name"]].drop_duplicates()
            area_names = dict(zip(areas["area_code"], areas["area_name"], strict=True))
            errors.append(
                (
                    "authority_code",
                    f"area must be an area with data for {indicator}; "
                    f"got {area!r}.{_nearest(area, area_names, area_names)}",
                )
            )
    out["authority_code"] = area
    out["indicator_id"] = indicator
    sex = age = None
    where = f"{indicator} in {area}"
    if not rows.empty:
        sexes, ages = list(rows.sexes), list(rows.ages)
        got_sex = _text(fields.get("sex"))
        sex = _breakdown("sex", "sex", got_sex, sexes, where, errors) if sexes else None
        if sexes == [] and got_sex:
            errors.append(
                (
                    "sex",
                    f"sex must be left out for {where}: it has no sex breakdown; got {got_sex!r}.",
                )
            )
        got_age = _text(fields.get("age"))
        age = _breakdown("age", "age", got_age, ages, where, errors) if ages else None
    out["sex"], out["age"] = sex, age
    baseline = _text(fields.get("baseline_period"))
    out["baseline_period"] = baseline
    series: _Arrays | None = None
    if not rows.empty and "sex" not in dict(errors) and "age" not in dict(errors):
        series = rows.pick(sex, age)
        periods = [] if series is None else series.periods
        if not baseline:
            errors.append(
                (
                    "baseline_period",
                    f"baseline period must be given; got none. "
                    f"Periods of {where}: {', '.join(periods)}.",
                )
            )
        elif baseline not in periods:
            errors.append(
                (
                    "baseline_period",
                    f"baseline period must be a period of {where}; "
                    f"got {baseline!r}. Periods: {', '.join(periods)}.",
                )
            )
    elif not baseline:
        errors.append(
            ("baseline_period", "baseline period must be given; got none, e.g. 2022-2024.")
        )
    elif not rows.empty:  # the sex or age is wrong: check the period against every series
        periods = list(rows.periods)
        if baseline not in periods:
            errors.append(
                (
                    "baseline_period",
                    f"baseline period must be a period of {where}; got {baseline!r}. "
                    f"Periods: {', '.join(periods)}.",
                )
            )
    base_value = base_end = None
    if series is not None and baseline in series.periods:
        at = series.periods.index(baseline)
        base_value, base_end = float(series.values[at]), int(series.ends[at])
    given_base = fields.get("baseline_value")
    if given_base not in (None, "") and base_value is not None:
        try:
            g = float(given_base)
        except (TypeError, ValueError):
            g = math.nan
        if not math.isclose(g, base_value, rel_tol=1e-9, abs_tol=1e-9):
            errors.append(
                (
                    "baseline_value",
                    f"baseline value must be the store's estimate "
                    f"for {baseline}, {base_value:g}; got {given_base!r}. Leave it out "
                    "to take it from the store.",
                )
            )
    out["baseline_value"] = base_value
    year: int | None = None
    raw_year = fields.get("target_year")
    try:
        if isinstance(raw_year, bool) or raw_year in (None, ""):
            raise ValueError
        year = int(str(raw_year).strip())
        if not 2000 <= year <= 2100:
            raise ValueError
    except ValueError:
        year = None
        errors.append(
            (
                "target_year",
                f"target year must be a whole year from 2000 to 2100; got {raw_year!r}. E.g. 2030.",
            )
        )
    if year is not None and base_end is not None and year <= base_end:
        errors.append(
            (
                "target_year",
                f"target year must be after the baseline period "
                f"{baseline} (which ends in {base_end}); got {year}.",
            )
        )
    out["target_year"] = year
    raw_value = fields.get("target_value")
    try:
        if isinstance(raw_value, bool) or raw_value in (None, ""):
            raise ValueError
        value = float(str(raw_value).strip().replace(",", ""))
        if not math.isfinite(value):
            raise ValueError
    except ValueError:
        value = math.nan
        errors.append(
            ("target_value", f"target value must be a number; got {raw_value!r}. E.g. 62.5.")
        )
    out["target_value"] = value
    polarity = _text(fields.get("polarity")) or None
    if polarity is not None and polarity not in TARGET_POLARITIES:
        errors.append(
            (
                "polarity",
                f"polarity must be one of {', '.join(TARGET_POLARITIES)}; got {polarity!r}.",
            )
        )
    if polarity is None and not rows.empty:
        polarity = rows.polarity
        if polarity is None:
            errors.append(
                (
                    "polarity",
                    f"polarity must be given for {indicator}: the store "
                    "records none. Choose higher_is_better or lower_is_better.",
                )
            )
    out["polarity"] = polarity
    if polarity in TARGET_POLARITIES and base_value is not None and math.isfinite(value):
        better = value > base_value if polarity == "higher_is_better" else value < base_value
        if not better:
            errors.append(
                (
                    "target_value",
                    f"target value must be better than the baseline "
                    f"{base_value:g} ({polarity.replace('_', ' ')}); got {value:g}.",
                )
            )
    note = "" if fields.get("note") is None else str(fields.get("note"))
    if len(note) > NOTE_MAX:
        errors.append(("note", f"note must be at most {NOTE_MAX} characters; got {len(note)}."))
    out["note"] = note
    published = fields.get("published", True)
    out["published"] = (
        published
        if isinstance(published, bool)
        else str(published).lower() in ("1", "true", "yes", "on")
    )
    if errors:
        order = {f: i for i, f in enumerate(FIELDS)}
        errors.sort(key=lambda e: order.get(e[0], len(order)))
        raise TargetFieldErrors(errors)
    return out


def _one_series(rows: pd.DataFrame, sex: str | None, age: str | None) -> pd.DataFrame:
    """One row per period for the sex and age (an area published at two area types,
    e.g. a unitary authority as district and county, gives the same value twice)."""
    sel = rows
    if sex is not None:
        sel = sel[sel["sex"] == sex]
    if age is not None:
        sel = sel[sel["age"] == age]
    sel = sel[sel["value"].notna()].sort_values(["period_end", "area_type"], kind="stable")
    return sel.drop_duplicates("period").reset_index(drop=True)


class TargetBook:
    """Targets in the app database behind ``engine`` (see the module)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ------------------------------------------------------------------ reading
    def list(
        self,
        authority_code: str | None = None,
        *,
        include_retired: bool = False,
        published_only: bool = False,
    ) -> list[dict[str, Any]]:
        """Targets as dicts (oldest first), optionally of one authority."""
        q = select(*Target.__table__.columns).order_by(Target.authority_code, Target.id)
        if authority_code:
            q = q.where(Target.authority_code == authority_code)
        if not include_retired:
            q = q.where(Target.retired_at.is_(None))
        if published_only:
            q = q.where(Target.published.is_(True))
        with Session(self.engine) as s:
            return [target_fields(t) for t in s.execute(q)]

    def get(self, target_id: int) -> dict[str, Any]:
        """One target; an InputError naming how to list them when there is none."""
        with Session(self.engine) as s:
            t = s.get(Target, target_id)
            if t is None:
                raise InputError(
                    f"target must exist; got no target with id {target_id}. List them with "
                    "`healthgap targets list` or at /targets."
                )
            return t.to_dict()

    # ------------------------------------------------------------------ writing
    def add(self, who: Actor, store: Any, **fields: Any) -> dict[str, Any]:
        """Check and store a new target for ``fields['authority_code']`` (``store``: a
        :class:`Store` or the web's store handle)."""
        clean, area_name = _checked(store, fields)
        check(who, Permission("target"), clean["authority_code"], label="target")
        with writing(self.engine) as w:
            ensure_authority(w, clean["authority_code"], area_name)
            t = Target(**clean)
            w.add(t)
            w.flush()
            out = t.to_dict()
            audit.record(w, who.name, "create", "target", t.id, t.authority_code, None, out)
        return out

    def _current(self, w: Session, target_id: int, version: int) -> Target:
        t = w.get(Target, target_id)
        if t is None:
            raise StaleVersionError(f"target {target_id}", version, None)
        if t.version != version:
            raise StaleVersionError(f"target {target_id}", version, t.version)
        return t

    def edit(
        self, who: Actor, target_id: int, version: int, store: Any, **fields: Any
    ) -> dict[str, Any]:
        """Replace the target's fields, provided it is still at ``version``."""
        before = self.get(target_id)
        check(who, Permission("target"), before["authority_code"], label="target")
        merged = {k: before.get(k) for k in FIELDS if k != "baseline_value"} | fields
        clean, area_name = _checked(store, merged)
        if clean["authority_code"] != before["authority_code"]:
            check(who, Permission("target"), clean["authority_code"], label="target")
        with writing(self.engine) as w:
            t = self._current(w, target_id, version)
            if t.retired_at is not None:
                raise InputError(
                    f"target {target_id} must be current to be changed; got a retired target. "
                    "Record a new target instead."
                )
            ensure_authority(w, clean["authority_code"], area_name)
            old = t.to_dict()
            for k, v in clean.items():
                setattr(t, k, v)
            w.flush()  # UPDATE ... WHERE version = :read
            out = t.to_dict()
            audit.record(w, who.name, "update", "target", t.id, t.authority_code, old, out)
        return out

    def retire(self, who: Actor, target_id: int, version: int) -> dict[str, Any]:
        """Retire the target (kept with its history, no longer current or assessed)."""
        before = self.get(target_id)
        check(who, Permission("target"), before["authority_code"], label="target")
        with writing(self.engine) as w:
            t = self._current(w, target_id, version)
            if t.retired_at is not None:
                raise InputError(
                    f"target {target_id} must be current to be retired; got one "
                    f"retired on {t.retired_at:%Y-%m-%d}."
                )
            old = t.to_dict()
            t.retired_at = datetime.now(UTC)
            w.flush()
            out = t.to_dict()
            audit.record(w, who.name, "retire", "target", t.id, t.authority_code, old, out)
        return out

    def delete(self, who: Actor, target_id: int, version: int) -> dict[str, Any]:
        """Delete the target for good (the API's DELETE; retiring keeps it)."""
        before = self.get(target_id)
        check(who, Permission("target"), before["authority_code"], label="target")
        with writing(self.engine) as w:
            t = self._current(w, target_id, version)
            old = t.to_dict()
            w.delete(t)
            w.flush()  # DELETE ... WHERE version = :read
            audit.record(
                w, who.name, "delete", "target", target_id, old["authority_code"], old, None
            )
        return old

    # ------------------------------------------------------------------ judging
    def status(
        self,
        store: Store | StoreReads,
        authority_code: str | None = None,
        *,
        published_only: bool = False,
        as_of: date | None = None,
    ) -> pd.DataFrame:
        """Each current target with its latest data and status (:data:`STATUS_COLUMNS`).

        ``store`` is a :class:`Store`, or anything with the :class:`StoreReads` method
        ``compute(fn, *args)`` (the web's store handle, which memoises the published
        series, so a page with many targets reads each series once per server, not once
        per request, and does not hold the store while the app database is read).
        """
        targets = self.list(authority_code, published_only=published_only)
        return assess(targets, store, as_of=as_of)


def _checked(store: Store | StoreReads, fields: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """:func:`check_target` and the area's name, read from a :class:`Store` or through the
    web's memoising store handle (published series are read once per server, so the
    store is held only on a first read, never during the write)."""
    clean = check_target(fields, store)
    rows = _reader(store)(_series_summary, clean["indicator_id"], clean["authority_code"])
    return clean, str(rows.area_name)


class StoreReads(Protocol):
    """A source of published data that memoises: ``compute(fn, *args)`` is
    ``fn(store, *args)``, possibly remembered from an earlier call."""

    def compute(self, fn: Callable[..., Any], *args: Any) -> Any: ...


def _reader(store: Store | StoreReads) -> Callable[..., Any]:
    if isinstance(store, Store):
        return lambda fn, *args: fn(store, *args)
    return store.compute


@dataclass(frozen=True)
class _Arrays:
    """One sex and age of a series, as :func:`due_status` takes it."""

    periods: list[str]
    ends: Any
    values: Any
    lowers: Any
    uppers: Any

    @classmethod
    def of(cls, series: pd.DataFrame) -> _Arrays | None:
        if series.empty:
            return None
        return cls(
            series["period"].astype(str).tolist(),
            series["period_end"].to_numpy(float),
            series["value"].to_numpy(float),
            series["lower_95_0"].to_numpy(float),
            series["upper_95_0"].to_numpy(float),
        )


@dataclass(frozen=True)
class _Series:
    """An indicator's rows for one area, summarised once for every check and status
    that asks about it (:func:`_series_summary`)."""

    rows: pd.DataFrame
    area_name: str | None
    #: The sexes and ages the series is published for (sorted).
    sexes: tuple[str, ...]
    ages: tuple[str, ...]
    #: Every period of the series, whatever the sex and age (sorted as text).
    periods: tuple[str, ...]
    polarity: str | None
    #: (sex, age) -> that series, filled as they are asked for
    _picks: dict[tuple[str | None, str | None], _Arrays | None] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def empty(self) -> bool:
        return self.rows.empty

    @classmethod
    def of(cls, rows: pd.DataFrame) -> _Series:
        if rows.empty:
            return cls(rows, None, (), (), (), None)
        words = rows["polarity"].dropna()
        return cls(
            rows,
            str(rows["area_name"].iloc[0]),
            tuple(sorted(rows["sex"].dropna().astype(str).unique())),
            tuple(sorted(rows["age"].dropna().astype(str).unique())),
            tuple(sorted(set(rows["period"].astype(str)), key=str)),
            _store_polarity(words.iloc[0]) if len(words) else None,
        )

    def pick(self, sex: str | None, age: str | None) -> _Arrays | None:
        """The series of one sex and age (None: no values), selected once."""
        key = (sex, age)
        if key not in self._picks:  # two threads may both select it: same answer
            self._picks[key] = None if self.empty else _Arrays.of(_one_series(self.rows, sex, age))
        return self._picks[key]


def _series_summary(store: Store, indicator: str, area: str) -> _Series:
    """:func:`_series_rows` of one area, summarised (what the web's store handle
    remembers, so that a target's check and status read and summarise it once per
    server)."""
    return _Series.of(_series_rows(store, indicator, area))


def _judge(series: _Arrays, t: Mapping[str, Any], polarity: str, year: int) -> dict[str, Any]:
    """A target's status columns (:func:`due_status` on its series)."""
    s = due_status(
        periods=series.periods,
        ends=series.ends,
        values=series.values,
        lowers=series.lowers,
        uppers=series.uppers,
        baseline_period=t["baseline_period"],
        target_value=float(t["target_value"]),
        target_year=int(t["target_year"]),
        polarity=polarity,
        as_of_year=year,
    )
    return {
        "period": s.period,
        "value": s.value,
        "lower": s.lower,
        "upper": s.upper,
        "expected": s.expected,
        "status": s.status,
        "reason": s.reason,
    }


def assess(
    targets: list[dict[str, Any]], store: Store | StoreReads, *, as_of: date | None = None
) -> pd.DataFrame:
    """The status of each target (dicts as :meth:`TargetBook.list` gives them)."""
    year = (as_of or date.today()).year
    read = _reader(store)
    names: dict[str, str] = read(indicator_names) if targets else {}
    cache: dict[tuple[str, str], _Series] = {}
    judged: dict[tuple[Any, ...], dict[str, Any]] = {}
    out = []
    for t in targets:  # targets share series: each is read, summarised and selected once
        key = (t["indicator_id"], t["authority_code"])
        if key not in cache:
            known = t["indicator_id"] in names
            cache[key] = read(_series_summary, *key) if known else _Series.of(pd.DataFrame())
        rows = cache[key]
        row: dict[str, Any] = {c: t.get(c) for c in STATUS_COLUMNS if c in t}
        row["indicator_name"] = names.get(t["indicator_id"], t["indicator_id"])
        row["area_name"] = rows.area_name or t["authority_code"]
        series = rows.pick(t["sex"], t["age"])
        several = (t["sex"] is None and len(rows.sexes) > 1) or (
            t["age"] is None and len(rows.ages) > 1
        )
        polarity = t.get("polarity") or rows.polarity
        row["polarity"] = polarity
        if series is None:
            row |= {"status": "not assessed", "reason": "the store has no data for it"}
        elif several:
            row |= {
                "status": "not assessed",
                "reason": "it names no sex or age, and the indicator has several: edit it "
                "to choose one",
            }
        elif polarity is None:
            row |= {
                "status": "not assessed",
                "reason": "it has no polarity: edit it to say whether higher or lower is better",
            }
        else:
            asked: tuple[Any, ...] = (*key, t["sex"], t["age"], t["baseline_period"])
            asked += (t["target_value"], t["target_year"], polarity)
            if asked not in judged:  # targets that ask the same get one judgement
                judged[asked] = _judge(series, t, polarity, year)
            row |= judged[asked]
        out.append(row)
    frame = pd.DataFrame(out, columns=STATUS_COLUMNS)
    for c in ("value", "lower", "upper", "expected"):
        frame[c] = pd.to_numeric(frame[c], errors="coerce").astype(float)
    return frame
