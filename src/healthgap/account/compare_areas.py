"""Compare areas: every member council of a footprint against England, every indicator.

The Fingertips "compare areas" view: one row per indicator (and sex and age), one column
per member council, each cell the council's latest value coloured by its significance
against England at 95%. Members come from the geography lookups:

* a combined (strategic) authority (``E47``) or a region (``E12``): its districts in the
  2024 lookups (:func:`healthgap.geography.lad_lookup`);
* an integrated care board (``E54``): the districts whose LSOAs it covers in the 2022
  lookup (a district split between ICBs appears in each);
* or an explicit list of area codes.

Every number comes from :func:`healthgap.account.profiles.profile_rows`, the engine of
the area profile, so a council's row here is the same as on its profile.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from healthgap.account.profiles import profile_rows, published
from healthgap.data.store import Store
from healthgap.errors import InputError


@dataclass(frozen=True)
class ComparedAreas:
    """The compare-areas result: a long table (one row per area and indicator) and
    the members with their names."""

    footprint: str
    footprint_name: str
    members: pd.DataFrame
    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The long table: profile columns for every member (see profiles.COLUMNS)."""
        return self.table.copy()

    def for_output(self) -> pd.DataFrame:
        """The long table with disclosure control (:func:`healthgap.account.profiles.published`)."""
        return published(self.table)

    def wide(self, column: str = "value") -> pd.DataFrame:
        """Indicators down, members across: ``column`` (value, compared_95, ...)."""
        keys = ["domain", "indicator_id", "indicator_name", "unit", "sex", "age", "period"]
        t = self.table.assign(age=self.table["age"].fillna(""))
        out = t.pivot_table(
            index=[k for k in keys if k != "period"],
            columns="area_name",
            values=column,
            aggfunc="first",
            sort=False,
        )
        order = [n for n in self.members["area_name"] if n in out.columns]
        return out[order].reset_index()

    def summary(self) -> str:
        """Plain text: members and how many indicators each has worse/better than England."""
        lines = [f"Compare areas: {self.footprint_name} ({self.footprint})"]
        counts = self.table.groupby(["area_name", "compared_95"]).size().unstack(fill_value=0)
        for name in self.members["area_name"]:
            if name in counts.index:
                c = counts.loc[name]
                lines.append(
                    f"- {name}: {int(c.get('better', 0))} better, {int(c.get('worse', 0))} "
                    f"worse, {int(c.get('similar', 0))} similar than England"
                )
        return "\n".join(lines)


def members(footprint: str | Sequence[str], store: Store) -> tuple[str, pd.DataFrame]:
    """The footprint's name and member councils (``area_code``, ``area_name``)."""
    from healthgap.geography import lad_lookup

    if not isinstance(footprint, str):
        codes = [str(c) for c in footprint]
        name = f"{len(codes)} areas"
    elif footprint.startswith(("E47", "E12")):
        lookup = lad_lookup(store)
        column = "strategic_authority" if footprint.startswith("E47") else "region"
        picked = lookup[lookup[f"{column}_code"] == footprint]
        codes = list(picked["lad_code"])
        name = str(picked[f"{column}_name"].iloc[0]) if len(picked) else footprint
    elif footprint.startswith("E54"):
        con = store.backend.con.cursor()
        try:
            codes = [
                r[0]
                for r in con.execute(
                    "SELECT DISTINCT lad22_code FROM lookup_lsoa11_sicbl22_icb22_lad22_en "
                    "WHERE icb22_code = ? ORDER BY 1",
                    [footprint],
                ).fetchall()
            ]
            found = con.execute(
                "SELECT any_value(icb22_name) FROM lookup_sicbl22_icb22_names_en "
                "WHERE icb22_code = ?",
                [footprint],
            ).fetchone()
        finally:
            con.close()
        name = str(found[0]) if found and found[0] else footprint
    else:
        raise InputError(
            f"footprint must be a combined authority (E47), region (E12) or ICB (E54) code, "
            f"or a list of area codes; got {footprint!r}. Example: E47000001 (Greater "
            "Manchester)."
        )
    if not codes:
        raise InputError(
            f"footprint must have member councils in the lookups; got none for "
            f"{footprint!r}. Check the code (e.g. E47000001) or pass a list of codes."
        )
    names = store.to_pandas(
        store.table("areas").filter(lambda a: a.code.isin(codes)).select("code", "name")
    )
    by_code = dict(zip(names["code"], names["name"], strict=False))
    frame = pd.DataFrame({"area_code": codes, "area_name": [by_code.get(c, c) for c in codes]})
    return name, frame.sort_values("area_name", ignore_index=True)


def compare_areas(
    footprint: str | Sequence[str],
    *,
    store: Store,
    indicators: list[str] | None = None,
) -> ComparedAreas:
    """Every member council x every indicator the store holds for them, vs England.

    Health Index ``hi_*`` indicators (no limits, no England value) are left out unless
    named in ``indicators``. Trends are not computed (see the profile for them).

    Examples
    --------
    >>> result = compare_areas("E47000001", store=store)  # doctest: +SKIP
    >>> result.wide("compared_95").head()  # doctest: +SKIP
    """
    name, who = members(footprint, store)
    table, _ = profile_rows(
        list(who["area_code"]), store=store, indicators=indicators, trends=False
    )
    table = table.assign(
        area_name=table["area_code"].map(dict(zip(who.area_code, who.area_name, strict=True)))
    )
    return ComparedAreas(
        footprint=footprint if isinstance(footprint, str) else ",".join(footprint),
        footprint_name=name,
        members=who,
        table=table.reset_index(drop=True),
    )
