"""Section "Outcomes framework scorecard": the authority's outcomes framework
(``--framework`` or a bundled example for the authority, else healthgap's default
indicator set) with nearest-neighbour benchmarks."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from healthgap.account.frameworks import (
    EXAMPLES,
    Framework,
    default_framework,
    load_framework,
    named_indicators,
    restrict_to_store,
)
from healthgap.account.neighbours import nearest_neighbours
from healthgap.account.scorecards import scorecard
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.geography.authorities import GLA_CODE
from healthgap.report.authority import Authority
from healthgap.report.model import ReportTable, Section, _table


def _choose_framework(
    auth: Authority,
    store: Store,
    framework: str | Path | Framework | None,
    indicators: Sequence[str] = (),
) -> tuple[Framework, str]:
    if isinstance(framework, Framework):
        chosen, how = framework, "given"
    elif framework is not None:
        chosen, how = load_framework(framework), "given"
    else:
        found = [
            fw
            for p in sorted(EXAMPLES.glob("*.toml"))
            if (fw := load_framework(p)).authority in (auth.code, auth.data_code)
        ]
        if found:
            chosen, how = found[0], "example"
        else:
            chosen = named_indicators(
                restrict_to_store(default_framework(auth.data_code, auth.area_type), store), store
            )
            how = "default"
    if chosen.authority not in (auth.code, auth.data_code):
        raise InputError(
            f"framework authority must be the report's authority {auth.code}; got "
            f"{chosen.authority!r} in {chosen.source or 'the framework'}. Pass the framework "
            "file written for this authority."
        )
    if chosen.authority != auth.data_code:
        from dataclasses import replace

        chosen = replace(chosen, authority=auth.data_code, area_type=auth.area_type)
    if indicators:
        from healthgap.account.frameworks import add_indicators

        chosen = add_indicators(chosen, indicators, store)
    return chosen, how


def _scorecard_section(
    store: Store,
    auth: Authority,
    framework: str | Path | Framework | None,
    indicators: Sequence[str] = (),
) -> Section:
    fw, how = _choose_framework(auth, store, framework, indicators)
    summary: list[str] = []
    if how == "default":
        summary.append(
            f"{auth.name} has no outcomes framework in healthgap, so this is healthgap's "
            "default indicator set: every headline indicator the open data hold for the "
            "authority, with no targets. A report made with the authority's own outcomes "
            "framework file shows its indicators and targets instead."
        )
    else:
        summary.append(f"Framework: {fw.name} (version {fw.version}).")
    if fw.illustration:
        summary.append(
            "ILLUSTRATION: this framework is an example of the file layout; its targets are "
            "invented and are not the authority's."
        )
    if not fw.indicators:
        summary.append(
            f"The open data publish none of the scorecard's indicators for {auth.name} at "
            f"{auth.label} level, and hold no counts and denominators to add them up from its "
            "councils or neighbourhoods, so no scorecard can be shown (a population-weighted "
            "mean of council rates would not be a valid figure for it)."
        )
        near_table, near_text = _neighbours(store, auth)
        summary.extend(near_text)
        return Section(
            "scorecard", "Outcomes framework scorecard", tuple(summary), tuple(near_table)
        )
    card = scorecard(fw, store, neighbours=5)
    t = card.table.copy()
    t["change_significant"] = card.change_significant()
    counts = t["compared_95"].value_counts()
    parts = [
        f"{int(counts.get(k, 0))} {label}"
        for k, label in (
            ("better", "significantly better than England"),
            ("similar", "similar to England"),
            ("worse", "significantly worse than England"),
        )
        if counts.get(k, 0)
    ]
    if parts:
        summary.append(
            f"Of {len(t)} indicator{'s' if len(t) != 1 else ''} at the latest period: "
            + ", ".join(parts)
            + " (95% level)."
        )
    targets = t[t["target"].notna()]
    if len(targets):
        st = targets["target_status"].value_counts()
        ahead = [
            f"{int(st[w])} {w}" for w in ("on track", "off track", "too early to say") if w in st
        ]
        summary.append(
            f"Targets: {int(st.get('met', 0))} met, {int(st.get('not met', 0))} not met and "
            f"{int(st.get('cannot tell', 0))} where the confidence interval contains the target "
            "(cannot tell)"
            + (f"; not yet due: {', '.join(ahead)}" if ahead else "")
            + ". A target is called met only when the whole 95% interval is on the "
            "good side of it; one whose period is not yet published is judged against the "
            "straight line from its baseline instead."
        )
    tables = [
        _table(
            "scorecard-values",
            f"{fw.name}: latest value of each indicator for {auth.name} compared with England",
            t,
            {
                "label": "Indicator",
                "period": "Period",
                "value": "Value",
                "lower_95_0": "Lower 95%",
                "upper_95_0": "Upper 95%",
                "england_value": "England",
                "compared_95": "vs England (95%)",
                "compared_99_8": "vs England (99.8%)",
            },
            {"value": 1, "lower_95_0": 1, "upper_95_0": 1, "england_value": 1},
        ),
        _table(
            "scorecard-progress",
            f"{fw.name}: change since baseline, targets and nearest-neighbour benchmarks",
            t,
            {
                "label": "Indicator",
                "baseline_period": "Baseline period",
                "baseline": "Baseline",
                "change": "Change",
                "change_significant": "Significant change",
                "target": "Target",
                "target_period": "Target period",
                "target_status": "Target status",
                "neighbour_mean": "Neighbour mean",
                "neighbour_rank": "Rank (1 = best)",
            },
            {"baseline": 1, "change": 1, "target": 1, "neighbour_mean": 1, "neighbour_rank": 0},
        ),
    ]
    near_table, near_text = _neighbours(store, auth)
    tables.extend(near_table)
    summary.extend(near_text)
    return Section(
        "scorecard", "Outcomes framework scorecard", tuple(summary), tuple(tables), (), card.notes
    )


def _neighbours(store: Store, auth: Authority) -> tuple[list[ReportTable], list[str]]:
    """The five most similar footprints of the same kind, as a table and a sentence."""
    kind_type = {"icb": "icb", "sub_icb": "sub_icb"}.get(auth.kind, auth.area_type)
    code = auth.code if auth.kind in ("icb", "sub_icb") else auth.data_code
    if auth.kind == "strategic_authority" and auth.code == GLA_CODE:
        kind_type, code = "region", auth.data_code
    try:
        near = nearest_neighbours(code, store=store, area_type=kind_type, k=5)
    except InputError:
        return [], []
    if near.empty:
        return [], []
    plural = {
        "region": "regions",
        "icb": "integrated care boards",
        "sub_icb": "sub-ICB locations",
    }.get(kind_type, "strategic authorities")
    table = _table(
        "scorecard-neighbours",
        f"The five {plural} most similar to {auth.name} in deprivation and size "
        "(nearest neighbours)",
        near,
        {
            "area_code": "Code",
            "area_name": "Area",
            "imd_score": "IMD 2019 average score",
            "population": "Population (mid-2015)",
            "distance": "Distance",
        },
        {"imd_score": 1, "population": 0, "distance": 2},
    )
    text = (
        f"Neighbour benchmarks compare {auth.name} with the {len(near)} {plural} most like it "
        "in deprivation and population: " + ", ".join(near["area_name"].astype(str)) + "."
    )
    return [table], [text]
