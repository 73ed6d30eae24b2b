"""Reading ledger files (CSV, Parquet, Excel) and checking every row against the schema.

Every problem found is collected as a :class:`Discrepancy` (file, row, column, value,
rule and, where it applies, the amount) so that a rejected import lists all of them at
once. Row numbers are the spreadsheet's: the header is row 1, the first data row is 2
(Parquet files have no header row: the first row is 1).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from healthgap.errors import InputError
from healthgap.formatting import pounds  # noqa: F401  (re-exported: healthgap.ledger.pounds)

Kind = Literal["flows", "allocations"]
KINDS: tuple[str, ...] = ("flows", "allocations")

COMMISSIONER_TYPES: tuple[str, ...] = ("icb", "council", "strategic_authority", "nhs_england")
PROVIDER_TYPES: tuple[str, ...] = (
    "nhs_trust",
    "primary_care",
    "voluntary_sector",
    "council_service",
    "independent_sector",
    "other",
)
#: How each provider type reads on pages and in the report ("NHS trust", not "Nhs trust").
PROVIDER_TYPE_NAMES: dict[str, str] = {
    "nhs_trust": "NHS trust",
    "primary_care": "Primary care",
    "voluntary_sector": "Voluntary sector",
    "council_service": "Council service",
    "independent_sector": "Independent sector",
    "other": "Other",
}
ROW_TYPES: tuple[str, ...] = ("flow", "total")
TRUE_WORDS = frozenset({"yes", "y", "true", "1"})
FALSE_WORDS = frozenset({"no", "n", "false", "0", ""})

#: Columns of each kind: required, then optional.
REQUIRED: dict[str, tuple[str, ...]] = {
    "allocations": (
        "commissioner_code",
        "commissioner_type",
        "period",
        "programme",
        "amount",
        "source_ref",
    ),
    "flows": ("commissioner_code", "programme", "period", "amount"),
}
OPTIONAL: dict[str, tuple[str, ...]] = {
    "allocations": ("commissioner_name",),
    "flows": (
        "row_type",
        "provider_code",
        "provider_name",
        "provider_type",
        "area_code",
        "refund",
        "source_ref",
    ),
}
#: Flow columns that a ``flow`` row (not a ``total`` row) must fill in.
FLOW_ROW_REQUIRED: tuple[str, ...] = ("provider_code", "provider_type", "area_code", "source_ref")

CODE = re.compile(r"^[A-Z0-9]{3,16}$")
PERIOD = re.compile(r"^(\d{4})-(\d{2})$")
AMOUNT = re.compile(r"^-?\d+(\.\d{1,2})?$")
MAX_TEXT = {"programme": 100, "source_ref": 500, "commissioner_name": 200, "provider_name": 200}


@dataclass(frozen=True)
class Discrepancy:
    """One problem in one row (``row`` None for the file as a whole)."""

    file: str
    row: int | None
    column: str | None
    value: str
    rule: str
    amount_pence: int | None = None

    def describe(self) -> str:
        where = self.file if self.row is None else f"{self.file} row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.rule}; got {self.value!r}."

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "rule": self.rule,
            "amount_pence": self.amount_pence,
        }


class LedgerRejected(InputError):
    """An import was rejected whole; ``discrepancies`` lists every problem found."""

    def __init__(self, file: str, discrepancies: Sequence[Discrepancy]) -> None:
        self.file = file
        self.discrepancies = tuple(discrepancies)
        shown = "\n".join(f"  - {d.describe()}" for d in self.discrepancies)
        super().__init__(
            f"{file} must pass every ledger check; got {len(self.discrepancies)} "
            f"problem{'s' if len(self.discrepancies) != 1 else ''}, so nothing was imported:\n"
            f"{shown}\nCorrect these rows and import the whole file again."
        )


def parse_pence(text: str) -> int | None:
    """Pounds written as ``1234.5``, ``1,234.50`` or ``£1,234.50`` to whole pence; ``None``
    when the text is not an amount with at most two decimal places.

    >>> parse_pence("£1,234.5"), parse_pence("12.345")
    (123450, None)
    """
    s = text.strip().replace(",", "").replace("£", "").replace(" ", "")
    if s.startswith("-£"):
        s = "-" + s[2:]
    if not AMOUNT.match(s):
        return None
    try:
        return int(Decimal(s) * 100)
    except InvalidOperation:  # pragma: no cover - the pattern excludes these
        return None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _cell_text(value: Any) -> str:
    """A cell as text, keeping pounds exact (floats from Parquet/Excel use their repr)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, float | np.floating):
        d = Decimal(repr(float(value)))
        return format(d.normalize(), "f") if d == d.to_integral() else repr(float(value))
    return str(value).strip()


