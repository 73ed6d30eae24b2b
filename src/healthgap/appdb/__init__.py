"""App state people edit (users, roles, authorities, targets, audit log): SQLAlchemy 2.

SQLite by default; PostgreSQL through a ``postgresql+psycopg://`` URL. The schema is
created by Alembic migrations (``migrations/``); :func:`healthgap.appdb.db.init_db` runs
them to the head revision.
"""
