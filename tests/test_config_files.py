"""One reader for TOML and YAML config files, with the file, line and field in messages.

Line numbers are counted by hand in the texts below (1-based, as editors show them).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from healthgap.config_files import (
    ConfigError,
    config_format,
    line_of,
    parse_config,
    read_config,
)
from healthgap.errors import InputError

TOML = """\
[framework]
name = "North East"

[[indicators]]
id = "hle_birth"
target = 61.0

[[indicators]]
id = "93722"
# a comment line
target = 20.5
"""

YAML = """\
framework:
  name: North East
indicators:
  - id: hle_birth
    target: 61.0
  - id: "93722"
    target: 20.5
"""


@pytest.mark.parametrize(
    ("fmt", "text", "path", "line"),
    [
        ("toml", TOML, "framework.name", 2),
        ("toml", TOML, "indicators[0].target", 6),
        ("toml", TOML, "indicators[1]", 8),  # the second [[indicators]] header
        ("toml", TOML, "indicators[1].target", 11),
        ("toml", TOML, "indicators[1].missing", 8),  # nearest parent found
        ("yaml", YAML, "framework.name", 2),
        ("yaml", YAML, "indicators[0].target", 5),
        ("yaml", YAML, "indicators[1]", 6),
        ("yaml", YAML, "indicators[1].target", 7),
        ("yaml", YAML, "indicators[1].missing", 6),
    ],
)
def test_the_line_of_every_field_in_both_formats(fmt: str, text: str, path: str, line: int) -> None:
    cfg = parse_config(text, fmt, f"f.{fmt}")  # type: ignore[arg-type]
    assert cfg.line(path) == line
    assert cfg.where(path) == f"{path} (line {line} of f.{fmt})"


def test_both_formats_give_the_same_values() -> None:
    assert parse_config(TOML, "toml", "f.toml").data == parse_config(YAML, "yaml", "f.yaml").data


def test_a_field_that_is_nowhere_has_no_line() -> None:
    cfg = parse_config(TOML, "toml", "f.toml")
    assert cfg.line("nowhere") is None
    assert cfg.where("nowhere") == "nowhere (in f.toml)"
    assert line_of(TOML, "framework") == 1


def test_toml_syntax_errors_name_file_line_and_what_to_check() -> None:
    with pytest.raises(
        ConfigError, match=r"t\.toml must be valid TOML; got: .*line 2.*Check quo"
    ) as e:
        parse_config('[a]\nb = "unclosed\n', "toml", "t.toml")
    assert (e.value.file, e.value.line) == ("t.toml", 2)
    assert isinstance(e.value, InputError)  # every face already shows InputErrors


def test_yaml_syntax_errors_name_the_subject_file_and_line() -> None:
    with pytest.raises(
        ConfigError, match=r"the spec must be valid YAML; got: .* at line 2 in s\.yaml\. Check"
    ) as e:
        parse_config("a: [1, 2\n", "yaml", "s.yaml", subject="the spec")
    assert e.value.line == 2


def test_yaml_keys_written_twice_are_an_error_with_both_lines() -> None:
    with pytest.raises(ConfigError, match=r"'a' twice \(line 1 and line 2\)"):
        parse_config("a: 1\na: 2\n", "yaml", "d.yaml")


def test_read_config_picks_the_format_by_suffix(tmp_path: Path) -> None:
    (tmp_path / "f.toml").write_text(TOML, encoding="utf-8")
    (tmp_path / "f.yml").write_text("\ufeff" + YAML, encoding="utf-8")  # BOM allowed
    assert read_config(tmp_path / "f.toml").data == read_config(tmp_path / "f.yml").data
    assert config_format("x.YAML") == "yaml" and config_format("x.json") is None
    (tmp_path / "f.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"targets file must end in \.toml, \.yaml or \.yml"):
        read_config(tmp_path / "f.json", subject="targets file")
    (tmp_path / "bad.toml").write_bytes(b"a = '\xff'\n")
    with pytest.raises(ConfigError, match=r"bad\.toml must be UTF-8 text; got .*byte 5"):
        read_config(tmp_path / "bad.toml")


def test_field_errors_carry_file_line_and_field_with_the_message_unchanged(
    tmp_path: Path,
) -> None:
    from healthgap.account.frameworks import load_framework
    from healthgap.account.targets import load_targets

    cfg = parse_config(TOML, "toml", "f.toml")
    err = cfg.error("indicators[2] must be a number; got 'x'.", "indicators[1].target")
    assert (str(err), err.file, err.line, err.field) == (
        "indicators[2] must be a number; got 'x'.",
        "f.toml",
        11,
        "indicators[1].target",
    )
    targets = tmp_path / "t.toml"
    targets.write_text(
        '[[target]]\nindicator = "hle_birth"\narea = "E12000001"\nvalue = 61.0\nyear = 2030\n'
        'polarity = "higher_is_better"\n\n[[target]]\nindicator = "hle_birth"\ncolour = "red"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"target 2 in t\.toml must use only the fields") as e:
        load_targets(targets)
    assert (e.value.file, e.value.line, e.value.field) == ("t.toml", 10, "target[1].colour")
    framework = tmp_path / "f.toml"
    framework.write_text(TOML.replace("target = 20.5", "target = 'high'"), encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"line 11, indicators\[2\]\.target: must be a number"
    ) as e:
        load_framework(framework)
    # the first problem listed is the missing version, reported at the [framework] header
    assert (e.value.file, e.value.line, e.value.field) == ("f.toml", 1, "framework.version")
