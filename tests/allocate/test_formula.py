"""Formula files: what they may say, and the messages when they are wrong (line and field)."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthgap.allocate import Formula
from healthgap.config_files import line_of
from healthgap.errors import InputError

GOOD = """\
name = "Test formula"
current = "current"
control_total = 100_000.50

[indices.age_need]
column = "age_need"

[indices.smr]
column = "smr_u75"
exponent = 1.0

[indices.hi]
of = { smr = 1.0, age_need = 0.5 }

[cost_curves.acute]
weights = [
  { age = "0-64", sex = "F", weight = 1.0 },
  { age = "0-64", sex = "M", weight = 0.9 },
  { age = "65+", sex = "F", weight = 2.5 },
  { age = "65+", sex = "M", weight = 2.7 },
]

[components.core]
share = 0.9
base = "acute"
indices = ["age_need"]

[components.health_inequalities]
share = 0.1
indices = ["hi"]

[cost_adjustment]
column = "mff"

[pace]
years = 3
growth = [0.03, 0.025]
floor = 0.02
ceiling = 0.1
"""


def parse(text: str) -> Formula:
    return Formula.from_toml(text, source="test.toml")


def test_a_full_formula_parses() -> None:
    f = parse(GOOD)
    assert f.name == "Test formula"
    assert f.control_total == 10_000_050
    assert [c.name for c in f.components] == ["core", "health_inequalities"]
    assert f.components[0].base == "acute" and f.components[1].base is None
    assert dict(f.indices["hi"].of) == {"smr": 1.0, "age_need": 0.5}
    assert f.cost_curves["acute"].keys == ("age", "sex")
    assert f.cost_curves["acute"].weights[("65+", "M")] == 2.7
    assert f.cost_column == "mff"
    assert f.pace is not None
    assert (f.pace.years, f.pace.growth, f.pace.floor, f.pace.ceiling) == (
        3,
        (0.03, 0.025),
        0.02,
        0.1,
    )
    # Derived indices come after the indices they are made of.
    order = f.index_order
    assert order.index("hi") > order.index("smr") and order.index("hi") > order.index("age_need")


def test_defaults() -> None:
    f = Formula.from_toml("[components.all]\nshare = 1\n", source="plain.toml")
    assert (f.name, f.area, f.population, f.current, f.control_total) == (
        "plain",
        "area",
        "population",
        None,
        None,
    )
    assert f.pace is None and f.cost_column is None and f.resources_column is None


def test_scalar_growth_repeats_for_each_later_year() -> None:
    f = parse(GOOD.replace("growth = [0.03, 0.025]", "growth = 0.04"))
    assert f.pace is not None and f.pace.growth == (0.04, 0.04)


def test_load_from_file(tmp_path: Path) -> None:
    path = tmp_path / "icb.toml"
    path.write_text(GOOD, encoding="utf-8")
    assert Formula.load(path).source == "icb.toml"


def test_with_shares_and_control_total() -> None:
    f = parse(GOOD)
    g = f.with_shares({"core": 0.85, "health_inequalities": 0.15}, name="HI 15%")
    assert [c.share for c in g.components] == [0.85, 0.15] and g.name == "HI 15%"
    assert f.with_control_total("2,000").control_total == 200_000
    with pytest.raises(InputError, match=r"shares must name components of the formula; got 'hi'"):
        f.with_shares({"hi": 0.2})
    with pytest.raises(
        InputError, match=r"component shares must add up to 1; got 0.9 \+ 0.2 = 1.1"
    ):
        f.with_shares({"health_inequalities": 0.2})


def test_line_locator_finds_fields() -> None:
    assert line_of(GOOD, "control_total") == 3
    assert line_of(GOOD, "indices.smr.exponent") == 10
    assert line_of(GOOD, "indices.hi.of.age_need") == 13
    assert line_of(GOOD, "cost_curves.acute.weights[2]") == 19
    assert line_of(GOOD, "components.health_inequalities.share") == 29
    assert line_of(GOOD, "pace.ceiling") == 39
    # A field that is not there is reported at its nearest parent.
    assert line_of(GOOD, "components.core.nothing") == 23
    assert line_of(GOOD, "nowhere") is None


def swap(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # Unknown fields, with the closest valid name and the line.
        (
            swap("share = 0.1", "shares = 0.1"),
            r"fields under \[components.health_inequalities\] must be one of share, base, "
            r"indices, description; got 'shares' at components.health_inequalities.shares "
            r"\(line 29 of test.toml\). Did you mean 'share'\?",
        ),
        (
            swap('name = "Test formula"', 'nmae = "Test formula"'),
            r"fields under the top of a formula must be one of .*; got 'nmae' at nmae "
            r"\(line 1 of test.toml\). Did you mean 'name'\?",
        ),
        (
            swap("exponent = 1.0", "exponant = 1.0"),
            r"got 'exponant' at indices.smr.exponant \(line 10 of test.toml\). "
            r"Did you mean 'exponent'\?",
        ),
        (
            swap("floor = 0.02", "flor = 0.02"),
            r"got 'flor' at pace.flor \(line 38 of test.toml\). Did you mean 'floor'\?",
        ),
        # Shares that do not add up to 1, with the sum.
        (
            swap("share = 0.1", "share = 0.15"),
            r"component shares must add up to 1; got 0.9 \+ 0.15 = 1.05 \(first share at "
            r"components.core.share \(line 24 of test.toml\)\)",
        ),
        (
            swap("share = 0.1", "share = 10"),
            r"components.health_inequalities.share \(line 29 of test.toml\) must be a share "
            r"between 0 and 1; got 10. Write 10% as 0.1. Did you mean 0.1\?",
        ),
        (
            swap("share = 0.1\n", ""),
            r"components.health_inequalities \(line 28 of test.toml\) must have a share",
        ),
        # Circular and undefined references.
        (
            swap('column = "smr_u75"\nexponent = 1.0', "of = { hi = 1.0 }"),
            r"indices must not be defined in a circle; got (smr -> hi -> smr|hi -> smr -> hi)",
        ),
        (
            swap("of = { smr = 1.0, age_need = 0.5 }", "of = { hi = 1.0 }"),
            r"indices.hi.of.hi \(line 13 of test.toml\): indices must not be defined in a "
            r"circle; got hi -> hi",
        ),
        (
            swap("of = { smr = 1.0, age_need = 0.5 }", "of = { smrr = 1.0 }"),
            r"indices.hi.of.smrr \(line 13 of test.toml\) must name an index defined under "
            r"\[indices\]; got 'smrr'. .* Did you mean 'smr'\?",
        ),
        (
            swap('indices = ["hi"]', 'indices = ["hii"]'),
            r"components.health_inequalities.indices \(line 30 of test.toml\) must name indices "
            r"defined under \[indices\]; got 'hii'.* Did you mean 'hi'\?",
        ),
        (
            swap('indices = ["hi"]', 'indices = "hi"'),
            r"indices \(line 30 of test.toml\) must be a list of index names",
        ),
        (
            swap('indices = ["hi"]', 'indices = ["hi", "hi"]'),
            r"must name each index once; got \['hi', 'hi'\]",
        ),
        (
            swap('base = "acute"', 'base = "acut"'),
            r"components.core.base \(line 25 of test.toml\) must be \"population\" or a cost "
            r"curve defined under \[cost_curves\]; got 'acut'.* Did you mean 'acute'\?",
        ),
        (swap('base = "acute"', "base = 1"), r"must be \"population\" or the name of a cost curve"),
        # Index definitions.
        (
            swap('column = "age_need"', 'column = "age_need"\nof = { smr = 1 }'),
            r"indices.age_need \(line 5 of test.toml\) must have exactly one of 'column' .* "
            r"got both",
        ),
        (
            swap(
                '[indices.age_need]\ncolumn = "age_need"', '[indices.age_need]\ndescription = "x"'
            ),
            r"must have exactly one of 'column' .* got neither",
        ),
        (
            swap("exponent = 1.0", "exponent = 0"),
            r"indices.smr.exponent \(line 10 of test.toml\) must be a number other than 0; got 0",
        ),
        (
            swap("of = { smr = 1.0, age_need = 0.5 }", "of = { smr = 1.0 }\nexponent = 2"),
            r"indices.hi.exponent \(line 14 of test.toml\) must not be set on a derived index",
        ),
        (swap("of = { smr = 1.0, age_need = 0.5 }", "of = {}"), r"must name at least one index"),
        (
            swap("of = { smr = 1.0, age_need = 0.5 }", "of = { smr = true }"),
            r"indices.hi.of.smr \(line 13 of test.toml\) must be a number other than 0",
        ),
        (swap('column = "age_need"', "column = 3"), r"indices.age_need.column \(line 6 of "),
        (
            swap("[indices.age_need]", "[indices.age-need]"),
            r"indices.age-need \(line 5 of test.toml\) must be a name of letters, digits and "
            r"underscores that starts with a letter; got 'age-need'",
        ),
        # Cost curves.
        (
            swap('{ age = "65+", sex = "F", weight = 2.5 }', '{ age = "65+", weight = 2.5 }'),
            r"cost_curves.acute.weights\[2\] \(line 19 of test.toml\) must use the same band "
            r"columns as the first entry \(age, sex\); got age",
        ),
        (
            swap('{ age = "65+", sex = "F", weight = 2.5 }', '{ age = "65+", sex = "F" }'),
            r"weights\[2\] \(line 19 of test.toml\) must be a band and its weight",
        ),
        (
            swap(
                '{ age = "65+", sex = "F", weight = 2.5 }',
                '{ age = "65+", sex = "M", weight = 2.5 }',
            ),
            r"weights\[3\] \(line 20 of test.toml\) must give each band once; got age 65\+, sex M "
            r"twice",
        ),
        (
            swap(
                '{ age = "65+", sex = "F", weight = 2.5 }',
                '{ age = "65+", sex = "F", weight = -1 }',
            ),
            r"weights\[2\].weight \(line 19 of test.toml\) must be a number of 0 or more; got -1",
        ),
        (
            swap('{ age = "65+", sex = "F", weight = 2.5 }', "{ weight = 2.5 }"),
            r"must name the band it weights",
        ),
        (swap("weights = [", "weights = []\nold = ["), r"fields under \[cost_curves.acute\]"),
        # Sections.
        (swap('column = "mff"', 'colum = "mff"'), r"got 'colum' at cost_adjustment.colum"),
        (
            swap('[cost_adjustment]\ncolumn = "mff"', "[cost_adjustment]"),
            r"cost_adjustment \(line 32 of test.toml\) must name a column of the inputs",
        ),
        (
            swap('current = "current"\n', ""),
            r"pace \(line \d+ of test.toml\) needs current allocations to move from",
        ),
        (
            swap("years = 3", "years = 0"),
            r"pace.years \(line 36 of test.toml\) must be a whole number from 1 to 50; got 0",
        ),
        (
            swap("growth = [0.03, 0.025]", "growth = [0.03]"),
            r"pace.growth \(line 37 of test.toml\) must list one growth rate for each year after "
            r"the first \(2 for years = 3\); got 1",
        ),
        (swap("growth = [0.03, 0.025]", "growth = -1.5"), r"pace.growth .* above -1"),
        (
            swap("ceiling = 0.1", "ceiling = 0.01"),
            r"pace.ceiling \(line 39 of test.toml\) must be a growth rate at least the floor "
            r"\(0.02\); got 0.01",
        ),
        (
            swap("control_total = 100_000.50", 'control_total = "lots"'),
            r"control_total \(line 3 of test.toml\) must be an amount in pounds; got 'lots'",
        ),
        (
            swap("control_total = 100_000.50", "control_total = 100.001"),
            r"control_total \(line 3 of test.toml\) must be in pounds with at most 2 decimal "
            r"places",
        ),
        (
            swap("control_total = 100_000.50", "control_total = 0"),
            r"control_total \(line 3 of test.toml\) must be more than 0 pounds; got 0",
        ),
        (swap('name = "Test formula"', "name = 5"), r"name \(line 1 of test.toml\) must be text"),
        # Structure.
        ('name = "x"\n', r"test.toml must define at least one component; got none"),
        (
            "[[components]]\nshare = 1\n",
            r"components \(line 1 of test.toml\) must be a table of named components such as "
            r"\[components.core\]; got a list",
        ),
        ("components = {}\n", r"components \(line 1 of test.toml\) must define at least one"),
        ('components = "core"\n', r"components \(line 1 of test.toml\) must be a table such as"),
        ('[components.core]\nshare = "all"\n', r"must be a share between 0 and 1; got 'all'"),
        (
            "[components.core]\nshare = 1\n[bands]\nareas = 'x'\n",
            r"fields under \[bands\] must be one of area, population; got 'areas'",
        ),
        # Not TOML at all.
        (
            'name = "unclosed\n[components.core]\nshare = 1\n',
            r"test.toml must be valid TOML; got: .*line 1.*Check quotes, brackets",
        ),
        (
            "[components.core]\nshare = 1\nshare = 0.5\n",
            r"test.toml must be valid TOML; got: .*line 3",
        ),
    ],
)
def test_formula_errors_name_the_field_and_line(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse(text)


def test_errors_without_a_file_name_the_field() -> None:
    with pytest.raises(InputError, match=r"components.a.share \(in formula\) must be a share"):
        Formula.from_dict({"components": {"a": {"share": 2}}})
    with pytest.raises(InputError, match=r"formula must be a mapping of fields; got list"):
        Formula.from_dict([1, 2])  # type: ignore[arg-type]


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"formula file must exist; got '.*missing.toml'"):
        Formula.load(tmp_path / "missing.toml")
    with pytest.raises(InputError, match=r"formula must be a file; got the folder"):
        Formula.load(tmp_path)
    yaml = tmp_path / "f.yaml"
    yaml.write_text("components: {}\n")
    with pytest.raises(InputError, match=r"components \(line 1 of f.yaml\) must define at least"):
        Formula.load(yaml)
    latin = tmp_path / "latin.toml"
    latin.write_bytes('name = "caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(InputError, match=r"latin.toml must be UTF-8 text"):
        Formula.load(latin)
