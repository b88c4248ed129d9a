"""Apply a station's batch: in one transaction, idempotently, record by record.

* A batch id seen before returns the stored answer and changes nothing (a replay).
* A record is kept if its version is newer than the one held; the same or an older version is
  acknowledged and ignored, so a retried record is applied exactly once.
* A record that cannot be accepted (another station's, malformed, unknown kind) is rejected with a
  Chinese reason in the answer; the rest of the batch is applied.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache

from sqlalchemy import Boolean, Date, Float, Integer, Numeric, String, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.types import JSON, DateTime

from app.district.models import DistrictStation, StationRecord, SyncBatch, utcnow
from app.district.schemas import BatchAck, BatchIn, RecordIn, RejectedRecord
from app.domain import reference
from app.store.models import MODEL_BY_ENTITY
from app.store.models.base import EnumText, Money, UTCDateTime
from app.sync import protocol

MAX_DEPTH = 12


class BatchRefused(Exception):
    """The whole batch is refused (4xx); ``str()`` is Chinese."""

    def __init__(self, message: str, status: int = 409, **extra):
        super().__init__(message)
        self.status = status
        self.extra = extra


# ------------------------------------------------------------------ field checks


def _check_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and -(2**63) <= v < 2**63


def _check_float(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _check_date(v) -> bool:
    if not isinstance(v, str) or len(v) != 10:
        return False
    try:
        date.fromisoformat(v)
    except ValueError:
        return False
    return True


def _check_datetime(v) -> bool:
    if not isinstance(v, str) or len(v) > 40:
        return False
    try:
        datetime.fromisoformat(v)
    except ValueError:
        return False
    return True


def _check_money(v) -> bool:
    if not isinstance(v, str) or len(v) > 20:
        return False
    try:
        amount = Decimal(v)
    except InvalidOperation:
        return False
    return amount.is_finite() and abs(amount) < Decimal("1e12")


@dataclass(frozen=True)
class EntityChecks:
    """The column checks of one entity, grouped by kind so that the loop makes few calls."""

    required: tuple[str, ...]
    strings: tuple[tuple[str, int], ...]
    ints: tuple[str, ...]
    bools: tuple[str, ...]
    floats: tuple[str, ...]
    dates: tuple[str, ...]
    datetimes: tuple[str, ...]
    money: tuple[str, ...]
    enums: tuple[tuple[str, frozenset], ...]


@cache
def entity_checks(entity: str) -> EntityChecks:
    groups: dict[str, list] = defaultdict(list)
    required = []
    for col in MODEL_BY_ENTITY[entity].__table__.columns:
        t, key = col.type, col.key
        if not col.nullable and not col.primary_key:
            required.append(key)
        if isinstance(t, Money):
            groups["money"].append(key)
        elif isinstance(t, EnumText):
            groups["enums"].append((key, frozenset(m.value for m in t.enum_cls)))
        elif isinstance(t, UTCDateTime | DateTime):
            groups["datetimes"].append(key)
        elif isinstance(t, Date):
            groups["dates"].append(key)
        elif isinstance(t, Boolean):
            groups["bools"].append(key)
        elif isinstance(t, Integer):
            groups["ints"].append(key)
        elif isinstance(t, Float | Numeric):
            groups["floats"].append(key)
        elif isinstance(t, String) and not isinstance(t, JSON):
            groups["strings"].append((key, t.length or 1_000_000))
    return EntityChecks(
        required=tuple(required),
        **{
            name: tuple(groups[name])
            for name in (
                "strings",
                "ints",
                "bools",
                "floats",
                "dates",
                "datetimes",
                "money",
                "enums",
            )
        },
    )


def field_problem(entity: str, data: dict) -> str | None:
    c = entity_checks(entity)
    get = data.get
    for key in c.required:
        if get(key) is None:
            return f"缺少必填字段“{key}”"
    for key, length in c.strings:
        v = get(key)
        if v is not None and (type(v) is not str or len(v) > length):
            return f"字段“{key}”应为文本（不超过{length}字）"
    for key in c.ints:
        v = get(key)
        if v is not None and not _check_int(v):
            return f"字段“{key}”应为整数"
    for key in c.bools:
        v = get(key)
        if v is not None and type(v) is not bool:
            return f"字段“{key}”应为是/否"
    for key in c.floats:
        v = get(key)
        if v is not None and not _check_float(v):
            return f"字段“{key}”应为数值"
    for key in c.dates:
        v = get(key)
        if v is not None and not _check_date(v):
            return f"字段“{key}”应为日期（YYYY-MM-DD）"
    for key in c.datetimes:
        v = get(key)
        if v is not None and not _check_datetime(v):
            return f"字段“{key}”应为日期时间"
    for key in c.money:
        v = get(key)
        if v is not None and not _check_money(v):
            return f'字段“{key}”应为金额（如 "1200.50"）'
    for key, allowed in c.enums:
        v = get(key)
        if v is not None and (type(v) is not str or v not in allowed):
            return f"字段“{key}”应为规定的代码值"
    return None


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


def record_problem(rec: RecordIn, station_code: str) -> str | None:
    """Why ``rec`` cannot be accepted from ``station_code``, in Chinese; None if it can."""
    if rec.entity not in MODEL_BY_ENTITY:
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
    for value in data.values():
        kind = type(value)
        if kind is str:
            if len(value) > protocol.MAX_RECORD_BYTES:
                return f"记录内容过大（单个字段超过 {protocol.MAX_RECORD_BYTES // 1024} KB）"
        elif kind is dict or kind is list:
            if not _depth_ok(value):
                return "记录内容嵌套过深"
            if len(protocol.dumps(value)) > protocol.MAX_RECORD_BYTES:
                return f"记录内容过大（单个字段超过 {protocol.MAX_RECORD_BYTES // 1024} KB）"
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


def _apply(s: Session, station_code: str, batch: BatchIn) -> BatchAck:
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
    if batch.seq <= station.last_batch_seq:
        raise BatchRefused(
            f"批次序号 {batch.seq} 已使用过（本站已处理到第 {station.last_batch_seq} 批）",
            status=409,
            expected_seq=station.last_batch_seq + 1,
        )
    now = utcnow()
    rejected: list[RejectedRecord] = []
    latest: dict[tuple[str, str], RecordIn] = {}
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

    existing: dict[tuple[str, str], tuple[str, int]] = {}
    ids = [rid for _e, rid in latest]
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        rows = s.execute(
            select(
                StationRecord.entity,
                StationRecord.id,
                StationRecord.station_code,
                StationRecord.version,
            ).where(StationRecord.id.in_(chunk))
        )
        for entity, rid, owner, version in rows:
            existing[(entity, rid)] = (owner, version)

    inserts, updates, unchanged = [], [], 0
    for key, rec in latest.items():
        row = {
            "entity": rec.entity,
            "id": rec.id,
            "station_code": station_code,
            "version": rec.version,
            "deleted": bool(rec.data.get("deleted")),
            "data": rec.data,
            "received_at": now,
            "batch_id": batch.batch_id,
            "credit_code": _credit_code(rec),
        }
        held = existing.get(key)
        if held is None:
            inserts.append(row)
        elif held[0] != station_code:
            rejected.append(
                RejectedRecord(
                    entity=rec.entity,
                    id=rec.id,
                    version=rec.version,
                    reason=f"该记录已由{station_label(held[0])}上报：站点只能修改本站创建的记录",
                )
            )
        elif held[1] < rec.version:
            updates.append(row)
        else:
            unchanged += 1
    if inserts:
        s.execute(insert(StationRecord.__table__), inserts)
    if updates:
        s.execute(update(StationRecord), updates)
    station.last_batch_seq = batch.seq
    station.last_sync_at = now
    rejected_json = [r.model_dump() for r in rejected]
    s.add(
        SyncBatch(
            batch_id=batch.batch_id,
            station_code=station_code,
            seq=batch.seq,
            received_at=now,
            record_count=len(batch.records),
            inserted=len(inserts),
            updated=len(updates),
            unchanged=unchanged,
            ack_outbox_seq=batch.ack_outbox_seq,
            rejected=rejected_json,
        )
    )
    return BatchAck(
        batch_id=batch.batch_id,
        seq=batch.seq,
        duplicate=False,
        ack_outbox_seq=batch.ack_outbox_seq,
        inserted=len(inserts),
        updated=len(updates),
        unchanged=unchanged,
        rejected=rejected,
    )


def _credit_code(rec: RecordIn) -> str | None:
    if rec.entity != "enterprise":
        return None
    code = rec.data.get("credit_code")
    return code.strip().upper() if isinstance(code, str) and code.strip() else None


def apply_batch(session_factory, station_code: str, batch: BatchIn) -> BatchAck:
    """Apply ``batch`` for ``station_code`` in one transaction (retried once after a race)."""
    if batch.station_code != station_code:
        raise BatchRefused(
            f"批次的站点代码 {batch.station_code} 与凭据所属站点 {station_code} 不符：站点只能上报本站数据",
            status=403,
        )
    for attempt in range(3):
        try:
            with session_factory() as s, s.begin():
                return _apply(s, station_code, batch)
        except IntegrityError:
            # the same batch (or record) committed by a concurrent request of this station:
            # the next attempt sees it and answers as for a replay
            if attempt == 2:
                raise BatchRefused("同一批次正在被处理，请稍后重试", status=409) from None
    raise AssertionError("unreachable")
