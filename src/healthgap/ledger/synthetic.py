"""A SYNTHETIC example ledger for docs and tests, built from real populations.

The areas and their populations are real (IMD 2019 mid-2015 LSOA populations summed to
2024 LADs); every commissioner, provider and amount is made up with a seeded random
generator. Every row says so in ``source_ref`` and in the commissioner's name: never
present these figures as real spending.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from healthgap.data.store import Store

SYNTHETIC_LABEL = "SYNTHETIC example data - not real spending"
COMMISSIONER = "SYNTHICB01"
PROGRAMMES: dict[str, float] = {"mental health": 180.0, "prevention": 40.0}
PROVIDERS: tuple[tuple[str, str], ...] = (
    ("SYNTRUST01", "nhs_trust"),
    ("SYNVCS01", "voluntary_sector"),
    ("SYNPCN01", "primary_care"),
)


def synthetic_ledger(
    store: Store | str | None = None,
    *,
    region: str = "E12000001",
    period: str = "2024-25",
    seed: int = 2024,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """SYNTHETIC ``(allocations, flows)`` tables for the LADs of one region.

    Allocations are a made-up amount per head for each programme times the region's real
    population; flows share 90-99% of each allocation between the LADs in proportion to
    population times a need weight (1 + IMD score / 50) with seeded noise, split between
    three made-up providers. Amounts are whole pence; files written by
    :func:`write_synthetic_ledger` import cleanly.
    """
    from healthgap.geography import deprivation_deciles, lad_lookup
    from healthgap.geography.hierarchy import using

    rng = np.random.default_rng(seed)
    with using(store) as s:
        lads = deprivation_deciles(s, to="lad", imd=2019, lad_vintage=2024)
        region_of = lad_lookup(s)[["lad_code", "region_code"]]
    lads = lads.merge(region_of, on="lad_code")
    lads = lads[lads["region_code"] == region].sort_values("lad_code", ignore_index=True)
    total_pop = float(lads["population"].sum())
    alloc_rows = []
    flow_rows = []
    for programme, per_head in PROGRAMMES.items():
        allocated = round(per_head * total_pop * 100)
        alloc_rows.append(
            {
                "commissioner_code": COMMISSIONER,
                "commissioner_name": f"Synthetic ICB ({SYNTHETIC_LABEL})",
                "commissioner_type": "icb",
                "period": period,
                "programme": programme,
                "amount": f"{allocated / 100:.2f}",
                "source_ref": f"{SYNTHETIC_LABEL}: allocation",
            }
        )
        used = allocated * rng.uniform(0.90, 0.99)
        weight = (
            lads["population"]
            * (1 + lads["imd_average_score"] / 50)
            * rng.uniform(0.8, 1.2, len(lads))
        )
        per_lad = np.floor(used * weight / weight.sum())
        split = rng.dirichlet(np.ones(len(PROVIDERS)), size=len(lads))
        pence = np.floor(per_lad.to_numpy()[:, None] * split).astype(np.int64)
        for i, lad in enumerate(lads["lad_code"]):
            for j, (provider, ptype) in enumerate(PROVIDERS):
                flow_rows.append(
                    {
                        "row_type": "flow",
                        "commissioner_code": COMMISSIONER,
                        "provider_code": provider,
                        "provider_name": f"Synthetic provider {j + 1}",
                        "provider_type": ptype,
                        "programme": programme,
                        "area_code": lad,
                        "period": period,
                        "amount": f"{pence[i, j] / 100:.2f}",
                        "refund": "no",
                        "source_ref": f"{SYNTHETIC_LABEL}: {programme} {lad} {provider}",
                    }
                )
    return pd.DataFrame(alloc_rows), pd.DataFrame(flow_rows)


def write_synthetic_ledger(
    folder: str | Path, store: Store | str | None = None, **kwargs: object
) -> tuple[Path, Path]:
    """Write ``synthetic_allocations.csv`` and ``synthetic_flows.csv`` into ``folder``."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    alloc, flows = synthetic_ledger(store, **kwargs)  # type: ignore[arg-type]
    a, f = out / "synthetic_allocations.csv", out / "synthetic_flows.csv"
    alloc.to_csv(a, index=False)
    flows.to_csv(f, index=False)
    return a, f
