"""Which uploads a server parses in a worker process (:func:`healthgap.data.local.prepare_apart`).

The choice goes by what the file holds once unpacked, not by its size on disk: the
mixed-load benchmark's million-row Parquet file weighs 867 KB, was parsed in the server's
own thread, and held the interpreter lock against every reader for half a minute.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from healthgap.data import local
from healthgap.data.local import Uploader, prepare_apart, prepare_local_file, unpacked_size
from tests.data.importing_store.conftest import SAMPLE

ADMIN = Uploader("admin@example.org", None, None, is_admin=True)


def _repetitive(path: Path, rows: int) -> Path:
    pd.DataFrame(
        {
            "indicator_id": "synthetic",
            "area_code": "E06000001",
            "period": [str(2000 + i % 20) for i in range(rows)],
            "value": 1.5,
        }
    ).to_parquet(path, index=False)
    return path


def test_parquet_counts_by_its_cells_not_its_bytes(tmp_path: Path) -> None:
    path = _repetitive(tmp_path / "big.parquet", 200_000)
    on_disk = path.stat().st_size
    assert on_disk < local.PARSE_APART_BYTES  # small on disk...
    # ...but 200,000 rows x 4 columns at 8 bytes a cell at least
    assert unpacked_size(path) >= 200_000 * 4 * 8 > local.PARSE_APART_BYTES


def test_xlsx_counts_its_members_uncompressed(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", "<row/>" * 100_000)
    assert path.stat().st_size < 10_000
    assert unpacked_size(path) == 600_000


def test_other_files_and_impostors_count_by_their_size(tmp_path: Path) -> None:
    assert unpacked_size(SAMPLE) == SAMPLE.stat().st_size
    fake = tmp_path / "fake.parquet"
    fake.write_bytes(b"PAR1 but not Parquet")  # its parse reports what is wrong
    assert unpacked_size(fake) == fake.stat().st_size


def test_the_worker_prepares_exactly_what_the_thread_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "here").mkdir()
    here = prepare_local_file(SAMPLE, ADMIN, tmp_path / "here")
    monkeypatch.setattr(local, "PARSE_APART_BYTES", 0)  # every file goes to the worker
    (tmp_path / "apart").mkdir()
    apart = prepare_apart(SAMPLE, ADMIN, tmp_path / "apart")
    assert (apart.rows, apart.checksum, apart.file, apart.format) == (
        here.rows,
        here.checksum,
        here.file,
        here.format,
    )
    pd.testing.assert_frame_equal(pd.read_parquet(apart.staged), pd.read_parquet(here.staged))
