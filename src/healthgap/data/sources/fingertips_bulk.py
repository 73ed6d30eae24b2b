"""Fingertips at full breadth: a whole profile, or a list of indicators, for area types.

:func:`fetch_fingertips` asks the Fingertips API for the indicators of a profile
(``/api/indicator_metadata/by_profile_id``, which lists them with their metadata) or of
an explicit list (``/api/indicator_metadata/by_indicator_id?indicator_ids=1,2,3``), then
downloads each indicator at each area type (``/api/all_data/csv/by_indicator_id``) and
loads it into the store's published layer:

* **Everything the CSV holds is kept**, breakdown rows included: ``Category Type`` and
  ``Category`` become ``category_type`` and ``category`` (deprivation deciles, ethnic
  groups, ...), beside counts, denominators and both sets of limits.
* **Area types in healthgap's words.** The CSV names its area types as Fingertips does
  ("Counties & UAs (from Apr 2023)", "England"); they are stored as healthgap's
  (``utla``, ``nation``, ... by :func:`healthgap_area_type`), so profiles compare the
  rows with England and place them on the spine like every other source.
* **Metadata is stored**, one row per indicator in ``indicator_metadata`` (name,
  definition, unit, value type, interval method, source, data-quality note). Fingertips
  gives no polarity in its metadata: an indicator healthgap has reviewed
  (:mod:`healthgap.data.sources.indicator_review`) takes the reviewed polarity and
  domain; any other is stored without polarity and compared as higher/lower, never
  better/worse, with a ``polarity_reason`` that says so.
* **One transaction per indicator and area type** (:func:`healthgap.data.loading.load_indicators`,
  ``source_id`` ``fingertips:<indicator>:<area type>``): a failure leaves each one
  either fully loaded or untouched.
* **Resumable.** A checkpoint file (JSON, written atomically after each indicator) lists
  what is loaded. When the network fails midway the error says how far the fetch got;
  running the same fetch again skips what the checkpoint lists. A fetch that finishes
  without failures deletes its checkpoint; ``restart=True`` ignores an old one.
* **Progress** through ``on_progress(done, total, label)`` (the CLI draws it with Rich).

An indicator whose rows fail validation, or whose rows belong to another published
dataset, is reported as ``failed`` with the reason and the fetch goes on; it stays out
of the checkpoint, so the next run tries it again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from healthgap.data.layout import INDICATOR_METADATA_COLUMNS
from healthgap.data.sources._common import typed_frame
from healthgap.data.sources.fingertips_api import (
    FingertipsAPIError,
    FingertipsClient,
    FingertipsNoData,
    _positive_id,
)
from healthgap.data.sources.indicator_review import OUTCOMES, review
from healthgap.errors import HealthgapError, InputError

__all__ = [
    "BulkResult",
    "Checkpoint",
    "Fetched",
    "fetch_fingertips",
    "healthgap_area_type",
    "metadata_frame",
]

Status = Literal["loaded", "done before", "no data", "failed"]

#: Fingertips area type names (as the "all data" CSV writes them) -> healthgap's.
#: Matched in order, ignoring case; an unmatched name is kept as published.
AREA_TYPE_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"^england$", "nation"),
    (r"sub[- ]?icb", "sub_icb"),
    (r"\bicbs?\b|integrated care board", "icb"),
    (r"^regions?\b", "region"),
    (r"combined authorit", "combined_authority"),
    (r"count(y|ies) & uas?|upper tier", "utla"),
    (r"district(s)? & uas?|lower tier", "lad"),
)

UNREVIEWED_REASON = (
    "Not reviewed: the Fingertips metadata give no polarity, so the indicator is compared "
    "as higher/lower, not better/worse."
)


def healthgap_area_type(name: Any) -> Any:
    """healthgap's area type for a Fingertips area type name (else the name unchanged).

    >>> healthgap_area_type("Counties & UAs (from Apr 2023)")
    'utla'
    >>> healthgap_area_type("England")
    'nation'
    """
    if not isinstance(name, str):
        return name
    text = name.strip().lower()
    for pattern, kind in AREA_TYPE_PATTERNS:
        if re.search(pattern, text):
            return kind
    return name


def _named(entry: dict[str, Any], key: str) -> str | None:
    value = entry.get(key)
    if isinstance(value, dict):
        value = value.get("Name") or value.get("Label") or value.get("Text")
    return None if value in (None, "", "None") else str(value).strip()


def metadata_frame(entries: dict[str, dict[str, Any]], dataset_id: str | None) -> pd.DataFrame:
    """``indicator_metadata`` rows from Fingertips API metadata entries keyed by id.

    Name and definition come from ``Descriptive``; unit from ``Unit.Label``; value type,
    interval method and the data-quality note from their objects; the polarity and domain
    from healthgap's review where there is one (see the module docs).
    """
    rows = []
    for ind, entry in entries.items():
        descriptive = entry.get("Descriptive") or {}
        reviewed = review(ind)
        unit = (entry.get("Unit") or {}).get("Label")
        rows.append(
            {
                "indicator_id": ind,
                "name": descriptive.get("Name") or ind,
                "definition": descriptive.get("Definition"),
                "unit": str(unit).strip() or None if unit is not None else None,
                "value_type": _named(entry, "ValueType"),
                "polarity": reviewed.polarity if reviewed else None,
                "polarity_source": "healthgap review" if reviewed else None,
                "polarity_reason": reviewed.reason if reviewed else UNREVIEWED_REASON,
                "domain": reviewed.domain if reviewed else OUTCOMES,
                "interval_method": _named(entry, "ConfidenceIntervalMethod"),
                "source": descriptive.get("DataSource"),
                "source_url": f"https://fingertips.phe.org.uk/search/{ind}",
                "caveats": _named(entry, "DataQualityNote"),
                "decimal_places": None,
                "dataset_id": dataset_id,
            }
        )
    return typed_frame(
        pd.DataFrame(rows, columns=list(INDICATOR_METADATA_COLUMNS)), INDICATOR_METADATA_COLUMNS
    )


def store_metadata(store: str, frame: pd.DataFrame) -> None:
    """Upsert metadata rows into ``indicator_metadata`` (one transaction).

    A row is replaced only when it came from a Fingertips API fetch (``dataset_id``
    ``fingertips:...``) or is missing: metadata that another published dataset loaded
    (e.g. the Fingertips extract at ``healthgap init``) stay as they are.
    """
    import pyarrow as pa

    from healthgap.data.indicator_metadata import TABLE
    from healthgap.data.store import open_store

    opened = open_store(store, read_only=False)
    con = opened.backend.con
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            if TABLE not in {r[0] for r in con.execute("SHOW TABLES").fetchall()}:
                ddl = ", ".join(f'"{c}" {t}' for c, t in INDICATOR_METADATA_COLUMNS.items())
                con.execute(f'CREATE TABLE "{TABLE}" ({ddl})')
            con.register("_incoming_meta", pa.Table.from_pandas(frame, preserve_index=False))
            con.execute(
                f'DELETE FROM "{TABLE}" m USING _incoming_meta n WHERE m.indicator_id = '
                "n.indicator_id AND starts_with(coalesce(m.dataset_id, ''), 'fingertips:')"
            )
            con.execute(
                f'INSERT INTO "{TABLE}" SELECT * FROM _incoming_meta n WHERE NOT EXISTS '
                f'(SELECT 1 FROM "{TABLE}" m WHERE m.indicator_id = n.indicator_id)'
            )
            con.unregister("_incoming_meta")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        opened.close()


# ------------------------------------------------------------------------ checkpoint


@dataclass
class Checkpoint:
    """What an interrupted fetch has loaded, kept in a JSON file beside the store.

    ``request`` identifies the fetch (profile, indicators, area types); ``done`` maps
    ``"<indicator>:<area type>"`` to what happened. Every change is written to a
    temporary file and renamed into place, so a killed process leaves the old or the
    new checkpoint, never half of one.
    """

    path: Path
    request: dict[str, Any]
    done: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def open(cls, path: Path, request: dict[str, Any], restart: bool) -> Checkpoint:
        """Read the checkpoint for ``request`` (a fresh one when there is none)."""
        if restart or not path.is_file():
            return cls(path, request)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(
                f"the Fingertips checkpoint {path} must be readable JSON; got: {exc}. "
                "Delete it, or fetch again with --restart."
            ) from None
        if doc.get("request") != request:
            raise InputError(
                f"the Fingertips checkpoint {path} must belong to this fetch; got one for "
                f"{doc.get('request')}. Finish that fetch by running it again, or start "
                "this one afresh with --restart (restart=True)."
            )
        return cls(path, request, dict(doc.get("done") or {}))

    def mark(self, key: str, info: dict[str, Any]) -> None:
        """Record ``key`` as loaded and write the file atomically."""
        self.done[key] = info
        tmp = self.path.with_name(f".{self.path.name}.part")
        tmp.write_text(
            json.dumps({"request": self.request, "done": self.done}, indent=1), encoding="utf-8"
        )
        os.replace(tmp, self.path)

    def clear(self) -> None:
        """Delete the checkpoint file (the fetch finished)."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


