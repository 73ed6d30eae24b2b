"""The powers register: members and ICB overlaps checked against the raw ONS/NHS files."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.framework.powers import (
    COMPETENCES,
    PowersRepository,
    check_competence,
    partner_icbs,
    register,
    seed_register,
)
from healthgap.framework.storage import NotPermittedError, Workspace
from tests.framework.conftest import ADMIN, GM_EDITOR


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def _raw_members(mirror: Path) -> dict[str, set[str]]:
    """Members by the ONS May 2025 lookup (2025 codes of Barnsley and Sheffield carried
    back to their 2024 codes) and the GLA as the London boroughs."""
    back = {"E08000038": "E08000016", "E08000039": "E08000019"}
    out: dict[str, set[str]] = {}
    for r in _rows(mirror / "lookups" / "lad25_cauth25_may2025.csv"):
        out.setdefault(r["CAUTH25CD"], set()).add(back.get(r["LAD25CD"], r["LAD25CD"]))
    for r in _rows(mirror / "lookups" / "lad24_region24_en.csv"):
        if r["region24_code"] == "E12000007":
            out.setdefault("E61000001", set()).add(r["lad24_code"])
    return out


def test_register_covers_the_lookup_authorities_and_the_gla(store: Store, mirror: Path) -> None:
    reg = register(store)
    raw = _raw_members(mirror)
    assert {a.code for a in reg} == set(raw)  # current = the May 2025 lookup + the GLA
    assert len(reg) == 16
    for a in reg:
        assert set(a.members["lad_code"]) == raw[a.code], a.name
        assert a.members_verified and a.status == "current", a.name
        assert a.tier in ("foundation", "mayoral", "established_mayoral"), a.name
    assert len(reg.get("Greater London Authority").members) == 33
    assert reg.get("E12000007").code == "E61000001"  # the London region code is an alias
    assert {a.code: a.replaced_by for a in reg.former} == {
        "E47000010": "E47000014",
        "E47000011": "E47000014",
    }
    table = reg.table()
    assert table["members"].dtype == "int64"  # whole numbers
    assert sorted(table["code"]) == sorted(raw)


def test_every_current_authority_has_a_sourced_power_in_each_domain_it_holds(
    store: Store,
) -> None:
    reg = register(store)
    sources = seed_register()["sources"]
    for a in reg:
        held = {c for p in a.powers if p.kind != "framework" for c in p.competences}
        assert {"health", "economy", "housing"} <= held, a.name
        for competence in held:
            sourced = [p for p in a.powers if competence in p.competences and p.source in sources]
            assert sourced, f"{a.name}: {competence} has no sourced power"
    # police and fire only where a mayor holds them
    safety = {
        a.code
        for a in reg
        if any("safety" in p.competences for p in a.powers if p.kind != "framework")
    }
    assert safety == {"E47000001", "E47000002", "E47000003", "E47000012", "E61000001"}


def test_compare_by_lever(store: Store) -> None:
    reg = register(store)
    m = reg.compare(["E47000001", "E61000001"], by="lever")
    assert list(m.columns) == ["tier", "power", "budget", "duty", "role"]
    assert "mayor-pcc-gm" in m.loc["Greater Manchester", "power"]
    assert "gla-mopac" in m.loc["Greater London Authority", "power"]
    assert "integrated-settlement" in m.loc["Greater Manchester", "budget"]
    with pytest.raises(InputError, match="by must be 'competence' or 'lever'; got 'x'"):
        reg.compare(by="x")


def test_partner_icbs_match_an_independent_overlap_count(store: Store, mirror: Path) -> None:
    lad_of = {
        r["lsoa21_code"]: r["lad24_code"]
        for r in _rows(mirror / "lookups" / "lsoa21_ward24_lad24_ew.csv")
    }
    sa_of = {lad: sa for sa, lads in _raw_members(mirror).items() for lad in lads}
    icb_of = {
        r["lsoa21_code"]: r["icb24_code"]
        for r in _rows(mirror / "lookups" / "lsoa21_sicbl24_icb24_en.csv")
    }
    pair: dict[tuple[str, str], int] = {}
    sa_total: dict[str, int] = {}
    icb_total: dict[str, int] = {}
    for lsoa, icb in icb_of.items():
        icb_total[icb] = icb_total.get(icb, 0) + 1
        sa = sa_of.get(lad_of.get(lsoa, ""))
        if sa:
            pair[(sa, icb)] = pair.get((sa, icb), 0) + 1
            sa_total[sa] = sa_total.get(sa, 0) + 1
    got = partner_icbs(store)
    assert len(got) == len(pair)
    assert got["population_share_of_authority"].between(0, 1).all()
    for row in got.itertuples(index=False):
        n = pair[(row.strategic_authority_code, row.icb_code)]
        assert row.lsoas == n
        assert row.share_of_authority == pytest.approx(
            n / sa_total[row.strategic_authority_code], rel=1e-12
        )
        assert row.share_of_icb == pytest.approx(n / icb_total[row.icb_code], rel=1e-12)
        assert row.partner == (n / sa_total[row.strategic_authority_code] >= 0.05)


def test_overlap_shares_add_up(store: Store) -> None:
    got = partner_icbs(store, icb_threshold=0.5)
    sums = got.groupby("strategic_authority_code")["share_of_authority"].sum()
    assert np.allclose(sums, 1.0, rtol=1e-12)
    assert (got["share_of_icb"] <= 1).all() and (got["share_of_icb"] > 0).all()
    # a higher threshold keeps at most one partner ICB per authority (shares above 1/2)
    assert got.groupby("strategic_authority_code")["partner"].sum().max() <= 1


def test_icb_threshold_is_checked(store: Store) -> None:
    with pytest.raises(InputError, match="icb_threshold must be between 0 and 1; got 5"):
        partner_icbs(store, icb_threshold=5)


def test_every_fact_has_a_known_source_and_date() -> None:
    seed = seed_register()
    sources = seed["sources"]
    for s in sources.values():
        assert s["url"].startswith("https://") and s["title"] and s["date"]
    for a in seed["authorities"]:
        assert a["as_of"]
        if a["tier_verified"]:
            assert a["tier_source"] in sources and a["tier"] in (
                "foundation",
                "mayoral",
                "established_mayoral",
            )
    for p in seed["powers"]:
        # a verified fact names its source; an unverified one may have none (never a
        # made-up one)
        assert p["source"] in sources or (p["source"] is None and not p["verified"]), p["id"]
        assert p["as_of"]
        assert set(p["competences"]) <= set(COMPETENCES)
    for a in seed["authorities"]:
        if a.get("established_verified"):
            assert a["established_by"] in sources, a["code"]


def test_compare_marks_unverified_and_budgets(store: Store) -> None:
    reg = register(store)
    m = reg.compare(["E47000001", "Tees Valley"])
    assert list(m.columns) == ["tier", *COMPETENCES, "budgets"]
    assert "integrated-settlement" in m.loc["Greater Manchester", "budgets"]
    # Tees Valley's mayoral tier is unattributed, so a power that follows from it is too
    assert "mayor-ics-role*" in m.loc["Tees Valley", "health"]
    assert m.loc["Tees Valley", "tier"].endswith("(unverified)")
    assert m.loc["Greater Manchester", "tier"] == "Established mayoral strategic authority"


def test_get_unknown_authority(store: Store) -> None:
    with pytest.raises(
        InputError,
        match=r"authority must be a strategic authority code or name in the register; got 'Narnia'",
    ):
        register(store).get("Narnia")


def test_admin_edits_are_versioned_and_appear(store: Store, ws: Workspace) -> None:
    repo = PowersRepository(ws)
    repo.record(
        ADMIN,
        "gm-test-power",
        text="A test power.",
        applies_to=["E47000001"],
        competences=["transport"],
        source="Test source",
        as_of="2026-01-01",
    )
    repo.record(
        ADMIN,
        "gm-test-power",
        text="Corrected.",
        applies_to=["E47000001"],
        competences=["transport"],
        source="Test source",
        as_of="2026-02-01",
    )
    gm = register(store, ws).get("E47000001")
    assert [p.text for p in gm.powers if p.id == "gm-test-power"] == ["Corrected."]
    assert len(ws.history("power", "gm-test-power")) == 2
    with pytest.raises(NotPermittedError):
        repo.record(
            GM_EDITOR,
            "x",
            text="t",
            applies_to="all",
            competences=[],
            source="s",
            as_of="2026-01-01",
        )
    with pytest.raises(
        InputError, match="source must name where the fact comes from; got an empty source"
    ):
        repo.record(
            ADMIN, "x", text="t", applies_to="all", competences=[], source=" ", as_of="2026-01-01"
        )


def test_competence_check() -> None:
    assert check_competence("health") == "health"
    with pytest.raises(InputError, match="competence must be one of transport, skills, housing"):
        check_competence("defence")
