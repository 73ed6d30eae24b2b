"""The sections of the annual health-duty report, one module each.

Each module builds one :class:`~healthgap.report.model.Section` from the store (or, for
the summary, from the other sections' numbers); :func:`healthgap.report.context.build_context`
calls them in report order. Shared helpers (indicator ids, number wording)
are in :mod:`healthgap.report.sections.common`.
"""