# ------------------------------------------------------------------------ the fetch


@dataclass(frozen=True)
class Fetched:
    """What happened to one indicator at one area type."""

    indicator_id: str
    area_type: int
    status: Status
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    breakdown_rows: int = 0
    note: str = ""


@dataclass(frozen=True)
class BulkResult:
    """Every indicator and area type of one fetch, and where its checkpoint is."""

    items: tuple[Fetched, ...]
    checkpoint: Path
    complete: bool

    def to_frame(self) -> pd.DataFrame:
        """One row per indicator and area type."""
        return pd.DataFrame([vars(i) for i in self.items])

    def summary(self) -> str:
        """Counts by status, rows loaded, and each failure with its reason."""
        by: dict[str, int] = {}
        for i in self.items:
            by[i.status] = by.get(i.status, 0) + 1
        rows = sum(i.rows for i in self.items if i.status == "loaded")
        cats = sum(i.breakdown_rows for i in self.items if i.status == "loaded")
        lines = [
            f"Fingertips: {len(self.items)} indicator x area type fetches: "
            + ", ".join(f"{n} {s}" for s, n in by.items())
            + f"; {rows:,} rows loaded ({cats:,} breakdown rows)."
        ]
        lines += [f"- {i.indicator_id} at {i.area_type}: {i.note}" for i in self.items if i.note]
        if not self.complete:
            lines.append(f"Checkpoint kept at {self.checkpoint}: run again to retry the failures.")
        return "\n".join(lines)


