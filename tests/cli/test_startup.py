"""The CLI starts without loading the statistics it does not run.

``healthgap --help`` and the data commands (``init`` above all) used to import SciPy and
every method at start-up: about a second of every command. The methods now load when
their command runs (``healthgap.stats`` re-exports lazily).
"""

from __future__ import annotations

import subprocess
import sys


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())


def test_the_cli_loads_no_scipy_until_a_method_runs() -> None:
    loaded = _loaded_after("import healthgap.cli.main")
    assert not {m for m in loaded if m == "scipy" or m.startswith("scipy.")}
    assert "healthgap.stats.intervals" not in loaded


def test_a_method_loads_on_first_use() -> None:
    loaded = _loaded_after("import healthgap\nhealthgap.dsr")
    assert {"healthgap.stats.dsr", "scipy"} <= loaded
    assert "healthgap.stats.inequality.summary_measures" not in loaded


def test_a_method_stays_a_function_after_its_module_is_imported() -> None:
    """``import healthgap.stats.dsr`` makes Python set the package's ``dsr`` to the module;
    the package keeps the function (CI caught ``healthgap.stats.spc`` as a module when
    another test had imported ``healthgap.stats.spc`` first)."""
    code = (
        "import healthgap.stats.dsr, healthgap.stats.spc, healthgap.stats.quantiles\n"
        "import healthgap\n"
        "from healthgap.stats import spc, quantiles\n"
        "import healthgap.stats as s\n"
        "assert callable(s.dsr) and s.dsr.__module__ == 'healthgap.stats.dsr'\n"
        "assert callable(healthgap.dsr) and callable(spc) and callable(quantiles)\n"
        "assert callable(healthgap.proportion) and callable(healthgap.mean)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
