"""Reports on the ledger: spend per head and its concentration against need.

:func:`ledger_summary` gives spend per head by deprivation decile, Core20, provider type
or programme, and the concentration index of spend per head against need;
:func:`write_report` writes it as CSV files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.ledger.records import area_levels, ledger_flows
from healthgap.safe_csv import csv_text
from healthgap.stats.inequality.concentration import ConcentrationIndex, concentration_index

LEVELS: tuple[str, ...] = ("lsoa", "lad", "utla", "icb")
BY_OPTIONS: tuple[str, ...] = ("decile", "core20", "provider-type", "programme")
By = Literal["decile", "core20", "provider-type", "programme"]
LICENCE = "Open Government Licence v3.0"


POPULATION_SOURCE = (
    "MHCLG English Indices of Deprivation 2019, File 6 (LSOA populations mid-2015, ONS); "
    "area IMD scores and deciles from healthgap.geography"
)


#: The allocation year of the NHS need index that weights populations.
NEED_YEAR = "2025/26"


NEED_SOURCE = (
    f"need-weighted population = population x NHS England's published need index "
    f"({NEED_YEAR} final weighted population per registered patient; practices counted in "
    "the district of their address; an LSOA takes its district's index, an ICB its own)"
)


def _area_table(store: Store | str | None, level: str) -> pd.DataFrame:
    """area_code, population, need (IMD 2019 average score), imd_decile and core20."""
    from healthgap.geography import deprivation_deciles, imd_lsoas

    if level == "lsoa":
        lsoas = imd_lsoas(store, imd=2019)
        return pd.DataFrame(
            {
                "area_code": lsoas["lsoa_code"],
                "population": lsoas["population"],
                "need": lsoas["imd_score"],
                "imd_decile": lsoas["imd_decile"],
                "core20": lsoas["imd_decile"].isin((1, 2)),
            }
        )
    kwargs: dict[str, Any] = {"lad_vintage": 2024} if level == "lad" else {}
    d = deprivation_deciles(store, to=level, imd=2019, **kwargs)
    return pd.DataFrame(
        {
            "area_code": d[f"{level}_code"],
            "population": d["population"],
            "need": d["imd_average_score"],
            "imd_decile": d["imd_decile"],
            "core20": pd.NA,
        }
    )


def _need_index(store: Store | str | None, level: str) -> pd.DataFrame:
    """area_code and NHS England's need index per head (:data:`NEED_YEAR`) at ``level``."""
    from healthgap.allocate import need as nhs
    from healthgap.geography import lsoa_lookup
    from healthgap.geography.hierarchy import using

    with using(store) as s:
        if level in ("lad", "utla"):
            f = nhs.footprint_need(s, NEED_YEAR, level)
            return pd.DataFrame({"area_code": f["code"], "need_index": f["need_index"]})
        if level == "icb":
            icb = nhs.icb_need(s, NEED_YEAR).set_index("icb_code")["need_index"]
            parts = []
            for table, e54, ods in (
                ("lookup_sicbl22_icb22_names_en", "icb22_code", "icb22_code_h"),
                ("lookup_sicbl24_icb24_names_en", "icb24_code", "icb24_code_nhs"),
            ):
                names = s.to_pandas(s.table(table)).drop_duplicates(e54)
                parts.append(
                    pd.DataFrame({"area_code": names[e54], "need_index": names[ods].map(icb)})
                )
            return pd.concat(parts, ignore_index=True).drop_duplicates("area_code")
        lad = nhs.footprint_need(s, NEED_YEAR, "lad").set_index("code")["need_index"]
        lsoas = pd.concat(
            [lsoa_lookup(s, lsoa_vintage=v)[["lsoa_code", "lad_code"]] for v in (2011, 2021)]
        ).drop_duplicates("lsoa_code")
        return pd.DataFrame(
            {"area_code": lsoas["lsoa_code"], "need_index": lsoas["lad_code"].map(lad)}
        )


@dataclass(frozen=True)
class LedgerSummary:
    """The tables behind a ledger report.

    ``table``: the ``by`` breakdown (spend in pounds, population, spend per head, and
    per need-weighted head: ``need_weighted_population`` and
    ``spend_per_need_weighted_head``, :data:`NEED_SOURCE`);
    ``areas``: spend per head of each area with its need and decile; ``unattached``:
    flows whose area has no IMD 2019 population (e.g. LSOA 2021 codes new in 2021);
    ``concentration``: the concentration index of spend per head against need (areas
    ranked most deprived first; negative = spend concentrated where need is higher);
    ``metadata``: source, period, licence, disclosure note.
    """

    table: pd.DataFrame
    areas: pd.DataFrame
    unattached: pd.DataFrame
    concentration: ConcentrationIndex | None
    metadata: dict[str, Any]


