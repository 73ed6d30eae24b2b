"""What the accountability pages show: mission, scorecards, frameworks, Core20PLUS5,
the life-expectancy gap split by health state, and hex maps.

Each function takes the store first (for :meth:`healthgap.web.deps.StoreHandle.compute`,
which memoises by function name and arguments) and calls the domain functions in
:mod:`healthgap.account`; pages and the JSON API both call these, so they show the same
numbers. Tables that carry counts pass through :func:`healthgap.web.viewmodels.protect`.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import pandas as pd

from healthgap.account import core20plus5 as c5
from healthgap.account.frameworks import (
    Framework,
)
from healthgap.account.indicator_maps import map_values
from healthgap.account.mission import MissionResult, mission
from healthgap.account.scorecard_frameworks import (
    framework_by_name,
    scorecard_framework,
)
from healthgap.account.scorecards import Scorecard, scorecard
from healthgap.charts import Chart, TableOptions, trajectory
from healthgap.charts.hexmap import HexMap, hex_map
from healthgap.data.sql import checked_code
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.web.viewmodels import ENGLAND, View, protect

# ------------------------------------------------------------------ mission

#: Shown in the form as an example only: no government source states a target year.
EXAMPLE_TARGET_YEAR = 2035


def target_year_from(text: str | None) -> int:
    """The target year typed in a form or query string, as an int.

    There is no official year, so there is no default (like ``healthgap mission``).
    """
    if text is None or not str(text).strip():
        raise InputError(
            "target year must be given (no government source states one); got none. "
            f"Enter a year such as {EXAMPLE_TARGET_YEAR} and say where it comes from.",
            field="target_year",
        )
    raw = str(text).strip()
    if not raw.isdigit() or len(raw) != 4:
        raise InputError(
            f"target year must be a 4-digit year; got {raw[:20]!r}. "
            f"Enter a year such as {EXAMPLE_TARGET_YEAR}.",
            field="target_year",
        )
    return int(raw)


def mission_tracker(
    store: Store,
    target_year: int | None,
    sex: str | None = None,
    baseline_period: str = "2020-2022",
    definition: str = "range",
    series: str = "hle_birth",
) -> MissionResult:
    """:func:`healthgap.account.mission.mission` for the page (both sexes unless ``sex``);
    without a target year, the gap and its trend only."""
    sexes: Any = sex if sex else ("Female", "Male")
    return mission(
        store,
        target_year=target_year,
        sex=sexes,
        baseline_period=baseline_period,
        definition=definition,
        series=series,
    )


def mission_chart(result: MissionResult) -> Chart:
    """The mission chart (:func:`healthgap.charts.trajectory`): the gap by period (with
    limits), the trajectory, the target and the projection to the target year with its
    prediction interval, one colour per sex. Its table also gives each period's highest
    and lowest region (range gap), the trajectory (with a target year) and whether the
    period is in the trend fit."""
    g = result.gaps
    extra = [("period", "Period")]
    if result.definition == "range":
        extra += [("highest", "Highest region"), ("lowest", "Lowest region")]
    if result.target_year is not None:
        extra.append(("trajectory", "Trajectory"))
    cols = ["sex", "time", "gap", "lower", "upper", *(f for f, _ in extra), "in_trend"]
    points = [
        {**{str(k): v for k, v in r.items()}, "in_trend": "yes" if r["in_trend"] else ""}
        for r in g[cols].to_dict("records")
    ]
    extra.append(("in_trend", "In trend fit"))
    lines = []
    for sex, tr in result.tracks.items():
        base = float(g[(g["sex"] == sex) & (g["period"] == result.baseline_period)]["time"].iloc[0])
        lines.append(
            {"sex": sex, "time": base, "value": tr.baseline_gap, "what": "Trajectory to target"}
        )
        lines.append(
            {
                "sex": sex,
                "time": tr.trajectory.target_time,
                "value": tr.target_gap,
                "what": "Trajectory to target",
            }
        )
    proj = [
        {
            "sex": sex,
            "time": tr.projection.time,
            "value": tr.projection.value,
            "lower": tr.projection.lower,
            "upper": tr.projection.upper,
        }
        for sex, tr in result.tracks.items()
        if math.isfinite(tr.projection.value)
    ]
    return trajectory(
        points,
        lines,
        proj,
        title="The regional gap in healthy life expectancy against the mission",
        value_title="Gap in healthy life expectancy (years)",
        time_title="Year (middle of 3-year period)",
        table_options=TableOptions(
            caption="The gap in every period, by sex (years)",
            extra=tuple(extra),
            headings={"gap": "Gap", "what": "Point"},
            order=(
                "sex",
                "period",
                "time",
                "what",
                "gap",
                "lower",
                "upper",
                *(f for f, _ in extra if f != "period"),
            ),
            digits={"gap": 2, "lower": 2, "upper": 2, "trajectory": 2},
            raw=("time",),
        ),
    )


# ------------------------------------------------------------------ hex maps


def indicator_map(
    store: Store,
    geography: str = "utla",
    indicator: str = "hle_birth",
    sex: str = "Female",
    period: str | None = None,
) -> tuple[View, HexMap]:
    """:func:`healthgap.account.indicator_maps.map_values` as a table and a hex map."""
    got = map_values(store, geography, indicator, sex, period)
    drawn = hex_map(got.hexes, got.rows, title=got.title)  # it reads area_code and value
    return View(got.title, got.rows, got.summary, got.notes), drawn


# ------------------------------------------------------------------ frameworks and scorecards


def authorities(store: Store) -> pd.DataFrame:
    """Authorities a scorecard can be made for: combined authorities and upper-tier
    councils with headline indicator values (code, name, area type)."""
    t = store.table("indicators")
    expr = t.filter(t.area_type.isin(["combined_authority", "utla"]) & t.category_type.isnull())
    got = store.to_pandas(expr.select("area_code", "area_name", "area_type").distinct())
    got = got.drop_duplicates("area_code")
    got["_o"] = got["area_type"].map({"combined_authority": 0, "utla": 1})
    return got.sort_values(["_o", "area_name"]).drop(columns="_o").reset_index(drop=True)


#: Most indicators a reader may add to a scorecard in one request.
MAX_ADDED_INDICATORS = 40


def scorecard_view(
    store: Store,
    authority: str,
    framework: str | None = None,
    indicators: tuple[str, ...] = (),
) -> Scorecard:
    """The scorecard of ``authority``: the named example framework (its own authority only)
    or the headline indicators (``"headline"``, the default for other authorities), with
    ``indicators`` (``"ID"`` or ``"ID:Sex"``) from the store added
    (:func:`healthgap.account.frameworks.add_indicators`)."""
    from healthgap.account.frameworks import add_indicators

    if len(indicators) > MAX_ADDED_INDICATORS:
        raise InputError(
            f"indicator must be given at most {MAX_ADDED_INDICATORS} times; got "
            f"{len(indicators)}. Add fewer, or use the CSV of the area's profile."
        )
    fw = scorecard_framework(store, authority, framework)
    if indicators:
        fw = add_indicators(fw, indicators, store)
    card = scorecard(fw, store)
    return Scorecard(protect(card.table), card.framework, card.notes)


def scorecard_choices(
    store: Store, authority: str, framework: str | None = None
) -> list[dict[str, str]]:
    """The indicators a reader can add to the scorecard (``spec`` and ``label``)."""
    from healthgap.account.frameworks import addable_indicators

    table = addable_indicators(scorecard_framework(store, authority, framework), store)
    return [{"spec": str(r.spec), "label": str(r.label)} for r in table.itertuples()]


def framework_view(store: Store, name: str) -> tuple[Framework, pd.DataFrame, list[str]]:
    """An example framework: its indicators with baselines (from the file, else the
    store's published value for the baseline period), targets, and data problems."""
    from healthgap.account.frameworks import check_against_store

    fw = framework_by_name(name)
    card = scorecard(fw, store, neighbours=0).table
    table = pd.DataFrame(
        {
            "indicator_id": [i.id for i in fw.indicators],
            "label": [i.label for i in fw.indicators],
            "sex": [i.sex for i in fw.indicators],
            "baseline_period": [i.baseline_period for i in fw.indicators],
            "baseline": card["baseline"].to_numpy(dtype=float),
            "baseline_source": [
                "framework file" if i.baseline is not None else "published value in the store"
                for i in fw.indicators
            ],
            "target": [math.nan if i.target is None else i.target for i in fw.indicators],
            "target_period": [i.target_period for i in fw.indicators],
            "polarity": card["polarity"].tolist(),
        }
    )
    return fw, table, check_against_store(fw, store)


# ------------------------------------------------------------------ Core20PLUS5


def footprints(store: Store) -> pd.DataFrame:
    """Footprints offered on /core20plus5: England, strategic authorities (May 2025 and the
    GLA), integrated care boards (April 2024) and regions."""
    from healthgap.geography.authorities import current_authorities
    from healthgap.geography.hierarchy import lsoa_lookup

    lk = lsoa_lookup(store)
    parts = [pd.DataFrame({"code": [ENGLAND], "name": ["England"], "kind": ["England"]})]
    sa = current_authorities(store)[["code", "name"]]
    parts.append(sa.assign(kind="Strategic authority").sort_values("name"))
    for level, kind in (("icb", "Integrated care board"), ("region", "Region")):
        d = lk[[f"{level}_code", f"{level}_name"]].dropna().drop_duplicates()
        d.columns = ["code", "name"]
        parts.append(d.assign(kind=kind).sort_values("name"))
    return pd.concat(parts, ignore_index=True)


def core20_view(store: Store, footprint: str = ENGLAND) -> c5.Core20Result:
    """:func:`healthgap.account.core20plus5.core20_indicators` with disclosure control."""
    checked_code(footprint, "area", "E47000001")
    res = c5.core20_indicators(footprint, store=store)
    return replace(res, population=protect(res.population), indicators=protect(res.indicators))


def core20_place_view(
    store: Store, name: str, level: str, areas: tuple[str, ...], version: int
) -> c5.Core20Result:
    """:func:`core20_view` for a saved place (``version`` keys the memo: a changed place
    is computed again)."""
    from healthgap.geography.footprints import Place
    from healthgap.geography.places import PREFIX

    place = Place(name, list(areas), level=level, code=f"{PREFIX}{name}")
    res = c5.core20_indicators(place, store=store)
    return replace(res, population=protect(res.population), indicators=protect(res.indicators))


def clinical_areas() -> pd.DataFrame:
    """The 5 clinical areas (adults and children and young people) and whether the
    store holds data for them (the open data hold none: local counts are needed)."""
    rows = [
        {
            "population": pop.replace("_", " "),
            "key": a.key,
            "name": a.name,
            "focus": a.focus,
            "measure": a.measure,
            "open_data": "no",
        }
        for pop, areas in c5.CLINICAL_AREAS.items()
        for a in areas
    ]
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ gap by health state


def decile_decomposition(store: Store) -> View:
    """:func:`healthgap.account.health_state.decile_split` as a page view."""
    from healthgap.account.health_state import decile_split

    got = decile_split(store)
    return View(got.title, got.table, got.summary, got.notes)


def region_decomposition(
    store: Store,
    sex: str = "Female",
    period: str | None = None,
    first: str | None = None,
    second: str | None = None,
) -> View:
    """:func:`healthgap.account.health_state.region_split` as a page view."""
    from healthgap.account.health_state import region_split

    got = region_split(store, sex, period, first, second)
    return View(got.title, got.table, got.summary, got.notes)
