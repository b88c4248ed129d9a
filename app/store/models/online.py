"""Online applications (互联网+调解) the district routed to this station, kept encrypted here.

Not a synced record: the district owns the application; the station sends back only its
decision (accept with the case number, or decline with a reason) through
:mod:`app.sync.applications`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.store.models.base import Base, UTCDateTime, utcnow


class OnlineApplication(Base):
    __tablename__ = "online_application"

    #: the district's id of the application
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    reference: Mapped[str] = mapped_column(String(20))
    #: the date the organisation received it (the registration keeps it: Art. 14's clock)
    received_on: Mapped[date] = mapped_column(Date)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: everything the district sent (applicant, employer, claims, facts, evidence list)
    data: Mapped[dict] = mapped_column(JSON)
    #: new | accepted | declined
    status: Mapped[str] = mapped_column(String(16), default="new")
    case_id: Mapped[str | None] = mapped_column(String(36))
    case_no: Mapped[str | None] = mapped_column(String(60))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(60))
    #: the decision reached the district (else it is sent at the next sync)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OnlineApplicationFile(Base):
    """An evidence file of an application, until it becomes the case's attachment."""

    __tablename__ = "online_application_file"

    application_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)
