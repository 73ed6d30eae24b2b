"""Appreciative enquiry: guiding prompts, a self-assessment record, a lever map, a draft plan.

The cycle has four stages (discover, dream, design, deliver). Prompts are healthgap's own
wording (``seed/prompts.yaml``), general or specific to an area of competence. An
authority records what it finds as notes of four categories: **assets**,
**opportunities**, **levers** and **partners**. From the levers come the **lever map**
(levers by area of competence, beside the powers the register records there) and a
**draft action plan** (one draft action per lever; see :mod:`healthgap.framework.actions`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd
import yaml

from healthgap.errors import InputError
from healthgap.framework.powers import COMPETENCES, Register, check_competence
from healthgap.framework.storage import Actor, Workspace
from healthgap.geography.authorities import canonical_code

STAGES: tuple[str, ...] = ("discover", "dream", "design", "deliver")
CATEGORIES: tuple[str, ...] = ("asset", "opportunity", "lever", "partner")


@dataclass(frozen=True)
class Prompt:
    """One guiding prompt: id (e.g. ``discover.health.1``), stage, competence, text."""

    id: str
    stage: str
    competence: str | None
    text: str


@cache
def _seed() -> dict[str, Any]:
    text = resources.files("healthgap.framework.seed").joinpath("prompts.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def _check(name: str, value: str, options: tuple[str, ...]) -> str:
    if value not in options:
        raise InputError(
            f"{name} must be one of {', '.join(options)}; got {value!r}. E.g. {options[0]!r}."
        )
    return value


def prompts(stage: str | None = None, competence: str | None = None) -> list[Prompt]:
    """The guiding prompts, optionally for one stage and/or one area of competence.

    With ``competence`` the general prompts of each stage come first, then that
    competence's prompts.

    Examples
    --------
    >>> [p.id for p in prompts("discover", "health")]
    ['discover.general.1', 'discover.general.2', 'discover.health.1', 'discover.health.2']
    """
    if stage is not None:
        _check("stage", stage, STAGES)
    if competence is not None:
        check_competence(competence)
    seed = _seed()
    out: list[Prompt] = []
    for st in STAGES if stage is None else (stage,):
        block = seed["stages"][st]
        out += [Prompt(f"{st}.general.{i}", st, None, t) for i, t in enumerate(block["general"], 1)]
        for comp in COMPETENCES if competence is None else (competence,):
            focus = seed["focus"][comp]
            out += [
                Prompt(f"{st}.{comp}.{i}", st, comp, t.format(focus=focus))
                for i, t in enumerate(block["competence"], 1)
            ]
    return out


def prompt(prompt_id: str) -> Prompt:
    """One prompt by id."""
    for p in prompts():
        if p.id == prompt_id:
            return p
    raise InputError(
        f"prompt must be a prompt id; got {prompt_id!r}. E.g. 'discover.health.1'; list "
        "them with `healthgap framework enquiry start AUTHORITY`."
    )


class Enquiry:
    """One authority's self-assessment, stored as versioned notes in a workspace."""

    def __init__(self, workspace: Workspace, authority_code: str) -> None:
        self.ws = workspace
        self.authority_code = canonical_code(authority_code)[0]  # E12000007 -> the GLA

    def answer(
        self,
        who: Actor,
        prompt_id: str,
        category: str,
        text: str,
        *,
        note_id: str | None = None,
        expected_version: int | None = None,
    ) -> str:
        """Record (or, with ``note_id``, revise) an asset, opportunity, lever or partner.

        ``expected_version``: the version of the note the revision is based on (a stale
        one raises :class:`~healthgap.appdb.versions.StaleVersionError`; nothing changes).
        """
        p = prompt(prompt_id)
        _check("category", category, CATEGORIES)
        if not text.strip():
            raise InputError(
                f"the answer must not be empty; got '' for prompt {prompt_id}. "
                "Write the asset, opportunity, lever or partner in a sentence."
            )
        rid = note_id or self.ws.new_id("enquiry", f"{self.authority_code}-note")
        self.ws.put(
            who,
            "enquiry",
            self.authority_code,
            rid,
            {
                "prompt": p.id,
                "stage": p.stage,
                "competence": p.competence,
                "category": category,
                "text": text.strip(),
                "recorded": date.today().isoformat(),
            },
            expected_version=expected_version if note_id else None,
        )
        return rid

    def notes(self) -> pd.DataFrame:
        """The current notes: id, prompt, stage, competence, category, text."""
        rows = [
            {"id": v.record_id, **v.data} for v in self.ws.current("enquiry", self.authority_code)
        ]
        cols = ["id", "prompt", "stage", "competence", "category", "text"]
        return (
            pd.DataFrame(rows, columns=[*cols, "recorded"])[cols]
            if rows
            else pd.DataFrame(columns=cols)
        )

    def lever_map(self, reg: Register | None = None) -> pd.DataFrame:
        """Levers by area of competence, with the powers recorded there.

        Columns: ``competence`` (label), ``levers`` (note texts), ``partners``,
        ``assets``, ``powers`` (ids of the register's powers in that area for this
        authority; empty when no register is given). One row per area of competence,
        plus "General" for notes made against general prompts.
        """
        notes = self.notes()
        keys = [*COMPETENCES, None]
        powers: dict[str | None, list[str]] = {k: [] for k in keys}
        if reg is not None:
            for p in reg.get(self.authority_code).powers:
                for c in p.competences:
                    powers[c].append(p.id + ("" if p.verified else "*"))
        rows = []
        for key in keys:
            sel = (
                notes[notes["competence"].isna()]
                if key is None
                else notes[notes["competence"] == key]
            )
            by = {c: sel.loc[sel["category"] == c, "text"].tolist() for c in CATEGORIES}
            rows.append(
                {
                    "competence": "General" if key is None else COMPETENCES[key],
                    "levers": by["lever"],
                    "partners": by["partner"],
                    "assets": by["asset"],
                    "opportunities": by["opportunity"],
                    "powers": powers[key],
                }
            )
        return pd.DataFrame(rows)

    def draft_plan(self) -> list[dict[str, Any]]:
        """One draft action per recorded lever, with the partners noted in the same area."""
        notes = self.notes()
        levers = notes[notes["category"] == "lever"]
        partners = notes[notes["category"] == "partner"]
        out = []
        for row in levers.to_dict(orient="records"):
            comp = row["competence"]
            if isinstance(comp, str):
                same = partners[partners["competence"] == comp]
            else:
                same = partners[partners["competence"].isna()]
            out.append(
                {
                    "title": f"Act on: {row['text']}",
                    "lever": row["id"],
                    "competence": comp if isinstance(comp, str) else None,
                    "partners": same["text"].tolist(),
                    "indicators": [],
                    "status": "draft",
                }
            )
        return out
