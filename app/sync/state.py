"""The station's sync settings and status, kept in the encrypted store (table ``setting``).

Sync bookkeeping is not a change of station data: it is written in its own transactions on the
store's writer engine (no audit or outbox entry), whoever is logged in, read-only users included.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.dates import month_day_time
from app.store.models import DistrictNotice, OutboxEntry, QuarantinedRecord, Setting, SyncLogEntry

SERVER_URL = "sync.server_url"
CREDENTIAL = "sync.credential"
CA_PEM = "sync.ca_pem"
INTERVAL = "sync.interval_minutes"
NEXT_SEQ = "sync.next_batch_seq"
PENDING = "sync.pending_batch"
REFERENCE_REV = "sync.reference_rev"
LAST_SUCCESS = "sync.last_success_at"
LAST_PROBLEM = "sync.last_problem"
ENROLLED_AT = "sync.enrolled_at"
#: protocol 2: this PC's device id at the district, and a join or restore not finished yet
DEVICE_ID = "sync.device_id"
RESTORE = "sync.restore_in_progress"
#: the station's PCs as the district listed them at the last sync (for the 同步 page)
DEVICES = "sync.devices"

DEFAULT_INTERVAL_MINUTES = 15
INTERVAL_CHOICES = (5, 10, 15, 30, 60, 120, 240)


@contextlib.contextmanager
def transaction(store) -> Iterator[Session]:
    """One write transaction for sync bookkeeping (BEGIN IMMEDIATE)."""
    with store.system_transaction() as s:
        yield s


@contextlib.contextmanager
def reading(store) -> Iterator[Session]:
    with Session(store.engine, expire_on_commit=False) as s:
        yield s


def get(s: Session, key: str, default=None):
    row = s.get(Setting, key)
    return default if row is None else row.value


def put(s: Session, key: str, value) -> None:
    row = s.get(Setting, key)
    if row is None:
        s.add(Setting(key=key, value=value))
    else:
        row.value = value


@dataclass(frozen=True)
class SyncStatus:
    """What the 同步 page and the status bar show."""

    server_url: str | None
    enrolled: bool
    interval_minutes: int
    waiting: int
    last_success_at: datetime | None
    last_problem: str | None
    quarantined: int
    unread_notices: int

    @property
    def summary(self) -> str:
        """One line for the status bar."""
        if not self.enrolled:
            return "同步：尚未登记到区级服务器"
        when = (
            month_day_time(self.last_success_at)
            if self.last_success_at
            else "从未"
        )
        # how many records wait is the status bar's own field (pending_text): said once
        text = f"同步：上次成功 {when}"
        if self.quarantined:
            text += f"，{self.quarantined} 条被退回"
        if self.last_problem:
            text += "（上次同步未成功）"
        return text


def count_waiting(session) -> int:
    """Records with changes not yet sent (a record changed three times counts once): the one
    count of pending changes the station shows, in the status bar and on the 同步 page."""
    return session.scalar(select(func.count(func.distinct(OutboxEntry.entity_id)))) or 0


def pending_text(waiting: int | None) -> str:
    return f"待同步：{waiting} 条记录" if waiting is not None else "待同步：—"


def status(store) -> SyncStatus:
    with reading(store) as s:
        waiting = count_waiting(s)
        quarantined = (
            s.scalar(
                select(func.count())
                .select_from(QuarantinedRecord)
                .where(QuarantinedRecord.resolved_at.is_(None))
            )
            or 0
        )
        unread = (
            s.scalar(
                select(func.count())
                .select_from(DistrictNotice)
                .where(DistrictNotice.read_at.is_(None))
            )
            or 0
        )
        last = get(s, LAST_SUCCESS)
        return SyncStatus(
            server_url=get(s, SERVER_URL),
            enrolled=bool(get(s, CREDENTIAL)),
            interval_minutes=int(get(s, INTERVAL, DEFAULT_INTERVAL_MINUTES)),
            waiting=waiting,
            last_success_at=datetime.fromisoformat(last) if last else None,
            last_problem=get(s, LAST_PROBLEM),
            quarantined=quarantined,
            unread_notices=unread,
        )


def set_interval(store, minutes: int) -> None:
    if minutes not in INTERVAL_CHOICES:
        raise ValueError(minutes)
    with transaction(store) as s:
        put(s, INTERVAL, minutes)


def quarantined(store, include_resolved: bool = False) -> list[QuarantinedRecord]:
    with reading(store) as s:
        q = select(QuarantinedRecord).order_by(QuarantinedRecord.at.desc())
        if not include_resolved:
            q = q.where(QuarantinedRecord.resolved_at.is_(None))
        return list(s.scalars(q))


def notices(store, limit: int = 50) -> list[DistrictNotice]:
    with reading(store) as s:
        return list(
            s.scalars(
                select(DistrictNotice).order_by(DistrictNotice.published_at.desc()).limit(limit)
            )
        )


def mark_notices_read(store) -> None:
    from app.store.models import utcnow

    with transaction(store) as s:
        for n in s.scalars(select(DistrictNotice).where(DistrictNotice.read_at.is_(None))):
            n.read_at = utcnow()


def sync_log(store, limit: int = 20) -> list[SyncLogEntry]:
    with reading(store) as s:
        return list(s.scalars(select(SyncLogEntry).order_by(SyncLogEntry.id.desc()).limit(limit)))


def devices(store) -> list[dict]:
    """The station's PCs at the last sync: ``id, name, enrolled_at, last_seen_at, revoked_at,
    numbering, this_device`` (ISO times), as the district answered."""
    with reading(store) as s:
        return list(get(s, DEVICES) or [])
