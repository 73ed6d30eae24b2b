"""The annual health-duty report's numbers, built from the store (no rendering).

:func:`build_context` gathers, for one English strategic authority, every figure the
report shows into a plain :class:`ReportContext`: sections of plain-English summaries,
tables and chart data. Rendering (:mod:`healthgap.report.render`, charts, PDF) only
formats what is here, so the HTML, the PDF and any test read the same numbers.

The report's objects (:class:`~healthgap.report.model.ReportContext`, sections, tables,
chart data and :func:`~healthgap.report.model.protect`) are in :mod:`healthgap.report.model`;
the footprint it is for in :mod:`healthgap.report.authority`; each section is built by its
own module of :mod:`healthgap.report.sections`, in report order:

0. ``summary``: one page for a mayor and a scrutiny committee, from the numbers below
   (:mod:`~healthgap.report.sections.summary`).
1. ``mission``: the regional HLE gap and the authority's own HLE by sex against England
   and its region (:mod:`~healthgap.report.sections.mission`).
2. ``scorecard``: its outcomes framework with nearest-neighbour benchmarks
   (:mod:`~healthgap.report.sections.scorecard`).
3. ``targets``: the authority's published targets, when a target book is given
   (:mod:`~healthgap.report.sections.targets`).
4. ``wider``: wider determinants of health (:mod:`~healthgap.report.sections.wider`).
5. ``inequalities``: SII and RII across the member councils ranked by IMD 2019 score
   (:mod:`~healthgap.report.sections.inequality`).
6. ``decomposition``: the HLE gap to England split into the LE gap and the years lived in
   poorer health (:mod:`~healthgap.report.sections.decomposition`).
7. ``core20``: Core20 population share (:mod:`~healthgap.report.sections.core20`).
8. ``hexmap``: the member councils on the LAD hex layout
   (:mod:`~healthgap.report.sections.hexmap`).
9. ``funding``: NHS England's published need (:mod:`~healthgap.report.sections.funding`).
10. decisions, questions and commitments, with an app database
    (:mod:`~healthgap.report.sections.accountability`).
11. ``methods``: methods notes and the data catalogue of the store
    (:mod:`~healthgap.report.sections.methods`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from healthgap.account.council_values import hle_periods
from healthgap.account.frameworks import (
    Framework,
)
from healthgap.account.mission import mission
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.geography.footprints import Place
from healthgap.report.authority import Authority, resolve_authority
from healthgap.report.model import ReportContext, Section, protect
from healthgap.report.sections.common import _member_ranks
from healthgap.report.sections.core20 import _core20_section
from healthgap.report.sections.decomposition import _decomposition_section
from healthgap.report.sections.funding import funding_section
from healthgap.report.sections.hexmap import _hexmap_section
from healthgap.report.sections.inequality import _inequality_section
from healthgap.report.sections.methods import _methods_section
from healthgap.report.sections.mission import _mission_section
from healthgap.report.sections.scorecard import _choose_framework, _scorecard_section
from healthgap.report.sections.summary import summary_section
from healthgap.report.sections.targets import targets_section
from healthgap.report.sections.wider import wider_section


def build_context(
    store: Store,
    authority: str | Place,
    *,
    period: str | None = None,
    framework: str | Path | Framework | None = None,
    target_year: int | None = None,
    today: dt.date | None = None,
    on: Any = None,
    workspace: Any = None,
    indicators: Sequence[str] = (),
    targets: Any = None,
    accountability: Any = None,
) -> ReportContext:
    """All the numbers of the annual health-duty report for one strategic authority.

    Parameters
    ----------
    store
        An open :class:`~healthgap.data.store.Store` built from the open data.
    authority
        A strategic authority of the latest lookup (E47...), the GLA (E61000001;
        E12000007 is accepted as its alias), an ICB (E54...), a sub-ICB (E38...) or a
        :class:`~healthgap.geography.Place`.
    period
        The healthy-life-expectancy period the report is for, e.g. ``"2022-2024"``
        (default the latest). Other indicators use their latest period up to then.
    framework
        An outcomes framework file (TOML/YAML) or :class:`Framework` for the authority;
        default a bundled example for the authority, else the default indicator set.
    target_year
        The mission's target year (no default: without one, no mission status is given).
    on
        The date strategic-authority membership is taken for (default today: the latest
        ONS lookup).
    workspace
        A :class:`healthgap.framework.storage.Workspace` holding the authority's joint
        commitments and action plan, for the summary (default None: the summary says
        none are recorded for the report).
    indicators
        More indicators for the scorecard, by id (``"ID"`` or ``"ID:Sex"``): any the store
        holds for the authority (:func:`healthgap.account.frameworks.add_indicators`).
    targets
        A :class:`healthgap.account.authority_targets.TargetBook` whose published targets
        of the authority the targets section shows (:mod:`healthgap.report.sections.targets`).
    accountability
        An engine of the app database: the report then adds "Decisions and regard",
        "Questions and answers" and "What we committed to last year, what happened"
        (:mod:`healthgap.report.sections.accountability`). Default None: left out.

    Raises
    ------
    InputError
        An unknown authority (the message lists the valid codes), a period not in the HLE
        series, a framework for another authority, or a bad target year.

    Examples
    --------
    >>> ctx = build_context(store, "E47000001", target_year=2035)  # doctest: +SKIP
    >>> [s.title for s in ctx.sections]  # doctest: +SKIP
    """
    auth = resolve_authority(authority, store, on=on)
    periods = hle_periods(store)
    if not periods:
        raise InputError(
            "the store must hold ONS healthy life expectancy; got none. Rebuild it with "
            "`healthgap init`."
        )
    if period is None:
        period = periods[-1]
    elif period not in periods:
        raise InputError(
            f"period must be a healthy life expectancy period in the store; got {period!r}. "
            f"Periods: {', '.join(periods)}."
        )
    result = mission(store, target_year=target_year)
    fw, _ = _choose_framework(auth, store, framework, indicators)
    with_targets = (
        _mission_section(store, auth, period, target_year, result),
        _scorecard_section(store, auth, framework, indicators),
        targets_section(store, auth, targets, today),
        wider_section(store, auth),
        _inequality_section(store, auth, period),
        _decomposition_section(store, auth, period),
        _core20_section(store, auth),
        _hexmap_section(store, auth),
        funding_section(store, auth),
    )
    sections: tuple[Section, ...] = tuple(s for s in with_targets if s is not None)
    if accountability is not None and auth.kind != "place":  # a saved place has no register
        from healthgap.report.sections.accountability import sections as accountability_sections

        sections += accountability_sections(accountability, auth.code, today)
    sections += (_methods_section(store, auth),)
    summary = summary_section(auth, period, result, sections, fw, workspace)
    sections = (summary, *sections)
    members = _member_ranks(store, auth)
    return ReportContext(
        authority_code=auth.code,
        authority_name=auth.name,
        data_code=auth.data_code,
        region_code=auth.region_code,
        region_name=auth.region_name,
        members=protect(members[["lad_code", "lad_name", "imd_score", "population"]]),
        period=period,
        target_year=target_year,
        generated=today or dt.date.today(),
        sections=sections,
        kind=auth.kind,
        kind_label=auth.label,
        geography=_geography_text(auth),
        notes=auth.notes,
    )


def _geography_text(auth: Authority) -> str:
    """Which lookups define the footprint, in one sentence."""
    if auth.kind == "strategic_authority":
        from healthgap.geography.authorities import VINTAGES

        v = next(v for v in VINTAGES if v.id == (auth.footprint.vintage if auth.footprint else ""))
        return (
            f"Members from the {v.title}; councils as LAD 2024 codes; neighbourhoods as "
            "2021 LSOAs (IMD 2019 figures on 2011 LSOAs, bridged with the ONS LSOA 2011 to "
            "2021 lookup)."
        )
    if auth.kind == "place":
        return (
            "A user-defined place: the LSOAs (2021) or districts (LAD 2024 codes) it was saved "
            "with, checked against the ONS lookups; IMD 2019 figures on 2011 LSOAs, bridged "
            "with the ONS LSOA 2011 to 2021 lookup."
        )
    return (
        "Neighbourhoods from the ONS LSOA (2021) to sub-ICB location to ICB (April 2024) "
        "lookup; councils as LAD 2024 codes (best fit from the LSOAs); IMD 2019 figures on "
        "2011 LSOAs, bridged with the ONS LSOA 2011 to 2021 lookup."
    )
