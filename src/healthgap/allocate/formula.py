"""A needs-based allocation formula as a readable, checkable TOML (or YAML) file.

A formula says how a control total is shared between areas: components (each a
population base times need indices, with a share of the total), an optional area cost
adjustment, an optional resources adjustment, and an optional pace of change from
current allocations. :class:`Formula` holds one, checked; :meth:`Formula.load` reads a
``.toml``, ``.yaml`` or ``.yml`` file, :meth:`Formula.from_toml` and
:meth:`Formula.from_yaml` read text (YAML has the same fields, nested by indentation).
The file format is documented in ``docs/allocation.md``; a short example::

    name = "Illustrative ICB-style formula"
    area = "area"
    population = "population"
    current = "current"
    control_total = 100000

    [indices.age_need]
    column = "age_need"

    [indices.smr]
    column = "smr_u75"

    [components.core]
    share = 0.9
    indices = ["age_need"]

    [components.health_inequalities]
    share = 0.1
    indices = ["smr"]

    [pace]
    years = 2
    growth = 0.03
    floor = 0.02

Every problem raises :class:`~healthgap.errors.InputError` naming the field and, for a
file, its line: unknown fields (with the closest valid name), wrong types, shares that do
not sum to 1 (with the sum), references to undefined indices or cost curves, and
circular index definitions (with the cycle).
"""

from __future__ import annotations

import difflib
import math
import numbers
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from healthgap.allocate.rounding import pence_from_pounds
from healthgap.config_files import ConfigFile, Format, parse_config
from healthgap.errors import InputError

#: Component shares must add up to 1 within this tolerance.
SHARE_TOLERANCE = 1e-9

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")

_TOP = (
    "name",
    "description",
    "area",
    "population",
    "current",
    "control_total",
    "indices",
    "cost_curves",
    "components",
    "cost_adjustment",
    "resources",
    "pace",
    "bands",
)
_INDEX = ("column", "exponent", "of", "description")
_CURVE = ("weights", "description")
_COMPONENT = ("share", "base", "indices", "description")
_COLUMN_ONLY = ("column", "description")
_PACE = ("years", "growth", "floor", "ceiling", "description")
_BANDS = ("area", "population")


@dataclass(frozen=True)
class Index:
    """A need index: a column of the inputs table raised to ``exponent``, or (derived) the
    product of other indices, each raised to its exponent in ``of``.

    Either way the result is normalised so that its population-weighted mean over all
    areas is 1.
    """

    name: str
    column: str | None = None
    exponent: float = 1.0
    of: Mapping[str, float] = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True)
class CostCurve:
    """Age-sex (or any band) cost weights applied to a long-format population table.

    ``keys`` are the band columns (e.g. ``("age", "sex")``); ``weights`` maps a tuple of
    band labels (as text) to the relative cost of one person in that band.
    """

    name: str
    keys: tuple[str, ...]
    weights: Mapping[tuple[str, ...], float]
    description: str = ""


@dataclass(frozen=True)
class Component:
    """A part of the formula: ``share`` of the total, shared in proportion to
    base x product of the named indices. ``base`` is ``None`` for the area population or
    the name of a cost curve (weighted population)."""

    name: str
    share: float
    indices: tuple[str, ...] = ()
    base: str | None = None
    description: str = ""


@dataclass(frozen=True)
class Pace:
    """Pace of change from current allocations over ``years`` years.

    Year 1's total is the control total; year t's is year t-1's x (1 + ``growth[t-2]``).
    Every area grows by at least ``floor`` a year and at most ``ceiling`` (if set).
    """

    years: int = 1
    growth: tuple[float, ...] = ()
    floor: float = 0.0
    ceiling: float | None = None


