"""Outcomes frameworks: a named, versioned set of indicators, baselines and targets.

An outcomes framework (integrated-settlement style) belongs to one strategic authority
and is declared in a readable TOML or YAML file::

    [framework]
    name = "Greater Manchester outcomes framework (illustration)"
    version = "2025.1"
    authority = "E47000001"
    area_type = "combined_authority"

    [[indicators]]
    id = "hle_birth"
    sex = "Female"
    baseline_period = "2018-2020"
    target = 62.0
    target_period = "2028-2030"

:func:`load_framework` reads and validates a file; every problem is reported at once,
each with its file line and field (``line 12, indicators[2].target: ...``).
:func:`check_against_store` then checks that each indicator, sex and baseline period is
in the store for the authority.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from healthgap.config_files import ConfigError, ConfigFile, Format, parse_config
from healthgap.data.schema import POLARITIES
from healthgap.data.store import Store
from healthgap.errors import InputError

#: Keys allowed in the ``[framework]`` table (``name``, ``version``, ``authority`` required).
FRAMEWORK_KEYS: tuple[str, ...] = (
    "name",
    "version",
    "authority",
    "authority_name",
    "area_type",
    "description",
    "illustration",
)
#: Keys allowed in each ``[[indicators]]`` entry (``id`` required).
INDICATOR_KEYS: tuple[str, ...] = (
    "id",
    "label",
    "sex",
    "age",
    "baseline_period",
    "baseline",
    "target",
    "target_period",
    "polarity",
)
#: Area types a framework's authority can have in the store's ``indicators`` table.
AREA_TYPES: tuple[str, ...] = ("combined_authority", "region", "utla", "lad", "icb", "nation")
SEXES: tuple[str, ...] = ("Persons", "Male", "Female")
_CODE = re.compile(r"^[EWSN]\d{8}$")


@dataclass(frozen=True)
class FrameworkIndicator:
    """One indicator of a framework: what is measured, its baseline and its target."""

    id: str
    label: str
    sex: str = "Persons"
    age: str | None = None
    baseline_period: str | None = None
    baseline: float | None = None
    target: float | None = None
    target_period: str | None = None
    polarity: str | None = None


@dataclass(frozen=True)
class Framework:
    """A named, versioned outcomes framework for one strategic authority."""

    name: str
    version: str
    authority: str
    area_type: str
    indicators: tuple[FrameworkIndicator, ...]
    authority_name: str | None = None
    description: str = ""
    illustration: bool = False
    source: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """A plain dictionary (the file's shape), e.g. for JSON."""
        head = {
            "name": self.name,
            "version": self.version,
            "authority": self.authority,
            "authority_name": self.authority_name,
            "area_type": self.area_type,
            "description": self.description,
            "illustration": self.illustration,
        }
        return {
            "framework": head,
            "indicators": [dict(vars(i)) for i in self.indicators],
        }


# ------------------------------------------------------------------ line numbers


def _where(config: ConfigFile | None, path: tuple[Any, ...]) -> str:
    label = ".".join(str(p) for p in path if not isinstance(p, int))
    if len(path) >= 2 and isinstance(path[1], int):
        label = f"{path[0]}[{path[1] + 1}]" + "".join(f".{p}" for p in path[2:])
    dotted = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
    line = config.line(dotted) if config is not None and dotted else None
    return f"line {line}, {label}" if line else label


# ------------------------------------------------------------------ parsing


#: What a framework file's syntax error asks the reader to check, by format.
_HINTS = {
    "toml": "Check the quoting and brackets on that line.",
    "yaml": "Check the indentation on that line.",
}


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def parse_framework(
    data: Any, *, config: ConfigFile | None = None, source: str = "<framework>"
) -> Framework:
    """Validate a framework already read into Python (``{"framework": ..., "indicators": [...]}``).

    Every problem is collected and raised at once as one :class:`InputError` listing each
    with its line (when known) and field.
    """
    problems: list[str] = []
    first: list[str] = []  # the dotted path of the first problem, for ConfigError.field

    def bad(path: tuple[Any, ...], message: str) -> None:
        problems.append(f"{_where(config, path)}: {message}")
        if not first:
            first.append("".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path))

    if not isinstance(data, Mapping):
        raise InputError(
            f"framework file {source} must hold a [framework] table and [[indicators]] "
            f"entries; got {type(data).__name__}. See docs/frameworks.md for the layout."
        )
    for key in data:
        if key not in ("framework", "indicators"):
            bad((key,), f"unknown section {key!r}; the sections are [framework] and [[indicators]]")
    head = data.get("framework")
    has_head = isinstance(head, Mapping)
    if not isinstance(head, Mapping):
        bad(("framework",), "a [framework] table with name, version and authority is required")
        head = {}
    for key in head:
        if key not in FRAMEWORK_KEYS:
            bad(("framework", key), f"unknown field; allowed: {', '.join(FRAMEWORK_KEYS)}")
    for key in ("name", "version", "authority") if has_head else ():
        value = head.get(key)
        if key == "version" and _number(value):
            continue
        if not isinstance(value, str) or not value.strip():
            bad(("framework", key), f"must be non-empty text; got {value!r}")
    authority = head.get("authority")
    if isinstance(authority, str) and authority and not _CODE.match(authority):
        bad(
            ("framework", "authority"), f"must be a GSS area code like E47000001; got {authority!r}"
        )
    area_type = head.get("area_type", "combined_authority")
    if area_type not in AREA_TYPES:
        bad(
            ("framework", "area_type"), f"must be one of {', '.join(AREA_TYPES)}; got {area_type!r}"
        )
    if "illustration" in head and not isinstance(head["illustration"], bool):
        bad(("framework", "illustration"), f"must be true or false; got {head['illustration']!r}")

    entries = data.get("indicators")
    if not isinstance(entries, list) or not entries:
        bad(("indicators",), "at least one [[indicators]] entry is required")
        entries = []
    built: list[FrameworkIndicator] = []
    seen: dict[tuple[str, str, str | None], int] = {}
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            bad(("indicators", i), f"must be a table of fields; got {entry!r}")
            continue
        at = ("indicators", i)
        for key in entry:
            if key not in INDICATOR_KEYS:
                bad((*at, key), f"unknown field; allowed: {', '.join(INDICATOR_KEYS)}")
        ident = entry.get("id")
        if not isinstance(ident, str) or not ident.strip():
            bad(
                (*at, "id"),
                f"must be an indicator id from the store (e.g. 'hle_birth'); got {ident!r}",
            )
            ident = ""
        sex = entry.get("sex", "Persons")
        if sex not in SEXES:
            bad((*at, "sex"), f"must be one of {', '.join(SEXES)}; got {sex!r}")
        for key in ("baseline", "target"):
            if key in entry and not _number(entry[key]):
                bad((*at, key), f"must be a number; got {entry[key]!r}")
        for key in ("baseline_period", "target_period", "label", "age"):
            if key in entry and (not isinstance(entry[key], str) or not entry[key].strip()):
                bad((*at, key), f"must be non-empty text; got {entry[key]!r}")
        if "target" in entry and "target_period" not in entry:
            bad((*at, "target_period"), "is required when a target is given (e.g. '2028-2030')")
        polarity = entry.get("polarity")
        if polarity is not None and polarity not in POLARITIES:
            bad((*at, "polarity"), f"must be one of {', '.join(POLARITIES)}; got {polarity!r}")
        key3 = (ident, str(sex), entry.get("age"))
        if ident and key3 in seen:
            bad(
                (*at, "id"),
                f"repeats indicators[{seen[key3] + 1}] ({ident}, {sex}); "
                "each indicator, sex and age may appear once",
            )
        seen.setdefault(key3, i)
        if problems:
            continue
        built.append(
            FrameworkIndicator(
                id=ident,
                label=str(entry.get("label", ident)),
                sex=str(sex),
                age=entry.get("age"),
                baseline_period=entry.get("baseline_period"),
                baseline=float(entry["baseline"]) if "baseline" in entry else None,
                target=float(entry["target"]) if "target" in entry else None,
                target_period=entry.get("target_period"),
                polarity=polarity,
            )
        )
    if problems:
        listed = "\n  ".join(problems)
        field = first[0].lstrip(".")
        raise ConfigError(
            f"framework file {source} must follow the framework layout; got "
            f"{len(problems)} problem{'s' if len(problems) > 1 else ''}:\n  {listed}\n"
            "Fix each field named above (see docs/frameworks.md).",
            file=source,
            line=config.line(field) if config is not None else None,
            field=field,
        )
    return Framework(
        name=str(head["name"]).strip(),
        version=str(head["version"]).strip(),
        authority=str(head["authority"]),
        authority_name=head.get("authority_name"),
        area_type=str(area_type),
        indicators=tuple(built),
        description=str(head.get("description", "")),
        illustration=bool(head.get("illustration", False)),
        source=source,
    )


