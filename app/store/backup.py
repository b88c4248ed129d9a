"""Encrypted backups of the station store.

A backup is a complete SQLCipher database made with ``sqlcipher_export`` under the same key, plus a
copy of the key-slot file as it was, so that it opens with the passwords (or the recovery code) of
that moment. A backup is verified (opens, integrity check, not plaintext) before it is kept and
before it replaces anything.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.store.engine import connect_raw
from app.store.errors import StoreCorrupt
from app.store.folder import private_dir, private_file

BACKUP_DIR = "backups"
BACKUP_SUFFIX = ".lsbak"
KEYS_SUFFIX = ".keys.json"
SQLITE_PLAIN_HEADER = b"SQLite format 3\x00"


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    created: datetime
    reason: str
    size: int

    @property
    def keys_path(self) -> Path:
        return keys_path_for(self.path)


def keys_path_for(backup_path: Path) -> Path:
    return backup_path.with_name(backup_path.name[: -len(BACKUP_SUFFIX)] + KEYS_SUFFIX)


def backup_dir(data_dir: Path) -> Path:
    return data_dir / BACKUP_DIR


def _safe_reason(reason: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", reason)[:40] or "manual"


def export_encrypted(
    db_path: Path, key: bytes, target: Path, target_key: bytes | None = None
) -> None:
    """Copy the store to ``target``: a new SQLCipher file under ``target_key`` (default: the
    same key), verified before it takes its name."""
    target_key = target_key or key
    if target.exists():
        raise FileExistsError(target)
    tmp = target.with_name(target.name + ".part")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    conn = connect_raw(db_path, key)
    try:
        path_sql = str(tmp).replace("'", "''")
        conn.execute(f"ATTACH DATABASE '{path_sql}' AS backup KEY \"x'{target_key.hex()}'\"")
        conn.execute("SELECT sqlcipher_export('backup')")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.execute(f"PRAGMA backup.user_version = {int(version)}")
        conn.execute("DETACH DATABASE backup")
    finally:
        conn.close()
    private_file(tmp)
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    verify(tmp, target_key)
    os.replace(tmp, target)


def verify(path: Path, key: bytes) -> None:
    """Raise StoreCorrupt unless ``path`` is an encrypted store that opens with ``key`` and is intact."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise StoreCorrupt(f"备份文件 {path.name} 无法读取") from exc
    if len(head) < 16:
        raise StoreCorrupt(f"备份文件 {path.name} 不完整")
    if head == SQLITE_PLAIN_HEADER:
        raise StoreCorrupt(f"备份文件 {path.name} 未加密，拒绝使用")
    try:
        conn = connect_raw(path, key)
    except StoreCorrupt as exc:
        raise StoreCorrupt(f"备份文件 {path.name} 无法解密或已损坏") from exc
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        # Leave no WAL beside a backup: it is a single self-contained file.
        conn.execute("PRAGMA journal_mode = DELETE")
    except Exception as exc:
        raise StoreCorrupt(f"备份文件 {path.name} 已损坏") from exc
    finally:
        conn.close()
    if result != "ok":
        raise StoreCorrupt(f"备份文件 {path.name} 完整性检查未通过")
    if "station" not in tables or "alembic_version" not in tables:
        raise StoreCorrupt(f"备份文件 {path.name} 不是站点数据备份")


def create_backup(data_dir: Path, db_path: Path, keys_path: Path, key: bytes, reason: str) -> Path:
    folder = private_dir(backup_dir(data_dir))
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"station-{stamp}-{_safe_reason(reason)}{BACKUP_SUFFIX}"
    export_encrypted(db_path, key, target)
    shutil.copyfile(keys_path, keys_path_for(target))
    private_file(keys_path_for(target))
    return target


def key_for(path: Path, known: dict[int, bytes]) -> bytes:
    """Which of the store's keys (by generation) opens the backup ``path``; StoreCorrupt if none.

    The backup's own key file says its generation; a backup without one is tried with each.
    """
    generation = None
    with contextlib.suppress(OSError, ValueError, TypeError, AttributeError, KeyError):
        generation = int(json.loads(keys_path_for(path).read_text(encoding="utf-8"))["generation"])
    order = sorted(known, key=lambda g: (g != generation, -g))
    for g in order:
        try:
            conn = connect_raw(path, known[g])
        except StoreCorrupt:
            continue
        conn.close()
        return known[g]
    raise StoreCorrupt(f"备份文件 {path.name} 无法用本站的任何密钥解密：它不是本站的备份，或已损坏")


