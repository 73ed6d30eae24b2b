"""The report's wider-determinants section: work, income, child poverty, housing, learning.

Every number comes from :func:`healthgap.account.wider_determinants.wider_determinants`
(the same function as ``healthgap profile --wider``): the authority's latest value of each
wider-determinant indicator against England, and the lowest and highest of its member
councils. The section only lays them out, one table per theme.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from healthgap.account.wider_determinants import THEMES, wider_determinants
from healthgap.errors import InputError
from healthgap.report.model import Section, _table

if TYPE_CHECKING:
    from healthgap.data.store import Store
    from healthgap.report.authority import Authority

_COLUMNS = {
    "indicator_name": "Indicator",
    "period": "Period",
    "unit": "Unit",
    "value": "Value",
    "lower_95_0": "Lower 95% limit",
    "upper_95_0": "Upper 95% limit",
    "england_value": "England",
    "compared_95": "Compared with England (95%)",
    "lowest_member": "Lowest council",
    "lowest_value": "Lowest value",
    "highest_member": "Highest council",
    "highest_value": "Highest value",
}
_DIGITS = {
    "value": 1,
    "lower_95_0": 1,
    "upper_95_0": 1,
    "england_value": 1,
    "lowest_value": 1,
    "highest_value": 1,
}


def _slug(theme: str) -> str:
    return "wider-" + "".join(c if c.isalnum() else "-" for c in theme.lower()).strip("-")


def wider_section(store: Store, auth: Authority) -> Section:
    """Section "Wider determinants of health" for ``auth``."""
    title = "Wider determinants of health"
    members = list(auth.members["lad_code"]) if "lad_code" in auth.members else []
    try:
        result = wider_determinants(
            auth.data_code, store=store, area_type=auth.area_type, members=members
        )
    except InputError:
        return Section(
            "wider",
            title,
            (
                f"The open data publish no wider-determinant indicators for {auth.name} as "
                f"a {auth.label} (ONS Explore Local Statistics covers councils, combined "
                "authorities, regions and England), and a population-weighted mean of "
                "council values would not be a published figure, so none are shown. Each "
                "member council's profile has them.",
            ),
        )
    t = result.table
    counts = result.counts()
    compared = sum(v for k, v in counts.items() if k != "not compared")
    worse = t.loc[t["compared_95"] == "worse", "indicator_name"].tolist()
    better = t.loc[t["compared_95"] == "better", "indicator_name"].tolist()
    themes_here = ", ".join(dict.fromkeys(t["theme"])).lower()
    summary = [
        f"{len(t)} indicators of the conditions people live in ({themes_here}) are published "
        f"for {auth.name}; {compared} of them with confidence limits that allow a comparison "
        "with England at the 95% level: "
        + ", ".join(
            f"{counts.get(k, 0)} {w}"
            for k, w in (
                ("better", "better"),
                ("similar", "similar"),
                ("worse", "worse"),
                ("higher", "higher"),
                ("lower", "lower"),
            )
            if counts.get(k, 0)
        )
        + "."
    ]
    if worse:
        summary.append("Significantly worse than England: " + "; ".join(worse) + ".")
    if better:
        summary.append("Significantly better than England: " + "; ".join(better) + ".")
    if members:
        summary.append(
            "The lowest and highest member council show the spread within the authority "
            "(the councils' own published values in the same period)."
        )
    tables = []
    themes = [name for name, _ in THEMES] + sorted(set(t["theme"]) - {n for n, _ in THEMES})
    for theme in themes:
        part = t[t["theme"] == theme]
        if part.empty:
            continue
        cols = dict(_COLUMNS)
        if not members:
            for c in ("lowest_member", "lowest_value", "highest_member", "highest_value"):
                cols.pop(c)
        tables.append(
            _table(
                _slug(theme),
                f"{theme}: {auth.name} compared with England, latest period of each indicator",
                part,
                cols,
                {k: v for k, v in _DIGITS.items() if k in cols},
            )
        )
    notes = (
        *result.notes,
        "Sources: ONS Explore Local Statistics (original publishers DWP, DfE, ONS, DLUHC/MHCLG, "
        "DfT, DCMS, named in each indicator's metadata), DLUHC homelessness tables and OHID "
        "Fingertips; OGL v3.0.",
    )
    return Section("wider", title, tuple(summary), tuple(tables), (), notes)


__all__ = ["wider_section"]
