"""Policy options and simulation specs: what a policy is expected to do, with ranges.

A *policy option* states its expected effect on each deprivation decile, either directly
on the health indicator (``via="indicator"``) or on a wider determinant (``via="determinant"``,
e.g. the employment rate in percentage points) together with ``per_unit``: the change in
the indicator per unit change in the determinant (a marginal effect, the "elasticity" of
the spec, e.g. years of healthy life expectancy per percentage point of employment).

Every uncertain number is a :class:`Range` ``(low, central, high)``: ``low`` and ``high``
are read as the 2.5th and 97.5th percentiles of the belief about the number.

Specs are TOML or YAML files (see ``docs/policy.md``); :func:`load_spec` reads one.
"""

from __future__ import annotations

import math
import numbers
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml

from healthgap.errors import InputError
from healthgap.stats import intervals

Via = Literal["indicator", "determinant"]
VIA: tuple[str, ...] = ("indicator", "determinant")


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(
            f"{what} must be a number or [low, central, high]; got {value!r}. "
            "Write e.g. 0.5 or [0.2, 0.5, 0.8]."
        )
    out = float(value)
    if not math.isfinite(out):
        raise InputError(f"{what} must be finite; got {value!r}. Write e.g. 0.5.")
    return out


@dataclass(frozen=True)
class Range:
    """An uncertain number: ``low`` <= ``central`` <= ``high`` (95% range).

    Simulated as a two-piece (split) normal with mode ``central`` and the standard
    deviations (central - low) / 1.959964 below and (high - central) / 1.959964 above, so
    that low and high are its 2.5th and 97.5th percentiles. A single number is certain.
    """

    low: float
    central: float
    high: float

    def __post_init__(self) -> None:
        if not self.low <= self.central <= self.high:
            raise InputError(
                f"a range must have low <= central <= high; got [{self.low:g}, "
                f"{self.central:g}, {self.high:g}]. Write [low, central, high], e.g. "
                "[0.2, 0.5, 0.8]."
            )

    @classmethod
    def of(cls, value: Any, what: str = "effect") -> Range:
        """A Range from a number, ``[low, central, high]``, a mapping or a Range."""
        if isinstance(value, Range):
            return value
        if isinstance(value, Mapping):
            try:
                parts = [value["low"], value["central"], value["high"]]
            except KeyError:
                raise InputError(
                    f"{what} must have the keys low, central and high; got "
                    f"{sorted(value)}. Write e.g. {{low = 0.2, central = 0.5, high = 0.8}}."
                ) from None
            return cls(*(_number(v, what) for v in parts))
        if isinstance(value, Sequence) and not isinstance(value, str):
            if len(value) != 3:
                raise InputError(
                    f"{what} must be a number or [low, central, high]; got a list of "
                    f"{len(value)}: {list(value)!r}. Write e.g. [0.2, 0.5, 0.8]."
                )
            return cls(*(_number(v, what) for v in value))
        x = _number(value, what)
        return cls(x, x, x)

    @property
    def certain(self) -> bool:
        """True when low = central = high."""
        return self.low == self.central == self.high


