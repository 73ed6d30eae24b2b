"""Which areas an authority's editors may upload local values for: its footprint.

An editor may upload rows only for areas inside their own authority. The footprint is
built from geography's public lookups (:func:`healthgap.geography.lad_lookup` and
:func:`healthgap.geography.lsoa_lookup`, both LSOA vintages):

* the authority's own code;
* the councils (LADs, 2024 codes) inside it, found at whichever level the code is: a
  LAD, an upper-tier authority, a strategic authority (combined authority or the GLA),
  a region or England;
* the upper-tier authorities all of whose LADs are inside it;
* the LSOAs (2011 and 2021) of those LADs;
* for an ICB or sub-ICB code, its LSOAs, sub-ICB locations and the ICB itself.

An authority not in the lookups (e.g. one created after them) has no footprint beyond
its own code; an administrator uploads for it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from healthgap.errors import InputError
from healthgap.geography import lad_lookup, lsoa_lookup
from healthgap.geography.hierarchy import LsoaVintage

__all__ = ["footprint_codes"]

_LEVELS = ("lad", "utla", "strategic_authority", "region", "england")
VINTAGES: tuple[LsoaVintage, ...] = (2011, 2021)


def footprint_codes(store: Any, authority_code: str) -> frozenset[str]:
    """Every area code inside ``authority_code``'s footprint (see the module notes)."""
    try:
        lads = lad_lookup(store)
    except InputError as exc:
        raise InputError(
            f"the store must hold the geography lookups to know {authority_code}'s "
            f"footprint; got: {exc} Build it with `healthgap init` (all datasets)."
        ) from None
    codes: set[str] = {authority_code}
    inside = pd.Series(False, index=lads.index)
    for level in _LEVELS:
        inside |= lads[f"{level}_code"] == authority_code
    if inside.any():
        chosen = set(lads.loc[inside, "lad_code"])
        codes |= chosen
        by_utla = lads.groupby("utla_code")["lad_code"].agg(set)
        codes |= {str(u) for u, members in by_utla.items() if members <= chosen}
        for vintage in VINTAGES:
            lsoas = lsoa_lookup(store, lsoa_vintage=vintage)
            codes |= set(lsoas.loc[lsoas["lad_code"].isin(chosen), "lsoa_code"])
        return frozenset(codes)
    for vintage in VINTAGES:
        lsoas = lsoa_lookup(store, lsoa_vintage=vintage)
        nhs = (lsoas["icb_code"] == authority_code) | (lsoas["sub_icb_code"] == authority_code)
        if nhs.any():
            codes |= set(lsoas.loc[nhs, "lsoa_code"]) | set(lsoas.loc[nhs, "sub_icb_code"])
    return frozenset(codes)
