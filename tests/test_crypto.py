"""app.store.crypto (libcrypto through ctypes) against the ``cryptography`` package it replaced
in the station bundle: same bytes out, each opens what the other sealed, tampering refused."""

from __future__ import annotations

import os

import pytest
from cryptography.exceptions import InvalidTag as CInvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import x25519 as cx
from cryptography.hazmat.primitives.ciphers.aead import AESGCM as CAESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from app.store import crypto

keys = st.binary(min_size=32, max_size=32)
nonces = st.binary(min_size=12, max_size=12)
data = st.binary(max_size=3000)
aads = st.one_of(st.none(), st.binary(max_size=200))


@settings(max_examples=150, deadline=None)
@given(keys, nonces, data, aads)
def test_aes_gcm_matches_cryptography_both_ways(key, nonce, plain, aad):
    mine = crypto.AESGCM(key).encrypt(nonce, plain, aad)
    theirs = CAESGCM(key).encrypt(nonce, plain, aad)
    assert mine == theirs
    assert crypto.AESGCM(key).decrypt(nonce, theirs, aad) == plain
    assert CAESGCM(key).decrypt(nonce, mine, aad) == plain


@settings(max_examples=60, deadline=None)
@given(keys, nonces, data, st.binary(min_size=1, max_size=50), st.integers(0, 10_000))
def test_aes_gcm_refuses_tampering(key, nonce, plain, aad, where):
    sealed = bytearray(crypto.AESGCM(key).encrypt(nonce, plain, aad))
    flipped = bytearray(sealed)
    flipped[where % len(flipped)] ^= 0x01
    for bad in (
        lambda: crypto.AESGCM(key).decrypt(nonce, bytes(flipped), aad),
        lambda: crypto.AESGCM(key).decrypt(nonce, bytes(sealed), aad + b"x"),
        lambda: crypto.AESGCM(key).decrypt(nonce, bytes(sealed), None),
        lambda: crypto.AESGCM(bytes(32)).decrypt(nonce, bytes(sealed), aad),
        lambda: crypto.AESGCM(key).decrypt(bytes(12), bytes(sealed), aad),
        lambda: crypto.AESGCM(key).decrypt(nonce, bytes(sealed[:15]), aad),
    ):
        if key == bytes(32) or nonce == bytes(12):
            continue
        with pytest.raises(crypto.InvalidTag):
            bad()
    with pytest.raises(CInvalidTag):  # and what cryptography says of the same
        CAESGCM(key).decrypt(nonce, bytes(flipped), aad)


def test_aes_gcm_argument_checks():
    with pytest.raises(ValueError):
        crypto.AESGCM(b"short")
    with pytest.raises(ValueError):
        crypto.AESGCM(bytes(32)).encrypt(b"1234", b"x", None)


@settings(max_examples=60, deadline=None)
@given(keys, keys)
def test_x25519_matches_cryptography(a_raw, b_raw):
    mine_a = crypto.X25519PrivateKey.from_private_bytes(a_raw)
    theirs_a = cx.X25519PrivateKey.from_private_bytes(a_raw)
    pub_a = theirs_a.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert mine_a.public_key().public_bytes_raw() == pub_a
    theirs_b = cx.X25519PrivateKey.from_private_bytes(b_raw)
    pub_b = theirs_b.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    shared = mine_a.exchange(crypto.X25519PublicKey.from_public_bytes(pub_b))
    assert shared == theirs_a.exchange(cx.X25519PublicKey.from_public_bytes(pub_b))
    assert shared == theirs_b.exchange(cx.X25519PublicKey.from_public_bytes(pub_a))
    assert mine_a.private_bytes_raw() == a_raw


def test_generated_keys_agree_with_cryptography():
    for _ in range(20):
        mine = crypto.X25519PrivateKey.generate()
        other = cx.X25519PrivateKey.generate()
        other_pub = other.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        ours = mine.exchange(crypto.X25519PublicKey.from_public_bytes(other_pub))
        mine_pub = cx.X25519PublicKey.from_public_bytes(mine.public_key().public_bytes_raw())
        assert ours == other.exchange(mine_pub)
    assert len({crypto.X25519PrivateKey.generate().private_bytes_raw() for _ in range(50)}) == 50


def test_x25519_refuses_bad_keys():
    with pytest.raises(ValueError):
        crypto.X25519PublicKey.from_public_bytes(b"short")
    with pytest.raises(ValueError):
        crypto.X25519PrivateKey.from_private_bytes(bytes(31))
    # a small-order point (all zero) gives an all-zero secret: refused, as cryptography does
    key = crypto.X25519PrivateKey.generate()
    with pytest.raises(ValueError):
        key.exchange(crypto.X25519PublicKey.from_public_bytes(bytes(32)))


@settings(max_examples=100, deadline=None)
@given(
    st.binary(max_size=100),
    st.binary(max_size=60),
    st.one_of(st.none(), st.binary(max_size=64)),
    st.integers(1, 200),
)
def test_hkdf_matches_cryptography(secret, info, salt, length):
    expect = HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(secret)
    assert crypto.hkdf_sha256(secret, info, length, salt) == expect


def test_a_store_opens_after_the_switch(tmp_path):
    """A whole key file round trip: create, close, reopen with the password (the slots are
    sealed and opened with these primitives only)."""
    from app.store.store import Store

    store, code = Store.create(tmp_path / "d", "GUDONG", "admin", "林站长", "Admin-pass-2026")
    store.close()
    Store.open(tmp_path / "d", "admin", "Admin-pass-2026").close()
    assert os.path.exists(tmp_path / "d")
    assert code


def test_known_answers():
    assert crypto.self_check()  # the name of the libcrypto it found
