"""Wider determinants (domain, report section, CLI) and scorecards with any indicator.

Reference values are read from the mirror's ONS Explore Local Statistics files
(``els/employment-rate.csv``, ``els/qualifications-none-gb.csv``) and the May 2025
LAD-to-combined-authority lookup, not from the store. Hand-worked comparisons:

* employment rate 2023, Greater Manchester 71.9 (95% CI 70.3 to 73.5) against England
  76.0: the upper limit is below England's value and higher is better, so *worse* at
  95%; at 99.8% the half-width 1.6 x 3.0902/1.9600 = 2.523 gives an upper limit of
  74.42, still below 76.0, so *worse* again;
* no qualifications 2023, 7.3 (6.4 to 8.2) against 6.2: the lower limit is above
  England's and lower is better, so *worse* at 95%; at 99.8% the lower limit is
  7.3 - 0.9 x 3.0902/1.9600 = 5.881, below 6.2, so *similar*.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from healthgap.account.frameworks import add_indicators, addable_indicators, default_framework
from healthgap.account.scorecards import scorecard
from healthgap.account.wider_determinants import wider_determinants
from healthgap.cli.main import app
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.report.authority import resolve_authority
from healthgap.report.sections.wider import wider_section
from tests.data.open_data._mirror import mirror_or_skip

GM = "E47000001"


def els(file: str, indicator: str, period: str) -> dict[str, dict[str, str]]:
    path = Path(mirror_or_skip()) / "els" / file
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {
            r["areacd"]: r
            for r in csv.DictReader(fh)
            if r["indicator"] == indicator and r["period"] == period
        }


def gm_councils() -> dict[str, str]:
    path = Path(mirror_or_skip()) / "lookups" / "lad25_cauth25_may2025.csv"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {r["LAD25CD"]: r["LAD25NM"] for r in csv.DictReader(fh) if r["CAUTH25CD"] == GM}


def test_employment_rate_against_the_published_file(fw_store: Store) -> None:
    councils = gm_councils()
    assert len(councils) == 10
    result = wider_determinants(GM, store=fw_store, members=list(councils))
    row = result.table.set_index("indicator_id").loc["els_employment_rate"]
    published = els("employment-rate.csv", "Employment rate", "2023-01-01/P1Y")
    gm, england = published[GM], published["E92000001"]
    assert row["period"] == "2023"
    assert row["value"] == pytest.approx(float(gm["observation"]), abs=1e-12)
    assert row["lower_95_0"] == pytest.approx(float(gm["lci_95"]), abs=1e-12)
    assert row["upper_95_0"] == pytest.approx(float(gm["uci_95"]), abs=1e-12)
    assert row["england_value"] == pytest.approx(float(england["observation"]), abs=1e-12)
    assert (row["compared_95"], row["compared_99_8"]) == ("worse", "worse")  # hand-worked
    assert row["theme"] == "Work and income"
    # spread between the ten councils, from the file itself
    values = {c: float(published[c]["observation"]) for c in councils}
    low, high = min(values, key=values.__getitem__), max(values, key=values.__getitem__)
    assert row["members"] == 10
    assert (row["lowest_member"], row["lowest_value"]) == (councils[low], values[low])
    assert (row["highest_member"], row["highest_value"]) == (councils[high], values[high])


def test_no_qualifications_differs_at_95_but_not_at_99_8(fw_store: Store) -> None:
    result = wider_determinants(GM, store=fw_store)
    row = result.table.set_index("indicator_id").loc["els_no_qualifications"]
    gm = els("qualifications-none-gb.csv", "No qualifications", "2023-01-01/P1Y")[GM]
    assert row["value"] == float(gm["observation"])
    assert (row["compared_95"], row["compared_99_8"]) == ("worse", "similar")  # hand-worked
    assert row["theme"] == "Education and skills"
    assert result.table["members"].eq(0).all()  # no members given: no spread


def test_only_wider_determinants_and_every_theme_in_order(fw_store: Store) -> None:
    result = wider_determinants(GM, store=fw_store)
    from healthgap.data.indicator_metadata import metadata

    domains = metadata(fw_store, list(result.table["indicator_id"]))["domain"]
    assert set(domains) == {"Wider determinants"}
    themes = list(dict.fromkeys(result.table["theme"]))
    assert themes == [
        "Work and income",
        "Child poverty",
        "Education and skills",
        "Access to work and services",
        "Culture and heritage",
        "Other wider determinants",
    ]
    counts = result.counts()
    assert sum(counts.values()) == len(result.table)
    with pytest.raises(InputError, match=r"must have wider-determinant values .*few for NHS"):
        wider_determinants("E99999999", store=fw_store)


def test_the_report_section_lays_out_the_domain_numbers(fw_store: Store) -> None:
    auth = resolve_authority(GM, fw_store)
    section = wider_section(fw_store, auth)
    assert section.id == "wider"
    work = section.table("wider-work-and-income").frame.set_index("indicator_name")
    domain = wider_determinants(GM, store=fw_store, members=list(auth.members["lad_code"]))
    expected = domain.table.set_index("indicator_name")
    for name in work.index:
        assert work.loc[name, "value"] == expected.loc[name, "value"]
        assert work.loc[name, "lowest_member"] == expected.loc[name, "lowest_member"]
    worse = expected.index[expected["compared_95"] == "worse"]
    assert any(all(n in s for n in worse) for s in section.summary)


def test_a_scorecard_can_take_any_indicator_in_the_store(fw_store: Store) -> None:
    base = default_framework(GM, "combined_authority", [("hle_birth", "Female")])
    fw = add_indicators(base, ["els_employment_rate", "els_no_qualifications:Persons"], fw_store)
    assert [i.id for i in fw.indicators] == [
        "hle_birth",
        "els_employment_rate",
        "els_no_qualifications",
    ]
    assert add_indicators(fw, ["els_employment_rate"], fw_store) == fw  # not repeated
    card = scorecard(fw, fw_store, neighbours=0).table.set_index("indicator_id")
    emp = card.loc["els_employment_rate"]
    assert emp["label"] == emp["indicator_name"] == "Employment rate (Great Britain)"
    assert emp["polarity"] == "RAG - High is good"  # reviewed polarity from the metadata
    assert emp["polarity_reason"] and emp["unit"] == "%" and emp["source"]
    gm = els("employment-rate.csv", "Employment rate", "2023-01-01/P1Y")
    assert emp["value"] == float(gm[GM]["observation"])
    assert emp["england_value"] == float(gm["E92000001"]["observation"])
    assert (emp["compared_95"], emp["compared_99_8"]) == ("worse", "worse")
    noq = card.loc["els_no_qualifications"]
    assert (noq["compared_95"], noq["compared_99_8"]) == ("worse", "similar")
    with pytest.raises(InputError, match=r"got 'nope', which has none. Some it has: "):
        add_indicators(base, ["nope"], fw_store)
    with pytest.raises(InputError, match=r"sex of els_employment_rate must be one of Persons"):
        add_indicators(base, ["els_employment_rate:Female"], fw_store)


def test_the_cli_calls_the_same_services(fw_store: Store, tmp_path: Path) -> None:
    out = tmp_path / "wider.csv"
    got = CliRunner().invoke(
        app, ["profile", "--area", GM, "--wider", "--store", fw_store.path, "--out", str(out)]
    )
    assert got.exit_code == 0, got.output
    import pandas as pd

    written = pd.read_csv(out).set_index("indicator_id")
    assert written.loc["els_employment_rate", "compared_95"] == "worse"
    assert written.loc["els_employment_rate", "members"] == 10
    card = CliRunner().invoke(
        app,
        [
            "scorecard",
            "--authority",
            GM,
            "--indicator",
            "els_no_qualifications",
            "--neighbours",
            "0",
            "--store",
            fw_store.path,
        ],
    )
    assert card.exit_code == 0, card.output
    assert "No qualifications: 7.3 (2023); England 6.2: worse (95%), similar (99.8%)" in (
        " ".join(card.output.split())
    )


def test_addable_indicators_are_what_add_indicators_accepts(fw_store: Store) -> None:
    base = default_framework(GM, "combined_authority", [("hle_birth", "Female")])
    table = addable_indicators(base, fw_store)
    assert ("hle_birth:Female") not in set(table["spec"])  # already on the card
    assert "els_employment_rate:Persons" in set(table["spec"])
    assert table["spec"].is_unique and list(table["label"]) == sorted(table["label"])
    emp = table.set_index("spec").loc["els_employment_rate:Persons"]
    assert emp["label"] == "Employment rate (Great Britain)"
    # every choice is accepted, and adds exactly itself
    sample = list(table["spec"][:: max(1, len(table) // 12)])
    fw = add_indicators(base, sample, fw_store)
    assert [f"{i.id}:{i.sex}" for i in fw.indicators[1:]] == sample
    labels = dict(zip(table["spec"], table["label"], strict=True))
    assert [i.label for i in fw.indicators[1:]] == [labels[s] for s in sample]
    assert not set(addable_indicators(fw, fw_store)["spec"]) & set(sample)
