"""/partnerships: every ICB's strategic authorities and every authority's ICBs, both ways,
with the same figures as authorities_of_icbs() and a CSV."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

from healthgap.framework.powers import authorities_of_icbs
from tests.web.conftest import check_page


def test_partnerships_page_and_csv(client: Any, store: Any) -> None:
    assert 'href="/partnerships"' in client.get("/core20plus5/E54000057").text
    page = client.get("/partnerships")
    assert page.status_code == 200
    found = check_page(page.text)
    want = authorities_of_icbs(store)
    # one table per ICB with an authority and one per authority
    assert found.tables == want["icb_code"].nunique() + want["strategic_authority_code"].nunique()
    assert "Greater Manchester" in page.text and "E47000001" in page.text
    csv = client.get("/api/v1/partnerships?format=csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    got = pd.read_csv(io.StringIO(csv.text))
    assert len(got) == len(want)
    merged = got.merge(want, on=["icb_code", "strategic_authority_code"], suffixes=("", "_w"))
    assert len(merged) == len(want)
    for col in ("population", "share_of_icb", "share_of_strategic_authority"):
        assert (merged[col] - merged[f"{col}_w"]).abs().max() < 1e-9, col
    # both ways: each ICB's shares of itself are at most 1 in total, and so are each
    # authority's
    assert got.groupby("icb_code")["share_of_icb"].sum().max() <= 1 + 1e-9
    assert got.groupby("strategic_authority_code")["share_of_strategic_authority"].sum().max() <= (
        1 + 1e-9
    )
    data = client.get("/api/v1/partnerships").json()["data"]
    assert len(data) == len(want)
