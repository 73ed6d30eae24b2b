"""The labelled example workspace: illustrative records that show a newcomer a full app.

``healthgap demo --workspace`` and the administrators' button on ``/admin/examples`` call
:func:`load_examples`; ``healthgap demo --remove-workspace`` and the other button call
:func:`remove_examples`. Every record is marked as an example and tagged "Example"
wherever it is shown (pages, downloads, the report).
"""

from __future__ import annotations

from healthgap.examples.content import AUTHORITY, AUTHORITY_NAME, DISCLAIMER
from healthgap.examples.workspace import (
    PARTS,
    PERMISSION,
    ExampleCounts,
    example_counts,
    examples_version,
    expected_counts,
    load_examples,
    remove_examples,
)

__all__ = [
    "AUTHORITY",
    "AUTHORITY_NAME",
    "DISCLAIMER",
    "PARTS",
    "PERMISSION",
    "ExampleCounts",
    "example_counts",
    "examples_version",
    "expected_counts",
    "load_examples",
    "remove_examples",
]
