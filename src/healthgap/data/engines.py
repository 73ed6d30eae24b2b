"""Where record-level Ibis expressions run: DuckDB (default) or Spark.

The same Ibis expression (see :mod:`healthgap.data.records`) runs unchanged on

* ``"duckdb"``: an embedded, in-process DuckDB (the default; fast on one machine);
* ``"spark"``: PySpark, either local (``master="local[2]"``, the default), a cluster
  master URL (``master="spark://host:7077"``, ``"yarn"``) or Spark Connect
  (``remote="sc://host:15002"``).

Spark is imported only when asked for. PySpark 4 warns on import that it does not fully
support pandas 3 (a :class:`FutureWarning` about its own internals); healthgap hides that
warning and keeps Spark quiet (log level WARN, no web UI, no console progress bars).

Examples
--------
>>> from healthgap.data.engines import connect
>>> con = connect("duckdb")
>>> con.name
'duckdb'
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from healthgap.data.store import UPSTREAM_WARNINGS
from healthgap.errors import InputError

Engine = Literal["duckdb", "spark"]
ENGINES: tuple[str, ...] = ("duckdb", "spark")

#: Spark settings for a quiet single-machine session (tests, laptops).
LOCAL_SPARK_CONF: dict[str, str] = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "false",  # pandas 3 breaks it
    "spark.driver.memory": "2g",
}


@contextmanager
def quiet() -> Iterator[None]:
    """Hide the known upstream warnings of Ibis, DuckDB and PySpark (not ours)."""
    with warnings.catch_warnings():
        for message in UPSTREAM_WARNINGS:
            warnings.filterwarnings("ignore", message=message, category=DeprecationWarning)
        warnings.filterwarnings(
            "ignore", message=r"PySpark does not yet fully support pandas", category=FutureWarning
        )
        # PySpark 4.3's pandas conversion passes pandas 3's deprecated ``copy=`` keyword.
        warnings.filterwarnings("ignore", message=r"The copy keyword is deprecated")
        yield


def check_engine(engine: Any) -> str:
    """``engine`` if it is ``"duckdb"`` or ``"spark"``, else an :class:`InputError`."""
    if engine not in ENGINES:
        raise InputError(
            f"engine must be one of 'duckdb' or 'spark'; got {engine!r}. Use 'duckdb' on "
            "one machine and 'spark' for a Spark cluster or Spark Connect."
        )
    return str(engine)


def spark_session(
    master: str | None = "local[2]",
    *,
    remote: str | None = None,
    app_name: str = "healthgap",
    conf: dict[str, str] | None = None,
) -> Any:
    """A SparkSession: local, a cluster master URL, or Spark Connect (``remote="sc://..."``).

    An existing active session with the same settings is reused (``getOrCreate``).
    """
    if remote is not None and not str(remote).startswith("sc://"):
        raise InputError(
            f"remote must be a Spark Connect address starting 'sc://'; got {remote!r}. "
            "For example remote='sc://localhost:15002'."
        )
    try:
        with quiet():
            sql = importlib.import_module("pyspark.sql")
    except ImportError as exc:  # pragma: no cover - pyspark is installed with healthgap
        raise InputError(
            f"engine 'spark' must have PySpark installed; got {exc}. Install pyspark."
        ) from None
    builder = sql.SparkSession.builder.appName(app_name)
    builder = builder.remote(remote) if remote is not None else builder.master(master)
    if remote is None:
        for key, value in {**LOCAL_SPARK_CONF, **(conf or {})}.items():
            builder = builder.config(key, value)
    with quiet():
        session = builder.getOrCreate()
        if remote is None:
            session.sparkContext.setLogLevel("WARN")
    return session


def connect(
    engine: Engine = "duckdb",
    *,
    session: Any = None,
    master: str | None = "local[2]",
    remote: str | None = None,
) -> Any:
    """An Ibis backend for ``engine``: a fresh in-memory DuckDB, or PySpark.

    Parameters
    ----------
    engine
        ``"duckdb"`` (default) or ``"spark"``.
    session
        For Spark: an existing SparkSession to use (otherwise one is made from
        ``master``/``remote`` with :func:`spark_session`).
    master, remote
        For Spark: a master URL (default ``"local[2]"``) or a Spark Connect address.
    """
    check_engine(engine)
    ibis = importlib.import_module("ibis")
    if engine == "duckdb":
        return ibis.duckdb.connect()
    if session is None:
        session = spark_session(master, remote=remote)
    with quiet():
        return ibis.pyspark.connect(session)


def read_parquet(backend: Any, path: str | Path) -> Any:
    """An Ibis table over a Parquet file (or folder/glob of files) on ``backend``."""
    p = Path(path)
    if "*" not in str(path) and not p.exists():
        raise InputError(
            f"the records file must exist; got {str(path)!r} (no such file). Write one "
            "with `healthgap synth records` or check the path."
        )
    with quiet():
        return backend.read_parquet(str(path))


def execute(expr: Any) -> Any:
    """Run an Ibis table expression on its backend; a pandas frame (text as strings)."""
    with quiet():
        return expr.to_pyarrow().to_pandas()
