"""Enterprises, workers and the records attached to any of them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.enums import CreditNoteKind, EnterpriseSize, RiskLevel, Sex
from app.store.models.base import Base, EnumText, Synced, UTCDateTime

#: Enterprise fields a roster import may set; edits to these after an import are tracked in
#: ``Enterprise.local_edits`` so that the next import does not silently overwrite them.
ROSTER_FIELDS = (
    "name",
    "legal_rep",
    "phone",
    "address",
    "street_code",
    "industry",
    "employee_count",
    "size_class",
    "above_scale",
    "has_union",
    "has_mediation_committee",
    "has_collective_contract",
    "has_party_org",
)


class Enterprise(Synced, Base):
    __tablename__ = "enterprise"
    label = "企业"

    credit_code: Mapped[str | None] = mapped_column(String(18))
    #: a station head accepted a code that fails the GB 32100 check (rare real codes do)
    credit_code_accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str] = mapped_column(String(200))
    #: pinyin initials of the name, for search (e.g. 福州软件 -> FZRJ)
    name_initials: Mapped[str | None] = mapped_column(String(200))
    legal_rep: Mapped[str | None] = mapped_column(String(60))
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(300))
    street_code: Mapped[str | None] = mapped_column(String(16), index=True)
    industry: Mapped[str | None] = mapped_column(String(100))
    employee_count: Mapped[int | None] = mapped_column(Integer)
    size_class: Mapped[EnterpriseSize | None] = mapped_column(EnumText(EnterpriseSize))
    above_scale: Mapped[bool | None] = mapped_column(Boolean)
    has_union: Mapped[bool | None] = mapped_column(Boolean)
    has_mediation_committee: Mapped[bool | None] = mapped_column(Boolean)
    has_collective_contract: Mapped[bool | None] = mapped_column(Boolean)
    last_negotiation_on: Mapped[date | None] = mapped_column(Date)
    has_party_org: Mapped[bool | None] = mapped_column(Boolean)
    risk_level: Mapped[RiskLevel] = mapped_column(EnumText(RiskLevel), default=RiskLevel.NONE)
    risk_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: "import" or "manual"
    source: Mapped[str] = mapped_column(String(10), default="manual")
    last_import_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: roster field -> ISO time of a local edit made after the last import
    local_edits: Mapped[dict | None] = mapped_column(JSON)
    notes: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index(
            "uq_enterprise_credit_code",
            "credit_code",
            unique=True,
            sqlite_where=text("credit_code IS NOT NULL AND deleted = 0"),
        ),
        # The roster lists enterprises in pinyin order (initials, then name): one index serves it.
        Index("ix_enterprise_listing", "name_initials", "name"),
    )


class Person(Synced, Base):
    """A worker (or an agent) who is a party to a case. Personal data: never logged, masked in lists."""

    __tablename__ = "person"
    label = "人员"

    name: Mapped[str] = mapped_column(String(60), index=True)
    sex: Mapped[Sex | None] = mapped_column(EnumText(Sex))
    id_number: Mapped[str | None] = mapped_column(String(18), index=True)
    #: the document ``id_number`` is the number of (app.domain.identity.IdDocType); None: the
    #: mainland resident ID card, as for every person registered before other documents were taken
    id_type: Mapped[str | None] = mapped_column(String(20))
    birth_date: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(300))
    job: Mapped[str | None] = mapped_column(String(100))
    #: household registration place (户籍地), used for the migrant-worker flag
    hukou: Mapped[str | None] = mapped_column(String(200))
    #: law firm or organisation, for agents
    organisation: Mapped[str | None] = mapped_column(String(200))
    employer_id: Mapped[str | None] = mapped_column(ForeignKey("enterprise.id"))


class CreditNote(Synced, Base):
    """A 守信/失信/修复 entry on an enterprise's credit record."""

    __tablename__ = "credit_note"
    label = "信用记录"

    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprise.id"), index=True)
    kind: Mapped[CreditNoteKind] = mapped_column(EnumText(CreditNoteKind))
    noted_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    #: what it came from: "case:<id>", "visit:<id>", "finding:<id>" or empty
    source_ref: Mapped[str | None] = mapped_column(String(60))


class Attachment(Synced, Base):
    """A file attached to any record (photos of a visit, the scanned signed agreement …).

    The content lives in the encrypted store (table ``blob``), addressed by its SHA-256.
    """

    __tablename__ = "attachment"
    label = "附件"

    owner_entity: Mapped[str] = mapped_column(String(40))
    owner_id: Mapped[str] = mapped_column(String(36))
    filename: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(ForeignKey("blob.sha256"))
    note: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (Index("ix_attachment_owner", "owner_entity", "owner_id"),)
