"""Protocol 2, station side: the station's records written by its other PCs, pulled from the
district page by page (see docs/sync.md, "Server sequence and the pull").

Each page is applied in **one transaction** together with the new cursor (``sync.pull_cursor``):
a record is written only if its version is newer than the one held, so a page applied twice
changes nothing; pulled records are written with Core statements, which the change hook does not
see, so they make no outbox entry and are never sent back up (no echo). A record this PC has
changed and not yet sent is left as it is: its own version goes up and the district reports the
clash, so neither edit is lost silently. A record that the store refuses (a unique value already
taken by another record of this PC) is set aside on the 同步 page with its reason.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import JSON, Boolean, Date, DateTime, Table, select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.store.engine import writer
from app.store.models import MODEL_BY_ENTITY, OutboxEntry, QuarantinedRecord, utcnow
from app.store.models.base import EnumText, Money, UTCDateTime
from app.sync import state

log = logging.getLogger(__name__)

#: records per page (``LABOR_STATION_PULL_PAGE`` overrides it, for tests and bench/)
PAGE = 5000
CURSOR = "sync.pull_cursor"

UNSTORABLE = (
    "从本站其他电脑收到的这条记录与本机已有的记录冲突（如同一信用代码或案件编号），未能保存：{}"
)


#: a signed agreement's terms are fixed by triggers (0003_cases); a page can bring the signed
#: agreement before its terms (they travel by the sequence of their last write), which the PC
#: that signed it wrote in the other order. These two are lifted inside the pull's transaction
#: only, and put back before it commits (SQLite DDL is transactional).
BYPASSED_TRIGGERS = ("agreement_term_signed_insert", "agreement_term_signed_update")


@contextlib.contextmanager
def pull_transaction(store) -> Iterator[Session]:
    """A write transaction (BEGIN IMMEDIATE) with foreign keys off.

    The district pages records by the sequence of their last write, so a record can arrive a
    page before the record it refers to (a case updated after its party was added); the state is
    whole once every page is in, as it was on the PC that wrote it. The session carries the
    station (the case search index is rebuilt before commit) but not the change hook.
    """
    conn = writer(store.engine).connect()
    raw = conn.connection.dbapi_connection
    raw.execute("PRAGMA foreign_keys = OFF")
    try:
        info = {"station_code": store.station.code, "user_id": store.user.id, "read_only": False}
        with Session(bind=conn, info=info, expire_on_commit=False) as s, s.begin():
            kept = s.execute(
                text(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN "
                    + "("
                    + ", ".join(f"'{n}'" for n in BYPASSED_TRIGGERS)
                    + ")"
                )
            ).all()
            for name, _sql in kept:
                s.execute(text(f"DROP TRIGGER {name}"))
            yield s
            for _name, sql in kept:
                s.execute(text(sql))
    finally:
        try:
            raw.execute("PRAGMA foreign_keys = ON")
        finally:
            conn.close()


def _to_python(column) -> Callable | None:
    t = column.type
    if isinstance(t, UTCDateTime | DateTime):
        return datetime.fromisoformat
    if isinstance(t, Date):
        return date.fromisoformat
    if isinstance(t, Money):
        return Decimal
    return None


def _stored_utc(value: str) -> str:
    """Wire ISO 8601 (UTC) -> how SQLAlchemy stores a ``UTCDateTime`` in SQLite (the inverse of
    ``rows._utc_datetime``): ``YYYY-MM-DD HH:MM:SS.ffffff``."""
    if len(value) == 25 and value.endswith("+00:00") and value[10] == "T":
        return f"{value[:10]} {value[11:19]}.000000"
    if len(value) == 32 and value.endswith("+00:00") and value[10] == "T" and value[19] == ".":
        return f"{value[:10]} {value[11:26]}"
    d = datetime.fromisoformat(value)
    if d.tzinfo is not None:
        d = d.astimezone(UTC).replace(tzinfo=None)
    return _naive_text(d)


def _naive_text(d: datetime) -> str:
    return (
        f"{d.year:04d}-{d.month:02d}-{d.day:02d} "
        f"{d.hour:02d}:{d.minute:02d}:{d.second:02d}.{d.microsecond:06d}"
    )


def _stored_naive(value: str) -> str:
    return _naive_text(datetime.fromisoformat(value))


def _stored_money(value) -> int:
    return int((Decimal(str(value)) * 100).to_integral_value(rounding=ROUND_HALF_UP))


def _stored_json(value) -> str:
    return json.dumps(value)


def _stored(column) -> Callable | None:
    """How a wire value of ``column`` is stored (what the ORM would write); None: as it is."""
    t = column.type
    if isinstance(t, Money):
        return _stored_money
    if isinstance(t, EnumText):
        return None
    if isinstance(t, UTCDateTime):
        return _stored_utc
    if isinstance(t, DateTime):
        return _stored_naive
    if isinstance(t, Date):
        return None  # YYYY-MM-DD on the wire and in the store
    if isinstance(t, Boolean):
        return int
    if isinstance(t, JSON):
        return _stored_json
    return None


@dataclass(frozen=True)
class _RawWriter:
    """One entity's rows written with the driver's ``executemany``: the wire values turned into
    stored values directly (no SQLAlchemy type processing: a restore writes tens of thousands)."""

    table: Table
    columns: tuple[str, ...]
    converters: tuple

    def sql(self) -> str:
        cols = ", ".join(f'"{c}"' for c in self.columns)
        marks = ", ".join("?" for _ in self.columns)
        sets = ", ".join(f'"{c}" = excluded."{c}"' for c in self.columns if c != "id")
        name = self.table.name
        return (
            f'INSERT INTO "{name}" ({cols}) VALUES ({marks}) ON CONFLICT ("id") DO UPDATE SET '
            f'{sets} WHERE "{name}".version < excluded.version'
        )

    def params(self, data: dict) -> tuple:
        get = data.get
        return tuple(
            (fn(v) if fn is not None and v is not None else v)
            for c, fn in zip(self.columns, self.converters, strict=True)
            for v in (get(c),)
        )


@cache
def _raw_writer(entity: str) -> tuple[_RawWriter, str]:
    table = MODEL_BY_ENTITY[entity].__table__
    columns = tuple(c.key for c in table.columns)
    writer = _RawWriter(table, columns, tuple(_stored(c) for c in table.columns))
    return writer, writer.sql()


@dataclass(frozen=True)
class _Writer:
    table: Table
    keys: frozenset
    converters: dict

    def values(self, data: dict) -> dict:
        out = {}
        for key, value in data.items():
            if key not in self.keys:
                continue  # a column of a newer schema
            fn = self.converters.get(key)
            out[key] = fn(value) if fn is not None and value is not None else value
        return out


@cache
def _writer(entity: str) -> _Writer:
    table = MODEL_BY_ENTITY[entity].__table__
    conv = {c.key: f for c in table.columns if (f := _to_python(c)) is not None}
    return _Writer(table, frozenset(c.key for c in table.columns), conv)


def _upsert(table: Table, keys: list[str]):
    stmt = sqlite_insert(table)
    return stmt.on_conflict_do_update(
        index_elements=[table.c.id],
        set_={k: stmt.excluded[k] for k in keys if k != "id"},
        where=table.c.version < stmt.excluded.version,
    )


@dataclass
class PageResult:
    applied: int = 0
    skipped_pending: int = 0
    refused: int = 0


def apply_page(store, records: list[dict], next_cursor: int) -> PageResult:
    """Write one page of pulled records and the new cursor in one transaction."""
    result = PageResult()
    by_entity: dict[str, list[dict]] = {}
    for rec in records:
        if rec.get("entity") not in MODEL_BY_ENTITY:
            log.warning("pulled record of unknown kind %s skipped", rec.get("entity"))
            continue
        by_entity.setdefault(rec["entity"], []).append(rec)
    with pull_transaction(store) as s:
        ids = [r["id"] for r in records]
        pending = set()
        for start in range(0, len(ids), 900):
            pending.update(
                s.scalars(
                    select(OutboxEntry.entity_id).where(
                        OutboxEntry.entity_id.in_(ids[start : start + 900])
                    )
                )
            )
        raw = s.connection().connection.dbapi_connection
        integrity = sqlcipher.IntegrityError
        cursor = raw.cursor()
        try:
            for entity, recs in by_entity.items():
                writer, sql = _raw_writer(entity)
                rows = []
                for rec in recs:
                    if rec["id"] in pending:
                        result.skipped_pending += 1
                        continue
                    rows.append(writer.params(rec["data"]))
                try:
                    cursor.execute("SAVEPOINT pull_page")
                    cursor.executemany(sql, rows)
                    cursor.execute("RELEASE pull_page")
                    result.applied += len(rows)
                except integrity:
                    cursor.execute("ROLLBACK TO pull_page")
                    cursor.execute("RELEASE pull_page")
                    for row in rows:  # find the records at fault, keep the others
                        try:
                            cursor.execute("SAVEPOINT pull_row")
                            cursor.execute(sql, row)
                            cursor.execute("RELEASE pull_row")
                            result.applied += 1
                        except integrity as exc:
                            cursor.execute("ROLLBACK TO pull_row")
                            cursor.execute("RELEASE pull_row")
                            result.refused += 1
                            rid = row[writer.columns.index("id")]
                            version = row[writer.columns.index("version")]
                            s.add(
                                QuarantinedRecord(
                                    entity=entity,
                                    entity_id=rid,
                                    version=int(version or 0),
                                    reason=UNSTORABLE.format(type(exc).__name__),
                                    at=utcnow(),
                                )
                            )
        finally:
            cursor.close()
        state.put(s, CURSOR, int(next_cursor))
    return result


def cursor(store) -> int:
    with state.reading(store) as s:
        return int(state.get(s, CURSOR, 0) or 0)


@dataclass
class PullResult:
    received: int = 0
    applied: int = 0
    refused: int = 0
    pages: int = 0
    high: int = 0


def pull_all(
    client,
    store,
    *,
    page: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel=None,
) -> PullResult:
    """Pull and apply every page after the stored cursor. ``progress(done_seq, high_seq)``."""
    import os

    page = page or int(os.environ.get("LABOR_STATION_PULL_PAGE") or PAGE)
    result = PullResult()
    after = cursor(store)
    start = after
    # the next page travels while this one is written (one thread: the client is used by one
    # request at a time)
    with ThreadPoolExecutor(1) as ahead:
        upcoming = ahead.submit(client.pull, after, page)
        while True:
            if cancel is not None:
                from app.sync.run import _check_cancel

                _check_cancel(cancel)
            answer = upcoming.result()
            records = answer.get("records") or []
            nxt = int(answer.get("next", after))
            result.high = int(answer.get("high", nxt))
            more = bool(answer.get("more")) and nxt > after
            if more:
                upcoming = ahead.submit(client.pull, nxt, page)
            outcome = apply_page(store, records, nxt)
            result.pages += 1
            result.received += len(records)
            result.applied += outcome.applied
            result.refused += outcome.refused
            if progress:
                progress(nxt - start, max(result.high - start, 1))
            if not more:
                break
            after = nxt
    return result
