"""Repository-level pytest configuration."""

# Modules that run on import and must not be imported by doctest collection:
# `python -m healthgap` runs the CLI; Alembic's env.py runs only under Alembic.
collect_ignore = ["src/healthgap/__main__.py"]
collect_ignore_glob = ["src/healthgap/appdb/migrations/*"]
