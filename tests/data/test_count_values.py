"""Values of an indicator that is a count are protected like counts at the output faces
(issue 17, item 8): a **SYNTHETIC** indicator whose value is its count (as Fingertips lays
out count indicators: "SYNTHETIC count values - not real data") with values 1-12 per area
is queried through the CLI export and the JSON API; no value from 1 to 7 may come out, and
the others are rounded to 5."""

from __future__ import annotations

import io
import json
import math
import shutil
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from healthgap.data.loading import import_indicator_file
from healthgap.data.store import open_store
from tests.data.open_data._mirror import session_store

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

IND = "synthetic_count_values"


@pytest.fixture(scope="module")
def count_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("count-values")
    path = folder / "healthgap.duckdb"
    shutil.copyfile(session_store(tmp_path_factory), path)
    with open_store(path) as s:
        areas = s.to_pandas(
            s.indicators("hle_birth", area_type=["lad", "utla", "region", "nation"])
            .select("area_code", "area_name", "area_type")
            .distinct()
        ).sort_values(["area_type", "area_code"], ignore_index=True)
    n = 1 + pd.RangeIndex(len(areas)) % 12
    frame = areas.assign(
        indicator_id=IND,
        indicator_name="SYNTHETIC count values - not real data",
        sex="Persons",
        age="All ages",
        period="2022",
        value=n.astype(float),
        count=n.astype(float),
    )
    file = folder / "synthetic-count-values.csv"
    frame.to_csv(file, index=False)
    import_indicator_file(file, path, source_id="synthetic:count-values", title="SYNTHETIC")
    return path


def _check(values: list[Any], where: str) -> int:
    published = [float(v) for v in values if v is not None and not pd.isna(v)]
    for v in published:
        assert not 0 < v <= 7, (where, v)
        assert v % 5 == 0, (where, v)
    return len(published)


def test_the_cli_export_protects_count_values(count_store: Path, tmp_path: Path) -> None:
    from healthgap.cli.main import app

    out = tmp_path / "q.csv"
    r = CliRunner().invoke(
        app, ["query", "--store", str(count_store), "--indicator", IND, "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    table = pd.read_csv(out)
    assert len(table) > 200
    assert _check(table["value"].tolist(), "cli") > 0
    assert table["value"].isna().sum() >= len(table) * 7 // 12 - 1


def test_the_api_protects_count_values(count_store: Path, tmp_path: Path) -> None:
    from healthgap.web.app import create_app
    from healthgap.web.settings import Settings

    app = create_app(Settings(store=str(count_store), db_url=f"sqlite:///{tmp_path / 'a.db'}"))
    with open_store(count_store) as s:
        lads = s.to_pandas(s.indicators(IND, area_type="lad").select("area_code", "value"))
    # one area for each value 1 to 12
    codes = lads.sort_values("area_code").groupby("value")["area_code"].first().tolist()
    assert len(codes) == 12
    shown = 0
    with TestClient(app) as c:
        for code in codes:
            profile = c.get(f"/api/v1/areas/{code}/profile?limit=1000").json()
            rows = [r for r in profile["data"] if r.get("indicator_id") == IND]
            assert len(rows) == 1, json.dumps(profile)[:300]
            shown += _check([rows[0]["value"], rows[0]["england_value"]], f"api {code}")
            csv_text = c.get(f"/api/v1/areas/{code}/profile?format=csv&limit=1000").text
            table = pd.read_csv(io.StringIO(csv_text))
            mine = table[table["indicator_id"] == IND]
            _check([*mine["value"], *mine["england_value"]], f"api csv {code}")
    assert shown > 0 and not math.isnan(float(shown))
