"""District-side tables of issue 12: the audit log of admin actions and online applications
(互联网+调解), with their evidence files. Same metadata as :mod:`app.district.models`."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.district.models import Base, UTCDateTime, utcnow


class AuditEntry(Base):
    """One action of a district user (or of the command line): append-only."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: the district user's name, or "命令行" for labor-district commands
    actor: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(40))
    #: what the action was about: kind (application, notice, reference, admin, station) and id
    target_kind: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(80))
    #: the station concerned (a street-limited admin sees the entries of their streets)
    station_code: Mapped[str | None] = mapped_column(String(16))
    #: a short description in Chinese (no ID numbers, phones or facts)
    summary: Mapped[str] = mapped_column(String(500))
    client: Mapped[str | None] = mapped_column(String(64))


class ServerSecret(Base):
    """Secrets every server process shares (the HMAC key of the public form's tokens)."""

    __tablename__ = "server_secret"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary(64))


class Application(Base):
    """An application for mediation made online (or imported from an external platform)."""

    __tablename__ = "application"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    #: what the applicant is given, e.g. WS2026-7KQ3-MX9P
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    source: Mapped[str] = mapped_column(String(10))  # web | import
    #: the external platform's own number (imports: a re-import does not duplicate)
    external_ref: Mapped[str | None] = mapped_column(String(60), unique=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the date the organisation received it (Art. 14's clock starts then)
    received_on: Mapped[date] = mapped_column(Date)
    applicant_kind: Mapped[str] = mapped_column(String(10))  # worker | employer
    applicant_name: Mapped[str] = mapped_column(String(60))
    id_number: Mapped[str | None] = mapped_column(String(18))
    #: the last six characters of the ID number (the status page's second key), upper case
    id_tail: Mapped[str | None] = mapped_column(String(6))
    phone: Mapped[str] = mapped_column(String(30))
    employer_name: Mapped[str] = mapped_column(String(200))
    employer_credit_code: Mapped[str | None] = mapped_column(String(18))
    #: the station (street) chosen by the applicant, or set by a district re-route
    station_code: Mapped[str] = mapped_column(String(16), index=True)
    dispute_type: Mapped[str] = mapped_column(String(60))
    claims: Mapped[str] = mapped_column(Text)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    facts: Mapped[str] = mapped_column(Text)
    #: received | accepted | declined | in_mediation | closed
    status: Mapped[str] = mapped_column(String(16), default="received")
    case_no: Mapped[str | None] = mapped_column(String(60))
    decline_reason: Mapped[str | None] = mapped_column(String(500))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: re-routes: [{"from": code, "to": code, "by": name, "at": iso, "reason": text}]
    routing: Mapped[list | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_application_reference_tail", "reference", "id_tail"),)


class ApplicationEvidence(Base):
    """An uploaded evidence file (PDF, JPEG or PNG), checked by its content, size-limited."""

    __tablename__ = "application_evidence"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("application.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class CaseTransfer(Base):
    """A case moving from one station to another (移交), and where it stands.

    ``ordered``: a district admin asked for it; the sending station has not sent the case yet.
    ``sent``: the sending station sent the case's content (``data``) and closed its case as
    已移交; the receiving station fetches it. ``accepted`` (with the new case number) or
    ``declined`` (reason and category) by the receiving station. ``refused``: the sending
    station could not carry out an order (the case was no longer open, or unknown).
    """

    __tablename__ = "case_transfer"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    from_station: Mapped[str] = mapped_column(String(16), index=True)
    from_case_no: Mapped[str] = mapped_column(String(60))
    to_station: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    #: "站点" (the sending station did it) or the district user's name
    initiated_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), index=True)
    #: the original receipt date (the Art. 14 clock)
    received_on: Mapped[date | None] = mapped_column(Date)
    #: the case's content as the sending station sent it (parties, claims, files …)
    data: Mapped[dict | None] = mapped_column(JSON)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    to_case_no: Mapped[str | None] = mapped_column(String(60))
    decline_reason: Mapped[str | None] = mapped_column(String(500))
    decline_category: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the transfer this one continues (a case sent on again): the chain
    previous_id: Mapped[str | None] = mapped_column(String(36))


class CorrectionRequest(Base):
    """A reviewer's request that a station correct a field of one of its records (退回补正).

    The district never edits the record: the station's next edit of it answers the request.
    """

    __tablename__ = "correction_request"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    station_code: Mapped[str] = mapped_column(String(16), index=True)
    entity: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(36))
    record_label: Mapped[str] = mapped_column(String(200))
    field: Mapped[str] = mapped_column(String(60))
    field_label: Mapped[str] = mapped_column(String(60))
    message: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    requested_by: Mapped[str] = mapped_column(String(60))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: open | answered
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the station's user id and the fields its edit changed
    answered_by: Mapped[str | None] = mapped_column(String(60))
    answer_fields: Mapped[list | None] = mapped_column(JSON)
    answer_version: Mapped[int | None] = mapped_column(Integer)
