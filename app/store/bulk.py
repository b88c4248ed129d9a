"""Bulk writes (the roster import, sync bookkeeping, benchmarks): DB-API ``executemany`` with
values prepared as SQLAlchemy would bind them.

SQLAlchemy's per-row parameter processing costs several times the SQLite work itself for
100,000 rows, so bulk paths prepare rows as tuples. Every value still goes through the column
type's own bind processor (``UTCDateTime``, ``EnumText``, ``JSON``, ``Boolean``), applied once per
distinct value where values repeat: the stored bytes are what a Core ``insert`` stores.
:func:`record_bulk` writes the audit and outbox rows of records written this way; it is what
:func:`app.store.changes.record_bulk` is.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterable, Sequence

from sqlalchemy import Table
from sqlalchemy.orm import Session

from app.domain.enums import ChangeOp
from app.store.models import AuditEvent, OutboxEntry, utcnow


class RawTable:
    """Prepared ``INSERT`` / ``UPDATE … WHERE id = ?`` for some columns of ``table``."""

    def __init__(self, session: Session, table: Table, columns: Sequence[str]):
        self.session = session
        self.table = table
        self.columns = tuple(columns)
        dialect = self._dialect = session.get_bind().dialect
        self._processors = [table.c[c].type._cached_bind_processor(dialect) for c in self.columns]
        self._caches: list[dict] = [{} for _ in self.columns]

    def value(self, column: str, value):
        """One value as stored (for constants shared by every row)."""
        i = self.columns.index(column)
        proc = self._processors[i]
        return proc(value) if proc is not None else value

    def value_map(self, column: str, values: Iterable) -> dict:
        """``{value: stored value}`` for the few values a column can take (yes/no, an enum)."""
        return {v: self.value(column, v) for v in values}

    def prepare(self, rows: Iterable[Sequence], *, cached: Iterable[str] = ()) -> list[tuple]:
        """Rows (in ``columns`` order) with each value bound; ``cached`` columns repeat values."""
        cached_set = set(cached)
        plan = []
        for i, (name, proc) in enumerate(zip(self.columns, self._processors, strict=True)):
            if proc is not None:
                plan.append((i, proc, self._caches[i] if name in cached_set else None))
        if not plan:
            return [tuple(r) for r in rows]
        out = []
        for row in rows:
            row = list(row)
            for i, proc, cache in plan:
                value = row[i]
                if cache is None:
                    row[i] = proc(value)
                else:
                    try:
                        row[i] = cache[value]
                    except KeyError:
                        row[i] = cache[value] = proc(value)
                    except TypeError:  # unhashable (a dict for a JSON column)
                        row[i] = proc(value)
            out.append(tuple(row))
        return out

    def literal(self, column: str, value) -> str:
        """The stored form of ``value`` as an SQL literal (for a constant written in the
        statement's text instead of bound once per row); any column of the table. None is SQL
        NULL, as an ORM insert leaves an unset column (a JSON column too, not JSON 'null')."""
        if value is None:
            return "NULL"
        if column in self.columns:
            stored = self.value(column, value)
        else:
            proc = self.table.c[column].type._cached_bind_processor(self._dialect)
            stored = proc(value) if proc is not None else value
        if stored is None:
            return "NULL"
        if isinstance(stored, bool):
            return str(int(stored))
        if isinstance(stored, int | float):
            return repr(stored)
        if isinstance(stored, bytes):
            return f"X'{stored.hex()}'"
        if isinstance(stored, str):
            return "'" + stored.replace("'", "''") + "'"
        raise TypeError(f"no SQL literal for {type(stored).__name__}")

    def insert_sql_with(self, constants: dict) -> str:
        """``INSERT`` of ``columns`` bound per row and ``constants`` (column -> value) written
        as literals: each row binds only the values that differ."""
        names = ", ".join((*self.columns, *constants))
        values = ", ".join(("?",) * len(self.columns) + tuple(
            self.literal(c, v) for c, v in constants.items()))  # fmt: skip
        return f"INSERT INTO {self.table.name} ({names}) VALUES ({values})"

    @property
    def insert_sql(self) -> str:
        names = ", ".join(self.columns)
        marks = ", ".join("?" * len(self.columns))
        return f"INSERT INTO {self.table.name} ({names}) VALUES ({marks})"

    @property
    def update_sql(self) -> str:
        """``UPDATE … SET (the other columns) WHERE id = ?`` for rows from :meth:`for_update`."""
        assert self.columns[0] == "id"
        sets = ", ".join(f"{c} = ?" for c in self.columns[1:])
        return f"UPDATE {self.table.name} SET {sets} WHERE id = ?"

    @staticmethod
    def for_update(rows: list[tuple]) -> list[tuple]:
        return [(*r[1:], r[0]) for r in rows]


Statement = tuple[str, list[tuple]]


def execute(session: Session, statements: Iterable[Statement]) -> None:
    """Run prepared statements on the session's connection (inside its transaction)."""
    cursor = session.connection().connection.dbapi_connection.cursor()
    try:
        for sql, rows in statements:
            if rows:
                cursor.executemany(sql, rows)
    finally:
        cursor.close()


class BackgroundWriter:
    """Runs prepared statements on the transaction's connection in a second thread.

    SQLite releases the GIL while it works, so the import prepares the next batch while this
    thread writes the last one. Only one thread uses the connection at a time: the caller
    touches the session again only after :meth:`finish` (or :meth:`abort`).
    """

    def __init__(self, session: Session, depth: int = 2):
        self._connection = session.connection().connection.dbapi_connection
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="roster-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        cursor = self._connection.cursor()
        try:
            while True:
                item = self._queue.get()
                if item is None:
                    return
                if self._error is not None:
                    continue
                try:
                    for sql, rows in item:
                        if rows:
                            cursor.executemany(sql, rows)
                except BaseException as exc:  # handed to the caller's thread
                    self._error = exc
        finally:
            cursor.close()

    def put(self, statements: list[Statement]) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(statements)

    def finish(self) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def abort(self) -> None:
        self._error = self._error or RuntimeError("aborted")
        self._queue.put(None)
        self._thread.join()


def audit_statements(
    session: Session,
    entity: str,
    rows: Sequence[tuple[str, int, ChangeOp]],
    *,
    action: str | None = None,
    summary: str | None = None,
    changes: Sequence[dict | None] | None = None,
) -> list[Statement]:
    """The audit and outbox rows of bulk-written records, prepared: one audit event and one
    outbox entry per record, as the ORM change hook writes them."""
    if not rows:
        return []
    now = utcnow()
    user_id = session.info.get("user_id")
    audit = RawTable(session, AuditEvent.__table__,
                     ("at", "user_id", "action", "entity", "entity_id", "summary", "changes"))  # fmt: skip
    at = audit.value("at", now)
    if changes is None:
        no_change = None  # SQL NULL, as the ORM leaves an unset JSON column
        audit_rows = [(at, user_id, action or op.value, entity, entity_id, summary, no_change)
                      for entity_id, _version, op in rows]  # fmt: skip
    else:
        bind = audit._processors[-1]
        audit_rows = [(at, user_id, action or op.value, entity, entity_id, summary,
                       None if ch is None else bind(ch))
                      for (entity_id, _version, op), ch in zip(rows, changes, strict=True)]  # fmt: skip
    outbox = RawTable(session, OutboxEntry.__table__,
                      ("entity", "entity_id", "version", "op", "created_at"))  # fmt: skip
    created = outbox.value("created_at", now)
    ops = outbox.value_map("op", set(r[2] for r in rows))
    outbox_rows = [
        (entity, entity_id, version, ops[op], created) for entity_id, version, op in rows
    ]
    return [(audit.insert_sql, audit_rows), (outbox.insert_sql, outbox_rows)]


def outbox_statements(
    session: Session, entity: str, rows: Sequence[tuple[str, int, ChangeOp]]
) -> list[Statement]:
    """The outbox rows alone (one per record) of bulk-written records, prepared; their audit is
    a :class:`BulkAudit`. The entity, the time and (when all share it) the version and
    operation are literals of the statement: a row binds its record's id."""
    if not rows:
        return []
    outbox = RawTable(session, OutboxEntry.__table__, ("entity_id",))
    constants = {"entity": entity, "created_at": utcnow()}
    versions = {r[1] for r in rows}
    ops = {r[2] for r in rows}
    out = []
    for op in ops:
        same = [r for r in rows if r[2] == op] if len(ops) > 1 else rows
        if len(versions) == 1:
            table = outbox
            values = [(r[0],) for r in same]
            fixed = {**constants, "version": next(iter(versions)), "op": op}
        else:
            table = RawTable(session, OutboxEntry.__table__, ("entity_id", "version"))
            values = [(r[0], r[1]) for r in same]
            fixed = {**constants, "op": op}
        out.append((table.insert_sql_with(fixed), values))
    return out


#: the form of ``AuditEvent.detail``: zstandard-compressed JSON (see :class:`BulkAudit`)
DETAIL_FORMAT = 1


class BulkAudit:
    """One audit event for many records written together (a roster import of 100,000 rows
    writes one event instead of 100,000).

    The event names no record (``entity_id`` NULL); its ``detail`` holds, compressed, the ids of
    the records inserted and each updated record's changes (personal fields as "changed", as the
    ORM hook writes them), with the summary each record's history shows. It is stored in the
    encrypted store like every audit row; :func:`app.store.changes.history` reads it back record
    by record.
    """

    def __init__(self, entity: str, action: str, *, insert_summary: str, update_summary: str):
        self.entity = entity
        self.action = action
        self.summaries = {"insert": insert_summary, "update": update_summary}
        self.inserted: list[str] = []
        self.updated: dict[str, dict | None] = {}

    def __len__(self) -> int:
        return len(self.inserted) + len(self.updated)

    def statement(self, session: Session, summary: str, changes: dict | None = None) -> Statement:
        """The event's INSERT, prepared (nothing when no record was written)."""
        import orjson
        import zstandard

        if not len(self):
            return ("", [])
        payload = orjson.dumps({"format": DETAIL_FORMAT, "summaries": self.summaries,
                                "insert": self.inserted, "update": self.updated})  # fmt: skip
        detail = zstandard.ZstdCompressor(level=3).compress(payload)
        audit = RawTable(session, AuditEvent.__table__,
                         ("at", "user_id", "action", "entity", "entity_id", "summary", "changes",
                          "detail"))  # fmt: skip
        row = (audit.value("at", utcnow()), session.info.get("user_id"), self.action, self.entity,
               None, summary[:200], audit.value("changes", changes), detail)  # fmt: skip
        return (audit.insert_sql, [row])


def read_detail(detail: bytes) -> dict:
    """``AuditEvent.detail`` decoded: ``{"summaries", "insert": [ids], "update": {id: changes}}``."""
    import orjson
    import zstandard

    data = orjson.loads(zstandard.ZstdDecompressor().decompress(detail))
    if data.get("format") != DETAIL_FORMAT:
        raise ValueError(f"unknown audit detail format {data.get('format')!r}")
    return data


def record_bulk(
    session: Session,
    entity: str,
    rows: Sequence[tuple[str, int, ChangeOp]],
    *,
    action: str | None = None,
    summary: str | None = None,
    changes: Sequence[dict | None] | None = None,
) -> None:
    """Audit and outbox entries for rows written with Core or :class:`RawTable` in this session.

    ``rows`` is ``(entity_id, new_version, op)`` per record; the caller stamps the synced columns
    (:func:`app.store.changes.stamp_new`)."""
    if rows:
        session.info.setdefault("changed", set()).add(entity)
    execute(session, audit_statements(session, entity, rows, action=action, summary=summary,
                                      changes=changes))  # fmt: skip


def new_ids(count: int) -> list[str]:
    """``count`` random version-4 UUID strings (the form ``uuid.uuid4()`` gives), made in one go."""
    data = os.urandom(16 * count).hex()
    out = []
    variant = "89ab"
    for i in range(0, 32 * count, 32):
        h = data[i : i + 32]
        out.append(
            f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"
        )
    return out
