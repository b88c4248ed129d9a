"""The district database: an SQLite file by default, PostgreSQL with ``--database-url``."""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

import orjson
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from app.district.models import DistrictStation, ReferenceEntry, RevisionCounter
from app.domain import reference

log = logging.getLogger(__name__)

DATABASE_ENV = "LABOR_DISTRICT_DATABASE_URL"
DEFAULT_SQLITE = "labor-district.sqlite"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def default_database_url() -> str:
    return os.environ.get(DATABASE_ENV) or f"sqlite:///{Path(DEFAULT_SQLITE).resolve()}"


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` as given by ops and use the psycopg 3 driver for it."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _json_text(value) -> str:
    """JSON columns as compact UTF-8 text (orjson: the records' ``data`` is most of the bytes)."""
    return orjson.dumps(value).decode()


#: JSON columns (de)serialised by orjson rather than ``json``: several times faster for the
#: record data, and the text is plain UTF-8 rather than ``\uXXXX`` escapes (a third the size
#: for Chinese); ``json`` reads either.
JSON_OPTIONS = {"json_serializer": _json_text, "json_deserializer": orjson.loads}


def _private_sqlite_file(url: str) -> None:
    """The district's SQLite file holds personal data in clear: ``0600`` on POSIX, created so
    before SQLite opens it (its WAL and shared-memory files take the same mode)."""
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if os.name != "posix" or not database or database == ":memory:":
        return
    path = Path(database)
    if not path.parent.is_dir():
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(fd)
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(str(path) + suffix, 0o600)


def make_engine(url: str | None = None) -> Engine:
    url = normalise_url(url or default_database_url())
    if url.startswith("sqlite"):
        _private_sqlite_file(url)
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, **JSON_OPTIONS
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode = WAL")
            # FULL: an acknowledged batch survives a power cut, not only a killed process.
            cur.execute("PRAGMA synchronous = FULL")
            cur.execute("PRAGMA busy_timeout = 30000")
            cur.execute("PRAGMA foreign_keys = ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):
            conn.exec_driver_sql(conn.get_execution_options().get("sqlite_begin", "BEGIN"))

        return engine
    return create_engine(url, pool_size=8, max_overflow=8, pool_pre_ping=True, **JSON_OPTIONS)


def writer(engine: Engine) -> Engine:
    """Transactions that write take SQLite's write lock at BEGIN (no upgrade deadlocks)."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(sqlite_begin="BEGIN IMMEDIATE")
    return engine


def sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=writer(engine), expire_on_commit=False)


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def init_db(engine: Engine) -> None:
    """Create or upgrade the schema and add the twelve stations and the shipped code lists."""
    upgrade(engine)
    with sessions(engine)() as s, s.begin():
        known = set(s.scalars(select(DistrictStation.code)))
        for st in reference.stations():
            if st.code not in known:
                s.add(DistrictStation(code=st.code, name=st.name, kind=st.kind, last_batch_seq=0))
        if s.get(RevisionCounter, 1) is None:
            s.add(RevisionCounter(id=1, value=0))
            s.flush()
        if s.scalar(select(ReferenceEntry.id).limit(1)) is None:
            from app.district.reference import seed_reference

            seed_reference(s)


def ensure_current(engine: Engine) -> None:
    if current_revision(engine) != head_revision():
        raise SystemExit("区级数据库尚未初始化或版本过旧：请先运行 labor-district init-db")
