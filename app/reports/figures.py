"""The station's figures for a period, computed from the store.

What each figure means (the .xlsx notes and the PDF repeat the essentials):

* **Cases of the period** are the cases *received* in the period (``received_on``); their result is
  their state when the report is made. A case with claims of several dispute types counts once in
  each type's row and once in the total.
* **Workers involved**: the applicants (workers) of those cases.
* **Amount claimed**: the claims' amounts of that type.
* **Result** (:func:`case_outcome`): 调解成功 (an agreement was signed), 调解不成 (mediation ended
  without one), 撤回, 不予受理, 办理中 (registered, accepted or in mediation).
* **Success rate**: 调解成功 / (调解成功 + 调解不成), the cases mediation concluded.
* **Amount agreed**: the payment terms of the signed agreements of those cases, by the item paid
  (a term without an item goes to the case's dispute type when it has one, else 其他).
* **Amount recovered**: what was paid on the payment terms of those cases' signed agreements up to
  the end of the period, including payments made under a version later replaced by a new one.
* **Paid in the period**: every payment recorded with a date in the period, whatever case.
* Visits, ledger items found and rectified, activities: dated in the period. Open and overdue
  ledger items and risk levels: as they stand on the day the report is made.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, func, select

from app.activities.checklist import annual_checklist
from app.cases.queries import CaseFilter, count_cases
from app.domain import reference
from app.domain.activities import FiveOneItem
from app.domain.enums import (
    ActivityKind,
    AgreementStatus,
    CaseStatus,
    FindingStatus,
    LabeledEnum,
    PartyRole,
    RiskLevel,
    TermKind,
)
from app.reports.periods import Period
from app.store.models import (
    Activity,
    AgreementTerm,
    CaseClaim,
    CaseParty,
    DisputeCase,
    Enterprise,
    EnterpriseVisit,
    Finding,
    FindingUpdate,
    MediationAgreement,
    PerformanceRecord,
)
from app.store.store import Store
from app.visits.ledger import overdue_clause

ZERO = Decimal("0.00")


class Outcome(LabeledEnum):
    SUCCESS = ("success", "调解成功")
    FAILED = ("failed", "调解不成")
    WITHDRAWN = ("withdrawn", "撤回")
    DECLINED = ("declined", "不予受理")
    IN_PROGRESS = ("in_progress", "办理中")


IN_PROGRESS_STATUSES = frozenset(
    {CaseStatus.REGISTERED, CaseStatus.ACCEPTED, CaseStatus.IN_MEDIATION}
)


def case_outcome(
    status: CaseStatus, *, has_agreement: bool, failed: bool, declined: bool
) -> Outcome:
    """The result of a case for the statistics.

    The case workflow closes declined, failed, withdrawn and agreed cases alike; what they were
    before closing is read from the facts kept on the case: a declining reason, a failure reason,
    a signed agreement. A closed case with none of them was withdrawn.
    """
    status = CaseStatus(status)
    if status == CaseStatus.DECLINED or (declined and status not in IN_PROGRESS_STATUSES):
        return Outcome.DECLINED
    if status == CaseStatus.WITHDRAWN:
        return Outcome.WITHDRAWN
    if status == CaseStatus.FAILED or (failed and status not in IN_PROGRESS_STATUSES):
        return Outcome.FAILED
    if status in (CaseStatus.AGREEMENT_REACHED, CaseStatus.PERFORMING) or has_agreement:
        return Outcome.SUCCESS
    if status in IN_PROGRESS_STATUSES:
        return Outcome.IN_PROGRESS
    return Outcome.WITHDRAWN


def _money(value) -> Decimal:
    """A summed Money column: SQLAlchemy gives the sum the column's type, so yuan as Decimal."""
    return ZERO if value is None else Decimal(value).quantize(ZERO)


def success_rate(success: int, failed: int) -> float | None:
    concluded = success + failed
    return None if concluded == 0 else success / concluded


