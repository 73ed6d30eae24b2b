"""Reading indicator files: Fingertips CSV, tidy CSV, Parquet and Excel, checked row by row.

:func:`read_indicator_file` returns the validated tidy frame (see
:mod:`healthgap.data.schema`) or raises :class:`~healthgap.data.problems.IndicatorFileError`
(a :class:`~healthgap.errors.SchemaError`) whose message lists every problem found: the
file, the line (CSV; line 1 is the header), spreadsheet row (Excel) or record (Parquet),
the column as the file names it, the value and the rule, grouped by rule with the first
few of each and a count of the rest, and a remedy.

:func:`validate_indicator_file` checks a file of any size in chunks without keeping its
rows, and :func:`iter_indicator_file` checks a file and then yields it in tidy chunks, so
that a store can load a file larger than memory. Nothing here writes anywhere.

Decisions
---------
* Encoding: UTF-8, with or without a byte-order mark; UTF-16 with a byte-order mark (Excel
  "Unicode Text"). Any other bytes are reported with the line they are on and, when they
  decode as Windows-1252 (Excel's "CSV" on Windows), the text they would give; pass
  ``encoding="cp1252"`` to read such a file. Guessing silently could corrupt area names.
* Delimiter: a comma unless ``delimiter=`` says otherwise. A header that only splits on
  ``;``, tab or ``|`` is reported, because semicolon files usually carry decimal commas.
* Size: ``read_indicator_file`` refuses files larger than ``max_bytes`` (2 GB by default)
  before reading anything; ``validate_indicator_file`` and ``iter_indicator_file`` read
  in chunks of ``chunk_rows`` rows and hold 16 bytes per row (key hashes for the
  duplicate check) plus one chunk.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, NoReturn

import numpy as np
import pandas as pd

from healthgap.data import schema as sc
from healthgap.data.problems import IndicatorFileError, ProblemLog
from healthgap.errors import InputError

Format = Literal["fingertips", "csv", "parquet", "excel"]
FORMATS: tuple[str, ...] = ("fingertips", "csv", "parquet", "excel")

#: ``read_indicator_file`` refuses larger files unless ``max_bytes`` is raised.
DEFAULT_MAX_BYTES = 2_000_000_000
#: Rows read and checked at a time.
DEFAULT_CHUNK_ROWS = 100_000
#: Limits on an .xlsx workbook, checked from its zip directory and sheet headers before
#: any cell is parsed (a "zip bomb" of a few kB that inflates to gigabytes is refused in
#: milliseconds): total uncompressed size, parts, and rows and columns of each sheet.
XLSX_MAX_UNCOMPRESSED = 250_000_000
XLSX_MAX_PARTS = 10_000
XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_COLUMNS = 256

_SUFFIXES = {
    ".csv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "excel",
    ".xlsm": "excel",
}
_WHERE = {"fingertips": "line", "csv": "line", "excel": "row", "parquet": "record"}


def size_text(n: int) -> str:
    """Bytes as people say them: ``"5.2 GB"``, ``"730 kB"``, ``"12 bytes"``."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} {'byte' if n == 1 else 'bytes'}"


@dataclass(frozen=True)
class ImportReport:
    """What :func:`validate_indicator_file` found in a file that passed every check."""

    path: Path
    format: str
    encoding: str | None
    size_bytes: int
    rows: int
    columns: tuple[str, ...]
    dropped_columns: tuple[str, ...]
    unknown_columns: tuple[str, ...]

    def summary(self) -> str:
        lines = [
            f"{self.path.name}: {self.rows:,} rows, {size_text(self.size_bytes)}, "
            f"format {self.format}" + (f", encoding {self.encoding}" if self.encoding else ""),
            f"  columns: {', '.join(self.columns)}",
        ]
        if self.dropped_columns:
            lines.append(
                f"  Fingertips comparison columns dropped: {', '.join(self.dropped_columns)}"
            )
        if self.unknown_columns:
            lines.append(f"  other columns ignored: {', '.join(self.unknown_columns)}")
        return "\n".join(lines)


