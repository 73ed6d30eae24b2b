"""Run the command line in the test process: ``python -m healthgap ARGS`` without paying a
new interpreter and the imports of pandas, Ibis and DuckDB for every call.

:func:`run_healthgap` goes through the same entry point as the console script
(``healthgap.cli.main.run``: user errors become ``Error: ...`` on stderr and exit code 2,
stale versions exit 3), with ``sys.argv``, stdin, stdout, stderr and the environment swapped
for the call, and warnings shown as a fresh interpreter would show them (on stderr) rather
than raised. Keep a real subprocess only where the test is about the process itself (a kill,
two processes at once, the interpreter's exit).
"""

from __future__ import annotations

import os
import sys
import traceback
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from typer.testing import CliRunner


@dataclass(frozen=True)
class Completed:
    """What ``subprocess.run(..., capture_output=True, text=True)`` would have returned."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str


def run_healthgap(
    *args: str,
    env: Mapping[str, str | None] | None = None,
    input: str | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> Completed:
    """``healthgap ARGS`` run in this process; ``env`` adds (or, with None, removes) variables;
    ``cwd`` is the working folder during the call."""
    from healthgap.cli import _io
    from healthgap.cli.main import run

    # The consoles are made once per process and keep the width they found then; a
    # subprocess would read COLUMNS afresh, so the call gets the width it asks for.
    columns = (env or {}).get("COLUMNS") or os.environ.get("COLUMNS")
    consoles = [(c, c._width) for c in (_io.err_console, _io.out_console)]
    runner = CliRunner()
    argv = sys.argv
    here = os.getcwd()
    code: int = 0
    with runner.isolation(input=input, env=dict(env or {})) as (out, err, _):
        sys.argv = ["healthgap", *args]
        for console, _ in consoles:
            console._width = int(columns) if columns else console._width
        if cwd is not None:
            os.chdir(cwd)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("default")
                run()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if isinstance(exc.code, str):
                sys.stderr.write(exc.code + "\n")
        except Exception:  # what the interpreter does with an uncaught exception
            traceback.print_exc()
            code = 1
        finally:
            sys.argv = argv
            os.chdir(here)
            for console, width in consoles:
                console._width = width
            sys.stdout.flush()
            sys.stderr.flush()
        stdout, stderr = out.getvalue().decode(), err.getvalue().decode()
    return Completed(["healthgap", *args], code, stdout, stderr)


@contextmanager
def commands_built_once() -> Iterator[None]:
    """Build the Click commands of a Typer app once per test session, not on every call.

    Typer turns the app's registered commands into Click commands each time the app is
    called (``app()``, ``CliRunner().invoke(app)``): for healthgap's 1,400 commands and
    options that is about half a second, which a real ``healthgap`` process pays once but
    the in-process tests paid on every call. The built command is kept per app and built
    again if commands or groups are registered on it afterwards.
    """
    import typer.main
    import typer.testing

    build = typer.main.get_command
    built: dict[int, tuple[Any, tuple[int, int], Any]] = {}

    def get_command(typer_instance: Any) -> Any:
        shape = (len(typer_instance.registered_commands), len(typer_instance.registered_groups))
        kept = built.get(id(typer_instance))
        if kept is None or kept[0] is not typer_instance or kept[1] != shape:
            kept = (typer_instance, shape, build(typer_instance))
            built[id(typer_instance)] = kept
        return kept[2]

    typer.main.get_command = get_command  # type: ignore[assignment]
    typer.testing._get_command = get_command  # type: ignore[attr-defined]
    try:
        yield
    finally:
        typer.main.get_command = build
        typer.testing._get_command = build  # type: ignore[attr-defined]
