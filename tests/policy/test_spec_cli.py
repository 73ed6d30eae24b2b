"""Specs (TOML/YAML), the HTML report and the `healthgap policy` commands."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from healthgap.cli.main import app
from healthgap.errors import InputError
from healthgap.policy import load_spec, simulate, spec_from_dict
from healthgap.policy.report import plane_chart, simulation_html
from healthgap.policy.spec import resolve_inputs

runner = CliRunner()

SPEC = """
title = "Two options"
indicator = "HLE (years)"
draws = 500
seed = 7

[baseline]
values = [52.0, 57, 59, 62, 63, 64, 65, 67, 68, 70]

[[option]]
name = "Targeted"
effect = { 1 = [1.0, 2.0, 3.0] }

[[option]]
name = "Universal"
via = "determinant"
determinant = "employment rate, points"
per_unit = [0.1, 0.2, 0.3]
effect = { all = 1.0 }
"""

YAML = """
title: Two options
draws: 500
seed: 7
baseline:
  values: [52.0, 57, 59, 62, 63, 64, 65, 67, 68, 70]
option:
  - name: Targeted
    effect: {1: [1.0, 2.0, 3.0]}
  - name: PU
    effect: {all: 0.2}
    proportionate: {gradient: 1.0}
"""


def test_toml_and_yaml_specs(tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_text(SPEC)
    (tmp_path / "s.yaml").write_text(YAML)
    toml = load_spec(tmp_path / "s.toml")
    yml = load_spec(tmp_path / "s.yaml")
    assert [o.name for o in toml.options] == ["Targeted", "Universal"]
    assert toml.options[1].unit.central == 0.2 and toml.draws == 500 and toml.seed == 7
    assert yml.options[1].proportionate_gradient == 1.0
    kwargs = resolve_inputs(toml)
    sim = simulate(kwargs.pop("baseline"), toml.options, **kwargs)
    assert sim.verdicts == {"Targeted": "narrows", "Universal": "no clear effect"}


def test_csv_baseline(tmp_path: Path) -> None:
    (tmp_path / "b.csv").write_text(
        "d,hle,pop\n" + "".join(f"{i},{50 + i},{1000 + i}\n" for i in range(1, 11))
    )
    spec = spec_from_dict(
        {
            "baseline": {"csv": "b.csv", "quantile": "d", "value": "hle", "population": "pop"},
            "option": [{"name": "A", "effect": {"1": 1.0}}],
        }
    )
    kwargs = resolve_inputs(spec, base_dir=tmp_path)
    assert kwargs["population"] == "pop" and len(kwargs["baseline"]) == 10


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        ({"baseline": {"values": [1.0] * 10}}, "at least one \\[\\[option\\]\\]"),
        ({"option": [{"name": "A", "effect": {"1": 1}}]}, "must have a .baseline. table"),
        (
            {
                "baseline": {"values": [1.0] * 10},
                "option": [{"name": "A", "effect": {"1": 1}, "colour": 1}],
            },
            "option 1 settings must be among",
        ),
        ({"baseline": {"values": [1.0] * 10}, "option": ["A"]}, "option 1 must be a table"),
        (
            {
                "baseline": {"values": [1.0] * 10},
                "option": [{"name": "A", "effect": {"1": 1}}],
                "draws": 5,
            },
            "draws must be a whole number, 100 or more",
        ),
        (
            {"baseline": {"file": "x"}, "option": [{"name": "A", "effect": {"1": 1}}]},
            "must give csv, values or indicator",
        ),
    ],
)
def test_spec_errors(raw, match) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=match):
        resolve_inputs(spec_from_dict(raw))


def test_unreadable_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="the spec must be a readable file"):
        load_spec(tmp_path / "missing.toml")
    (tmp_path / "bad.toml").write_text("title = ")
    with pytest.raises(InputError, match="the spec must be valid TOML"):
        load_spec(tmp_path / "bad.toml")
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    with pytest.raises(InputError, match="the spec must be a table of settings"):
        load_spec(tmp_path / "list.yaml")


def test_report_is_self_contained_and_structured(tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_text(SPEC)
    spec = load_spec(tmp_path / "s.toml")
    kwargs = resolve_inputs(spec)
    sim = simulate(kwargs.pop("baseline"), spec.options, **kwargs)
    html = simulation_html(sim, spec.title)
    assert html.count("<h1>") == 1 and "<title>Two options</title>" in html
    assert "<svg" in html and "Equity-impact plane" in html
    # no external resources (the only URLs are XML namespaces inside the SVG)
    urls = set(re.findall(r"https?://[^\s\"'<>]+", html))
    assert all(u.startswith("http://www.w3.org/") for u in urls), urls
    assert "<script" not in html and "<link" not in html
    assert html.count("<caption>") == html.count("<table>")
    headings = re.findall(r'<h2 id="([^"]+)"', html)
    assert len(headings) == len(set(headings)) >= 5
    spec_json = plane_chart(sim).spec
    assert spec_json["layer"][4]["mark"]["type"] == "point"


def test_cli_simulate(tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_text(SPEC)
    out, table = tmp_path / "r.html", tmp_path / "t.csv"
    res = runner.invoke(
        app,
        ["policy", "simulate", str(tmp_path / "s.toml"), "--out", str(out), "--table", str(table)],
    )
    assert res.exit_code == 0, res.output
    assert "Targeted: narrows" in res.output and "Universal: no clear effect" in res.output
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert table.read_text().startswith("option,measure,label,baseline")


def test_cli_simulate_error_exits_nonzero(tmp_path: Path) -> None:
    res = runner.invoke(app, ["policy", "simulate", str(tmp_path / "none.toml")])
    assert res.exit_code != 0
    assert isinstance(res.exception, InputError)
    assert "the spec must be a readable file" in str(res.exception)


def test_cli_screen_workflow(tmp_path: Path) -> None:
    from tests.policy.test_screening import ANSWERS

    db = str(tmp_path / "s.db")
    res = runner.invoke(
        app,
        [
            "policy",
            "screen",
            "new",
            "Employment support",
            "--authority",
            "E47000001",
            "--db",
            db,
            "--by",
            "Ann",
        ],
    )
    assert res.exit_code == 0, res.output
    sid = res.output.strip()
    version = 1  # the record's creation is its first event
    for qid, value in ANSWERS.items():
        values = value if isinstance(value, list) else [value]
        args = ["policy", "screen", "answer", sid, qid, *values, "--db", db, "--by", "Ann"]
        res = runner.invoke(app, [*args, "--if-version", str(version)])
        assert res.exit_code == 0, res.output
        version += 1
        assert res.output.strip().endswith(f"version {version}")
    assert "status: ready for sign-off" in res.output
    res = runner.invoke(
        app,
        [
            "policy",
            "screen",
            "sign-off",
            sid,
            "--db",
            db,
            "--by",
            "Dee",
            "--role",
            "Director of Public Health",
            "--if-version",
            str(version),
        ],
    )
    assert res.exit_code == 0 and "Signed off; answers fingerprint" in res.output
    res = runner.invoke(app, ["policy", "screen", "list", "--db", db])
    assert f"{sid}\tE47000001\tsigned off\tEmployment support\tversion {version + 1}" in (
        res.output
    )
    out = tmp_path / "r.json"
    res = runner.invoke(
        app, ["policy", "screen", "export", sid, "--db", db, "-f", "json", "-o", str(out)]
    )
    assert res.exit_code == 0
    assert json.loads(out.read_text())["status"] == "signed off"
    res = runner.invoke(app, ["policy", "screen", "export", sid, "--db", db])
    assert "## Sign-off" in res.output
    res = runner.invoke(app, ["policy", "screen", "questions"])
    assert "[assess] plus_groups" in res.output and "(optional)" in res.output
    res = runner.invoke(
        app,
        [
            *("policy", "screen", "answer", sid, "deprivation", "lots", "--db", db, "--by", "A"),
            *("--if-version", str(version + 1)),
        ],
    )
    assert res.exit_code != 0 and "must be one of" in str(res.exception)


def test_option_effects_by_area_from_csv(tmp_path: Path) -> None:
    (tmp_path / "areas.csv").write_text(
        "area,quantile,population,low,central,high\nA,1,100,0,2,4\nB,1,300,1,4,8\nC,2,50,0,1,2\n"
    )
    (tmp_path / "s.toml").write_text(
        "[baseline]\nvalues = [52.0, 57, 59, 62, 63, 64, 65, 67, 68, 70]\n"
        '[[option]]\nname = "By area"\nareas = "areas.csv"\n'
    )
    spec = load_spec(tmp_path / "s.toml")
    low, central, high = spec.options[0].effect_arrays(10)
    assert central[:3].tolist() == [3.5, 1.0, 0.0]
    assert low[0] == 0.75 and high[0] == 7.0
    with pytest.raises(InputError, match="must give effect or areas, not both"):
        spec_from_dict(
            {
                "baseline": {"values": [1.0] * 10},
                "option": [{"name": "A", "effect": {"1": 1}, "areas": "areas.csv"}],
            },
            tmp_path,
        )
    with pytest.raises(InputError, match="areas must be a readable CSV file"):
        spec_from_dict(
            {"baseline": {"values": [1.0] * 10}, "option": [{"name": "A", "areas": "none.csv"}]},
            tmp_path,
        )
