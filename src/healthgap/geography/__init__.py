"""healthgap.geography — England's area hierarchy, footprints, Core20 and deprivation deciles.

Everything reads the ONS lookups and the Indices of Deprivation from the store
(:mod:`healthgap.data.store`; build it with ``healthgap init``). Functions take
``store=`` (an open store or a path) and default to the configured store.
"""

from healthgap.geography.core20 import CORE20_DECILES, core20_lsoas, core20_share
from healthgap.geography.deciles import deprivation_deciles, rank_deciles
from healthgap.geography.footprints import Place, aggregate
from healthgap.geography.hierarchy import (
    LEVELS,
    lad_lookup,
    lsoa_lookup,
    recode_lad,
    strategic_authorities,
)
from healthgap.geography.imd import imd_lsoas
from healthgap.geography.lsoa_areas import area_lookup
from healthgap.geography.resolve import Footprint, footprint, overlaps

__all__ = [
    "CORE20_DECILES",
    "LEVELS",
    "Footprint",
    "Place",
    "aggregate",
    "area_lookup",
    "core20_lsoas",
    "core20_share",
    "deprivation_deciles",
    "footprint",
    "imd_lsoas",
    "lad_lookup",
    "lsoa_lookup",
    "overlaps",
    "rank_deciles",
    "recode_lad",
    "strategic_authorities",
]
