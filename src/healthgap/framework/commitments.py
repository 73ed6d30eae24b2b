"""Joint commitments: what an authority and its named partners have agreed to do together.

A commitment belongs to one strategic authority and records

* a ``title`` and a ``summary``, and what the authority itself commits to;
* the **partners** who are party to it, each with what that partner commits to and the
  date it signed (blank while it has not); a partner is a recorded partner of the
  authority (:meth:`healthgap.framework.partners.Partnerships.add_partner`) or, when the
  register entry is given, one the register implies (a member council's code or a
  partner ICB's code, see :func:`healthgap.framework.partners.suggested_partners`);
* the **levers** it uses (free text or enquiry-note ids), the **actions** of the
  authority's plan that deliver it, and the **indicators** that will show whether it
  worked (``indicator_id`` values of the store);
* the date it was ``agreed``, the date it is ``due``, and a ``status``.

Rules: a commitment names at least one partner besides the authority (it is joint), and
every named partner says what it commits to. Once a commitment is past ``proposed`` it
must have the date it was agreed and every partner's signature date: a commitment is
agreed only when all its parties have signed. ``due`` is on or after ``agreed``.

Commitments are stored as the ``commitment`` record kind of the versioned workspace
(:mod:`healthgap.framework.storage`): every change is a new version with who and when,
and the app database's audit log records it. Only the authority's editors and
administrators may change them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from healthgap.appdb.versions import StaleVersionError
from healthgap.data.store import Store
from healthgap.errors import InputError
from healthgap.framework.actions import _check_date, check_indicators, known_indicators
from healthgap.framework.partners import Partnerships, suggested_partners
from healthgap.framework.powers import Authority
from healthgap.framework.storage import Actor, Workspace, check_permission
from healthgap.geography.authorities import canonical_code

KIND = "commitment"
STATUSES: tuple[str, ...] = ("proposed", "agreed", "in progress", "met", "lapsed")
FIELDS: tuple[str, ...] = (
    "title",
    "summary",
    "authority_commits",
    "partners",
    "levers",
    "actions",
    "indicators",
    "agreed",
    "due",
    "status",
)
PARTY_FIELDS: tuple[str, ...] = ("partner", "commits_to", "signed")
#: Columns of :meth:`Commitments.table`.
COLUMNS: list[str] = [
    "id",
    "title",
    "status",
    "agreed",
    "due",
    "parties",
    "signed",
    "partners",
    "summary",
    "authority_commits",
    "levers",
    "actions",
    "indicators",
    "version",
    "example",
]
#: Columns of :meth:`Commitments.parties`.
PARTY_COLUMNS: list[str] = [
    "commitment_id",
    "partner",
    "name",
    "type",
    "commits_to",
    "signed",
]


class Commitments:
    """One authority's joint commitments in a workspace.

    Parameters
    ----------
    workspace
        The framework workspace.
    authority
        The register entry (:class:`~healthgap.framework.powers.Authority`), which also
        lets member councils and partner ICBs be named by their codes, or just the
        authority's code (recorded partners only).

    Examples
    --------
    >>> from healthgap.framework import Actor, Partnerships, Workspace
    >>> ws = Workspace(":memory:")
    >>> ed = Actor("Gita", "editor", "E47000001")
    >>> icb = Partnerships(ws, "E47000001").add_partner(ed, "NHS Greater Manchester", "icb")
    >>> c = Commitments(ws, "E47000001")
    >>> c.add(ed, title="Share work and health data",
    ...       partners=[{"partner": icb, "commits_to": "Monthly extracts"}])
    'E47000001-commitment-1'
    >>> c.table()[["id", "status", "parties", "signed"]].to_dict("records")
    [{'id': 'E47000001-commitment-1', 'status': 'proposed', 'parties': 1, 'signed': 0}]
    """

    def __init__(self, workspace: Workspace, authority: Authority | str) -> None:
        self.ws = workspace
        self.authority = authority if isinstance(authority, Authority) else None
        self.authority_code = (
            authority.code if isinstance(authority, Authority) else canonical_code(authority)[0]
        )

    # ------------------------------------------------------------------ partners
    def directory(self) -> pd.DataFrame:
        """Who may be a party: recorded partners, then those the register implies.

        Columns ``id``, ``name``, ``type``, ``source`` ("recorded" or "register").
        """
        recorded = Partnerships(self.ws, self.authority_code).partners()
        out = recorded[["id", "name", "type"]].assign(source="recorded")
        if self.authority is not None:
            implied = suggested_partners(self.authority).rename(columns={"code": "id"})
            implied = implied[~implied["id"].isin(out["id"])].assign(source="register")
            out = pd.concat([out, implied[["id", "name", "type", "source"]]], ignore_index=True)
        return out.reset_index(drop=True)

    # ------------------------------------------------------------------ writes
    def add(self, who: Actor, store: Store | None = None, **fields: Any) -> str:
        """Record a new joint commitment; returns its id.

        ``fields`` are those of :data:`FIELDS`; ``partners`` is a list of mappings
        ``{"partner": id, "commits_to": text, "signed": "YYYY-MM-DD" or None}``. With a
        ``store``, linked indicators are checked against it.
        """
        check_permission(who, KIND, self.authority_code)  # before saying what is wrong
        data = self._clean(fields, store)
        rid = self.ws.new_id(KIND, f"{self.authority_code}-commitment")
        self.ws.put(who, KIND, self.authority_code, rid, data)
        return rid

    def update(
        self,
        who: Actor,
        commitment_id: str,
        store: Store | None = None,
        *,
        expected_version: int | None = None,
        **fields: Any,
    ) -> int:
        """Change fields of a commitment (a new version; earlier ones are kept).

        ``expected_version``: the version the change is based on (a stale one raises
        :class:`~healthgap.appdb.versions.StaleVersionError`; nothing changes).
        """
        check_permission(who, KIND, self.authority_code)
        current = self.get(commitment_id)
        read = int(current["version"])
        if expected_version is not None and expected_version != read:
            raise StaleVersionError(f"commitment {commitment_id}", expected_version, read)
        merged = {k: current[k] for k in FIELDS} | fields
        data = self._clean(merged, store)
        return self.ws.put(
            who, KIND, self.authority_code, commitment_id, data, expected_version=read
        )

    def _clean(self, fields: dict[str, Any], store: Store | None) -> dict[str, Any]:
        unknown = sorted(set(fields) - set(FIELDS))
        if unknown:
            raise InputError(
                f"commitment fields must be among {', '.join(FIELDS)}; got {unknown[0]!r}. "
                "Check the spelling."
            )
        title = str(fields.get("title") or "").strip()
        if not title:
            raise InputError(
                "a commitment must have a title; got none. Say what is agreed, e.g. "
                "'Share work and health data across the partnership'.",
                field="title",
            )
        status = fields.get("status") or "proposed"
        if status not in STATUSES:
            raise InputError(
                f"status must be one of {', '.join(STATUSES)}; got {status!r}. E.g. 'agreed'.",
                field="status",
            )
        agreed = _check_date("agreed", fields.get("agreed"))
        due = _check_date("due", fields.get("due"))
        if agreed and due and due < agreed:
            raise InputError(
                f"due must be on or after agreed; got agreed {agreed} and due {due}. "
                "Correct one of the dates.",
                field="due",
            )
        parties = self._parties(title, fields.get("partners"))
        if status != "proposed":
            if agreed is None:
                raise InputError(
                    f"an agreed commitment must have the date it was agreed; got status "
                    f"{status!r} and no agreed date for {title!r}. Give agreed=YYYY-MM-DD "
                    "or keep the status 'proposed'.",
                    field="agreed",
                )
            unsigned = [p["partner"] for p in parties if p["signed"] is None]
            if unsigned:
                raise InputError(
                    f"every partner must have signed a commitment with status {status!r}; "
                    f"got no signature date for {unsigned[0]!r} in {title!r}. Give its "
                    "signed date or keep the status 'proposed'.",
                    field=f"partners.{unsigned[0]}.signed",
                )
        actions = [str(a) for a in fields.get("actions") or []]
        own = {v.record_id for v in self.ws.current("action", self.authority_code)}
        stray = [a for a in actions if a not in own]
        if stray:
            raise InputError(
                f"actions must be action ids of {self.authority_code}'s plan; got "
                f"{stray[0]!r}. List them with `healthgap framework actions list "
                f"{self.authority_code}`.",
                field="actions",
            )
        indicators = [str(i) for i in fields.get("indicators") or []]
        if store is not None and indicators:
            check_indicators(indicators, known_indicators(store))
        return {
            "title": title,
            "summary": str(fields.get("summary") or "").strip(),
            "authority_commits": str(fields.get("authority_commits") or "").strip(),
            "partners": parties,
            "levers": [str(v).strip() for v in fields.get("levers") or [] if str(v).strip()],
            "actions": actions,
            "indicators": indicators,
            "agreed": agreed,
            "due": due,
            "status": status,
        }

    def _parties(self, title: str, value: Any) -> list[dict[str, Any]]:
        if not isinstance(value, list) or not all(isinstance(p, dict) for p in value):
            raise InputError(
                f"partners must be a list of {{partner, commits_to, signed}} mappings; got "
                f"{type(value).__name__} for {title!r}. E.g. [{{'partner': 'E08000001', "
                "'commits_to': 'Fund two link workers'}].",
                field="partners",
            )
        if not value:
            raise InputError(
                f"a joint commitment must name at least one partner; got none for {title!r}. "
                "Record the authority's own pledge as an action instead.",
                field="partners",
            )
        known = self.directory().set_index("id")
        seen: set[str] = set()
        out = []
        for p in value:
            stray = sorted(set(p) - set(PARTY_FIELDS))
            if stray:
                raise InputError(
                    f"each partner of a commitment must have only {', '.join(PARTY_FIELDS)}; "
                    f"got {stray[0]!r}. Check the spelling.",
                    field="partners",
                )
            pid = str(p.get("partner") or "").strip()
            if pid not in known.index:
                raise InputError(
                    f"partners of a commitment must be partners of {self.authority_code}; got "
                    f"{pid!r}. Add it with add_partner(), or use a member council's or partner "
                    "ICB's code.",
                    field=f"partners.{pid}.commits_to",
                )
            if pid in seen:
                raise InputError(
                    f"each partner must be named once in a commitment; got {pid!r} twice in "
                    f"{title!r}. Merge what it commits to into one entry.",
                    field=f"partners.{pid}.commits_to",
                )
            seen.add(pid)
            commits_to = str(p.get("commits_to") or "").strip()
            if not commits_to:
                raise InputError(
                    f"each partner must say what it commits to; got nothing for {pid!r} "
                    f"({known['name'].get(pid)!s}) in {title!r}. E.g. 'Fund two link workers'.",
                    field=f"partners.{pid}.commits_to",
                )
            signed = _check_date(
                f"the signed date of {pid}", p.get("signed"), field=f"partners.{pid}.signed"
            )
            out.append({"partner": pid, "commits_to": commits_to, "signed": signed})
        return out

    # ------------------------------------------------------------------ reads
    def get(self, commitment_id: str) -> dict[str, Any]:
        """The current version of one commitment (``id``, ``version`` and its fields)."""
        v = self.ws.get(KIND, commitment_id)
        if v is None or v.deleted or v.authority_code != self.authority_code:
            raise InputError(
                f"commitment must be a commitment of {self.authority_code}; got "
                f"{commitment_id!r}. List them with `healthgap framework commitment list "
                f"{self.authority_code}`."
            )
        return {"id": v.record_id, "version": v.version, **{k: v.data.get(k) for k in FIELDS}}

    def history(self, commitment_id: str) -> pd.DataFrame:
        """Every version of a commitment: ``version``, ``recorded_at``, ``actor``, ``status``."""
        self.get(commitment_id)
        rows = [
            {
                "version": v.version,
                "recorded_at": v.recorded_at,
                "actor": v.actor,
                "status": v.data.get("status"),
                "deleted": v.deleted,
            }
            for v in self.ws.history(KIND, commitment_id)
        ]
        return pd.DataFrame(rows, columns=["version", "recorded_at", "actor", "status", "deleted"])

    def parties(self) -> pd.DataFrame:
        """One row per commitment and party: what each partner commits to and when it signed."""
        names = self.directory().set_index("id")
        rows = [
            {
                "commitment_id": v.record_id,
                "partner": p["partner"],
                "name": names["name"].get(p["partner"], p["partner"]),
                "type": names["type"].get(p["partner"], ""),
                "commits_to": p["commits_to"],
                "signed": p["signed"],
            }
            for v in self.ws.current(KIND, self.authority_code)
            for p in v.data.get("partners") or []
        ]
        return _none_for_missing(pd.DataFrame(rows, columns=PARTY_COLUMNS))

    def table(self) -> pd.DataFrame:
        """The current commitments, one row each (``parties``: how many partners are
        named; ``signed``: how many have signed; ``partners``: their names)."""
        parties = self.parties()
        versions = self.ws.current(KIND, self.authority_code)
        rows = [
            {
                "id": v.record_id,
                "version": v.version,
                **v.data,
                "example": bool(v.data.get("example")),
            }
            for v in versions
        ]
        out = pd.DataFrame(rows, columns=[c for c in COLUMNS if c not in ("parties", "signed")])
        by = parties.groupby("commitment_id")
        out["parties"] = out["id"].map(by.size()).fillna(0).astype(int)
        out["signed"] = out["id"].map(by["signed"].count()).fillna(0).astype(int)
        out["partners"] = out["id"].map(by["name"].agg("; ".join)).fillna("")
        return _none_for_missing(out[COLUMNS])


def _none_for_missing(df: pd.DataFrame) -> pd.DataFrame:
    """Missing dates and texts as ``None`` (not NaN), as they are stored."""
    for col in df.columns:
        if not pd.api.types.is_numeric_dtype(df[col]):
            values = df[col].astype(object)
            df[col] = values.where(values.notna(), None)
    return df