def load_framework(path: str | Path, *, text: str | None = None) -> Framework:
    """Read and validate an outcomes framework from a ``.toml``, ``.yaml`` or ``.yml`` file.

    Parameters
    ----------
    path
        The file. Its suffix chooses the format.
    text
        The file's contents, when already in memory (``path`` then only names it).

    Raises
    ------
    InputError
        Listing every problem, each with its line and field, e.g.
        ``line 14, indicators[2].target: must be a number; got 'high'``.

    Examples
    --------
    >>> from healthgap.account.frameworks import example_path, load_framework
    >>> fw = load_framework(example_path("greater_manchester"))
    >>> fw.authority, len(fw.indicators) > 0
    ('E47000001', True)
    """
    location = Path(path)
    suffix = location.suffix.lower()
    if suffix not in (".toml", ".yaml", ".yml"):
        raise InputError(
            f"framework file must end in .toml, .yaml or .yml; got {location.name!r}. "
            "Rename the file or convert it."
        )
    if text is None:
        if not location.is_file():
            raise InputError(
                f"framework file must exist; got {str(location)!r}, which does not. "
                "Check the path (examples: healthgap.account.frameworks.example_path())."
            )
        text = location.read_text(encoding="utf-8")
    fmt: Format = "toml" if suffix == ".toml" else "yaml"
    config = parse_config(
        text, fmt, location.name, subject=f"framework file {location.name}", hint=_HINTS[fmt]
    )
    return parse_framework(config.data, config=config, source=location.name)


