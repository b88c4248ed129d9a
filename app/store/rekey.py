"""Replacing the database key: a crash-safe swap of the database file and the key-slot file.

The store is copied under the new key to ``station.db.rekey`` (``sqlcipher_export``, fsync,
verified under the new key), the new slot file is written to ``station.keys.json.rekey``
(fsync); then the copy is renamed over the database (**the commit point**) and the new slot file
over the old one. Whatever moment the process dies at, :func:`recover` (run before every
unlock) finds one of these states and completes or undoes the change:

* ``station.db.rekey`` exists (with or without the new slot file): not committed. Both are
  deleted; the store is as it was, under the old key and the old slots.
* only ``station.keys.json.rekey`` exists: committed (the database is under the new key). It is
  renamed over the slot file.

A verified encrypted backup under the old key is made before any of this (by the caller).
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

from app.store import backup as backups
from app.store.engine import connect_raw
from app.store.errors import StoreError

log = logging.getLogger(__name__)

SUFFIX = ".rekey"


class StoreBusy(StoreError):
    default_message = (
        "数据文件正被本机上的另一个程序窗口使用，无法更换数据密钥：请关闭其他窗口后重试"
    )


def _next(path: Path) -> Path:
    return path.with_name(path.name + SUFFIX)


def recover(db_path: Path, keys_path: Path) -> str | None:
    """Finish or undo a key change that was interrupted. Returns what was done, or None."""
    db_next, keys_next = _next(db_path), _next(keys_path)
    for stale in (keys_next.with_name(keys_next.name + ".tmp"),
                  db_next.with_name(db_next.name + ".part")):  # fmt: skip
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()
    if db_next.exists():
        db_next.unlink()
        with contextlib.suppress(FileNotFoundError):
            keys_next.unlink()
        log.warning("an interrupted key change was undone (the store keeps its old key)")
        return "undone"
    if keys_next.exists():
        from app.store.keyslots import _fsync_dir

        os.replace(keys_next, keys_path)
        _fsync_dir(keys_path.parent)
        log.warning("an interrupted key change was completed")
        return "completed"
    return None


def swap_key(db_path: Path, keys_path: Path, old_key: bytes, new_key: bytes, next_keys) -> None:
    """Put the store under ``new_key`` with the slot file ``next_keys``. No connection to the
    store may be open in this process; another process holding it makes this refuse."""
    from app.store.keyslots import _fsync_dir

    recover(db_path, keys_path)
    db_next, keys_next = _next(db_path), _next(keys_path)
    conn = connect_raw(db_path, old_key)
    try:
        busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        conn.close()
    if busy:
        raise StoreBusy()
    backups.export_encrypted(db_path, old_key, db_next, target_key=new_key)
    next_keys.save(keys_next)
    _fsync_dir(db_path.parent)
    # the old WAL is empty (checkpointed, every connection closed); none may survive the swap
    for suffix in ("-wal", "-shm"):
        extra = Path(str(db_path) + suffix)
        if extra.exists() and suffix == "-wal" and extra.stat().st_size:
            db_next.unlink()
            keys_next.unlink()
            raise StoreBusy()
        with contextlib.suppress(FileNotFoundError):
            extra.unlink()
    os.replace(db_next, db_path)  # the commit point
    _fsync_dir(db_path.parent)
    os.replace(keys_next, keys_path)
    _fsync_dir(keys_path.parent)
