"""The three primitives of the key slots, from the OpenSSL that Python itself links.

The key slots (:mod:`app.store.keyslots`) need AES-256-GCM, X25519 and HKDF-SHA256. They were
taken from the ``cryptography`` package, whose compiled module alone is 11 MiB of a 134 MiB
station bundle that already carries the OpenSSL of Python's ``ssl`` and ``hashlib`` (libcrypto,
4.6 MiB). This module calls that libcrypto through ``ctypes`` instead, with the EVP interface
(OpenSSL 1.1.1 and 3.x), so the station bundle leaves ``cryptography`` out. The district server,
which is not part of the station install, still uses ``cryptography`` (TLS certificates, blobs).

Formats are those of ``cryptography``: ``AESGCM.encrypt`` returns ciphertext followed by the
16-byte tag; X25519 keys are the raw 32 bytes of RFC 7748; HKDF is RFC 5869. The tests check
each against ``cryptography`` on random inputs, so slots written by earlier releases still open.
"""

from __future__ import annotations

import ctypes
import hashlib
import hmac
import os
import sys
from functools import cache
from pathlib import Path

__all__ = ["AESGCM", "InvalidTag", "X25519PrivateKey", "X25519PublicKey", "hkdf_sha256"]


class InvalidTag(Exception):
    """The ciphertext, its tag, the nonce or the associated data do not match the key."""


# ------------------------------------------------------------------ finding libcrypto


def _candidates() -> list[str]:
    """Where the libcrypto of this Python is: beside ``_hashlib`` (Windows and the bundles keep
    it there), then by its usual names (found among the libraries already loaded)."""
    import _hashlib  # loads libcrypto into the process: a later dlopen by soname finds it

    found: list[str] = []
    here = Path(_hashlib.__file__).parent if getattr(_hashlib, "__file__", None) else None
    dirs = [d for d in (here, here.parent if here else None, Path(sys.executable).parent) if d]
    if getattr(sys, "frozen", False):
        dirs.insert(0, Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent)))
    if os.name == "nt":
        for d in dirs:
            found += sorted(str(p) for p in d.glob("libcrypto-*.dll"))
        found += ["libcrypto-3-x64", "libcrypto-3", "libcrypto-1_1-x64", "libcrypto-1_1"]
    elif sys.platform == "darwin":
        for d in dirs:
            found += sorted(str(p) for p in d.glob("libcrypto*.dylib"))
        found += ["libcrypto.3.dylib", "libcrypto.1.1.dylib"]
    else:
        for d in dirs:
            found += sorted(str(p) for p in d.glob("libcrypto.so.*"))
        found += ["libcrypto.so.3", "libcrypto.so.1.1"]
    return found


@cache
def _lib() -> ctypes.CDLL:
    errors = []
    for name in _candidates():
        try:
            lib = ctypes.CDLL(name)
            lib.EVP_aes_256_gcm  # noqa: B018 - present in every libcrypto we can use
            lib.EVP_PKEY_new_raw_private_key  # noqa: B018 - OpenSSL >= 1.1.1
        except (OSError, AttributeError) as exc:
            errors.append(f"{name}: {exc}")
            continue
        _declare(lib)
        return lib
    raise RuntimeError("找不到程序所需的加密库（libcrypto）：" + "; ".join(errors[:3]))


def _declare(lib: ctypes.CDLL) -> None:
    p, i, sz = ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t
    ip, szp, cp = ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_size_t), ctypes.c_char_p
    sigs = {
        "EVP_aes_256_gcm": (p, []),
        "EVP_CIPHER_CTX_new": (p, []),
        "EVP_CIPHER_CTX_free": (None, [p]),
        "EVP_CIPHER_CTX_ctrl": (i, [p, i, i, p]),
        "EVP_EncryptInit_ex": (i, [p, p, p, cp, cp]),
        "EVP_EncryptUpdate": (i, [p, p, ip, cp, i]),
        "EVP_EncryptFinal_ex": (i, [p, p, ip]),
        "EVP_DecryptInit_ex": (i, [p, p, p, cp, cp]),
        "EVP_DecryptUpdate": (i, [p, p, ip, cp, i]),
        "EVP_DecryptFinal_ex": (i, [p, p, ip]),
        "EVP_PKEY_new_raw_private_key": (p, [i, p, cp, sz]),
        "EVP_PKEY_new_raw_public_key": (p, [i, p, cp, sz]),
        "EVP_PKEY_get_raw_public_key": (i, [p, p, szp]),
        "EVP_PKEY_free": (None, [p]),
        "EVP_PKEY_CTX_new": (p, [p, p]),
        "EVP_PKEY_CTX_free": (None, [p]),
        "EVP_PKEY_derive_init": (i, [p]),
        "EVP_PKEY_derive_set_peer": (i, [p, p]),
        "EVP_PKEY_derive": (i, [p, p, szp]),
    }
    for name, (res, args) in sigs.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args


