"""The wire format shared by the station and the district server (see docs/sync.md).

Plain Python: no Qt, no HTTP client, no server framework. Both sides import the limits, the
compression helpers, the credential format and the record serialisation from here, so that they
cannot drift apart.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import zlib
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

import orjson
import zstandard

#: 2: a credential per PC with its own batch sequence, the pull of the station's records written
#: by its other PCs, case-number blocks (docs/sync.md); servers still accept protocol 1 batches
PROTOCOL_VERSION = 2

#: Records in one batch sent by a station (the server refuses more than ``MAX_BATCH_RECORDS``).
DEFAULT_BATCH_RECORDS = 5000
MAX_BATCH_RECORDS = 5000
#: Bytes of one request body as sent (compressed) and after decompression.
MAX_BODY_BYTES = 8 * 1024 * 1024
MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024
#: Bytes of one record's JSON data.
MAX_RECORD_BYTES = 256 * 1024

SIGNATURE_HEADER = "X-Labor-Signature"
CREDENTIAL_PREFIX = "lst1"
ENCODINGS = ("zstd", "gzip", "identity")

UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
STATION_PATTERN = r"^[A-Z][A-Z0-9]{1,15}$"
ENTITY_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"


class PayloadError(ValueError):
    """A body that cannot be decoded; ``str()`` is a Chinese message for the response."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


# ------------------------------------------------------------------ compression


def compress(body: bytes, encoding: str) -> bytes:
    if encoding == "zstd":
        return zstandard.ZstdCompressor(level=3).compress(body)
    if encoding == "gzip":
        return gzip.compress(body, compresslevel=5, mtime=0)
    if encoding == "identity":
        return body
    raise ValueError(encoding)


def decompress(body: bytes, encoding: str, limit: int = MAX_DECOMPRESSED_BYTES) -> bytes:
    """Undo ``Content-Encoding`` without ever holding more than ``limit`` bytes (no zip bombs)."""
    encoding = (encoding or "identity").strip().lower()
    if encoding == "identity":
        return body
    if encoding == "gzip":
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            out = inflater.decompress(body, limit + 1)
        except zlib.error as exc:
            raise PayloadError("请求内容不是有效的 gzip 压缩数据") from exc
        if len(out) > limit or inflater.unconsumed_tail:
            raise PayloadError("请求内容解压后超过大小上限", status=413)
        if not inflater.eof:
            raise PayloadError("gzip 压缩数据不完整")
        return out
    if encoding == "zstd":
        return _unzstd(body, limit)
    raise PayloadError(f"不支持的压缩方式：{encoding[:20]}（可用 zstd、gzip）", status=415)


def _unzstd(body: bytes, limit: int) -> bytes:
    """One complete zstd frame, at most ``limit`` bytes once decompressed.

    A truncated frame is refused (a stream reader returned what it had, often nothing, as if
    that were the body); so is data after the frame. A frame that declares its size is refused
    before anything is allocated when that size is over the limit.
    """
    try:
        size = zstandard.get_frame_parameters(body).content_size
    except zstandard.ZstdError as exc:
        raise PayloadError("请求内容不是有效的 zstd 压缩数据") from exc
    known = size != zstandard.CONTENTSIZE_UNKNOWN
    if known and size > limit:
        raise PayloadError("请求内容解压后超过大小上限", status=413)
    try:
        return zstandard.ZstdDecompressor().decompress(
            body, max_output_size=limit, allow_extra_data=False
        )
    except zstandard.ZstdError as exc:
        if not known:  # either cut short or larger than the limit: say which
            reader = zstandard.ZstdDecompressor().stream_reader(body)
            if len(reader.read(limit + 1)) > limit:
                raise PayloadError("请求内容解压后超过大小上限", status=413) from exc
        raise PayloadError("zstd 压缩数据不完整或已损坏") from exc


# ------------------------------------------------------------------ credentials and signatures


def make_credential(token_id: str, secret: str) -> str:
    return f"{CREDENTIAL_PREFIX}.{token_id}.{secret}"


def parse_credential(value: str) -> tuple[str, str] | None:
    """``(token_id, secret)`` of a station credential, or None if it is not one."""
    parts = (value or "").strip().split(".")
    if len(parts) != 3 or parts[0] != CREDENTIAL_PREFIX or not parts[1] or not parts[2]:
        return None
    if len(parts[1]) > 64 or len(parts[2]) > 128:
        return None
    return parts[1], parts[2]


def secret_hash(secret: str) -> str:
    return hashlib.sha256(b"labor-sync-auth:" + secret.encode()).hexdigest()


def signing_key(secret: str) -> bytes:
    """The key a station signs its batches with; the server keeps this, not the secret."""
    return hashlib.sha256(b"labor-sync-sign:" + secret.encode()).digest()


def sign(key: bytes, body: bytes) -> str:
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def signature_ok(key: bytes, body: bytes, signature: str | None) -> bool:
    return bool(signature) and hmac.compare_digest(sign(key, body), signature.strip().lower())


# ------------------------------------------------------------------ records


def plain(value):
    """A column value as JSON: Decimal as string, dates and times ISO, enums by value."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict | list):
        return value
    if isinstance(value, bytes):
        raise TypeError("binary columns do not sync")
    return str(value)


def dumps(payload) -> bytes:
    """Compact UTF-8 JSON (orjson: about ten times faster than ``json`` for a batch).

    Non-finite floats must not reach here (orjson would write them as ``null``): the station
    sets such a record aside before it is sent (see ``app.sync.rows``).
    """
    return orjson.dumps(payload)


def loads(body: bytes | str):
    """Parse JSON strictly: NaN and Infinity (not JSON), invalid UTF-8 and lone surrogates are
    refused with ``ValueError`` (``orjson.JSONDecodeError``)."""
    return orjson.loads(body)
