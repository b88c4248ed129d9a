"""Attachment contents at the district (protocol 2): stored encrypted, behind a small interface.

* :class:`Storage` is all a backend must do (``put``/``get``/``delete`` of opaque bytes under a
  key). :class:`FolderStorage` writes files (temporary file, fsync, rename: a killed server
  leaves the whole file or none); an S3-compatible store would be a second implementation of
  the same four methods, for a district that outgrows one disk.
* :class:`EncryptedBlobs` encrypts before anything reaches the storage: AES-256-GCM with a
  random nonce per object and the station and SHA-256 as associated data (a file moved under
  another station's or content's name does not decrypt). The key is a file of its own
  (``--blob-key-file``), **not in the database**: a copy of the database or of its backups does
  not open the attachments, nor does the blob folder alone.
* Uploads come in parts of at most ``PART_BYTES`` (each request stays under the body limit);
  parts are encrypted as they arrive, the last one assembles the file, checks its SHA-256 and
  stores it. A station may resume an upload at the first part the server lacks.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
from pathlib import Path
from typing import Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PART_BYTES = 4 * 1024 * 1024
#: the largest attachment (the station accepts 40 MB)
MAX_BLOB_BYTES = 48 * 1024 * 1024
#: per station, all its attachments together (``serve --blob-quota-gb``)
DEFAULT_QUOTA_BYTES = 20 * 1024**3
MAGIC = b"LBB1"
SHA_PATTERN = r"^[0-9a-f]{64}$"
_SHA = re.compile(SHA_PATTERN)
_STATION = re.compile(r"^[A-Z][A-Z0-9]{1,15}$")


class Storage(Protocol):
    def put(self, key: str, data: bytes) -> None: ...
    def get(self, key: str) -> bytes | None: ...
    def delete(self, key: str) -> None: ...
    def keys(self, prefix: str) -> list[str]: ...


class FolderStorage:
    """Objects as files under ``root`` (keys are ``/``-separated, checked by the caller)."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*key.split("/"))

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(key).unlink()

    def keys(self, prefix: str) -> list[str]:
        folder = self._path(prefix)
        if not folder.is_dir():
            return []
        return sorted(f"{prefix}/{p.name}" for p in folder.iterdir() if not p.name.startswith("."))


def load_key(path: Path, *, create: bool = True) -> bytes:
    """The 32-byte blob key in ``path`` (made, 0600, if missing and ``create``)."""
    path = Path(path)
    if not path.exists():
        if not create:
            raise FileNotFoundError(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32).hex().encode())
    key = bytes.fromhex(path.read_text().strip())
    if len(key) != 32:
        raise ValueError("blob key file does not hold a 256-bit key")
    return key


class BlobError(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


class EncryptedBlobs:
    def __init__(self, storage: Storage, key: bytes):
        self.storage = storage
        self.aead = AESGCM(key)

    @staticmethod
    def _check(station: str, sha: str) -> None:
        if not _STATION.match(station) or not _SHA.match(sha):
            raise BlobError("附件标识不正确（应为 SHA-256 的 64 位十六进制）")

    def _seal(self, data: bytes, aad: bytes) -> bytes:
        nonce = secrets.token_bytes(12)
        return MAGIC + nonce + self.aead.encrypt(nonce, data, aad)

    def _open(self, blob: bytes, aad: bytes) -> bytes:
        if blob[:4] != MAGIC:
            raise BlobError("区级保存的附件已损坏", status=500)
        return self.aead.decrypt(blob[4:16], blob[16:], aad)

    def put(self, station: str, sha: str, data: bytes) -> None:
        self._check(station, sha)
        if hashlib.sha256(data).hexdigest() != sha:
            raise BlobError("附件内容与其 SHA-256 不符：传输中损坏，请重新上传")
        self.storage.put(f"{station}/{sha}", self._seal(data, f"{station}:{sha}".encode()))

    def get(self, station: str, sha: str) -> bytes | None:
        self._check(station, sha)
        blob = self.storage.get(f"{station}/{sha}")
        return None if blob is None else self._open(blob, f"{station}:{sha}".encode())

    # ------------------------------------------------------------ parts of an upload

    def _part_key(self, station: str, sha: str, offset: int) -> str:
        return f"uploads/{station}-{sha}/{offset:012d}"

    def put_part(self, station: str, sha: str, offset: int, data: bytes) -> None:
        self._check(station, sha)
        aad = f"{station}:{sha}:{offset}".encode()
        self.storage.put(self._part_key(station, sha, offset), self._seal(data, aad))

    def received(self, station: str, sha: str) -> int:
        """Bytes received without a hole, from the start (where an upload resumes)."""
        self._check(station, sha)
        done = 0
        for key in self.storage.keys(f"uploads/{station}-{sha}"):
            offset = int(key.rsplit("/", 1)[1])
            if offset != done:
                break
            part = self.storage.get(key)
            if part is None:
                break
            done += len(part) - 16 - 16  # magic + nonce, GCM tag
        return done

    def assemble(self, station: str, sha: str, size: int) -> bytes:
        """Join the parts, check the content, store it; the parts are removed."""
        self._check(station, sha)
        pieces, done = [], 0
        keys = self.storage.keys(f"uploads/{station}-{sha}")
        for key in keys:
            offset = int(key.rsplit("/", 1)[1])
            if offset != done:
                break
            part = self._open(self.storage.get(key), f"{station}:{sha}:{offset}".encode())
            pieces.append(part)
            done += len(part)
        data = b"".join(pieces)
        if len(data) != size or hashlib.sha256(data).hexdigest() != sha:
            for key in keys:
                self.storage.delete(key)
            raise BlobError("附件的各部分拼接后与其 SHA-256 不符：请重新上传", status=409)
        self.put(station, sha, data)
        for key in keys:
            self.storage.delete(key)
        return data


def default_blob_dir(database_url: str | None) -> Path:
    env = os.environ.get("LABOR_DISTRICT_BLOB_DIR")
    if env:
        return Path(env)
    from sqlalchemy.engine import make_url

    from app.district.db import default_database_url, normalise_url

    url = make_url(normalise_url(database_url or default_database_url()))
    if url.drivername.startswith("sqlite") and url.database and url.database != ":memory:":
        return Path(url.database).with_name(Path(url.database).name + ".blobs")
    return Path("labor-district-blobs").resolve()


def default_key_file(blob_dir: Path) -> Path:
    env = os.environ.get("LABOR_DISTRICT_BLOB_KEY_FILE")
    return Path(env) if env else Path(blob_dir).parent / "labor-district-blob.key"