def _tasks(
    client: FingertipsClient,
    profile: int | str | None,
    indicators: Sequence[int | str] | None,
) -> dict[str, dict[str, Any]]:
    """Metadata of the indicators to fetch, keyed by id, in the API's order."""
    wanted = (
        None
        if indicators is None
        else [str(_positive_id(i, "indicator_id", "93722")) for i in indicators]
    )
    if profile is not None:
        entries = client.profile_metadata(profile)
        if wanted is not None:
            outside = [i for i in wanted if i not in entries]
            if outside:
                raise InputError(
                    f"indicators must belong to profile {profile}; got {outside[0]} (and "
                    f"{len(outside) - 1} more) outside it. Drop the profile or the id."
                )
            entries = {i: entries[i] for i in wanted}
        return entries
    if not wanted:
        raise InputError(
            "fetch_fingertips must be given a profile or indicators; got neither. Use e.g. "
            "profile=19 or indicators=[93722, 241]."
        )
    entries = client.metadata_for(list(wanted))
    unknown = [i for i in wanted if i not in entries]
    if unknown:
        raise InputError(
            f"indicators must be known to Fingertips; got no metadata for {', '.join(unknown)}. "
            "Check the ids on https://fingertips.phe.org.uk (search the indicator)."
        )
    return {i: entries[i] for i in wanted}


def _chunks(path: Path) -> Iterator[pd.DataFrame]:
    from healthgap.data.importing import iter_indicator_file

    for chunk in iter_indicator_file(path, "fingertips"):
        chunk["area_type"] = chunk["area_type"].map(healthgap_area_type)
        yield chunk


def _load_one(
    client: FingertipsClient,
    store: str,
    ind: str,
    area_type: int,
    parent_area_type: int | None,
    entry: dict[str, Any],
) -> Fetched:
    from healthgap.data.loading import load_indicators

    body = client.indicator_csv(ind, area_type, parent_area_type)
    source_id = f"fingertips:{ind}:{area_type}"
    with tempfile.TemporaryDirectory(prefix="healthgap-fingertips-") as folder:
        path = Path(folder) / f"fingertips_{ind}_area_type_{area_type}.csv"
        path.write_bytes(body)
        cats = 0

        def counted() -> Iterator[pd.DataFrame]:
            nonlocal cats
            for chunk in _chunks(path):
                cats += int(chunk["category_type"].notna().sum())
                yield chunk

        result = load_indicators(
            counted(),
            store,
            source_id=source_id,
            title=f"OHID Fingertips indicator {ind}, area type {area_type}",
            url=(
                f"{client.base_url}/api/all_data/csv/by_indicator_id?indicator_ids={ind}"
                f"&child_area_type_id={area_type}"
                + (f"&parent_area_type_id={parent_area_type}" if parent_area_type else "")
            ),
            checksum=hashlib.sha256(body).hexdigest(),
        )
    store_metadata(store, metadata_frame({ind: entry}, source_id))
    return Fetched(
        ind, area_type, "loaded", result.rows, result.added, result.updated, result.unchanged, cats
    )