@dataclass(frozen=True)
class Formula:
    """A checked allocation formula. Build one with :meth:`load`, :meth:`from_toml` or
    :meth:`from_dict`; every constructor validates the whole formula.

    Attributes
    ----------
    name, description:
        What the formula is, for people.
    area, population:
        Column names in the inputs table: the area code and the population (the base of
        "equal per head" and the weights of index normalisation).
    current:
        Optional column of current allocations in pounds (needed for ``pace``).
    control_total:
        The total to share out, in pence (``None`` if it is given at run time).
    indices, cost_curves:
        Named need indices and cost curves.
    components:
        The components, in the order the file gives them.
    cost_column, resources_column:
        Optional columns for the area cost adjustment (a multiplicative index) and the
        resources adjustment (ability to raise income, pounds).
    pace:
        Optional pace-of-change settings.
    bands_area, bands_population:
        Column names in the long-format band table used by cost curves.
    source:
        Where the formula came from (a file name), for messages.
    """

    name: str
    components: tuple[Component, ...]
    area: str = "area"
    population: str = "population"
    current: str | None = None
    control_total: int | None = None
    indices: Mapping[str, Index] = field(default_factory=dict)
    cost_curves: Mapping[str, CostCurve] = field(default_factory=dict)
    cost_column: str | None = None
    resources_column: str | None = None
    pace: Pace | None = None
    bands_area: str | None = None
    bands_population: str | None = None
    description: str = ""
    source: str = "formula"
    text: str | None = field(default=None, repr=False, compare=False)
    lines: Mapping[str, int] | None = field(default=None, repr=False, compare=False)

    # ---- constructors -------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path) -> Formula:
        """Read and check a formula file: YAML for ``.yaml``/``.yml``, TOML otherwise."""
        p = Path(path)
        if not p.exists():
            raise InputError(f"formula file must exist; got {str(p)!r}. Check the path.")
        if p.is_dir():
            raise InputError(f"formula must be a file; got the folder {str(p)!r}.")
        suffix = p.suffix.lower()
        try:
            text = p.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{p.name} must be UTF-8 text; got bytes that are not (at byte {exc.start}). "
                "Save the file as UTF-8."
            ) from None
        if suffix in (".yaml", ".yml"):
            return cls.from_yaml(text, source=p.name)
        return cls.from_toml(text, source=p.name)

    @classmethod
    def from_toml(cls, text: str, source: str = "formula") -> Formula:
        """Parse and check a formula written in TOML."""
        data = parse_config(text, "toml", source).data
        return _Parser(data, source, text).formula()

    @classmethod
    def from_yaml(cls, text: str, source: str = "formula") -> Formula:
        """Parse and check a formula written in YAML (the same fields as TOML).

        >>> f = Formula.from_yaml("components: {core: {share: 1}}", source="f.yaml")
        >>> [c.name for c in f.components]
        ['core']
        """
        cfg = parse_config(text, "yaml", source)
        data, lines = cfg.data, cfg.yaml_lines or {}
        if not isinstance(data, Mapping):
            raise InputError(
                f"{source} must be a mapping of fields at the top (name: ..., components: "
                f"...); got {type(data).__name__} at line 1. Start the file with fields "
                "such as 'name:' and 'components:'."
            )
        return _Parser(dict(data), source, text, MappingProxyType(lines)).formula()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "formula") -> Formula:
        """Check a formula given as nested dictionaries (the same fields as the TOML file)."""
        if not isinstance(data, Mapping):
            raise InputError(
                f"formula must be a mapping of fields; got {type(data).__name__}. "
                "Pass a dict such as the one tomllib returns for a formula file."
            )
        return _Parser(dict(data), source, None).formula()

    # ---- what-if helpers ------------------------------------------------------------
    def with_shares(self, shares: Mapping[str, float], name: str | None = None) -> Formula:
        """A copy with some component shares changed (the result must still sum to 1).

        >>> f = Formula.from_dict({"components": {"core": {"share": 0.9},
        ...                                       "hi": {"share": 0.1}}})
        >>> [c.share for c in f.with_shares({"core": 0.85, "hi": 0.15}).components]
        [0.85, 0.15]
        """
        known = [c.name for c in self.components]
        for key in shares:
            if key not in known:
                raise InputError(
                    f"shares must name components of the formula; got {key!r}. "
                    f"Components: {', '.join(known)}.{_suggest(key, known)}"
                )
        comps = tuple(
            replace(c, share=_share(shares.get(c.name, c.share), f"components.{c.name}.share"))
            for c in self.components
        )
        out = replace(self, components=comps, name=name or self.name, text=None, lines=None)
        _check_share_sum(out, None)
        return out

    def with_control_total(self, pounds: Any) -> Formula:
        """A copy with another control total (pounds, to the penny)."""
        return replace(self, control_total=pence_from_pounds(pounds, "control_total"))

    # ---- messages -------------------------------------------------------------------
    def where(self, path: str) -> str:
        """``"components.hi.share (line 9 of icb.toml)"``: how messages point at a field."""
        return _where(self.text, self.lines, self.source, path)

    @property
    def index_order(self) -> tuple[str, ...]:
        """Index names in an order where every derived index comes after its inputs."""
        return _topological(self.indices)


