"""The annual health-duty report for a strategic authority (HTML and PDF).

:func:`~healthgap.report.context.build_context` gathers the numbers from the store;
:func:`~healthgap.report.render.render_html` and :func:`~healthgap.report.pdf.write_report`
turn them into a printable document. See docs/report.md.
"""
