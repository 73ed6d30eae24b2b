"""Every kind of footprint produces a report and a Core20 summary: a random sample each run.

The sample is drawn afresh on every run from the authorities of the May 2025 lookup, the
GLA and the 42 ICBs (April 2024), so over many runs every footprint is covered. The seed is
printed and named in every assertion message; rerun a failing sample with
``HEALTHGAP_FOOTPRINT_SEED=<seed>``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pypdf import PdfReader

from healthgap.account.core20plus5 import core20_indicators
from healthgap.data.store import Store
from healthgap.geography.authorities import GLA_CODE, current_authorities
from healthgap.geography.hierarchy import lsoa_lookup
from healthgap.report.context import build_context
from healthgap.report.model import ReportContext
from healthgap.report.pdf import html_to_pdf, write_report
from healthgap.report.render import render_html
from tests.report.test_report import SECTIONS

SEED = int(os.environ.get("HEALTHGAP_FOOTPRINT_SEED") or secrets.randbits(32))
print(f"\nfootprint sample seed: {SEED} (rerun with HEALTHGAP_FOOTPRINT_SEED={SEED})")


def _sample(store: Store) -> dict[str, list[str]]:
    rng = np.random.default_rng(SEED)
    authorities = [c for c in current_authorities(store)["code"] if c != GLA_CODE]
    icbs = sorted(lsoa_lookup(store)["icb_code"].unique())
    return {
        "authority": sorted(rng.choice(authorities, size=2, replace=False).tolist()),
        "gla": [GLA_CODE],
        "icb": sorted(rng.choice(icbs, size=2, replace=False).tolist()),
    }


@pytest.fixture(scope="module")
def sample(store: Store) -> dict[str, list[str]]:
    return _sample(store)


@pytest.fixture(scope="module")
def reports(store: Store) -> Callable[[str], tuple[ReportContext, str]]:
    """The report of a footprint (context and HTML), built once per module: the sampled
    HTML test and the PDF test read the same ones."""
    built: dict[str, tuple[ReportContext, str]] = {}

    def get(code: str) -> tuple[ReportContext, str]:
        if code not in built:
            ctx = build_context(store, code, today=None)
            built[code] = (ctx, render_html(ctx))
        return built[code]

    return get


@pytest.mark.parametrize("kind", ["authority", "gla", "icb"])
def test_sampled_footprints_write_an_html_report_and_a_core20_summary(
    store: Store, sample: dict[str, list[str]], reports: Any, kind: str
) -> None:
    for code in sample[kind]:
        where = f"{code} (seed {SEED})"
        ctx, html = reports(code)
        assert ctx.authority_code == code, where
        assert [s.title for s in ctx.sections] == ["Summary", *SECTIONS], where
        groups = dict(ctx.section("summary").groups)
        assert 3 <= len(groups["Key findings"]) <= 5, where
        assert groups["The gap"] and groups["What the authority committed to"], where
        assert html.count("<h1") == 1 and ctx.authority_name in html, where
        core20 = ctx.section("core20").table("core20-shares").frame
        total = core20.iloc[0]
        assert total["population"] > 0 and 0 <= total["core20_population_share"] <= 100, where
        if kind == "icb":
            # sections with no data at ICB level say so plainly, instead of showing zero
            mission = " ".join(ctx.section("mission").summary)
            assert "is not published for" in mission and "integrated care boards" in mission
            scorecard = " ".join(ctx.section("scorecard").summary)
            # ONS publishes life expectancy for ICBs: a default scorecard when it is there
            assert "no scorecard can be shown" in scorecard or "default" in scorecard, where
            assert ctx.section("scorecard").table("scorecard-neighbours").frame.shape[0] == 5
        res = core20_indicators(code, store=store, repetitions=200, seed=1)
        summary = res.summary()
        assert summary.startswith(f"Core20 in {res.footprint_name}:"), where
        # the Core20 summary and the report count the same people (the report's figure is
        # rounded to the nearest 5 by disclosure control)
        exact = float(res.population["population"].iloc[0])
        assert abs(exact - float(total["population"])) <= 2.5, where


def test_one_pdf_of_each_kind(
    store: Store, sample: dict[str, list[str]], reports: Any, tmp_path: Path
) -> None:
    """A PDF with pages and every section heading. write_report makes the authority's from
    scratch; the GLA's and the ICB's are made from the module's HTML of the same report
    (their context and HTML are checked above)."""
    for kind in ("authority", "gla", "icb"):
        code = sample[kind][0]
        out = tmp_path / f"{code}.pdf"
        if kind == "authority":
            ctx = write_report(store, code, out)
        else:
            ctx, html = reports(code)
            out.write_bytes(html_to_pdf(html))
        reader = PdfReader(out)
        text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
        where = f"{code} (seed {SEED})"
        assert len(reader.pages) > 1 and "Page 2 of" in text, where
        assert ctx.authority_name.split()[0] in text, where
        for title in SECTIONS:
            assert title in text, f"{title!r} in {where}"


def test_aggregation_rules_are_stated_per_measure(store: Store) -> None:
    from healthgap.account.aggregation import AS_PUBLISHED, FROM_COUNTS, NOT_SHOWN

    icb = build_context(store, "E54000057").section("methods").table("methods-aggregation")
    rules = icb.frame.set_index("label")["method"]
    assert rules["Healthy life expectancy at birth"] == NOT_SHOWN
    assert rules["Core20 population share"] == FROM_COUNTS
    gm = build_context(store, "E47000001").section("methods").table("methods-aggregation")
    assert gm.frame.set_index("label")["method"]["Healthy life expectancy at birth"] == (
        AS_PUBLISHED
    )
    # no rule is a silent mean of rates
    assert set(rules) <= {AS_PUBLISHED, FROM_COUNTS, NOT_SHOWN}