# ---- parsing -------------------------------------------------------------------------


def _where(text: str | None, lines: Mapping[str, int] | None, source: str, path: str) -> str:
    """A field and its line: from the YAML line map, else looked up in the TOML text."""
    if lines is None and not text:
        return f"{path} (in {source})"
    fmt: Format = "yaml" if lines is not None else "toml"
    return ConfigFile(None, source, fmt, text or "", lines).where(path)


def _suggest(word: str, options: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""


def _share(value: Any, path: str, where: str | None = None) -> float:
    place = where or path
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(float(value))
        or not 0 <= float(value) <= 1
    ):
        hint = f" Did you mean {float(value) / 100:g}?" if _percent_like(value) else ""
        raise InputError(
            f"{place} must be a share between 0 and 1; got {value!r}. Write 10% as 0.1.{hint}"
        )
    return float(value)


def _percent_like(value: Any) -> bool:
    return (
        isinstance(value, numbers.Real) and not isinstance(value, bool) and 1 < float(value) <= 100
    )


def _check_share_sum(formula: Formula, parser: _Parser | None) -> None:
    total = math.fsum(c.share for c in formula.components)
    if abs(total - 1) > SHARE_TOLERANCE:
        terms = " + ".join(f"{c.share:g}" for c in formula.components)
        first = f"components.{formula.components[0].name}.share"
        place = parser.where(first) if parser else formula.where(first)
        raise InputError(
            f"component shares must add up to 1; got {terms} = {total:.10g} "
            f"(first share at {place}). Change the shares so that they add up to 1."
        )


def _topological(indices: Mapping[str, Index]) -> tuple[str, ...]:
    order: list[str] = []
    done: set[str] = set()

    def visit(name: str) -> None:
        if name in done:
            return
        for ref in indices[name].of:
            visit(ref)
        done.add(name)
        order.append(name)

    for name in indices:
        visit(name)
    return tuple(order)