def ledger_summary(
    session: Session,
    store: Store | str | None,
    *,
    by: str = "decile",
    period: str | None = None,
    commissioner: str | Iterable[str] | None = None,
    programme: str | None = None,
    need: pd.DataFrame | None = None,
    disclose: bool = True,
) -> LedgerSummary:
    """Spend per head by deprivation decile, Core20, provider type or programme, and the
    concentration index of spend per head against need.

    Areas are the ones the flows name (all at one level: LSOA, LAD, UTLA or ICB);
    populations are IMD 2019's mid-2015 figures summed to that level. ``need`` (columns
    ``area_code`` and ``need``, higher = more need) replaces the IMD score as the
    ranking for the concentration index. Population counts in the output go through
    :func:`healthgap.data.disclosure.apply_disclosure` unless ``disclose=False``.
    """
    if by not in BY_OPTIONS:
        raise InputError(f"--by must be one of {', '.join(BY_OPTIONS)}; got {by!r}.")
    flows = ledger_flows(session, period=period, commissioner=commissioner, programme=programme)
    if flows.empty:
        raise InputError(
            "the ledger must hold flows for the report; got none"
            + (f" for period {period}" if period else "")
            + ". Import flows with `healthgap ledger import FILE --kind flows`."
        )
    levels = area_levels(store)
    flows = flows.merge(levels, on="area_code", how="left")
    found = flows["level"].dropna().unique().tolist()
    if len(found) != 1:
        counts = flows["level"].fillna("unknown").value_counts().to_dict()
        raise InputError(
            f"flows in one report must all name areas at one level (LSOA, LAD, UTLA or ICB); "
            f"got {counts}. Report one commissioner or programme at a time with "
            "--commissioner/--programme."
        )
    level = found[0]
    if by == "core20" and level != "lsoa":
        raise InputError(
            f"--by core20 must use flows to LSOAs (Core20 is the most deprived 20% of LSOAs); "
            f"got flows to {level.upper()} areas. Use --by decile for {level.upper()} areas."
        )
    areas_all = _area_table(store, level)
    if need is not None:
        if not {"area_code", "need"} <= set(need.columns):
            raise InputError(
                f"need must have columns area_code and need; got {', '.join(need.columns)}."
            )
        areas_all = areas_all.drop(columns="need").merge(
            need[["area_code", "need"]], on="area_code", how="left"
        )
    spend = flows.groupby("area_code", as_index=False)["amount_pence"].sum()
    areas = spend.merge(areas_all, on="area_code", how="left")
    areas = areas.merge(_need_index(store, level), on="area_code", how="left")
    areas["need_weighted_population"] = areas["population"] * areas["need_index"]
    missing = areas["population"].isna() | areas["need"].isna() | (areas["population"] <= 0)
    unattached = areas[missing][["area_code", "amount_pence"]].reset_index(drop=True)
    areas = pd.DataFrame(areas[~missing]).reset_index(drop=True)
    areas["spend_pounds"] = areas["amount_pence"] / 100.0
    areas["spend_per_head"] = areas["spend_pounds"] / areas["population"]
    areas["spend_per_need_weighted_head"] = (
        areas["spend_pounds"] / areas["need_weighted_population"]
    )
    attached = flows[flows["area_code"].isin(areas["area_code"])]
    table = _breakdown(by, attached, areas)
    ci = None
    if len(areas) >= 2 and areas["spend_pounds"].sum() > 0:
        ci = concentration_index(
            areas["spend_per_head"].to_numpy(),
            rank=-areas["need"].to_numpy(dtype=float),
            weights=areas["population"].to_numpy(dtype=float),
        )
    metadata: dict[str, Any] = {
        "title": f"Spend per head by {by.replace('-', ' ')}",
        "source": "healthgap ledger (app database): imported flows"
        + "; population and deprivation: "
        + POPULATION_SOURCE,
        "period": period or ", ".join(sorted(flows["period"].unique())),
        "commissioner": ", ".join(sorted(flows["commissioner_code"].unique())),
        "programme": programme or "all",
        "area_level": level,
        "licence": LICENCE,
        "amounts": "pounds (stored as whole pence)",
        "generated": dt.date.today().isoformat(),
        "unattached_spend_pounds": float(unattached["amount_pence"].sum()) / 100.0,
        "need_weighting": NEED_SOURCE,
        "disclosure": "none applied",
    }
    from healthgap.ledger.synthetic import SYNTHETIC_LABEL

    if flows["source_ref"].str.contains(SYNTHETIC_LABEL, regex=False).any():
        metadata["synthetic"] = f"this ledger holds {SYNTHETIC_LABEL}"
    if "example" in flows and flows["example"].any():
        n = int(flows["example"].sum())
        metadata["example"] = (
            f"{n} of {len(flows)} flows are EXAMPLE records of the illustrative example "
            "workspace (commissioner "
            + ", ".join(sorted(flows.loc[flows["example"], "commissioner_code"].unique()))
            + "), not real spending"
        )
    if disclose:
        table, note = _disclose(table)
        areas_pub, note_a = _disclose(areas.drop(columns=["amount_pence"]))
        areas = areas_pub
        metadata["disclosure"] = note if note == note_a else f"{note}; {note_a}"
    else:
        areas = areas.drop(columns=["amount_pence"])
    return LedgerSummary(table, areas, unattached, ci, metadata)


