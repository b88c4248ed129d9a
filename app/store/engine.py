"""The SQLAlchemy engine over SQLCipher.

Connections are opened with the raw 256-bit key (``PRAGMA key = "x'…'"``), so no key derivation runs
per connection; the slow password KDF runs once, at unlock (see ``keyslots``). The pool is explicit
(QueuePool) because the GUI thread and background workers share the engine.

Writes use ``BEGIN IMMEDIATE`` (see :func:`writer`) so that two writers serialise at the start of
their transaction instead of failing at commit; reads use a deferred ``BEGIN`` and, in WAL mode, never
wait for a writer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from app.store.errors import StoreCorrupt

BUSY_TIMEOUT_MS = 30_000


def connect_raw(db_path: Path, key: bytes, *, create: bool = False) -> sqlcipher.Connection:
    """A keyed DB-API connection with the station's pragmas; raises StoreCorrupt on a wrong key."""
    if not create and not db_path.exists():
        raise StoreCorrupt(f"数据文件 {db_path.name} 不存在")
    conn = sqlcipher.connect(
        str(db_path), check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
    )
    try:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        # Temporary tables and sort spills stay in memory: nothing unencrypted reaches the disk.
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher.DatabaseError as exc:
            raise StoreCorrupt("数据文件无法用该密钥解密：文件已损坏，或与密钥文件不匹配") from exc
        conn.execute("PRAGMA journal_mode = WAL")
        # FULL: a committed transaction survives a power cut, not only a crash of the app.
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA cache_size = -32000")
    except BaseException:
        conn.close()
        raise
    return conn


def make_engine(
    db_path: Path,
    key: bytes | Callable[[], bytes],
    *,
    pool_size: int = 4,
    create: bool = False,
) -> Engine:
    """``key``: the raw key, or a function giving the current one (the store's key changes when
    it is rotated; connections made after that use the new key)."""
    current = key if callable(key) else (lambda: key)

    def creator() -> sqlcipher.Connection:
        return connect_raw(db_path, current(), create=create)

    engine = create_engine(
        "sqlite+pysqlite://",
        module=sqlcipher,
        creator=creator,
        poolclass=QueuePool,
        pool_size=pool_size,
        max_overflow=4,
        pool_timeout=60,
    )

    @event.listens_for(engine, "begin")
    def _begin(conn):  # the DB-API connection is in autocommit mode; we issue BEGIN ourselves
        conn.exec_driver_sql(conn.get_execution_options().get("sqlite_begin", "BEGIN"))
        # Foreign keys are checked at COMMIT, so a unit of work may insert related rows in any order.
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")

    return engine


def writer(engine: Engine) -> Engine:
    """The same engine (same pool) whose transactions begin with ``BEGIN IMMEDIATE``."""
    return engine.execution_options(sqlite_begin="BEGIN IMMEDIATE")