class _Parser:
    """Turns nested dictionaries into a :class:`Formula`, checking as it goes."""

    def __init__(
        self,
        data: dict[str, Any],
        source: str,
        text: str | None,
        lines: Mapping[str, int] | None = None,
    ) -> None:
        self.data = data
        self.source = source
        self.text = text
        self.lines = lines

    def where(self, path: str) -> str:
        return _where(self.text, self.lines, self.source, path)

    # -- generic checks --
    def known(self, table: Mapping[str, Any], allowed: Sequence[str], path: str) -> None:
        for key in table:
            if key not in allowed:
                full = f"{path}.{key}" if path else key
                section = f"[{path}]" if path else "the top of a formula"
                raise InputError(
                    f"fields under {section} must be one of {', '.join(allowed)}; got "
                    f"{key!r} at {self.where(full)}.{_suggest(key, allowed)}"
                )

    def table(self, value: Any, path: str, example: str) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            got = "a list" if isinstance(value, list) else repr(value)
            raise InputError(f"{self.where(path)} must be a table such as {example}; got {got}.")
        return dict(value)

    def text_field(self, table: Mapping[str, Any], key: str, path: str, default: Any) -> Any:
        if key not in table:
            return default
        value = table[key]
        if not isinstance(value, str) or not value.strip():
            raise InputError(
                f"{self.where(path)} must be text (a column name or label in quotes); "
                f'got {value!r}. Write it in quotes, e.g. {key} = "{key}".'
            )
        return value

    def number(self, value: Any, path: str, rule: str, ok: Any, example: str) -> float:
        if (
            isinstance(value, bool)
            or not isinstance(value, numbers.Real)
            or not math.isfinite(float(value))
            or not ok(float(value))
        ):
            raise InputError(f"{self.where(path)} must be {rule}; got {value!r}. {example}")
        return float(value)

    def name(self, name: str, path: str) -> str:
        if not _NAME.fullmatch(name):
            raise InputError(
                f"{self.where(path)} must be a name of letters, digits and underscores that "
                f"starts with a letter; got {name!r}. It becomes part of output column "
                "names, e.g. health_inequalities."
            )
        return name

    # -- the formula --
    def formula(self) -> Formula:
        d = self.data
        self.known(d, _TOP, "")
        name = self.text_field(d, "name", "name", self.source.rsplit(".", 1)[0])
        description = self.text_field(d, "description", "description", "")
        area = self.text_field(d, "area", "area", "area")
        population = self.text_field(d, "population", "population", "population")
        current = self.text_field(d, "current", "current", None)
        control_total = None
        if "control_total" in d:
            control_total = pence_from_pounds(
                d["control_total"],
                self.where("control_total"),
                " Write the total in pounds, e.g. control_total = 1250000.",
            )
            if control_total == 0:
                raise InputError(
                    f"{self.where('control_total')} must be more than 0 pounds; got "
                    f"{d['control_total']!r}."
                )
        indices = self.indices(d.get("indices", {}))
        curves = self.cost_curves(d.get("cost_curves", {}))
        components = self.components(d.get("components"), indices, curves)
        cost_column = self.column_section(d, "cost_adjustment")
        resources_column = self.column_section(d, "resources")
        pace = self.pace(d["pace"]) if "pace" in d else None
        if pace is not None and current is None:
            raise InputError(
                f"{self.where('pace')} needs current allocations to move from; got no "
                "'current' field. Add e.g. current = \"current_allocation\" (a column of "
                "pounds in the inputs), or remove [pace]."
            )
        bands = self.table(d.get("bands", {}), "bands", '{ area = "area" }')
        self.known(bands, _BANDS, "bands")
        formula = Formula(
            name=name,
            description=description,
            area=area,
            population=population,
            current=current,
            control_total=control_total,
            indices=MappingProxyType(indices),
            cost_curves=MappingProxyType(curves),
            components=components,
            cost_column=cost_column,
            resources_column=resources_column,
            pace=pace,
            bands_area=self.text_field(bands, "area", "bands.area", None),
            bands_population=self.text_field(bands, "population", "bands.population", None),
            source=self.source,
            text=self.text,
            lines=self.lines,
        )
        _check_share_sum(formula, self)
        return formula

    def indices(self, raw: Any) -> dict[str, Index]:
        table = self.table(raw, "indices", '[indices.smr] with column = "smr_u75"')
        out: dict[str, Index] = {}
        for name, spec in table.items():
            path = f"indices.{name}"
            self.name(name, path)
            spec = self.table(spec, path, '{ column = "smr_u75" }')
            self.known(spec, _INDEX, path)
            description = self.text_field(spec, "description", f"{path}.description", "")
            has_column, has_of = "column" in spec, "of" in spec
            if has_column == has_of:
                raise InputError(
                    f"{self.where(path)} must have exactly one of 'column' (a column of the "
                    f"inputs) or 'of' (a product of other indices); got "
                    f'{"both" if has_column else "neither"}. E.g. column = "smr_u75".'
                )
            if has_column:
                exponent = 1.0
                if "exponent" in spec:
                    exponent = self.number(
                        spec["exponent"],
                        f"{path}.exponent",
                        "a number other than 0",
                        lambda v: v != 0,
                        "E.g. exponent = 0.5 for a square root, -1 for an inverse.",
                    )
                column = self.text_field(spec, "column", f"{path}.column", None)
                out[name] = Index(name, column=column, exponent=exponent, description=description)
                continue
            if "exponent" in spec:
                raise InputError(
                    f"{self.where(path + '.exponent')} must not be set on a derived index; got "
                    f"exponent = {spec['exponent']!r} together with 'of'. Give each input's "
                    "exponent inside 'of', e.g. of = { smr = 1.0, imd = 0.5 }."
                )
            of = self.table(spec["of"], f"{path}.of", "{ smr = 1.0, imd = 0.5 }")
            if not of:
                raise InputError(
                    f"{self.where(path + '.of')} must name at least one index; got an empty "
                    "table. E.g. of = { smr = 1.0, imd = 0.5 }."
                )
            exps = {
                str(k): self.number(
                    v,
                    f"{path}.of.{k}",
                    "a number other than 0 (the exponent of that index)",
                    lambda x: x != 0,
                    "E.g. of = { smr = 1.0, imd = 0.5 }.",
                )
                for k, v in of.items()
            }
            out[name] = Index(name, of=MappingProxyType(exps), description=description)
        for name, index in out.items():
            for ref in index.of:
                if ref not in out:
                    raise InputError(
                        f"{self.where(f'indices.{name}.of.{ref}')} must name an index defined "
                        f"under [indices]; got {ref!r}. Defined: {', '.join(out)}."
                        f"{_suggest(ref, list(out))}"
                    )
        self.no_cycles(out)
        return out

    def no_cycles(self, indices: Mapping[str, Index]) -> None:
        state: dict[str, int] = {}  # 1 = on the current path, 2 = done
        stack: list[str] = []

        def visit(name: str) -> None:
            state[name] = 1
            stack.append(name)
            for ref in indices[name].of:
                if state.get(ref) == 1:
                    cycle = [*stack[stack.index(ref) :], ref]
                    raise InputError(
                        f"{self.where(f'indices.{name}.of.{ref}')}: indices must not be "
                        f"defined in a circle; got {' -> '.join(cycle)}. Define one of "
                        "them from a column instead."
                    )
                if state.get(ref) is None:
                    visit(ref)
            stack.pop()
            state[name] = 2

        for name in indices:
            if name not in state:
                visit(name)

    def cost_curves(self, raw: Any) -> dict[str, CostCurve]:
        table = self.table(raw, "cost_curves", "[cost_curves.acute] with weights = [...]")
        out: dict[str, CostCurve] = {}
        for name, spec in table.items():
            path = f"cost_curves.{name}"
            self.name(name, path)
            spec = self.table(spec, path, '{ weights = [{ age = "0-4", weight = 1.2 }] }')
            self.known(spec, _CURVE, path)
            weights = spec.get("weights")
            if not isinstance(weights, list) or not weights:
                raise InputError(
                    f"{self.where(path + '.weights')} must be a list of bands with weights, "
                    f'e.g. [{{ age = "0-4", sex = "F", weight = 1.2 }}, ...]; got '
                    f"{weights!r}."
                )
            keys: tuple[str, ...] | None = None
            mapping: dict[tuple[str, ...], float] = {}
            for i, entry in enumerate(weights):
                epath = f"{path}.weights[{i}]"
                if not isinstance(entry, Mapping) or "weight" not in entry:
                    raise InputError(
                        f"{self.where(epath)} must be a band and its weight such as "
                        f'{{ age = "0-4", sex = "F", weight = 1.2 }}; got {entry!r}.'
                    )
                these = tuple(k for k in entry if k != "weight")
                if not these:
                    raise InputError(
                        f"{self.where(epath)} must name the band it weights (e.g. age = "
                        f'"0-4"); got only a weight, {entry!r}.'
                    )
                if keys is None:
                    keys = these
                elif set(these) != set(keys):
                    raise InputError(
                        f"{self.where(epath)} must use the same band columns as the first "
                        f"entry ({', '.join(keys)}); got {', '.join(these)}."
                    )
                weight = self.number(
                    entry["weight"],
                    f"{epath}.weight",
                    "a number of 0 or more",
                    lambda v: v >= 0,
                    "E.g. weight = 1.2.",
                )
                label = tuple(str(entry[k]) for k in keys)
                if label in mapping:
                    raise InputError(
                        f"{self.where(epath)} must give each band once; got "
                        f"{', '.join(f'{k} {v}' for k, v in zip(keys, label, strict=True))} "
                        "twice. Remove the repeated entry."
                    )
                mapping[label] = weight
            assert keys is not None
            description = self.text_field(spec, "description", f"{path}.description", "")
            out[name] = CostCurve(name, keys, MappingProxyType(mapping), description)
        return out

    def components(
        self, raw: Any, indices: Mapping[str, Index], curves: Mapping[str, CostCurve]
    ) -> tuple[Component, ...]:
        if raw is None:
            raise InputError(
                f"{self.source} must define at least one component; got none. Add e.g. "
                "[components.core] with share = 1."
            )
        if isinstance(raw, list):
            raise InputError(
                f"{self.where('components')} must be a table of named components such as "
                "[components.core]; got a list ([[components]]). Name each component in "
                "its header."
            )
        table = self.table(raw, "components", "[components.core] with share = 1")
        if not table:
            raise InputError(
                f"{self.where('components')} must define at least one component; got none. "
                "Add e.g. [components.core] with share = 1."
            )
        out = []
        for name, spec in table.items():
            path = f"components.{name}"
            self.name(name, path)
            spec = self.table(spec, path, "{ share = 0.9 }")
            self.known(spec, _COMPONENT, path)
            if "share" not in spec:
                raise InputError(
                    f"{self.where(path)} must have a share of the total; got none. Add e.g. "
                    "share = 0.9."
                )
            share = _share(spec["share"], f"{path}.share", self.where(f"{path}.share"))
            names = spec.get("indices", [])
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise InputError(
                    f"{self.where(path + '.indices')} must be a list of index names, e.g. "
                    f'["smr", "imd"]; got {names!r}.'
                )
            for n in names:
                if n not in indices:
                    defined = ", ".join(indices) or "none"
                    raise InputError(
                        f"{self.where(path + '.indices')} must name indices defined under "
                        f"[indices]; got {n!r}. Defined: {defined}.{_suggest(n, list(indices))}"
                    )
            if len(set(names)) != len(names):
                raise InputError(
                    f"{self.where(path + '.indices')} must name each index once; got "
                    f"{names!r}. To weight an index more, give it an exponent."
                )
            base = spec.get("base", "population")
            if not isinstance(base, str):
                raise InputError(
                    f'{self.where(path + ".base")} must be "population" or the name of a '
                    f"cost curve; got {base!r}."
                )
            if base != "population" and base not in curves:
                options = ["population", *curves]
                raise InputError(
                    f'{self.where(path + ".base")} must be "population" or a cost curve '
                    f"defined under [cost_curves]; got {base!r}. Options: "
                    f"{', '.join(options)}.{_suggest(base, options)}"
                )
            description = self.text_field(spec, "description", f"{path}.description", "")
            out.append(
                Component(
                    name=name,
                    share=share,
                    indices=tuple(names),
                    base=None if base == "population" else base,
                    description=description,
                )
            )
        return tuple(out)

    def column_section(self, d: Mapping[str, Any], key: str) -> str | None:
        if key not in d:
            return None
        spec = self.table(d[key], key, '{ column = "..." }')
        self.known(spec, _COLUMN_ONLY, key)
        column = self.text_field(spec, "column", f"{key}.column", None)
        if column is None:
            raise InputError(
                f"{self.where(key)} must name a column of the inputs; got no 'column'. Add "
                f'e.g. column = "{"mff" if key == "cost_adjustment" else "council_tax"}".'
            )
        return str(column)

    def pace(self, raw: Any) -> Pace:
        spec = self.table(raw, "pace", "{ years = 5, growth = 0.03, floor = 0.02 }")
        self.known(spec, _PACE, "pace")
        years = spec.get("years", 1)
        if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= 50:
            raise InputError(
                f"{self.where('pace.years')} must be a whole number from 1 to 50; got "
                f"{years!r}. E.g. years = 5."
            )
        raw_growth = spec.get("growth", 0.0)
        growth_list = raw_growth if isinstance(raw_growth, list) else [raw_growth] * (years - 1)
        if isinstance(raw_growth, list) and len(raw_growth) != years - 1:
            raise InputError(
                f"{self.where('pace.growth')} must list one growth rate for each year after "
                f"the first ({years - 1} for years = {years}); got {len(raw_growth)}. Year 1's "
                "total is the control total."
            )
        growth = tuple(
            self.number(
                g,
                "pace.growth",
                "a growth rate above -1 (0.03 is 3%)",
                lambda v: v > -1,
                "E.g. growth = 0.03.",
            )
            for g in growth_list
        )
        floor = self.number(
            spec.get("floor", 0.0),
            "pace.floor",
            "a growth rate above -1 (0.02 is 2%)",
            lambda v: v > -1,
            "E.g. floor = 0.02 for at least 2% growth each year.",
        )
        ceiling = None
        if "ceiling" in spec:
            ceiling = self.number(
                spec["ceiling"],
                "pace.ceiling",
                f"a growth rate at least the floor ({floor:g})",
                lambda v: v >= floor,
                "E.g. ceiling = 0.1 for at most 10% growth each year.",
            )
        return Pace(years=years, growth=growth, floor=floor, ceiling=ceiling)