def fetch_fingertips(
    store: str | os.PathLike[str] | None = None,
    *,
    profile: int | str | None = None,
    indicators: Sequence[int | str] | None = None,
    area_types: Sequence[int | str] = (502,),
    parent_area_type: int | str | None = None,
    client: FingertipsClient | None = None,
    checkpoint: str | os.PathLike[str] | None = None,
    restart: bool = False,
    on_progress: Callable[[int, int, str], None] | None = None,
) -> BulkResult:
    """Fetch a Fingertips profile or indicator list at some area types into the store.

    Parameters
    ----------
    store
        The store file (it must exist: ``healthgap init``).
    profile
        A Fingertips profile id (e.g. 19, the Public Health Outcomes Framework): every
        indicator it lists. With ``indicators`` too, only those (each must be in it).
    indicators
        Fingertips indicator ids (without ``profile``: exactly these).
    area_types
        Fingertips child area type ids (e.g. 502 counties and unitary authorities, 501
        districts, 6 regions, 221 ICBs).
    parent_area_type
        The parent area type id the API groups the areas by (default: the API's).
    client
        A :class:`~healthgap.data.sources.fingertips_api.FingertipsClient` (default: a
        new one; tests pass one with a recorded transport).
    checkpoint
        The checkpoint file; default ``<store>.fingertips-checkpoint.json``.
    restart
        Ignore (and replace) an existing checkpoint.
    on_progress
        Called before each download and once at the end with (done, total, label).

    Raises
    ------
    FingertipsAPIError
        The network failed (after the client's retries): what was loaded stays loaded
        and in the checkpoint, and the message says how to resume.
    InputError
        Bad ids, no store, or a checkpoint of another fetch.

    Examples
    --------
    >>> result = fetch_fingertips("store.duckdb", profile=19, area_types=[502])  # doctest: +SKIP
    >>> print(result.summary())  # doctest: +SKIP
    """
    from healthgap.data.paths import store_path

    target = store_path(store)
    if not Path(target).is_file():
        raise InputError(
            f"the store must exist before a Fingertips fetch; got no file at {target}. "
            "Build it first with `healthgap init`."
        )
    types = [_positive_id(a, "area_type", "502 (upper-tier local authorities)") for a in area_types]
    if not types:
        raise InputError("area_types must list at least one id; got none. Use e.g. [502].")
    parent = (
        None
        if parent_area_type is None
        else _positive_id(parent_area_type, "parent_area_type", "6 (regions)")
    )
    own = client is None
    api = client if client is not None else FingertipsClient()
    try:
        entries = _tasks(api, profile, indicators)
        request = {
            "profile": None if profile is None else str(profile),
            "indicators": list(entries),
            "area_types": types,
            "parent_area_type": parent,
        }
        where = (
            Path(checkpoint)
            if checkpoint is not None
            else Path(f"{target}.fingertips-checkpoint.json")
        )
        point = Checkpoint.open(where, request, restart)
        tasks = [(ind, at) for ind in entries for at in types]
        items: list[Fetched] = []
        for n, (ind, at) in enumerate(tasks):
            key = f"{ind}:{at}"
            if on_progress is not None:
                on_progress(n, len(tasks), f"Fingertips indicator {ind}, area type {at}")
            if key in point.done:
                items.append(Fetched(ind, at, "done before", note=""))
                continue
            try:
                item = _load_one(api, target, ind, at, parent, entries[ind])
            except FingertipsNoData:
                item = Fetched(
                    ind, at, "no data", note="Fingertips holds no rows at this area type"
                )
            except FingertipsAPIError as exc:
                loaded = len(point.done)
                raise FingertipsAPIError(
                    f"{exc} The fetch stopped at indicator {ind}, area type {at}: {loaded} of "
                    f"{len(tasks)} are loaded and listed in {point.path}. Run the same fetch "
                    "again to resume from there."
                ) from None
            except HealthgapError as exc:
                items.append(Fetched(ind, at, "failed", note=str(exc)))
                continue
            point.mark(key, {"status": item.status, "rows": item.rows})
            items.append(item)
        if on_progress is not None:
            on_progress(len(tasks), len(tasks), "Fingertips fetch done")
        complete = not any(i.status == "failed" for i in items)
        if complete:
            point.clear()
        return BulkResult(tuple(items), point.path, complete)
    finally:
        if own:
            api.close()
