"""The one-page summary at the front of the health-duty report, for a mayor and scrutiny.

:func:`summary_section` computes no new statistic: it reads the numbers the other
sections already hold (their protected tables and chart data) and the mission service's
result (:func:`healthgap.account.mission.mission`), and says them in plain words with
units (years to one decimal place).

It has four parts:

1. **Headline**: the authority's own healthy life expectancy (HLE) gap to England by sex
   (section 1's table) and the gap between the highest and lowest English region with the
   mission service's trend sentence (is it significantly narrowing?).
2. **Key findings**, chosen by :data:`FINDINGS_RULE`: one from each analytic section that
   has a number, in report order, at most five.
3. **Commitments**: what the authority committed to, from the framework workspace when
   the report is given one (joint commitments, action-plan actions) and from its own
   outcomes framework's targets (never the invented targets of a bundled illustration);
   otherwise it says plainly that none are recorded.
4. **Since the previous period**: the latest HLE period against the previous period that
   shares no year with it (HLE is published for overlapping three-year periods), for the
   authority's own HLE and for the regional gap, with the z test of section 1
   (:func:`healthgap.account.scorecards.change_test`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

from healthgap.account.frameworks import Framework
from healthgap.account.mission import MissionResult
from healthgap.account.scorecards import Z95, change_test
from healthgap.account.trajectory import non_overlapping
from healthgap.report.authority import Authority
from healthgap.report.model import Section
from healthgap.report.sections.common import SEXES, _each

#: How the key findings are chosen (printed in the section's notes).
FINDINGS_RULE = (
    "Key findings: one from each analytic section that has a number, in report order, at "
    "most five: the scorecard's count of indicators significantly worse and better than "
    "England (95% level); the slope index of inequality in healthy life expectancy across "
    "the councils, when its 95% interval excludes zero; the years of the regional healthy "
    "life expectancy gap to England lived in poorer health; the Core20 share of people; "
    "the NHS need index of the area's GP practices."
)
MAX_FINDINGS = 5


def _yr(x: float) -> str:
    from healthgap.formatting import years

    return f"{years(abs(float(x)))} years"


def _find(sections: Sequence[Section], section_id: str) -> Section | None:
    return next((s for s in sections if s.id == section_id), None)


def _frame(section: Section | None, table_id: str) -> pd.DataFrame | None:
    if section is None:
        return None
    try:
        return section.table(table_id).frame
    except KeyError:
        return None


def _and(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# ------------------------------------------------------------------ 1. headline


def _headline(
    auth: Authority, period: str, result: MissionResult, sections: Sequence[Section]
) -> list[str]:
    out: list[str] = []
    mine = _frame(_find(sections, "mission"), "mission-authority")
    own: list[str] = []
    if mine is not None and len(mine):
        for sex in SEXES:
            me = mine[(mine["sex"] == sex) & (mine["area"] == auth.name)]
            eng = mine[(mine["sex"] == sex) & (mine["area"] == "England")]
            if me.empty or eng.empty:
                continue
            gap = float(me["value"].iloc[0]) - float(eng["value"].iloc[0])
            side = "below" if gap < 0 else "above"
            own.append(
                f"{sex.lower()}s {_yr(me['value'].iloc[0])}, {_yr(gap)} {side} England's "
                f"{_yr(eng['value'].iloc[0])}, {me['vs_england'].iloc[0]}"
            )
    if own:
        out.append(f"Healthy life expectancy at birth in {auth.name}, {period}: {'; '.join(own)}.")
    else:
        out.append(
            f"ONS publishes no healthy life expectancy for {auth.name} itself, so its own gap "
            "to England cannot be given; section 1 explains why and what is shown instead."
        )
    gaps = result.gaps[result.gaps["period_start"] <= int(period[:4])]
    latest_overall = str(result.gaps.sort_values("period_end")["period"].iloc[-1])
    lasts = [
        g.sort_values("period_end").iloc[-1]
        for sex in SEXES
        if not (g := gaps[gaps["sex"] == sex]).empty
    ]
    if not lasts:
        return out
    each = [
        f"{str(r['sex']).lower()}s {_yr(r['gap'])} (95% CI {float(r['lower']):.1f} to "
        f"{float(r['upper']):.1f}; {r['highest']} highest, {r['lowest']} lowest)"
        for r in lasts
    ]
    out.append(
        f"England's regional gap in healthy life expectancy, between the highest and lowest "
        f"region, {lasts[-1]['period']}: {_and(each)}."
    )
    trends = [
        result.trends[str(r["sex"])].sentence
        for r in lasts
        if str(r["period"]) == latest_overall and str(r["sex"]) in result.trends
    ]
    if trends:
        out.append(" ".join(trends))
    return out


# ------------------------------------------------------------------ 2. key findings


def _scorecard_finding(section: Section | None) -> str | None:
    t = _frame(section, "scorecard-values")
    if t is None or t.empty or "compared_95" not in t:
        return None
    worse = t[t["compared_95"] == "worse"]["label"].astype(str).tolist()
    better = t[t["compared_95"] == "better"]["label"].astype(str).tolist()
    text = (
        f"Of {len(t)} outcomes-framework indicators, {len(worse)} "
        f"{'is' if len(worse) == 1 else 'are'} significantly worse than England and "
        f"{len(better)} significantly better (95% level)"
    )
    if worse:
        shown = worse[:3]
        more = f" and {len(worse) - 3} more" if len(worse) > 3 else ""
        text += f"; worse: {'; '.join(shown)}{more}"
    return text + "."


def _inequality_finding(section: Section | None) -> str | None:
    t = _frame(section, "inequality-sii")
    if t is None or t.empty:
        return None
    hle = t[t["label"].astype(str).str.startswith("Healthy life expectancy")]
    parts = []
    for r in _each(hle):
        lo, hi = float(r.sii_lower_95_0), float(r.sii_upper_95_0)
        if not (lo > 0 or hi < 0):
            continue
        sex = "females" if "females" in str(r.label) else "males"
        side = "lower" if float(r.sii) > 0 else "higher"
        parts.append(
            f"{_yr(r.sii)} {side} for {sex} (95% CI {abs(lo):.1f} to {abs(hi):.1f})"
            if float(r.sii) > 0
            else f"{_yr(r.sii)} {side} for {sex} (95% CI {abs(hi):.1f} to {abs(lo):.1f})"
        )
    if not parts:
        return None
    n = int(hle["councils"].iloc[0])
    return (
        f"Across its {n} councils, healthy life expectancy at the most deprived end is "
        f"{' and '.join(parts)} than at the least deprived end (slope index of inequality, "
        f"{hle['period'].iloc[0]}; council-level figures)."
    )


def _decomposition_finding(section: Section | None) -> str | None:
    try:
        table = section.table("decomposition-split") if section is not None else None
    except KeyError:
        table = None
    if table is None or table.frame.empty:
        return None
    # The caption names the area and period the split is for ("..., {area}, {period} (years)").
    found = re.search(r", ([^,]+), (\d{4}-\d{4}) \(years\)$", table.caption)
    area, period = (found.group(1), found.group(2)) if found else ("the area", "latest period")
    parts = [
        f"{_yr(r.poorer_health_gap)} of the {_yr(r.hle_gap)} for {str(r.sex).lower()}s"
        for r in _each(table.frame)
        if float(r.hle_gap) > 0 and float(r.poorer_health_gap) > 0
    ]
    if not parts:
        return None
    return (
        f"Of the healthy life expectancy gap between {area} and England ({period}), "
        f"{_and(parts)} is extra years lived in poorer health, not shorter lives."
    )


def _core20_finding(section: Section | None, auth: Authority) -> str | None:
    t = _frame(section, "core20-shares")
    if t is None or t.empty:
        return None
    share = float(t["core20_population_share"].iloc[0])
    if not math.isfinite(share):
        return None
    return (
        f"{share:.1f}% of {auth.name}'s people live in England's most deprived 20% of "
        "neighbourhoods (Core20, IMD 2019), against 20% of England's people."
    )


def _funding_finding(section: Section | None) -> str | None:
    if section is None or not section.summary:
        return None
    first = section.summary[0]
    return first if "times England's average per head" in first else None


def _findings(auth: Authority, sections: Sequence[Section]) -> list[str]:
    found = [
        _scorecard_finding(_find(sections, "scorecard")),
        _inequality_finding(_find(sections, "inequalities")),
        _decomposition_finding(_find(sections, "decomposition")),
        _core20_finding(_find(sections, "core20"), auth),
        _funding_finding(_find(sections, "funding")),
    ]
    return [f for f in found if f][:MAX_FINDINGS]


# ------------------------------------------------------------------ 3. commitments


def _records(workspace: Any, auth: Authority) -> tuple[pd.DataFrame, pd.DataFrame]:
    from healthgap.framework.actions import ActionPlan
    from healthgap.framework.commitments import Commitments

    return (
        Commitments(workspace, auth.code).table(),
        ActionPlan(workspace, auth.code).table(),
    )


def _titles(frame: pd.DataFrame, limit: int = 3) -> str:
    examples = frame["example"] if "example" in frame else pd.Series(False, index=frame.index)
    titles = [
        f"{t} (EXAMPLE: illustrative, not a real record)" if bool(ex) else str(t)
        for t, ex in zip(frame["title"], examples, strict=True)
        if pd.notna(t)
    ]
    more = f" and {len(titles) - limit} more" if len(titles) > limit else ""
    return "; ".join(titles[:limit]) + more


def _commitments(auth: Authority, framework: Framework, workspace: Any) -> list[str]:
    out: list[str] = []
    said = False
    if workspace is not None:
        commitments, actions = _records(workspace, auth)
        if len(commitments):
            agreed = int((commitments["status"].astype(str) != "proposed").sum())
            out.append(
                f"{len(commitments)} joint commitment{'s' if len(commitments) != 1 else ''} "
                f"recorded ({agreed} past the proposal stage): {_titles(commitments)}."
            )
            said = True
        if len(actions):
            out.append(
                f"{len(actions)} action{'s' if len(actions) != 1 else ''} in its action plan: "
                f"{_titles(actions)}."
            )
            said = True
    targets = [i for i in framework.indicators if i.target is not None]
    if targets and not framework.illustration:
        out.append(
            f"{len(targets)} target{'s' if len(targets) != 1 else ''} in its outcomes "
            f"framework ({framework.name}); section 2 shows each against the latest data."
        )
        said = True
    if not said:
        where = (
            "in the framework workspace this report was made with"
            if workspace is not None
            else "for this report (it was made from the open data only, without the "
            "authority's framework workspace)"
        )
        extra = (
            " The scorecard's example framework has invented targets, so they are not counted here."
            if framework.illustration
            else ""
        )
        out.append(
            f"No commitments, actions or targets of {auth.name} are recorded {where}.{extra}"
        )
    return out


# ------------------------------------------------------------------ 4. since last period


def _previous(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series] | None:
    """The latest row and the latest earlier row sharing no year with it."""
    f = frame.sort_values("period_end").reset_index(drop=True)
    if len(f) < 2:
        return None
    keep = non_overlapping(f["period_start"].to_numpy(), f["period_end"].to_numpy())
    kept = f[keep]
    if len(kept) < 2:
        return None
    return kept.iloc[-1], kept.iloc[-2]


def _periods(frame: pd.DataFrame) -> pd.DataFrame:
    span = frame["period"].astype(str).str.split("-", n=1, expand=True)
    return frame.assign(period_start=span[0].astype(int), period_end=span[1].astype(int))


def _change(rows: pd.DataFrame, value: str, up: str, down: str) -> tuple[str, str, str] | None:
    """(sex's words, latest period, previous period) for the change in ``value``."""
    pair = _previous(rows)
    if pair is None:
        return None
    now, before = pair
    diff, z = change_test(
        now[value], now["lower"], now["upper"],
        before[value], before["lower"], before["upper"],
    )  # fmt: skip
    d = float(diff)
    word = up if d > 0 else down if d < 0 else "no change:"
    size = f" {_yr(d)}" if d else ""
    text = (
        f"{str(now['sex']).lower()}s {_yr(now[value])} against {_yr(before[value])},"
        f" {word}{size} ({'significant' if abs(float(z)) > Z95 else 'not significant'})"
    )
    return text, str(now["period"]), str(before["period"])


def _changes(
    auth: Authority, period: str, result: MissionResult, sections: Sequence[Section]
) -> list[str]:
    out: list[str] = []
    mission = _find(sections, "mission")
    trend = None
    if mission is not None:
        trend = next((c.data for c in mission.charts if c.id == "chart-mission-trend"), None)
    if trend is not None and len(trend):
        mine = _periods(trend[trend["series"] == auth.name].copy())
        got = [_change(mine[mine["sex"] == sex], "value", "up", "down") for sex in SEXES]
        done = [g for g in got if g is not None]
        if done:
            out.append(
                f"{auth.name}'s healthy life expectancy, {done[0][1]} against {done[0][2]}: "
                f"{_and([g[0] for g in done])}."
            )
    gaps = result.gaps[result.gaps["period_start"] <= int(period[:4])]
    got = [_change(gaps[gaps["sex"] == sex], "gap", "wider by", "narrower by") for sex in SEXES]
    done = [g for g in got if g is not None]
    if done:
        out.append(
            f"England's regional gap, {done[0][1]} against {done[0][2]}: "
            f"{_and([g[0] for g in done])}."
        )
    if not out:
        out.append("The store holds too few periods to compare the latest with an earlier one.")
    return out


# ------------------------------------------------------------------ entry point


def summary_section(
    auth: Authority,
    period: str,
    result: MissionResult,
    sections: Sequence[Section],
    framework: Framework,
    workspace: Any = None,
) -> Section:
    """The report's one-page summary, from the other ``sections`` and the mission ``result``.

    The section's :attr:`~Section.groups` hold the four parts as (heading, paragraphs);
    :attr:`~Section.summary` holds the same paragraphs in order. ``workspace`` is a
    :class:`healthgap.framework.storage.Workspace` with the authority's commitments and
    actions, or None (the report then says none are recorded for it).
    """
    groups = (
        ("The gap", tuple(_headline(auth, period, result, sections))),
        ("Key findings", tuple(_findings(auth, sections))),
        ("What the authority committed to", tuple(_commitments(auth, framework, workspace))),
        (
            "What changed since the previous period",
            tuple(_changes(auth, period, result, sections)),
        ),
    )
    notes = (
        FINDINGS_RULE,
        "Since the previous period: healthy life expectancy is published for overlapping "
        "three-year periods, so the latest is compared with the last period sharing no year "
        "with it; 'significant' means the z test, with standard errors from the 95% limits, "
        "rejects no change at the 95% level.",
    )
    flat = tuple(p for _, items in groups for p in items)
    return Section("summary", "Summary", flat, notes=notes, groups=groups)


__all__ = ["FINDINGS_RULE", "summary_section"]