def _breakdown(by: str, flows: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    if by in ("decile", "core20"):
        key = "imd_decile" if by == "decile" else "core20"
        g = areas.groupby(key, as_index=False).agg(
            areas=("area_code", "size"),
            population=("population", "sum"),
            need_weighted_population=("need_weighted_population", lambda x: x.sum(min_count=1)),
            spend_pence=("amount_pence", "sum"),
        )
        g["spend_pounds"] = g.pop("spend_pence") / 100.0
        if by == "core20":
            g["core20"] = np.where(g["core20"].astype(bool), "Core20", "Rest")
    else:
        key = "provider_type" if by == "provider-type" else "programme"
        total_pop = float(areas["population"].sum())
        g = flows.groupby(key, as_index=False).agg(spend_pence=("amount_pence", "sum"))
        g["spend_pounds"] = g.pop("spend_pence") / 100.0
        g["population"] = total_pop
        g["need_weighted_population"] = areas["need_weighted_population"].sum(min_count=1)
    g["spend_per_head"] = g["spend_pounds"] / g["population"]
    g["spend_per_need_weighted_head"] = g["spend_pounds"] / g["need_weighted_population"]
    g["spend_share"] = g["spend_pounds"] / g["spend_pounds"].sum()
    return g.reset_index(drop=True)


def _disclose(table: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Population counts through the NHS disclosure rule (1-7 withheld, others rounded to
    5); spend per head (derived from a population) is withheld with its count."""
    from healthgap.data.disclosure import apply_disclosure

    counts = table.copy()
    derived = [
        c
        for c in ("spend_per_head", "need_weighted_population", "spend_per_need_weighted_head")
        if c in counts.columns
    ]
    keys = [c for c in counts.columns if c not in ("population", *derived)]
    counts["population"] = counts["population"].round().astype("int64")
    result = apply_disclosure(
        counts,
        count_columns="population",
        derived_columns=derived,
        group_by=[k for k in keys if counts[k].is_unique][:1] or None,
    )
    out = result.to_pandas()
    return out, result.policy.describe()


def write_report(summary: LedgerSummary, out: Path) -> None:
    """Write the report as CSV (``#`` metadata lines, then the table), JSON (metadata,
    table, areas, concentration index) or HTML."""
    import json

    suffix = out.suffix.lower()
    if suffix == ".csv":
        head = "".join(f"# {k}: {v}\n" for k, v in summary.metadata.items())
        if summary.concentration is not None:
            c = summary.concentration
            head += (
                f"# concentration_index: {c.value:.6f} (se {c.se:.6f}, "
                f"95% CI {c.lower:.6f} to {c.upper:.6f}, {c.n} areas)\n"
            )
        out.write_text(head + csv_text(summary.table), encoding="utf-8")
    elif suffix == ".json":
        doc = {
            "metadata": summary.metadata,
            "table": json.loads(summary.table.to_json(orient="records")),
            "areas": json.loads(summary.areas.to_json(orient="records")),
            "unattached": json.loads(summary.unattached.to_json(orient="records")),
            "concentration_index": (
                summary.concentration.to_dict() if summary.concentration else None
            ),
        }
        out.write_text(json.dumps(doc, indent=2, default=str), encoding="utf-8")
    elif suffix in (".html", ".htm"):
        import html

        meta = "".join(
            f"<tr><th scope='row'>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
            for k, v in summary.metadata.items()
        )
        title = html.escape(summary.metadata["title"])
        body = summary.table.to_html(index=False, border=0, na_rep="[withheld]")
        end = body.index(">", body.index("<table")) + 1
        body = f"{body[:end]}<caption>{title}</caption>{body[end:]}"
        out.write_text(
            f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
            f"</head><body><h1>{title}</h1><table><caption>About these figures</caption>"
            f"{meta}</table>{body}</body></html>",
            encoding="utf-8",
        )
    else:
        raise InputError(f"--out must end in .csv, .json or .html; got {out.name!r}.")