_EVP_PKEY_X25519 = 1034  # NID_X25519
_GCM_SET_IVLEN, _GCM_GET_TAG, _GCM_SET_TAG = 0x9, 0x10, 0x11
_TAG = 16


def _check(ok: int, what: str) -> None:
    if ok != 1:
        raise RuntimeError(f"OpenSSL {what} failed")


# ------------------------------------------------------------------ AES-256-GCM


class AESGCM:
    """AES-256-GCM as ``cryptography``'s ``AESGCM`` (256-bit keys only, as the slots use)."""

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes | bytearray) or len(key) != 32:
            raise ValueError("AES-256-GCM key must be 32 bytes")
        self._key = bytes(key)

    @staticmethod
    def _args(nonce: bytes, data: bytes, aad: bytes | None) -> bytes:
        if not 8 <= len(nonce) <= 128:
            raise ValueError("nonce must be between 8 and 128 bytes")
        if len(data) > 2**31 - 1 or (aad is not None and len(aad) > 2**31 - 1):
            raise OverflowError("data too long")
        return aad or b""

    def encrypt(self, nonce: bytes, data: bytes, associated_data: bytes | None) -> bytes:
        aad = self._args(nonce, data, associated_data)
        lib = _lib()
        ctx = lib.EVP_CIPHER_CTX_new()
        if not ctx:
            raise MemoryError("EVP_CIPHER_CTX_new")
        try:
            n = ctypes.c_int(0)
            _check(lib.EVP_EncryptInit_ex(ctx, lib.EVP_aes_256_gcm(), None, None, None), "init")
            _check(lib.EVP_CIPHER_CTX_ctrl(ctx, _GCM_SET_IVLEN, len(nonce), None), "iv length")
            _check(lib.EVP_EncryptInit_ex(ctx, None, None, self._key, bytes(nonce)), "key")
            if aad:
                _check(lib.EVP_EncryptUpdate(ctx, None, ctypes.byref(n), aad, len(aad)), "aad")
            out = ctypes.create_string_buffer(len(data) + _TAG)
            _check(lib.EVP_EncryptUpdate(ctx, out, ctypes.byref(n), bytes(data), len(data)), "enc")
            written = n.value
            tail = ctypes.create_string_buffer(_TAG)
            _check(lib.EVP_EncryptFinal_ex(ctx, tail, ctypes.byref(n)), "final")
            written += n.value  # GCM adds nothing at the end
            tag = ctypes.create_string_buffer(_TAG)
            _check(lib.EVP_CIPHER_CTX_ctrl(ctx, _GCM_GET_TAG, _TAG, tag), "tag")
            return out.raw[:written] + tag.raw
        finally:
            lib.EVP_CIPHER_CTX_free(ctx)

    def decrypt(self, nonce: bytes, data: bytes, associated_data: bytes | None) -> bytes:
        aad = self._args(nonce, data, associated_data)
        if len(data) < _TAG:
            raise InvalidTag()
        body, tag = bytes(data[:-_TAG]), bytes(data[-_TAG:])
        lib = _lib()
        ctx = lib.EVP_CIPHER_CTX_new()
        if not ctx:
            raise MemoryError("EVP_CIPHER_CTX_new")
        try:
            n = ctypes.c_int(0)
            _check(lib.EVP_DecryptInit_ex(ctx, lib.EVP_aes_256_gcm(), None, None, None), "init")
            _check(lib.EVP_CIPHER_CTX_ctrl(ctx, _GCM_SET_IVLEN, len(nonce), None), "iv length")
            _check(lib.EVP_DecryptInit_ex(ctx, None, None, self._key, bytes(nonce)), "key")
            if aad:
                _check(lib.EVP_DecryptUpdate(ctx, None, ctypes.byref(n), aad, len(aad)), "aad")
            out = ctypes.create_string_buffer(len(body) + _TAG)
            _check(lib.EVP_DecryptUpdate(ctx, out, ctypes.byref(n), body, len(body)), "dec")
            written = n.value
            tag_buf = ctypes.create_string_buffer(tag, _TAG)
            _check(lib.EVP_CIPHER_CTX_ctrl(ctx, _GCM_SET_TAG, _TAG, tag_buf), "tag")
            tail = ctypes.create_string_buffer(_TAG)
            if lib.EVP_DecryptFinal_ex(ctx, tail, ctypes.byref(n)) != 1:
                ctypes.memset(out, 0, len(body))  # no unauthenticated plaintext left behind
                raise InvalidTag()
            return out.raw[: written + n.value]
        finally:
            lib.EVP_CIPHER_CTX_free(ctx)


# ------------------------------------------------------------------ X25519


