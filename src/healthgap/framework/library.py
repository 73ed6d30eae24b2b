"""The shared learning library: case studies, full-text search and suggestions.

No case studies are shipped: healthgap seeds only facts it can attribute, and case
studies are added by importing a YAML file (see :data:`CASE_FIELDS` and
``docs/framework.md``), each with the published source it comes from.

**Search** uses SQLite FTS5 (porter stemming; every word must match; ranked by BM25)
over title, summary, outcome and tags.

**"Authorities like yours also tried"**: each strategic authority is described by two
features from the store, the share of its LSOAs (2021) in the most deprived IMD 2025
decile and the log of its number of LSOAs (a population proxy: LSOAs hold about 1,500
residents each). Features are standardised across the register's authorities;
similarity is ``1 / (1 + d)`` with ``d`` the Euclidean distance. A case study from
another authority scores ``0.5 * similarity + 0.5 * tag overlap`` (Jaccard index of its
competences and levers with the competences the asking authority uses in its enquiry
and action plan and the levers of its joint commitments).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.framework.actions import _check_date
from healthgap.framework.powers import check_competence
from healthgap.framework.storage import Actor, Workspace
from healthgap.geography.authorities import canonical_code
from healthgap.geography.hierarchy import lsoa_lookup, using

CASE_FIELDS: dict[str, str] = {
    "id": "short id, letters, digits and hyphens (e.g. gm-working-well)",
    "title": "the title",
    "authority_code": "code of the authority it happened in (E47..., the GLA E61000001), or blank",
    "summary": "what was done",
    "outcome": "what changed, as the source reports it",
    "levers": "list of levers used (free text tags)",
    "competences": "list of competence keys (transport, skills, housing, ...)",
    "population_groups": "list of population groups (e.g. 'Core20 areas', 'carers')",
    "outcomes": "list of outcome tags (e.g. 'employment', 'healthy life expectancy')",
    "source_title": "title of the published source",
    "source_url": "URL of the published source",
    "published": "publication date of the source, YYYY-MM-DD",
}
REQUIRED = ("id", "title", "summary", "source_title", "source_url", "published")
#: The tag fields of a case study.
TAG_FIELDS: tuple[str, ...] = ("levers", "competences", "population_groups", "outcomes")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")


class Library:
    """Case studies in a workspace."""

    def __init__(self, workspace: Workspace) -> None:
        self.ws = workspace

    def add(self, who: Actor, case: dict[str, Any], *, expected_version: int | None = None) -> str:
        """Add or revise one case study (the authority's editors, or administrators).

        ``expected_version``: the version the revision is based on (0: the case must be
        new); a stale one raises :class:`~healthgap.appdb.versions.StaleVersionError`.
        """
        unknown = sorted(set(case) - set(CASE_FIELDS))
        if unknown:
            raise InputError(
                f"case study fields must be among {', '.join(CASE_FIELDS)}; got "
                f"{unknown[0]!r}. Check the spelling."
            )
        missing = [f for f in REQUIRED if not str(case.get(f) or "").strip()]
        if missing:
            raise InputError(
                f"a case study must have {', '.join(REQUIRED)}; got none for {missing[0]!r} "
                f"(case {case.get('id', '?')!r}). Every case study cites its published source "
                "and the date it was published.",
                field=missing[0],
            )
        cid = str(case["id"])
        if not _ID.match(cid):
            raise InputError(
                f"id must be letters, digits and hyphens; got {cid!r}. E.g. 'gm-working-well'.",
                field="id",
            )
        data: dict[str, Any] = {k: case.get(k) for k in CASE_FIELDS if k != "id"}
        for key in TAG_FIELDS:
            value = data.get(key) or []
            values = value if isinstance(value, list) else [value]
            data[key] = [str(v).strip() for v in values if str(v).strip()]
        for c in data["competences"] or []:
            check_competence(c, field="competences")
        data["published"] = _check_date(
            f"published (case {cid!r})", data["published"], field="published"
        )
        url = str(data["source_url"]).strip()
        if not url.startswith(("https://", "http://")):
            raise InputError(
                f"source_url must be a web address starting https:// or http://; got {url!r} "
                f"(case {cid!r}). Link the published source.",
                field="source_url",
            )
        data["source_url"] = url
        for key in ("title", "summary", "outcome", "source_title", "authority_code"):
            data[key] = str(data.get(key) or "").strip() or None
        if data["authority_code"]:  # one code per authority: the GLA is E61000001
            data["authority_code"] = canonical_code(data["authority_code"])[0]
        self.ws.put(
            who,
            "case_study",
            str(data.get("authority_code") or ""),
            cid,
            data,
            expected_version=expected_version,
        )
        return cid

    def import_file(self, who: Actor, path: str | Path) -> list[str]:
        """Import case studies from a YAML file holding a list of case mappings."""
        p = Path(path)
        if not p.is_file():
            raise InputError(f"the case-study file must exist; got {str(p)!r}. Check the path.")
        cases = yaml.safe_load(p.read_text("utf-8"))
        if not isinstance(cases, list) or not all(isinstance(c, dict) for c in cases):
            raise InputError(
                f"the case-study file must hold a YAML list of case studies; got "
                f"{type(cases).__name__} in {p.name}. See docs/framework.md for the format."
            )
        return [self.add(who, c) for c in cases]

    def get(self, case_id: str) -> dict[str, Any]:
        """The current version of one case study (``id`` and its fields)."""
        v = self.ws.get("case_study", case_id)
        if v is None or v.deleted:
            raise InputError(
                f"case study must be an existing case-study id; got {case_id!r}. "
                "Search the library for it."
            )
        return {"id": v.record_id, **{k: v.data.get(k) for k in CASE_FIELDS if k != "id"}}

    def cases(self) -> pd.DataFrame:
        """All current case studies, one row each (``example``: part of the illustrative
        example workspace, not a real case)."""
        rows = [
            {"id": v.record_id, **v.data, "example": bool(v.data.get("example"))}
            for v in self.ws.current("case_study")
        ]
        return pd.DataFrame(rows, columns=[*CASE_FIELDS, "example"])

    def search(self, query: str, limit: int = 20) -> pd.DataFrame:
        """Case studies matching every word of ``query``, best first (``score``: BM25)."""
        hits = self.ws.search_cases(query, limit)
        cases = self.cases().set_index("id")
        out = cases.loc[[h[0] for h in hits]].reset_index()
        out["score"] = [-h[1] for h in hits]
        return out

    def suggest(
        self,
        authority_code: str,
        store: Store | str | None = None,
        *,
        tags: list[str] | None = None,
        limit: int = 5,
    ) -> pd.DataFrame:
        """Case studies from similar authorities ("authorities like yours also tried").

        ``tags`` default to the competences in the authority's enquiry notes and action
        plan and the levers of its joint commitments. Columns: the case fields plus
        ``similarity``, ``tag_overlap``, ``score``.
        """
        feats = authority_features(store)
        authority_code = canonical_code(authority_code)[0]
        if authority_code not in feats.index:
            raise InputError(
                f"authority must be a strategic authority with member councils in the store; "
                f"got {authority_code!r}. E.g. {feats.index[0]}."
            )
        z = (feats - feats.mean()) / feats.std(ddof=0).replace(0, 1)
        dist = np.sqrt(((z - z.loc[authority_code]) ** 2).sum(axis=1))
        similarity = 1 / (1 + dist)
        wanted = set(tags if tags is not None else self._own_tags(authority_code))
        cases = self.cases()
        cases = cases.assign(
            authority_code=[canonical_code(c)[0] if c else c for c in cases["authority_code"]]
        )
        cases = cases[cases["authority_code"].fillna("") != authority_code].copy()
        # (astype: with no other authorities' case studies the empty columns stay numeric)
        cases["similarity"] = cases["authority_code"].map(similarity).fillna(0.0).astype(float)
        tag_sets = [
            set(c or []) | set(lv or [])
            for c, lv in zip(cases["competences"], cases["levers"], strict=True)
        ]
        cases["tag_overlap"] = pd.Series(
            [len(s & wanted) / len(s | wanted) if (s | wanted) else 0.0 for s in tag_sets],
            index=cases.index,
            dtype=float,
        )
        cases["score"] = 0.5 * cases["similarity"] + 0.5 * cases["tag_overlap"]
        return (
            cases.sort_values(["score", "id"], ascending=[False, True])
            .head(limit)
            .reset_index(drop=True)
        )

    def _own_tags(self, authority_code: str) -> list[str]:
        tags: list[str] = []
        for v in self.ws.current("enquiry", authority_code):
            if v.data.get("competence"):
                tags.append(v.data["competence"])
        for v in self.ws.current("action", authority_code):
            if v.data.get("competence"):
                tags.append(v.data["competence"])
        for v in self.ws.current("commitment", authority_code):
            tags.extend(str(x) for x in v.data.get("levers") or [])
        return tags


def authority_features(store: Store | str | None = None) -> pd.DataFrame:
    """Per strategic authority: ``deprived_share`` (LSOAs in IMD 2025 decile 1) and
    ``log_lsoas`` (log of its LSOA 2021 count), indexed by authority code."""
    with using(store) as s:
        lsoas = lsoa_lookup(s, lsoa_vintage=2021)[["lsoa_code", "strategic_authority_code"]]
        imd = s.to_pandas(s.table("imd2025_lsoa21").select("lsoa21_code", "imd_decile"))
    merged = lsoas.merge(imd, left_on="lsoa_code", right_on="lsoa21_code", how="inner")
    merged = merged[merged["strategic_authority_code"].notna()]
    merged["decile1"] = merged["imd_decile"] == 1
    grouped = merged.groupby("strategic_authority_code")
    return pd.DataFrame(
        {"deprived_share": grouped["decile1"].mean(), "log_lsoas": np.log(grouped.size())}
    )