def read_ledger_file(path: str | Path) -> tuple[pd.DataFrame, int]:
    """The file's cells as text (one column per header) and the number of its first data
    row (2 for CSV and Excel, 1 for Parquet)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"ledger file must be an existing file; got {str(p)!r}. Check the path.")
    suffix = p.suffix.lower()
    try:
        if suffix == ".parquet":
            raw = pd.read_parquet(p)
            first = 1
        elif suffix in (".xlsx", ".xlsm"):
            raw = pd.read_excel(p, dtype=object, engine="openpyxl")
            first = 2
        elif suffix in (".csv", ".txt"):
            raw = pd.read_csv(
                p, dtype=str, keep_default_na=False, encoding="utf-8-sig", skipinitialspace=True
            )
            first = 2
        else:
            raise InputError(
                f"ledger file must be .csv, .parquet or .xlsx; got {p.name!r}. Save it in one "
                "of these formats."
            )
    except InputError:
        raise
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{p.name} must be UTF-8 text; got bytes that are not (at byte {exc.start}). "
            "Save the file as 'CSV UTF-8'."
        ) from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{p.name} must have a header row and data; got an empty file.") from None
    except Exception as exc:
        raise InputError(f"{p.name} must be a readable {suffix} file; got: {exc}") from None
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    text = raw.apply(lambda col: col.map(_cell_text)) if len(raw) else raw.astype(str)
    return text, first


def _check_columns(df: pd.DataFrame, kind: str, file: str) -> list[Discrepancy]:
    known = set(REQUIRED[kind]) | set(OPTIONAL[kind])
    out = [
        Discrepancy(
            file,
            None,
            c,
            ", ".join(df.columns),
            f"the {kind} file must have a column {c!r}",
        )
        for c in REQUIRED[kind]
        if c not in df.columns
    ]
    out += [
        Discrepancy(
            file,
            None,
            c,
            c,
            f"every column must be one of {', '.join(sorted(known))} (misspelt?)",
        )
        for c in df.columns
        if c not in known
    ]
    if not len(df):
        out.append(Discrepancy(file, None, None, "0 rows", "the file must have data rows"))
    return out


def _period_ok(text: str) -> bool:
    m = PERIOD.match(text)
    if m is None:
        return False
    return (int(m.group(1)) + 1) % 100 == int(m.group(2))


def validate_rows(
    df: pd.DataFrame, kind: str, file: str, first_row: int
) -> tuple[pd.DataFrame, list[Discrepancy]]:
    """Check every cell of a ledger file; return the parsed rows and every problem.

    The parsed frame has the columns of the kind with ``amount_pence`` (int), ``refund``
    (bool, flows), ``row_type`` (flows) and ``row`` (the row number in the file).
    """
    if kind not in KINDS:
        raise InputError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}.")
    problems = _check_columns(df, kind, file)
    if problems:
        return pd.DataFrame(), problems
    df = df.copy()
    for c in OPTIONAL[kind]:
        if c not in df.columns:
            df[c] = ""
    rows = np.arange(len(df)) + first_row
    df["row"] = rows

    def bad(mask: Any, column: str, rule: str, amounts: Any = None) -> None:
        for i in np.flatnonzero(np.asarray(mask)):
            amount = None if amounts is None else amounts[i]
            problems.append(
                Discrepancy(file, int(rows[i]), column, str(df[column].iat[int(i)]), rule, amount)
            )

    if kind == "flows":
        df["row_type"] = df["row_type"].str.lower().replace("", "flow")
        bad(~df["row_type"].isin(ROW_TYPES), "row_type", "must be 'flow' or 'total'")
    is_flow = df["row_type"].eq("flow") if kind == "flows" else pd.Series(True, index=df.index)
    codes = df["commissioner_code"].str.upper()
    df["commissioner_code"] = codes
    bad(
        ~codes.str.match(CODE),
        "commissioner_code",
        "must be an organisation code such as E54000050 (3 to 16 letters and digits)",
    )
    bad(~df["period"].map(_period_ok), "period", "must be a financial year written like 2024-25")
    bad(df["programme"].eq(""), "programme", "must name the programme, e.g. 'mental health'")
    for col, limit in MAX_TEXT.items():
        if col in df.columns:
            bad(df[col].str.len() > limit, col, f"must be at most {limit} characters")
    pence = df["amount"].map(parse_pence)
    bad(pence.isna(), "amount", "must be an amount in pounds with at most 2 decimal places")
    df["amount_pence"] = pence.fillna(0).astype("int64")
    if kind == "allocations":
        ctype = df["commissioner_type"].str.lower().str.replace(" ", "_")
        df["commissioner_type"] = ctype
        bad(
            ~ctype.isin(COMMISSIONER_TYPES),
            "commissioner_type",
            f"must be one of {', '.join(COMMISSIONER_TYPES)}",
        )
        bad(
            pence.notna() & (df["amount_pence"] < 0),
            "amount",
            "must not be negative (an allocation is a budget received)",
            df["amount_pence"],
        )
        bad(df["source_ref"].eq(""), "source_ref", "must cite where the figure comes from")
        df.loc[df["commissioner_name"].eq(""), "commissioner_name"] = df["commissioner_code"]
        return df, problems
    refund_text = df["refund"].str.lower()
    bad(~refund_text.isin(TRUE_WORDS | FALSE_WORDS), "refund", "must be yes or no (or blank)")
    df["refund"] = refund_text.isin(TRUE_WORDS)
    for col in FLOW_ROW_REQUIRED:
        bad(is_flow & df[col].eq(""), col, "must be filled in on every flow row")
    df["area_code"] = df["area_code"].str.upper()
    df["provider_code"] = df["provider_code"].str.upper()
    ptype = df["provider_type"].str.lower().str.replace(" ", "_")
    df["provider_type"] = ptype
    bad(
        is_flow & ~ptype.isin(PROVIDER_TYPES) & ptype.ne(""),
        "provider_type",
        f"must be one of {', '.join(PROVIDER_TYPES)}",
    )
    bad(
        is_flow & pence.notna() & (df["amount_pence"] < 0) & ~df["refund"],
        "amount",
        "must not be negative unless the row is marked refund=yes",
        df["amount_pence"],
    )
    bad(
        is_flow & df["refund"] & (df["amount_pence"] > 0),
        "amount",
        "must be negative (money returned) on a refund row",
        df["amount_pence"],
    )
    df.loc[df["provider_name"].eq(""), "provider_name"] = df["provider_code"]
    return df, problems
