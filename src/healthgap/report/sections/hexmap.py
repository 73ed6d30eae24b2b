"""Section "Map of member councils": the councils on the ODI Leeds LAD hex layout,
coloured by an indicator."""

from __future__ import annotations

from healthgap.account.council_values import latest_council_values
from healthgap.data.store import Store
from healthgap.geography.hexes import layout_cells
from healthgap.report.authority import Authority
from healthgap.report.model import ChartData, Section, _table, protect

HEX_LAYOUT = "hex_lad23"


#: The indicator colouring the hex map: the first of these the members have data for.
HEX_INDICATORS: tuple[tuple[str, str, str], ...] = (
    ("93722", "Persons", "Under-75 preventable cardiovascular mortality (per 100,000)"),
    ("adult_obesity", "Persons", "Adults living with obesity (%)"),
)


def _hexmap_section(store: Store, auth: Authority) -> Section:
    lads = list(auth.members["lad_code"])
    hexes = layout_cells(store, HEX_LAYOUT, lads)
    chosen = latest_council_values(store, lads, HEX_INDICATORS)
    summary = [
        f"The {len(hexes)} member councils of {auth.name} on the Open Innovations hex map of "
        "local authority districts (one equal-sized hexagon per council, placed roughly where "
        "it is; not to scale)."
    ]
    frame = hexes.rename(columns={"area_code": "lad_code", "area_name": "lad_name"})
    label = ""
    if chosen is not None:
        label, latest = chosen
        frame = frame.merge(
            latest[["area_code", "period", "value", "lower_95_0", "upper_95_0"]],
            left_on="lad_code",
            right_on="area_code",
            how="left",
        ).drop(columns="area_code")
        summary[0] += f" Colour shows {label.lower()}, {latest['period'].iloc[0]}."
    else:
        frame = frame.assign(
            period="", value=float("nan"), lower_95_0=float("nan"), upper_95_0=float("nan")
        )
        summary.append("No indicator has council values to colour the map with.")
    frame = frame.sort_values("value", ascending=False, ignore_index=True)
    t = _table(
        "hexmap-values",
        f"{label or 'Member councils'} by council, {auth.name}",
        frame,
        {
            "lad_code": "Code",
            "lad_name": "Council",
            "period": "Period",
            "value": "Value",
            "lower_95_0": "Lower 95%",
            "upper_95_0": "Upper 95%",
        },
        {"value": 1, "lower_95_0": 1, "upper_95_0": 1},
    )
    data = protect(frame)
    chart = ChartData(
        "chart-hexmap",
        "hexmap",
        f"Hex map of {auth.name}'s councils" + (f": {label}" if label else ""),
        f"Hex map of the councils of {auth.name}; darker hexagons have higher values of "
        f"{label.lower() or 'the indicator'}; values are in the table below.",
        data,
        "hexmap-values",
        {"label": label, "layout": str(hexes["layout"].iloc[0]) if len(hexes) else "odd-r"},
    )
    return Section(
        "hexmap",
        "Map of member councils",
        tuple(summary),
        (t,),
        (chart,),
        ("Hex layout: Open Innovations (ODI Leeds) UK local authority districts 2023, MIT.",),
    )
