"""The footprint a report is written for: a strategic authority, the GLA, an ICB, a
sub-ICB or a saved place, resolved to its councils and region."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.geography.authorities import (
    GLA_CODE,
    LONDON_REGION,
    ReplacedCodeError,
    current_authorities,
)
from healthgap.geography.footprints import Place
from healthgap.geography.hierarchy import lsoa_lookup
from healthgap.geography.resolve import KIND_LABELS, Footprint
from healthgap.geography.resolve import footprint as resolve_footprint

#: The GSS code of the Greater London Authority; its area is the London region.
GLA_GSS_CODE = GLA_CODE


@dataclass(frozen=True)
class Authority:
    """The footprint a report is for: codes, name, region and councils.

    ``kind`` is ``strategic_authority``, ``icb``, ``sub_icb`` or ``place``; ``members``
    has a ``share_inside`` column (1 for councils wholly inside; ICBs can split them).
    """

    code: str
    name: str
    data_code: str
    area_type: str
    region_code: str
    region_name: str
    members: pd.DataFrame
    kind: str = "strategic_authority"
    notes: tuple[str, ...] = ()
    footprint: Footprint | None = field(default=None, compare=False, repr=False)

    @property
    def label(self) -> str:
        """What the footprint is, in words."""
        return KIND_LABELS.get(self.kind, self.kind.replace("_", " "))


#: Footprint kinds a report can be written for.
REPORT_KINDS = ("strategic_authority", "icb", "sub_icb", "place")


def valid_authorities(store: Store) -> pd.DataFrame:
    """The strategic authorities of the latest lookup, the GLA and the ICBs (code, name).

    The Greater London Authority is listed under its GSS code E61000001 (its figures are
    the London region's, E12000007, which is also accepted).
    """
    sa = current_authorities(store)[["code", "name"]]
    icbs = lsoa_lookup(store)[["icb_code", "icb_name"]].drop_duplicates()
    icbs.columns = ["code", "name"]
    out = pd.concat([sa, icbs], ignore_index=True)
    return out.sort_values("code", ignore_index=True)


def resolve_authority(code: str | Place, store: Store, *, on: Any = None) -> Authority:
    """The :class:`Authority` for ``code``: a strategic authority, the GLA, an ICB, a
    sub-ICB or a user-defined place. Unknown and abolished codes raise InputError."""
    wanted = code if isinstance(code, Place) else str(code).strip().upper()
    kind = "strategic_authority" if wanted == LONDON_REGION else None
    try:
        fp = resolve_footprint(wanted, store, on=on, kind=kind)
    except ReplacedCodeError:
        raise  # it names the code to use instead
    except InputError:
        listed = ", ".join(
            f"{c} ({n})" for c, n in valid_authorities(store).itertuples(index=False)
        )
        raise InputError(
            f"authority must be an English strategic authority or ICB code in the store; got "
            f"{code!r}. Valid codes: {listed}. Sub-ICB codes (E38...) are also accepted."
        ) from None
    if fp.kind not in REPORT_KINDS:
        raise InputError(
            f"authority must be a strategic authority (E47..., the GLA E61000001), an ICB "
            f"(E54...), a sub-ICB (E38...) or a saved place; got {code!r}, a {fp.label}. "
            "Reports are written for the footprints that hold the health duty."
        )
    is_gla = fp.code == GLA_CODE
    members = fp.lads[["lad_code", "lad_name", "utla_code", "utla_name", "share_inside"]]
    return Authority(
        code=fp.code,
        name=fp.name,
        data_code=fp.data_code,
        area_type="region" if is_gla else fp.area_type,
        region_code=fp.region_code,
        region_name=fp.region_name,
        members=members.reset_index(drop=True),
        kind=fp.kind,
        notes=fp.notes,
        footprint=fp,
    )
