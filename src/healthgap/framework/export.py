# ruff: noqa: E501
"""Export an authority's framework: Markdown, HTML (Jinja2), PDF (WeasyPrint), CSV, JSON.

The export holds the register entry (tier, members, partner ICBs, powers with sources),
the enquiry notes and lever map, the action plan, the joint commitments with what each
partner commits to and, when a store is given, progress against the linked indicators. CSV is the open-data form: one row per action-indicator
link (actions without indicators have one row with an empty indicator).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from jinja2 import Environment, select_autoescape

from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.framework.actions import ActionPlan
from healthgap.framework.commitments import Commitments
from healthgap.framework.enquiry import Enquiry
from healthgap.framework.powers import COMPETENCES, Register
from healthgap.framework.storage import Workspace
from healthgap.safe_csv import to_csv

Format = Literal["md", "html", "pdf", "csv", "json"]
FORMATS: tuple[str, ...] = ("md", "html", "pdf", "csv", "json")

_MD = """# {{ a.name }} ({{ a.code }}): devolution framework

- Kind: {{ a.kind }}
- Tier: {{ a.tier_label }}{% if a.tier_source %} (source: {{ src(a.tier_source) }}){% endif %}
- As of: {{ a.as_of }}
{% if a.note %}- Note: {{ a.note }}
{% endif %}
## Member councils ({{ members|length }})

{% for m in members %}- {{ m.lad_name }} ({{ m.lad_code }})
{% endfor %}
## Partner ICBs

| ICB | Share of authority's LSOAs | Share of ICB's LSOAs |
|---|---|---|
{% for i in icbs %}| {{ i.icb_name }} ({{ i.icb_code }}) | {{ "%.1f%%"|format(100 * i.share_of_authority) }} | {{ "%.1f%%"|format(100 * i.share_of_icb) }} |
{% endfor %}
## Powers and budgets

{% for p in a.powers %}- **{{ p.id }}** ({{ p.kind }}, {{ p.status }}{% if not p.verified %}, unverified{% endif %}): {{ p.text }} Source: {{ src(p.source) }}, as of {{ p.as_of }}.
{% endfor %}
## Lever map

{% for r in levers %}{% if r.levers or r.powers %}### {{ r.competence }}

- Levers: {{ r.levers|join("; ") or "none recorded" }}
- Partners: {{ r.partners|join("; ") or "none recorded" }}
- Powers: {{ r.powers|join(", ") or "none recorded" }}

{% endif %}{% endfor %}
## Action plan

{% for x in actions %}- **{{ x.title }}**{% if x.example %} [EXAMPLE: illustrative]{% endif %} ({{ x.status }}) owner: {{ x.owner or "not set" }}; due: {{ x.due or "not set" }}; indicators: {{ x.indicators|join(", ") or "none" }}
{% else %}No actions recorded.
{% endfor %}
## Joint commitments

{% for c in commitments %}- **{{ c.title }}**{% if c.example %} [EXAMPLE: illustrative]{% endif %} ({{ c.status }}; agreed: {{ c.agreed or "not yet" }}; due: {{ c.due or "not set" }}){% if c.authority_commits %} {{ a.name }} commits to: {{ c.authority_commits }}.{% endif %}
{% for p in parties if p.commitment_id == c.id %}  - {{ p.name }} ({{ p.type }}): {{ p.commits_to }}; signed: {{ p.signed or "not yet" }}
{% endfor %}{% if c.levers or c.actions or c.indicators %}  - Levers: {{ c.levers|join("; ") or "none" }}; actions: {{ c.actions|join(", ") or "none" }}; indicators: {{ c.indicators|join(", ") or "none" }}
{% endif %}{% else %}No joint commitments recorded.
{% endfor %}
{% if progress %}## Progress

| Action | Indicator | Sex | Latest | Previous | Direction | Target |
|---|---|---|---|---|---|---|
{% for r in progress %}| {{ r.action_id }} | {{ r.indicator_id }} | {{ r.sex }} | {{ r.latest_value }} ({{ r.latest_period }}) | {{ r.previous_value }} ({{ r.previous_period }}) | {{ r.direction }} | {{ r.target }} |
{% endfor %}{% endif %}"""

_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{{ a.name }}: devolution framework</title>
<style>body{font-family:Arial,sans-serif;margin:2em}table{border-collapse:collapse}
td,th{border:1px solid #b1b4b6;padding:4px 8px;text-align:left}</style></head>
<body><h1>{{ a.name }} ({{ a.code }}): devolution framework</h1>
<p>Tier: {{ a.tier_label }}. As of {{ a.as_of }}.{% if a.note %} {{ a.note }}{% endif %}</p>
<h2>Member councils</h2><ul>{% for m in members %}<li>{{ m.lad_name }} ({{ m.lad_code }})</li>{% endfor %}</ul>
<h2>Partner ICBs</h2><table><caption>ICBs overlapping the authority (by LSOA 2021)</caption>
<tr><th scope="col">ICB</th><th scope="col">Share of authority</th><th scope="col">Share of ICB</th></tr>
{% for i in icbs %}<tr><td>{{ i.icb_name }}</td><td>{{ "%.1f%%"|format(100 * i.share_of_authority) }}</td><td>{{ "%.1f%%"|format(100 * i.share_of_icb) }}</td></tr>{% endfor %}</table>
<h2>Powers and budgets</h2><ul>{% for p in a.powers %}<li><strong>{{ p.id }}</strong> ({{ p.kind }}, {{ p.status }}{% if not p.verified %}, unverified{% endif %}): {{ p.text }} Source: {{ src(p.source) }}, as of {{ p.as_of }}.</li>{% endfor %}</ul>
<h2>Action plan</h2><table><caption>Actions</caption>
<tr><th scope="col">Action</th><th scope="col">Status</th><th scope="col">Owner</th><th scope="col">Due</th><th scope="col">Indicators</th></tr>
{% for x in actions %}<tr><td>{{ x.title }}{% if x.example %} <strong>[EXAMPLE]</strong>{% endif %}</td><td>{{ x.status }}</td><td>{{ x.owner or "" }}</td><td>{{ x.due or "" }}</td><td>{{ x.indicators|join(", ") }}</td></tr>{% endfor %}</table>
<h2>Joint commitments</h2><table><caption>Commitments agreed with partners</caption>
<tr><th scope="col">Commitment</th><th scope="col">Status</th><th scope="col">Agreed</th><th scope="col">Due</th><th scope="col">Partners: what each commits to (signed)</th></tr>
{% for c in commitments %}<tr><td>{{ c.title }}{% if c.example %} <strong>[EXAMPLE]</strong>{% endif %}{% if c.authority_commits %}<br>{{ a.name }}: {{ c.authority_commits }}{% endif %}</td><td>{{ c.status }}</td><td>{{ c.agreed or "" }}</td><td>{{ c.due or "" }}</td><td><ul>{% for p in parties if p.commitment_id == c.id %}<li>{{ p.name }}: {{ p.commits_to }} ({{ p.signed or "not signed" }})</li>{% endfor %}</ul></td></tr>{% endfor %}</table>
{% if progress %}<h2>Progress</h2><table><caption>Linked indicators: latest value and trend</caption>
<tr><th scope="col">Action</th><th scope="col">Indicator</th><th scope="col">Sex</th><th scope="col">Latest</th><th scope="col">Direction</th></tr>
{% for r in progress %}<tr><td>{{ r.action_id }}</td><td>{{ r.indicator_id }}</td><td>{{ r.sex }}</td><td>{{ r.latest_value }} ({{ r.latest_period }})</td><td>{{ r.direction }}</td></tr>{% endfor %}</table>{% endif %}
</body></html>"""


