"""Batches out of the outbox, and the acknowledgement that lets the station drop them.

A batch covers the oldest outbox entries up to a watermark (``last_outbox_seq``) and carries the
*current* state of each record they name (several changes to one record go as one). Before it is
sent, the batch's id, sequence number and watermark are saved (``sync.pending_batch``): after any
interruption the same batch id is sent again, and the server answers a batch it already applied
with its stored acknowledgement. Outbox entries are deleted only when that acknowledgement
arrives, in the same transaction that quarantines the records the server rejected.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache

import orjson
from sqlalchemy import bindparam, delete, literal_column, select

from app.store.models import MODEL_BY_ENTITY, OutboxEntry, QuarantinedRecord, utcnow
from app.sync import protocol, rows, state

log = logging.getLogger(__name__)


@dataclass
class Batch:
    batch_id: str
    seq: int
    last_outbox_seq: int
    records: list[dict] = field(default_factory=list)
    #: records whose stored values cannot travel: quarantined locally when the batch is acknowledged
    unsendable: list[dict] = field(default_factory=list)
    #: outbox entries covered (for counts)
    entries: int = 0
    #: the encoded request, made ahead (see ``DistrictClient.encode``); valid for ``seq``
    encoded: tuple | None = None

    def payload(self, station_code: str, version: int = protocol.PROTOCOL_VERSION) -> dict:
        """The request body; ``version`` 1 for a district server not upgraded yet (its records
        carry the five keys of protocol 1, without ``base_version``)."""
        records = self.records
        if version < 2:
            records = [{k: v for k, v in r.items() if k != "base_version"} for r in records]
        return {
            "protocol": version,
            "station_code": station_code,
            "batch_id": self.batch_id,
            "seq": self.seq,
            "ack_outbox_seq": self.last_outbox_seq,
            "records": records,
        }


@dataclass
class AckResult:
    acknowledged: int
    quarantined: list[tuple[str, str, str]]
    duplicate: bool
    #: the batch read ahead became the pending one in the same transaction (see ``apply_ack``)
    adopted: bool = False


def _entries(s, *, after: int = 0, upto: int | None = None, limit: int | None = None):
    """``(seq, entity, entity_id, op, version)`` of outbox entries ``after < seq [<= upto]``, oldest first.

    Plain tuples from the driver's cursor (see :func:`_records_sql`): a batch reads thousands.
    """
    t = OutboxEntry.__table__
    q = select(t.c.seq, t.c.entity, t.c.entity_id, t.c.op, t.c.version).where(t.c.seq > after)
    if upto is not None:
        q = q.where(t.c.seq <= upto)
    q = q.order_by(t.c.seq)
    if limit:
        q = q.limit(limit)
    compiled = q.compile(dialect=rows.sqlite_dialect)
    params = [compiled.params[name] for name in compiled.positiontup]
    cursor = s.connection().connection.dbapi_connection.cursor()
    try:
        return cursor.execute(str(compiled), params).fetchall()
    finally:
        cursor.close()


@cache
def _records_sql(entity: str, as_json: bool) -> str:
    """The rows of ``entity`` named by the outbox entries ``after < seq <= last`` (SQLite SQL).

    A Core ``select`` compiled once and run on the driver's cursor. ``as_json``: the record's id,
    version, tombstone and its wire data as JSON text made by SQLite (``rows.RowReader.json_sql``);
    otherwise the stored values as plain tuples, converted in Python by :mod:`app.sync.rows`.
    The seq range walks the outbox's primary key (the outbox has no other index).
    """
    reader = rows.reader(entity)
    table = reader.table
    outbox = OutboxEntry.__table__
    named = select(outbox.c.entity_id).where(
        outbox.c.seq > bindparam("after"),
        outbox.c.seq <= bindparam("last"),
        outbox.c.entity == bindparam("entity"),
    )
    if as_json:
        columns = [table.c.id, table.c.version, table.c.deleted, literal_column(reader.json_sql)]
    else:
        columns = list(table.columns)
    query = select(*columns).where(table.c.id.in_(named))
    compiled = query.compile(dialect=rows.sqlite_dialect)
    assert compiled.positiontup == ["after", "last", "entity"], compiled.positiontup
    return str(compiled)


def _json_records(cursor, entity: str, params: tuple, errors) -> list[tuple] | None:
    """``(id, version, deleted, data JSON)`` per record, or None: take the Python path.

    ``errors``: the driver's ``DatabaseError``, raised when a stored value is not in the form the
    SQL expects (the Python path then says which record and field cannot travel).
    """
    if rows.reader(entity).json_sql is None:
        return None
    try:
        return cursor.execute(_records_sql(entity, True), params).fetchall()
    except errors as exc:
        log.info("records of %s read value by value: %s", entity, type(exc).__name__)
        return None


def _load(s, batch: Batch, entries: list[tuple[int, str, str, str]], after: int = 0) -> Batch:
    """Fill ``batch`` with the current state of each record named by ``entries`` (once each).

    ``entries`` are the outbox entries with ``after < seq <= batch.last_outbox_seq``; the records
    are selected through that range of the outbox (no list of ids to bind).

    A record whose stored values cannot travel (see :class:`rows.Unsendable`) is not sent: it is
    listed in ``batch.unsendable`` and quarantined with its reason when the batch is acknowledged.
    """
    wanted: dict[str, dict[str, str]] = defaultdict(dict)
    #: protocol 2: the version each record's changes started from (the lowest version waiting
    #: in the outbox, less one; 0 for a new record), for the district's per-field merge
    base: dict[str, int] = {}
    for _seq, entity, entity_id, op, version in entries:
        wanted[entity][entity_id] = op
        if entity_id not in base or version - 1 < base[entity_id]:
            base[entity_id] = max(0, int(version) - 1)
    records, unsendable = [], []
    connection = s.connection()
    errors = connection.dialect.loaded_dbapi.DatabaseError
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        for entity, by_id in wanted.items():
            if entity not in MODEL_BY_ENTITY:
                log.warning("outbox entries for unknown entity %s skipped", entity)
                continue
            params = (after, batch.last_outbox_seq, entity)
            found = _json_records(cursor, entity, params, errors)
            if found is not None:
                for rid, version, deleted, text in found:
                    op = "delete" if deleted else by_id.get(rid, "update")
                    if op == "delete" and not deleted:
                        op = "update"  # a tombstone taken back
                    records.append(
                        {
                            "entity": entity,
                            "id": rid,
                            "version": version,
                            "op": op,
                            "data": orjson.Fragment(text),
                            "base_version": base.get(rid, version - 1),
                        }
                    )
                continue
            reader = rows.reader(entity)
            cursor.execute(_records_sql(entity, False), params)
            for row in cursor.fetchall():
                try:
                    data = reader.data(row)
                except rows.Unsendable as exc:
                    raw = dict(zip(reader.keys, row, strict=True))
                    unsendable.append(
                        {
                            "entity": entity,
                            "id": raw["id"],
                            "version": raw["version"],
                            "reason": str(exc),
                        }
                    )
                    continue
                deleted = data["deleted"]
                op = "delete" if deleted else by_id.get(data["id"], "update")
                if op == "delete" and not deleted:
                    op = "update"  # a tombstone taken back
                records.append(
                    {
                        "entity": entity,
                        "id": data["id"],
                        "version": data["version"],
                        "op": op,
                        "data": data,
                        "base_version": base.get(data["id"], data["version"] - 1),
                    }
                )
    finally:
        cursor.close()
    batch.records = records
    batch.unsendable = unsendable
    batch.entries = len(entries)
    return batch


def next_batch(store, limit: int = protocol.DEFAULT_BATCH_RECORDS) -> Batch | None:
    """The pending batch (to send again) or a new one from the oldest outbox entries; None if empty.

    A new batch's id, sequence number and watermark are saved before it is returned.
    """
    with state.transaction(store) as s:
        pending = state.get(s, state.PENDING)
        if pending:
            entries = _entries(s, upto=pending["last_outbox_seq"])
            if entries:
                batch = Batch(pending["batch_id"], pending["seq"], pending["last_outbox_seq"])
                return _load(s, batch, entries)
            state.put(s, state.PENDING, None)  # nothing left under it: start afresh
        entries = _entries(s, limit=limit)
        if not entries:
            return None
        seq = int(state.get(s, state.NEXT_SEQ, 1))
        batch = _load(s, Batch(str(uuid.uuid4()), seq, entries[-1][0]), entries)
        state.put(
            s,
            state.PENDING,
            {"batch_id": batch.batch_id, "seq": seq, "last_outbox_seq": batch.last_outbox_seq},
        )
        state.put(s, state.NEXT_SEQ, seq + 1)
        return batch


def prepare_after(store, after_outbox_seq: int, seq: int, limit: int) -> Batch | None:
    """Read the batch that will follow the one in flight (read only; see :func:`adopt`)."""
    with state.reading(store) as s:
        entries = _entries(s, after=after_outbox_seq, limit=limit)
        if not entries:
            return None
        return _load(s, Batch(str(uuid.uuid4()), seq, entries[-1][0]), entries, after_outbox_seq)


def _make_pending(s, batch: Batch) -> bool:
    if state.get(s, state.PENDING) or int(state.get(s, state.NEXT_SEQ, 1)) != batch.seq:
        return False
    state.put(
        s,
        state.PENDING,
        {"batch_id": batch.batch_id, "seq": batch.seq, "last_outbox_seq": batch.last_outbox_seq},
    )
    state.put(s, state.NEXT_SEQ, batch.seq + 1)
    return True


def adopt(store, batch: Batch) -> bool:
    """Make a batch read ahead the pending one, unless the state moved on meanwhile."""
    with state.transaction(store) as s:
        return _make_pending(s, batch)


def renumber_pending(store, expected_seq: int) -> None:
    """The server has used our sequence number (e.g. after a store restored from a backup)."""
    with state.transaction(store) as s:
        pending = state.get(s, state.PENDING)
        if pending:
            state.put(s, state.PENDING, {**pending, "seq": expected_seq})
        state.put(s, state.NEXT_SEQ, expected_seq + 1)


def apply_ack(store, batch: Batch, ack: dict, then: Batch | None = None) -> AckResult:
    """Drop the acknowledged outbox entries and quarantine rejected records, in one transaction.

    ``then``, the batch read ahead to follow this one, becomes the pending batch in the same
    transaction (``AckResult.adopted``) if it starts right after the acknowledged watermark: one
    write transaction (one disk flush) per batch instead of two.
    """
    if ack.get("batch_id") != batch.batch_id:
        raise ValueError("acknowledgement for another batch")
    watermark = int(ack["ack_outbox_seq"])
    rejected = {(r["entity"], r["id"]): r for r in ack.get("rejected") or []}
    for r in batch.unsendable:
        rejected.setdefault((r["entity"], r["id"]), r)
    now = utcnow()
    with state.transaction(store) as s:
        pending = state.get(s, state.PENDING)
        if not pending or pending.get("batch_id") != batch.batch_id:
            return AckResult(0, [], bool(ack.get("duplicate")))  # already applied
        watermark = min(watermark, int(pending["last_outbox_seq"]))
        removed = s.execute(delete(OutboxEntry).where(OutboxEntry.seq <= watermark)).rowcount or 0
        open_quarantine = {
            (q.entity, q.entity_id): q
            for q in s.scalars(
                select(QuarantinedRecord).where(QuarantinedRecord.resolved_at.is_(None))
            )
        }
        quarantined = []
        for (entity, rid), r in rejected.items():
            reason = str(r.get("reason") or "区级服务器未说明原因")[:2000]
            row = open_quarantine.get((entity, rid))
            if row is None:
                s.add(
                    QuarantinedRecord(
                        entity=entity,
                        entity_id=rid,
                        version=int(r["version"]),
                        reason=reason,
                        at=now,
                    )
                )
            else:
                row.version, row.reason, row.at = int(r["version"]), reason, now
            quarantined.append((entity, rid, reason))
        for rec in batch.records:
            key = (rec["entity"], rec["id"])
            if key not in rejected and key in open_quarantine:
                open_quarantine[key].resolved_at = now
        state.put(s, state.PENDING, None)
        adopted = (
            then is not None
            and watermark == batch.last_outbox_seq
            and then.seq == batch.seq + 1
            and _make_pending(s, then)
        )
    return AckResult(removed, quarantined, bool(ack.get("duplicate")), adopted)


def requeue(store, quarantine_id: int) -> None:
    """Send a quarantined record again (e.g. after the district fixed the cause)."""
    with state.transaction(store) as s:
        q = s.get(QuarantinedRecord, quarantine_id)
        if q is None or q.resolved_at is not None:
            return
        model = MODEL_BY_ENTITY.get(q.entity)
        if model is None:
            return
        row = s.execute(
            select(model.__table__.c.version).where(model.__table__.c.id == q.entity_id)
        ).first()
        if row is None:
            return
        from app.domain.enums import ChangeOp

        s.add(
            OutboxEntry(
                entity=q.entity,
                entity_id=q.entity_id,
                version=row[0],
                op=ChangeOp.UPDATE,
                created_at=utcnow(),
            )
        )
