"""Reports: spend per head by decile and Core20 against an independent pandas computation
from the raw IMD 2019 table, the concentration index against the scalar reference, the
exports and the CLI. All flows are SYNTHETIC; populations and IMD scores are real."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy.orm import Session

from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.ledger import import_ledger, ledger_summary, write_report, write_synthetic_ledger
from tests.cli_run import run_healthgap
from tests.ledger.conftest import FLOW_HEADER, write
from tests.ledger.test_concentration import scalar_reference


@pytest.fixture(scope="module")
def raw_imd(store: Store) -> pd.DataFrame:
    return store.to_pandas(store.table("imd2019_lsoa11"))


@pytest.fixture
def lsoa_ledger(
    session: Session, store: Store, raw_imd: pd.DataFrame, tmp_path: Path
) -> pd.DataFrame:
    rng = np.random.default_rng(99)
    # Distinct scores: the scalar reference has no tie handling.
    pick = raw_imd.drop_duplicates("imd_score", keep=False).sample(60, random_state=3)
    pence = rng.integers(1_000_00, 50_000_00, len(pick))
    alloc = (
        "commissioner_code,commissioner_type,period,programme,amount,source_ref\n"
        f"E54000050,icb,2024-25,prevention,{pence.sum() / 100:.2f},SYNTHETIC test\n"
    )
    import_ledger(session, write(tmp_path, "a.csv", alloc), "allocations")
    lines = [
        f"flow,E54000050,P{i % 3},voluntary_sector,prevention,{code},2024-25,{p / 100:.2f},no,S{i}"
        for i, (code, p) in enumerate(zip(pick["lsoa11_code"], pence, strict=True))
    ]
    import_ledger(
        session, write(tmp_path, "f.csv", FLOW_HEADER + "\n".join(lines) + "\n"), store=store
    )
    return pick.assign(pence=pence)


def test_spend_per_head_by_decile_matches_pandas(
    session: Session, store: Store, lsoa_ledger: pd.DataFrame
) -> None:
    got = ledger_summary(session, store, by="decile", disclose=False)
    ref = lsoa_ledger.groupby("imd_decile").agg(
        pence=("pence", "sum"), pop=("pop_total_mid2015", "sum")
    )
    ref["per_head"] = ref["pence"] / 100 / ref["pop"]
    table = got.table.set_index("imd_decile")
    np.testing.assert_allclose(table["spend_per_head"], ref["per_head"], rtol=1e-10)
    np.testing.assert_allclose(table["population"], ref["pop"], rtol=1e-12)
    core = ledger_summary(session, store, by="core20", disclose=False).table.set_index("core20")
    is_core = lsoa_ledger["imd_decile"] <= 2
    for label, mask in (("Core20", is_core), ("Rest", ~is_core)):
        sub = lsoa_ledger[mask]
        expected = sub["pence"].sum() / 100 / sub["pop_total_mid2015"].sum()
        assert core.loc[label, "spend_per_head"] == pytest.approx(expected, rel=1e-10)
    # The concentration index ranks areas most deprived (highest score) first.
    c_ref, se_ref = scalar_reference(
        list(lsoa_ledger["pence"] / 100 / lsoa_ledger["pop_total_mid2015"]),
        list(-lsoa_ledger["imd_score"].astype(float)),
        list(lsoa_ledger["pop_total_mid2015"].astype(float)),
    )
    assert got.concentration is not None
    assert got.concentration.value == pytest.approx(c_ref, rel=1e-10)
    assert got.concentration.se == pytest.approx(se_ref, rel=1e-10)


def test_spend_per_need_weighted_head(
    session: Session, store: Store, lsoa_ledger: pd.DataFrame
) -> None:
    """Spend / (population x the NHS need index of the LSOA's district), by decile."""
    from healthgap.allocate import need
    from healthgap.geography import lsoa_lookup
    from healthgap.ledger.summaries import NEED_YEAR

    got = ledger_summary(session, store, by="decile", disclose=False)
    lad = need.footprint_need(store, NEED_YEAR, "lad").set_index("code")["need_index"]
    look = lsoa_lookup(store, lsoa_vintage=2011).set_index("lsoa_code")["lad_code"]
    ref = lsoa_ledger.assign(
        weighted=lsoa_ledger["pop_total_mid2015"]
        * lsoa_ledger["lsoa11_code"].map(look).map(lad).to_numpy()
    )
    assert ref["weighted"].notna().all()
    sums = ref.groupby("imd_decile").agg(pence=("pence", "sum"), weighted=("weighted", "sum"))
    table = got.table.set_index("imd_decile")
    np.testing.assert_allclose(table["need_weighted_population"], sums["weighted"], rtol=1e-12)
    np.testing.assert_allclose(
        table["spend_per_need_weighted_head"], sums["pence"] / 100 / sums["weighted"], rtol=1e-10
    )
    assert "need index" in got.metadata["need_weighting"]
    # Disclosure withholds the need-weighted figures with the population they derive from.
    shown = ledger_summary(session, store, by="decile").table
    hidden = shown["population"].isna()
    assert shown.loc[hidden, "spend_per_need_weighted_head"].isna().all()


def test_disclosure_rounds_populations(
    session: Session, store: Store, lsoa_ledger: pd.DataFrame
) -> None:
    got = ledger_summary(session, store, by="decile")
    assert (got.table["population"].dropna() % 5 == 0).all()
    assert "rounded to the nearest 5" in got.metadata["disclosure"]


def test_errors(session: Session, store: Store) -> None:
    with pytest.raises(InputError, match=r"--by must be one of decile, core20, provider-type"):
        ledger_summary(session, store, by="ward")
    with pytest.raises(InputError, match=r"the ledger must hold flows for the report; got none"):
        ledger_summary(session, store)


def test_synthetic_ledger_cli_and_exports(db_url: str, store_path: Path, tmp_path: Path) -> None:
    a, f = write_synthetic_ledger(tmp_path, str(store_path))
    base = ["--db", db_url]
    run = lambda *args: run_healthgap(  # noqa: E731
        "ledger", *args
    )
    assert run("import", str(a), "--kind", "allocations", *base).returncode == 0
    ok = run("import", str(f), "--store", str(store_path), *base)
    assert ok.returncode == 0, ok.stderr
    assert "already imported" in run("import", str(f), "--store", str(store_path), *base).stderr
    assert run("check", *base).returncode == 0
    for suffix in ("csv", "json", "html"):
        out = tmp_path / f"r.{suffix}"
        done = run(
            "report", "--by", "provider-type", "--out", str(out), "--store", str(store_path), *base
        )
        assert done.returncode == 0, done.stderr
    doc = json.loads((tmp_path / "r.json").read_text())
    assert "SYNTHETIC" in doc["metadata"]["synthetic"]
    assert doc["metadata"]["licence"] == "Open Government Licence v3.0"
    assert (tmp_path / "r.csv").read_text().startswith("# title: Spend per head by provider type")
    assert "<caption>" in (tmp_path / "r.html").read_text()
    bad = run("report", "--by", "core20", "--store", str(store_path), *base)
    assert bad.returncode == 2 and "--by core20 must use flows to LSOAs" in bad.stderr
    # A flow edited behind healthgap's back makes the check fail with exit code 1.
    import sqlite3

    con = sqlite3.connect(db_url.removeprefix("sqlite:///"))
    con.execute("UPDATE ledger_flows SET amount_pence = amount_pence + 1e12 WHERE id = 1")
    con.commit()
    con.close()
    failed = run("check", *base)
    assert failed.returncode == 1
    assert "exceed the allocation" in failed.stderr and "changed outside healthgap" in failed.stderr
    rejected = run("import", str(tmp_path / "missing.csv"), *base)
    assert rejected.returncode == 2 and "ledger file must be an existing file" in rejected.stderr


def test_write_report_rejects_other_suffixes(
    session: Session, store: Store, lsoa_ledger: pd.DataFrame, tmp_path: Path
) -> None:
    with pytest.raises(InputError, match=r"--out must end in .csv, .json or .html; got 'r.pdf'"):
        write_report(ledger_summary(session, store), tmp_path / "r.pdf")
