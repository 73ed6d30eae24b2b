"""Joint commitments: the domain rules, versions and permissions, the CLI and the exports.

Partner names and commitments here are SYNTHETIC test data; member councils and ICBs come
from the real register (the ONS lookups in the open-data mirror).
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from healthgap.cli.main import app
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.framework.actions import ActionPlan
from healthgap.framework.commitments import Commitments
from healthgap.framework.export import export
from healthgap.framework.library import Library, authority_features
from healthgap.framework.partners import Partnerships
from healthgap.framework.powers import register
from healthgap.framework.storage import NotPermittedError, Workspace
from tests.framework.conftest import ADMIN, GM_EDITOR, SY_EDITOR, VIEWER

GM = "E47000001"
runner = CliRunner()


def _vcse(ws: Workspace) -> str:
    return Partnerships(ws, GM).add_partner(GM_EDITOR, "Synthetic VCSE Forum", "voluntary sector")


def _gm_members(mirror: Path) -> dict[str, str]:
    with (mirror / "lookups" / "lad23_cauth23_en.csv").open(encoding="utf-8-sig") as f:
        return {
            r["lad23_code"]: r["lad23_name"] for r in csv.DictReader(f) if r["cauth23_code"] == GM
        }


def test_parties_may_be_recorded_partners_or_register_members(
    store: Store, ws: Workspace, mirror: Path
) -> None:
    gm = register(store).get(GM)
    vcse = _vcse(ws)
    joint = Commitments(ws, gm)
    members = _gm_members(mirror)
    assert len(members) == 10
    directory = joint.directory()
    assert directory.loc[0].to_dict() == {
        "id": vcse,
        "name": "Synthetic VCSE Forum",
        "type": "voluntary sector",
        "source": "recorded",
    }
    councils = directory[directory["type"] == "council"]
    assert dict(zip(councils["id"], councils["name"], strict=True)) == members
    assert (councils["source"] == "register").all()
    cid = joint.add(
        GM_EDITOR,
        title="Synthetic: share work and health data",
        authority_commits="Host the shared data platform",
        partners=[
            {"partner": "E08000001", "commits_to": "Share referral counts", "signed": "2026-01-12"},
            {"partner": vcse, "commits_to": "Run two community panels"},
        ],
        levers=["data sharing agreement", " "],
        due="2027-03-31",
    )
    assert cid == f"{GM}-commitment-1"
    row = joint.table().iloc[0]
    assert (row["parties"], row["signed"], row["status"], row["version"]) == (2, 1, "proposed", 1)
    assert row["partners"] == "Bolton; Synthetic VCSE Forum" and row["levers"] == [
        "data sharing agreement"
    ]
    parties = joint.parties()
    assert parties["name"].tolist() == ["Bolton", "Synthetic VCSE Forum"]
    assert parties["signed"].tolist()[0] == "2026-01-12" and parties["signed"].isna().tolist()[1]
    # with only the code, a member council is not a known party
    with pytest.raises(
        InputError, match="partners of a commitment must be partners of E47000001; got 'E08000001'"
    ):
        Commitments(ws, GM).add(
            GM_EDITOR, title="t", partners=[{"partner": "E08000001", "commits_to": "x"}]
        )


def test_status_rules_versions_and_history(ws: Workspace) -> None:
    vcse = _vcse(ws)
    joint = Commitments(ws, GM)
    cid = joint.add(GM_EDITOR, title="Synthetic", partners=[{"partner": vcse, "commits_to": "x"}])
    with pytest.raises(
        InputError,
        match="an agreed commitment must have the date it was agreed; got status 'agreed' "
        "and no agreed date for 'Synthetic'",
    ):
        joint.update(GM_EDITOR, cid, status="agreed")
    with pytest.raises(
        InputError,
        match=f"every partner must have signed a commitment with status 'agreed'; got no "
        f"signature date for '{vcse}' in 'Synthetic'",
    ):
        joint.update(GM_EDITOR, cid, status="agreed", agreed="2026-02-01")
    signed = [{"partner": vcse, "commits_to": "x", "signed": "2026-01-30"}]
    assert joint.update(ADMIN, cid, status="agreed", agreed="2026-02-01", partners=signed) == 2
    assert joint.get(cid)["status"] == "agreed" and joint.get(cid)["title"] == "Synthetic"
    history = joint.history(cid)
    assert history["status"].tolist() == ["proposed", "agreed"]
    assert history["actor"].tolist() == ["Gita GM (editor)", "Ada Admin (admin)"]
    with pytest.raises(
        InputError, match="due must be on or after agreed; got agreed 2026-02-01 and due 2026-01-01"
    ):
        joint.update(GM_EDITOR, cid, due="2026-01-01")
    with pytest.raises(InputError, match="status must be one of proposed, agreed, in progress"):
        joint.update(GM_EDITOR, cid, status="done")
    with pytest.raises(
        InputError, match="agreed must be a date written YYYY-MM-DD; got '1 Feb 2026'"
    ):
        joint.update(GM_EDITOR, cid, agreed="1 Feb 2026")
    with pytest.raises(InputError, match="commitment must be a commitment of E47000002; got"):
        Commitments(ws, "E47000002").get(cid)


def test_input_checks(ws: Workspace, store: Store) -> None:
    vcse = _vcse(ws)
    joint = Commitments(ws, GM)
    one = [{"partner": vcse, "commits_to": "x"}]
    with pytest.raises(InputError, match="a commitment must have a title; got none"):
        joint.add(GM_EDITOR, title=" ", partners=one)
    with pytest.raises(
        InputError, match="a joint commitment must name at least one partner; got none for 't'"
    ):
        joint.add(GM_EDITOR, title="t", partners=[])
    with pytest.raises(InputError, match=r"partners must be a list of .* mappings; got str"):
        joint.add(GM_EDITOR, title="t", partners=vcse)
    with pytest.raises(
        InputError, match=f"each partner must be named once in a commitment; got '{vcse}' twice"
    ):
        joint.add(GM_EDITOR, title="t", partners=one + one)
    with pytest.raises(
        InputError,
        match=f"each partner must say what it commits to; got nothing for '{vcse}' "
        r"\(Synthetic VCSE Forum\) in 't'",
    ):
        joint.add(GM_EDITOR, title="t", partners=[{"partner": vcse, "commits_to": ""}])
    with pytest.raises(
        InputError,
        match="each partner of a commitment must have only partner, commits_to, signed; got 'role'",
    ):
        joint.add(
            GM_EDITOR, title="t", partners=[{"partner": vcse, "commits_to": "x", "role": "y"}]
        )
    with pytest.raises(
        InputError, match=f"the signed date of {vcse} must be a date written YYYY-MM-DD; got 'soon'"
    ):
        joint.add(
            GM_EDITOR, title="t", partners=[{"partner": vcse, "commits_to": "x", "signed": "soon"}]
        )
    with pytest.raises(InputError, match="commitment fields must be among title, summary"):
        joint.add(GM_EDITOR, title="t", partners=one, colour="red")
    with pytest.raises(
        InputError, match="actions must be action ids of E47000001's plan; got 'E47000002-action-1'"
    ):
        joint.add(GM_EDITOR, title="t", partners=one, actions=["E47000002-action-1"])
    with pytest.raises(
        InputError, match="indicators must be indicator_id values in the store; got 'nope'"
    ):
        joint.add(GM_EDITOR, store, title="t", partners=one, indicators=["nope"])
    action = ActionPlan(ws, GM).add(GM_EDITOR, title="Synthetic action")
    cid = joint.add(
        GM_EDITOR, store, title="t", partners=one, actions=[action], indicators=["hle_birth"]
    )
    assert joint.get(cid)["actions"] == [action] and joint.get(cid)["indicators"] == ["hle_birth"]


def test_only_the_authoritys_editors_and_admins_may_change_commitments(ws: Workspace) -> None:
    vcse = _vcse(ws)
    one = [{"partner": vcse, "commits_to": "x"}]
    with pytest.raises(
        NotPermittedError,
        match="an editor must change only their own authority's commitment records",
    ):
        Commitments(ws, GM).add(SY_EDITOR, title="t", partners=one)
    with pytest.raises(
        NotPermittedError, match="must be an editor or administrator to change commitment records"
    ):
        Commitments(ws, GM).add(VIEWER, title="t", partners=one)
    cid = Commitments(ws, GM).add(ADMIN, title="t", partners=one)
    with pytest.raises(NotPermittedError):
        Commitments(ws, GM).update(SY_EDITOR, cid, status="lapsed")
    assert ws.get("commitment", cid).version == 1  # type: ignore[union-attr]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=4))
def test_counts_of_parties_and_signatures(flags: list[tuple[bool, bool]]) -> None:
    """parties = partners named; signed = those with a date (independent count)."""
    with Workspace(":memory:") as ws:
        ids = [_vcse(ws) for _ in flags]
        named = [
            {"partner": pid, "commits_to": "x", "signed": "2026-01-01" if sign else None}
            for pid, (take, sign) in zip(ids, flags, strict=True)
            if take
        ]
        joint = Commitments(ws, GM)
        if not named:
            with pytest.raises(InputError, match="at least one partner"):
                joint.add(GM_EDITOR, title="t", partners=named)
            return
        joint.add(GM_EDITOR, title="t", partners=named)
        row = joint.table().iloc[0]
        assert row["parties"] == sum(take for take, _ in flags)
        assert row["signed"] == sum(take and sign for take, sign in flags)


def test_commitment_levers_feed_the_suggestions(ws: Workspace, store: Store) -> None:
    lib = Library(ws)
    lib.add(ADMIN, {
        "id": "synthetic-sy", "title": "Synthetic: shared data", "authority_code": "E47000002",
        "summary": "Synthetic.", "levers": ["data sharing agreement", "grants"],
        "competences": ["health"], "source_title": "Synthetic test source",
        "source_url": "https://example.org/synthetic", "published": "2025-01-01",
    })  # fmt: skip
    before = lib.suggest(GM, store).set_index("id").loc["synthetic-sy", "tag_overlap"]
    assert before == 0
    vcse = _vcse(ws)
    Commitments(ws, GM).add(
        GM_EDITOR,
        title="t",
        partners=[{"partner": vcse, "commits_to": "x"}],
        levers=["data sharing agreement"],
    )
    got = lib.suggest(GM, store).set_index("id").loc["synthetic-sy"]
    # Jaccard of {health, data sharing agreement, grants} and {data sharing agreement}
    assert got["tag_overlap"] == pytest.approx(1 / 3, rel=1e-12)
    feats = authority_features(store)
    z = (feats - feats.mean()) / feats.std(ddof=0)
    sim = 1 / (1 + math.dist(z.loc[GM].tolist(), z.loc["E47000002"].tolist()))
    assert got["score"] == pytest.approx(0.5 * sim + 0.5 / 3, rel=1e-10)


def test_exports_hold_the_commitments(store: Store, ws: Workspace) -> None:
    reg = register(store, ws)
    vcse = _vcse(ws)
    Commitments(ws, reg.get(GM)).add(
        GM_EDITOR,
        title="Synthetic: shared data",
        partners=[
            {"partner": vcse, "commits_to": "Run panels", "signed": "2026-01-05"},
            {"partner": "E08000003", "commits_to": "Share referral counts"},
        ],
        due="2027-01-01",
    )
    md = str(export(reg, ws, GM, "md"))
    assert "## Joint commitments" in md
    assert "- **Synthetic: shared data** (proposed; agreed: not yet; due: 2027-01-01)" in md
    assert "  - Manchester (council): Share referral counts; signed: not yet" in md
    assert "  - Synthetic VCSE Forum (voluntary sector): Run panels; signed: 2026-01-05" in md
    html = str(export(reg, ws, GM, "html"))
    assert "<h2>Joint commitments</h2>" in html and "Manchester: Share referral counts" in html
    body = json.loads(export(reg, ws, GM, "json"))
    (c,) = body["commitments"]
    assert [p["partner"] for p in c["partners"]] == [vcse, "E08000003"]
    assert c["partners"][0]["signed"] == "2026-01-05" and c["due"] == "2027-01-01"


# ------------------------------------------------------------------ CLI
@pytest.fixture
def env(store_path: Path, tmp_path: Path) -> dict[str, str]:
    return {
        "HEALTHGAP_STORE": str(store_path),
        "HEALTHGAP_DB": str(tmp_path / "fw.sqlite"),
    }


def _run(env: dict[str, str], *args: str) -> str:
    result = runner.invoke(app, ["framework", *args], env=env)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_commitment_commands(env: dict[str, str]) -> None:
    vcse = _run(
        env, "partners", "add", GM, "--name", "Synthetic VCSE", "--type", "voluntary sector"
    ).strip()
    cid = _run(
        env, "commitment", "add", "Greater Manchester",
        "--title", "Synthetic: shared data",
        "--partner", f"{vcse}=Run two community panels",
        "--partner", "E08000001=Share referral counts",
        "--signed", f"{vcse}=2026-01-05", "--signed", "E08000001=2026-01-06",
        "--lever", "data sharing agreement", "--indicator", "hle_birth",
        "--agreed", "2026-01-10", "--due", "2027-01-01", "--status", "agreed",
    ).strip()  # fmt: skip
    assert cid == f"{GM}-commitment-1"
    rows = list(csv.DictReader(io.StringIO(_run(env, "commitment", "list", GM))))
    assert len(rows) == 1
    assert {k: rows[0][k] for k in ("id", "status", "parties", "signed", "partners")} == {
        "id": cid,
        "status": "agreed",
        "parties": "2",
        "signed": "2",
        "partners": "Synthetic VCSE; Bolton",
    }
    assert rows[0]["levers"] == "data sharing agreement" and rows[0]["indicators"] == "hle_birth"
    shown = runner.invoke(app, ["framework", "commitment", "show", GM, cid], env=env)
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.startswith(f"{cid} (version 1): Synthetic: shared data\n  status: agreed")
    parties = list(csv.DictReader(io.StringIO(shown.stdout.split("\n", 9)[-1])))
    assert [(p["name"], p["commits_to"], p["signed"]) for p in parties] == [
        ("Synthetic VCSE", "Run two community panels", "2026-01-05"),
        ("Bolton", "Share referral counts", "2026-01-06"),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--partner", "E08000001"], "--partner must be PARTNER=VALUE; got 'E08000001'"),
        (
            ["--partner", "E08000001=a", "--partner", "E08000001=b"],
            "--partner must name each partner once; got 'E08000001' twice",
        ),
        (
            ["--partner", "E08000001=a", "--signed", "E08000002=2026-01-01"],
            "--signed must be for a partner given with --partner; got 'E08000002'",
        ),
        (
            ["--partner", "E08000001=a", "--status", "met"],
            "an agreed commitment must have the date",
        ),
    ],
)
def test_commitment_command_errors(env: dict[str, str], args: list[str], message: str) -> None:
    result = runner.invoke(
        app, ["framework", "commitment", "add", GM, "--title", "t", *args], env=env
    )
    assert isinstance(result.exception, InputError), result.output
    assert message in str(result.exception)
    shown = runner.invoke(app, ["framework", "commitment", "show", GM, "nope"], env=env)
    assert "commitment must be a commitment of E47000001; got 'nope'" in str(shown.exception)
