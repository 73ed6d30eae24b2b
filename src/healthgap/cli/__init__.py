"""The ``healthgap`` command line: a thin face over the same functions as the Python API."""
