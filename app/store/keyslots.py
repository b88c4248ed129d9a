"""Key slots: the station's database key, reachable once per user and once by the recovery code.

The database is encrypted (SQLCipher) with a random 256-bit key. Each user account has a *slot*
(see :class:`Slot`): the user's password, through scrypt (about 0.3 s, never below N = 2^17),
opens the slot's X25519 private key, and the database key is sealed to the slot's public key. A
further slot does the same for the recovery code the station head prints at setup. Adding a user
or changing one's own password rewrites only that slot. Disabling a user, an administrator's reset
and a new recovery code *rotate* the database key (:meth:`KeySlotFile.rotated`, the store's
``_rotate_key``): every remaining slot gets the new key sealed to its public key, no password
needed, and the superseded slot, wherever a copy of it lies, opens only the old key, which opens
nothing current. The keys of earlier generations stay sealed under the current key, for the
backups made under them. The slot file (``station.keys.json``) sits beside the database.

User names are not stored in the clear: a slot is found by an HMAC tag of the lower-cased name,
and the tag is bound into the slot's associated data, so a slot moved under another tag does not
open. Roles and the user list live in the encrypted database.
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

from app.store.crypto import AESGCM, InvalidTag, X25519PrivateKey, X25519PublicKey, hkdf_sha256
from app.store.errors import BadCredentials, StoreCorrupt, UnlockThrottled
from app.store.folder import open_private

log = logging.getLogger(__name__)

FORMAT = 2
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
            log.warning(
                "LABOR_STATION_KDF_LOG2N=%s ignored outside tests: the floor applies", forced
            )
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
    """One way in: the database key, reachable with one user's password or the recovery code.

    Version 2 (this program): the password (scrypt) unlocks an X25519 private key (``nonce``,
    ``wrapped``: AES-256-GCM, the associated data binding the store, the slot, its kind and the
    user tag, so that a slot copied under another user's tag does not open); the database key of
    the current generation is sealed to the slot's public key (``key_wrap``). Sealing to a public
    key lets the program give a *new* database key to every remaining slot when it rotates the
    key (a user disabled, a password reset, the recovery code renewed), without their passwords.
    ``mac`` (HMAC under a key derived from the database key) says the slot was made by someone
    who could open the store: a slot planted in the file is left out of the next rotation.

    Version 1 (first release): the database key wrapped directly under the password; read, and
    replaced by a version 2 slot at that user's next login.
    """

    slot_id: str
    kind: str  # "user" | "recovery"
    tag: str  # HMAC of the user name; "" for the recovery slot
    kdf: KdfParams
    salt: bytes
    nonce: bytes
    wrapped: bytes
    created: str
    v: int = 1
    public: bytes = b""
    key_wrap: dict | None = None
    mac: str = ""

    def as_dict(self) -> dict:
        d = {
            "slot_id": self.slot_id,
            "kind": self.kind,
            "tag": self.tag,
            "kdf": self.kdf.as_dict(),
            "salt": _b64(self.salt),
            "nonce": _b64(self.nonce),
            "wrapped": _b64(self.wrapped),
            "created": self.created,
        }
        if self.v >= 2:
            d.update(v=self.v, public=_b64(self.public), key_wrap=self.key_wrap, mac=self.mac)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Slot:
        v = int(d.get("v", 1))
        slot = cls(
            slot_id=str(d["slot_id"]),
            kind=str(d["kind"]),
            tag=str(d.get("tag", "")),
            kdf=KdfParams.from_dict(d["kdf"]),
            salt=_unb64(d["salt"]),
            nonce=_unb64(d["nonce"]),
            wrapped=_unb64(d["wrapped"]),
            created=str(d.get("created", "")),
            v=v,
        )
        if v >= 2:
            slot.public = _unb64(d["public"])
            wrap = d["key_wrap"]
            if not isinstance(wrap, dict):
                raise ValueError("key_wrap")
            slot.key_wrap = {
                "generation": int(wrap["generation"]),
                "ephemeral": str(wrap["ephemeral"]),
                "nonce": str(wrap["nonce"]),
                "wrapped": str(wrap["wrapped"]),
            }
            slot.mac = str(d["mac"])
        return slot

    def static_fields(self) -> bytes:
        """What the slot's MAC covers: everything but the key wrap (which rotation replaces and
        which its own AEAD protects)."""
        return json.dumps(
            [self.slot_id, self.kind, self.tag, self.kdf.as_dict(), _b64(self.salt),
             _b64(self.nonce), _b64(self.wrapped), self.created, _b64(self.public)],
            separators=(",", ":"),
        ).encode()  # fmt: skip


def _hkdf(secret: bytes, info: bytes, salt: bytes | None = None) -> bytes:
    return hkdf_sha256(secret, info, 32, salt)


#: a missing throttle entry of a slot counts as this many failures (deleting it does not help)
LOCKED_COUNT = FREE_FAILURES + 8


@dataclass
class KeySlotFile:
    """The slot file. All writes go through :meth:`save` (atomic replace, fsync)."""

    path: Path
    store_id: str
    station_code: str
    tag_salt: bytes
    slots: list[Slot] = field(default_factory=list)
    failures: dict[str, dict] = field(default_factory=dict)
    #: the database key's generation: +1 at every rotation
    generation: int = 0
    #: the keys of earlier generations (for the backups made under them), sealed under the
    #: current key: ``{"nonce": b64, "sealed": b64}``
    history: dict | None = None

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
        if not isinstance(data, dict) or data.get("format") not in (1, FORMAT):
            found = data.get("format") if isinstance(data, dict) else None
            raise StoreCorrupt(f"密钥文件 {path.name} 的格式版本 {found} 不受支持")
        try:
            keys = cls(
                path=path,
                store_id=str(data["store_id"]),
                station_code=str(data["station_code"]),
                tag_salt=_unb64(data["tag_salt"]),
                slots=[Slot.from_dict(s) for s in data["slots"]],
                failures={
                    str(k): {"count": int(v["count"]), "last": float(v["last"])}
                    for k, v in dict(data.get("failures") or {}).items()
                },
                generation=int(data.get("generation", 0)),
                history=data.get("history"),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise StoreCorrupt(f"密钥文件 {path.name} 内容不完整") from exc
        if data.get("format") == 1:  # the first release kept no entry for a clean slot
            for slot in keys.slots:
                keys.failures.setdefault(keys._throttle_key(slot), {"count": 0, "last": 0.0})
        return keys

    def as_dict(self) -> dict:
        return {
            "format": FORMAT,
            "store_id": self.store_id,
            "station_code": self.station_code,
            "tag_salt": _b64(self.tag_salt),
            "generation": self.generation,
            "history": self.history,
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

    def copy(self) -> KeySlotFile:
        return KeySlotFile.load_dict(self.path, self.as_dict())

    @classmethod
    def load_dict(cls, path: Path, data: dict) -> KeySlotFile:
        text = json.dumps(data)
        keys = cls(path, data["store_id"], data["station_code"], _unb64(data["tag_salt"]))
        keys.slots = [Slot.from_dict(s) for s in json.loads(text)["slots"]]
        keys.failures = json.loads(json.dumps(data.get("failures") or {}))
        keys.generation = int(data.get("generation", 0))
        keys.history = json.loads(json.dumps(data.get("history")))
        return keys

    # -------------------------------------------------------------- slots

    def user_tag(self, username: str) -> str:
        return hmac.new(
            self.tag_salt, username.strip().lower().encode("utf-8"), hashlib.sha256
        ).hexdigest()

    def _aad(self, slot_id: str) -> bytes:  # version 1 slots
        return f"{self.store_id}/{slot_id}".encode()

    def _slot_aad(self, slot: Slot) -> bytes:
        return "|".join(
            ("labor-station slot v2", self.store_id, slot.slot_id, slot.kind, slot.tag,
             _b64(slot.public))
        ).encode()  # fmt: skip

    def _wrap_aad(self, slot: Slot, generation: int) -> bytes:
        return "|".join(
            ("labor-station key v2", self.store_id, slot.slot_id, slot.kind, slot.tag,
             str(generation))
        ).encode()  # fmt: skip

    def _mac_key(self, db_key: bytes) -> bytes:
        return _hkdf(db_key, f"labor-station slot mac|{self.store_id}".encode())

    def _mac(self, slot: Slot, db_key: bytes) -> str:
        return hmac.new(self._mac_key(db_key), slot.static_fields(), hashlib.sha256).hexdigest()

    def _seal_key(self, slot: Slot, db_key: bytes) -> None:
        """Seal ``db_key`` (this generation's) to the slot's public key."""
        ephemeral = X25519PrivateKey.generate()
        eph_public = ephemeral.public_key().public_bytes_raw()
        shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(slot.public))
        aad = self._wrap_aad(slot, self.generation)
        kek = _hkdf(shared, aad, salt=eph_public + slot.public)
        nonce = secrets.token_bytes(12)
        slot.key_wrap = {
            "generation": self.generation,
            "ephemeral": _b64(eph_public),
            "nonce": _b64(nonce),
            "wrapped": _b64(AESGCM(kek).encrypt(nonce, db_key, aad)),
        }
        slot.mac = self._mac(slot, db_key)

    def _new_slot(self, kind: str, tag: str, secret: str, db_key: bytes, kdf: KdfParams) -> Slot:
        private = X25519PrivateKey.generate()
        slot = Slot(
            slot_id=str(uuid.uuid4()),
            kind=kind,
            tag=tag,
            kdf=kdf,
            salt=secrets.token_bytes(16),
            nonce=secrets.token_bytes(12),
            wrapped=b"",
            created=datetime.now(UTC).isoformat(),
            v=2,
            public=private.public_key().public_bytes_raw(),
        )
        raw = private.private_bytes_raw()
        kek = kdf.derive(secret, slot.salt)
        slot.wrapped = AESGCM(kek).encrypt(slot.nonce, raw, self._slot_aad(slot))
        self._seal_key(slot, db_key)
        self.failures[self._throttle_key(slot)] = {"count": 0, "last": 0.0}
        return slot

    def _unwrap(self, slot: Slot, secret: str) -> bytes | None:
        kek = slot.kdf.derive(secret, slot.salt)
        if slot.v < 2:
            try:
                return AESGCM(kek).decrypt(slot.nonce, slot.wrapped, self._aad(slot.slot_id))
            except InvalidTag:
                return None
        try:
            raw = AESGCM(kek).decrypt(slot.nonce, slot.wrapped, self._slot_aad(slot))
        except InvalidTag:
            return None
        db_key = self._open_wrap(slot, X25519PrivateKey.from_private_bytes(raw))
        if db_key is None or not hmac.compare_digest(slot.mac, self._mac(slot, db_key)):
            log.warning("key slot %s does not match the store: not used", slot.slot_id[:8])
            return None
        return db_key

    def _open_wrap(self, slot: Slot, private: X25519PrivateKey) -> bytes | None:
        wrap = slot.key_wrap or {}
        if wrap.get("generation") != self.generation:
            return None  # a wrap of an earlier key (a slot copied from an old file)
        try:
            eph_public = _unb64(wrap["ephemeral"])
            shared = private.exchange(X25519PublicKey.from_public_bytes(eph_public))
            aad = self._wrap_aad(slot, self.generation)
            kek = _hkdf(shared, aad, salt=eph_public + slot.public)
            return AESGCM(kek).decrypt(_unb64(wrap["nonce"]), _unb64(wrap["wrapped"]), aad)
        except (InvalidTag, KeyError, ValueError):
            return None

    def find_user_slot(self, username: str) -> Slot | None:
        tag = self.user_tag(username)
        return next((s for s in self.slots if s.kind == "user" and s.tag == tag), None)

    def recovery_slot(self) -> Slot | None:
        return next((s for s in self.slots if s.kind == "recovery"), None)

    def set_user_slot(self, username: str, password: str, db_key: bytes, kdf: KdfParams) -> Slot:
        """Add the user's slot or replace it (a password change or reset). Other slots are untouched."""
        tag = self.user_tag(username)
        slot = self._new_slot("user", tag, password, db_key, kdf)
        self.slots = [s for s in self.slots if not (s.kind == "user" and s.tag == tag)]
        self.slots.append(slot)
        return slot

    def remove_user_slot(self, username: str) -> bool:
        tag = self.user_tag(username)
        before = len(self.slots)
        self.slots = [s for s in self.slots if not (s.kind == "user" and s.tag == tag)]
        self.failures.pop(tag, None)
        return len(self.slots) != before

    def set_recovery_slot(self, code: str, db_key: bytes, kdf: KdfParams) -> Slot:
        slot = self._new_slot("recovery", "", normalize_recovery_code(code), db_key, kdf)
        self.slots = [s for s in self.slots if s.kind != "recovery"]
        self.slots.append(slot)
        return slot

    # -------------------------------------------------------------- key rotation

    def known_keys(self, db_key: bytes) -> dict[int, bytes]:
        """Every generation's database key this file knows, opened with the current one."""
        keys = {self.generation: db_key}
        if self.history:
            try:
                sealed = AESGCM(_hkdf(db_key, b"labor-station key history")).decrypt(
                    _unb64(self.history["nonce"]),
                    _unb64(self.history["sealed"]),
                    self.store_id.encode(),
                )
                keys.update({int(g): _unb64(k) for g, k in json.loads(sealed).items()})
            except (InvalidTag, KeyError, ValueError, TypeError):
                log.warning("key history unreadable: older backups need their own key files")
        return keys

    def rotated(self, old_key: bytes, new_key: bytes) -> tuple[KeySlotFile, list[Slot]]:
        """A copy of this file for ``new_key`` (the next generation): every version 2 slot made by
        someone who could open the store (its MAC checks out with ``old_key``) gets the new key
        sealed to it; version 1 slots, which cannot take a new key without their password, and
        slots that fail their MAC are left out and returned."""
        history = self.known_keys(old_key)
        out = self.copy()
        out.generation = self.generation + 1
        kept, dropped = [], []
        for slot in out.slots:
            if slot.v >= 2 and hmac.compare_digest(slot.mac, self._mac(slot, old_key)):
                out._seal_key(slot, new_key)
                kept.append(slot)
            else:
                dropped.append(slot)
        out.slots = kept
        for slot in dropped:
            out.failures.pop(self._throttle_key(slot), None)
        nonce = secrets.token_bytes(12)
        sealed = AESGCM(_hkdf(new_key, b"labor-station key history")).encrypt(
            nonce,
            json.dumps({str(g): _b64(k) for g, k in history.items()}).encode(),
            self.store_id.encode(),
        )
        out.history = {"nonce": _b64(nonce), "sealed": _b64(sealed)}
        return out, dropped

    def slot_is_current(self, slot: Slot, floor: int) -> bool:
        """Whether a slot needs no upgrade at its owner's next login."""
        return slot.v >= 2 and slot.kdf.log2_n >= floor

    # -------------------------------------------------------------- unlocking with throttling

    def _throttle_key(self, slot: Slot) -> str:
        return "recovery" if slot.kind == "recovery" else slot.tag

    def _check_throttle(self, key: str, now: float) -> None:
        entry = self.failures.get(key)
        if entry is None:
            has_slot = any(self._throttle_key(s) == key for s in self.slots)
            if not has_slot:
                return
            # the entry of an existing slot was deleted: as many failures as a long series
            entry = self.failures[key] = {"count": LOCKED_COUNT, "last": now}
            self.save()
        count = int(entry.get("count", 0))
        if count < FREE_FAILURES:
            return
        delay = min(2 ** (count - FREE_FAILURES + 1), MAX_DELAY_SECONDS)
        wait = float(entry.get("last", 0)) + delay - now
        if wait > 0:
            raise UnlockThrottled(math.ceil(wait))

    def _record(self, key: str, ok: bool, now: float) -> None:
        if ok:
            entry = self.failures.get(key)
            if entry is None or entry.get("count") or entry.get("last"):
                self.failures[key] = {"count": 0, "last": 0.0}
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
        slot = self.recovery_slot()
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
