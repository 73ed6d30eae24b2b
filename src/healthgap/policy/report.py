"""Render policy results: the simulation report (HTML with an SVG equity-impact plane)
and exports of screening records (Markdown, HTML, JSON).

Everything is self-contained: the chart is the web's equity-plane spec
(:mod:`healthgap.charts`) converted to inline SVG offline by vl-convert; no script or
stylesheet is fetched from elsewhere.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import jinja2
import numpy as np

from healthgap.charts import Chart, equity_plane
from healthgap.charts.render import svg
from healthgap.errors import InputError
from healthgap.policy.questions import BY_ID, STAGES
from healthgap.policy.screening import Screening
from healthgap.policy.simulate import MEASURES, Simulation
from healthgap.stats import _schema as col

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)

_STYLE = """
body{font-family:Arial,Helvetica,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#0b0c0c;line-height:1.4}
table{border-collapse:collapse;margin:1rem 0;font-size:0.9rem}
caption{text-align:left;font-weight:bold;padding:0.3rem 0}
th,td{border-bottom:1px solid #b1b4b6;padding:0.3rem 0.5rem;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.verdict-narrows{color:#00703c;font-weight:bold}.verdict-widens{color:#d4351c;font-weight:bold}
.note{color:#505a5f}
"""

_SIM_TEMPLATE = _ENV.from_string(
    """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{{ title }}</title><style>{{ style }}</style></head>
<body><main>
<h1>{{ title }}</h1>
{% if description %}<p>{{ description }}</p>{% endif %}
<p>Indicator: {{ sim.indicator }}. {{ sim.draws }} Monte Carlo draws (seed {{ sim.seed }}),
{{ level_pct }}% intervals. A verdict is given only when the whole interval of the change
in the gap is on one side of zero.</p>
<h2 id="verdicts">Verdicts</h2>
<table><caption>Change in the slope index of inequality (SII) by option</caption>
<thead><tr><th scope="col">Option</th><th scope="col">SII change</th>
<th scope="col">{{ level_pct }}% interval</th><th scope="col">Mean change</th>
<th scope="col">Verdict</th></tr></thead><tbody>
{% for r in verdict_rows %}<tr><th scope="row">{{ r.option }}</th>
<td class="num">{{ r.change }}</td><td class="num">{{ r.interval }}</td>
<td class="num">{{ r.mean }}</td>
<td class="verdict-{{ r.verdict.split()[0] }}">{{ r.verdict }}</td></tr>{% endfor %}
</tbody></table>
<h2 id="plane">Equity-impact plane</h2>
<p>Right: better on average (efficiency, change in the mean). Up: narrower gap (equity,
minus the change in the SII). Bars: {{ level_pct }}% intervals.</p>
<figure>{{ svg|safe }}<figcaption>Equity-impact plane for {{ sim.options|length }}
options.</figcaption></figure>
<h2 id="measures">All measures</h2>
{% for opt in options %}
<table><caption>{{ opt.name }}{% if opt.description %}: {{ opt.description }}{% endif %}
</caption><thead><tr><th scope="col">Measure</th><th scope="col">Baseline</th>
<th scope="col">Projected</th><th scope="col">Change</th>
<th scope="col">{{ level_pct }}% interval</th><th scope="col">Verdict</th></tr></thead><tbody>
{% for r in opt.rows %}<tr><th scope="row">{{ r.label }}</th><td class="num">{{ r.baseline }}</td>
<td class="num">{{ r.projected }}</td><td class="num">{{ r.change }}</td>
<td class="num">{{ r.interval }}</td><td>{{ r.verdict }}</td></tr>{% endfor %}
</tbody></table>
{% endfor %}
<h2 id="deciles">Projected values by decile</h2>
<table><caption>Baseline and central projection by deprivation decile (1 = most
deprived)</caption><thead><tr><th scope="col">Decile</th><th scope="col">Baseline</th>
{% for o in sim.options %}<th scope="col">{{ o.name }}</th>{% endfor %}</tr></thead><tbody>
{% for r in decile_rows %}<tr><th scope="row">{{ r[0] }}</th>{% for v in r[1:] %}
<td class="num">{{ v }}</td>{% endfor %}</tr>{% endfor %}</tbody></table>
{% if sim.notes %}<h2 id="notes">Notes</h2><ul>{% for n in sim.notes %}<li>{{ n }}</li>
{% endfor %}</ul>{% endif %}
<h2 id="method">Method and references</h2>
<p class="note">Each option's effect on each decile (or on a determinant, times its effect
per unit) is drawn from a two-piece normal whose 2.5% and 97.5% points are the stated
range, one draw per scenario for all deciles; the same scenarios are used for every option.
Atkinson aversion {{ sim.parameters.atkinson_aversion }}, Kolm aversion
{{ sim.parameters.kolm_aversion }}.</p>
<ul>{% for ref in sim.references %}<li>{{ ref }}</li>{% endfor %}</ul>
</main></body></html>
"""
)


def _f(x: Any, digits: int = 3) -> str:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    return "" if np.isnan(v) else f"{v + 0.0:,.{digits}f}"


def plane_chart(sim: Simulation) -> Chart:
    """The equity-impact plane (efficiency x, equity y, with interval lines), the same
    chart the web's simulation page draws (:func:`healthgap.charts.equity_plane`)."""
    lvl = sim.confidence
    return equity_plane(
        sim.plane,
        title="Equity-impact plane",
        x_title=f"Efficiency: change in mean {sim.indicator}",
        y_title="Equity: reduction in SII",
        lower=col.lower(lvl),
        upper=col.upper(lvl),
    )


def plane_svg(sim: Simulation) -> str:
    """The equity-impact plane as an SVG string (rendered offline by vl-convert)."""
    return svg(
        plane_chart(sim),
        title="Equity-impact plane",
        description="Right is better on average, up is a narrower gap; lines are intervals.",
    )


def simulation_html(
    sim: Simulation, title: str = "Policy equity impact", description: str = ""
) -> str:
    """The self-contained HTML report of a simulation."""
    lvl = sim.confidence
    lo, hi = col.lower(lvl, "change_"), col.upper(lvl, "change_")
    s = sim.summary
    verdict_rows = []
    options = []
    for opt in sim.options:
        rows = s[s.option == opt.name].set_index("measure")
        sii, mean = rows.loc["sii"], rows.loc["mean"]
        verdict_rows.append(
            {
                "option": opt.name,
                "change": _f(sii.change),
                "interval": f"{_f(sii[lo])} to {_f(sii[hi])}",
                "mean": _f(mean.change),
                "verdict": sim.verdicts[opt.name],
            }
        )
        options.append(
            {
                "name": opt.name,
                "description": opt.description,
                "rows": [
                    {
                        "label": MEASURES[str(m)][0],
                        "baseline": _f(r.baseline),
                        "projected": _f(r.projected),
                        "change": _f(r.change),
                        "interval": f"{_f(r[lo])} to {_f(r[hi])}",
                        "verdict": r.verdict,
                    }
                    for m, r in rows.iterrows()
                ],
            }
        )
    d = sim.deciles
    wide = d.pivot(index="quantile", columns="option", values="projected")
    base = d.drop_duplicates("quantile").set_index("quantile")["baseline"]
    decile_rows = [
        [int(q), _f(base[q], 2), *(_f(wide.loc[q, o.name], 2) for o in sim.options)]
        for q in wide.index
    ]
    return _SIM_TEMPLATE.render(
        title=title,
        description=description,
        style=_STYLE,
        sim=sim,
        level_pct=f"{lvl * 100:g}",
        verdict_rows=verdict_rows,
        options=options,
        decile_rows=decile_rows,
        svg=plane_svg(sim),
    )


# --------------------------------------------------------------------- screening exports

FORMATS = ("md", "html", "json")


def _answer_text(value: Any) -> str:
    if value is None:
        return "(not answered)"
    if isinstance(value, list):
        return "; ".join(value)
    return str(value)


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="seconds")


def screening_json(record: Screening) -> str:
    """The record as JSON: current answers, status, fingerprint and the full history."""
    payload = {
        "id": record.id,
        "title": record.title,
        "authority_code": record.authority_code,
        "created_at": _iso(record.created_at),
        "created_by": record.created_by,
        "status": record.status,
        "fingerprint": record.fingerprint,
        "example": record.example,
        "answers": {
            stage: {qid: ans for qid, _, ans in record.stage_answers(stage) if ans is not None}
            for stage in STAGES
        },
        "history": [
            {
                "seq": e.seq,
                "at": _iso(e.at),
                "actor": e.actor,
                "kind": e.kind,
                "question_id": e.question_id,
                **e.payload,
            }
            for e in record.history
        ],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


def screening_markdown(record: Screening) -> str:
    """The record as Markdown: answers by stage, sign-offs, and the full history."""
    lines = [
        f"# Health equity screening: {record.title}",
        "",
        f"Record {record.id} of authority {record.authority_code}, started "
        f"{_iso(record.created_at)} by {record.created_by}. "
        f"Status: **{record.status}**. Answers fingerprint (SHA-256): `{record.fingerprint}`.",
        "",
    ]
    if record.example:
        lines += [
            "**EXAMPLE**: an illustrative screening from the example workspace, not real.",
            "",
        ]
    for stage in STAGES:
        lines += [f"## {stage.capitalize()}", ""]
        for qid, text, ans in record.stage_answers(stage):
            who = record.answered_by.get(qid)
            by = f" _(answered by {who[0]}, {_iso(who[1])})_" if who else ""
            lines += [f"**{text}**", "", f"{_answer_text(ans)}{by}", ""]
    lines += ["## Sign-off", ""]
    if not record.signoffs:
        lines += ["Not signed off.", ""]
    for e in record.signoffs:
        current = (
            "current answers"
            if e.payload["fingerprint"] == record.fingerprint
            else ("earlier answers, since changed")
        )
        lines += [
            f"- Signed off by {e.actor} ({e.payload['role']}) on {_iso(e.at)}; "
            f"fingerprint `{e.payload['fingerprint'][:16]}...` ({current})."
            + (f" Statement: {e.payload['statement']}" if e.payload.get("statement") else ""),
        ]
    lines += ["", "## History", "", "| # | when | who | what |", "|---|---|---|---|"]
    for e in record.history:
        what = e.kind.replace("_", " ")
        if e.kind == "answered":
            what = f"answered {e.question_id}: {_answer_text(e.payload['value'])}"
        lines.append(f"| {e.seq} | {_iso(e.at)} | {e.actor} | {what.replace('|', '/')} |")
    return "\n".join(lines) + "\n"


_SCREEN_TEMPLATE = _ENV.from_string(
    """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Health equity screening: {{ r.title }}</title><style>{{ style }}</style></head>
<body><main>
<h1>Health equity screening: {{ r.title }}</h1>
{% if r.example %}<p><strong>EXAMPLE</strong>: an illustrative screening (example workspace).</p>
{% endif %}
<p>Record {{ r.id }} of authority {{ r.authority_code }}, started {{ iso(r.created_at) }}
by {{ r.created_by }}.
Status: <strong>{{ r.status }}</strong>. Answers fingerprint (SHA-256):
<code>{{ r.fingerprint }}</code>.</p>
{% for stage in stages %}<h2 id="stage-{{ stage }}">{{ stage|capitalize }}</h2>
<dl>{% for qid, text, ans in r.stage_answers(stage) %}<dt>{{ text }}</dt>
<dd>{{ answer(ans) }}{% if qid in r.answered_by %} <span class="note">(answered by
{{ r.answered_by[qid][0] }}, {{ iso(r.answered_by[qid][1]) }})</span>{% endif %}</dd>
{% endfor %}</dl>{% endfor %}
<h2 id="sign-off">Sign-off</h2>
{% if not r.signoffs %}<p>Not signed off.</p>{% endif %}
<ul>{% for e in r.signoffs %}<li>Signed off by {{ e.actor }} ({{ e.payload.role }}) on
{{ iso(e.at) }}, fingerprint <code>{{ e.payload.fingerprint[:16] }}...</code>
({{ "current answers" if e.payload.fingerprint == r.fingerprint
else "earlier answers, since changed" }}).{% if e.payload.statement %} Statement:
{{ e.payload.statement }}{% endif %}</li>{% endfor %}</ul>
<h2 id="history">History</h2>
<table><caption>Every event of this record, oldest first</caption>
<thead><tr><th scope="col">#</th><th scope="col">When</th><th scope="col">Who</th>
<th scope="col">What</th></tr></thead><tbody>
{% for e in r.history %}<tr><td>{{ e.seq }}</td><td>{{ iso(e.at) }}</td><td>{{ e.actor }}</td>
<td>{{ e.kind.replace("_", " ") }}{% if e.question_id %} {{ e.question_id }}:
{{ answer(e.payload.value) }}{% endif %}</td></tr>{% endfor %}</tbody></table>
</main></body></html>
"""
)


def screening_html(record: Screening) -> str:
    """The record as a self-contained HTML page."""
    return _SCREEN_TEMPLATE.render(
        r=record, stages=STAGES, style=_STYLE, iso=_iso, answer=_answer_text
    )


def export_screening(record: Screening, fmt: str) -> str:
    """The record in ``fmt``: ``"md"``, ``"html"`` or ``"json"``."""
    if fmt not in FORMATS:
        raise InputError(
            f"format must be one of {', '.join(FORMATS)}; got {fmt!r}. Use md for a document, "
            "html for a web page, json for other systems."
        )
    return {"md": screening_markdown, "html": screening_html, "json": screening_json}[fmt](record)


__all__ = [
    "BY_ID",
    "export_screening",
    "plane_chart",
    "plane_svg",
    "screening_html",
    "screening_json",
    "screening_markdown",
    "simulation_html",
]
