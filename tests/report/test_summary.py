"""The report's one-page summary: page 1 of the PDF, numbers from the domain services."""

from __future__ import annotations

import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from typer.testing import CliRunner

from healthgap.account.mission import mission
from healthgap.cli.main import app
from healthgap.data.store import Store
from healthgap.framework import Actor, Partnerships, Workspace
from healthgap.framework.actions import ActionPlan
from healthgap.framework.commitments import Commitments
from healthgap.report.context import build_context
from healthgap.report.model import ReportContext
from healthgap.report.pdf import html_to_pdf
from healthgap.report.sections.common import HLE, SEXES
from healthgap.report.sections.summary import FINDINGS_RULE, MAX_FINDINGS

#: A flag (``--out``) or a healthgap command shown to readers.
COMMAND_TEXT = re.compile(
    r"(?<![\w-])--[a-z]|`healthgap|\bhealthgap (init|report|mission|data|allocate|places|"
    r"framework|ledger|policy|serve|targets)\b"
)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _pages(pdf: bytes) -> list[str]:
    doc = pdfium.PdfDocument(pdf)
    try:
        return [_flat(doc[i].get_textpage().get_text_bounded()) for i in range(len(doc))]
    finally:
        doc.close()


@pytest.fixture(scope="module")
def gm_pages(gm_html: str) -> list[str]:
    return _pages(html_to_pdf(gm_html))


def test_page_one_is_the_summary_with_the_mission_services_numbers(
    store: Store, gm: ReportContext, gm_pages: list[str]
) -> None:
    first = gm_pages[0]
    assert "Summary" in first and "Key findings" in first
    assert "What the authority committed to" in first
    assert "What changed since the previous period" in first
    # The whole summary fits on page 1: its last heading's text is there, and page 2
    # starts with the cover's "About this report".
    assert gm_pages[1].startswith("About this report")
    result = mission(store)
    gaps = result.gaps
    for sex in SEXES:
        last = gaps[gaps["sex"] == sex].sort_values("period_end").iloc[-1]
        assert f"{sex.lower()}s {float(last['gap']):.1f} years (95% CI" in first
        assert f"{float(last['lower']):.1f} to {float(last['upper']):.1f}" in first
        assert _flat(result.trends[sex].sentence) in first
    # The authority's own HLE, as ONS publishes it in the store.
    own = store.to_pandas(store.indicators(HLE, area_code="E47000001"))
    own = own[(own["period"] == gm.period) & own["sex"].isin(SEXES)]
    eng = store.to_pandas(store.indicators(HLE, area_code="E92000001"))
    eng = eng[eng["period"] == gm.period]
    assert len(own) == 2
    for r in own.itertuples():
        e = float(eng[eng["sex"] == r.sex]["value"].iloc[0])
        gap = abs(float(r.value) - e)
        assert f"{r.sex.lower()}s {float(r.value):.1f} years, {gap:.1f} years below" in first


def test_key_findings_follow_the_rule_and_reuse_section_numbers(gm: ReportContext) -> None:
    summary = gm.section("summary")
    groups = dict(summary.groups)
    findings = groups["Key findings"]
    assert 3 <= len(findings) <= MAX_FINDINGS
    assert FINDINGS_RULE in summary.notes
    sii = gm.section("inequalities").table("inequality-sii").frame
    hle = sii[sii["label"].str.startswith("Healthy life expectancy")]
    for r in hle.itertuples():
        if r.sii_lower_95_0 > 0:
            assert any(f"{r.sii:.1f} years lower for" in f for f in findings)
    core = gm.section("core20").table("core20-shares").frame
    share = float(core["core20_population_share"].iloc[0])
    assert any(f.startswith(f"{share:.1f}% of Greater Manchester's people") for f in findings)
    card = gm.section("scorecard").table("scorecard-values").frame
    worse = int((card["compared_95"] == "worse").sum())
    assert any(f"Of {len(card)} outcomes-framework indicators, {worse} " in f for f in findings)


def test_commitments_say_none_without_a_workspace(gm: ReportContext) -> None:
    said = dict(gm.section("summary").groups)["What the authority committed to"]
    assert said == (
        "No commitments, actions or targets of Greater Manchester are recorded for this "
        "report (it was made from the open data only, without the authority's framework "
        "workspace). The scorecard's example framework has invented targets, so they are "
        "not counted here.",
    )


def test_commitments_and_actions_from_the_workspace(store: Store) -> None:
    ws = Workspace(":memory:")
    ed = Actor("Gita", "editor", "E47000001")
    icb = Partnerships(ws, "E47000001").add_partner(ed, "NHS Greater Manchester", "icb")
    Commitments(ws, "E47000001").add(
        ed,
        title="Share work and health data",
        partners=[{"partner": icb, "commits_to": "Monthly extracts"}],
    )
    ActionPlan(ws, "E47000001").add(ed, title="Good work charter for health")
    ctx = build_context(store, "E47000001", workspace=ws)
    said = " ".join(dict(ctx.section("summary").groups)["What the authority committed to"])
    assert (
        "1 joint commitment recorded (0 past the proposal stage): Share work and health data"
        in said
    )
    assert "1 action in its action plan: Good work charter for health." in said
    assert "No commitments" not in said


def test_no_command_line_text_for_readers(gm_html: str, gm_pages: list[str]) -> None:
    body = re.sub(r"<style>.*?</style>", "", gm_html, flags=re.S)
    assert not COMMAND_TEXT.search(body), COMMAND_TEXT.search(body)
    for page in gm_pages:
        assert not COMMAND_TEXT.search(page), page


def test_command_text_pattern_catches_flags_and_commands() -> None:
    assert COMMAND_TEXT.search("Pass --framework FILE")
    assert COMMAND_TEXT.search("rebuild with healthgap init")
    assert not COMMAND_TEXT.search("2019-2021 – 5.0 years; the healthgap store")


def test_no_near_empty_pages(gm_pages: list[str]) -> None:
    # Every page but the last carries at least a few lines of text.
    for n, page in enumerate(gm_pages[:-1], start=1):
        assert len(page) > 400, f"page {n} is nearly empty: {page[:200]!r}"


def test_cli_framework_db_lists_the_workspace_actions(store_path: Path, tmp_path: Path) -> None:
    db = tmp_path / "framework.sqlite"
    ws = Workspace(db)
    ed = Actor("Gita", "editor", "E47000002")
    ActionPlan(ws, "E47000002").add(ed, title="Healthy homes programme")
    out = tmp_path / "sy.html"
    args = ["report", "--authority", "E47000002", "--out", str(out)]
    args += ["--store", str(store_path), "--framework-db", str(db)]
    res = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")
    assert "1 action in its action plan: Healthy homes programme." in html


def test_example_records_are_tagged_in_the_summary(store: Store) -> None:
    """Records of the example workspace (issue 19) say EXAMPLE where the summary names them."""
    ws = Workspace(":memory:")
    ed = Actor("Gita", "editor", "E47000001")
    ActionPlan(ws, "E47000001").add(ed, title="A real action")
    ws.examples = True
    ActionPlan(ws, "E47000001").add(ed, title="Example: an illustrative action")
    ctx = build_context(store, "E47000001", workspace=ws)
    said = " ".join(dict(ctx.section("summary").groups)["What the authority committed to"])
    assert "A real action;" in said and "A real action (EXAMPLE" not in said
    assert "Example: an illustrative action (EXAMPLE: illustrative, not a real record)" in said
