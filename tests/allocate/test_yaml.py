"""YAML formula files: the same fields, checks and messages as TOML, with YAML line numbers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from healthgap.allocate import Formula, allocate
from healthgap.config_files import load_yaml, yaml_line
from healthgap.errors import InputError
from tests.allocate.test_formula import GOOD

# The TOML formula GOOD of test_formula.py, written in YAML (line numbers on the right).
YAML = """\
name: Test formula
current: current
control_total: 100000.50
indices:
  age_need:
    column: age_need
  smr:
    column: smr_u75
    exponent: 1.0
  hi:
    of: {smr: 1.0, age_need: 0.5}
cost_curves:
  acute:
    weights:
      - {age: "0-64", sex: F, weight: 1.0}
      - {age: "0-64", sex: M, weight: 0.9}
      - {age: "65+", sex: F, weight: 2.5}
      - {age: "65+", sex: M, weight: 2.7}
components:
  core:
    share: 0.9
    base: acute
    indices: [age_need]
  health_inequalities:
    share: 0.1
    indices: [hi]
cost_adjustment:
  column: mff
pace:
  years: 3
  growth: [0.03, 0.025]
  floor: 0.02
  ceiling: 0.1
"""


def parse(text: str) -> Formula:
    return Formula.from_yaml(text, source="test.yaml")


def swap(old: str, new: str) -> str:
    assert old in YAML, old
    return YAML.replace(old, new, 1)


def test_yaml_and_toml_give_the_same_formula() -> None:
    a, b = parse(YAML), Formula.from_toml(GOOD, source="test.toml")
    assert replace(a, source="x") == replace(b, source="x")  # text and lines not compared
    assert a.control_total == 10_000_050
    assert a.cost_curves["acute"].weights[("65+", "M")] == 2.7


def test_yaml_line_map() -> None:
    _, lines = load_yaml(YAML, "test.yaml")
    assert lines["control_total"] == 3
    assert lines["indices.smr.exponent"] == 9
    assert lines["indices.hi.of.age_need"] == 11
    assert lines["cost_curves.acute.weights[2]"] == 17
    assert lines["components.health_inequalities.share"] == 25
    assert yaml_line(lines, "components.core.nothing") == 20  # nearest parent
    assert yaml_line(lines, "nowhere") is None


def test_load_reads_yaml_and_yml(tmp_path: Path) -> None:
    for suffix in (".yaml", ".yml"):
        path = tmp_path / f"f{suffix}"
        path.write_text(YAML, encoding="utf-8")
        assert Formula.load(path).source == f"f{suffix}"


def test_a_yaml_formula_allocates_like_its_toml_twin() -> None:
    text = "control_total: 1000\nindices: {n: {column: need}}\ncomponents:\n  core:\n"
    text += "    share: 1\n    indices: [n]\n"
    df = pd.DataFrame({"area": ["A", "B"], "population": [100, 300], "need": [2.0, 1.0]})
    got = allocate(Formula.from_yaml(text), df).to_frame()["target_pence"].tolist()
    # By hand: need-weighted bases 200 and 300 of 500 -> £400 and £600.
    assert got == [40000, 60000]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            swap("    share: 0.1", "    shares: 0.1"),
            r"fields under \[components.health_inequalities\] must be one of share, base, "
            r"indices, description; got 'shares' at components.health_inequalities.shares "
            r"\(line 25 of test.yaml\). Did you mean 'share'\?",
        ),
        (
            swap("name: Test formula", "nmae: Test formula"),
            r"got 'nmae' at nmae \(line 1 of test.yaml\). Did you mean 'name'\?",
        ),
        (
            swap("exponent: 1.0", "exponant: 1.0"),
            r"got 'exponant' at indices.smr.exponant \(line 9 of test.yaml\)",
        ),
        (
            swap("share: 0.1", "share: 0.15"),
            r"component shares must add up to 1; got 0.9 \+ 0.15 = 1.05 \(first share at "
            r"components.core.share \(line 21 of test.yaml\)\)",
        ),
        (
            swap("share: 0.1", "share: 10"),
            r"components.health_inequalities.share \(line 25 of test.yaml\) must be a share "
            r"between 0 and 1; got 10. Write 10% as 0.1. Did you mean 0.1\?",
        ),
        (
            swap("share: 0.1", "share: 10%"),
            r"must be a share between 0 and 1; got '10%'",
        ),
        (
            swap("of: {smr: 1.0, age_need: 0.5}", "of: {smrr: 1.0}"),
            r"indices.hi.of.smrr \(line 11 of test.yaml\) must name an index defined under "
            r"\[indices\]; got 'smrr'.* Did you mean 'smr'\?",
        ),
        (
            swap("of: {smr: 1.0, age_need: 0.5}", "of: {hi: 1.0}"),
            r"indices.hi.of.hi \(line 11 of test.yaml\): indices must not be defined in a "
            r"circle; got hi -> hi",
        ),
        (
            swap("indices: [hi]", "indices: [hii]"),
            r"components.health_inequalities.indices \(line 26 of test.yaml\) must name "
            r"indices defined under \[indices\]; got 'hii'",
        ),
        (
            swap("base: acute", "base: acut"),
            r"components.core.base \(line 22 of test.yaml\) must be \"population\" or a cost "
            r"curve.*Did you mean 'acute'\?",
        ),
        (
            swap('{age: "65+", sex: F, weight: 2.5}', '{age: "65+", weight: 2.5}'),
            r"cost_curves.acute.weights\[2\] \(line 17 of test.yaml\) must use the same band "
            r"columns as the first entry \(age, sex\); got age",
        ),
        (
            swap('{age: "65+", sex: F, weight: 2.5}', '{age: "65+", sex: F, weight: -1}'),
            r"weights\[2\].weight \(line 17 of test.yaml\) must be a number of 0 or more",
        ),
        (
            swap("years: 3", "years: 0"),
            r"pace.years \(line 30 of test.yaml\) must be a whole number from 1 to 50; got 0",
        ),
        (
            swap("years: 3", "years: true"),
            r"pace.years \(line 30 of test.yaml\) must be a whole number from 1 to 50; got True",
        ),
        (
            swap("ceiling: 0.1", "ceiling: 0.01"),
            r"pace.ceiling \(line 33 of test.yaml\) must be a growth rate at least the floor",
        ),
        (
            swap("control_total: 100000.50", "control_total: lots"),
            r"control_total \(line 3 of test.yaml\) must be an amount in pounds; got 'lots'",
        ),
        (swap("name: Test formula", "name: 5"), r"name \(line 1 of test.yaml\) must be text"),
        # Structure and syntax.
        ("name: x\n", r"test.yaml must define at least one component; got none"),
        (
            "components:\n  - share: 1\n",
            r"components \(line 1 of test.yaml\) must be a table of named components",
        ),
        ("- 1\n- 2\n", r"test.yaml must be a mapping of fields at the top .*; got list"),
        ("just text\n", r"test.yaml must be a mapping of fields at the top .*; got str"),
        ("", r"test.yaml must define at least one component; got none"),
        (
            "components:\n  core:\n    share: 1\n    share: 0.5\n",
            r"test.yaml must be valid YAML with each key written once; got "
            r"'components.core.share' twice \(line 3 and line 4\)",
        ),
        (
            "components:\n  core:\n   share: 1\n  bad indent\n",
            r"test.yaml must be valid YAML; got: could not find expected .:. at line \d. Check",
        ),
        ('name: "unclosed\n', r"test.yaml must be valid YAML; got: .*Check indentation"),
        ("? [a, b]\n: 1\n", r"test.yaml must use plain names as keys; got a list as a key"),
    ],
)
def test_yaml_errors_name_the_field_and_line(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse(text)


def test_yaml_file_errors(tmp_path: Path) -> None:
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"latin.yaml must be UTF-8 text"):
        Formula.load(latin)
    bad = tmp_path / "bad.yml"
    bad.write_text("components:\n  core:\n    share: 2\n")
    with pytest.raises(InputError, match=r"components.core.share \(line 3 of bad.yml\)"):
        Formula.load(bad)
