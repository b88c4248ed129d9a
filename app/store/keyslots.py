"""Key slots: the station's database key wrapped once per user and once by the recovery code.

The database is encrypted (SQLCipher) with a random 256-bit key that never changes. Each user
account has a *slot*: the database key encrypted (AES-256-GCM) under a key derived from that user's
password with scrypt, tuned to about 0.3 s. A further slot holds the key wrapped by the recovery code
that the station head prints at setup. Adding a user, changing or resetting a password rewrites only
that user's slot, as LUKS does. The slot file (``station.keys.json``) sits beside the database.

User names are not stored in the clear: a slot is found by an HMAC tag of the lower-cased name.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import logging
import math
import os
import secrets
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.store.errors import BadCredentials, StoreCorrupt, UnlockThrottled
from app.store.folder import open_private

log = logging.getLogger(__name__)

FORMAT = 1
KDF_TARGET_SECONDS = 0.3
#: scrypt cost: never below N = 2^17 (128 MiB with r = 8) for a new slot; calibration goes up
#: to 2^20 on a fast PC; a slot file naming more than 2^22 is refused (it would need 4 GiB)
KDF_MIN_LOG2N = 17
KDF_CALIBRATED_MAX_LOG2N = 20
KDF_MAX_LOG2N = 22
RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L or U: easy to read aloud
RECOVERY_GROUPS = 6
RECOVERY_GROUP_LEN = 5

#: failures allowed before delays start; then 2, 4, 8 ... seconds, capped.
FREE_FAILURES = 3
MAX_DELAY_SECONDS = 300


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


@dataclass(frozen=True)
class KdfParams:
    log2_n: int
    r: int = 8
    p: int = 1

    def derive(self, secret: str, salt: bytes) -> bytes:
        n = 1 << self.log2_n
        return hashlib.scrypt(
            secret.encode("utf-8"),
            salt=salt,
            n=n,
            r=self.r,
            p=self.p,
            maxmem=256 * n * self.r + (64 << 20),
            dklen=32,
        )

    def as_dict(self) -> dict:
        return {"name": "scrypt", "log2_n": self.log2_n, "r": self.r, "p": self.p}

    @classmethod
    def from_dict(cls, d: dict) -> KdfParams:
        if d.get("name") != "scrypt":
            raise StoreCorrupt(f"密钥槽使用了未知的密钥派生算法：{d.get('name')}")
        params = cls(int(d["log2_n"]), int(d["r"]), int(d["p"]))
        if not (1 <= params.log2_n <= KDF_MAX_LOG2N and 1 <= params.r <= 32 and 1 <= params.p <= 4):
            raise StoreCorrupt("密钥文件中的密钥派生参数超出范围")
        return params


def kdf_override_allowed() -> bool:
    """``LABOR_STATION_KDF_LOG2N`` below the floor is for the test suite only: under pytest, or
    with ``LABOR_STATION_TESTING=1`` (set by the tests' conftest for the processes they start,
    and by the bench scripts), never in the installed program (a frozen bundle)."""
    if getattr(sys, "frozen", False):
        return False
    return "pytest" in sys.modules or os.environ.get("LABOR_STATION_TESTING") == "1"


def calibrate_kdf(target: float = KDF_TARGET_SECONDS) -> KdfParams:
    """scrypt parameters that take about ``target`` seconds here, never below N = 2^17.

    ``LABOR_STATION_KDF_LOG2N`` fixes the cost instead: honoured as given in tests (which use a
    low one to stay fast, see :func:`kdf_override_allowed`), otherwise only above the floor.
    """
    forced = os.environ.get("LABOR_STATION_KDF_LOG2N")
    if forced:
        try:
            log2_n = int(forced)
        except ValueError:
            log2_n = KDF_MIN_LOG2N
        if kdf_override_allowed():
            return KdfParams(min(max(log2_n, 1), KDF_MAX_LOG2N))
        if log2_n < KDF_MIN_LOG2N:
            log.warning("LABOR_STATION_KDF_LOG2N=%s ignored outside tests: the floor applies", forced)
        return KdfParams(min(max(log2_n, KDF_MIN_LOG2N), KDF_MAX_LOG2N))
    probe = KdfParams(14)
    start = time.perf_counter()
    probe.derive("calibration", b"\0" * 16)
    elapsed = max(time.perf_counter() - start, 1e-4)
    log2_n = 14 + round(math.log2(target / elapsed))
    return KdfParams(min(max(log2_n, KDF_MIN_LOG2N), KDF_CALIBRATED_MAX_LOG2N))


def new_recovery_code() -> str:
    chars = "".join(
        secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUPS * RECOVERY_GROUP_LEN)
    )
    groups = [chars[i : i + RECOVERY_GROUP_LEN] for i in range(0, len(chars), RECOVERY_GROUP_LEN)]
    return "-".join(groups)


def normalize_recovery_code(text: str) -> str:
    """Accept the code typed with spaces, lower case or without dashes."""
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    groups = [
        compact[i : i + RECOVERY_GROUP_LEN] for i in range(0, len(compact), RECOVERY_GROUP_LEN)
    ]
    return "-".join(groups)


@dataclass
class Slot:
    slot_id: str
    kind: str  # "user" | "recovery"
    tag: str  # HMAC of the user name; "" for the recovery slot
    kdf: KdfParams
    salt: bytes
    nonce: bytes
    wrapped: bytes
    created: str

    def as_dict(self) -> dict:
        return {
            "slot_id": self.slot_id,
            "kind": self.kind,
            "tag": self.tag,
            "kdf": self.kdf.as_dict(),
            "salt": _b64(self.salt),
            "nonce": _b64(self.nonce),
            "wrapped": _b64(self.wrapped),
            "created": self.created,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Slot:
        return cls(
            slot_id=d["slot_id"],
            kind=d["kind"],
            tag=d.get("tag", ""),
            kdf=KdfParams.from_dict(d["kdf"]),
            salt=_unb64(d["salt"]),
            nonce=_unb64(d["nonce"]),
            wrapped=_unb64(d["wrapped"]),
            created=d.get("created", ""),
        )


@dataclass
class KeySlotFile:
    """The slot file. All writes go through :meth:`save` (atomic replace, fsync)."""

    path: Path
    store_id: str
    station_code: str
    tag_salt: bytes
    slots: list[Slot] = field(default_factory=list)
    failures: dict[str, dict] = field(default_factory=dict)

    # -------------------------------------------------------------- file

    @classmethod
    def create(cls, path: Path, station_code: str) -> KeySlotFile:
        return cls(
            path=path,
            store_id=str(uuid.uuid4()),
            station_code=station_code,
            tag_salt=secrets.token_bytes(32),
        )

    @classmethod
    def load(cls, path: Path) -> KeySlotFile:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise
        except (OSError, ValueError) as exc:
            raise StoreCorrupt(f"密钥文件 {path.name} 无法读取或已损坏") from exc
        if data.get("format") != FORMAT:
            raise StoreCorrupt(f"密钥文件 {path.name} 的格式版本 {data.get('format')} 不受支持")
        try:
            return cls(
                path=path,
                store_id=data["store_id"],
                station_code=data["station_code"],
                tag_salt=_unb64(data["tag_salt"]),
                slots=[Slot.from_dict(s) for s in data["slots"]],
                failures=data.get("failures", {}),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise StoreCorrupt(f"密钥文件 {path.name} 内容不完整") from exc

    def as_dict(self) -> dict:
        return {
            "format": FORMAT,
            "store_id": self.store_id,
            "station_code": self.station_code,
            "tag_salt": _b64(self.tag_salt),
            "slots": [s.as_dict() for s in self.slots],
            "failures": self.failures,
        }

    def save(self, path: Path | None = None) -> None:
        target = path or self.path
        tmp = target.with_name(target.name + ".tmp")
        payload = json.dumps(self.as_dict(), ensure_ascii=False, indent=1).encode("utf-8")
        with open_private(tmp, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        _fsync_dir(target.parent)

    # -------------------------------------------------------------- slots

    def user_tag(self, username: str) -> str:
        return hmac.new(
            self.tag_salt, username.strip().lower().encode("utf-8"), hashlib.sha256
        ).hexdigest()

    def _aad(self, slot_id: str) -> bytes:
        return f"{self.store_id}/{slot_id}".encode()

    def _wrap(self, kind: str, tag: str, secret: str, db_key: bytes, kdf: KdfParams) -> Slot:
        slot_id = str(uuid.uuid4())
        salt = secrets.token_bytes(16)
        nonce = secrets.token_bytes(12)
        kek = kdf.derive(secret, salt)
        wrapped = AESGCM(kek).encrypt(nonce, db_key, self._aad(slot_id))
        return Slot(slot_id, kind, tag, kdf, salt, nonce, wrapped, datetime.now(UTC).isoformat())

    def _unwrap(self, slot: Slot, secret: str) -> bytes | None:
        kek = slot.kdf.derive(secret, slot.salt)
        try:
            return AESGCM(kek).decrypt(slot.nonce, slot.wrapped, self._aad(slot.slot_id))
        except InvalidTag:
            return None

    def find_user_slot(self, username: str) -> Slot | None:
        tag = self.user_tag(username)
        return next((s for s in self.slots if s.kind == "user" and s.tag == tag), None)

    def set_user_slot(self, username: str, password: str, db_key: bytes, kdf: KdfParams) -> Slot:
        """Add the user's slot or replace it (a password change or reset). Other slots are untouched."""
        tag = self.user_tag(username)
        slot = self._wrap("user", tag, password, db_key, kdf)
        self.slots = [s for s in self.slots if not (s.kind == "user" and s.tag == tag)]
        self.slots.append(slot)
        self.failures.pop(tag, None)
        return slot

    def remove_user_slot(self, username: str) -> bool:
        tag = self.user_tag(username)
        before = len(self.slots)
        self.slots = [s for s in self.slots if not (s.kind == "user" and s.tag == tag)]
        return len(self.slots) != before

    def set_recovery_slot(self, code: str, db_key: bytes, kdf: KdfParams) -> Slot:
        slot = self._wrap("recovery", "", normalize_recovery_code(code), db_key, kdf)
        self.slots = [s for s in self.slots if s.kind != "recovery"]
        self.slots.append(slot)
        return slot

    # -------------------------------------------------------------- unlocking with throttling

    def _check_throttle(self, key: str, now: float) -> None:
        entry = self.failures.get(key)
        if not entry:
            return
        count = int(entry.get("count", 0))
        if count < FREE_FAILURES:
            return
        delay = min(2 ** (count - FREE_FAILURES + 1), MAX_DELAY_SECONDS)
        wait = float(entry.get("last", 0)) + delay - now
        if wait > 0:
            raise UnlockThrottled(math.ceil(wait))

    def _record(self, key: str, ok: bool, now: float) -> None:
        if ok:
            if self.failures.pop(key, None) is not None:
                self.save()
            return
        entry = self.failures.setdefault(key, {"count": 0, "last": 0})
        entry["count"] = int(entry["count"]) + 1
        entry["last"] = now
        self.save()

    def unlock_user(self, username: str, password: str, now: float | None = None) -> bytes:
        """The database key, or :class:`BadCredentials` / :class:`UnlockThrottled`."""
        now = time.time() if now is None else now
        tag = self.user_tag(username)
        self._check_throttle(tag, now)
        slot = self.find_user_slot(username)
        key = self._unwrap(slot, password) if slot else None
        if slot is None:
            # Spend the same time as a real attempt so that timing does not reveal user names.
            KdfParams(self.slots[0].kdf.log2_n if self.slots else 15).derive(password, b"\0" * 16)
        self._record(tag, key is not None, now)
        if key is None:
            raise BadCredentials()
        return key

    def unlock_recovery(self, code: str, now: float | None = None) -> bytes:
        now = time.time() if now is None else now
        self._check_throttle("recovery", now)
        slot = next((s for s in self.slots if s.kind == "recovery"), None)
        key = self._unwrap(slot, normalize_recovery_code(code)) if slot else None
        self._record("recovery", key is not None, now)
        if key is None:
            raise BadCredentials("恢复码不正确，请核对打印的恢复码（不区分大小写，横线可省略）")
        return key


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
