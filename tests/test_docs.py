"""The build fails when a public function, a command or a methods page is undocumented."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
import typer.main

import healthgap
from healthgap.cli.main import app

DOCS = Path(__file__).resolve().parents[1] / "docs"
METHODS = DOCS / "methods"


def public_functions() -> list[str]:
    return sorted(
        n
        for n in dir(healthgap)
        if not n.startswith("_") and inspect.isfunction(getattr(healthgap, n))
    )


def command_paths() -> list[str]:
    """Every leaf command, e.g. 'calc crude-rate', from the Typer app itself."""
    root = typer.main.get_command(app)
    paths: list[str] = []

    def walk(cmd, prefix: str) -> None:  # type: ignore[no-untyped-def]
        sub = getattr(cmd, "commands", None)
        if not sub:
            paths.append(prefix.strip())
            return
        for name, child in sub.items():
            walk(child, f"{prefix} {name}")

    walk(root, "")
    return sorted(paths)


def test_the_public_functions_are_found() -> None:
    """dir(healthgap) lists the statistics it imports on first use: without it the test
    below had no names and was skipped, checking nothing."""
    names = public_functions()
    assert {"dsr", "sii", "spc", "life_expectancy", "gap"} <= set(names)
    assert set(names) <= set(healthgap.__all__)


@pytest.mark.parametrize("name", public_functions())
def test_every_public_function_has_a_methods_page(name: str) -> None:
    pages = [p for p in METHODS.glob("*.md") if f"healthgap.{name}(" in p.read_text()]
    assert pages, f"no page in docs/methods shows `healthgap.{name}(...)`"
    assert getattr(healthgap, name).__doc__, f"healthgap.{name} has no docstring"


@pytest.mark.parametrize("path", command_paths())
def test_every_command_is_in_the_cli_page(path: str) -> None:
    text = (DOCS / "cli.md").read_text()
    assert f"healthgap {path}" in text, f"docs/cli.md does not mention `healthgap {path}`"


def test_index_links_every_methods_page() -> None:
    index = (DOCS / "index.md").read_text()
    linked = set(re.findall(r"\(methods/([\w-]+\.md)\)", index))
    pages = {p.name for p in METHODS.glob("*.md")}
    assert pages <= linked, f"docs/index.md does not link {sorted(pages - linked)}"
    assert linked <= pages, f"docs/index.md links missing pages {sorted(linked - pages)}"
