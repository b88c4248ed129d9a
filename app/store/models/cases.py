"""Dispute cases, their parties and claims, mediation sessions, agreements and performance."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.enums import (
    AgreementStatus,
    CaseStatus,
    DeclineCategory,
    EmploymentStatus,
    FailureReason,
    PartyRole,
    TermKind,
)
from app.store.models.base import Base, EnumText, Money, Synced, UTCDateTime


class DisputeCase(Synced, Base):
    __tablename__ = "dispute_case"
    label = "调解案件"

    #: (2026)鼓楼鼓东劳调字第0012号; gap-free per station per year (see ``CaseCounter``)
    case_no: Mapped[str] = mapped_column(String(60), unique=True)
    case_year: Mapped[int] = mapped_column(Integer)
    case_seq: Mapped[int] = mapped_column(Integer)
    status: Mapped[CaseStatus] = mapped_column(EnumText(CaseStatus), index=True)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    intake_channel: Mapped[str] = mapped_column(String(32))
    #: reference number of a referral (110 incident, 12345 ticket, petition number …)
    intake_ref: Mapped[str | None] = mapped_column(String(60))
    #: True: applied orally; ``oral_record`` is the on-the-spot record of Art. 12
    oral_application: Mapped[bool] = mapped_column(Boolean, default=False)
    oral_record: Mapped[str | None] = mapped_column(Text)
    #: the day the organisation received the application: the 15 days of Art. 14 run from it
    received_on: Mapped[date] = mapped_column(Date, index=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_on: Mapped[date | None] = mapped_column(Date)
    declined_reason: Mapped[str | None] = mapped_column(Text)
    #: the decline decision (企业劳动争议协商调解规定 Art. 22): its category, day and who decided
    decline_category: Mapped[DeclineCategory | None] = mapped_column(EnumText(DeclineCategory))
    declined_on: Mapped[date | None] = mapped_column(Date)
    declined_by: Mapped[str | None] = mapped_column(String(60))
    mediation_started_on: Mapped[date | None] = mapped_column(Date)
    #: an extension of the mediation period, recorded with both parties' consent
    extended_until: Mapped[date | None] = mapped_column(Date)
    extension_note: Mapped[str | None] = mapped_column(Text)
    outcome_on: Mapped[date | None] = mapped_column(Date)
    failure_reason: Mapped[FailureReason | None] = mapped_column(EnumText(FailureReason))
    outcome_note: Mapped[str | None] = mapped_column(Text)
    closed_on: Mapped[date | None] = mapped_column(Date)
    archived_on: Mapped[date | None] = mapped_column(Date)
    archive_no: Mapped[str | None] = mapped_column(String(60))

    respondent_id: Mapped[str | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    is_collective: Mapped[bool] = mapped_column(Boolean, default=False)
    is_migrant_worker: Mapped[bool] = mapped_column(Boolean, default=False)
    #: construction wage case (保障农民工工资支付条例 Art. 30): project and contractors are parties
    is_construction: Mapped[bool] = mapped_column(Boolean, default=False)
    project_name: Mapped[str | None] = mapped_column(String(200))

    facts: Mapped[str | None] = mapped_column(Text)
    requests: Mapped[str | None] = mapped_column(Text)
    mediator_id: Mapped[str | None] = mapped_column(String(36), index=True)
    co_mediators: Mapped[str | None] = mapped_column(String(200))

    #: the signed agreement taken further: the joint application for arbitration review
    #: (仲裁审查确认, 办案规则 Art. 74, within 15 days of the agreement taking effect) and court
    #: confirmation (司法确认), with a note (commission/court, case number, result)
    review_applied_on: Mapped[date | None] = mapped_column(Date)
    court_confirmation_on: Mapped[date | None] = mapped_column(Date)
    confirmation_note: Mapped[str | None] = mapped_column(Text)
    #: for the one-year arbitration limit of Art. 27; ``None`` only in cases registered before
    #: the status was asked at intake
    employment_status: Mapped[EmploymentStatus | None] = mapped_column(EnumText(EmploymentStatus))
    employment_ended_on: Mapped[date | None] = mapped_column(Date)
    infringement_known_on: Mapped[date | None] = mapped_column(Date)

    #: a transfer (移交, app.cases.transfers): the station and case number it came from, and
    #: the station (and, once registered there, case number) it went to, with the reason
    transfer_from_station: Mapped[str | None] = mapped_column(String(16))
    transfer_from_case_no: Mapped[str | None] = mapped_column(String(60))
    transfer_to_station: Mapped[str | None] = mapped_column(String(16))
    transfer_to_case_no: Mapped[str | None] = mapped_column(String(60))
    transfer_reason: Mapped[str | None] = mapped_column(String(500))
    transferred_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (UniqueConstraint("station_code", "case_year", "case_seq"),)


class CaseParty(Synced, Base):
    """A party to a case: a worker (person), an enterprise, or an agent/representative."""

    __tablename__ = "case_party"
    label = "案件当事人"

    case_id: Mapped[str] = mapped_column(ForeignKey("dispute_case.id"), index=True)
    role: Mapped[PartyRole] = mapped_column(EnumText(PartyRole))
    person_id: Mapped[str | None] = mapped_column(ForeignKey("person.id"), index=True)
    enterprise_id: Mapped[str | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    #: an elected representative of a collective case (Art. 7)
    is_representative: Mapped[bool] = mapped_column(Boolean, default=False)
    #: for an agent: the party it acts for
    agent_for_id: Mapped[str | None] = mapped_column(ForeignKey("case_party.id"))
    #: 一般授权 / 特别授权
    authority: Mapped[str | None] = mapped_column(String(40))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class CaseClaim(Synced, Base):
    """A claim of a case by dispute type, with the amount claimed."""

    __tablename__ = "case_claim"
    label = "请求事项"

    case_id: Mapped[str] = mapped_column(ForeignKey("dispute_case.id"), index=True)
    dispute_type: Mapped[str] = mapped_column(String(32), index=True)
    amount: Mapped[Decimal | None] = mapped_column(Money)
    description: Mapped[str | None] = mapped_column(Text)
    #: in a collective case, the worker this claim belongs to (None: shared by all)
    person_id: Mapped[str | None] = mapped_column(ForeignKey("person.id"))


class MediationSession(Synced, Base):
    """A mediation session and its record (调解笔录)."""

    __tablename__ = "mediation_session"
    label = "调解笔录"

    case_id: Mapped[str] = mapped_column(ForeignKey("dispute_case.id"), index=True)
    session_no: Mapped[int] = mapped_column(Integer)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    place: Mapped[str | None] = mapped_column(String(200))
    mediators: Mapped[str | None] = mapped_column(String(200))
    recorder: Mapped[str | None] = mapped_column(String(60))
    attendees: Mapped[str | None] = mapped_column(Text)
    record: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)
    #: the mediator explained the parties' rights and duties (and the right to ask for 回避)
    rights_explained: Mapped[bool] = mapped_column(Boolean, default=False)
    #: a party asked a mediator to step aside (回避): who, whom, and what was decided
    recusal_note: Mapped[str | None] = mapped_column(Text)


class MediationAgreement(Synced, Base):
    """A version of the mediation agreement (调解协议书).

    Once ``status`` is signed the content is fixed: a change makes a new version that supersedes it,
    and ``content_hash`` lets anyone check that the signed text was not altered.
    """

    __tablename__ = "mediation_agreement"
    label = "调解协议书"

    case_id: Mapped[str] = mapped_column(ForeignKey("dispute_case.id"), index=True)
    version_no: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[AgreementStatus] = mapped_column(
        EnumText(AgreementStatus), default=AgreementStatus.DRAFT
    )
    facts: Mapped[str | None] = mapped_column(Text)
    other_terms: Mapped[str | None] = mapped_column(Text)
    performance_deadline: Mapped[date | None] = mapped_column(Date)
    copies: Mapped[int] = mapped_column(Integer, default=3)
    signed_on: Mapped[date | None] = mapped_column(Date)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    supersedes_id: Mapped[str | None] = mapped_column(ForeignKey("mediation_agreement.id"))
    change_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("case_id", "version_no"),)


class AgreementTerm(Synced, Base):
    """One term of an agreement: a payment (item, amount, due date, method) or another obligation."""

    __tablename__ = "agreement_term"
    label = "协议条款"

    agreement_id: Mapped[str] = mapped_column(ForeignKey("mediation_agreement.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[TermKind] = mapped_column(EnumText(TermKind))
    #: dispute-type code of the item paid (wages, compensation …)
    item: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    amount: Mapped[Decimal | None] = mapped_column(Money)
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    method: Mapped[str | None] = mapped_column(String(60))
    payer_enterprise_id: Mapped[str | None] = mapped_column(ForeignKey("enterprise.id"))
    payee_person_id: Mapped[str | None] = mapped_column(ForeignKey("person.id"))
    #: covered by Art. 16: a missed deadline opens the payment-order (支付令) route
    art16: Mapped[bool] = mapped_column(Boolean, default=False)


class PerformanceRecord(Synced, Base):
    """A payment (or other performance) recorded against an agreement term."""

    __tablename__ = "performance_record"
    label = "履行记录"

    term_id: Mapped[str] = mapped_column(ForeignKey("agreement_term.id"), index=True)
    performed_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal | None] = mapped_column(Money)
    method: Mapped[str | None] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(Text)
