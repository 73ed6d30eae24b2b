"""The policy simulation: the /policy/simulate page and /api/v1/policy/simulate (JSON or CSV),
with a draw limit for visitors and a result cache."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from healthgap.charts import TableOptions, equity_plane
from healthgap.policy.simulate import Simulation, simulate
from healthgap.policy.spec import PolicyOption, Range, baseline_from_store, regions_from_store
from healthgap.web.cache import ResultCache
from healthgap.web.deps import StoreDep, StoreHandle
from healthgap.web.errors import WebError
from healthgap.web.render import render
from healthgap.web.responses import csv_response, records

router = APIRouter()

BASELINE_INDICATOR = "hle_birth_imd2015_decile"
REGIONS_INDICATOR = "hle_birth"
SEX, PERIOD = "Male", "2015-2017"
DECILES = 10
EVEN_NAME = "Same average gain, spread evenly"

#: The plane's table: each option's efficiency and equity with their 95% limits, and
#: its verdict on the gap.
PLANE_TABLE = TableOptions(
    caption="Equity-impact plane (years; equity is minus the change in the SII)",
    extra=(("verdict", "Verdict"),),
    headings={
        "efficiency": "Efficiency",
        "efficiency_lower_95_0": "Efficiency lower 95%",
        "efficiency_upper_95_0": "Efficiency upper 95%",
        "equity": "Equity",
        "equity_lower_95_0": "Equity lower 95%",
        "equity_upper_95_0": "Equity upper 95%",
    },
    digits=dict.fromkeys(
        (
            "efficiency",
            "efficiency_lower_95_0",
            "efficiency_upper_95_0",
            "equity",
            "equity_lower_95_0",
            "equity_upper_95_0",
        ),
        3,
    ),
)


@dataclass(frozen=True)
class SimulationForm:
    """The simulation form's fields as text (what the user typed), for re-display."""

    name: str = "Policy option"
    via: str = "indicator"
    effects: tuple[str, ...] = ("",) * DECILES
    spread: str = "50"
    determinant: str = ""
    per_unit_low: str = ""
    per_unit: str = ""
    per_unit_high: str = ""
    compare: bool = True
    draws: str = "2000"
    seed: str = "1"


@dataclass(frozen=True)
class SimulationRequest:
    """Parsed and checked simulation inputs."""

    options: tuple[PolicyOption, ...]
    draws: int
    seed: int


def _float(text: str, field: str, label: str, errors: list[tuple[str, str]]) -> float | None:
    t = text.strip()
    if not t:
        return None
    try:
        x = float(t)
    except ValueError:
        x = math.nan
    if not math.isfinite(x):
        errors.append((field, f"{label} must be a number, like 0.5; got {t!r}"))
        return None
    return x


def _whole(text: str, field: str, label: str, lo: int, hi: int, errors: list[Any]) -> int:
    t = text.strip()
    if not t.isdigit() or not lo <= int(t) <= hi:
        errors.append((field, f"{label} must be a whole number from {lo:,} to {hi:,}; got {t!r}"))
        return lo
    return int(t)


#: The most draws a simulation may ask for (signed-in users, and the CLI has no limit).
MAX_DRAWS = 20_000
#: The most draws for visitors who are not signed in: a 20,000-draw simulation costs 1-2
#: CPU seconds, so anonymous requests are kept cheaper (and cached; see run_simulation).
ANON_MAX_DRAWS = 5_000
#: How many simulation results each app keeps (least recently used first out).
SIMULATION_CACHE_SIZE = 64


def max_draws(request: Request) -> int:
    """:data:`MAX_DRAWS` for a signed-in user, :data:`ANON_MAX_DRAWS` for anyone else."""
    session = getattr(request.state, "session", {}) or {}
    return MAX_DRAWS if session.get("uid") is not None else ANON_MAX_DRAWS


