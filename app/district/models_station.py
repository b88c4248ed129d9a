"""District-side tables of the stations' audit trail and users (issues 12 and 11). Same metadata
as :mod:`app.district.models`.

* ``station_audit_event``: the audit events each station PC sent, append-only: an event is known
  by its PC (device) and the PC's own sequence number, and its content digest; the same event
  sent again is acknowledged, a changed one is refused and the received one kept.
* ``station_user``: the station's user accounts (no password, no key slot: those never leave a
  PC), so that a user added, disabled or given another role on one PC reaches the others.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.district.models import Base, UTCDateTime, utcnow


class StationAuditEvent(Base):
    __tablename__ = "station_audit_event"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    station_code: Mapped[str] = mapped_column(String(16))
    #: the PC (its credential) that wrote and sent the event, and the PC's own number for it
    device_id: Mapped[str] = mapped_column(String(32))
    seq: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_id: Mapped[str | None] = mapped_column(String(36))
    #: the station user's display name when the event was sent (staff, not a data subject)
    user_name: Mapped[str | None] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str | None] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(36))
    summary: Mapped[str | None] = mapped_column(String(200))
    #: field -> [old, new]; personal fields "changed" (the station never records their values)
    changes: Mapped[dict | None] = mapped_column(JSON)
    #: a bulk event's per-record changes, as the station compressed them (app.store.bulk)
    detail: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: SHA-256 of the event as first received: a later copy must match it
    digest: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the station's order of received events (under the station row lock): the cursor with
    #: which the station's other PCs fetch them
    server_seq: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        UniqueConstraint("device_id", "seq", name="uq_station_audit_event_device_seq"),
        Index("ix_station_audit_event_station_seq", "station_code", "server_seq"),
        Index("ix_station_audit_event_record", "station_code", "entity", "entity_id"),
        Index("ix_station_audit_event_station_at", "station_code", "at"),
    )


class StationUser(Base):
    __tablename__ = "station_user"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    station_code: Mapped[str] = mapped_column(String(16))
    username: Mapped[str] = mapped_column(String(60))
    display_name: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: bumped at every accepted change; a PC sends the version its change started from
    version: Mapped[int] = mapped_column(BigInteger)
    #: the station's order of user changes (the pull's cursor)
    server_seq: Mapped[int] = mapped_column(BigInteger)
    device_id: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_station_user_station_seq", "station_code", "server_seq"),)
