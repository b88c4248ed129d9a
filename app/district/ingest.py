"""Apply a station's batch: in one transaction, idempotently, record by record.

* A batch id seen before returns the stored answer and changes nothing (a replay).
* A record is kept if its version is newer than the one held; the same or an older version is
  acknowledged and ignored, so a retried record is applied exactly once.
* A record that cannot be accepted (another station's, malformed, unknown kind) is rejected with a
  Chinese reason in the answer; the rest of the batch is applied.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    Integer,
    Numeric,
    String,
    bindparam,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.types import JSON, DateTime

from app.district.models import (
    DistrictStation,
    RecordConflict,
    RecordVersion,
    StationCredential,
    StationRecord,
    SyncBatch,
    utcnow,
)
from app.district.schemas import (
    BatchAck,
    BatchIn,
    ParsedBatch,
    ParsedRecord,
    RecordIn,
    RejectedRecord,
)
from app.domain import reference, validators
from app.store.models import MODEL_BY_ENTITY
from app.store.models.base import EnumText, Money, UTCDateTime
from app.sync import protocol

MAX_DEPTH = 12
#: a batch may skip ahead of the next expected sequence number by at most this much (a station
#: that lost batches renumbers; a wild number such as 2**53 would block the station for good)
SEQ_WINDOW = 100
#: dates and times a station record may hold (the dashboard computes with them)
DATE_MIN, DATE_MAX = validators.DATE_MIN, validators.DATE_MAX
#: integers (counts, years, sequence numbers) and other numbers (hours, scores)
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
FLOAT_LIMIT = 1e12
#: characters no text field may hold: C0 controls but tab, line feed and carriage return; DEL;
#: C1 controls; lone surrogates (PostgreSQL cannot store NUL at all: it answered 500)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


class BatchRefused(Exception):
    """The whole batch is refused (4xx); ``str()`` is Chinese."""

    def __init__(self, message: str, status: int = 409, **extra):
        super().__init__(message)
        self.status = status
        self.extra = extra


# ------------------------------------------------------------------ field checks


def _check_float(v) -> bool:
    return (
        isinstance(v, int | float)
        and not isinstance(v, bool)
        and math.isfinite(v)
        and -FLOAT_LIMIT < v < FLOAT_LIMIT
    )


def _check_date(v) -> bool:
    if not isinstance(v, str) or len(v) != 10:
        return False
    try:
        return DATE_MIN <= date.fromisoformat(v) <= DATE_MAX
    except ValueError:
        return False


def _check_datetime(v) -> bool:
    if not isinstance(v, str) or len(v) > 40:
        return False
    try:
        return DATE_MIN.year <= datetime.fromisoformat(v).year <= DATE_MAX.year
    except ValueError:
        return False


_HAS_CONTROL = "含有不可见的控制字符（如 NUL）"


def _strings_problem(value) -> str | None:
    """Control characters anywhere in nested JSON (keys too)."""
    kind = type(value)
    if kind is str:
        return _HAS_CONTROL if _CONTROL.search(value) else None
    if kind is dict:
        for k, v in value.items():
            problem = _strings_problem(k) or _strings_problem(v)
            if problem:
                return problem
    elif kind is list:
        for v in value:
            problem = _strings_problem(v)
            if problem:
                return problem
    return None


def _check_money(v) -> bool:
    if not isinstance(v, str) or len(v) > 20:
        return False
    try:
        amount = Decimal(v)
    except InvalidOperation:
        return False
    return amount.is_finite() and abs(amount) < Decimal("1e12")


def _check_enum(allowed: frozenset):
    return lambda v: type(v) is str and v in allowed


_TOO_BIG = f"记录内容过大（单个字段超过 {protocol.MAX_RECORD_BYTES // 1024} KB）"


def _column_rule(col) -> tuple[str, object, str] | None:
    """How a column's value is checked: ``(kind, argument, message)``, or None (not checked).

    kind ``text`` (argument: max length), ``bool``, ``int``, ``json`` (size and depth) or
    ``call`` (argument: a function that says whether the value is good).
    """
    t, key = col.type, col.key
    if isinstance(t, Money):
        return "call", _check_money, f'字段“{key}”应为金额（如 "1200.50"）'
    if isinstance(t, EnumText):
        allowed = frozenset(m.value for m in t.enum_cls)
        return "call", _check_enum(allowed), f"字段“{key}”应为规定的代码值"
    years = f"{DATE_MIN.year}年至{DATE_MAX.year}年之间"
    if isinstance(t, UTCDateTime | DateTime):
        return "call", _check_datetime, f"字段“{key}”应为{years}的日期时间"
    if isinstance(t, Date):
        return "call", _check_date, f"字段“{key}”应为{years}的日期（YYYY-MM-DD）"
    if isinstance(t, Boolean):
        return "bool", None, f"字段“{key}”应为是/否"
    if isinstance(t, Integer):
        return "int", None, f"字段“{key}”应为整数（{INT_MIN}至{INT_MAX}）"
    if isinstance(t, Float | Numeric):
        return "call", _check_float, f"字段“{key}”应为数值（绝对值小于{FLOAT_LIMIT:.0e}）"
    if isinstance(t, JSON):
        return "json", None, ""
    if isinstance(t, String):
        length = t.length or 1_000_000
        return "text", length, f"字段“{key}”应为文本（不超过{length}字）"
    return None


_UNSTORABLE = "记录内容中有超出范围的整数，无法保存"


def _large_or_deep(value) -> str | None:
    """The limits every field is held to (also fields unknown to this server): size, depth, and
    integers the database's JSON can hold (64 bits; JSON from the wire never has others)."""
    kind = type(value)
    if kind is str:
        if len(value) > protocol.MAX_RECORD_BYTES:
            return _TOO_BIG
        return _HAS_CONTROL if _CONTROL.search(value) else None
    if kind is int:
        return None if -(2**63) <= value < 2**64 else _UNSTORABLE
    if kind is dict or kind is list:
        if not _depth_ok(value):
            return "记录内容嵌套过深"
        problem = _strings_problem(value)
        if problem:
            return problem
        try:
            size = len(protocol.dumps(value))
        except TypeError:
            return _UNSTORABLE
        if size > protocol.MAX_RECORD_BYTES:
            return _TOO_BIG
    return None


