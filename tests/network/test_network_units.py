"""The network's parts on their own: Ed25519 against RFC 8032's test vectors, the strict
JSON reader, the canonical form, addresses, the key file and the migration."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import create_engine, inspect

from healthgap.errors import InputError
from healthgap.network import signing
from healthgap.network.schema import FeedRefused, canonical, parse_json
from healthgap.network.subscribe import normalise

# RFC 8032 section 7.1, TEST 1 and TEST 2 (secret key, public key, message, signature).
RFC8032 = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39"
        "701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f36"
        "13d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
]


@pytest.mark.parametrize(("secret", "public", "message", "signature"), RFC8032)
def test_signatures_match_rfc_8032(secret: str, public: str, message: str, signature: str) -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(secret))
    assert signing.public_bytes(key).hex() == public
    assert signing.sign(key, bytes.fromhex(message)).hex() == signature
    assert signing.verify(bytes.fromhex(public), bytes.fromhex(message), bytes.fromhex(signature))
    assert not signing.verify(
        bytes.fromhex(public), b"x" + bytes.fromhex(message), bytes.fromhex(signature)
    )


def test_key_file_is_private_and_never_silently_replaced(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "net.pem"
    key = signing.write_key(path)
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert signing.public_bytes(signing.load_key(path)) == signing.public_bytes(key)
    with pytest.raises(InputError, match=r"must not exist yet.*--replace"):
        signing.write_key(path)
    bad = tmp_path / "bad.pem"
    bad.write_text("not a key")
    with pytest.raises(InputError, match="must hold an unencrypted Ed25519 private key"):
        signing.load_key(bad)
    with pytest.raises(InputError, match="healthgap network keygen"):
        signing.load_key(tmp_path / "missing.pem")


def test_canonical_form_is_sorted_compact_ascii() -> None:
    assert canonical({"b": 1, "a": ["é", None]}) == b'{"a":["\\u00e9",null],"b":1}'


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"a": 1, "a": 2}', "must not repeat a key"),
        (b'{"a": NaN}', "must be strict JSON"),
        (b'{"a": 1.5}', "whole numbers only"),
        (b"[1]", "must be a JSON object"),
        (b"\xff", "must be UTF-8"),
        (b'{"a": ', "well-formed JSON"),
        (b"[" * 100_000, "nested so deeply|well-formed"),
    ],
)
def test_strict_json(body: bytes, message: str) -> None:
    with pytest.raises(FeedRefused, match=message):
        parse_json(body, "feed")


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("https://hg.example.gov.uk/", "https://hg.example.gov.uk"),
        ("http://127.0.0.1:8001/network/feed.json", "http://127.0.0.1:8001"),
        ("https://x.example/sub/.well-known/healthgap-network-key", "https://x.example/sub"),
    ],
)
def test_addresses_are_normalised(address: str, expected: str) -> None:
    assert normalise(address) == expected


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("ftp://x.example", "must be a web address"),
        ("javascript:alert(1)", "must be a web address"),
        ("https://user:pw@x.example", "no user name"),
        ("https://x.example/?a=1", "no user name, password, query"),
        ("https://" + "x" * 400, "at most 400"),
    ],
)
def test_bad_addresses_are_refused(address: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        normalise(address)


def test_migration_creates_and_drops_the_tables(tmp_path: Path) -> None:
    from alembic import command

    from healthgap.appdb.db import alembic_config, init_db

    url = f"sqlite:///{tmp_path / 'app.db'}"
    init_db(url).dispose()
    engine = create_engine(url)
    names = {"network_sharing", "network_feed_state", "network_subscriptions", "network_items"}
    assert names <= set(inspect(engine).get_table_names())
    command.downgrade(alembic_config(url), "0011_examples")
    assert not names & set(inspect(engine).get_table_names())
    engine.dispose()
