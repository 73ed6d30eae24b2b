"""The report's Targets section: the authority's published targets with the status the
Targets page shows (one service), and no section at all when there are none."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from healthgap.account.authority_targets import TargetBook
from healthgap.appdb.db import init_db
from healthgap.appdb.permissions import Actor
from healthgap.data.store import Store
from healthgap.report.authority import resolve_authority
from healthgap.report.render import render_html
from healthgap.report.sections.targets import targets_section

ADMIN = Actor("ada@example.org", "admin")
GM = "E47000001"


def test_published_targets_of_the_authority_only(store: Store, tmp_path: Path) -> None:
    engine = init_db(f"sqlite:///{tmp_path / 'app.db'}")
    book = TargetBook(engine)
    auth = resolve_authority(GM, store)
    assert targets_section(store, auth, None) is None
    assert targets_section(store, auth, book) is None  # none recorded: no near-empty page
    base = {"indicator_id": "hle_birth", "baseline_period": "2016-2018", "target_year": 2030}
    book.add(ADMIN, store, authority_code=GM, sex="Female", target_value=64.0, **base)
    book.add(
        ADMIN, store, authority_code=GM, sex="Male", target_value=63.0, published=False, **base
    )
    book.add(ADMIN, store, authority_code="E47000002", sex="Male", target_value=63.0, **base)
    today = dt.date(2026, 6, 1)
    section = targets_section(store, auth, book, today)
    assert section is not None and section.title == "Targets"
    (table,) = section.tables
    assert table.frame["target"].tolist() == ["Healthy life expectancy at birth, Female"]
    page = book.status(store, GM, published_only=True, as_of=today)
    assert table.frame["status"].tolist() == page["status"].tolist()
    assert section.summary[0] == (
        f"1 published target is recorded for {auth.name}: 1 {page['status'].iloc[0]}."
    )
    assert page["reason"].iloc[0] in section.summary[-1]
    engine.dispose()


def test_the_section_renders_in_the_report(store: Store, tmp_path: Path) -> None:
    from dataclasses import replace

    from healthgap.report.model import ReportContext, Section

    engine = init_db(f"sqlite:///{tmp_path / 'app.db'}")
    book = TargetBook(engine)
    auth = resolve_authority(GM, store)
    book.add(
        ADMIN,
        store,
        authority_code=GM,
        indicator_id="hle_birth",
        sex="Female",
        baseline_period="2016-2018",
        target_year=2030,
        target_value=64.0,
        note="<b>x</b>",
    )
    section = targets_section(store, auth, book)
    assert isinstance(section, Section)
    ctx = ReportContext(
        authority_code=auth.code,
        authority_name=auth.name,
        data_code=auth.data_code,
        region_code=auth.region_code,
        region_name=auth.region_name,
        members=auth.members.iloc[0:0],
        period="2022-2024",
        target_year=None,
        generated=dt.date(2026, 1, 1),
        sections=(section,),
    )
    html = render_html(replace(ctx))
    assert 'id="targets-status"' in html and "<caption>Targets of Greater Manchester" in html
    engine.dispose()