def _unknown_fields_problem(data: dict, known: frozenset) -> str | None:
    for key, value in data.items():
        if key not in known and value is not None:
            problem = _large_or_deep(value)
            if problem:
                return problem
    return None


def compile_checker(model) -> Callable[[dict], str | None]:
    """The field check of one entity, generated once as straight-line Python.

    A loop over a table of column rules costs a dictionary lookup, an unpacking and a chain of
    comparisons per field; the generated function does only the test itself, which makes the
    check of a typical record three times faster (it runs once per record of every batch). The
    rules are :func:`_column_rule`'s; the source is kept in ``checker.source``.
    """
    lines = [
        "def check(data):",
        "    get = data.get",
        "    if not KNOWN.issuperset(data):",
        "        problem = unknown_fields_problem(data, KNOWN)",
        "        if problem:",
        "            return problem",
    ]
    env: dict = {
        "KNOWN": frozenset(c.key for c in model.__table__.columns),
        "unknown_fields_problem": _unknown_fields_problem,
        "large_or_deep": _large_or_deep,
        "INT_MIN": INT_MIN,
        "INT_MAX": INT_MAX,
        "MAX_TEXT": protocol.MAX_RECORD_BYTES,
        "TOO_BIG": _TOO_BIG,
        "control": _CONTROL.search,
        "HAS_CONTROL": _HAS_CONTROL,
    }
    for i, col in enumerate(model.__table__.columns):
        rule = _column_rule(col)
        required = not col.nullable and not col.primary_key
        if rule is None and not required:
            continue
        lines.append(f"    v = get({col.key!r})")
        if required:
            env[f"MISSING{i}"] = f"缺少必填字段“{col.key}”"
            lines += ["    if v is None:", f"        return MISSING{i}"]
            indent = "    "
        else:
            lines.append("    if v is not None:")
            indent = "        "
        if rule is None:
            continue
        kind, arg, message = rule
        env[f"M{i}"] = message
        if kind == "text":
            env[f"C{i}"] = f"字段“{col.key}”{_HAS_CONTROL}"
            if arg > protocol.MAX_RECORD_BYTES:  # a Text column: the record size limit applies
                lines += [
                    f"{indent}if type(v) is not str:",
                    f"{indent}    return M{i}",
                    f"{indent}if len(v) > MAX_TEXT:",
                    f"{indent}    return TOO_BIG",
                ]
            else:
                lines += [f"{indent}if type(v) is not str or len(v) > {arg}:"]
                lines += [f"{indent}    return M{i}"]
            lines += [f"{indent}if control(v):", f"{indent}    return C{i}"]
        elif kind == "bool":
            lines += [f"{indent}if type(v) is not bool:", f"{indent}    return M{i}"]
        elif kind == "int":
            lines += [f"{indent}if type(v) is not int or not INT_MIN <= v <= INT_MAX:"]
            lines += [f"{indent}    return M{i}"]
        elif kind == "json":
            lines += [f"{indent}problem = large_or_deep(v)", f"{indent}if problem:"]
            lines += [f"{indent}    return problem"]
        else:
            env[f"F{i}"] = arg
            lines += [f"{indent}if not F{i}(v):", f"{indent}    return M{i}"]
    lines.append("    return None")
    source = "\n".join(lines) + "\n"
    exec(compile(source, f"<field check of {model.__tablename__}>", "exec"), env)
    checker = env["check"]
    checker.source = source
    return checker


