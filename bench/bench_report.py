"""Time to build the annual health-duty report PDF for one authority (goal: under 10 s).

Builds a store from the offline mirror ($HEALTHGAP_MIRROR, default ../shared/data) in a
temporary folder (not timed), then times build_context + HTML + PDF for Greater
Manchester, twice, and prints each stage and the best total.

    .venv/bin/python bench/bench_report.py
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

AUTHORITY = "E47000001"
GOAL_SECONDS = 10.0


def main() -> None:
    from healthgap.data.store import init_store
    from healthgap.report.context import build_context
    from healthgap.report.pdf import html_to_pdf
    from healthgap.report.render import render_html

    mirror = os.environ.get("HEALTHGAP_MIRROR") or str(
        Path(__file__).resolve().parents[1].parent / "shared" / "data"
    )
    with tempfile.TemporaryDirectory() as tmp:
        store = init_store(Path(tmp) / "bench.duckdb", mirror=mirror)
        totals = []
        for run in (1, 2):
            t0 = time.perf_counter()
            ctx = build_context(store, AUTHORITY, target_year=2035)
            t1 = time.perf_counter()
            html = render_html(ctx)
            t2 = time.perf_counter()
            pdf = html_to_pdf(html)
            t3 = time.perf_counter()
            totals.append(t3 - t0)
            print(
                f"run {run}: context {t1 - t0:.2f} s, HTML and charts {t2 - t1:.2f} s, "
                f"PDF {t3 - t2:.2f} s; total {t3 - t0:.2f} s ({len(pdf):,} bytes)"
            )
        store.close()
    best = min(totals)
    verdict = "within" if best < GOAL_SECONDS else "OVER"
    print(f"report PDF for {AUTHORITY}: best {best:.2f} s ({verdict} the {GOAL_SECONDS:g} s goal)")


if __name__ == "__main__":
    main()
