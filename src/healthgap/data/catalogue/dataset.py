"""The :class:`Dataset` type: one open dataset's provenance, mirror file and parser."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from healthgap.data.sources._common import Parsed


@dataclass(frozen=True)
class Dataset:
    """One open dataset: provenance, the file in the mirror and how to parse it."""

    id: str
    title: str
    publisher: str
    period: str
    licence: str
    attribution: str
    geography: str
    file: str
    sha256: str
    rows: int
    table: str
    parser: Callable[[Path, str], Parsed] = field(repr=False, compare=False)
    url: str | None
    url_note: str
    provenance: str
    download_url: str | None = None
    caveats: tuple[str, ...] = ()
    #: Files the parser reads beside ``file`` (metadata, lookups): (path, SHA-256,
    #: download address or None), each checked and fetched like the main file.
    companions: tuple[tuple[str, str, str | None], ...] = ()

    @property
    def filename(self) -> str:
        """The file's name without its folder."""
        return self.file.rsplit("/", 1)[-1]

    def parse(self, path: str | Path) -> Parsed:
        """Parse the file at ``path`` into this dataset's canonical frame."""
        return self.parser(Path(path), self.id)