@dataclass
class TypeRow:
    """One row of the statistical table (a dispute type, or the total)."""

    code: str
    name: str
    cases: int = 0
    workers: int = 0
    claimed: Decimal = ZERO
    outcomes: dict[Outcome, int] = field(default_factory=lambda: {o: 0 for o in Outcome})
    agreed: Decimal = ZERO
    recovered: Decimal = ZERO

    @property
    def success_rate(self) -> float | None:
        return success_rate(self.outcomes[Outcome.SUCCESS], self.outcomes[Outcome.FAILED])


@dataclass
class VisitFigures:
    visits: int = 0
    enterprises_visited: int = 0
    findings_raised: int = 0
    findings_rectified: int = 0
    findings_escalated: int = 0
    #: as the ledger stands on the report day
    findings_open: int = 0
    findings_overdue: int = 0


@dataclass
class StationFigures:
    station_name: str
    organisation_name: str
    period: Period
    made_on: date
    by_type: list[TypeRow]
    total: TypeRow
    by_status: dict[CaseStatus, int]
    collective_cases: int
    migrant_cases: int
    paid_in_period: Decimal
    visits: VisitFigures
    activities_by_kind: dict[ActivityKind, int]
    activity_participants: int
    materials_handed_out: int
    five_one_year: int
    five_one: list[FiveOneItem]
    risk_counts: dict[RiskLevel, int]
    #: cases past a deadline (the 15 days, an agreed payment) on the report day
    overdue_cases: int = 0

    @property
    def five_one_done(self) -> int:
        return sum(1 for i in self.five_one if i.done)


def _dispute_types() -> list[tuple[str, str]]:
    return [(t.code, t.name) for t in reference.dispute_types()]


def live(model):
    """Not deleted (the queries below are driven by the period's cases through ``received_on``
    and the case-id indexes; there is no index on ``deleted``)."""
    return model.deleted.is_(False)


