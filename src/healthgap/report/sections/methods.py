"""Section "Methods and data sources": how each figure is obtained and the data
catalogue of the store."""

from __future__ import annotations

from healthgap.account.aggregation import aggregation_rules
from healthgap.data.store import Store
from healthgap.report.authority import Authority
from healthgap.report.model import POLICY, Section, _table


def _methods_section(store: Store, auth: Authority | None = None) -> Section:
    ds = store.datasets()
    used = ds[~ds["id"].str.startswith(("esp2013", "lookup_lsoa11_lsoa21"))]
    t = _table(
        "methods-sources",
        "Data sources: every dataset loaded in the store this report was built from",
        used,
        {
            "title": "Title",
            "publisher": "Publisher",
            "period": "Period",
            "licence": "Licence",
        },
    )
    tables = [t]
    if auth is not None:
        rules = aggregation_rules(auth.area_type if auth.kind != "place" else "place")
        tables.insert(
            0,
            _table(
                "methods-aggregation",
                f"How each figure is obtained for {auth.name} ({auth.label}): from counts, as "
                "published, or not shown",
                rules,
                {"label": "Measure", "method": "How", "detail": "Why and how"},
            ),
        )
    attributions = sorted(set(used["attribution"].dropna().astype(str)))
    summary = (
        "Every figure in this report comes from published open data loaded into the "
        "healthgap store; nothing is modelled or imputed beyond the methods named in each "
        "section. Confidence intervals are 95% unless stated; 'similar' means the interval "
        "includes the comparator, and no status is claimed that the intervals do not "
        "support.",
        f"Disclosure control was applied to every table before rendering: {POLICY.describe()} "
        "(NHS Digital's rule).",
        *attributions,
    )
    return Section("methods", "Methods and data sources", summary, tuple(tables))
