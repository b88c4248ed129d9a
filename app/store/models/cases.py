"""Dispute cases, their parties and claims, mediation sessions, agreements and performance."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
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
    #: the 110 incident number (接处警编号) when the police were called about the dispute, whatever
    #: the channel the application came by (a walk-in worker may have called 110 the day before)
    police_incident_no: Mapped[str | None] = mapped_column(String(60))
    #: who applied for mediation: "worker" (劳动者) or "employer" (用人单位); either party may
    #: apply. NULL (cases from before migration 0016): the workers. No Python-side default, so
    #: that code inserting rows at an older revision does not name a column it lacks.
    applicant_side: Mapped[str | None] = mapped_column(String(16))
    #: a labor-dispatch case (劳务派遣): the host employer (用工单位) is a party (调解仲裁法 Art. 22);
    #: NULL (before 0016): not one
    is_dispatch: Mapped[bool | None] = mapped_column(Boolean)

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
    #: who signed for each party, in what capacity, and whether the seal was applied (set at
    #: signing, fixed with the rest; see ``app.cases.signing``)
    signatures: Mapped[list | None] = mapped_column(JSON)

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
    #: per-worker schedule of a payment term in a multi-worker case: a list of
    #: {person_id, amount, due_on, method, account}; the amounts add up to ``amount``
    #: (see ``app.cases.schedule``)
    schedule: Mapped[list | None] = mapped_column(JSON)


class PerformanceRecord(Synced, Base):
    """A payment (or other performance) recorded against an agreement term."""

    __tablename__ = "performance_record"
    label = "履行记录"

    term_id: Mapped[str] = mapped_column(ForeignKey("agreement_term.id"), index=True)
    performed_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal | None] = mapped_column(Money)
    method: Mapped[str | None] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(Text)
    #: the follow-up visit (回访) at which the payment was reported, if any
    followup_id: Mapped[str | None] = mapped_column(ForeignKey("performance_followup.id"))


class PerformanceFollowUp(Synced, Base):
    """A follow-up (回访) on the performance of a signed agreement: when, how, whom the station
    contacted, and what the worker said was received."""

    __tablename__ = "performance_followup"
    label = "履行回访"

    case_id: Mapped[str] = mapped_column(ForeignKey("dispute_case.id"), index=True)
    agreement_id: Mapped[str] = mapped_column(ForeignKey("mediation_agreement.id"))
    followed_on: Mapped[date] = mapped_column(Date)
    #: 电话 / 上门 / 微信或短信 / 来访 / 其他
    method: Mapped[str] = mapped_column(String(20))
    contact: Mapped[str] = mapped_column(String(100))
    amount_received: Mapped[Decimal | None] = mapped_column(Money)
    note: Mapped[str | None] = mapped_column(Text)


class InspectionReferral(Synced, Base):
    """A wage-arrears case referred to labor inspection (劳动保障监察), and what became of it.

    The letter's content (project and its developer, the contractor or individual 包工头, the
    workers with their periods and amounts, signs of absconding, the evidence) and the tracking
    (the inspection's case number, its order to pay, a transfer to the police under 刑法 Art. 276-1
    recorded as information only: the station neither decides nor files it).
    """

    __tablename__ = "inspection_referral"
    label = "移送劳动保障监察"

    case_id: Mapped[str] = mapped_column(ForeignKey("dispute_case.id"), index=True)
    referred_on: Mapped[date] = mapped_column(Date)
    #: the labor inspection body the letter is addressed to
    inspection_body: Mapped[str] = mapped_column(String(200))
    #: the project's developer (建设单位), construction cases
    developer: Mapped[str | None] = mapped_column(String(200))
    #: "company": a subcontracting unit employed the workers; "individual": a 包工头 without
    #: qualification (条例 Art. 36: the contractor that subcontracted to him pays first)
    contractor_kind: Mapped[str | None] = mapped_column(String(16))
    foreman_name: Mapped[str | None] = mapped_column(String(60))
    foreman_id_number: Mapped[str | None] = mapped_column(String(40))
    foreman_phone: Mapped[str | None] = mapped_column(String(40))
    #: JSON list of absconding sign codes (``app.cases.referral.ABSCONDING_SIGNS``)
    absconding: Mapped[str | None] = mapped_column(Text)
    absconding_note: Mapped[str | None] = mapped_column(Text)
    #: the evidence handed over, one item a line
    evidence: Mapped[str | None] = mapped_column(Text)
    #: JSON list of {"person_id", "period", "amount"}: each worker's arrears period and amount
    workers: Mapped[str | None] = mapped_column(Text)
    inspection_case_no: Mapped[str | None] = mapped_column(String(60))
    #: the inspection's order to pay (责令支付 / 限期整改指令书): day and note
    order_on: Mapped[date | None] = mapped_column(Date)
    order_note: Mapped[str | None] = mapped_column(Text)
    #: a transfer to the police (拒不支付劳动报酬罪, 刑法 Art. 276-1), as the inspection reported it
    police_transfer_on: Mapped[date | None] = mapped_column(Date)
    police_note: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
