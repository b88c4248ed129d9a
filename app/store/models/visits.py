"""Enterprise visits (走访/巡查), the problem ledger (问题台账) and its history."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.enums import FindingStatus
from app.store.models.base import Base, EnumText, Synced


class EnterpriseVisit(Synced, Base):
    __tablename__ = "enterprise_visit"
    label = "企业走访"

    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprise.id"), index=True)
    visited_on: Mapped[date] = mapped_column(Date, index=True)
    #: "visit" (走访) | "inspection" (巡查) | "follow_up" (回访)
    kind: Mapped[str] = mapped_column(String(20), default="visit")
    visitors: Mapped[str | None] = mapped_column(String(200))
    contact_name: Mapped[str | None] = mapped_column(String(60))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    #: checklist item code -> {"status": "ok" | "problem" | "na", "note": str}
    checklist: Mapped[dict | None] = mapped_column(JSON)
    #: wage-arrears risk indicator codes observed on this visit
    risk_indicators: Mapped[list | None] = mapped_column(JSON)
    notes: Mapped[str | None] = mapped_column(Text)
    follow_up_of_id: Mapped[str | None] = mapped_column(ForeignKey("enterprise_visit.id"))


class Finding(Synced, Base):
    """A problem found at an enterprise: an item of the problem ledger with its rectification."""

    __tablename__ = "finding"
    label = "问题台账"

    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprise.id"), index=True)
    visit_id: Mapped[str | None] = mapped_column(ForeignKey("enterprise_visit.id"), index=True)
    #: checklist item code the problem belongs to (labor_contract, social_insurance …)
    category: Mapped[str] = mapped_column(String(40), index=True)
    description: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str | None] = mapped_column(Text)
    deadline: Mapped[date | None] = mapped_column(Date, index=True)
    responsible_person: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[FindingStatus] = mapped_column(
        EnumText(FindingStatus), default=FindingStatus.OPEN, index=True
    )
    resolved_on: Mapped[date | None] = mapped_column(Date)


class FindingUpdate(Synced, Base):
    """One step in a ledger item's history: a follow-up, a status change, an escalation."""

    __tablename__ = "finding_update"
    label = "整改跟踪"

    finding_id: Mapped[str] = mapped_column(ForeignKey("finding.id"), index=True)
    updated_on: Mapped[date] = mapped_column(Date)
    status: Mapped[FindingStatus] = mapped_column(EnumText(FindingStatus))
    note: Mapped[str | None] = mapped_column(Text)
    visit_id: Mapped[str | None] = mapped_column(ForeignKey("enterprise_visit.id"))
