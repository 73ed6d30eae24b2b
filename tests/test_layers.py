"""The layer contracts of docs/architecture.md, checked on the source's import statements.

import-linter is not a dependency, so this reads every module under ``src/healthgap`` with
``ast`` (imports inside functions count too) and checks:

1. ``stats`` (the core) imports nothing of healthgap but ``stats`` and ``errors``;
2. no lower layer (the core, the data and geography foundation, the domains) imports a
   face (``cli``, ``web``, ``report``);
3. the faces import no numpy or scipy: they render numbers that domains compute;
4. ``charts`` (the presentation layer shared by the faces) imports no face and no domain;
5. ``data`` does not import ``geography`` (``geography`` reads the store, so the other
   direction would make the two packages a cycle).

Known breaches are listed below with the issue that removes them. The lists may only
shrink: a test fails when a listed breach is gone, so that its entry is deleted with it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "healthgap"
FACES = ("cli", "web", "report")
CORE_MAY_IMPORT = ("stats", "errors")

#: Faces that still compute with numpy (issue 18, item 1: the numbers move into domains).
#: Empty: keep it so; a new entry needs its issue.
KNOWN_FACE_NUMPY: frozenset[tuple[str, str]] = frozenset()


def _imports(path: Path, src: Path = SRC) -> Iterator[str]:
    """Every module ``path`` imports, absolute, wherever the statement is."""
    module = ".".join(path.relative_to(src.parent).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join([*parts, node.module] if node.module else parts)
            else:
                name = node.module or ""
            if name == "healthgap":  # from healthgap import stats
                yield from (f"healthgap.{alias.name}" for alias in node.names)
            else:
                yield name


def _layer(path: Path) -> str:
    """``stats``, ``web``, ... or the module name for top-level modules (``errors``)."""
    rel = path.relative_to(SRC)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _edges() -> list[tuple[str, str, str]]:
    """(file relative to src/healthgap, its layer, imported module) for every import."""
    out = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        out.extend((rel, _layer(path), name) for name in sorted(set(_imports(path))))
    return out


EDGES = _edges()


def _healthgap_layer(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if parts[0] == "healthgap" and len(parts) > 1 else None


def test_the_scan_sees_the_source() -> None:
    # A guard for the guard: a wrong SRC would make every contract pass vacuously.
    assert len({rel for rel, _, _ in EDGES}) > 150
    assert ("stats/dsr.py", "stats", "numpy") in EDGES


def test_stats_imports_only_stats_and_errors() -> None:
    bad = [
        f"{rel} imports {name}"
        for rel, layer, name in EDGES
        if layer == "stats" and _healthgap_layer(name) not in (None, *CORE_MAY_IMPORT)
    ]
    assert not bad, "the stats core must not import other healthgap layers:\n" + "\n".join(bad)


def test_no_lower_layer_imports_a_face() -> None:
    bad = [
        f"{rel} imports {name}"
        for rel, layer, name in EDGES
        if layer not in (*FACES, "__init__", "__main__") and _healthgap_layer(name) in FACES
    ]
    assert not bad, "lower layers must not import cli, web or report:\n" + "\n".join(bad)


#: What the presentation layer may import from healthgap: the core, data result types and
#: the shared helpers below the domains (never a face, never a domain service).
CHARTS_MAY_IMPORT = ("charts", "stats", "data", "errors", "safe_csv", "formatting")


def test_charts_imports_no_face_and_no_domain() -> None:
    found = {rel for rel, layer, _ in EDGES if layer == "charts"}
    assert {"charts/base.py", "charts/hexmap.py", "charts/render.py"} <= found
    bad = [
        f"{rel} imports {name}"
        for rel, layer, name in EDGES
        if layer == "charts" and _healthgap_layer(name) not in (None, *CHARTS_MAY_IMPORT)
    ]
    assert not bad, "charts must import no face or domain:\n" + "\n".join(bad)


def test_faces_draw_charts_only_through_the_charts_package() -> None:
    # No face builds Vega-Lite by hand or with Altair: the specs live in healthgap.charts.
    bad = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith("charts/"):
            continue
        text = path.read_text(encoding="utf-8")
        if "vega.github.io/schema" in text or "import altair" in text:
            bad.append(rel)
    assert not bad, "build the chart with a healthgap.charts builder:\n" + "\n".join(bad)


def test_faces_import_no_numpy_or_scipy() -> None:
    found = {
        (rel, name.split(".")[0])
        for rel, layer, name in EDGES
        if layer in FACES and name.split(".")[0] in ("numpy", "scipy")
    }
    new = sorted(found - KNOWN_FACE_NUMPY)
    assert not new, (
        "faces render, domains compute: move this computation into a domain service "
        f"(or, for a known case, list it in KNOWN_FACE_NUMPY with its issue): {new}"
    )
    gone = sorted(KNOWN_FACE_NUMPY - found)
    assert not gone, f"these known breaches are fixed; delete them from KNOWN_FACE_NUMPY: {gone}"


def test_data_does_not_import_geography() -> None:
    found = {
        (rel, name)
        for rel, layer, name in EDGES
        if layer == "data" and _healthgap_layer(name) == "geography"
    }
    assert not found, (
        "data must not import geography (geography reads the store; pass what data needs "
        f"from the caller, as the record counter takes its LSOA lookup): {sorted(found)}"
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import numpy as np", ["numpy"]),
        ("from scipy.stats import norm", ["scipy.stats"]),
        ("def f():\n    from healthgap.web import settings", ["healthgap.web"]),
        ("from healthgap import web", ["healthgap.web"]),
        ("from . import intervals", ["healthgap.stats"]),
        ("from ..errors import InputError", ["healthgap.errors"]),
    ],
)
def test_imports_are_found_wherever_they_are_written(
    tmp_path: Path, source: str, expected: list[str]
) -> None:
    package = tmp_path / "healthgap" / "stats"
    package.mkdir(parents=True)
    module = package / "probe.py"
    module.write_text(source, encoding="utf-8")
    assert list(_imports(module, tmp_path / "healthgap")) == expected


def test_no_router_imports_another_router() -> None:
    # Shared helpers live in web/deps.py, web/responses.py, ... (charts in healthgap.charts) or in a
    # helper module of the routers package whose name starts with "_" (e.g. _loop). A
    # router that is a package (web/routers/framework/) is one router: its feature modules
    # may import each other and its shared module, never another router.
    def own_package(rel: str, name: str) -> bool:
        parts = rel.split("/")
        return len(parts) > 3 and name.split(".")[3] == parts[2]

    bad = [
        f"{rel} imports {name}"
        for rel, _layer_name, name in EDGES
        if rel.startswith("web/routers/")
        and rel != "web/routers/__init__.py"
        and name.startswith("healthgap.web.routers.")
        and not name.split(".")[3].startswith("_")
        and not own_package(rel, name)
    ]
    assert not bad, "move the shared helper out of the router:\n" + "\n".join(bad)


def test_route_dependencies_are_defined_once_in_web_deps() -> None:
    defined = []
    for path in sorted((SRC / "web").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = node.targets if isinstance(node, ast.Assign) else []
            for target in targets:
                if isinstance(target, ast.Name) and target.id in ("StoreDep", "DbDep"):
                    defined.append(f"{path.relative_to(SRC).as_posix()}: {target.id}")
    assert sorted(defined) == ["web/deps.py: DbDep", "web/deps.py: StoreDep"], defined
