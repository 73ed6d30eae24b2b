"""Uploaded files, read safely: the size limit (checked on the declared length, the
multipart part and every block written), the file's own name without folders, and a copy
on disk for the importers. Used by the data import and ledger import pages."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request

#: The largest file the import pages accept, in bytes.
MAX_UPLOAD_BYTES = 50_000_000
#: What a multipart body may carry beyond the file itself (the other fields, boundaries).
FORM_OVERHEAD_BYTES = 100_000
#: How much of an upload is read at a time.
BLOCK_BYTES = 1 << 20

_UNSAFE = re.compile(r"[^A-Za-z0-9._ ()-]+")


def safe_name(filename: str | None) -> str:
    """The uploaded file's own name, without folders or unusual characters.

    >>> safe_name("C:\\\\Users\\\\me\\\\cvd <2024>.csv")
    'cvd _2024_.csv'
    >>> safe_name(None)
    'upload'
    """
    base = re.split(r"[\\/]", filename or "")[-1]
    name = _UNSAFE.sub("_", base).strip(" .")[:100]
    return name or "upload"


def declared_too_large(request: Request, limit: int) -> bool:
    """Whether the request's Content-Length says its body is over ``limit`` bytes of file
    (plus the form's overhead): such a body is refused before it is read."""
    length = request.headers.get("content-length", "")
    return length.isdigit() and int(length) > limit + FORM_OVERHEAD_BYTES


def part_too_large(upload: UploadFile, limit: int) -> bool:
    """Whether the multipart parser already knows the file is over ``limit`` bytes."""
    return upload.size is not None and upload.size > limit


def save_upload(upload: UploadFile, path: Path, limit: int) -> int | None:
    """Copy ``upload`` to ``path`` a block at a time from its start; return how many bytes
    it holds, or None as soon as more than ``limit`` bytes have been read (what was
    written is then incomplete: the caller discards it)."""
    size = 0
    with path.open("wb") as out:
        upload.file.seek(0)
        while block := upload.file.read(BLOCK_BYTES):
            size += len(block)
            if size > limit:
                return None
            out.write(block)
    return size


@contextmanager
def saved_upload(upload: UploadFile, limit: int, prefix: str) -> Iterator[tuple[Path, int | None]]:
    """``upload`` copied under its safe name into a temporary folder removed on exit.

    Yields ``(path, size)``; ``size`` is None when the file is over ``limit`` bytes
    (see :func:`save_upload`), and the caller then refuses it.
    """
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        path = Path(tmp) / safe_name(upload.filename)
        yield path, save_upload(upload, path, limit)


def upload_fields(
    form: FormData, field: str, choices: Collection[str], choose: str
) -> tuple[str, UploadFile | None, list[tuple[str, str]]]:
    """The kind chosen in ``field`` (``""`` unless one of ``choices``), the uploaded file
    (None without one), and a GOV.UK error for each that is missing (``choose`` is the
    message for the kind)."""
    kind = form.get(field)
    kind = kind if isinstance(kind, str) and kind in choices else ""
    upload = form.get("file")
    upload = upload if isinstance(upload, UploadFile) and upload.filename else None
    errors = []
    if not kind:
        errors.append((field, choose))
    if upload is None:
        errors.append(("file", "Select a file to import"))
    return kind, upload, errors
