"""The error messages quoted in docs/allocation.md are the ones healthgap gives."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest

from healthgap.allocate import Formula, allocate
from healthgap.errors import InputError

PAGE = (Path(__file__).resolve().parents[2] / "docs" / "allocation.md").read_text()


def block(kind: str) -> str:
    found = re.search(rf"```{kind}\n(.*?)```", PAGE, re.S)
    assert found is not None
    return found.group(1)


def quoted(start: str) -> str:
    """The message in the errors table that starts with ``start``, up to any '...'."""
    found = re.search(rf"`({re.escape(start)}[^`]*)`", PAGE)
    assert found is not None, start
    return found.group(1).split(" ...")[0].split("[...]")[0]


@pytest.mark.parametrize(
    ("old", "new", "start"),
    [
        ("share = 0.1\n", "shares = 0.1\n", "fields under [components.hi]"),
        ("share = 0.1\n", "share = 0.15\n", "component shares must add up to 1"),
        ('indices = ["smr"]', 'indices = ["smrr"]', "components.hi.indices (line 17"),
    ],
)
def test_formula_messages_in_the_docs(old: str, new: str, start: str) -> None:
    text = block("toml")
    assert old in text
    with pytest.raises(InputError) as caught:
        Formula.from_toml(text.replace(old, new), source="worked.toml")
    assert quoted(start) in str(caught.value)


def test_cycle_message_in_the_docs() -> None:
    text = "[indices.a]\nof = { b = 1 }\n\n[indices.b]\nof = { a = 1 }\n"
    with pytest.raises(InputError) as caught:
        Formula.from_toml(text + "[components.x]\nshare = 1\n", source="f.toml")
    assert quoted("indices.b.of.a") in str(caught.value)


@pytest.mark.parametrize(
    ("change", "start"),
    [
        (lambda d: d.drop(columns="smr_u75"), "column 'smr_u75', named by"),
        (lambda d: d.assign(population=[1000, -5, 3000, 4000]), "population column 'population'"),
    ],
)
def test_input_messages_in_the_docs(change, start) -> None:  # type: ignore[no-untyped-def]
    formula = Formula.from_toml(block("toml"), source="worked.toml")
    inputs = change(pd.read_csv(io.StringIO(block("csv"))))
    with pytest.raises(InputError) as caught:
        allocate(formula, inputs, inputs_name="inputs.csv")
    assert quoted(start) in str(caught.value)