def parse_simulation(
    form: SimulationForm, most_draws: int = MAX_DRAWS
) -> tuple[SimulationRequest | None, list[tuple[str, str]]]:
    """Check the form; return the request (or ``None``) and a list of (field, message).

    Decile effects are central values (blank = 0); the range of each is central x (1 -
    spread%) to central x (1 + spread%). Via a determinant, the per-unit effect is a
    range low <= central <= high (blank low/high = the central value).
    """
    errors: list[tuple[str, str]] = []
    name = form.name.strip() or "Policy option"
    if name == EVEN_NAME:
        errors.append(("name", f"Option name must differ from {EVEN_NAME!r}"))
    if form.via not in ("indicator", "determinant"):
        errors.append(("via", "Choose whether the effect is on the indicator or a determinant"))
    central = [
        _float(v, f"effect-{i + 1}", f"Effect on decile {i + 1}", errors)
        for i, v in enumerate(form.effects)
    ]
    spread = _float(form.spread, "spread", "Uncertainty", errors)
    if spread is not None and not 0 <= spread <= 100:
        errors.append(("spread", f"Uncertainty must be from 0 to 100 per cent; got {spread:g}"))
    per_unit = Range(1.0, 1.0, 1.0)
    if form.via == "determinant":
        c = _float(form.per_unit, "per_unit", "Effect per unit", errors)
        lo = _float(form.per_unit_low, "per_unit_low", "Lowest effect per unit", errors)
        hi = _float(form.per_unit_high, "per_unit_high", "Highest effect per unit", errors)
        if c is None and not any(f == "per_unit" for f, _ in errors):
            errors.append(
                ("per_unit", "Enter the effect on the indicator per unit of the determinant")
            )
        elif c is not None:
            lo = c if lo is None else lo
            hi = c if hi is None else hi
            if not lo <= c <= hi:
                errors.append(
                    (
                        "per_unit_low",
                        f"Effect per unit range must have lowest <= central <= highest; got "
                        f"{lo:g}, {c:g}, {hi:g}",
                    )
                )
            else:
                per_unit = Range(lo, c, hi)
    values = [0.0 if v is None else v for v in central]
    if not errors and not any(values):
        errors.append(("effect-1", "Enter the expected effect on at least one decile"))
    draws = _whole(form.draws, "draws", "Draws", 100, MAX_DRAWS, errors)
    if most_draws < draws <= MAX_DRAWS:
        errors.append(
            (
                "draws",
                f"Draws must be at most {most_draws:,} when you are not signed in; got "
                f"{draws:,}. Sign in for up to {MAX_DRAWS:,}, or run `healthgap policy "
                "simulate` on your own computer",
            )
        )
    seed = _whole(form.seed, "seed", "Seed", 0, 2**32 - 1, errors)
    if errors:
        return None, errors
    p = (spread or 0.0) / 100.0
    effect = {
        d + 1: Range(v - abs(v) * p, v, v + abs(v) * p) for d, v in enumerate(values) if v != 0
    }
    via: Literal["indicator", "determinant"] = (
        "determinant" if form.via == "determinant" else "indicator"
    )
    options = [
        PolicyOption(name, effect, via=via, per_unit=per_unit, determinant=form.determinant.strip())
    ]
    if form.compare:
        mean = sum(values) / DECILES  # deciles hold equal shares of the population
        options.append(
            PolicyOption(
                EVEN_NAME,
                {"all": Range(mean - abs(mean) * p, mean, mean + abs(mean) * p)},
                via=via,
                per_unit=per_unit,
                determinant=form.determinant.strip(),
            )
        )
    return SimulationRequest(tuple(options), draws, seed), []


def simulation_inputs(store_: Any) -> dict[str, Any]:
    """The real baseline (ONS male HLE by IMD 2015 decile, 2015-2017, with standard
    errors from its 95% limits) and the regions (ONS male HLE by region, with each
    region's population by national IMD 2019 decile), read from the store."""
    return {
        "baseline": baseline_from_store(store_, BASELINE_INDICATOR, sex=SEX, period=PERIOD),
        "regions": regions_from_store(store_, REGIONS_INDICATOR, sex=SEX, period=PERIOD),
    }


def cached_simulation(request: Request, st: StoreHandle, req: SimulationRequest) -> Simulation:
    """:func:`run_simulation`, cached per app by the parsed request (so the page, its two
    CSV downloads and the API share one computation, and a repeated request costs
    nothing; seeded, so a cached result is exactly what a new run would give)."""
    cache: ResultCache | None = getattr(request.app.state, "simulation_cache", None)
    if cache is None:
        cache = request.app.state.simulation_cache = ResultCache(SIMULATION_CACHE_SIZE)
    return cache.get_or_compute(repr(req), lambda: run_simulation(st, req))


