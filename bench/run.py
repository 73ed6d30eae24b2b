"""Run every benchmark (bench/bench_*.py) or those named on the command line.

    make bench                # all
    .venv/bin/python bench/run.py core sii   # bench_core.py and bench_sii.py

Each benchmark prints healthgap's time, a peer's or baseline's time measured in the same
process on the same inputs, and their ratio. Timings are never asserted in unit tests.
"""

from __future__ import annotations

import importlib.util
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    wanted = set(argv)
    scripts = sorted(HERE.glob("bench_*.py"))
    if wanted:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in wanted]
    print(
        f"# healthgap benchmarks — {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}"
    )
    for script in scripts:
        spec = importlib.util.spec_from_file_location(script.stem, script)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(f"\n## {script.stem}")
        module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