def remove_slots_from_backups(data_dir: Path, *, tags: set[str], recovery: bool = False) -> int:
    """Take these users' slots (and the recovery slot) out of every kept backup's key file.

    Used when a user is disabled, a password reset or the recovery code renewed: the old password
    or code then opens none of the backups kept on this PC either. (The station's current key
    slots still open every backup for a restore.) Returns the key files changed.
    """
    from app.store.keyslots import KeySlotFile

    changed = 0
    for info in list_backups(data_dir):
        if not info.keys_path.exists():
            continue
        try:
            keys = KeySlotFile.load(info.keys_path)
        except StoreCorrupt:
            continue
        before = len(keys.slots)
        keys.slots = [
            s for s in keys.slots
            if not (s.kind == "user" and s.tag in tags) and not (recovery and s.kind == "recovery")
        ]  # fmt: skip
        if len(keys.slots) != before:
            keys.save(info.keys_path)
            changed += 1
    return changed


def list_backups(data_dir: Path) -> list[BackupInfo]:
    folder = backup_dir(data_dir)
    if not folder.is_dir():
        return []
    found = []
    pattern = re.compile(r"station-(\d{8}-\d{6})(?:-\d+)?-(.+)\.lsbak$")
    for path in folder.glob(f"*{BACKUP_SUFFIX}"):
        m = pattern.match(path.name)
        if not m:
            continue
        created = datetime.strptime(m.group(1), "%Y%m%d-%H%M%S")
        found.append(BackupInfo(path, created, m.group(2), path.stat().st_size))
    return sorted(found, key=lambda b: b.path.name, reverse=True)


def replace_store_file(
    db_path: Path, backup_path: Path, key: bytes, store_key: bytes | None = None
) -> None:
    """Put a verified backup (under ``key``) in place of the store. All connections to the
    store must be closed. ``store_key``: the store's current key, when the backup was made under
    an earlier one (before a rotation): the backup is copied under the current key, so that the
    current key slots open it."""
    verify(backup_path, key)
    tmp = db_path.with_name(db_path.name + ".restore")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    if store_key is not None and store_key != key:
        export_encrypted(backup_path, key, tmp, target_key=store_key)
        with contextlib.suppress(FileNotFoundError):  # verify() left the backup without a WAL
            os.unlink(str(backup_path) + "-wal")
    else:
        shutil.copyfile(backup_path, tmp)
        private_file(tmp)
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(str(db_path) + suffix)
    os.replace(tmp, db_path)


# ------------------------------------------------------------------ rotation and daily backups

#: automatic backups kept (daily and manual); pre-migration and pre-restore ones are kept apart
DEFAULT_KEEP = 10
KEEP_SAFETY = 3
SAFETY_REASONS = ("pre-migrate", "pre-restore")
DAILY_INTERVAL_HOURS = 24


def _is_safety(info: BackupInfo) -> bool:
    return info.reason.startswith(SAFETY_REASONS)


def remove_backup(info: BackupInfo) -> None:
    for path in (info.path, info.keys_path):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def prune(data_dir: Path, keep: int = DEFAULT_KEEP) -> list[BackupInfo]:
    """Delete the oldest backups beyond ``keep`` (and beyond KEEP_SAFETY safety copies)."""
    removed = []
    found = list_backups(data_dir)  # newest first
    regular = [b for b in found if not _is_safety(b)]
    safety = [b for b in found if _is_safety(b)]
    for info in regular[max(keep, 1) :] + safety[KEEP_SAFETY:]:
        remove_backup(info)
        removed.append(info)
    return removed


def last_backup_time(data_dir: Path) -> datetime | None:
    found = list_backups(data_dir)
    return max((b.created for b in found), default=None)


def daily_backup_due(data_dir: Path, now: datetime | None = None) -> bool:
    last = last_backup_time(data_dir)
    now = now or datetime.now()
    return last is None or (now - last).total_seconds() >= DAILY_INTERVAL_HOURS * 3600


def export_backup(backup_path: Path, folder: Path) -> Path:
    """Copy a backup (and its key slots) to ``folder`` (a USB drive); the copy is checked byte for byte."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / backup_path.name
    if target.exists():
        raise FileExistsError(target)
    part = target.with_name(target.name + ".part")
    shutil.copyfile(backup_path, part)
    with open(part, "rb+") as fh:
        os.fsync(fh.fileno())
    if _digest(part) != _digest(backup_path):
        part.unlink()
        raise StoreCorrupt(f"复制到 {folder} 的备份与原文件不一致，请换一个U盘重试")
    os.replace(part, target)
    keys = keys_path_for(backup_path)
    if keys.exists():
        shutil.copyfile(keys, keys_path_for(target))
    return target


def _digest(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def keep_damaged_copy(data_dir: Path, db_path: Path) -> Path:
    """Set a damaged store file aside (still encrypted) before it is replaced."""
    folder = private_dir(backup_dir(data_dir))
    target = folder / f"station-{datetime.now():%Y%m%d-%H%M%S}.damaged"
    if db_path.exists():
        shutil.copyfile(db_path, target)
        private_file(target)
    return target
