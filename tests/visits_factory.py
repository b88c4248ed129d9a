"""Records for the visits/activities/reports tests, written straight through the models.

Cases are made here with the models (not the cases service) so that these tests fix the exact
figures the reports must compute.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from app.domain.enums import (
    AgreementStatus,
    CaseStatus,
    FailureReason,
    PartyRole,
    TermKind,
)
from app.store.models import (
    AgreementTerm,
    CaseClaim,
    CaseParty,
    DisputeCase,
    Enterprise,
    MediationAgreement,
    PerformanceRecord,
    Person,
)

_seq = {"n": 0}


def enterprise(session, name: str, street: str = "GUDONG", **kw) -> Enterprise:
    e = Enterprise(name=name, street_code=street, **kw)
    session.add(e)
    return e


def case(
    session,
    *,
    received: date,
    status: CaseStatus,
    claims: list[tuple[str, str | None]],
    workers: int = 1,
    respondent: Enterprise | None = None,
    collective: bool = False,
    agreement_terms: list[tuple[str, str, date]] | None = None,
    payments: list[tuple[int, str, date]] | None = None,
    outcome_on: date | None = None,
    failure: FailureReason | None = None,
    declined_reason: str | None = None,
    migrant: bool = False,
) -> DisputeCase:
    """A case with ``claims`` [(dispute type, amount)], ``workers`` applicants, and optionally a
    signed agreement with payment terms [(item, amount, due)] and payments [(term index, amount, on)]."""
    _seq["n"] += 1
    n = _seq["n"]
    c = DisputeCase(
        case_no=f"(2026)鼓楼鼓东劳调字第{n:04d}号",
        case_year=received.year,
        case_seq=n,
        status=status,
        intake_channel="walk_in",
        received_on=received,
        registered_at=datetime(received.year, received.month, received.day, 2, tzinfo=UTC),
        respondent_id=respondent.id if respondent else None,
        is_collective=collective,
        outcome_on=outcome_on,
        failure_reason=failure,
        declined_reason=declined_reason,
        is_migrant_worker=migrant,
    )
    session.add(c)
    for i in range(workers):
        p = Person(name=f"工人{n}-{i}")
        session.add(p)
        session.add(CaseParty(case_id=c.id, role=PartyRole.APPLICANT, person_id=p.id, sort_order=i))
    if respondent:
        session.add(CaseParty(case_id=c.id, role=PartyRole.RESPONDENT, enterprise_id=respondent.id))
    for dispute_type, amount in claims:
        session.add(
            CaseClaim(
                case_id=c.id, dispute_type=dispute_type, amount=Decimal(amount) if amount else None
            )
        )
    if agreement_terms is not None:
        a = MediationAgreement(
            case_id=c.id, status=AgreementStatus.SIGNED, signed_on=outcome_on or received
        )
        session.add(a)
        terms = []
        for seq, (item, amount, due) in enumerate(agreement_terms, start=1):
            t = AgreementTerm(
                agreement_id=a.id,
                seq=seq,
                kind=TermKind.PAYMENT,
                item=item,
                description=f"支付{item}",
                amount=Decimal(amount),
                due_on=due,
            )
            session.add(t)
            terms.append(t)
        for index, amount, on in payments or []:
            session.add(
                PerformanceRecord(term_id=terms[index].id, performed_on=on, amount=Decimal(amount))
            )
    return c
