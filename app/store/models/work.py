"""Work that flows between the district and this station (issue 12): case transfers (移交) and
correction requests (退回补正), kept encrypted here.

Not synced records: the district holds the transfer and the request; the station sends back
its own part (the transfer's content or its decision, the answer to a request) through
:mod:`app.sync.work`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.store.models.base import Base, UTCDateTime, utcnow


class CaseTransfer(Base):
    """A transfer this station sends (``direction`` out) or receives (in)."""

    __tablename__ = "case_transfer"

    #: the district's id once known; a transfer the station starts gets its id here and keeps it
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    direction: Mapped[str] = mapped_column(String(4))  # out | in
    #: out: queued (not yet sent) | sent | accepted | declined
    #: in: new | accepted | declined
    status: Mapped[str] = mapped_column(String(16))
    from_station: Mapped[str] = mapped_column(String(16))
    from_case_no: Mapped[str] = mapped_column(String(60))
    to_station: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(500))
    #: the original receipt date (the Art. 14 clock keeps running from it)
    received_on: Mapped[date] = mapped_column(Date)
    #: the case here (out: the case sent; in: the case registered from it)
    case_id: Mapped[str | None] = mapped_column(String(36))
    #: the other station's case number, once registered there (out) / here (in)
    to_case_no: Mapped[str | None] = mapped_column(String(60))
    #: who asked: "站点" (this station) or the district user's name
    initiated_by: Mapped[str] = mapped_column(String(60))
    #: everything the registration needs (parties, claims, facts, employment status, files)
    data: Mapped[dict] = mapped_column(JSON)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    decline_category: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(60))
    #: our part reached the district (else it is sent at the next sync)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CaseTransferFile(Base):
    """An attachment of a received transfer, until it becomes the new case's attachment."""

    __tablename__ = "case_transfer_file"

    transfer_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class CorrectionRequest(Base):
    """A district reviewer's request to correct a field of one of this station's records."""

    __tablename__ = "correction_request"

    #: the district's id
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    entity: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(36))
    #: how people name the record (case number, enterprise name, visit date …)
    record_label: Mapped[str] = mapped_column(String(200))
    field: Mapped[str] = mapped_column(String(60))
    field_label: Mapped[str] = mapped_column(String(60))
    message: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    requested_by: Mapped[str] = mapped_column(String(60))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: open | answered | withdrawn
    status: Mapped[str] = mapped_column(String(16), default="open")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by: Mapped[str | None] = mapped_column(String(36))
    #: the fields the answering edit changed (the requested one among them or not)
    answer_fields: Mapped[list | None] = mapped_column(JSON)
    #: the record's version after the answering edit
    answer_version: Mapped[int | None] = mapped_column(Integer)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_correction_request_record", "entity", "record_id", "status"),)
