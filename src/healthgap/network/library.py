"""Shared case studies in this deployment's library: search and "authorities like yours".

Shared cases come only from :class:`~healthgap.network.models.SharedItem` (what
subscribed feeds brought); the library shows them apart from the local case studies,
each with the deployment it came from, the publishing authority and the date.

**Search**: every word of the query must appear (case-insensitive) in the title, the
summary, the outcome or the tags. **Authorities like yours**: the publishing authority
must be among the ``k`` nearest neighbours of the chosen authority by deprivation and
population (:func:`healthgap.account.neighbours.nearest_neighbours`, strategic
authorities).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from healthgap.network.models import SharedItem

COLUMNS = (
    "kind",
    "item_id",
    "title",
    "summary",
    "outcome",
    "tags",
    "source_title",
    "source_url",
    "published",
    "authority_code",
    "authority_name",
    "origin",
    "updated",
)


def shared(
    engine: Engine, q: str = "", *, kind: str = "case_study", among: set[str] | None = None
) -> pd.DataFrame:
    """Shared items of ``kind`` matching every word of ``q`` (publishers in ``among``)."""
    with Session(engine) as session:
        rows = list(
            session.scalars(
                select(SharedItem)
                .where(SharedItem.kind == kind)
                .order_by(SharedItem.updated.desc(), SharedItem.title)
            )
        )
    words = [w.lower() for w in q.split() if w]
    out: list[dict[str, Any]] = []
    for r in rows:
        d = dict(r.details or {})
        text = " ".join(
            [r.title, r.summary, str(d.get("outcome", "")), " ".join(d.get("tags", []))]
        ).lower()
        if any(w not in text for w in words):
            continue
        if among is not None and r.authority_code not in among:
            continue
        out.append(
            {
                "kind": r.kind,
                "item_id": r.item_id,
                "title": r.title,
                "summary": r.summary,
                "outcome": d.get("outcome", ""),
                "tags": list(d.get("tags", [])),
                "source_title": d.get("source_title", ""),
                "source_url": d.get("source_url", ""),
                "published": d.get("published", ""),
                "authority_code": r.authority_code,
                "authority_name": r.authority_name,
                "origin": r.origin,
                "updated": r.updated,
            }
        )
    return pd.DataFrame(out, columns=list(COLUMNS))


def authorities_like(store: Any, code: str, k: int = 8) -> pd.DataFrame:
    """The ``k`` strategic authorities most like ``code`` (itself left out)."""
    from healthgap.account.neighbours import nearest_neighbours

    table = nearest_neighbours(code, store=store, area_type="combined_authority", k=k + 1)
    return table[table["area_code"] != code].head(k).reset_index(drop=True)
