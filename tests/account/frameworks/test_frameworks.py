"""Outcomes framework files: reading, validation with line and field, checks against data."""

from __future__ import annotations

import textwrap
import tomllib
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from healthgap.account.frameworks import (
    DEFAULT_INDICATORS,
    EXAMPLES,
    check_against_store,
    default_framework,
    example_path,
    load_framework,
    parse_framework,
    restrict_to_store,
)
from healthgap.data.store import Store
from healthgap.errors import InputError

GOOD = textwrap.dedent(
    """\
    [framework]
    name = "Test framework"
    version = "1"
    authority = "E47000001"
    area_type = "combined_authority"

    [[indicators]]
    id = "hle_birth"
    sex = "Female"
    baseline_period = "2018-2020"
    target = 62.0
    target_period = "2028-2030"

    [[indicators]]
    id = "adult_obesity"
    """
)


def test_example_framework_loads_and_is_labelled_an_illustration() -> None:
    fw = load_framework(example_path("greater_manchester"))
    assert fw.authority == "E47000001"
    assert fw.illustration is True
    assert "ILLUSTRATION" in example_path("greater_manchester").read_text()
    assert [(i.id, i.sex) for i in fw.indicators] == [
        ("hle_birth", "Female"),
        ("hle_birth", "Male"),
        ("adult_obesity", "Persons"),
    ]


def test_every_bundled_example_is_valid() -> None:
    examples = sorted(EXAMPLES.glob("*.toml"))
    assert examples
    for path in examples:
        assert load_framework(path).indicators


def test_toml_defaults() -> None:
    fw = load_framework("f.toml", text=GOOD)
    second = fw.indicators[1]
    assert (second.sex, second.label, second.target) == ("Persons", "adult_obesity", None)
    assert fw.indicators[0].target == 62.0


def test_toml_problems_name_line_and_field() -> None:
    text = GOOD.replace("target = 62.0", 'target = "high"').replace('sex = "Female"', 'sex = "F"')
    with pytest.raises(InputError, match=r"got 2 problems") as info:
        load_framework("f.toml", text=text)
    message = str(info.value)
    # line numbers counted in GOOD: sex is on line 9, target on line 11
    assert "line 9, indicators[1].sex: must be one of Persons, Male, Female; got 'F'" in message
    assert "line 11, indicators[1].target: must be a number; got 'high'" in message


def test_missing_required_fields_point_at_the_entry_header() -> None:
    text = GOOD.replace('id = "adult_obesity"', 'label = "no id"')
    with pytest.raises(InputError, match=r"line 14, indicators\[2\]\.id: must be an indicator"):
        load_framework("f.toml", text=text)


def test_target_needs_target_period() -> None:
    text = GOOD.replace('target_period = "2028-2030"\n', "")
    with pytest.raises(InputError, match=r"indicators\[1\]\.target_period: is required"):
        load_framework("f.toml", text=text)


def test_unknown_fields_and_sections() -> None:
    text = GOOD + 'colour = "red"\n[extra]\nx = 1\n'
    with pytest.raises(
        InputError, match=r"line 16, indicators\[2\]\.colour: unknown field"
    ) as info:
        load_framework("f.toml", text=text)
    assert "line 17, extra: unknown section 'extra'" in str(info.value)


def test_framework_table_errors() -> None:
    text = GOOD.replace('authority = "E47000001"', 'authority = "GM"').replace(
        'area_type = "combined_authority"', 'area_type = "county"'
    )
    with pytest.raises(InputError, match=r"line 4, framework\.authority: must be a GSS") as info:
        load_framework("f.toml", text=text)
    assert "line 5, framework.area_type: must be one of" in str(info.value)


def test_repeated_indicator_is_reported() -> None:
    text = GOOD + '\n[[indicators]]\nid = "adult_obesity"\n'
    with pytest.raises(InputError, match=r"indicators\[3\]\.id: repeats indicators\[2\]"):
        load_framework("f.toml", text=text)


def test_polarity_must_be_a_fingertips_name() -> None:
    text = GOOD + 'polarity = "up"\n'
    with pytest.raises(InputError, match=r"indicators\[2\]\.polarity: must be one of"):
        load_framework("f.toml", text=text)


def test_invalid_toml_syntax() -> None:
    with pytest.raises(InputError, match=r"framework file f\.toml must be valid TOML; got"):
        load_framework("f.toml", text="[framework\nname = 1")


