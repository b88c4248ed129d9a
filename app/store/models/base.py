"""Declarative base, column types and the mixin every synced record carries."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Boolean, DateTime, Integer, MetaData, String, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stored as naive UTC, returned as aware UTC; a naive value given in is taken as UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Money(TypeDecorator):
    """Yuan as ``Decimal`` with two places in Python, integer fen in the database: exact sums."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return int(amount * 100)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return (Decimal(int(value)) / 100).quantize(Decimal("0.01"))


class EnumText(TypeDecorator):
    """A :class:`app.domain.enums.LabeledEnum` stored as its value string."""

    impl = String(32)
    cache_ok = True

    def __init__(self, enum_cls, length: int = 32):
        super().__init__(length)
        self.enum_cls = enum_cls

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return self.enum_cls(value).value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return self.enum_cls(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Synced:
    """Columns of every record that syncs to the district.

    ``id`` is made on the station; ``version`` starts at 1 and the mapper increments it on every
    update (optimistic locking: a stale edit fails instead of overwriting); ``deleted`` is the
    tombstone: synced records are never removed locally, only marked.
    Set by :mod:`app.store.changes` on flush, never by hand.
    """

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    # Not indexed: a station's store holds its own records (and a few shared enterprises), so an
    # index on the station or the tombstone would only slow every write.
    station_code: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(36))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(Integer, default=1)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __init__(self, **kwargs):
        # The UUID is made with the record, so related rows can refer to it before a flush.
        if kwargs.get("id") is None:
            kwargs["id"] = new_id()
        super().__init__(**kwargs)

    #: Name used in the outbox, the audit log and the sync protocol (the table name by default).
    @classmethod
    def entity_name(cls) -> str:
        return cls.__tablename__  # type: ignore[attr-defined]

    #: Chinese name of the kind of record, for the audit log and messages.
    label: str = "记录"

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.version}
