"""Every chart on a page is listed in the table beside it, and both come from one Chart.

Each page below draws its charts through the ``chart`` macro, which renders a
``healthgap.charts.Chart``'s spec and its table together. The check
(:func:`tests.web.chart_tables.chart_tables_agree`) reads the page as a browser gets it:
the spec's JSON and the table's text, and finds every row of data each chart draws in its
table, number by number to the places printed. The ledger and survey pages, which need
data written first, run the same check in tests/web/test_ledger_pages.py and
tests/web/test_framework_pages.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.chart_tables import chart_tables_agree

POLICY = (
    "/policy/simulate?run=1&name=Targeted&via=indicator&effect_1=1&effect_2=0.5&effect_3=0.25"
    "&spread=50&draws=400&seed=11&compare=yes"
)

#: Each page with charts, and how many charts it draws.
PAGES = {
    "/": 1,
    "/inequality": 1,
    "/inequality?indicator=hle_birth&sex=Female": 1,
    "/areas/E08000025/inequalities": None,  # one per indicator and breakdown
    "/mission": 1,
    "/mission?target_year=2035": 1,
    "/mission?target_year=2035&definition=sii": 1,
    "/core20plus5": 1,
    "/core20plus5/E47000001": 1,
    "/decomposition": 2,
    "/allocation?example=icb_capitation": 3,
    "/allocation?example=icb_capitation&need_year=2024/25": 3,
    "/allocation/icb_capitation/areas/E54000008": 1,
    POLICY: 1,
}


@pytest.mark.parametrize("url", list(PAGES))
def test_every_chart_value_is_in_its_table(client: Any, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 200, r.text[:500]
    charts = r.text.count('data-spec-id="')
    if PAGES[url] is not None:
        assert charts == PAGES[url]
    assert charts >= 1
    assert r.text.count("data-chart=") == charts  # one table per chart
    assert chart_tables_agree(r.text) > 0


def test_a_table_that_disagrees_with_its_chart_fails() -> None:
    """The check itself: a table cell changed by one unit in its last place is caught."""
    spec = (
        '{"data": {"values": [{"a": "X", "v": 1.25}]}, "mark": "bar", '
        '"encoding": {"y": {"field": "a"}, "x": {"field": "v"}}}'
    )
    page = (
        f'<script type="application/json" id="c-spec">{spec}</script>'
        '<table data-chart="c"><tr><th scope="col" data-field="a">A</th>'
        '<th scope="col" data-field="v">V</th></tr>'
        '<tr><th scope="row">X</th><td>{}</td></tr></table>'
    )
    assert chart_tables_agree(page.replace("{}", "1.3")) == 2  # 1.25 printed to 1 place
    assert chart_tables_agree(page.replace("{}", "1.25")) == 2
    with pytest.raises(AssertionError, match="no table row shows"):
        chart_tables_agree(page.replace("{}", "1.4"))
    with pytest.raises(AssertionError, match="has no table"):
        chart_tables_agree(page.split("<table")[0])