def case_figures(session, period: Period) -> tuple[list[TypeRow], TypeRow, dict, int, int]:
    in_period = and_(
        live(DisputeCase),
        DisputeCase.received_on >= period.start,
        DisputeCase.received_on <= period.end,
        # a case transferred away (移交) is counted where it continues, not twice
        DisputeCase.status != CaseStatus.TRANSFERRED.value,
    )
    cohort = select(DisputeCase.id).where(in_period)
    cases = {
        row.id: row
        for row in session.execute(
            select(
                DisputeCase.id,
                DisputeCase.status,
                DisputeCase.is_collective,
                DisputeCase.is_migrant_worker,
                DisputeCase.failure_reason,
                DisputeCase.declined_reason,
            ).where(in_period)
        )
    }
    types_of: dict[str, set[str]] = defaultdict(set)
    claimed: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for case_id, dispute_type, amount in session.execute(
        select(CaseClaim.case_id, CaseClaim.dispute_type, CaseClaim.amount).where(
            CaseClaim.case_id.in_(cohort), live(CaseClaim)
        )
    ):
        types_of[case_id].add(dispute_type)
        claimed[dispute_type] += amount or ZERO
    workers = dict(
        session.execute(
            select(CaseParty.case_id, func.count(func.distinct(CaseParty.person_id)))
            .where(
                CaseParty.case_id.in_(cohort),
                live(CaseParty),
                CaseParty.role == PartyRole.APPLICANT.value,
                CaseParty.person_id.is_not(None),
            )
            .group_by(CaseParty.case_id)
        ).all()
    )
    signed = (AgreementStatus.SIGNED.value, AgreementStatus.SUPERSEDED.value)
    agreed_cases = set(
        session.scalars(
            select(MediationAgreement.case_id).where(
                MediationAgreement.case_id.in_(cohort),
                live(MediationAgreement),
                MediationAgreement.status.in_(signed),
            )
        )
    )
    agreed: dict[str, Decimal] = defaultdict(lambda: ZERO)
    recovered: dict[str, Decimal] = defaultdict(lambda: ZERO)

    def item_code(case_id: str, item: str | None) -> str:
        kinds = types_of.get(case_id, set())
        return item or (next(iter(kinds)) if len(kinds) == 1 else "other")

    # agreed: the terms of the agreement in force (a later version replaces an earlier one)
    for case_id, item, amount in session.execute(
        select(MediationAgreement.case_id, AgreementTerm.item, AgreementTerm.amount)
        .join(MediationAgreement, MediationAgreement.id == AgreementTerm.agreement_id)
        .where(
            MediationAgreement.case_id.in_(cohort),
            live(AgreementTerm),
            AgreementTerm.kind == TermKind.PAYMENT.value,
            live(MediationAgreement),
            MediationAgreement.status == AgreementStatus.SIGNED.value,
        )
    ):
        agreed[item_code(case_id, item)] += amount or ZERO
    # recovered: money the workers received, under whichever signed version it was paid (a part
    # paid before the agreement was revised is not lost from the figures)
    for case_id, item, paid in session.execute(
        select(MediationAgreement.case_id, AgreementTerm.item, PerformanceRecord.amount)
        .join(AgreementTerm, AgreementTerm.id == PerformanceRecord.term_id)
        .join(MediationAgreement, MediationAgreement.id == AgreementTerm.agreement_id)
        .where(
            MediationAgreement.case_id.in_(cohort),
            live(PerformanceRecord),
            PerformanceRecord.performed_on <= period.end,
            AgreementTerm.kind == TermKind.PAYMENT.value,
            live(AgreementTerm),
            live(MediationAgreement),
            MediationAgreement.status.in_(signed),
        )
    ):
        recovered[item_code(case_id, item)] += _money(paid)

    outcome_of = {
        case_id: case_outcome(
            c.status,
            has_agreement=case_id in agreed_cases,
            failed=c.failure_reason is not None,
            declined=bool(c.declined_reason),
        )
        for case_id, c in cases.items()
    }
    rows = {code: TypeRow(code, name) for code, name in _dispute_types()}
    for case_id, kinds in types_of.items():
        if case_id not in cases:
            continue
        n_workers = workers.get(case_id, 0)
        outcome = outcome_of[case_id]
        # a type the reference list does not know is counted under 其他
        for row in {
            rows.get(k, rows["other"]).code: rows.get(k, rows["other"]) for k in kinds
        }.values():
            row.cases += 1
            row.workers += n_workers
            row.outcomes[outcome] += 1
    for code, amount in claimed.items():
        rows.get(code, rows["other"]).claimed += amount
    for code, amount in agreed.items():
        rows.get(code, rows["other"]).agreed += amount
    for code, amount in recovered.items():
        rows.get(code, rows["other"]).recovered += amount
    total = TypeRow("total", "合计")
    total.cases = len(cases)
    total.workers = sum(workers.get(case_id, 0) for case_id in cases)
    for outcome in outcome_of.values():
        total.outcomes[outcome] += 1
    total.claimed = sum(claimed.values(), ZERO)
    total.agreed = sum(agreed.values(), ZERO)
    total.recovered = sum(recovered.values(), ZERO)
    by_status = {s: 0 for s in CaseStatus}
    for c in cases.values():
        by_status[CaseStatus(c.status)] += 1
    collective = sum(1 for c in cases.values() if c.is_collective)
    migrant = sum(1 for c in cases.values() if c.is_migrant_worker)
    return list(rows.values()), total, by_status, collective, migrant


