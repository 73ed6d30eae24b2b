"""The upload helpers shared by the data and ledger import pages."""

from __future__ import annotations

import io
from pathlib import Path

from starlette.datastructures import FormData, Headers, UploadFile
from starlette.requests import Request

from healthgap.web import uploads


def _request(length: str | None) -> Request:
    headers = [] if length is None else [(b"content-length", length.encode())]
    return Request({"type": "http", "method": "POST", "path": "/", "headers": headers})


def test_declared_length_over_the_limit_and_the_form_overhead() -> None:
    limit = 1000
    edge = limit + uploads.FORM_OVERHEAD_BYTES
    assert not uploads.declared_too_large(_request(str(edge)), limit)
    assert uploads.declared_too_large(_request(str(edge + 1)), limit)
    assert not uploads.declared_too_large(_request(None), limit)
    assert not uploads.declared_too_large(_request("lots"), limit)


def test_part_size_when_known() -> None:
    assert uploads.part_too_large(UploadFile(io.BytesIO(b""), size=11), 10)
    assert not uploads.part_too_large(UploadFile(io.BytesIO(b""), size=10), 10)
    assert not uploads.part_too_large(UploadFile(io.BytesIO(b"")), 10)


def test_save_upload_copies_from_the_start_and_stops_past_the_limit(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setattr(uploads, "BLOCK_BYTES", 4)  # several blocks for a short file
    data = bytes(range(10))
    f = io.BytesIO(data)
    f.seek(7)  # a half-read upload is copied from its start
    up = UploadFile(f, filename="x.csv", headers=Headers({}))
    assert uploads.save_upload(up, tmp_path / "a", 10) == 10
    assert (tmp_path / "a").read_bytes() == data
    assert uploads.save_upload(up, tmp_path / "b", 9) is None
    assert (tmp_path / "b").read_bytes() == data[:8]  # the blocks before the one that broke it


def test_safe_name() -> None:
    assert uploads.safe_name("a/b\\c (1).csv") == "c (1).csv"
    assert uploads.safe_name("..") == "upload"
    assert uploads.safe_name("<é>.csv") == "_.csv"


def test_saved_upload_names_the_file_safely_and_removes_its_folder() -> None:
    data = b"area_code,value\nE1,1\n"
    up = UploadFile(io.BytesIO(data), filename="../secret/a b.csv", headers=Headers({}))
    with uploads.saved_upload(up, 100, "hg-test-") as (path, size):
        assert path.name == "a b.csv" and path.parent.name.startswith("hg-test-")
        assert size == len(data) and path.read_bytes() == data
    assert not path.parent.exists()
    with uploads.saved_upload(up, len(data) - 1, "hg-test-") as (path, size):
        assert size is None
    assert not path.parent.exists()


def test_upload_fields_name_each_missing_field() -> None:
    file = UploadFile(io.BytesIO(b"a,b\n"), filename="flows.csv")
    unnamed = UploadFile(io.BytesIO(b"a,b\n"), filename="")
    choose = "Select the kind of ledger file"

    def fields(**items: object) -> tuple[str, UploadFile | None, list[tuple[str, str]]]:
        return uploads.upload_fields(FormData(items), "kind", ("flows", "allocations"), choose)

    assert fields(kind="flows", file=file) == ("flows", file, [])
    missing_file = [("file", "Select a file to import")]
    assert fields(kind="allocations") == ("allocations", None, missing_file)
    assert fields(kind="allocations", file=unnamed) == ("allocations", None, missing_file)
    assert fields(kind="allocations", file="flows.csv") == ("allocations", None, missing_file)
    assert fields(kind="budgets", file=file) == ("", file, [("kind", choose)])
    assert fields() == ("", None, [("kind", choose), *missing_file])