#: entity -> its generated field check
CHECKERS: dict[str, Callable[[dict], str | None]] = {
    entity: compile_checker(model) for entity, model in MODEL_BY_ENTITY.items()
}


def field_problem(entity: str, data: dict) -> str | None:
    """Why the values of ``data`` do not fit the columns of ``entity`` (Chinese), or None.

    Each value is checked against its column's type (text length, integers, yes/no, dates,
    times, money, code values); JSON fields and fields this server does not know (a station with
    a newer schema) are held to the size and depth limits.
    """
    return CHECKERS[entity](data)


def _depth_ok(value, depth: int = 0) -> bool:
    """Nested JSON (JSON columns) no deeper than ``MAX_DEPTH``, with string keys."""
    if depth > MAX_DEPTH:
        return False
    if isinstance(value, dict):
        return all(isinstance(k, str) and _depth_ok(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return all(_depth_ok(v, depth + 1) for v in value)
    return True


def station_label(code: str) -> str:
    try:
        return reference.station(code).name
    except KeyError:
        return code


def record_problem(rec, station_code: str) -> str | None:
    """Why ``rec`` cannot be accepted from ``station_code``, in Chinese; None if it can."""
    if rec.entity not in CHECKERS:
        return f"区级服务器不认识记录类型“{rec.entity}”：请等待区级服务器升级后重新发送"
    data = rec.data
    if data.get("id") != rec.id:
        return "记录内容中的编号与记录标识不一致（数据可能被改动）"
    if data.get("version") != rec.version:
        return "记录内容中的版本号与记录标识不一致（数据可能被改动）"
    owner = data.get("station_code")
    if owner != station_code:
        return (
            f"该记录属于{station_label(str(owner)[:16])}，不能由{station_label(station_code)}上报："
            "站点只能上报和修改本站创建的记录"
        )
    if rec.op == "delete" and data.get("deleted") is not True:
        return "删除操作的记录未标记为已删除"
    return field_problem(rec.entity, data)


# ------------------------------------------------------------------ applying a batch


@dataclass
class Applied:
    ack: BatchAck
    duplicate: bool


def _stored_ack(row: SyncBatch) -> BatchAck:
    return BatchAck(
        batch_id=row.batch_id,
        seq=row.seq,
        duplicate=True,
        ack_outbox_seq=row.ack_outbox_seq,
        inserted=row.inserted,
        updated=row.updated,
        unchanged=row.unchanged,
        rejected=[RejectedRecord(**r) for r in (row.rejected or [])],
    )


_UNSTORABLE_RECORD = (
    "区级数据库无法保存该记录（某个字段含有数据库不接受的字符或超出范围的值）：请核对后重新保存"
)


def _unstorable(s: Session, rows: dict[tuple[str, str], dict]) -> set[tuple[str, str]]:
    """The records the database refuses (a data error), each tried alone in a savepoint that
    is rolled back: used only after a batch failed with a data error, to reject just those."""
    t = StationRecord.__table__
    dialect = s.get_bind().dialect.name
    insert = (pg_insert if dialect == "postgresql" else sqlite_insert)(t).on_conflict_do_nothing(
        index_elements=[t.c.entity, t.c.id]
    )
    bad = set()
    for key, row in rows.items():
        savepoint = s.begin_nested()
        try:
            s.execute(insert, [row])
        except DataError:
            bad.add(key)
        finally:
            savepoint.rollback()
    return bad


CONFLICT = (
    "另一台电脑已修改并上报了这条记录（区级保存的版本不早于本机的版本），本机的修改未被采用："
    "请站点管理员核对两台电脑上的内容后再修改保存"
)


def _apply(
    s: Session,
    station_code: str,
    batch: BatchIn | ParsedBatch,
    *,
    careful: bool = False,
    device_id: str | None = None,
) -> BatchAck:
    known = s.get(SyncBatch, batch.batch_id)
    if known is not None:
        if known.station_code != station_code:
            raise BatchRefused("批次编号与其他站点的批次重复", status=409)
        return _stored_ack(known)
    station = s.scalars(
        select(DistrictStation).where(DistrictStation.code == station_code).with_for_update()
    ).one_or_none()
    if station is None:
        raise BatchRefused(f"未知的站点：{station_code}", status=404)
    # protocol 1: one sequence per station; protocol 2: one per device (the station row lock
    # above serialises every batch of the station either way)
    device = s.get(StationCredential, device_id) if device_id else None
    per_device = batch.protocol >= 2 and device is not None
    last_seq = device.last_batch_seq if per_device else station.last_batch_seq
    if batch.seq <= last_seq:
        raise BatchRefused(
            f"批次序号 {batch.seq} 已使用过（本机已处理到第 {last_seq} 批）",
            status=409,
            expected_seq=last_seq + 1,
        )
    if batch.seq > last_seq + SEQ_WINDOW:
        raise BatchRefused(
            f"批次序号 {batch.seq} 超前过多（本机已处理到第 {last_seq} 批）",
            status=409,
            expected_seq=last_seq + 1,
        )
    now = utcnow()
    rejected: list[RejectedRecord] = []
    latest: dict[tuple[str, str], RecordIn | ParsedRecord] = {}
    for rec in batch.records:
        problem = record_problem(rec, station_code)
        if problem:
            rejected.append(
                RejectedRecord(entity=rec.entity, id=rec.id, version=rec.version, reason=problem)
            )
            continue
        key = (rec.entity, rec.id)
        if key not in latest or latest[key].version < rec.version:
            latest[key] = rec

    # every write takes the station's next server sequence number (the pull cursor); numbers
    # of records that turn out unchanged are simply not used
    base_seq = station.last_record_seq or 0
    rows = {
        key: {
            "entity": rec.entity,
            "id": rec.id,
            "station_code": station_code,
            "version": rec.version,
            "deleted": rec.data.get("deleted") is True,
            "data": rec.data,
            "received_at": now,
            "batch_id": batch.batch_id,
            "credit_code": _credit_code(rec),
            "server_seq": base_seq + n,
            "device_id": device_id,
        }
        for n, (key, rec) in enumerate(latest.items(), 1)
    }
    station.last_record_seq = base_seq + len(rows)
    if careful:
        for key in _unstorable(s, rows):
            rec = latest.pop(key)
            del rows[key]
            rejected.append(
                RejectedRecord(
                    entity=rec.entity, id=rec.id, version=rec.version, reason=_UNSTORABLE_RECORD
                )
            )
    inserted, held = _insert_new(s, batch.batch_id, rows)
    updates, unchanged = [], 0
    keep_history = per_device and _several_pcs(s, station_code)
    concurrent: list[tuple[RecordIn | ParsedRecord, str | None]] = []
    for key, (owner, version, writer) in held.items():
        rec = latest[key]
        if owner != station_code:
            rejected.append(
                RejectedRecord(
                    entity=rec.entity,
                    id=rec.id,
                    version=rec.version,
                    reason=f"该记录已由{station_label(owner)}上报：站点只能修改本站创建的记录",
                )
            )
        elif (
            per_device
            and rec.base_version is not None
            and rec.base_version < version
            and writer != device_id
        ):
            concurrent.append((rec, writer))  # changed from a version this PC had not seen
        elif version >= rec.version:
            if per_device and writer is not None and writer != device_id:
                # written by another PC of the station, which this PC had not seen: never a
                # silent loss of either edit
                rejected.append(
                    RejectedRecord(
                        entity=rec.entity, id=rec.id, version=rec.version, reason=CONFLICT
                    )
                )
            else:
                unchanged += 1
        else:
            updates.append(rows[key])
    if keep_history:
        _save_history(s, [rows[k] for k in held if k in rows], previous=True)
    _update(s, updates)
    merged = conflicts = 0
    for rec, writer in concurrent:
        outcome = _merge(s, station, rec, writer, device_id, batch.batch_id, now)
        if outcome is None:
            rejected.append(
                RejectedRecord(entity=rec.entity, id=rec.id, version=rec.version, reason=CONFLICT)
            )
        else:
            merged += 1
            conflicts += outcome
    if keep_history:
        written = {(r["entity"], r["id"]) for r in updates} | (set(rows) - set(held))
        _save_history(s, [rows[k] for k in written])
    if per_device:
        device.last_batch_seq = batch.seq
        device.last_seen_at = now
    else:
        station.last_batch_seq = batch.seq
        if device is not None:
            device.last_seen_at = now
    station.last_sync_at = now
    rejected_json = [r.model_dump() for r in rejected]
    s.add(
        SyncBatch(
            batch_id=batch.batch_id,
            station_code=station_code,
            seq=batch.seq,
            received_at=now,
            record_count=len(batch.records),
            inserted=inserted,
            updated=len(updates) + merged,
            unchanged=unchanged,
            ack_outbox_seq=batch.ack_outbox_seq,
            rejected=rejected_json,
            device_id=device_id,
        )
    )
    return BatchAck(
        batch_id=batch.batch_id,
        seq=batch.seq,
        duplicate=False,
        ack_outbox_seq=batch.ack_outbox_seq,
        inserted=inserted,
        updated=len(updates) + merged,
        unchanged=unchanged,
        rejected=rejected,
        conflicts=conflicts,
    )


# ------------------------------------------------------------------ several PCs: merge per field

#: columns every change sets; not compared field by field
_STAMPS = frozenset(("id", "version", "station_code", "created_at", "created_by", "updated_at",
                     "updated_by"))  # fmt: skip


#: fields the station computes from another (not shown as conflicts of their own: they follow
#: the field they come from, recomputed on the station when that one is resolved)
_DERIVED = {"name_initials": "name"}


def _several_pcs(s: Session, station_code: str) -> bool:
    from sqlalchemy import func

    n = s.scalar(
        select(func.count())
        .select_from(StationCredential)
        .where(
            StationCredential.station_code == station_code, StationCredential.revoked_at.is_(None)
        )
    )
    return (n or 0) > 1


def _save_history(s: Session, rows: list[dict], *, previous: bool = False) -> None:
    """Keep record states as bases for merging: the rows as written, or (``previous``) the
    states they are about to replace (read from the record table in the same statement)."""
    if not rows:
        return
    t, h = StationRecord.__table__, RecordVersion.__table__
    dialect = s.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    if previous:
        by_entity: dict[str, list[str]] = defaultdict(list)
        for r in rows:
            by_entity[r["entity"]].append(r["id"])
        for entity, ids in by_entity.items():
            for start in range(0, len(ids), 500):
                chosen = select(t.c.entity, t.c.id, t.c.version, t.c.data).where(
                    t.c.entity == entity, t.c.id.in_(ids[start : start + 500])
                )
                s.execute(
                    insert(h)
                    .from_select(["entity", "id", "version", "data"], chosen)
                    .on_conflict_do_nothing(index_elements=[h.c.entity, h.c.id, h.c.version])
                )
        return
    s.execute(
        insert(h).on_conflict_do_nothing(index_elements=[h.c.entity, h.c.id, h.c.version]),
        [{"entity": r["entity"], "id": r["id"], "version": r["version"], "data": r["data"]}
         for r in rows],
    )  # fmt: skip


def _merge(s, station, rec, writer, device_id, batch_id, now) -> int | None:
    """Merge a record changed on this PC from ``rec.base_version`` with what the district holds
    (changed meanwhile by another PC). Fields changed on one side only merge; a field changed on
    both sides to different values keeps the held value and becomes a :class:`RecordConflict`
    (both values, who and when); a record deleted on one side and edited on the other is kept,
    with a conflict on ``deleted``. The merged state is written as a new version that no PC has
    (``device_id`` NULL: every PC of the station pulls it). Returns the number of conflicts, or
    None when the base is not known (the record is then rejected as a whole)."""
    base_row = s.get(RecordVersion, (rec.entity, rec.id, rec.base_version))
    held_row = s.get(StationRecord, (rec.entity, rec.id))
    if base_row is None or held_row is None:
        return None
    base, held, mine_all = base_row.data, held_row.data, rec.data
    mine = {f: v for f, v in mine_all.items() if f not in _STAMPS and base.get(f) != v}
    theirs = {f for f, v in held.items() if f not in _STAMPS and base.get(f) != v}
    clash = {f for f in mine if f in theirs and held.get(f) != mine[f]}
    merged = dict(held)
    merged.update({f: v for f, v in mine.items() if f not in clash})
    edits_mine = set(mine) - {"deleted", "deleted_at"}
    edits_theirs = theirs - {"deleted", "deleted_at"}
    deleted_here = mine.get("deleted") is True and bool(edits_theirs)
    deleted_there = held.get("deleted") is True and "deleted" in theirs and bool(edits_mine)
    conflict_values = {f: (held.get(f), mine[f]) for f in clash if _DERIVED.get(f) not in clash}
    if deleted_here or deleted_there:  # deleted on one PC, edited on the other: kept
        merged["deleted"], merged["deleted_at"] = False, None
        conflict_values.pop("deleted_at", None)
        conflict_values["deleted"] = (held.get("deleted") is True, mine_all.get("deleted") is True)
    # above both PCs' versions, so that each takes the merged state over its own
    version = max(held_row.version, rec.version) + 1
    merged["version"] = version
    merged["updated_at"] = (
        max(str(held.get("updated_at") or ""), str(mine_all.get("updated_at") or "")) or None
    )
    station.last_record_seq = (station.last_record_seq or 0) + 1
    result = s.execute(
        update(StationRecord.__table__)
        .where(
            StationRecord.__table__.c.entity == rec.entity,
            StationRecord.__table__.c.id == rec.id,
            StationRecord.__table__.c.version == held_row.version,
        )
        .values(
            version=version,
            data=merged,
            deleted=merged.get("deleted") is True,
            received_at=now,
            batch_id=batch_id,
            server_seq=station.last_record_seq,
            device_id=None,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise _Raced()
    _save_history(s, [{"entity": rec.entity, "id": rec.id, "version": version, "data": merged}])
    for field, (held_value, incoming_value) in sorted(conflict_values.items()):
        s.add(
            RecordConflict(
                station_code=station.code,
                entity=rec.entity,
                record_id=rec.id,
                field=field,
                base_version=rec.base_version,
                held_value=held_value,
                held_device=writer,
                held_at=str(held.get("updated_at") or "")[:40] or None,
                incoming_value=incoming_value,
                incoming_device=device_id,
                incoming_at=str(mine_all.get("updated_at") or "")[:40] or None,
                created_at=now,
            )
        )
    return len(conflict_values)


def _insert_new(
    s: Session, batch_id: str, rows: dict[tuple[str, str], dict]
) -> tuple[int, dict[tuple[str, str], tuple[str, int, str | None]]]:
    """Insert the records the district does not hold yet, in one statement.

    ``INSERT … ON CONFLICT DO NOTHING`` (one executemany): a record already held, or written by a
    concurrent request meanwhile, is left as it is. When the driver reports that every row was
    inserted (SQLite does; PostgreSQL's batched form does not) nothing is looked up; otherwise
    the batch's keys are looked up: a row carrying this batch's id was inserted just now, the
    others were held before and are returned as ``{key: (owner, version, device)}``.
    """
    if not rows:
        return 0, {}
    t = StationRecord.__table__
    dialect = s.get_bind().dialect.name
    insert_new = (pg_insert if dialect == "postgresql" else sqlite_insert)(
        t
    ).on_conflict_do_nothing(index_elements=[t.c.entity, t.c.id])
    result = s.execute(insert_new, list(rows.values()))
    if result.rowcount == len(rows):
        return len(rows), {}
    ids_by_entity: dict[str, list[str]] = defaultdict(list)
    for entity, rid in rows:
        ids_by_entity[entity].append(rid)
    inserted, held = 0, {}
    for entity, ids in ids_by_entity.items():
        for start in range(0, len(ids), 1000):
            found = s.execute(
                select(t.c.id, t.c.station_code, t.c.version, t.c.batch_id, t.c.device_id).where(
                    t.c.entity == entity, t.c.id.in_(ids[start : start + 1000])
                )
            )
            for rid, owner, version, written_by, device in found:
                if written_by == batch_id:
                    inserted += 1
                else:
                    held[(entity, rid)] = (owner, version, device)
    return inserted, held


class _Raced(Exception):
    """Rows changed between the lookup and the write (a concurrent request): apply again."""


_UPDATE = (
    update(StationRecord.__table__)
    .where(
        StationRecord.__table__.c.entity == bindparam("k_entity"),
        StationRecord.__table__.c.id == bindparam("k_id"),
        # never another station's record, never an older version over a newer one
        StationRecord.__table__.c.station_code == bindparam("k_owner"),
        StationRecord.__table__.c.version < bindparam("k_version"),
    )
    .values(
        version=bindparam("version"),
        deleted=bindparam("deleted"),
        data=bindparam("data"),
        received_at=bindparam("received_at"),
        batch_id=bindparam("batch_id"),
        credit_code=bindparam("credit_code"),
        server_seq=bindparam("server_seq"),
        device_id=bindparam("device_id"),
    )
)


def _update(s: Session, updates: list[dict]) -> None:
    """Newer versions of held records: one guarded executemany UPDATE.

    If a row no longer matches (a concurrent request wrote it after the lookup), the whole batch
    is applied again (:class:`_Raced`), so that the answer says exactly what was written.
    """
    if not updates:
        return
    params = [
        {
            "k_entity": row["entity"],
            "k_id": row["id"],
            "k_owner": row["station_code"],
            "k_version": row["version"],
            "version": row["version"],
            "deleted": row["deleted"],
            "data": row["data"],
            "received_at": row["received_at"],
            "batch_id": row["batch_id"],
            "credit_code": row["credit_code"],
            "server_seq": row["server_seq"],
            "device_id": row["device_id"],
        }
        for row in updates
    ]
    result = s.execute(_UPDATE, params)
    if s.get_bind().dialect.supports_sane_multi_rowcount and result.rowcount != len(updates):
        raise _Raced()


def _credit_code(rec) -> str | None:
    if rec.entity != "enterprise":
        return None
    code = rec.data.get("credit_code")
    return code.strip().upper() if isinstance(code, str) and code.strip() else None


def apply_batch(
    session_factory,
    station_code: str,
    batch: BatchIn | ParsedBatch,
    device_id: str | None = None,
) -> BatchAck:
    """Apply ``batch`` for ``station_code`` in one transaction (retried once after a race).

    ``device_id``: the credential that sent it (protocol 2 batches count per device)."""
    if batch.station_code != station_code:
        raise BatchRefused(
            f"批次的站点代码 {batch.station_code} 与凭据所属站点 {station_code} 不符：站点只能上报本站数据",
            status=403,
        )
    careful = False
    for attempt in range(3):
        try:
            with session_factory() as s, s.begin():
                return _apply(s, station_code, batch, careful=careful, device_id=device_id)
        except DataError:
            # a value the database refuses (passed the field checks): never a 5xx, which the
            # station would retry for ever; apply again, rejecting just the records at fault
            if careful:
                raise BatchRefused(_UNSTORABLE_RECORD, status=422) from None
            careful = True
        except (IntegrityError, _Raced):
            # the same batch (or record) committed by a concurrent request of this station:
            # the next attempt sees it and answers as for a replay
            if attempt == 2:
                raise BatchRefused("同一批次正在被处理，请稍后重试", status=409) from None
    raise AssertionError("unreachable")
