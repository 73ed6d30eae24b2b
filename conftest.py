"""Repository-level pytest configuration."""

# `python -m healthgap` entry module runs the CLI on import; doctest collection must skip it.
collect_ignore = ["src/healthgap/__main__.py"]
