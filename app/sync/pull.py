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
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache

from sqlalchemy import Date, DateTime, Table, select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.store.models import MODEL_BY_ENTITY, OutboxEntry, QuarantinedRecord, utcnow
from app.store.engine import writer
from app.store.models.base import Money, UTCDateTime
from app.sync import state

log = logging.getLogger(__name__)

#: records per page (``LABOR_STATION_PULL_PAGE`` overrides it, for tests and bench/)
PAGE = 2000
CURSOR = "sync.pull_cursor"

UNSTORABLE = "从本站其他电脑收到的这条记录与本机已有的记录冲突（如同一信用代码或案件编号），未能保存：{}"


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
                    + "(" + ", ".join(f"'{n}'" for n in BYPASSED_TRIGGERS) + ")"
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


def apply_page(store, records: list[dict], cursor: int) -> PageResult:
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
        for entity, recs in by_entity.items():
            writer = _writer(entity)
            groups: dict[tuple, list[dict]] = {}
            for rec in recs:
                if rec["id"] in pending:
                    result.skipped_pending += 1
                    continue
                values = writer.values(rec["data"])
                groups.setdefault(tuple(sorted(values)), []).append(values)
            for keys, rows in groups.items():
                stmt = _upsert(writer.table, list(keys))
                try:
                    with s.begin_nested():
                        s.execute(stmt, rows)
                    result.applied += len(rows)
                except IntegrityError:
                    for row in rows:  # find the records at fault, keep the others
                        try:
                            with s.begin_nested():
                                s.execute(stmt, [row])
                            result.applied += 1
                        except IntegrityError as exc:
                            result.refused += 1
                            s.add(
                                QuarantinedRecord(
                                    entity=entity,
                                    entity_id=row["id"],
                                    version=int(row.get("version") or 0),
                                    reason=UNSTORABLE.format(type(exc.orig).__name__),
                                    at=utcnow(),
                                )
                            )
        state.put(s, CURSOR, int(cursor))
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
    while True:
        if cancel is not None:
            from app.sync.run import _check_cancel

            _check_cancel(cancel)
        answer = client.pull(after, page)
        records = answer.get("records") or []
        nxt = int(answer.get("next", after))
        result.high = int(answer.get("high", nxt))
        outcome = apply_page(store, records, nxt)
        result.pages += 1
        result.received += len(records)
        result.applied += outcome.applied
        result.refused += outcome.refused
        if progress:
            progress(nxt - start, max(result.high - start, 1))
        if not answer.get("more") or nxt <= after:
            break
        after = nxt
    return result