class _PKey:
    """An owned ``EVP_PKEY*``, freed with the Python object."""

    def __init__(self, ptr: int) -> None:
        if not ptr:
            raise ValueError("invalid X25519 key")
        self._ptr = ptr

    def __del__(self) -> None:
        ptr, self._ptr = getattr(self, "_ptr", None), None
        if ptr:
            _lib().EVP_PKEY_free(ptr)


class X25519PublicKey:
    def __init__(self, pkey: _PKey, raw: bytes) -> None:
        self._pkey, self._raw = pkey, raw

    @classmethod
    def from_public_bytes(cls, data: bytes) -> X25519PublicKey:
        if not isinstance(data, bytes) or len(data) != 32:
            raise ValueError("An X25519 public key is 32 bytes long")
        ptr = _lib().EVP_PKEY_new_raw_public_key(_EVP_PKEY_X25519, None, data, 32)
        return cls(_PKey(ptr), data)

    def public_bytes_raw(self) -> bytes:
        return self._raw


class X25519PrivateKey:
    def __init__(self, pkey: _PKey) -> None:
        self._pkey = pkey

    @classmethod
    def generate(cls) -> X25519PrivateKey:
        raw = bytearray(os.urandom(32))
        # RFC 7748 section 5 clamping, as OpenSSL's own key generation stores it
        raw[0] &= 248
        raw[31] &= 127
        raw[31] |= 64
        return cls.from_private_bytes(bytes(raw))

    @classmethod
    def from_private_bytes(cls, data: bytes) -> X25519PrivateKey:
        if not isinstance(data, bytes) or len(data) != 32:
            raise ValueError("An X25519 private key is 32 bytes long")
        ptr = _lib().EVP_PKEY_new_raw_private_key(_EVP_PKEY_X25519, None, data, 32)
        key = cls(_PKey(ptr))
        key._raw = data
        return key

    def private_bytes_raw(self) -> bytes:
        return self._raw

    def public_key(self) -> X25519PublicKey:
        buf = ctypes.create_string_buffer(32)
        size = ctypes.c_size_t(32)
        _check(_lib().EVP_PKEY_get_raw_public_key(self._pkey._ptr, buf, ctypes.byref(size)), "pk")
        return X25519PublicKey.from_public_bytes(buf.raw[: size.value])

    def exchange(self, peer: X25519PublicKey) -> bytes:
        lib = _lib()
        ctx = lib.EVP_PKEY_CTX_new(self._pkey._ptr, None)
        if not ctx:
            raise MemoryError("EVP_PKEY_CTX_new")
        try:
            _check(lib.EVP_PKEY_derive_init(ctx), "derive init")
            _check(lib.EVP_PKEY_derive_set_peer(ctx, peer._pkey._ptr), "derive peer")
            size = ctypes.c_size_t(32)
            buf = ctypes.create_string_buffer(32)
            if lib.EVP_PKEY_derive(ctx, buf, ctypes.byref(size)) != 1:
                # OpenSSL refuses an all-zero shared secret (a small-order peer key)
                raise ValueError("Error computing shared key.")
            shared = buf.raw[: size.value]
        finally:
            lib.EVP_PKEY_CTX_free(ctx)
        if len(shared) != 32 or not any(shared):
            raise ValueError("Error computing shared key.")
        return shared


# ------------------------------------------------------------------ HKDF


def hkdf_sha256(secret: bytes, info: bytes, length: int = 32, salt: bytes | None = None) -> bytes:
    """RFC 5869 HKDF with SHA-256 (extract, then expand)."""
    if length > 255 * 32:
        raise ValueError("HKDF-SHA256 output is at most 8160 bytes")
    prk = hmac.new(salt or bytes(32), secret, hashlib.sha256).digest()
    out, block = b"", b""
    for counter in range(1, -(-length // 32) + 1):
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
    return out[:length]


def self_check() -> str:
    """Known answers (RFC 7748 section 6.1 for X25519; an AES-256-GCM sealing computed with
    ``cryptography``): proves an installed PC found a working libcrypto. Returns its name."""
    alice = X25519PrivateKey.from_private_bytes(
        bytes.fromhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
    )
    if alice.public_key().public_bytes_raw().hex() != (
        "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
    ):
        raise RuntimeError("X25519 公钥计算结果不正确")
    bob = X25519PublicKey.from_public_bytes(
        bytes.fromhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
    )
    if alice.exchange(bob).hex() != (
        "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
    ):
        raise RuntimeError("X25519 密钥协商结果不正确")
    sealed = AESGCM(bytes(range(32))).encrypt(bytes(range(12)), b"labor-station", b"aad")
    if sealed.hex() != "2b63b474b7c8b16fec35fee4dfcb598b07078832966e0746296ff76d7b":
        raise RuntimeError("AES-256-GCM 加密结果不正确")
    if AESGCM(bytes(range(32))).decrypt(bytes(range(12)), sealed, b"aad") != b"labor-station":
        raise RuntimeError("AES-256-GCM 解密结果不正确")
    return Path(_lib()._name).name