def visit_figures(session, period: Period, today: date) -> VisitFigures:
    visits = and_(
        EnterpriseVisit.deleted.is_(False),
        EnterpriseVisit.visited_on >= period.start,
        EnterpriseVisit.visited_on <= period.end,
    )
    f = VisitFigures()
    f.visits = session.scalar(select(func.count()).where(visits)) or 0
    f.enterprises_visited = (
        session.scalar(
            select(func.count(func.distinct(EnterpriseVisit.enterprise_id))).where(visits)
        )
        or 0
    )
    f.findings_raised = (
        session.scalar(
            select(func.count(Finding.id))
            .join(EnterpriseVisit, EnterpriseVisit.id == Finding.visit_id)
            .where(visits, Finding.deleted.is_(False))
        )
        or 0
    )
    f.findings_rectified = (
        session.scalar(
            select(func.count()).where(
                Finding.deleted.is_(False),
                Finding.status == FindingStatus.RECTIFIED.value,
                Finding.resolved_on >= period.start,
                Finding.resolved_on <= period.end,
            )
        )
        or 0
    )
    f.findings_escalated = (
        session.scalar(
            select(func.count(func.distinct(FindingUpdate.finding_id))).where(
                FindingUpdate.deleted.is_(False),
                FindingUpdate.status == FindingStatus.ESCALATED.value,
                FindingUpdate.updated_on >= period.start,
                FindingUpdate.updated_on <= period.end,
            )
        )
        or 0
    )
    f.findings_open = (
        session.scalar(
            select(func.count()).where(
                Finding.deleted.is_(False),
                Finding.status.in_([FindingStatus.OPEN.value, FindingStatus.RECTIFYING.value]),
            )
        )
        or 0
    )
    f.findings_overdue = (
        session.scalar(
            select(func.count()).where(Finding.deleted.is_(False), overdue_clause(today))
        )
        or 0
    )
    return f


def compute_figures(store: Store, period: Period, today: date | None = None) -> StationFigures:
    """Every figure of the report for ``period``; ``today`` is the report day."""
    today = today or date.today()
    station = store.station
    with store.read() as s:
        rows, total, by_status, collective, migrant = case_figures(s, period)
        paid_fen = s.scalar(
            select(func.sum(PerformanceRecord.amount)).where(
                PerformanceRecord.deleted.is_(False),
                PerformanceRecord.performed_on >= period.start,
                PerformanceRecord.performed_on <= period.end,
            )
        )
        visits = visit_figures(s, period, today)
        in_period = and_(
            Activity.deleted.is_(False),
            Activity.held_on >= period.start,
            Activity.held_on <= period.end,
        )
        activities = {k: 0 for k in ActivityKind}
        for kind, n in s.execute(
            select(Activity.kind, func.count()).where(in_period).group_by(Activity.kind)
        ):
            activities[ActivityKind(kind)] = n
        participants, materials = s.execute(
            select(func.sum(Activity.participant_count), func.sum(Activity.materials_count)).where(
                in_period
            )
        ).one()
        risk = {level: 0 for level in RiskLevel}
        for level, n in s.execute(
            select(Enterprise.risk_level, func.count())
            .where(Enterprise.deleted.is_(False))
            .group_by(Enterprise.risk_level)
        ):
            risk[RiskLevel(level)] = n
        overdue_cases = overdue_case_count(s, today)
    five_one_year = period.end.year
    return StationFigures(
        station_name=station.name,
        organisation_name=station.organisation_name,
        period=period,
        made_on=today,
        by_type=rows,
        total=total,
        by_status=by_status,
        collective_cases=collective,
        migrant_cases=migrant,
        paid_in_period=_money(paid_fen),
        visits=visits,
        activities_by_kind=activities,
        activity_participants=int(participants or 0),
        materials_handed_out=int(materials or 0),
        five_one_year=five_one_year,
        five_one=annual_checklist(store, five_one_year),
        risk_counts=risk,
        overdue_cases=overdue_cases,
    )


def overdue_case_count(session, today: date) -> int:
    """Cases past a deadline on ``today``: the 15 days of Art. 14 while still open, or an agreed
    payment or obligation not performed by its date (the rules of ``app.cases.queries``)."""
    return count_cases(session, CaseFilter(overdue=True), today=today)