EXAMPLES = Path(__file__).resolve().parent / "examples"


def example_path(name: str) -> Path:
    """The path of a bundled example framework (``examples/<name>.toml``)."""
    found = EXAMPLES / f"{name}.toml"
    if not found.is_file():
        names = sorted(p.stem for p in EXAMPLES.glob("*.toml"))
        raise InputError(f"example must be one of {', '.join(names)}; got {name!r}.")
    return found


def check_against_store(framework: Framework, store: Store) -> list[str]:
    """Problems that only the data can show: each a line naming the indicator entry.

    Checks that the authority is in the store at ``area_type``, that each indicator id
    exists with that sex, and that its baseline period is present. Returns an empty list
    when all is well.
    """
    table = store.table("indicators")
    expr = table.filter(
        (table.area_code == framework.authority) & (table.area_type == framework.area_type)
    ).select("indicator_id", "sex", "period")
    have = store.to_pandas(expr.distinct())
    known_ids = set(store.to_pandas(table.select("indicator_id").distinct())["indicator_id"])
    problems: list[str] = []
    if have.empty:
        problems.append(
            f"framework.authority: {framework.authority} has no indicator values at area "
            f"type {framework.area_type!r} in the store"
        )
    for i, ind in enumerate(framework.indicators, start=1):
        where = f"indicators[{i}] ({ind.id}, {ind.sex})"
        if ind.id not in known_ids:
            problems.append(f"{where}: indicator id is not in the store")
            continue
        rows = have[(have["indicator_id"] == ind.id) & (have["sex"] == ind.sex)]
        if rows.empty:
            problems.append(f"{where}: no values for {framework.authority} with this sex")
        elif ind.baseline_period and ind.baseline_period not in set(rows["period"]):
            problems.append(f"{where}: baseline_period {ind.baseline_period!r} is not in the store")
    return problems


def default_framework(
    authority: str, area_type: str, indicators: Sequence[tuple[str, str]] | None = None
) -> Framework:
    """A framework with no targets: the store's headline indicators for one area."""
    chosen = indicators or DEFAULT_INDICATORS
    return Framework(
        name=f"Headline indicators for {authority}",
        version="default",
        authority=authority,
        area_type=area_type,
        indicators=tuple(FrameworkIndicator(id=i, label=f"{i} ({s})", sex=s) for i, s in chosen),
        description="healthgap's default set: every headline indicator in the open data.",
    )


def named_indicators(framework: Framework, store: Store) -> Framework:
    """``framework`` with each indicator labelled by its name and sex, e.g. "Under 75
    mortality rate from cardiovascular diseases considered preventable (Persons)" rather
    than "93722 (Persons)" (names from :func:`healthgap.geography.names.indicator_names`;
    an indicator the metadata do not name keeps its id)."""
    from healthgap.geography.names import indicator_label, indicator_names

    names = indicator_names(store)
    return replace(
        framework,
        indicators=tuple(
            replace(i, label=f"{indicator_label(i.id, names)} ({i.sex})")
            for i in framework.indicators
        ),
    )


#: The headline indicators in the open data (id, sex) used when no framework is given.
DEFAULT_INDICATORS: tuple[tuple[str, str], ...] = (
    ("hle_birth", "Female"),
    ("hle_birth", "Male"),
    ("le_birth", "Female"),
    ("le_birth", "Male"),
    ("93722", "Persons"),
    ("adult_obesity", "Persons"),
)


def restrict_to_store(framework: Framework, store: Store) -> Framework:
    """The framework with only the indicators (id and sex) the store has for its authority."""
    table = store.table("indicators")
    expr = table.filter(
        (table.area_code == framework.authority) & (table.area_type == framework.area_type)
    ).select("indicator_id", "sex")
    have = set(store.to_pandas(expr.distinct()).itertuples(index=False, name=None))
    kept = tuple(i for i in framework.indicators if (i.id, i.sex) in have)
    return replace(framework, indicators=kept)


