"""The deployment's signing key: Ed25519 (RFC 8032) through the ``cryptography`` package.

``healthgap network keygen`` makes one keypair per deployment and writes the private key
(PKCS#8 PEM, file mode 0600) to :func:`key_path`: ``$HEALTHGAP_NETWORK_KEY``, else
``network-ed25519.pem`` in the healthgap data directory, which is outside the repository.
The public key is published at ``/.well-known/healthgap-network-key``; subscribers pin it
the first time they subscribe (trust on first use) and refuse a feed signed by another.

A key is named by its fingerprint, ``SHA256:`` and the first 32 hex digits of the
SHA-256 of its 32 raw bytes, which an administrator can read out to another by phone.

>>> key = generate()
>>> sig = sign(key, b"hello")
>>> verify(public_bytes(key), b"hello", sig)
True
>>> verify(public_bytes(key), b"hellO", sig)
False
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from healthgap.errors import InputError

#: The environment variable naming the private key file.
KEY_ENV = "HEALTHGAP_NETWORK_KEY"
#: The key file's name in the data directory when ``$HEALTHGAP_NETWORK_KEY`` is not set.
KEY_FILE = "network-ed25519.pem"
ALGORITHM = "Ed25519"


def key_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Where the private key lives: ``explicit``, ``$HEALTHGAP_NETWORK_KEY`` or the data dir."""
    if explicit not in (None, ""):
        return Path(explicit).expanduser()
    env = os.environ.get(KEY_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    from healthgap.data.paths import data_dir

    return data_dir() / KEY_FILE


def generate() -> Ed25519PrivateKey:
    """A new private key."""
    return Ed25519PrivateKey.generate()


def write_key(path: Path, *, replace: bool = False) -> Ed25519PrivateKey:
    """Generate a keypair and write its private key to ``path`` (mode 0600).

    An existing key is kept unless ``replace``: every subscriber has pinned it, and a new
    one makes them refuse this deployment's feed until they subscribe again.
    """
    if path.exists() and not replace:
        raise InputError(
            f"the network key file must not exist yet; got {str(path)!r}, which does. "
            "Subscribers have pinned that key: keep it, or pass --replace to make a new one "
            "(every subscriber must then remove and re-add this deployment)."
        )
    key = generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    os.replace(tmp, path)
    return key


def load_key(path: Path) -> Ed25519PrivateKey:
    """The private key at ``path``; a clear error when there is none."""
    if not path.is_file():
        raise InputError(
            f"the network key must exist before this deployment can publish a signed feed; "
            f"got no file at {str(path)!r}. Make one with `healthgap network keygen` "
            f"(or set {KEY_ENV} to its path)."
        )
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise InputError(
            f"the network key file must hold an unencrypted Ed25519 private key (PEM); got "
            f"something else in {str(path)!r}. Make a new one with "
            "`healthgap network keygen --replace`."
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(
            f"the network key must be an Ed25519 key; got {type(key).__name__} in "
            f"{str(path)!r}. Make one with `healthgap network keygen --replace`."
        )
    return key


def public_bytes(key: Ed25519PrivateKey) -> bytes:
    """The 32 raw bytes of the public half of ``key``."""
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def b64(data: bytes) -> str:
    """Standard base64 text."""
    return base64.b64encode(data).decode("ascii")


def unb64(text: str, what: str, size: int) -> bytes:
    """Decode base64 ``text`` of exactly ``size`` bytes, else an :class:`InputError`."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise InputError(f"{what} must be base64; got {text[:40]!r}.") from exc
    if len(raw) != size:
        raise InputError(f"{what} must be {size} bytes; got {len(raw)}.")
    return raw


def fingerprint(public: bytes) -> str:
    """``SHA256:`` and 32 hex digits naming a public key."""
    return "SHA256:" + hashlib.sha256(public).hexdigest()[:32]


def sign(key: Ed25519PrivateKey, message: bytes) -> bytes:
    """The 64-byte Ed25519 signature of ``message``."""
    return key.sign(message)


def verify(public: bytes, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is ``public``'s signature of ``message``."""
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True