def _context(
    reg: Register, workspace: Workspace, authority: str, store: Store | str | None
) -> dict[str, Any]:
    a = reg.get(authority)
    plan = ActionPlan(workspace, a.code)
    joint = Commitments(workspace, a)
    actions = plan.table()
    progress = plan.progress(store) if store is not None and len(actions) else pd.DataFrame()

    def src(key: str | None) -> str:
        if key is None:
            return "not attributed"
        s = reg.sources.get(key)
        return f"{s['title']} ({s['publisher']}, {s['url']})" if s else str(key)

    return {
        "a": a,
        "src": src,
        "members": a.members.to_dict(orient="records"),
        "icbs": a.icbs[a.icbs["partner"]].to_dict(orient="records"),
        "levers": Enquiry(workspace, a.code).lever_map(reg).to_dict(orient="records"),
        "actions": actions.to_dict(orient="records"),
        "progress": progress.to_dict(orient="records"),
        "notes": Enquiry(workspace, a.code).notes(),
        "commitments": joint.table().to_dict(orient="records"),
        "parties": joint.parties().to_dict(orient="records"),
    }


def export(
    reg: Register,
    workspace: Workspace,
    authority: str,
    fmt: str,
    *,
    store: Store | str | None = None,
) -> str | bytes:
    """An authority's framework as text (md, html, csv, json) or bytes (pdf)."""
    if fmt not in FORMATS:
        raise InputError(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}. E.g. 'md'.")
    ctx = _context(reg, workspace, authority, store)
    env = Environment(autoescape=select_autoescape(default=fmt in ("html", "pdf")))
    if fmt == "md":
        return env.from_string(_MD).render(**ctx)
    if fmt in ("html", "pdf"):
        html = env.from_string(_HTML).render(**ctx)
        if fmt == "html":
            return html
        from weasyprint import HTML  # type: ignore[import-untyped]

        pdf: bytes = HTML(string=html).write_pdf()
        return pdf
    if fmt == "csv":
        rows = []
        for x in ctx["actions"]:
            for ind in x["indicators"] or [None]:
                rows.append(
                    {
                        "authority_code": ctx["a"].code,
                        "action_id": x["id"],
                        "title": x["title"],
                        "competence": COMPETENCES.get(x["competence"] or "", ""),
                        "status": x["status"],
                        "owner": x["owner"],
                        "start": x["start"],
                        "due": x["due"],
                        "indicator_id": ind,
                        "target": (x["targets"] or {}).get(ind) if ind else None,
                        "partners": "; ".join(x["partners"] or []),
                        "example": bool(x.get("example")),
                    }
                )
        buf = io.StringIO()
        to_csv(pd.DataFrame(rows, columns=_CSV_COLUMNS), buf)
        return buf.getvalue()
    out = {
        "authority": ctx["a"].to_dict(),
        "sources": reg.sources,
        "enquiry": ctx["notes"].to_dict(orient="records"),
        "actions": ctx["actions"],
        "progress": ctx["progress"],
        "commitments": [
            {**c, "partners": [p for p in ctx["parties"] if p["commitment_id"] == c["id"]]}
            for c in ctx["commitments"]
        ],
    }
    return json.dumps(out, indent=2, default=_json_default)


_CSV_COLUMNS = [
    "authority_code",
    "action_id",
    "title",
    "competence",
    "status",
    "owner",
    "start",
    "due",
    "indicator_id",
    "target",
    "partners",
    "example",
]


def _json_default(value: Any) -> Any:
    if isinstance(value, float) and value != value:
        return None
    try:
        return value.item()
    except AttributeError:
        return str(value)


def write(content: str | bytes, path: str | Path) -> Path:
    """Write an export to ``path``."""
    p = Path(path)
    try:
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"--out must be a writable path; got {str(p)!r} ({exc}).") from None
    return p