# ----------------------------------------------------------------------------- public API


def read_indicator_file(
    path: str | Path,
    format: Format | None = None,
    *,
    encoding: str | None = None,
    delimiter: str = ",",
    sheet: str | int = 0,
    known_area_codes: Collection[str] | None = None,
    non_gss_area_types: Iterable[str] = (),
    max_bytes: int | None = DEFAULT_MAX_BYTES,
    max_examples: int = 5,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> pd.DataFrame:
    """Read an indicator file and return it as a validated tidy pandas frame.

    Parameters
    ----------
    path:
        The file.
    format:
        ``"fingertips"`` (a Fingertips "all data" CSV), ``"csv"`` (a CSV with tidy or
        Fingertips column names), ``"parquet"`` or ``"excel"`` (.xlsx). ``None`` infers
        it from the suffix (.csv/.txt, .parquet/.pq, .xlsx/.xlsm). Columns may use tidy or
        Fingertips names in every format; ``"fingertips"`` only changes which names
        messages suggest.
    encoding:
        Text encoding of a CSV; ``None`` reads UTF-8 (a byte-order mark is fine) or
        UTF-16 with a byte-order mark. Pass e.g. ``"cp1252"`` for an Excel "CSV" saved on
        Windows.
    delimiter:
        Field delimiter of a CSV.
    sheet:
        Excel sheet name or 0-based position.
    known_area_codes:
        When given, every area code must be one of these (e.g. from the geography
        lookups); otherwise codes are only checked against the ONS GSS pattern.
    non_gss_area_types:
        Extra ``area_type`` words whose codes are not GSS codes.
    max_bytes:
        Refuse files larger than this before reading them (``None``: no limit). The
        frame needs several times the file's size in memory.
    max_examples:
        Examples shown for each kind of problem.
    chunk_rows:
        Rows read and checked at a time.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`~healthgap.data.schema.TIDY_COLUMNS`, one row per data row.

    Raises
    ------
    IndicatorFileError
        A :class:`~healthgap.errors.SchemaError` listing every problem: wrong delimiter,
        missing or repeated columns, text in numeric columns, negative counts, malformed
        or unknown area codes, unparseable periods, limits on the wrong side of the
        value, repeated keys, bytes in the wrong encoding, empty or header-only files,
        files too large or unreadable.
    InputError
        The arguments are wrong (unknown format or encoding, a path that is a folder).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "cvd.csv"
    >>> _ = p.write_text(
    ...     "Indicator ID,Area Code,Area Name,Time period,Value,Lower CI 95.0 limit,"
    ...     "Upper CI 95.0 limit\\n93722,E06000001,Hartlepool,2001 - 03,86.8092,74.83134,"
    ...     "100.15676\\n")
    >>> read_indicator_file(p)[["area_code", "period_start", "period_end", "value"]]
       area_code  period_start  period_end    value
    0  E06000001          2001        2003  86.8092
    """
    if max_bytes is not None and (
        isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1
    ):
        raise InputError(
            f"max_bytes must be a whole number of bytes or None; got {max_bytes!r}. "
            "Use e.g. max_bytes=4_000_000_000."
        )
    known_area_codes = sc.known_codes(known_area_codes)
    src = _Source.open(path, format, encoding, delimiter, sheet, max_examples, chunk_rows)
    if max_bytes is not None and src.size > max_bytes:
        src.fail(
            f"the file must be at most {size_text(max_bytes)} to be read into memory; got "
            f"{size_text(src.size)}",
            "Check it with validate_indicator_file() or load it with iter_indicator_file(), "
            "which read in chunks; or pass a larger max_bytes if the machine has several "
            "times that much memory.",
        )
    chunks: list[pd.DataFrame] = []
    src.scan(known_area_codes, non_gss_area_types, keep=chunks.append)
    out = pd.concat(chunks, ignore_index=False) if len(chunks) > 1 else chunks[0]
    return out.reset_index(drop=True)


def validate_indicator_file(
    path: str | Path,
    format: Format | None = None,
    *,
    encoding: str | None = None,
    delimiter: str = ",",
    sheet: str | int = 0,
    known_area_codes: Collection[str] | None = None,
    non_gss_area_types: Iterable[str] = (),
    max_examples: int = 5,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> ImportReport:
    """Check a file of any size in chunks without keeping its rows.

    Takes the arguments of :func:`read_indicator_file` (there is no size limit) and
    raises the same :class:`~healthgap.data.problems.IndicatorFileError`; returns an
    :class:`ImportReport` when the file passes.
    """
    known_area_codes = sc.known_codes(known_area_codes)
    src = _Source.open(path, format, encoding, delimiter, sheet, max_examples, chunk_rows)
    rows = src.scan(known_area_codes, non_gss_area_types, keep=None)
    return src.report(rows)


def iter_indicator_file(
    path: str | Path,
    format: Format | None = None,
    *,
    encoding: str | None = None,
    delimiter: str = ",",
    sheet: str | int = 0,
    known_area_codes: Collection[str] | None = None,
    non_gss_area_types: Iterable[str] = (),
    max_examples: int = 5,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    on_validated: Callable[[ImportReport], None] | None = None,
    keep_positions: bool = False,
) -> Iterator[pd.DataFrame]:
    """Check the whole file first, then yield it as tidy chunks of ``chunk_rows`` rows.

    Nothing is yielded from a file with problems, so a loader never writes half a file.
    The file is read twice; memory holds one chunk plus 16 bytes per row.
    ``on_validated``, when given, receives the :class:`ImportReport` (row count,
    columns) after the check and before the first chunk (e.g. to size a progress bar).
    With ``keep_positions=True`` each chunk's index is the rows' place in the file (CSV
    line, spreadsheet row or Parquet record), for messages about rows; otherwise it
    counts from 0.
    """
    known_area_codes = sc.known_codes(known_area_codes)
    src = _Source.open(path, format, encoding, delimiter, sheet, max_examples, chunk_rows)
    rows = src.scan(known_area_codes, non_gss_area_types, keep=None)
    if on_validated is not None:
        on_validated(src.report(rows))
    schema = sc.indicator_schema(unique=False, non_gss_area_types=non_gss_area_types)
    for raw, positions in src.chunks():
        log = ProblemLog(src.where, max_examples)
        tidy = src.tidy(raw, positions, log, known_area_codes, non_gss_area_types, schema)
        if log:  # the file changed between the two reads
            src.log = log
            src.raise_problems()
        if len(tidy):
            yield tidy if keep_positions else tidy.reset_index(drop=True)


# ----------------------------------------------------------------------------- the reader


class _Source:
    """One file being read: its format, encoding, header and how to walk its rows."""

    def __init__(
        self,
        path: Path,
        format: str,
        encoding: str | None,
        delimiter: str,
        sheet: str | int,
        max_examples: int,
        chunk_rows: int,
    ) -> None:
        self.path = path
        self.name = path.name
        self.format = format
        self.encoding = encoding
        self.delimiter = delimiter
        self.sheet = sheet
        self.chunk_rows = chunk_rows
        self.where = _WHERE[format]
        self.log = ProblemLog(self.where, max_examples)
        self.size = path.stat().st_size
        self.header: list[str] = []
        self.mapping: dict[str, str] = {}
        self.dropped: list[str] = []
        self.unknown: list[str] = []
        self.last_position: int | None = None

    # -- opening ----------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str | Path,
        format: str | None,
        encoding: str | None,
        delimiter: str,
        sheet: str | int,
        max_examples: int,
        chunk_rows: int,
    ) -> _Source:
        p = Path(path)
        if not p.exists():
            raise InputError(f"path must be an existing file; got {str(p)!r}. Check the path.")
        if p.is_dir():
            raise InputError(
                f"path must be a file; got the folder {str(p)!r}. Name a file inside it."
            )
        fmt = _format_of(p, format)
        if encoding is not None:
            try:
                if codecs.lookup(encoding).name == "utf-8":
                    encoding = "utf-8-sig"  # reads UTF-8 with or without a byte-order mark
            except (LookupError, TypeError):
                raise InputError(
                    f"encoding must be a Python codec name; got {encoding!r}. "
                    "Use e.g. encoding='utf-8' or encoding='cp1252'."
                ) from None
        if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n':
            raise InputError(
                f"delimiter must be one character other than a quote or line break; got "
                f"{delimiter!r}. Use e.g. delimiter=',' or delimiter=';'."
            )
        for value, name in ((max_examples, "max_examples"), (chunk_rows, "chunk_rows")):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InputError(f"{name} must be a whole number of 1 or more; got {value!r}.")
        src = cls(p, fmt, encoding, delimiter, sheet, max_examples, chunk_rows)
        if src.size == 0:
            src.fail(
                "the file must have a header row and data rows; got an empty file (0 bytes)",
                "Check that the download or export finished.",
            )
        src.sniff()
        if src.format == "excel":
            src.check_workbook()
        src.read_header()
        return src

    def fail(
        self, rule: str, remedy: str, position: int | None = None, note: str | None = None
    ) -> NoReturn:
        """Add a problem that stops reading, and raise everything found so far."""
        self.log.add(rule, remedy, [position], None, notes=None if note is None else [note])
        self.raise_problems()

    def raise_problems(self) -> NoReturn:
        raise IndicatorFileError(self.log.message(self.name), self.log, self.name)

    def sniff(self) -> None:
        """Refuse a file that is plainly another format than the one asked for."""
        with self.path.open("rb") as f:
            head = f.read(8)
        kind = (
            "excel"
            if head.startswith(b"PK\x03\x04")
            else "parquet"
            if head.startswith(b"PAR1")
            else "old-excel"
            if head.startswith(b"\xd0\xcf\x11\xe0")
            else "text"
        )
        if self.format in ("csv", "fingertips") and kind != "text":
            self._wrong_kind(kind)
        if self.format == "excel" and kind not in ("excel", "old-excel"):
            self._wrong_kind(kind)
        if self.format == "parquet" and kind != "parquet":
            self._wrong_kind(kind)

    def _wrong_kind(self, kind: str) -> NoReturn:
        described = {
            "excel": ("an Excel workbook (.xlsx)", "format='excel'"),
            "old-excel": (
                "an Excel 97-2003 workbook (.xls)",
                "format='excel' after saving it as .xlsx",
            ),
            "parquet": ("a Parquet file", "format='parquet'"),
            "text": ("a text file", "format='csv'"),
        }[kind]
        if self.format == "excel" and kind == "old-excel":
            self.fail(
                "an Excel file must be a .xlsx workbook; got an Excel 97-2003 (.xls) workbook",
                "Open it in Excel and save it as .xlsx, or export a CSV UTF-8 file.",
            )
        wanted = {
            "csv": "a CSV file",
            "fingertips": "a Fingertips CSV file",
            "excel": "an Excel workbook (.xlsx)",
            "parquet": "a Parquet file",
        }[self.format]
        self.fail(
            f"the file must be {wanted}; got what looks like {described[0]}",
            f"Read it with {described[1]}.",
        )

    def check_workbook(self) -> None:
        """Refuse a workbook over the .xlsx limits before any cell is read."""
        import zipfile

        try:
            with zipfile.ZipFile(self.path) as book:
                parts = book.infolist()
                total = sum(p.file_size for p in parts)
                if len(parts) > XLSX_MAX_PARTS:
                    self.fail(
                        f"an Excel workbook must have at most {XLSX_MAX_PARTS:,} parts; got "
                        f"{len(parts):,}",
                        "Save the sheet alone as a new .xlsx, or export a CSV UTF-8 file.",
                    )
                if total > XLSX_MAX_UNCOMPRESSED:
                    self.fail(
                        f"an Excel workbook must unpack to at most "
                        f"{size_text(XLSX_MAX_UNCOMPRESSED)}; got {size_text(total)} from a "
                        f"{size_text(self.size)} file",
                        "Export the data as a CSV UTF-8 file (no such limit), or split the "
                        "workbook.",
                    )
                for part in parts:
                    if part.filename.startswith("xl/worksheets/") and part.filename.endswith(
                        ".xml"
                    ):
                        with book.open(part) as sheet:
                            head = sheet.read(4096).decode("utf-8", errors="replace")
                        self._check_dimension(part.filename, head)
        except zipfile.BadZipFile as exc:
            self._unreadable(exc)

    def _check_dimension(self, part: str, head: str) -> None:
        m = re.search(r'<(?:\w+:)?dimension\s+ref="([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?"', head)
        if not m:
            return
        last_col, last_row = (m[3], m[4]) if m[3] else (m[1], m[2])
        rows = int(last_row or 0)
        cols = 0
        for ch in last_col or "":
            cols = cols * 26 + (ord(ch) - 64)
        sheet = part.rsplit("/", 1)[-1].removesuffix(".xml")
        if rows > XLSX_MAX_ROWS:
            self.fail(
                f"an Excel sheet must have at most {XLSX_MAX_ROWS:,} rows; got {rows:,} in {sheet}",
                "Export the data as a CSV UTF-8 file, or split it.",
            )
        if cols > XLSX_MAX_COLUMNS:
            self.fail(
                f"an Excel sheet must have at most {XLSX_MAX_COLUMNS} columns; got {cols:,} "
                f"in {sheet}",
                "Delete the empty or unused columns, or export a CSV UTF-8 file.",
            )

    # -- header -----------------------------------------------------------------------

    def read_header(self) -> None:
        if self.format in ("csv", "fingertips"):
            header = self._csv_header()
        elif self.format == "excel":
            header = self._excel_header()
        else:
            header = self._parquet_header()
        repeated = sorted({c for c in header if header.count(c) > 1 and c != ""})
        if repeated:
            self.fail(
                f"each column name must appear once in the header; got {repeated[0]!r} "
                f"{header.count(repeated[0])} times",
                "Rename or remove the repeated columns.",
            )
        self.header = header
        self.mapping = sc.check_columns(header, self.name, self.format == "fingertips")
        _, self.dropped, self.unknown = sc.rename_to_tidy(header)

    def _csv_header(self) -> list[str]:
        with self.path.open("rb") as raw:
            head = raw.read(4)
        if self.encoding is None:
            if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                self.encoding = "utf-16"
            else:
                self.encoding = "utf-8-sig"
        try:
            with self.path.open("r", encoding=self.encoding, newline="") as f:
                first = f.readline(1_000_000)
        except UnicodeDecodeError:
            self._encoding_problem()
        if "\x00" in first:
            self.fail(
                "a CSV file must be text; got NUL bytes in the header",
                "It may be a binary file or UTF-16 without a byte-order mark: export it "
                "again as 'CSV UTF-8'.",
                1,
            )
        if not first.strip():
            what = "an empty first line" if self.size > len(first) else "only blank space"
            self.fail(
                f"the file must start with a header row; got {what}",
                "Remove blank lines above the header.",
                1,
            )
        try:
            fields = next(csv.reader([first.rstrip("\r\n")], delimiter=self.delimiter))
        except csv.Error as exc:
            self.fail("the header must be a readable CSV row", f"Fix the header ({exc}).", 1)
        fields = [f.strip() for f in fields]
        if len(fields) == 1:
            for other, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")):
                if other != self.delimiter and first.count(other) >= 2:
                    caveat = " if the numbers use a decimal point" if other == ";" else ""
                    self.fail(
                        f"the file must be separated by {self.delimiter!r}; got a header "
                        f"separated by {name}",
                        "Export it again as 'CSV UTF-8 (comma delimited)', or pass "
                        f"delimiter={other!r}{caveat}.",
                        1,
                    )
        return fields

    def _excel_header(self) -> list[str]:
        try:
            head = pd.read_excel(self.path, sheet_name=self.sheet, nrows=0, dtype=str)
        except Exception as exc:  # openpyxl and zipfile raise many kinds
            self._unreadable(exc)
        columns = [str(c).strip() for c in head.columns]
        # pandas renames a repeated heading "X" to "X.1": put the repeat back to report it
        return [
            m[1] if (m := re.fullmatch(r"(.*)\.(\d+)", c)) and m[1] in columns else c
            for c in columns
        ]

    def _parquet_header(self) -> list[str]:
        import pyarrow.parquet as pq

        try:
            return [str(c).strip() for c in pq.ParquetFile(self.path).schema_arrow.names]
        except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ...
            self._unreadable(exc)

    def _unreadable(self, exc: BaseException) -> NoReturn:
        what = {"excel": "Excel workbook (.xlsx)", "parquet": "Parquet file"}[self.format]
        detail = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        self.fail(
            f"the file must be a readable {what}; got an error: {detail}",
            "Check that the file is complete and not open in another program, then export "
            "it again.",
        )

    # -- rows -------------------------------------------------------------------------

    def chunks(self) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
        """Raw chunks with the file's column names and each row's position in the file."""
        if self.format in ("csv", "fingertips"):
            yield from self._csv_chunks()
        elif self.format == "excel":
            yield from self._excel_chunks()
        else:
            yield from self._parquet_chunks()

    def _first_record_fields(self) -> int:
        """Fields in the first data record (pandas would take an extra one as an index)."""
        try:
            with self.path.open("r", encoding=self.encoding, newline="") as f:
                records = csv.reader(f, delimiter=self.delimiter)
                next(records, None)
                return len(next(records, []))
        except UnicodeDecodeError:
            self._encoding_problem()
        except csv.Error:
            return 0  # pandas reports it with a line number

    def _csv_chunks(self) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
        fields = self._first_record_fields()
        if fields > len(self.header):
            self.fail(
                f"each line must have as many fields as the header ({len(self.header)})",
                f"Quote text that contains {self.delimiter!r}, or remove the extra delimiters.",
                2,
                f"{fields} fields",
            )
        line = 2  # line 1 is the header
        try:
            reader = pd.read_csv(
                self.path,
                sep=self.delimiter,
                encoding=self.encoding,
                dtype=str,
                keep_default_na=False,
                na_values=[],
                skip_blank_lines=False,
                chunksize=self.chunk_rows,
                engine="c",
                header=0,
                index_col=False,
            )
            with reader:
                for chunk in reader:
                    chunk.columns = self.header[: len(chunk.columns)] + [
                        str(c) for c in chunk.columns[len(self.header) :]
                    ]
                    n = len(chunk)
                    breaks = np.zeros(n, dtype=np.int64)
                    for i in range(chunk.shape[1]):  # by position: blank names repeat
                        col = chunk.iloc[:, i]
                        has = col.str.contains("\n", regex=False, na=False).to_numpy(dtype=bool)
                        if has.any():
                            breaks[has] += col[has].str.count("\n").to_numpy(dtype=np.int64)
                    positions = line + np.arange(n) + np.r_[0, np.cumsum(breaks)[:-1]]
                    line += n + int(breaks.sum())
                    self.last_position = line - 1
                    yield chunk, positions
        except UnicodeDecodeError:
            self._encoding_problem()
        except pd.errors.ParserError as exc:
            self._parser_problem(str(exc))
        except (csv.Error, ValueError, OverflowError, OSError) as exc:
            self.fail(
                "the file must be readable as CSV; got an error: " + str(exc).splitlines()[0][:160],
                "Check the quoting and delimiters near the end of the rows read so far.",
            )
        self._check_truncated()

    def _excel_chunks(self) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
        try:
            df = pd.read_excel(self.path, sheet_name=self.sheet, dtype=str, header=0)
        except Exception as exc:
            self._unreadable(exc)
        df.columns = self.header
        for start in range(0, len(df), self.chunk_rows):
            chunk = df.iloc[start : start + self.chunk_rows]
            yield chunk, np.arange(start, start + len(chunk)) + 2  # row 1 is the header

    def _parquet_chunks(self) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
        import pyarrow.parquet as pq

        start = 1
        try:
            for batch in pq.ParquetFile(self.path).iter_batches(batch_size=self.chunk_rows):
                chunk = batch.to_pandas()
                chunk.columns = self.header
                yield chunk, np.arange(start, start + len(chunk))
                start += len(chunk)
        except IndicatorFileError:
            raise
        except Exception as exc:
            self._unreadable(exc)

    def tidy(
        self,
        raw: pd.DataFrame,
        positions: np.ndarray,
        log: ProblemLog,
        known_area_codes: Collection[str] | None,
        non_gss_area_types: Iterable[str],
        schema: Any,
    ) -> pd.DataFrame:
        raw = raw[[c for c in raw.columns if c in self.mapping]]
        blank = _blank_rows(raw)
        if blank.any():
            raw = raw.loc[~blank]
            positions = positions[~blank]
        renamed = raw.rename(columns=self.mapping)
        return sc.tidy_frame(
            renamed,
            self.name,
            log,
            known_area_codes,
            non_gss_area_types,
            positions=positions,
            file_names={v: k for k, v in self.mapping.items()},
            schema=schema,
            duplicates=False,
        )

    def scan(
        self,
        known_area_codes: Collection[str] | None,
        non_gss_area_types: Iterable[str],
        keep: Callable[[pd.DataFrame], Any] | None,
    ) -> int:
        """Check every row; pass tidy chunks to ``keep`` while no problem has been found."""
        schema = sc.indicator_schema(unique=False, non_gss_area_types=non_gss_area_types)
        hashes: list[np.ndarray] = []
        positions_seen: list[np.ndarray] = []
        rows = 0
        for raw, positions in self.chunks():
            tidy = self.tidy(raw, positions, self.log, known_area_codes, non_gss_area_types, schema)
            if not len(tidy):
                continue
            rows += len(tidy)
            hashes.append(sc.key_hashes(tidy))
            positions_seen.append(tidy.index.to_numpy(dtype=np.int64))
            if keep is not None and not self.log:
                keep(tidy)
        if rows == 0:
            self.log.add(
                "the file must have at least one data row; got "
                + ("only a header" if self.format != "parquet" else "no records"),
                "Check that the export included the data.",
            )
        if len(hashes):
            later, first = sc.duplicate_positions(
                np.concatenate(hashes), np.concatenate(positions_seen)
            )
            sc.report_duplicates(self.log, later, first, self.mapping_name("area_code"))
        if self.log:
            self.raise_problems()
        return rows

    def mapping_name(self, tidy: str) -> str:
        for k, v in self.mapping.items():
            if v == tidy:
                return k
        return tidy

    def report(self, rows: int) -> ImportReport:
        return ImportReport(
            path=self.path,
            format=self.format,
            encoding=self.encoding if self.format in ("csv", "fingertips") else None,
            size_bytes=self.size,
            rows=rows,
            columns=tuple(self.mapping.values()),
            dropped_columns=tuple(self.dropped),
            unknown_columns=tuple(self.unknown),
        )

    # -- problems that stop reading ----------------------------------------------------

    def _encoding_problem(self) -> NoReturn:
        line, raw = _first_undecodable_line(self.path, self.encoding or "utf-8-sig")
        hint = ""
        try:
            text = raw.decode("cp1252")
            hint = f" (as Windows-1252 they read {_snippet(text)!r})"
            remedy = (
                "It looks like Excel's 'CSV' from Windows: save it as 'CSV UTF-8', or pass "
                "encoding='cp1252' if that text is right."
            )
        except UnicodeDecodeError:
            remedy = "Save it as 'CSV UTF-8', or pass the file's encoding as encoding=..."
        enc = {"utf-8-sig": "UTF-8"}.get(self.encoding or "", self.encoding)
        self.fail(f"the file must be {enc} text; got bytes that are not {enc}{hint}", remedy, line)

    def _parser_problem(self, message: str) -> NoReturn:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
        if m:
            self.fail(
                f"each line must have as many fields as the header ({m[1]})",
                f"Quote text that contains {self.delimiter!r}, or remove the extra delimiters.",
                int(m[2]),
                f"{m[3]} fields",
            )
        m = re.search(r"EOF inside string starting at row (\d+)", message)
        if m:  # pandas counts rows from 0 at the header
            self.fail(
                "every quoted field must be closed with a quote",
                "Close the quote, or remove the stray quote character.",
                int(m[1]) + 1,
                "a quote opened here is never closed",
            )
        self.fail(
            "the file must be readable as CSV; got an error: " + message.splitlines()[0][:160],
            "Check the quoting and delimiters.",
        )

    def _check_truncated(self) -> None:
        """A last line without a newline and with too few fields was probably cut short."""
        with self.path.open("rb") as f:
            head = f.read(2)
            f.seek(max(0, self.size - 65_536))
            tail = f.read()
        codec = {"utf-8-sig": "utf-8"}.get(self.encoding or "utf-8", self.encoding or "utf-8")
        if codecs.lookup(codec).name == "utf-16":  # pick the byte order the BOM gave
            codec = "utf-16-be" if head == codecs.BOM_UTF16_BE else "utf-16-le"
        text = tail.decode(codec, errors="replace")
        if text.endswith(("\n", "\r")):
            return
        last = text.rsplit("\n", 1)[-1]
        try:
            fields = next(csv.reader([last], delimiter=self.delimiter), [])
        except csv.Error:
            return
        if 0 < len(fields) < len(self.header):
            self.log.add(
                f"the last line must have as many fields as the header ({len(self.header)})",
                "The file looks cut short: download or export it again.",
                [self.last_position],
                None,
                notes=[f"{len(fields)} field{'' if len(fields) == 1 else 's'}"],
            )


# ----------------------------------------------------------------------------- helpers


def _format_of(path: Path, format: str | None) -> str:
    if format is not None:
        if format not in FORMATS:
            listed = ", ".join(repr(f) for f in FORMATS)
            raise InputError(f"format must be one of {listed}; got {format!r}.")
        return format
    suffix = path.suffix.lower()
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    if suffix == ".xls":
        raise InputError(
            f"an Excel file must be a .xlsx workbook; got {path.name!r}. "
            "Save it as .xlsx, or export a CSV UTF-8 file."
        )
    listed = ", ".join(sorted(_SUFFIXES))
    raise InputError(
        f"the file name must end in one of {listed} for the format to be known; got "
        f"{path.name!r}. Pass format='csv', 'fingertips', 'parquet' or 'excel'."
    )


def _blank_rows(raw: pd.DataFrame) -> np.ndarray:
    """Rows where every cell is empty (blank lines, lines of bare delimiters)."""
    if raw.shape[1] == 0:
        return np.ones(len(raw), dtype=bool)
    blank = np.ones(len(raw), dtype=bool)
    for c in raw.columns:
        col = raw[c]
        if pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col):
            blank &= (col.isna() | (col.astype("str").str.strip() == "")).to_numpy(dtype=bool)
        else:
            blank &= col.isna().to_numpy(dtype=bool)
        if not blank.any():
            break
    return blank


def _first_undecodable_line(path: Path, encoding: str) -> tuple[int, bytes]:
    """The 1-based line holding the first byte ``encoding`` cannot decode, and the bytes
    around it (up to 24 either side, within the line)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line = 1
    offset = 0
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                bad = exc.start
                line += block.count(b"\n", 0, bad)
                start = max(block.rfind(b"\n", 0, bad) + 1, bad - 24)
                end = block.find(b"\n", bad)
                end = min(end if end >= 0 else len(block), bad + 25)
                return line, block[start:end]
            line += block.count(b"\n")
            offset += len(block)
    return line, b""


def _snippet(text: str) -> str:
    text = text.strip()
    return text if len(text) <= 60 else text[:57] + "..."


__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "DEFAULT_MAX_BYTES",
    "FORMATS",
    "ImportReport",
    "IndicatorFileError",
    "iter_indicator_file",
    "read_indicator_file",
    "size_text",
    "validate_indicator_file",
]
