"""Write the report as PDF (WeasyPrint) or HTML, and the one call the CLI uses."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from healthgap.account.frameworks import Framework
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.geography.footprints import Place
from healthgap.report.context import build_context
from healthgap.report.model import ReportContext
from healthgap.report.render import render_html

FORMATS = (".pdf", ".html")


def html_to_pdf(html: str) -> bytes:
    """PDF bytes of a rendered report (no network: every resource is inline)."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def check_out(out: str | os.PathLike[str]) -> Path:
    """The output path if its extension is .pdf or .html (else InputError)."""
    path = Path(out)
    if path.suffix.lower() not in FORMATS:
        raise InputError(
            f"the report file must end in .pdf or .html; got {path.name!r}. Use e.g. "
            "--out report.pdf."
        )
    if not path.parent.is_dir():
        raise InputError(
            f"the report's folder must exist; got {str(path.parent)!r}. Create it or choose "
            "another --out path."
        )
    return path


def write_report(
    store: Store,
    authority: str | Place,
    out: str | os.PathLike[str],
    *,
    period: str | None = None,
    framework: str | Path | Framework | None = None,
    target_year: int | None = None,
    on: Any = None,
    workspace: Any = None,
    indicators: Sequence[str] = (),
    targets: Any = None,
    accountability: Any = None,
) -> ReportContext:
    """Build the annual health-duty report for ``authority`` and write it to ``out``.

    ``on``: the date a strategic authority's membership is taken on (default today).

    The format follows the extension: ``.pdf`` (WeasyPrint) or ``.html`` (one
    self-contained file). Returns the :class:`ReportContext` the file was made from.
    ``workspace`` (a :class:`healthgap.framework.storage.Workspace`) gives the summary
    the authority's joint commitments and action plan; ``targets`` (a
    :class:`healthgap.account.authority_targets.TargetBook`) its recorded targets.
    the authority's joint commitments and action plan; ``accountability`` (an app-database
    engine) adds the decisions, questions and annual-cycle sections.

    Examples
    --------
    >>> write_report(store, "E47000001", "gm.pdf", target_year=2035)  # doctest: +SKIP
    """
    path = check_out(out)
    ctx = build_context(
        store,
        authority,
        period=period,
        framework=framework,
        target_year=target_year,
        workspace=workspace,
        indicators=indicators,
        targets=targets,
        accountability=accountability,
    )
    html = render_html(ctx)
    if path.suffix.lower() == ".pdf":
        path.write_bytes(html_to_pdf(html))
    else:
        path.write_text(html, encoding="utf-8")
    return ctx
