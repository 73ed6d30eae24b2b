"""Every ``healthgap ...`` command that a message or a page of the docs tells a user to run
exists: its subcommands and its ``--options`` are checked against the Typer app itself.

Commands are collected where they are written as something to type: in backticks (error
messages, docstrings, Markdown, templates) and on the lines of fenced code blocks in the
docs and README."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import typer.main

from healthgap.cli.main import app

REPO = Path(__file__).resolve().parents[2]
#: `healthgap ...` in backticks (the whole quoted command).
_TICKED = re.compile(r"`(healthgap(?: [^`\n]*)?)`")
#: A command on a line of its own (code blocks), optionally after a shell prompt.
_LINE = re.compile(r"^\s*(?:\$ )?(healthgap(?: .*)?)$")


def _sources() -> list[Path]:
    files = [*REPO.joinpath("src").rglob("*.py"), *REPO.joinpath("src").rglob("*.html")]
    files += [*REPO.joinpath("docs").rglob("*.md"), REPO / "README.md"]
    return sorted(f for f in files if f.is_file())


def _quoted(path: Path) -> list[tuple[int, str]]:
    """(line number, command text) of every command ``path`` asks a user to run."""
    found: list[tuple[int, str]] = []
    fenced = False
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if path.suffix == ".md" and line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        found += [(n, m.group(1)) for m in _TICKED.finditer(line)]
        if fenced and (m := _LINE.match(line)):
            found.append((n, m.group(1).split(" #")[0].rstrip(" \\")))
    return found


@cache
def _root() -> Any:
    return typer.main.get_command(app)


def _is_placeholder(tok: str) -> bool:
    """``...``, ``FILE``, ``<x>``, ``{x}``, ``[x]``: a stand-in, not a word to check."""
    return tok == "..." or tok.isupper() or tok[:1] in "<{[" or tok.endswith("...")


def _resolve(tokens: list[str]) -> str | None:
    """What is wrong with the command line ``tokens`` (after ``healthgap``), or ``None``."""
    cmd: Any = _root()
    path: list[str] = []
    for tok in tokens:
        if _is_placeholder(tok):
            return None
        if hasattr(cmd, "commands") and not tok.startswith("-"):
            sub = cmd.commands.get(tok)
            # A group with its own dispatch (allocate: `allocate F.toml` = `allocate run F.toml`).
            if sub is None and type(cmd).parse_args is not type(_root()).parse_args:
                sub = cmd.commands.get("run")
                tok = "run"
            if sub is None:
                has = ", ".join(sorted(cmd.commands))
                return f"no command {' '.join([*path, tok])!r} (it has: {has})"
            cmd, path = sub, [*path, tok]
            continue
        if tok.startswith("--") and len(tok) > 2:
            opts = {o for p in cmd.params for o in (*p.opts, *p.secondary_opts)} | {"--help"}
            if tok.rstrip(".,;:)") not in opts:
                return f"{' '.join(['healthgap', *path])} has no option {tok}"
    return None


def problem(command: str) -> str | None:
    """What is wrong with ``command`` (a ``healthgap ...`` line), or ``None``.

    ``a|b`` means each of ``a`` and ``b``; placeholders (``FILE``, ``...``) end the check.

    Examples
    --------
    >>> problem("healthgap mission --target-year 2035") is None
    True
    >>> problem("healthgap ledger import|check|report") is None
    True
    >>> problem("healthgap data indicators")
    "no command 'data indicators' (it has: fetch)"
    """
    tokens = command.replace("=", " ").split()[1:]
    for i, tok in enumerate(tokens):
        if "|" in tok and not tok.startswith("-"):
            for alternative in tok.split("|"):
                why = _resolve([*tokens[:i], alternative])
                if why:
                    return why
            return None
    return _resolve(tokens)


def test_the_collector_finds_commands_in_messages_and_docs() -> None:
    """The scan is not vacuous: it sees known suggestions in source and docs."""
    everything = [c for f in _sources() for _, c in _quoted(f)]
    assert len(everything) > 100
    assert any(c.startswith("healthgap allocate examples") for c in everything)
    assert any(c.startswith("healthgap init") for c in everything)


def test_a_wrong_command_or_option_is_caught() -> None:
    assert problem("healthgap data indicators") is not None
    assert problem("healthgap mission --no-such-option") is not None
    assert problem("healthgap nonsense") is not None
    assert problem("healthgap allocate worked.toml --inputs x.csv") is None


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_suggested_command_exists(path: Path) -> None:
    wrong = [
        f"{path.relative_to(REPO)}:{n}: `{c}`: {why}"
        for n, c in _quoted(path)
        if (why := problem(c)) is not None
    ]
    assert not wrong, "\n".join(wrong)