def test_yaml_is_read_with_line_numbers() -> None:
    data = tomllib.loads(GOOD)
    text = yaml.safe_dump(data, sort_keys=False)
    fw = load_framework("f.yaml", text=text)
    assert fw == load_framework("f.toml", text=GOOD).__class__(**{**vars(fw)})
    assert [i.id for i in fw.indicators] == ["hle_birth", "adult_obesity"]
    bad = text.replace("target: 62.0", "target: high")
    expected_line = bad.splitlines().index("  target: high") + 1
    with pytest.raises(InputError, match=rf"line {expected_line}, indicators\[1\]\.target"):
        load_framework("f.yml", text=bad)


def test_invalid_yaml_syntax() -> None:
    with pytest.raises(InputError, match=r"must be valid YAML; got"):
        load_framework("f.yaml", text="framework: [unclosed\n")


def test_not_a_mapping() -> None:
    with pytest.raises(InputError, match=r"must hold a \[framework\] table .* got list"):
        load_framework("f.yaml", text="- 1\n- 2\n")


def test_empty_framework_lists_every_missing_part() -> None:
    with pytest.raises(InputError, match=r"got 2 problems") as info:
        parse_framework({})
    assert "framework: a [framework] table" in str(info.value)
    assert "indicators: at least one" in str(info.value)


def test_file_suffix_and_existence(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"must end in \.toml, \.yaml or \.yml; got 'f\.json'"):
        load_framework("f.json")
    with pytest.raises(InputError, match=r"framework file must exist; got"):
        load_framework(tmp_path / "none.toml")
    path = tmp_path / "ok.toml"
    path.write_text(GOOD)
    assert load_framework(path).name == "Test framework"


def test_unknown_example() -> None:
    with pytest.raises(InputError, match=r"example must be one of greater_manchester"):
        example_path("nowhere")


@settings(max_examples=40, deadline=None)
@given(
    target=st.floats(-1e6, 1e6, allow_nan=False),
    version=st.text(alphabet="abc123.", min_size=1, max_size=8),
)
def test_to_dict_round_trips(target: float, version: str) -> None:
    fw = load_framework("f.toml", text=GOOD)
    data = fw.to_dict()
    data["framework"]["version"] = version
    data["indicators"][0]["target"] = target
    clean = {
        "framework": {k: v for k, v in data["framework"].items() if v is not None},
        "indicators": [{k: v for k, v in i.items() if v is not None} for i in data["indicators"]],
    }
    again = parse_framework(clean)
    assert again.version == version
    assert again.indicators[0].target == target
    assert again.indicators[1:] == fw.indicators[1:]


# --------------------------------------------------------------- against the real store


def test_example_matches_the_store(fw_store: Store) -> None:
    fw = load_framework(example_path("greater_manchester"))
    assert check_against_store(fw, fw_store) == []


def test_check_against_store_names_each_problem(fw_store: Store) -> None:
    text = GOOD.replace('"2018-2020"', '"1999-2001"') + (
        '\n[[indicators]]\nid = "no_such"\n\n[[indicators]]\nid = "els_employment_rate"\n'
        'sex = "Male"\n'
    )
    problems = check_against_store(load_framework("f.toml", text=text), fw_store)
    assert problems == [
        "indicators[1] (hle_birth, Female): baseline_period '1999-2001' is not in the store",
        "indicators[3] (no_such, Persons): indicator id is not in the store",
        "indicators[4] (els_employment_rate, Male): no values for E47000001 with this sex",
    ]
    nowhere = load_framework("f.toml", text=GOOD.replace("E47000001", "E47999999"))
    assert check_against_store(nowhere, fw_store)[0].startswith(
        "framework.authority: E47999999 has no indicator values"
    )


def test_default_framework_restricted_to_the_store(fw_store: Store) -> None:
    fw = default_framework("E08000025", "lad")
    assert len(fw.indicators) == len(DEFAULT_INDICATORS)
    kept = restrict_to_store(fw, fw_store)
    # Birmingham (a metropolitan district) has HLE, LE (ONS local areas 2021-2023), CVD
    # mortality and obesity
    assert [(i.id, i.sex) for i in kept.indicators] == [
        ("hle_birth", "Female"),
        ("hle_birth", "Male"),
        ("le_birth", "Female"),
        ("le_birth", "Male"),
        ("93722", "Persons"),
        ("adult_obesity", "Persons"),
    ]
