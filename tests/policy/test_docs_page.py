"""docs/policy.md: the worked example re-run on the real open data, and the doctest."""

from __future__ import annotations

import doctest
import re
import tomllib
from pathlib import Path

import pytest

import healthgap.policy.benefits
from healthgap.data.store import Store
from healthgap.policy import simulate, spec_from_dict
from healthgap.policy.spec import resolve_inputs

PAGE = Path(__file__).resolve().parents[2] / "docs" / "policy.md"


def test_worked_example_reproduces_the_page(store: Store) -> None:
    text = PAGE.read_text()
    toml = re.search(r"```toml\n(.*?)```", text, re.S)
    assert toml is not None
    spec = spec_from_dict(tomllib.loads(toml.group(1)))
    kwargs = resolve_inputs(spec, store)
    sim = simulate(kwargs.pop("baseline"), spec.options, **kwargs)
    s = sim.summary
    rows = re.findall(
        r"^\| (Targeted \(decile 1\)|Universal|Proportionate universalism) \|(.*)\|$", text, re.M
    )
    assert len(rows) == 3
    measures = ["mean", "sii", "core20_gap", "atkinson_ede", "regional_gap"]
    for option, rest in rows:
        cells = [c.strip() for c in rest.split("|")]
        r = s[s.option == option].set_index("measure")
        for m, cell in zip(measures, cells, strict=False):
            got = (
                f"{r.loc[m, 'change']:+.3f} ({r.loc[m, 'change_lower_95_0']:+.3f} to "
                f"{r.loc[m, 'change_upper_95_0']:+.3f})"
            )
            assert got == cell, (option, m)
        assert cells[-1] == sim.verdicts[option]
    base = s[s.option == "Universal"].set_index("measure")["baseline"]
    for m, printed in (
        ("mean", "63.096"),
        ("sii", "19.078"),
        ("core20_gap", "11.142"),
        ("atkinson_ede", "59.839"),
        ("regional_gap", "6.200"),
    ):
        assert f"{base[m]:.3f}" == printed
        assert printed in text


def test_page_doctest_and_module_doctests() -> None:
    parser = doctest.DocTestParser()
    test = parser.get_doctest(PAGE.read_text(), {}, "policy.md", str(PAGE), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0 and runner.tries >= 4


@pytest.mark.parametrize(
    "module",
    [
        "healthgap.policy.simulate",
        "healthgap.policy.spec",
        "healthgap.policy.verdict",
        "healthgap.policy.screening",
        "healthgap.policy.benefits",
    ],
)
def test_module_doctests(module: str) -> None:
    import importlib

    mod = importlib.import_module(module)
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0


def test_benefits_module_imported() -> None:
    assert healthgap.policy.benefits.REFERENCES