@dataclass(frozen=True)
class PolicyOption:
    """One policy option: its expected effect on each deprivation decile.

    Parameters
    ----------
    name:
        Label shown in tables and charts.
    effect:
        Mapping decile -> :class:`Range` (or a number / ``[low, central, high]``). The key
        ``"all"`` sets every decile not named. Deciles not given have no effect (exactly 0).
        The unit is the indicator's (``via="indicator"``) or the determinant's.
    via:
        ``"indicator"`` (effect on the health indicator) or ``"determinant"``.
    per_unit:
        With ``via="determinant"``: change in the indicator per unit of the determinant
        (:class:`Range`). Ignored (1) for ``via="indicator"``.
    determinant:
        Name of the determinant and its unit, for the report.
    proportionate_gradient:
        If given, the effects are first multiplied by the proportionate-universalism
        weights of :func:`proportionate_weights` (most deprived decile gets 1 + gradient
        times the least deprived's weight, linear in between, weights averaging 1).
    description:
        Free text for the report.
    """

    name: str
    effect: Mapping[Any, Any]
    via: Via = "indicator"
    per_unit: Any = 1.0
    determinant: str = ""
    proportionate_gradient: float | None = None
    description: str = ""
    _effects: dict[Any, Range] = field(init=False, repr=False, compare=False)
    _per_unit: Range = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InputError(
                f"option name must be non-empty text; got {self.name!r}. "
                'Write e.g. name = "Universal employment support".'
            )
        if self.via not in VIA:
            raise InputError(
                f"via must be one of {', '.join(VIA)}; got {self.via!r} (option "
                f'{self.name!r}). Use via = "determinant" with per_unit for an effect on '
                "e.g. employment."
            )
        if not isinstance(self.effect, Mapping) or not self.effect:
            raise InputError(
                f"effect must map deciles to effects; got {self.effect!r} (option "
                f"{self.name!r}). Write e.g. effect = {{1 = [2, 3, 4]}} or {{all = 0.5}}."
            )
        effects: dict[Any, Range] = {}
        for key, val in self.effect.items():
            label = "all" if str(key).strip().lower() == "all" else _decile_key(key, self.name)
            effects[label] = Range.of(val, f"effect of option {self.name!r} on decile {key}")
        object.__setattr__(self, "_effects", effects)
        unit = Range.of(self.per_unit, f"per_unit of option {self.name!r}")
        if self.via == "indicator":
            unit = Range(1.0, 1.0, 1.0)
        object.__setattr__(self, "_per_unit", unit)
        if self.proportionate_gradient is not None:
            g = _number(self.proportionate_gradient, "proportionate gradient")
            if g < 0:
                raise InputError(
                    f"proportionate gradient must be 0 or more; got {g:g} (option "
                    f"{self.name!r}). 0 is universal; 1 gives the most deprived decile twice "
                    "the least deprived's effect."
                )

    @property
    def unit(self) -> Range:
        """The per-unit conversion to the indicator (1 for ``via="indicator"``)."""
        return self._per_unit

    def effect_arrays(self, quantiles: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(low, central, high) effects for deciles 1..Q, proportionate weights applied."""
        named = [k for k in self._effects if k != "all"]
        beyond = [k for k in named if k > quantiles]
        if beyond:
            raise InputError(
                f"effect deciles must be 1 to {quantiles}; got {beyond[0]} (option "
                f"{self.name!r}). Number deciles 1 (most deprived) to {quantiles}."
            )
        default = self._effects.get("all", Range(0.0, 0.0, 0.0))
        out = np.empty((3, quantiles))
        for d in range(1, quantiles + 1):
            r = self._effects.get(d, default)
            out[:, d - 1] = (r.low, r.central, r.high)
        if self.proportionate_gradient is not None:
            out *= proportionate_weights(quantiles, float(self.proportionate_gradient))
        return out[0], out[1], out[2]


def _decile_key(key: Any, name: str) -> int:
    try:
        d = int(str(key).strip())
    except ValueError:
        d = 0
    if d < 1 or (isinstance(key, float) and not float(key).is_integer()):
        raise InputError(
            f"effect keys must be deciles 1, 2, ... or 'all'; got {key!r} (option {name!r}). "
            "Write e.g. effect = {1 = [2, 3, 4], all = 0.5}."
        )
    return d


def proportionate_weights(quantiles: int, gradient: float) -> np.ndarray:
    """Proportionate-universalism weights for quantiles 1 (most deprived) to Q.

    w_j proportional to 1 + gradient (Q - j) / (Q - 1), scaled to average 1: every
    quantile benefits (universal) in proportion to its disadvantage, the most deprived
    getting (1 + gradient) times the least deprived's share. With equal populations a
    proportionate option has the same mean effect as the universal one it is built from.

    >>> proportionate_weights(5, 1.0).round(3).tolist()
    [1.333, 1.167, 1.0, 0.833, 0.667]
    """
    j = np.arange(1, quantiles + 1, dtype=float)
    w = 1.0 + gradient * (quantiles - j) / (quantiles - 1)
    return w / w.mean()


@dataclass(frozen=True)
class SimulationSpec:
    """A whole simulation: title, indicator, baseline source, options and settings."""

    title: str
    indicator: str
    options: tuple[PolicyOption, ...]
    baseline: Mapping[str, Any]
    regions: Mapping[str, Any] | None = None
    favourable: bool = True
    draws: int = 2000
    seed: int | None = None
    confidence: float = 0.95
    description: str = ""


def _area_effects(value: Any, i: int, base_dir: Path | None) -> dict[int, Range]:
    """Decile effects from a CSV of effects by area (see ``effects_by_area``)."""
    import pandas as pd

    from healthgap.policy.simulate import effects_by_area

    path = Path(str(value))
    path = path if path.is_absolute() else (base_dir or Path.cwd()) / path
    try:
        frame = pd.read_csv(path)
    except OSError as exc:
        raise InputError(
            f"option {i} areas must be a readable CSV file; got {str(path)!r} "
            f"({exc.strerror}). Give columns quantile, population, low, central, high."
        ) from None
    return effects_by_area(frame)


def _option(raw: Any, i: int, base_dir: Path | None = None) -> PolicyOption:
    if not isinstance(raw, Mapping):
        raise InputError(
            f"option {i} must be a table of settings; got {raw!r}. Write [[option]] with "
            "name, effect and (optionally) via, per_unit."
        )
    allowed = {
        "name",
        "effect",
        "areas",
        "via",
        "per_unit",
        "determinant",
        "proportionate",
        "description",
    }
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise InputError(
            f"option {i} settings must be among {', '.join(sorted(allowed))}; got "
            f"{unknown[0]!r}. Check the spelling."
        )
    prop = raw.get("proportionate")
    gradient = None
    if prop is not None:
        gradient = prop.get("gradient", 1.0) if isinstance(prop, Mapping) else prop
    effect = raw.get("effect", {})
    if "areas" in raw:
        if "effect" in raw:
            raise InputError(
                f"option {i} must give effect or areas, not both; got both. Use areas for "
                "effects stated by area, effect for effects by decile."
            )
        effect = _area_effects(raw["areas"], i, base_dir)
    return PolicyOption(
        name=raw.get("name", ""),
        effect=effect,
        via=raw.get("via", "indicator"),
        per_unit=raw.get("per_unit", 1.0),
        determinant=str(raw.get("determinant", "")),
        proportionate_gradient=gradient,
        description=str(raw.get("description", "")),
    )


def spec_from_dict(raw: Mapping[str, Any], base_dir: Path | None = None) -> SimulationSpec:
    """Build a :class:`SimulationSpec` from parsed TOML/YAML (see ``docs/policy.md``).

    ``base_dir`` resolves relative file names (an option's ``areas`` CSV); default the
    working folder.
    """
    options = raw.get("option") or raw.get("options")
    if not isinstance(options, Sequence) or isinstance(options, str) or not options:
        raise InputError(
            "a spec must have at least one [[option]]; got none. Add e.g.\n[[option]]\n"
            'name = "Universal"\neffect = {all = [0.2, 0.4, 0.6]}'
        )
    baseline = raw.get("baseline")
    if not isinstance(baseline, Mapping):
        raise InputError(
            'a spec must have a [baseline] table; got none. Give csv = "file.csv" (columns '
            'decile, value, population) or indicator = "hle_birth_imd2015_decile" (store).'
        )
    draws = raw.get("draws", 2000)
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 100:
        raise InputError(f"draws must be a whole number, 100 or more; got {draws!r}. Use 2000.")
    return SimulationSpec(
        title=str(raw.get("title", "Policy equity impact")),
        indicator=str(raw.get("indicator", "indicator")),
        options=tuple(_option(o, i + 1, base_dir) for i, o in enumerate(options)),
        baseline=baseline,
        regions=raw.get("regions"),
        favourable=bool(raw.get("favourable", True)),
        draws=draws,
        seed=raw.get("seed"),
        confidence=float(raw.get("confidence", 0.95)),
        description=str(raw.get("description", "")),
    )


def load_spec(path: str | Path) -> SimulationSpec:
    """Read a TOML (``.toml``) or YAML (``.yaml``/``.yml``) simulation spec."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"the spec must be a readable file; got {str(p)!r} ({exc.strerror}). Check the path."
        ) from None
    try:
        raw = yaml.safe_load(text) if p.suffix.lower() in (".yaml", ".yml") else tomllib.loads(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise InputError(
            f"the spec must be valid {'YAML' if p.suffix.lower() in ('.yaml', '.yml') else 'TOML'}"
            f"; got an error in {p.name}: {exc}. Fix the file."
        ) from None
    if not isinstance(raw, Mapping):
        raise InputError(f"the spec must be a table of settings; got {type(raw).__name__}.")
    return spec_from_dict(raw, p.parent)


# ----------------------------------------------------------------------- inputs from data


def baseline_from_store(
    store: Any,
    indicator: str = "hle_birth_imd2015_decile",
    *,
    sex: str = "Male",
    period: str = "2015-2017",
    area_code: str = "E92000001",
) -> Any:
    """Baseline by decile from the store's ``indicators`` table.

    Returns a pandas frame with ``quantile`` (the category, 1 = most deprived),
    ``value``, and ``se`` where the store has 95% limits (se = (U - L) / (2 x 1.959964)).
    """
    import pandas as pd

    from healthgap.geography.hierarchy import using

    with using(store) as s:
        rows = s.to_pandas(s.indicators(indicator, area_code=area_code, sex=sex, period=period))
    if rows.empty:
        raise InputError(
            f"the baseline must have rows in the store; got none for indicator {indicator!r}, "
            f"sex {sex!r}, period {period!r}, area {area_code}. Check them with "
            f"`healthgap query -i {indicator}`."
        )
    try:
        q = pd.to_numeric(rows["category"], errors="raise").astype(int)
    except (ValueError, TypeError):
        raise InputError(
            f"the baseline indicator must be split by deprivation decile (category 1, 2, ...); "
            f"got categories {sorted(rows['category'].astype(str).unique())[:5]} for "
            f"{indicator!r}. Use e.g. hle_birth_imd2015_decile."
        ) from None
    out = pd.DataFrame({"quantile": q.to_numpy(), "value": rows["value"].astype(float).to_numpy()})
    lo, hi = rows["lower_95_0"].astype(float), rows["upper_95_0"].astype(float)
    if lo.notna().all() and hi.notna().all():
        out["se"] = intervals.se_from_limits(lo, hi, 0.95)
    return out.sort_values("quantile").reset_index(drop=True)


def regions_from_store(
    store: Any,
    indicator: str = "hle_birth",
    *,
    sex: str = "Male",
    period: str = "2015-2017",
) -> Any:
    """Regional baseline and each region's population by national IMD 2019 decile.

    The region values come from the store's ``indicators`` (area type ``region``); the
    decile composition from IMD 2019 LSOA deciles and mid-2015 populations
    (:func:`healthgap.geography.imd.imd_lsoas`) joined to regions
    (:func:`healthgap.geography.hierarchy.lsoa_lookup`). Returns the long frame
    :func:`healthgap.policy.simulate` takes as ``regions``.
    """
    from healthgap.geography.hierarchy import lsoa_lookup, using
    from healthgap.geography.imd import imd_lsoas

    with using(store) as s:
        vals = s.to_pandas(s.indicators(indicator, area_type="region", sex=sex, period=period))
        if vals.empty:
            raise InputError(
                f"regions must have rows in the store; got none for indicator {indicator!r}, "
                f"sex {sex!r}, period {period!r}. Check with `healthgap query -i {indicator} "
                "--area-type region`."
            )
        lsoas = imd_lsoas(s, imd=2019)
        lookup = lsoa_lookup(s, lsoa_vintage=2011)[["lsoa_code", "region_code", "region_name"]]
    merged = lsoas.merge(lookup, on="lsoa_code", how="inner")
    comp = (
        merged.groupby(["region_code", "region_name", "imd_decile"])["population"]
        .sum()
        .reset_index()
        .rename(columns={"imd_decile": "quantile"})
    )
    values = vals[["area_code", "value"]].rename(columns={"area_code": "region_code"})
    out = comp.merge(values, on="region_code", how="inner")
    out["region"] = out["region_name"]
    return out[["region", "region_code", "quantile", "population", "value"]]


def resolve_inputs(
    spec: SimulationSpec, store: Any = None, base_dir: Path | None = None
) -> dict[str, Any]:
    """Keyword arguments for :func:`healthgap.policy.simulate` from a spec.

    ``[baseline]`` is one of: ``csv = "file.csv"`` (with optional ``value``, ``quantile``,
    ``population``, ``se`` column names), ``values = [...]`` (with optional
    ``population = [...]``), or ``indicator`` (+ ``sex``, ``period``) read from the store.
    ``[regions]`` (optional): ``indicator`` (+ ``sex``, ``period``) from the store.
    """
    import pandas as pd

    b = dict(spec.baseline)
    base = base_dir or Path.cwd()
    kwargs: dict[str, Any] = {}
    if "csv" in b:
        path = Path(str(b["csv"]))
        path = path if path.is_absolute() else base / path
        try:
            frame = pd.read_csv(path)
        except OSError as exc:
            raise InputError(
                f"baseline csv must be a readable file; got {str(path)!r} ({exc.strerror})."
            ) from None
        kwargs.update(
            baseline=frame,
            value=str(b.get("value", "value")),
            quantile=str(b.get("quantile", "quantile")),
            population=b.get("population"),
            se=b.get("se"),
        )
    elif "values" in b:
        values = b["values"]
        frame = pd.DataFrame({"quantile": range(1, len(values) + 1), "value": values})
        if "population" in b:
            frame["population"] = b["population"]
            kwargs["population"] = "population"
        kwargs["baseline"] = frame
    elif "indicator" in b:
        frame = baseline_from_store(
            store,
            str(b["indicator"]),
            sex=str(b.get("sex", "Male")),
            period=str(b.get("period", "2015-2017")),
            area_code=str(b.get("area_code", "E92000001")),
        )
        kwargs["baseline"] = frame
        if "se" in frame:
            kwargs["se"] = "se"
    else:
        raise InputError(
            f"[baseline] must give csv, values or indicator; got keys {sorted(b)}. Write e.g. "
            'indicator = "hle_birth_imd2015_decile".'
        )
    if spec.regions:
        r = dict(spec.regions)
        kwargs["regions"] = regions_from_store(
            store,
            str(r.get("indicator", "hle_birth")),
            sex=str(r.get("sex", "Male")),
            period=str(r.get("period", "2015-2017")),
        )
    kwargs.update(
        favourable=spec.favourable,
        indicator=spec.indicator,
        draws=spec.draws,
        seed=spec.seed,
        confidence=spec.confidence,
    )
    return kwargs
