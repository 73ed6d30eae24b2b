"""Which framework an authority's scorecard shows, chosen one way for every face.

An authority with a bundled example framework (:data:`EXAMPLE_FRAMEWORKS`) gets it; any
other gets its **headline indicators**: :func:`~healthgap.account.frameworks.default_framework`
restricted to what the store holds, at the first area type the store has the authority at
(:data:`AREA_TYPES_ORDER`) that has headline values. A council can be held at two types (a
metropolitan district is a district and a county; the Fingertips North West extract gives
only the county type), so the type is found from the data unless one is asked for. The
web's scorecard pages and API, and ``healthgap scorecard`` without ``--framework``, call
:func:`scorecard_framework`.
"""

from __future__ import annotations

from dataclasses import replace

from healthgap.account.frameworks import (
    Framework,
    default_framework,
    example_path,
    load_framework,
    named_indicators,
    restrict_to_store,
)
from healthgap.data.sql import checked_code
from healthgap.data.store import Store
from healthgap.errors import InputError

#: The bundled example framework(s), by name.
EXAMPLE_FRAMEWORKS = ("greater_manchester",)
#: The name that asks for the headline indicators instead of an example framework.
HEADLINE = "headline"
#: The area types a scorecard is made at, in the order they are tried.
AREA_TYPES_ORDER = ("combined_authority", "utla", "lad", "region")


def framework_by_name(name: str) -> Framework:
    """A bundled example framework (see ``healthgap.account.frameworks.example_path``)."""
    if name not in EXAMPLE_FRAMEWORKS:
        raise InputError(
            f"framework must be one of {', '.join(EXAMPLE_FRAMEWORKS)}; got {name[:40]!r}. "
            "Pick one from /scorecards.",
            field="framework",
        )
    return load_framework(example_path(name))


def authority_area_types(store: Store, authority: str) -> tuple[list[str], str]:
    """The area types the store holds ``authority`` at (in :data:`AREA_TYPES_ORDER`) and
    its name."""
    checked_code(authority, "authority", "E47000001", field="authority")
    t = store.table("indicators")
    got = store.to_pandas(
        t.filter(t.area_code == authority).select("area_type", "area_name").distinct()
    )
    kinds = [k for k in AREA_TYPES_ORDER if (got["area_type"] == k).any()]
    if not kinds:
        raise InputError(
            f"authority must be a combined authority, council or region code with indicator "
            f"values; got {authority!r}. Pick one from /scorecards (e.g. E47000001).",
            field="authority",
        )
    # some sources carry no names: take one from those that do, the same one every time
    # (DuckDB returns distinct rows in no fixed order)
    names = sorted(str(n) for n in got["area_name"].dropna())
    return kinds, names[0] if names else authority


def headline_framework(
    store: Store, authority: str, area_type: str | None = None, *, required: bool = True
) -> Framework:
    """The headline indicators the store holds for ``authority``: at ``area_type``, or
    at the first of the authority's area types that has any (see the module). With
    ``required=False`` none is not an error (the caller adds indicators of its own)."""
    kinds, name = authority_area_types(store, authority)
    tried = [area_type] if area_type is not None else kinds
    for kind in tried:
        fw = named_indicators(restrict_to_store(default_framework(authority, kind), store), store)
        if fw.indicators:
            break
    fw = replace(fw, authority_name=name, name=f"Headline indicators for {name}")
    if not fw.indicators and required:
        at = f" at area type {area_type!r}" if area_type is not None else ""
        hint = f" The store holds it as: {', '.join(kinds)}." if area_type is not None else ""
        raise InputError(
            f"authority must have headline indicator values{at}; got none for {authority}."
            f"{hint} Pick another authority.",
            field="authority",
        )
    return fw


def scorecard_framework(
    store: Store, authority: str, framework: str | None = None, *, required: bool = True
) -> Framework:
    """The framework a scorecard of ``authority`` shows: the example ``framework`` named
    (its own authority only), :data:`HEADLINE`, or by default the authority's example
    framework if it has one, else its headline indicators (``required``: see
    :func:`headline_framework`)."""
    from healthgap.geography.authorities import GLA_CODE, data_code

    checked_code(authority, "authority", "E47000001", field="authority")
    if authority.startswith(("E54", "E38")):
        raise InputError(
            f"authority must be a footprint with published indicator values; got {authority!r}, "
            "an ICB or sub-ICB: the open data publish no indicators for ICBs, and council "
            "rates cannot be added up to them. See its Core20 figures at "
            f"/core20plus5/{authority} or write its report with `healthgap report`.",
            field="authority",
        )
    if authority == GLA_CODE:  # the GLA's published figures are the London region's
        authority = data_code(authority)
    if framework is None:
        examples = {n: framework_by_name(n) for n in EXAMPLE_FRAMEWORKS}
        framework = next((n for n, f in examples.items() if f.authority == authority), HEADLINE)
    if framework == HEADLINE:
        return headline_framework(store, authority, required=required)
    fw = framework_by_name(framework)
    if fw.authority != authority:
        raise InputError(
            f"authority must be the framework's authority; got {authority}, but "
            f"{framework} is for {fw.authority}. Use /scorecards/{fw.authority}?framework="
            f"{framework}, or the headline indicators.",
            field="framework",
        )
    return fw
