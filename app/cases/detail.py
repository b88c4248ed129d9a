"""Everything about one case as plain data (no session needed afterwards): for the case page,
the printed documents, the command line and the rules (:func:`facts_of`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain import reference
from app.domain.case_workflow import CaseFacts
from app.domain.deadlines import (
    ArbitrationLimit,
    MediationClock,
    TermStatus,
    arbitration_limit,
    effective_due,
    term_status,
)
from app.domain.enums import (
    AgreementStatus,
    CaseStatus,
    DeclineCategory,
    EmploymentStatus,
    FailureReason,
    PartyRole,
    TermKind,
)
from app.domain.validators import age_on
from app.store.errors import NotFound
from app.store.models import (
    AgreementTerm,
    Attachment,
    CaseClaim,
    CaseParty,
    DisputeCase,
    Enterprise,
    MediationAgreement,
    MediationSession,
    PerformanceRecord,
    Person,
    UserAccount,
)


@dataclass
class PartyInfo:
    id: str
    role: PartyRole
    name: str
    person_id: str | None = None
    enterprise_id: str | None = None
    sex: str | None = None
    birth_date: date | None = None
    id_number: str | None = None
    #: the document of ``id_number`` (app.domain.identity.IdDocType value); None: resident ID card
    id_type: str | None = None
    phone: str | None = None
    address: str | None = None
    job: str | None = None
    organisation: str | None = None
    credit_code: str | None = None
    legal_rep: str | None = None
    is_representative: bool = False
    authority: str | None = None
    agent_for_id: str | None = None
    agent_for_name: str | None = None
    #: hukou and version of the person record (for corrections with optimistic locking)
    hukou: str | None = None
    person_version: int | None = None

    @property
    def is_person(self) -> bool:
        return self.person_id is not None

    def age_on(self, day: date) -> int | None:
        return age_on(self.birth_date, day) if self.birth_date else None


@dataclass
class ClaimInfo:
    id: str
    dispute_type: str
    type_name: str
    amount: Decimal | None
    description: str | None
    #: a collective case's claim of one worker (None: shared by all)
    person_id: str | None = None


@dataclass
class PerformanceInfo:
    id: str
    term_id: str
    performed_on: date
    amount: Decimal | None
    method: str | None
    note: str | None


@dataclass
class TermInfo:
    id: str
    seq: int
    kind: TermKind
    item: str | None
    description: str
    amount: Decimal | None
    due_on: date | None
    method: str | None
    payer_enterprise_id: str | None
    payee_person_id: str | None
    art16: bool
    payments: list[PerformanceInfo] = field(default_factory=list)
    #: per-worker schedule as stored (see ``app.cases.schedule``)
    schedule: list | None = None

    @property
    def paid(self) -> Decimal:
        return sum((p.amount or Decimal("0") for p in self.payments), Decimal("0.00"))

    def status(self, today: date, performance_deadline: date | None) -> TermStatus:
        return term_status(
            amount=self.amount if self.kind == TermKind.PAYMENT else None,
            paid=self.paid,
            due_on=effective_due(self.due_on, performance_deadline),
            performed=bool(self.payments),
            today=today,
        )


@dataclass
class AgreementInfo:
    id: str
    version_no: int
    status: AgreementStatus
    facts: str | None
    other_terms: str | None
    performance_deadline: date | None
    copies: int
    signed_on: date | None
    content_hash: str | None
    supersedes_id: str | None
    change_reason: str | None
    created_at: datetime
    terms: list[TermInfo] = field(default_factory=list)
    #: who signed for each party (recorded at signing; see ``app.cases.signing``)
    signatures: list | None = None

    @property
    def total(self) -> Decimal:
        return sum(
            (t.amount or Decimal("0") for t in self.terms if t.kind == TermKind.PAYMENT),
            Decimal("0.00"),
        )


@dataclass
class SessionInfo:
    id: str
    session_no: int
    held_at: datetime
    ended_at: datetime | None
    place: str | None
    mediators: str | None
    recorder: str | None
    attendees: str | None
    record: str | None
    outcome: str | None
    version: int
    rights_explained: bool = False
    recusal_note: str | None = None


@dataclass
class AttachmentInfo:
    id: str
    owner_entity: str
    owner_id: str
    filename: str
    mime_type: str
    size: int
    note: str | None
    created_at: datetime


@dataclass
class CaseDetail:
    id: str
    version: int
    case_no: str
    status: CaseStatus
    status_changed_at: datetime | None
    intake_channel: str
    intake_ref: str | None
    oral_application: bool
    oral_record: str | None
    received_on: date
    registered_at: datetime
    accepted_on: date | None
    declined_reason: str | None
    decline_category: DeclineCategory | None
    declined_on: date | None
    declined_by: str | None
    mediation_started_on: date | None
    extended_until: date | None
    extension_note: str | None
    outcome_on: date | None
    failure_reason: FailureReason | None
    outcome_note: str | None
    closed_on: date | None
    archived_on: date | None
    archive_no: str | None
    is_collective: bool
    is_migrant_worker: bool
    is_construction: bool
    project_name: str | None
    facts: str | None
    requests: str | None
    mediator_id: str | None
    mediator_name: str | None
    co_mediators: str | None
    employment_status: EmploymentStatus | None
    review_applied_on: date | None
    court_confirmation_on: date | None
    confirmation_note: str | None
    employment_ended_on: date | None
    infringement_known_on: date | None
    respondent_id: str | None
    #: 110 接处警编号 (whatever the channel), who applied ("worker"/"employer"), dispatch case
    police_incident_no: str | None = None
    applicant_side: str = "worker"
    is_dispatch: bool = False
    parties: list[PartyInfo] = field(default_factory=list)
    claims: list[ClaimInfo] = field(default_factory=list)
    sessions: list[SessionInfo] = field(default_factory=list)
    agreements: list[AgreementInfo] = field(default_factory=list)
    attachments: list[AttachmentInfo] = field(default_factory=list)
    #: follow-up visits on performance (``app.cases.followup.FollowUpInfo``), oldest first
    followups: list = field(default_factory=list)
    #: the referral to labor inspection (``app.cases.referral.ReferralInfo``), if any
    referral: object | None = None
    #: 移交自 / 移交至 (``app.cases.transfers.TransferLinks``)
    transfer: object | None = None

    # ---------------------------------------------------------- parties

    @property
    def applicants(self) -> list[PartyInfo]:
        return [p for p in self.parties if p.role == PartyRole.APPLICANT]

    @property
    def respondents(self) -> list[PartyInfo]:
        """The employer first, then (construction cases) the general contractor, then (dispatch
        cases) the host employer (用工单位)."""
        roles = (
            PartyRole.RESPONDENT,
            PartyRole.SUBCONTRACTOR,
            PartyRole.GENERAL_CONTRACTOR,
            PartyRole.HOST_EMPLOYER,
        )
        return sorted(
            (p for p in self.parties if p.role in roles), key=lambda p: roles.index(p.role)
        )

    @property
    def respondent(self) -> PartyInfo | None:
        found = self.respondents
        return found[0] if found else None

    @property
    def agents(self) -> list[PartyInfo]:
        return [
            p
            for p in self.parties
            if p.role in (PartyRole.APPLICANT_AGENT, PartyRole.RESPONDENT_AGENT)
        ]

    @property
    def representatives(self) -> list[PartyInfo]:
        return [p for p in self.applicants if p.is_representative]

    def applicant_names(self, limit: int = 3) -> str:
        names = [p.name for p in self.applicants]
        if len(names) > limit:
            return "、".join(names[:limit]) + f"等{len(names)}人"
        return "、".join(names)

    def party(self, party_id: str | None) -> PartyInfo | None:
        return next((p for p in self.parties if p.id == party_id), None)

    def name_of_person(self, person_id: str | None) -> str | None:
        if person_id is None:
            return None
        return next((p.name for p in self.parties if p.person_id == person_id), None)

    def name_of_enterprise(self, enterprise_id: str | None) -> str | None:
        if enterprise_id is None:
            return None
        return next((p.name for p in self.parties if p.enterprise_id == enterprise_id), None)

    # ---------------------------------------------------------- agreements

    @property
    def current_agreement(self) -> AgreementInfo | None:
        """The signed version in force (not superseded), if any."""
        signed = [a for a in self.agreements if a.status == AgreementStatus.SIGNED]
        return max(signed, key=lambda a: a.version_no) if signed else None

    @property
    def draft_agreement(self) -> AgreementInfo | None:
        drafts = [a for a in self.agreements if a.status == AgreementStatus.DRAFT]
        return max(drafts, key=lambda a: a.version_no) if drafts else None

    @property
    def latest_agreement(self) -> AgreementInfo | None:
        return max(self.agreements, key=lambda a: a.version_no) if self.agreements else None

    def agreement_version(self, version_no: int) -> AgreementInfo | None:
        return next((a for a in self.agreements if a.version_no == version_no), None)

    # ---------------------------------------------------------- deadlines

    @property
    def employer_applied(self) -> bool:
        """The employer applied for mediation (either party may: 调解仲裁法 Art. 12)."""
        return self.applicant_side == "employer"

    @property
    def is_declined(self) -> bool:
        """A decline decision was recorded (the case may since have been closed or archived)."""
        return self.status == CaseStatus.DECLINED or bool(
            self.decline_category or self.declined_on or self.declined_reason
        )

    @property
    def clock(self) -> MediationClock:
        return MediationClock(self.received_on, self.extended_until)

    def arbitration_limit(self) -> ArbitrationLimit:
        stops = [self.received_on]
        current = self.current_agreement
        if current and current.signed_on:
            stops.append(current.signed_on)
        return arbitration_limit(
            [c.dispute_type for c in self.claims],
            known_on=self.infringement_known_on,
            employment_ended_on=self.employment_ended_on,
            interruptions=stops,
            employment_ongoing=self.employment_status == EmploymentStatus.ONGOING,
        )

    def open_terms(self, today: date) -> list[tuple[TermInfo, TermStatus]]:
        current = self.current_agreement
        if current is None:
            return []
        out = []
        for t in current.terms:
            st = t.status(today, current.performance_deadline)
            if st.state.value != "performed":
                out.append((t, st))
        return out

    def rule_facts(self, today: date) -> CaseFacts:
        open_terms = self.open_terms(today)
        current = self.current_agreement
        return CaseFacts(
            status=self.status,
            received_on=self.received_on,
            applicants=len(self.applicants),
            has_respondent=self.respondent is not None,
            accepted_on=self.accepted_on,
            mediation_started_on=self.mediation_started_on,
            extended_until=self.extended_until,
            has_signed_agreement=current is not None,
            signed_on=current.signed_on if current else None,
            open_terms=len(open_terms),
            overdue_terms=sum(1 for _, st in open_terms if st.overdue),
            sessions=len(self.sessions),
            has_draft_agreement=self.draft_agreement is not None,
        )

    @property
    def channel_name(self) -> str:
        return reference.intake_channel_name(self.intake_channel)

    @property
    def claim_total(self) -> Decimal:
        return sum((c.amount or Decimal("0") for c in self.claims), Decimal("0.00"))


def load_case(session: Session, case_id: str) -> CaseDetail:
    case = session.get(DisputeCase, case_id)
    if case is None or case.deleted:
        raise NotFound("案件不存在或已被删除")
    mediator = session.get(UserAccount, case.mediator_id) if case.mediator_id else None
    detail = CaseDetail(
        id=case.id,
        version=case.version,
        case_no=case.case_no,
        status=case.status,
        status_changed_at=case.status_changed_at,
        intake_channel=case.intake_channel,
        intake_ref=case.intake_ref,
        oral_application=case.oral_application,
        oral_record=case.oral_record,
        received_on=case.received_on,
        registered_at=case.registered_at,
        accepted_on=case.accepted_on,
        declined_reason=case.declined_reason,
        decline_category=case.decline_category,
        declined_on=case.declined_on,
        declined_by=case.declined_by,
        mediation_started_on=case.mediation_started_on,
        extended_until=case.extended_until,
        extension_note=case.extension_note,
        outcome_on=case.outcome_on,
        failure_reason=case.failure_reason,
        outcome_note=case.outcome_note,
        closed_on=case.closed_on,
        archived_on=case.archived_on,
        archive_no=case.archive_no,
        is_collective=case.is_collective,
        is_migrant_worker=case.is_migrant_worker,
        is_construction=case.is_construction,
        project_name=case.project_name,
        facts=case.facts,
        requests=case.requests,
        mediator_id=case.mediator_id,
        mediator_name=mediator.display_name if mediator else None,
        co_mediators=case.co_mediators,
        employment_status=case.employment_status,
        review_applied_on=case.review_applied_on,
        court_confirmation_on=case.court_confirmation_on,
        confirmation_note=case.confirmation_note,
        employment_ended_on=case.employment_ended_on,
        infringement_known_on=case.infringement_known_on,
        respondent_id=case.respondent_id,
        police_incident_no=case.police_incident_no,
        applicant_side=case.applicant_side or "worker",
        is_dispatch=bool(case.is_dispatch),
    )
    rows = session.execute(
        select(CaseParty, Person, Enterprise)
        .outerjoin(Person, Person.id == CaseParty.person_id)
        .outerjoin(Enterprise, Enterprise.id == CaseParty.enterprise_id)
        .where(CaseParty.case_id == case_id, CaseParty.deleted.is_(False))
        .order_by(CaseParty.sort_order)
    ).all()
    for party, person, enterprise in rows:
        info = PartyInfo(
            id=party.id,
            role=party.role,
            name=(person.name if person else enterprise.name if enterprise else ""),
            person_id=party.person_id,
            enterprise_id=party.enterprise_id,
            is_representative=party.is_representative,
            authority=party.authority,
            agent_for_id=party.agent_for_id,
        )
        if person is not None:
            info.sex = person.sex.label if person.sex else None
            info.birth_date = person.birth_date
            info.id_number = person.id_number
            info.id_type = person.id_type
            info.phone = person.phone
            info.address = person.address
            info.job = person.job
            info.organisation = person.organisation
            info.hukou = person.hukou
            info.person_version = person.version
        if enterprise is not None:
            info.credit_code = enterprise.credit_code
            info.legal_rep = enterprise.legal_rep
            info.phone = enterprise.phone
            info.address = enterprise.address
        detail.parties.append(info)
    for p in detail.parties:
        if p.agent_for_id:
            target = detail.party(p.agent_for_id)
            p.agent_for_name = target.name if target else None
    for c in session.scalars(
        select(CaseClaim)
        .where(CaseClaim.case_id == case_id, CaseClaim.deleted.is_(False))
        .order_by(CaseClaim.created_at)
    ):
        detail.claims.append(
            ClaimInfo(
                c.id,
                c.dispute_type,
                reference.dispute_type_name(c.dispute_type),
                c.amount,
                c.description,
                c.person_id,
            )
        )
    for m in session.scalars(
        select(MediationSession)
        .where(MediationSession.case_id == case_id, MediationSession.deleted.is_(False))
        .order_by(MediationSession.session_no)
    ):
        detail.sessions.append(
            SessionInfo(
                m.id,
                m.session_no,
                m.held_at,
                m.ended_at,
                m.place,
                m.mediators,
                m.recorder,
                m.attendees,
                m.record,
                m.outcome,
                m.version,
                bool(m.rights_explained),
                m.recusal_note,
            )
        )
    agreements = list(
        session.scalars(
            select(MediationAgreement)
            .where(MediationAgreement.case_id == case_id, MediationAgreement.deleted.is_(False))
            .order_by(MediationAgreement.version_no)
        )
    )
    by_id: dict[str, AgreementInfo] = {}
    for a in agreements:
        info = AgreementInfo(
            a.id,
            a.version_no,
            a.status,
            a.facts,
            a.other_terms,
            a.performance_deadline,
            a.copies,
            a.signed_on,
            a.content_hash,
            a.supersedes_id,
            a.change_reason,
            a.created_at,
            signatures=a.signatures,
        )
        by_id[a.id] = info
        detail.agreements.append(info)
    terms: dict[str, TermInfo] = {}
    if by_id:
        for t in session.scalars(
            select(AgreementTerm)
            .where(AgreementTerm.agreement_id.in_(by_id), AgreementTerm.deleted.is_(False))
            .order_by(AgreementTerm.agreement_id, AgreementTerm.seq)
        ):
            info = TermInfo(
                t.id,
                t.seq,
                t.kind,
                t.item,
                t.description,
                t.amount,
                t.due_on,
                t.method,
                t.payer_enterprise_id,
                t.payee_person_id,
                t.art16,
                schedule=t.schedule,
            )
            terms[t.id] = info
            by_id[t.agreement_id].terms.append(info)
    if terms:
        for r in session.scalars(
            select(PerformanceRecord)
            .where(PerformanceRecord.term_id.in_(terms), PerformanceRecord.deleted.is_(False))
            .order_by(PerformanceRecord.performed_on, PerformanceRecord.created_at)
        ):
            terms[r.term_id].payments.append(
                PerformanceInfo(r.id, r.term_id, r.performed_on, r.amount, r.method, r.note)
            )
    from app.cases.followup import followups_of

    detail.followups = followups_of(session, case_id)
    from app.cases.referral import load_referral

    detail.referral = load_referral(session, case_id)
    from app.cases.transfers import links_in

    detail.transfer = links_in(session, case)
    owners = [case_id, *by_id]
    for a in session.scalars(
        select(Attachment)
        .where(Attachment.owner_id.in_(owners), Attachment.deleted.is_(False))
        .order_by(Attachment.created_at)
    ):
        detail.attachments.append(
            AttachmentInfo(
                a.id,
                a.owner_entity,
                a.owner_id,
                a.filename,
                a.mime_type,
                a.size,
                a.note,
                a.created_at,
            )
        )
    return detail


def find_case_id(session: Session, case_no: str) -> str | None:
    """The id of a case by its number, typed with full- or half-width brackets."""
    from app.cases.numbering import case_no_forms

    return session.scalar(
        select(DisputeCase.id).where(
            DisputeCase.case_no.in_(case_no_forms(case_no)), DisputeCase.deleted.is_(False)
        )
    )


def mediator_choices(session: Session) -> list[tuple[str, str]]:
    """Active users who may mediate: (id, display name)."""
    from app.domain.enums import Role

    return [
        (u.id, u.display_name)
        for u in session.scalars(
            select(UserAccount)
            .where(UserAccount.active.is_(True), UserAccount.role != Role.READ_ONLY)
            .order_by(UserAccount.display_name)
        )
    ]


def next_session_no(session: Session, case_id: str) -> int:
    return (
        session.scalar(
            select(func.max(MediationSession.session_no)).where(MediationSession.case_id == case_id)
        )
        or 0
    ) + 1