def run_simulation(st: StoreHandle, req: SimulationRequest) -> Simulation:
    """:func:`healthgap.policy.simulate` on the store's baseline for the request."""
    inputs = st.compute(simulation_inputs)
    baseline = inputs["baseline"]
    return simulate(
        baseline,
        req.options,
        se="se" if "se" in baseline else None,
        regions=inputs["regions"],
        indicator="male healthy life expectancy at birth (years)",
        draws=req.draws,
        seed=req.seed,
    )


def _form_from(params: Mapping[str, Any]) -> SimulationForm:
    return SimulationForm(
        name=str(params.get("name", "Policy option")),
        via=str(params.get("via", "indicator")),
        effects=tuple(str(params.get(f"effect_{d}", "")) for d in range(1, DECILES + 1)),
        spread=str(params.get("spread", "50")),
        determinant=str(params.get("determinant", "")),
        per_unit_low=str(params.get("per_unit_low", "")),
        per_unit=str(params.get("per_unit", "")),
        per_unit_high=str(params.get("per_unit_high", "")),
        compare=str(params.get("compare", "")) == "yes",
        draws=str(params.get("draws", "2000")),
        seed=str(params.get("seed", "1")),
    )


@router.get("/policy/simulate", response_class=HTMLResponse, include_in_schema=False)
def policy_simulate(request: Request, st: StoreDep) -> Any:
    params = request.query_params
    submitted = "run" in params
    form = _form_from(params) if submitted else SimulationForm()
    ctx: dict[str, Any] = {
        "f": form,
        "errors": [],
        "sim": None,
        "deciles": DECILES,
        "baseline_se": "se" in st.compute(simulation_inputs)["baseline"],
    }
    if not submitted:
        return render(request, "policy_simulate.html", ctx)
    req, errors = parse_simulation(form, max_draws(request))
    if req is None:
        ctx.update(errors=errors, error_for=dict(errors))
        return render(request, "policy_simulate.html", ctx, status_code=400)
    sim = cached_simulation(request, st, req)
    query = str(request.url.query)
    ctx.update(
        sim=sim,
        summary=sim.summary.to_dict("records"),
        plane=sim.plane.to_dict("records"),
        decile_rows=_decile_rows(sim),
        figure=equity_plane(
            sim.plane,
            title="Equity-impact plane",
            x_title="Change in mean (years)",
            y_title="Equity: minus the change in SII (years; up = narrower gap)",
            table_options=PLANE_TABLE,
        ),
        csv=f"/api/v1/policy/simulate?{query}&format=csv&table=plane",
        csv_summary=f"/api/v1/policy/simulate?{query}&format=csv&table=summary",
        error_for={},
    )
    return render(request, "policy_simulate.html", ctx)


def _decile_rows(sim: Simulation) -> list[dict[str, Any]]:
    d = sim.deciles
    return records(d[d.option == sim.options[0].name])


@router.get("/api/v1/policy/simulate", summary="Simulate a policy's effect on the HLE gap")
def api_simulate(
    request: Request,
    st: StoreDep,
    format: Literal["json", "csv"] = Query("json", description="json or csv."),
    table: Literal["summary", "plane", "deciles"] = Query(
        "summary", description="With format=csv: which table."
    ),
) -> Any:
    """The same parameters as the /policy/simulate form (name, via, effect_1..effect_10,
    spread, determinant, per_unit_low, per_unit, per_unit_high, compare=yes, draws,
    seed)."""
    req, errors = parse_simulation(_form_from(request.query_params), max_draws(request))
    if req is None:
        message = errors[0][1]
        raise WebError(
            400,
            "invalid_input",
            f"{message}.",
            [{"location": ["query", f], "message": m} for f, m in errors],
        )
    sim = cached_simulation(request, st, req)
    if format == "csv":
        frame = {"summary": sim.summary, "plane": sim.plane, "deciles": sim.deciles}[table]
        return csv_response(frame, f"policy-simulation-{table}")
    return {
        "indicator": sim.indicator,
        "draws": sim.draws,
        "seed": sim.seed,
        "confidence": sim.confidence,
        "verdicts": dict(sim.verdicts),
        "notes": list(sim.notes),
        "references": list(sim.references),
        "summary": records(sim.summary),
        "plane": records(sim.plane),
        "deciles": records(sim.deciles),
    }
