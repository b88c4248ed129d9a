"""Tables of the district server (its own schema and migrations, apart from the station's)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Naive UTC in the database (SQLite and PostgreSQL alike), aware UTC in Python."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None or value.tzinfo is None:
            return value
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class DistrictStation(Base):
    """One of the twelve sites, with its sync watermark."""

    __tablename__ = "station"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(10))
    #: the highest batch sequence number applied for this station
    last_batch_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the store id the station reported at enrollment (a changed id means a reinstalled store)
    store_id: Mapped[str | None] = mapped_column(String(36))
    #: the last server sequence number given to a write of this station's records (protocol 2)
    last_record_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class StationCredential(Base):
    """One PC's credential (a device, protocol 2); protocol 1 stations have one at a time."""

    __tablename__ = "station_credential"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    station_code: Mapped[str] = mapped_column(ForeignKey("station.code"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    signing_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    device_name: Mapped[str | None] = mapped_column(String(60))
    #: the highest protocol 2 batch sequence number applied from this device
    last_batch_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    #: "blocks" once the device takes its case numbers from district blocks
    numbering: Mapped[str | None] = mapped_column(String(10))
    store_id: Mapped[str | None] = mapped_column(String(36))


class EnrollmentCode(Base):
    """A one-time, expiring code the district admin gives a station (only its hash is kept)."""

    __tablename__ = "enrollment_code"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    station_code: Mapped[str] = mapped_column(ForeignKey("station.code"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: "station" (protocol 1: replaces every credential) or "device" (one more PC)
    purpose: Mapped[str] = mapped_column(String(10), default="station", server_default="station")
    device_name: Mapped[str | None] = mapped_column(String(60))


class AdminUser(Base):
    __tablename__ = "admin_user"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: admin | reviewer | viewer (app/district/roles.py)
    role: Mapped[str] = mapped_column(String(16), default="admin", server_default="admin")
    #: the station codes this user is limited to; None: every street
    streets: Mapped[list | None] = mapped_column(JSON)


class AdminSession(Base):
    __tablename__ = "admin_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    admin_name: Mapped[str] = mapped_column(ForeignKey("admin_user.name"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SyncBatch(Base):
    """A batch applied for a station; its stored answer is returned again for a replay."""

    __tablename__ = "sync_batch"

    batch_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    station_code: Mapped[str] = mapped_column(ForeignKey("station.code"))
    seq: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    record_count: Mapped[int] = mapped_column(Integer)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    ack_outbox_seq: Mapped[int] = mapped_column(BigInteger)
    rejected: Mapped[list | None] = mapped_column(JSON)
    #: the credential (device) that sent it
    device_id: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        UniqueConstraint(
            "station_code", "device_id", "seq", name="uq_sync_batch_station_device_seq"
        ),
    )


class StationRecord(Base):
    """The current state of one station record, as the station last sent it (JSON of its columns).

    Stored generically so that a station with a newer schema still syncs; the dashboard reads the
    fields it needs. The key is the station-made UUID; ``station_code`` is the owner.
    """

    __tablename__ = "record"

    entity: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    station_code: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(BigInteger)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    batch_id: Mapped[str | None] = mapped_column(String(36))
    #: for enterprises: the unified social credit code, the key of the merged district view
    credit_code: Mapped[str | None] = mapped_column(String(18))
    #: the station's server sequence number of the last write (the pull cursor, protocol 2)
    server_seq: Mapped[int | None] = mapped_column(BigInteger)
    #: the credential (device) whose batch wrote it (not sent back to that device)
    device_id: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        Index("ix_record_station_entity", "station_code", "entity"),
        Index("ix_record_credit_code", "credit_code"),
        Index("ix_record_station_seq", "station_code", "server_seq"),
    )


class ReferenceEntry(Base):
    """District-owned code lists that flow down to the stations."""

    __tablename__ = "reference_item"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict | None] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: district revision counter at the last change: stations pull "everything after rev N"
    rev: Mapped[int] = mapped_column(BigInteger, index=True)

    __table_args__ = (UniqueConstraint("kind", "code", name="uq_reference_item_kind_code"),)


class Notice(Base):
    __tablename__ = "notice"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by: Mapped[str | None] = mapped_column(String(60))
    rev: Mapped[int] = mapped_column(BigInteger, index=True)


class RevisionCounter(Base):
    """One row: the last revision number handed to reference data or notices."""

    __tablename__ = "revision_counter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class AuthThrottle(Base):
    """Attempts at a guarded action (admin login, enrollment) per account or client address.

    Kept in the database so that every server process (``serve --workers N``) counts the same
    attempts. ``key`` is a hash of the scope and the subject (no names or addresses in clear).
    """

    __tablename__ = "auth_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    scope: Mapped[str] = mapped_column(String(20))
    count: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)



class NumberCounter(Base):
    """The last case number handed out in a block, per station and year."""

    __tablename__ = "number_counter"

    station_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_issued: Mapped[int] = mapped_column(BigInteger)


class NumberBlock(Base):
    """Case numbers ``first..last`` of a year handed to one device (protocol 2)."""

    __tablename__ = "number_block"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    station_code: Mapped[str] = mapped_column(String(16))
    year: Mapped[int] = mapped_column(Integer)
    first: Mapped[int] = mapped_column(BigInteger)
    last: Mapped[int] = mapped_column(BigInteger)
    device_id: Mapped[str] = mapped_column(String(32))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_number_block_station_year", "station_code", "year"),)


class StoredBlob(Base):
    """An attachment content a station uploaded (the bytes are encrypted outside the database,
    see ``app.district.blobs``); a station reads only its own."""

    __tablename__ = "stored_blob"

    station_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecordVersion(Base):
    """Earlier states of a station's records, kept while the station has several PCs: the base
    a PC's offline edit started from, to tell which fields each PC changed (per-field merge)."""

    __tablename__ = "record_version"

    entity: Mapped[str] = mapped_column(String(40), primary_key=True)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    data: Mapped[dict] = mapped_column(JSON)


class RecordConflict(Base):
    """A field two PCs of a station changed differently from the same base version: both values,
    who and when, until a PC of the station resolves it (once for the whole station)."""

    __tablename__ = "record_conflict"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    station_code: Mapped[str] = mapped_column(String(16))
    entity: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(36))
    field: Mapped[str] = mapped_column(String(60))
    base_version: Mapped[int] = mapped_column(BigInteger)
    held_value: Mapped[object | None] = mapped_column(JSON)
    held_device: Mapped[str | None] = mapped_column(String(32))
    held_at: Mapped[str | None] = mapped_column(String(40))
    incoming_value: Mapped[object | None] = mapped_column(JSON)
    incoming_device: Mapped[str | None] = mapped_column(String(32))
    incoming_at: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(32))
    resolution: Mapped[object | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_record_conflict_station", "station_code", "resolved_at"),)


# the tables of district roles, audit and online applications (their own module)
# and the stations' audit events and users (issues 12 and 11)
from app.district import models_station, models_work  # noqa: E402, F401
