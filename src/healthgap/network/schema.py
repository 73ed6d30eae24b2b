"""The feed's format, version 1: a signed envelope around a payload of items.

``GET /network/feed.json`` answers (``application/json``)::

    {"algorithm": "Ed25519", "key_id": "SHA256:...", "sha256": "<hex>",
     "signature": "<base64>", "payload": {"schema": "healthgap-network-feed/1",
     "publisher": {...}, "sequence": 7, "generated_at": "...", "items": [...]}}

``sha256`` and ``signature`` are computed over :func:`canonical` of the payload: JSON with
sorted keys, no spaces, ASCII only. The payload holds no floating-point numbers, so a
reader that parses and re-serialises it gets the very bytes that were signed.

Everything a reader accepts is bounded here (:class:`Payload` validates with pydantic):
at most :data:`MAX_ITEMS` items, :data:`SHORT_CHARS` characters in a title or name,
:data:`TEXT_CHARS` in a summary, no control characters, dates as ``YYYY-MM-DD``, web
addresses starting ``https://`` or ``http://``; unknown fields are refused.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from healthgap.errors import HealthgapError

#: The one schema version this release reads and writes.
SCHEMA = "healthgap-network-feed/1"
#: The largest feed a subscriber downloads, in bytes (refused while streaming past it).
MAX_FEED_BYTES = 2 * 1024 * 1024
#: The largest public-key document, in bytes.
MAX_KEY_BYTES = 4 * 1024
#: The most items one feed may carry.
MAX_ITEMS = 500
#: The longest title, name or tag.
SHORT_CHARS = 300
#: The longest summary or outcome.
TEXT_CHARS = 5_000
#: The kinds of item a feed carries, and how pages name them.
KINDS: dict[str, str] = {
    "case_study": "case study",
    "action": "action-plan action",
    "progress": "framework progress",
    "screening": "screening summary",
}

_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


class FeedRefused(HealthgapError):
    """A feed (or key) that was not accepted; ``reason`` says why, for the audit log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _plain(value: str) -> str:
    m = _BAD_CHARS.search(value)
    if m:
        raise ValueError(
            f"must hold no control characters; got U+{ord(m.group()):04X} at character "
            f"{m.start() + 1}"
        )
    return value


def _web(value: str) -> str:
    if value and not value.startswith(("https://", "http://")):
        raise ValueError(f"must start https:// or http://; got {value[:40]!r}")
    return value


Short = Annotated[str, Field(max_length=SHORT_CHARS), AfterValidator(_plain)]
Text = Annotated[str, Field(max_length=TEXT_CHARS), AfterValidator(_plain)]
Url = Annotated[str, Field(max_length=500), AfterValidator(_plain), AfterValidator(_web)]
Day = Annotated[str, Field(pattern=r"^(\d{4}-\d{2}-\d{2})?$")]
Code = Annotated[str, Field(pattern=r"^[A-Z][0-9A-Z]{0,15}$")]
ItemId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")]
KeyId = Annotated[str, Field(pattern=r"^SHA256:[0-9a-f]{32}$")]
Key = Annotated[str, Field(pattern=r"^[A-Za-z0-9+/]{43}=$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Details(_Strict):
    """Kind-specific fields of an item (all optional)."""

    outcome: Text = ""
    tags: list[Short] = Field(default_factory=list, max_length=40)
    source_title: Short = ""
    source_url: Url = ""
    published: Day = ""
    status: Short = ""
    competence: Short = ""
    lever: Short = ""
    start: Day = ""
    due: Day = ""
    counts: dict[Short, int] = Field(default_factory=dict, max_length=20)


class Item(_Strict):
    """One shared record."""

    kind: Literal["case_study", "action", "progress", "screening"]
    id: ItemId
    authority_code: Code
    authority_name: Short
    title: Short
    summary: Text
    updated: Day
    details: Details = Details()


class Publisher(_Strict):
    """Who publishes the feed."""

    name: Short
    key_id: KeyId


class Payload(_Strict):
    """What is signed."""

    schema_: Literal["healthgap-network-feed/1"] = Field(alias="schema")
    publisher: Publisher
    sequence: int = Field(ge=1, le=2**31 - 1)
    generated_at: Annotated[str, Field(max_length=40, pattern=r"^\d{4}-\d{2}-\d{2}T[0-9:.+Z-]+$")]
    items: list[Item] = Field(max_length=MAX_ITEMS)


class Envelope(_Strict):
    """The signed document as served."""

    algorithm: Literal["Ed25519"]
    key_id: KeyId
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    signature: Annotated[str, Field(pattern=r"^[A-Za-z0-9+/]{86}==$")]
    payload: dict[str, Any]


class KeyDocument(_Strict):
    """``/.well-known/healthgap-network-key``."""

    algorithm: Literal["Ed25519"]
    public_key: Key
    key_id: KeyId
    publisher: Short


def canonical(payload: dict[str, Any]) -> bytes:
    """The bytes that are hashed and signed: sorted keys, no spaces, ASCII only."""
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    ).encode("ascii")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        raise FeedRefused(f"the feed must not repeat a key in one object; got {dup[:40]!r} twice")
    return dict(pairs)


def _no_float(text: str) -> Any:
    raise FeedRefused(f"the feed must hold whole numbers only; got {text[:20]!r}")


def _no_constant(text: str) -> Any:
    raise FeedRefused(f"the feed must be strict JSON; got {text!r}")


def parse_json(body: bytes, what: str) -> dict[str, Any]:
    """Strict JSON: UTF-8, an object, no repeated keys, no NaN, no floats, not too deep."""
    try:
        text = body.decode("utf-8")
        data = json.loads(
            text,
            object_pairs_hook=_pairs,
            parse_float=_no_float,
            parse_constant=_no_constant,
        )
    except UnicodeDecodeError as exc:
        raise FeedRefused(f"the {what} must be UTF-8 text; got invalid bytes") from exc
    except json.JSONDecodeError as exc:
        raise FeedRefused(
            f"the {what} must be well-formed JSON; got an error at line {exc.lineno} "
            f"column {exc.colno}: {exc.msg}"
        ) from exc
    except RecursionError as exc:
        raise FeedRefused(f"the {what} must not be nested so deeply") from exc
    if not isinstance(data, dict):
        raise FeedRefused(f"the {what} must be a JSON object; got {type(data).__name__}")
    return data


def explain(exc: Exception) -> str:
    """The first problem of a pydantic ``ValidationError`` as one sentence."""
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return str(exc)
    first = errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "the document"
    more = len(errors()) - 1
    extra = f" (and {more} more problem{'s' if more != 1 else ''})" if more else ""
    return f"field {where}: {first.get('msg', 'invalid')}{extra}"
