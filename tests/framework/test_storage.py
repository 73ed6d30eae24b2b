"""Versioned storage, permissions and the actor."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthgap.errors import HealthgapError, InputError
from healthgap.framework.storage import Actor, NotPermittedError, Workspace
from tests.framework.conftest import ADMIN, GM_EDITOR, SY_EDITOR, VIEWER


def test_every_change_is_a_version_and_history_is_kept(ws: Workspace) -> None:
    assert ws.put(GM_EDITOR, "action", "E47000001", "a1", {"title": "first"}) == 1
    assert ws.put(GM_EDITOR, "action", "E47000001", "a1", {"title": "second"}) == 2
    history = ws.history("action", "a1")
    assert [v.data["title"] for v in history] == ["first", "second"]
    assert [v.actor for v in history] == ["Gita GM (editor)"] * 2
    assert [v.data["title"] for v in ws.current("action")] == ["second"]


def test_delete_is_a_version_and_hides_the_record(ws: Workspace) -> None:
    ws.put(ADMIN, "action", "E47000001", "a1", {"title": "x"})
    assert ws.delete(ADMIN, "action", "E47000001", "a1") == 2
    assert ws.current("action") == []
    assert [v.deleted for v in ws.history("action", "a1")] == [False, True]


def test_delete_unknown_record(ws: Workspace) -> None:
    with pytest.raises(
        InputError, match=r"record_id must name an existing action record; got 'nope'"
    ):
        ws.delete(ADMIN, "action", "E47000001", "nope")


def test_editor_changes_only_their_own_authority(ws: Workspace) -> None:
    ws.put(GM_EDITOR, "action", "E47000001", "a1", {"title": "x"})
    with pytest.raises(
        NotPermittedError,
        match=r"an editor must change only their own authority's action records; got Sam SY "
        r"\(editor for E47000002\) changing E47000001",
    ):
        ws.put(SY_EDITOR, "action", "E47000001", "a1", {"title": "y"})
    # nor can they move GM's record into their own authority
    with pytest.raises(NotPermittedError, match="changing E47000001"):
        ws.put(SY_EDITOR, "action", "E47000002", "a1", {"title": "y"})
    assert [v.data["title"] for v in ws.history("action", "a1")] == ["x"]


def test_not_permitted_is_a_permission_error() -> None:
    assert issubclass(NotPermittedError, PermissionError)
    assert issubclass(NotPermittedError, HealthgapError)


def test_viewer_and_register_rules(ws: Workspace) -> None:
    with pytest.raises(
        NotPermittedError,
        match="must be an editor or administrator to change action records; got role 'viewer'",
    ):
        ws.put(VIEWER, "action", "E47000001", "a1", {})
    with pytest.raises(
        NotPermittedError,
        match="the power register must be changed by an administrator; got editor Gita GM",
    ):
        ws.put(GM_EDITOR, "power", "", "p1", {})
    assert ws.put(ADMIN, "power", "", "p1", {"text": "t"}) == 1


def test_actor_checks() -> None:
    with pytest.raises(
        InputError, match="role must be one of admin, editor, approver, viewer; got 'boss'"
    ):
        Actor("x", "boss")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="an editor must have an authority_code; got none for 'x'"):
        Actor("x", "editor")
    with pytest.raises(InputError, match="an approver must have an authority_code"):
        Actor("x", "approver")
    with pytest.raises(InputError, match="the actor's name must not be empty"):
        Actor("  ", "admin")


def test_file_database_persists(tmp_path: Path) -> None:
    path = tmp_path / "fw.sqlite"
    with Workspace(path) as w:
        w.put(ADMIN, "note", "E47000001", "n1", {"text": "kept"})
    with Workspace(str(path)) as w:
        assert w.current("note")[0].data == {"text": "kept"}


def test_database_folder_must_exist(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="the framework database must be in an existing folder"):
        Workspace(tmp_path / "missing" / "fw.sqlite")


def test_search_needs_words(ws: Workspace) -> None:
    with pytest.raises(
        InputError, match="the search must contain at least one word; got an empty query"
    ):
        ws.search_cases("   ")


@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=20), min_size=1, max_size=8))
def test_history_is_every_write_in_order(titles: list[str]) -> None:
    with Workspace(":memory:") as w:
        versions = [w.put(ADMIN, "action", "E47000001", "a", {"title": t}) for t in titles]
        assert versions == list(range(1, len(titles) + 1))
        assert [v.data["title"] for v in w.history("action", "a")] == titles
        assert w.current("action")[0].data["title"] == titles[-1]


def test_a_stale_expected_version_is_refused_and_nothing_changes() -> None:
    from healthgap.appdb.versions import StaleVersionError

    with Workspace(":memory:") as w:
        assert w.put(ADMIN, "action", "E47000001", "a", {"title": "one"}, expected_version=0) == 1
        assert w.put(ADMIN, "action", "E47000001", "a", {"title": "two"}, expected_version=1) == 2
        with pytest.raises(StaleVersionError, match="based on version 1, but it is now version 2"):
            w.put(ADMIN, "action", "E47000001", "a", {"title": "lost"}, expected_version=1)
        with pytest.raises(StaleVersionError, match="based on version 0"):
            w.put(ADMIN, "action", "E47000001", "a", {"title": "new"}, expected_version=0)
        assert [v.data["title"] for v in w.history("action", "a")] == ["one", "two"]


def test_new_ids_come_from_a_database_counter_past_older_ids() -> None:
    with Workspace(":memory:") as w:
        # ids written before the counter existed (as the old count-based scheme did)
        for n in (1, 2, 5):
            w.put(ADMIN, "action", "E47000001", f"E47000001-action-{n}", {"title": str(n)})
        assert w.new_id("action", "E47000001-action") == "E47000001-action-6"
        assert w.new_id("action", "E47000001-action") == "E47000001-action-7"
        assert w.new_id("action", "E47000002-action") == "E47000002-action-1"
        assert w.new_id("note", "E47000001-action") == "E47000001-action-1"  # per kind


def test_parallel_new_ids_are_all_different(tmp_path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with Workspace(tmp_path / "fw.sqlite") as w, ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(lambda _: w.new_id("action", "X-action"), range(40)))
    assert sorted(ids, key=lambda i: int(i.rsplit("-", 1)[1])) == [
        f"X-action-{n}" for n in range(1, 41)
    ]
