"""Several processes opening one new SQLite app database at the same moment (two CLI
commands run together, a server and a command): each migrates it or finds it migrated,
and none fails. Real processes, since the locks are SQLite's file locks.

Two commands at once once failed here: Alembic committed after each revision, letting
the second process run the next revision again ("duplicate column name"), and the
switch to WAL mode answered "database is locked" without waiting.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from healthgap.appdb.db import alembic_config, engine_for

SRC = str(Path(__file__).resolve().parents[2] / "src")
#: Migrate, then open the database as the app does and write to it.
OPEN_AND_WRITE = """
import sys
from sqlalchemy import text
from healthgap.appdb.db import engine_for, init_db, writing
init_db(sys.argv[1]).dispose()
engine = engine_for(sys.argv[1])
with writing(engine) as s:
    s.execute(text("INSERT INTO login_attempts (email, at) VALUES (:e, CURRENT_TIMESTAMP)"),
              {"e": sys.argv[2]})
print(engine.connect().exec_driver_sql("PRAGMA journal_mode").scalar())
"""


def _script_heads() -> set[str]:
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def test_processes_opening_a_new_database_at_once_all_succeed(tmp_path: Path) -> None:
    env = {"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"}
    for round_ in range(3):
        url = f"sqlite:///{tmp_path / f'app{round_}.db'}"
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", OPEN_AND_WRITE, url, f"p{i}@example.org"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for i in range(4)
        ]
        done = [(p.wait(timeout=120), *p.communicate()) for p in procs]
        assert [(code, out.strip()) for code, out, _ in done] == [(0, "wal")] * 4, [
            err.strip().splitlines()[-1:] for _, _, err in done
        ]
        engine = engine_for(url)
        with engine.connect() as con:
            emails = con.exec_driver_sql("SELECT email FROM login_attempts").scalars().all()
            heads = con.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
        engine.dispose()
        assert sorted(emails) == [f"p{i}@example.org" for i in range(4)]
        assert sorted(heads) == sorted(_script_heads())  # migrated once, to the head
