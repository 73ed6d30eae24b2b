"""Appreciative enquiry, lever map, draft plan, action plans and progress from the store."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.framework.actions import ActionPlan, change_between_periods
from healthgap.framework.enquiry import STAGES, Enquiry, prompt, prompts
from healthgap.framework.powers import COMPETENCES, register
from healthgap.framework.storage import NotPermittedError, Workspace
from tests.framework.conftest import ADMIN, GM_EDITOR, SY_EDITOR


def test_prompts_cover_every_stage_and_competence() -> None:
    every = prompts()
    assert len(every) == 4 * (2 + 2 * len(COMPETENCES))
    assert len({p.id for p in every}) == len(every)
    for stage in STAGES:
        comps = {p.competence for p in every if p.stage == stage}
        assert comps == {None, *COMPETENCES}
    assert all("{focus}" not in p.text for p in every)


@given(st.sampled_from(STAGES), st.sampled_from(list(COMPETENCES)))
def test_prompt_filters(stage: str, competence: str) -> None:
    got = prompts(stage, competence)
    assert [p.competence for p in got] == [None, None, competence, competence]
    assert all(p.stage == stage for p in got)
    assert prompt(got[-1].id) == got[-1]


def test_prompt_errors() -> None:
    with pytest.raises(
        InputError, match="stage must be one of discover, dream, design, deliver; got 'dance'"
    ):
        prompts("dance")
    with pytest.raises(InputError, match=r"prompt must be a prompt id; got 'x\.y\.z'"):
        prompt("x.y.z")


def _gm_enquiry(ws: Workspace) -> Enquiry:
    e = Enquiry(ws, "E47000001")
    e.answer(
        GM_EDITOR, "design.health.1", "lever", "Health conditions in employment-support contracts"
    )
    e.answer(GM_EDITOR, "design.health.2", "partner", "The integrated care board")
    e.answer(GM_EDITOR, "design.transport.1", "lever", "Bus franchising fares for jobseekers")
    e.answer(GM_EDITOR, "discover.general.1", "asset", "Neighbourhood health teams")
    return e


def test_lever_map_and_draft_plan(store: Store, ws: Workspace) -> None:
    e = _gm_enquiry(ws)
    lm = e.lever_map(register(store)).set_index("competence")
    health = lm.loc[COMPETENCES["health"]]
    assert health["levers"] == ["Health conditions in employment-support contracts"]
    assert health["partners"] == ["The integrated care board"]
    assert "health-inequalities-duty" in health["powers"]
    assert lm.loc["General", "assets"] == ["Neighbourhood health teams"]
    drafts = e.draft_plan()
    assert [d["competence"] for d in drafts] == ["health", "transport"]
    assert drafts[0]["partners"] == ["The integrated care board"] and drafts[1]["partners"] == []
    assert all(d["status"] == "draft" for d in drafts)


def test_answer_errors_and_permissions(ws: Workspace) -> None:
    e = Enquiry(ws, "E47000001")
    with pytest.raises(
        InputError, match="category must be one of asset, opportunity, lever, partner; got 'idea'"
    ):
        e.answer(GM_EDITOR, "design.health.1", "idea", "x")
    with pytest.raises(InputError, match="the answer must not be empty"):
        e.answer(GM_EDITOR, "design.health.1", "lever", " ")
    with pytest.raises(NotPermittedError):
        e.answer(SY_EDITOR, "design.health.1", "lever", "not mine")


def test_actions_link_indicators_and_editor_rules(store: Store, ws: Workspace) -> None:
    plan = ActionPlan(ws, "E47000001")
    rid = plan.add(
        GM_EDITOR,
        store,
        title="Employment support",
        indicators=["hle_birth"],
        targets={"hle_birth": 62},
        due="2027-03-31",
        competence="skills",
    )
    assert plan.table().loc[0, "indicators"] == ["hle_birth"]
    with pytest.raises(
        InputError, match="indicators must be indicator_id values in the store; got 'hle_brith'"
    ):
        plan.add(GM_EDITOR, store, title="t", indicators=["hle_brith"])
    with pytest.raises(
        NotPermittedError, match="an editor must change only their own authority's action records"
    ):
        plan.update(SY_EDITOR, rid, status="done")
    assert plan.update(GM_EDITOR, rid, status="in progress") == 2
    assert plan.update(ADMIN, rid, owner="DPH") == 3
    assert [v.data["status"] for v in ws.history("action", rid)] == [
        "planned",
        "in progress",
        "in progress",
    ]
    with pytest.raises(InputError, match="action must be an action of E47000002; got"):
        ActionPlan(ws, "E47000002").update(ADMIN, rid, status="done")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": ""}, "an action must have a title"),
        ({"title": "t", "status": "stuck"}, "status must be one of draft, planned"),
        (
            {"title": "t", "due": "31/03/2027"},
            "due must be a date written YYYY-MM-DD; got '31/03/2027'",
        ),
        (
            {"title": "t", "start": "2027-01-01", "due": "2026-01-01"},
            "due must be on or after start",
        ),
        (
            {"title": "t", "targets": {"x": 1}},
            "each target must be for a linked indicator; got a target for 'x'",
        ),
        ({"title": "t", "budget": 1}, "action fields must be among title"),
    ],
)
def test_action_errors(ws: Workspace, fields: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        ActionPlan(ws, "E47000001").add(ADMIN, **fields)


Z_95 = 1.959963984540054  # scipy.stats.norm.ppf(0.975)


def test_progress_matches_the_published_file(store: Store, ws: Workspace, mirror: Path) -> None:
    """Rolling three-year HLE periods overlap: the latest (2022-2024) is compared with the
    latest period sharing no year with it (2019-2021), by a z test of the difference."""
    plan = ActionPlan(ws, "E47000001")
    plan.add(ADMIN, store, title="t", indicators=["hle_birth"], targets={"hle_birth": 62})
    plan.add(ADMIN, store, title="no data here", indicators=["hi_smoking"])
    got = plan.progress(store)
    with (mirror / "hle_le" / "ons_hle_birth_local_areas_2011_2024.csv").open() as f:
        raw = [r for r in csv.DictReader(f) if r["area_code"] == "E47000001"]
    for sex in ("Female", "Male"):
        series = {r["period"]: r for r in raw if r["sex"] == sex}
        latest, before = series["2022-2024"], series["2019-2021"]
        row = got[(got["indicator_id"] == "hle_birth") & (got["sex"] == sex)].iloc[0]
        assert row["latest_period"] == "2022-2024"
        assert row["latest_value"] == float(latest["hle_years"])
        assert row["previous_period"] == "2019-2021"
        assert row["previous_value"] == float(before["hle_years"])
        change = float(latest["hle_years"]) - float(before["hle_years"])
        assert row["change"] == pytest.approx(change, rel=1e-12)
        se = [(float(r["upper_95"]) - float(r["lower_95"])) / (2 * Z_95) for r in (latest, before)]
        z = change / math.hypot(*se)
        assert row["z"] == pytest.approx(z, rel=1e-12)
        # the store records hle_birth as "High is good"
        expected = (
            "no significant change" if abs(z) <= Z_95 else "improving" if z > 0 else "worsening"
        )
        assert row["direction"] == expected
        assert row["test"].startswith("z test of 2019-2021 against 2022-2024")
        assert row["target"] == 62
    smoking = got[got["indicator_id"] == "hi_smoking"]
    assert smoking["direction"].tolist() == ["no data for this authority"]


def test_progress_direction_follows_polarity(store: Store, ws: Workspace, mirror: Path) -> None:
    """Financial years (2023/24, 2024/25) share no months: the one before is tested."""
    plan = ActionPlan(ws, "E47000001")
    plan.add(ADMIN, store, title="t", indicators=["adult_obesity"])
    row = plan.progress(store).iloc[0]
    with (mirror / "indicators" / "ohid_adult_obesity_prevalence_2015_2025.csv").open(
        encoding="utf-8-sig"
    ) as f:
        reader = csv.DictReader(f)
        raw = [r for r in reader if r["area_code"] == "E47000001" and r["percent"]]
    series = sorted(
        (r["period_label"], float(r["percent"]), float(r["lower_95"]), float(r["upper_95"]))
        for r in raw
    )
    assert row["latest_value"] == pytest.approx(series[-1][1], rel=1e-10)
    assert row["previous_period"] == series[-2][0]
    change = series[-1][1] - series[-2][1]
    z = change / math.hypot(*((s[3] - s[2]) / (2 * Z_95) for s in series[-2:]))
    assert row["z"] == pytest.approx(z, rel=1e-9)
    # the store records this OHID indicator's polarity as "Low is good"
    assert row["direction"] == (
        "no significant change" if abs(z) <= Z_95 else "improving" if z < 0 else "worsening"
    )


def _series(
    values: list[float],
    periods: list[str],
    starts: list[int],
    ends: list[int],
    half: float | None = 1.0,
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "indicator_id": "x",
            "sex": "Persons",
            "age": "All ages",
            "indicator_name": "X",
            "polarity": "High is good",
            "period": periods,
            "period_start": starts,
            "period_end": ends,
            "value": values,
            "lower_95_0": [v - half if half else math.nan for v in values],
            "upper_95_0": [v + half if half else math.nan for v in values],
        }
    )


def test_change_between_periods_by_hand() -> None:
    """Worked by hand: limits +/-1 give se = 1/1.96 each; a change of 2 gives
    z = 2 / (sqrt(2) / 1.96) = 2.772 (significant), a change of -1 z = -1.386 (not)."""
    years = {"periods": ["2019", "2020"], "starts": [2019, 2020], "ends": [2019, 2020]}
    r = change_between_periods(_series([10.0, 12.0], **years))
    assert r["z"] == pytest.approx(2 * Z_95 / math.sqrt(2), rel=1e-12)
    assert r["direction"] == "improving"
    r = change_between_periods(_series([10.0, 9.0], **years))
    assert r["direction"] == "no significant change" and r["z"] == pytest.approx(-1.386, abs=1e-3)
    # overlapping rolling periods only: compared with the one before, labelled indicative
    rolling = {"periods": ["2020-2022", "2021-2023"], "starts": [2020, 2021], "ends": [2022, 2023]}
    r = change_between_periods(_series([10.0, 9.0], **rolling))
    assert r["direction"] == "worsening (indicative)" and math.isnan(r["z"])
    assert "every earlier period overlaps 2021-2023" in r["test"]
    r = change_between_periods(_series([10.0, 12.0], **years, half=None))
    assert r["direction"] == "improving (indicative)" and "no confidence limits" in r["test"]