def _authority_indicators(framework: Framework, store: Store) -> pd.DataFrame:
    """``indicator_id`` and ``sex`` (missing as ``Persons``) of every indicator the store
    holds for the framework's authority at its area type, without breakdowns."""
    table = store.table("indicators")
    have = store.to_pandas(
        table.filter(
            (table.area_code == framework.authority)
            & (table.area_type == framework.area_type)
            & table.category_type.isnull()
        )
        .select("indicator_id", "sex")
        .distinct()
    )
    have["sex"] = have["sex"].fillna("Persons")
    return have


def addable_indicators(framework: Framework, store: Store) -> pd.DataFrame:
    """What :func:`add_indicators` can add to ``framework``: one row per indicator and sex
    the store holds for its authority and the framework lacks, with ``spec`` (what to
    pass to :func:`add_indicators`) and ``label`` (the metadata name, and the sex where
    it is not Persons), in label order."""
    from healthgap.data.indicator_metadata import metadata

    have = _authority_indicators(framework, store)
    existing = {(i.id, i.sex) for i in framework.indicators}
    keep = [
        (str(i), str(s)) not in existing
        for i, s in have[["indicator_id", "sex"]].itertuples(index=False, name=None)
    ]
    have = have[keep].reset_index(drop=True)
    names = metadata(store, sorted(set(have["indicator_id"].astype(str))))
    name_of = dict(zip(names["indicator_id"], names["name"], strict=False))
    labels = [
        str(name_of.get(i) or i) + ("" if s == "Persons" else f" ({s})")
        for i, s in have[["indicator_id", "sex"]].itertuples(index=False, name=None)
    ]
    specs = [
        f"{i}:{s}" for i, s in have[["indicator_id", "sex"]].itertuples(index=False, name=None)
    ]
    out = pd.DataFrame(
        {
            "spec": specs,
            "indicator_id": have["indicator_id"].astype(str),
            "sex": have["sex"],
            "label": labels,
        }
    )
    return out.sort_values(["label", "spec"], kind="stable").reset_index(drop=True)


def add_indicators(framework: Framework, specs: Sequence[str], store: Store) -> Framework:
    """The framework with more indicators from the store, named by id (``"ID"`` or
    ``"ID:Sex"``), each labelled with its metadata name.

    Any indicator the store holds for the framework's authority at its area type can be
    added: its polarity and significance against England then come from the store's
    metadata and data (:func:`healthgap.account.scorecards.scorecard`). Without a sex,
    ``Persons`` is taken where the authority has it, else each sex it has. Indicators the
    framework already has are not repeated.

    Raises
    ------
    InputError
        An id (or sex) the store has no values for at the authority, naming some that it has.
    """
    from healthgap.data.indicator_metadata import metadata

    have = _authority_indicators(framework, store)
    sexes: dict[str, set[str]] = {}
    for ind, sex in have.itertuples(index=False, name=None):
        sexes.setdefault(str(ind), set()).add(str(sex))
    existing = {(i.id, i.sex) for i in framework.indicators}
    added: list[FrameworkIndicator] = []
    wanted: list[tuple[str, str | None]] = []
    for spec in specs:
        ident, _, sex = str(spec).strip().partition(":")
        ident = ident.strip()
        if ident not in sexes:
            shown = ", ".join(sorted(sexes)[:8])
            raise InputError(
                f"indicator must have values for {framework.authority} at area type "
                f"{framework.area_type!r}; got {ident!r}, which has none. Some it has: {shown} "
                "(all: healthgap profile --area CODE)."
            )
        if sex and sex not in sexes[ident]:
            raise InputError(
                f"sex of {ident} must be one of {', '.join(sorted(sexes[ident]))}; got {sex!r}. "
                f"Write e.g. {ident}:{sorted(sexes[ident])[0]}."
            )
        wanted.append((ident, sex or None))
    names = metadata(store, [i for i, _ in wanted])
    name_of = dict(zip(names["indicator_id"], names["name"], strict=False))
    for ident, sex in wanted:
        chosen = (
            [sex] if sex else (["Persons"] if "Persons" in sexes[ident] else sorted(sexes[ident]))
        )
        for s in chosen:
            if (ident, s) in existing:
                continue
            existing.add((ident, s))
            label = str(name_of.get(ident) or ident) + ("" if s == "Persons" else f" ({s})")
            added.append(FrameworkIndicator(id=ident, label=label, sex=s))
    return replace(framework, indicators=(*framework.indicators, *added))
