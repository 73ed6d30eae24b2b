"""The canonical layouts of the store's shared tables, defined once.

Every parser in :mod:`healthgap.data.sources` that feeds a shared table returns exactly
these columns in this order, and the store creates the tables with these SQL types.

``indicators`` follows the Fingertips CSV layout (one row per indicator, area, area type,
sex, age, category and period) with healthgap's column names; the limits use the names of
:mod:`healthgap.stats._schema` (``lower_95_0`` ... ``upper_99_8``). ``source_id`` names the
catalogue dataset (or import) a row came from; ``value_note`` is Fingertips' value note
(empty for the open data). The key includes ``area_type`` because Fingertips-style files
list a unitary authority twice, as a district and as an upper-tier authority.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from healthgap.stats._schema import limit_columns

#: Column name -> DuckDB type of the ``indicators`` table, in order.
INDICATOR_COLUMNS: dict[str, str] = {
    "indicator_id": "VARCHAR",
    "indicator_name": "VARCHAR",
    "area_code": "VARCHAR",
    "area_name": "VARCHAR",
    "area_type": "VARCHAR",
    "sex": "VARCHAR",
    "age": "VARCHAR",
    "category_type": "VARCHAR",
    "category": "VARCHAR",
    "period": "VARCHAR",
    "period_start": "INTEGER",
    "period_end": "INTEGER",
    "value": "DOUBLE",
    **dict.fromkeys(limit_columns((0.95, 0.998)), "DOUBLE"),
    "count": "DOUBLE",
    "denominator": "DOUBLE",
    "polarity": "VARCHAR",
    "source_id": "VARCHAR",
    "value_note": "VARCHAR",
}

#: One row per key in ``indicators`` (NULLs compare equal for this purpose).
INDICATOR_KEY: tuple[str, ...] = (
    "indicator_id",
    "area_code",
    "area_type",
    "sex",
    "age",
    "category_type",
    "category",
    "period",
)

#: What each indicator is: one row per indicator id (``indicator_metadata`` table).
#: ``polarity`` is the publisher's (Fingertips wording) or, where the publisher gives
#: none, the reviewed table's (:mod:`healthgap.data.sources.indicator_review`), with
#: ``polarity_source`` saying which and ``polarity_reason`` why.
INDICATOR_METADATA_COLUMNS: dict[str, str] = {
    "indicator_id": "VARCHAR",
    "name": "VARCHAR",
    "definition": "VARCHAR",
    "unit": "VARCHAR",
    "value_type": "VARCHAR",
    "polarity": "VARCHAR",
    "polarity_source": "VARCHAR",
    "polarity_reason": "VARCHAR",
    "domain": "VARCHAR",
    "interval_method": "VARCHAR",
    "source": "VARCHAR",
    "source_url": "VARCHAR",
    "caveats": "VARCHAR",
    "decimal_places": "INTEGER",
    "dataset_id": "VARCHAR",
}

#: Tidy population counts from every population source.
POPULATION_COLUMNS: dict[str, str] = {
    "area_code": "VARCHAR",
    "area_type": "VARCHAR",
    "year": "INTEGER",
    "sex": "VARCHAR",
    "age": "VARCHAR",
    "age_lower": "INTEGER",
    "age_upper": "INTEGER",
    "population": "DOUBLE",
    "source_id": "VARCHAR",
}

#: Hexagon cartogram layouts (HexJSON), one row per hexagon.
HEX_COLUMNS: dict[str, str] = {
    "layout_id": "VARCHAR",
    "layout": "VARCHAR",
    "hex_id": "VARCHAR",
    "area_code": "VARCHAR",
    "area_name": "VARCHAR",
    "q": "INTEGER",
    "r": "INTEGER",
    "region": "VARCHAR",
    "properties": "VARCHAR",
}

#: Standard populations (weights) for direct standardisation.
STANDARD_POPULATION_COLUMNS: dict[str, str] = {
    "standard": "VARCHAR",
    "age_band": "VARCHAR",
    "age_lower": "INTEGER",
    "age_upper": "INTEGER",
    "weight": "DOUBLE",
}

#: Every named area healthgap knows, one row per code and type.
AREA_COLUMNS: dict[str, str] = {
    "code": "VARCHAR",
    "name": "VARCHAR",
    "type": "VARCHAR",
    "vintage": "INTEGER",
}

#: The catalogue datasets loaded into a store.
DATASET_COLUMNS: dict[str, str] = {
    "id": "VARCHAR",
    "title": "VARCHAR",
    "publisher": "VARCHAR",
    "period": "VARCHAR",
    "licence": "VARCHAR",
    "attribution": "VARCHAR",
    "table_name": "VARCHAR",
    "file": "VARCHAR",
    "url": "VARCHAR",
    "loaded_at": "TIMESTAMP",
    "rows": "BIGINT",
    "checksum": "VARCHAR",
}

#: Canonical area types used in ``indicators.area_type`` and ``areas.type``.
AREA_TYPES: tuple[str, ...] = (
    "country",
    "nation",
    "region",
    "combined_authority",
    "utla",
    "lad",
    "icb",
    "sub_icb",
    "ward",
    "lsoa11",
    "lsoa21",
)


def indicator_arrow(chunk: pd.DataFrame, source_id: str) -> Any:
    """A tidy chunk as an Arrow table with exactly the ``indicators`` columns and types
    (``source_id`` on every row): what the published and the local loaders write."""
    import pyarrow as pa

    types = {"VARCHAR": pa.string(), "INTEGER": pa.int32(), "DOUBLE": pa.float64()}
    n = len(chunk)
    arrays = []
    for column, sql in INDICATOR_COLUMNS.items():
        kind = types[sql]
        if column == "source_id":
            arrays.append(pa.array([source_id] * n, type=kind))
        elif column not in chunk:
            arrays.append(pa.nulls(n, type=kind))
        else:
            values = chunk[column]
            if sql == "VARCHAR":
                values = values.astype(object).where(values.notna(), None)
            elif sql == "INTEGER":
                values = values.astype("Int64")
            arrays.append(pa.array(values, type=kind, from_pandas=True))
    return pa.Table.from_arrays(arrays, names=list(INDICATOR_COLUMNS))
