"""Every change to a synced record writes its audit event and outbox entry in the same transaction.

Sessions made by the store carry the acting user and the station in ``session.info``; a
``before_flush`` hook stamps new and changed records (station, times, user), and adds an
:class:`AuditEvent` and an :class:`OutboxEntry` for each. ``version`` is bumped by the mapper itself
(optimistic locking). Synced records are never hard-deleted: :func:`soft_delete` marks them, and a
hard delete is refused.

Bulk paths that bypass the ORM call :func:`record_bulk` (:mod:`app.store.bulk`) with the same
effect; the roster import writes its records' outbox entries and one audit event for the whole
import (:class:`app.store.bulk.BulkAudit`). :func:`history` gives a record's audit trail with the
bulk events' entries for that record included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from sqlalchemy import Date, and_, event, inspect, or_, select
from sqlalchemy.orm import Session

from app.domain import validators
from app.domain.enums import ChangeOp
from app.store.bulk import (
    read_detail,
    record_bulk,  # noqa: F401  (re-exported: the bulk path of this module)
)
from app.store.errors import PermissionDenied, StoreError, ValidationError
from app.store.models import AuditEvent, OutboxEntry, Synced, utcnow

#: Fields whose values are personal data: the audit log records that they changed, not the values.
PERSONAL_FIELDS = frozenset(
    {"name", "id_number", "phone", "address", "birth_date", "hukou", "facts", "requests",
     "record", "oral_record", "contact_name", "contact_phone", "attendees", "legal_rep",
     "sex", "job",
     # a term's per-worker schedule (accounts), who signed an agreement, the person reached at a
     # follow-up, the individual contractor (包工头) of a referral
     "schedule", "signatures", "contact", "foreman_name", "foreman_id_number", "foreman_phone"}
)  # fmt: skip

_STAMP_FIELDS = frozenset(
    {"created_at", "created_by", "updated_at", "updated_by", "version", "station_code"}
)


class HardDeleteRefused(StoreError):
    default_message = "同步记录不能直接删除，只能标记为已删除"


def _plain(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def _changed_fields(obj) -> dict:
    state = inspect(obj)
    changes = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in _STAMP_FIELDS:
            continue
        hist = state.attrs[key].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if key in PERSONAL_FIELDS:
            changes[key] = "changed"
        else:
            changes[key] = [_plain(old), _plain(new)]
    return changes


def _summary(obj) -> str:
    return f"{type(obj).label} {obj.id[:8]}"


def soft_delete(session: Session, obj: Synced) -> None:
    """Mark a synced record deleted (the tombstone syncs; the row stays until the district confirms)."""
    obj.deleted = True
    obj.deleted_at = utcnow()
    session.add(obj)


_DATE_KEYS: dict[type, tuple[str, ...]] = {}


def _check_dates(obj) -> None:
    """Dates outside 1900–2100 are refused on the station too (they broke the district)."""
    cls = type(obj)
    keys = _DATE_KEYS.get(cls)
    if keys is None:
        keys = _DATE_KEYS[cls] = tuple(
            c.key for c in cls.__table__.columns if isinstance(c.type, Date)
        )
    for key in keys:
        value = getattr(obj, key, None)
        if isinstance(value, date):
            problem = validators.date_problem(value)
            if problem:
                raise ValidationError(problem, field=key)


def mark_changed(session: Session, entity: str) -> None:
    """Note that records of ``entity`` (a table name) change in this transaction; the store tells
    its change listeners after the commit."""
    session.info.setdefault("changed", set()).add(entity)


def _after_commit(session: Session) -> None:
    changed = session.info.pop("changed", None)
    notify = session.info.get("notify")
    if changed and notify is not None:
        notify(frozenset(changed))


def _after_rollback(session: Session) -> None:
    session.info.pop("changed", None)


def _before_flush(session: Session, flush_context, instances) -> None:
    info = session.info
    user_id = info.get("user_id")
    station_code = info.get("station_code")
    now = utcnow()
    for obj in list(session.new):
        if not isinstance(obj, Synced):
            continue
        if info.get("read_only"):
            raise PermissionDenied("只读用户不能修改数据")
        mark_changed(session, obj.entity_name())
        _check_dates(obj)
        if obj.id is None:
            from app.store.models import new_id

            obj.id = new_id()
        obj.station_code = obj.station_code or station_code
        obj.created_at = obj.created_at or now
        obj.created_by = obj.created_by or user_id
        obj.updated_at = now
        obj.updated_by = user_id
        obj.version = 1
        session.add(
            AuditEvent(
                at=now,
                user_id=user_id,
                action="insert",
                entity=obj.entity_name(),
                entity_id=obj.id,
                summary=_summary(obj),
            )
        )
        session.add(
            OutboxEntry(
                entity=obj.entity_name(),
                entity_id=obj.id,
                version=1,
                op=ChangeOp.INSERT,
                created_at=now,
            )
        )
    answered: list[tuple] = [
        (obj.entity_name(), obj.id, ["（新增）"], 1, getattr(obj, "case_id", None))
        for obj in session.new
        if isinstance(obj, Synced) and getattr(obj, "case_id", None)
    ]
    for obj in list(session.dirty):
        if not isinstance(obj, Synced) or not session.is_modified(obj, include_collections=False):
            continue
        if info.get("read_only"):
            raise PermissionDenied("只读用户不能修改数据")
        changes = _changed_fields(obj)
        if not changes:
            continue
        mark_changed(session, obj.entity_name())
        _check_dates(obj)
        obj.updated_at = now
        obj.updated_by = user_id
        op = ChangeOp.DELETE if changes.get("deleted") == [False, True] else ChangeOp.UPDATE
        new_version = (obj.version or 0) + 1  # what the mapper will write
        answered.append(
            (obj.entity_name(), obj.id, list(changes), new_version, getattr(obj, "case_id", None))
        )
        session.add(
            AuditEvent(
                at=now,
                user_id=user_id,
                action=op.value,
                entity=obj.entity_name(),
                entity_id=obj.id,
                summary=_summary(obj),
                changes=changes,
            )
        )
        session.add(
            OutboxEntry(
                entity=obj.entity_name(),
                entity_id=obj.id,
                version=new_version,
                op=op,
                created_at=now,
            )
        )
    for obj in session.deleted:
        if isinstance(obj, Synced):
            raise HardDeleteRefused()
    if answered and not info.get("replicating"):
        # an open correction request (退回补正) on an edited record is answered by the edit
        from app.store.corrections import answer_on_flush

        answer_on_flush(session, answered)


def install(session_class) -> None:
    """Attach the hooks to a ``sessionmaker`` or Session class."""
    event.listen(session_class, "before_flush", _before_flush)
    event.listen(session_class, "after_commit", _after_commit)
    event.listen(session_class, "after_rollback", _after_rollback)


def stamp_new(session: Session, now: datetime | None = None) -> dict:
    """Synced-column values for a row inserted with Core in this session."""
    now = now or utcnow()
    user_id = session.info.get("user_id")
    return {
        "station_code": session.info.get("station_code"),
        "created_at": now,
        "created_by": user_id,
        "updated_at": now,
        "updated_by": user_id,
        "version": 1,
        "deleted": False,
    }


@dataclass(frozen=True)
class HistoryEntry:
    """One change of one record, as its history shows it."""

    at: datetime
    user_id: str | None
    action: str
    summary: str | None
    #: field -> [old, new] (personal fields: "changed"), or None
    changes: dict | None
    #: the audit event it comes from (a bulk event holds many records' entries)
    event_id: int


def history(session: Session, entity: str, entity_id: str) -> list[HistoryEntry]:
    """Every audit entry of one record, oldest first: its own events and its part of the bulk
    events (roster imports) that wrote it."""
    t = AuditEvent.__table__
    query = (
        select(t.c.id, t.c.at, t.c.user_id, t.c.action, t.c.summary, t.c.changes, t.c.detail)
        .where(
            t.c.entity == entity,
            or_(t.c.entity_id == entity_id, and_(t.c.entity_id.is_(None), t.c.detail.is_not(None))),
        )
        .order_by(t.c.id)
    )
    out = []
    for event_id, at, user_id, action, summary, changes, detail in session.execute(query):
        if detail is None:
            out.append(HistoryEntry(at, user_id, action, summary, changes, event_id))
            continue
        data = read_detail(detail)
        if entity_id in data["update"]:
            out.append(HistoryEntry(at, user_id, action, data["summaries"]["update"],
                                    data["update"][entity_id] or None, event_id))  # fmt: skip
        elif entity_id in set(data["insert"]):
            out.append(HistoryEntry(at, user_id, action, data["summaries"]["insert"], None,
                                    event_id))  # fmt: skip
    return out
