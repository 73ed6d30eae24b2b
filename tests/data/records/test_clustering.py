"""Clustering a records file: the same records, sorted by LSOA and date, every count equal."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from healthgap.data.clustering import LAYOUT_KEY, cluster_records, layout
from healthgap.data.records import RecordColumns, count_records
from healthgap.errors import InputError

from .test_cli import run_cli


@pytest.fixture(scope="module")
def clustered(synthetic_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("clustered") / "deaths-synthetic-clustered.parquet"
    return cluster_records(synthetic_file, out)


def _rows(path: Path) -> pd.DataFrame:
    frame = pq.read_table(path).to_pandas()
    for column in ("lsoa_code", "sex", "cause"):
        frame[column] = frame[column].astype(str)
    return frame


def test_the_clustered_file_holds_exactly_the_same_records(
    synthetic_file: Path, clustered: Path
) -> None:
    before = _rows(synthetic_file).sort_values("record_id", ignore_index=True)
    after = _rows(clustered)
    assert list(after.columns) == list(before.columns)
    pd.testing.assert_frame_equal(after.sort_values("record_id", ignore_index=True), before)


def test_rows_are_sorted_by_lsoa_then_date(synthetic_file: Path, clustered: Path) -> None:
    after = _rows(clustered)
    keys = list(zip(after["lsoa_code"], after["date"], strict=True))
    assert keys == sorted(keys)
    # The source was not in that order, so the test can fail.
    before = _rows(synthetic_file)
    assert list(zip(before["lsoa_code"], before["date"], strict=True)) != keys


@pytest.mark.parametrize(
    "by",
    [
        ["lad", "age_band", "sex", "period"],
        ["lsoa", "cause"],
        ["icb", "imd_decile", "core20", "period"],
    ],
)
def test_every_count_is_the_same_after_clustering(
    synthetic_file: Path, clustered: Path, lookup: Any, by: list[str]
) -> None:
    before = count_records(synthetic_file, by=by, lookup=lookup)
    after = count_records(clustered, by=by, lookup=lookup)
    pd.testing.assert_frame_equal(after, before)
    assert after["count"].sum() == 5000


def test_synthetic_labels_are_kept_and_the_layout_is_recorded(
    synthetic_file: Path, clustered: Path
) -> None:
    source = pq.read_schema(synthetic_file).metadata
    meta = pq.read_schema(clustered).metadata
    for key, value in source.items():
        if key.startswith(b"healthgap."):
            assert meta[key] == value
    assert meta[b"healthgap.synthetic"] == b"true"
    assert meta[LAYOUT_KEY.encode()] == b"sorted by lsoa_code, date"
    assert layout(clustered) == "sorted by lsoa_code, date"
    assert layout(synthetic_file) is None


def test_row_groups_cover_disjoint_lsoa_ranges(tmp_path: Path) -> None:
    """Sorted row groups let a filter on one area skip the others."""
    codes = [f"E0100{i:04d}" for i in range(3000)]
    table = pa.table(
        {"lsoa_code": codes[::-1] * 400, "date": pa.array([0] * 1_200_000, pa.date32())}
    )
    pq.write_table(table, tmp_path / "deaths.parquet")
    out = cluster_records(tmp_path / "deaths.parquet", tmp_path / "deaths-clustered.parquet")
    meta = pq.read_metadata(out)
    assert meta.num_row_groups >= 2
    ranges = [
        (s.min, s.max)
        for s in (meta.row_group(i).column(0).statistics for i in range(meta.num_row_groups))
    ]
    for (_, high), (low, _) in itertools.pairwise(ranges):
        assert high <= low


def test_a_folder_of_files_becomes_one_clustered_file(tmp_path: Path) -> None:
    folder = tmp_path / "extract"
    folder.mkdir()
    for i, codes in enumerate([["E01000002", "E01000001"], ["E01000003", "E01000001"]]):
        pq.write_table(pa.table({"lsoa": codes, "age": [i, i]}), folder / f"part-{i}.parquet")
    out = cluster_records(
        folder, tmp_path / "deaths-clustered.parquet", columns=RecordColumns(lsoa="lsoa")
    )
    assert pq.read_table(out).column("lsoa").to_pylist() == [
        "E01000001",
        "E01000001",
        "E01000002",
        "E01000003",
    ]
    assert layout(out) == "sorted by lsoa"


def test_synthetic_records_keep_synthetic_in_their_name(
    synthetic_file: Path, tmp_path: Path
) -> None:
    with pytest.raises(InputError, match=r"SYNTHETIC records.*must contain 'synthetic'"):
        cluster_records(synthetic_file, tmp_path / "deaths-clustered.parquet")
    assert not list(tmp_path.iterdir())


def _plain(tmp_path: Path) -> Path:
    path = tmp_path / "deaths.parquet"
    pq.write_table(pa.table({"lsoa_code": ["E01000002", "E01000001"]}), path)
    return path


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("deaths.parquet", "must not replace its source"),
        ("deaths.csv", "must end in .parquet"),
        ("no-such-folder/out.parquet", "output folder must exist"),
    ],
)
def test_bad_targets_are_refused(tmp_path: Path, target: str, message: str) -> None:
    source = _plain(tmp_path)
    with pytest.raises(InputError, match=message):
        cluster_records(source, tmp_path / target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deaths.parquet"]


def test_bad_sources_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="must exist"):
        cluster_records(tmp_path / "missing.parquet", tmp_path / "out.parquet")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="must hold Parquet files"):
        cluster_records(tmp_path / "empty", tmp_path / "out.parquet")
    (tmp_path / "text.parquet").write_text("age,sex\n1,Male\n")
    with pytest.raises(InputError, match="must be Parquet"):
        cluster_records(tmp_path / "text.parquet", tmp_path / "out.parquet")
    with pytest.raises(InputError, match="LSOA column 'lsoa'"):
        cluster_records(
            _plain(tmp_path), tmp_path / "out.parquet", columns=RecordColumns(lsoa="lsoa")
        )
    with pytest.raises(InputError, match="memory_limit must be"):
        cluster_records(_plain(tmp_path), tmp_path / "out.parquet", memory_limit="lots")
    assert not (tmp_path / "out.parquet").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_a_failure_after_writing_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _plain(tmp_path)

    def broken(path: Any) -> Any:
        assert Path(path).name == ".out.parquet.partial"
        raise OSError("disk unplugged")

    monkeypatch.setattr(pq, "read_metadata", broken)
    with pytest.raises(OSError, match="disk unplugged"):
        cluster_records(source, tmp_path / "out.parquet")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deaths.parquet"]


def test_the_cli_clusters_and_reports_the_layout(
    store: Any, synthetic_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "cli-synthetic-clustered.parquet"
    proc = run_cli(store, "records", "cluster", str(synthetic_file), str(out))
    assert proc.returncode == 0, proc.stderr
    assert "(sorted by lsoa_code, date)" in proc.stdout
    assert pq.read_metadata(out).num_rows == 5000
    again = run_cli(store, "records", "cluster", str(out), str(out))
    assert again.returncode != 0
    assert "must not replace its source" in again.stderr + again.stdout
    assert "Traceback" not in again.stderr
