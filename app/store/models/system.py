"""Station-local records that do not sync upward: the station, users, audit, outbox, settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.enums import ChangeOp, Role
from app.store.models.base import Base, EnumText, UTCDateTime, new_id, utcnow


class StationInfo(Base):
    """The one station this store belongs to, with what its printed documents carry."""

    __tablename__ = "station"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    short_name: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10))
    store_id: Mapped[str] = mapped_column(String(36))
    #: e.g. 福州市鼓楼区鼓东街道劳动争议调解委员会
    organisation_name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UserAccount(Base):
    __tablename__ = "user_account"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    role: Mapped[Role] = mapped_column(EnumText(Role))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(36))
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the account as the district last held it, ``{"version": n, "fields": {username,
    #: display_name, role, active}}``; None: never sent. Fields that differ from it are this
    #: PC's changes, still to send (app.sync.users). Passwords and key slots never travel.
    sync_base: Mapped[dict | None] = mapped_column(JSON)


class AuditEvent(Base):
    """Who changed what, when. Written in the same transaction as the change."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[str | None] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str | None] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(36))
    summary: Mapped[str | None] = mapped_column(String(200))
    changes: Mapped[dict | None] = mapped_column(JSON)
    #: a bulk event (a roster import: ``entity_id`` is NULL) holds its records' own changes here,
    #: compressed (see :mod:`app.store.bulk`, ``BulkAudit``); :func:`app.store.changes.history`
    #: gives them back record by record
    detail: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: None: written on this PC (and sent to the district); otherwise the district's id of the
    #: station's other PC that wrote it (fetched at sync, :mod:`app.sync.audit_upload`)
    origin: Mapped[str | None] = mapped_column(String(32))
    # No (entity, id) index: the log is written far more than read; reading one record's history
    # scans it, which is fine at station scale.


class OutboxEntry(Base):
    """A change waiting to be sent to the district. Removed only after the server acknowledged it."""

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(Integer)
    op: Mapped[ChangeOp] = mapped_column(EnumText(ChangeOp))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # No index besides the sequence: sync walks seq ranges, and an (entity, id) index only cost
    # every write and every acknowledgement (migration 0004).


class QuarantinedRecord(Base):
    """A record the district server rejected, set aside with its reason while the rest flows on."""

    __tablename__ = "sync_quarantine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SyncLogEntry(Base):
    """One sync attempt: when, how many sent and acknowledged, and the problem in plain words."""

    __tablename__ = "sync_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    acknowledged: Mapped[int] = mapped_column(Integer, default=0)
    quarantined: Mapped[int] = mapped_column(Integer, default=0)
    received: Mapped[int] = mapped_column(Integer, default=0)
    problem: Mapped[str | None] = mapped_column(Text)


class ReferenceItem(Base):
    """District-owned reference data (code lists) that flows down to stations."""

    __tablename__ = "reference_item"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict | None] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("uq_reference_item_kind_code", "kind", "code", unique=True),)


class DistrictNotice(Base):
    """A notice published by the district bureau, received on sync."""

    __tablename__ = "district_notice"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Setting(Base):
    """Station-wide settings kept encrypted (idle-lock minutes, sync server, credentials …)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[dict | list | str | int | float | bool | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Draft(Base):
    """A form being filled, saved every few seconds so that a crash loses almost nothing."""

    __tablename__ = "draft"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36))
    form: Mapped[str] = mapped_column(String(60))
    content: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ImportMapping(Base):
    """A column mapping the user confirmed, remembered per header layout."""

    __tablename__ = "import_mapping"

    layout_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    mapping: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseCounter(Base):
    """Last case sequence number per station and year; bumped inside the case's transaction."""

    __tablename__ = "case_counter"

    station_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class CaseNumberBlock(Base):
    """Case numbers ``first..last`` of ``year`` the district handed to this PC (protocol 2, a
    station with several PCs); ``next_seq`` is the next one to use (above ``last``: used up)."""

    __tablename__ = "case_number_block"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(Integer)
    first: Mapped[int] = mapped_column(Integer)
    last: Mapped[int] = mapped_column(Integer)
    next_seq: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BlobChunk(Base):
    """Large binary content (attachments) kept apart from its metadata row, loaded only on demand."""

    __tablename__ = "blob"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class BlobUpload(Base):
    """An attachment content the district holds (uploaded from here, or downloaded from it)."""

    __tablename__ = "blob_upload"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
