"""The problem ledger (问题台账): listing with filters, follow-up updates with history, overdue items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from app.domain.enums import FindingStatus
from app.domain.visits import ACTIVE_STATUSES, category_label, check_transition, days_overdue
from app.store.errors import Conflict, NotFound
from app.store.models import Enterprise, EnterpriseVisit, Finding, FindingUpdate
from app.store.store import Store
from app.visits.problems import Problem, raise_if
from app.visits.risk import recompute_risk
from app.visits.service import FollowUpResult, _apply_follow_up, _street_name

#: The "state" filter of the ledger: a status, or every overdue item.
OVERDUE = "overdue"


@dataclass
class LedgerFilter:
    street_code: str | None = None
    enterprise_id: str | None = None
    #: part of the enterprise name
    enterprise_text: str = ""
    category: str | None = None
    #: a FindingStatus value, :data:`OVERDUE`, or None for all
    state: str | None = None
    found_from: date | None = None
    found_to: date | None = None


@dataclass
class LedgerRow:
    id: str
    enterprise_id: str
    enterprise_name: str
    street_name: str
    category: str
    category_label: str
    description: str
    legal_basis: str | None
    found_on: date | None
    deadline: date | None
    responsible_person: str | None
    status: FindingStatus
    resolved_on: date | None
    days_overdue: int
    version: int

    @property
    def overdue(self) -> bool:
        return self.days_overdue > 0


def _active_values() -> list[str]:
    return [s.value for s in ACTIVE_STATUSES]


def overdue_clause(today: date):
    return and_(
        Finding.status.in_(_active_values()),
        Finding.deadline.is_not(None),
        Finding.deadline < today,
    )


def _ledger_query(flt: LedgerFilter, today: date):
    q = (
        select(Finding, Enterprise.name, Enterprise.street_code, EnterpriseVisit.visited_on)
        .join(Enterprise, Enterprise.id == Finding.enterprise_id)
        .outerjoin(EnterpriseVisit, EnterpriseVisit.id == Finding.visit_id)
        .where(Finding.deleted.is_(False))
    )
    if flt.street_code:
        q = q.where(Enterprise.street_code == flt.street_code)
    if flt.enterprise_id:
        q = q.where(Finding.enterprise_id == flt.enterprise_id)
    if flt.enterprise_text.strip():
        text = flt.enterprise_text.strip()
        q = q.where(or_(Enterprise.name.like(f"%{text}%"), Enterprise.credit_code == text.upper()))
    if flt.category:
        q = q.where(Finding.category == flt.category)
    if flt.state == OVERDUE:
        q = q.where(overdue_clause(today))
    elif flt.state:
        q = q.where(Finding.status == FindingStatus(flt.state).value)
    if flt.found_from:
        q = q.where(EnterpriseVisit.visited_on >= flt.found_from)
    if flt.found_to:
        q = q.where(EnterpriseVisit.visited_on <= flt.found_to)
    return q


def _row(
    f: Finding, name: str, street: str | None, found_on: date | None, today: date
) -> LedgerRow:
    return LedgerRow(
        f.id,
        f.enterprise_id,
        name,
        _street_name(street),
        f.category,
        category_label(f.category),
        f.description,
        f.legal_basis,
        found_on,
        f.deadline,
        f.responsible_person,
        f.status,
        f.resolved_on,
        days_overdue(f.status, f.deadline, today),
        f.version,
    )


def count_findings(store: Store, flt: LedgerFilter, today: date | None = None) -> int:
    today = today or date.today()
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(_ledger_query(flt, today).subquery())) or 0


def list_findings(
    store: Store, flt: LedgerFilter, today: date | None = None, offset: int = 0, limit: int = 200
) -> list[LedgerRow]:
    """One page of the ledger: overdue items first (longest overdue on top), then by deadline."""
    today = today or date.today()
    overdue_first = case((overdue_clause(today), 0), else_=1)
    q = _ledger_query(flt, today).order_by(
        overdue_first, Finding.deadline.is_(None), Finding.deadline, Finding.created_at
    )
    with store.read() as s:
        return [
            _row(f, name, street, found_on, today)
            for f, name, street, found_on in s.execute(q.offset(offset).limit(limit))
        ]


def get_finding(store: Store, finding_id: str, today: date | None = None) -> LedgerRow:
    today = today or date.today()
    with store.read() as s:
        row = s.execute(
            _ledger_query(LedgerFilter(), today).where(Finding.id == finding_id)
        ).first()
        if row is None:
            raise NotFound("问题台账记录不存在或已被删除")
        return _row(*row, today)


@dataclass
class HistoryRow:
    on: date
    status: FindingStatus
    note: str
    visit_id: str | None


def finding_history(store: Store, finding_id: str) -> list[HistoryRow]:
    with store.read() as s:
        rows = s.scalars(
            select(FindingUpdate)
            .where(FindingUpdate.finding_id == finding_id, FindingUpdate.deleted.is_(False))
            .order_by(FindingUpdate.updated_on, FindingUpdate.created_at)
        ).all()
        return [HistoryRow(u.updated_on, u.status, u.note or "", u.visit_id) for u in rows]


def _found_on(session: Session, finding: Finding) -> date:
    if finding.visit_id:
        visit = session.get(EnterpriseVisit, finding.visit_id)
        if visit is not None:
            return visit.visited_on
    return finding.created_at.date()


def update_finding(
    store: Store,
    finding_id: str,
    change: FollowUpResult,
    *,
    on: date,
    today: date | None = None,
    expected_version: int | None = None,
) -> None:
    """Record a follow-up on a ledger item (status change, note, new deadline) with its history.

    ``expected_version`` is the version the user saw: if someone else changed the item since,
    :class:`Conflict` is raised and nothing is written.
    """
    today = today or date.today()
    with store.unit_of_work() as s:
        finding = s.get(Finding, finding_id)
        if finding is None or finding.deleted:
            raise NotFound("问题台账记录不存在或已被删除")
        if expected_version is not None and finding.version != expected_version:
            raise Conflict()
        problems = [
            Problem("status", "整改跟进", message)
            for message in check_transition(
                finding.status,
                change.status,
                on=on,
                note=change.note,
                found_on=_found_on(s, finding),
                today=today,
                new_deadline=change.new_deadline,
            )
        ]
        raise_if(problems)
        _apply_follow_up(s, finding, change, on, None)
        recompute_risk(s, finding.enterprise_id, today)


@dataclass
class LedgerSummary:
    open: int
    rectifying: int
    rectified: int
    escalated: int
    overdue: int

    @property
    def active(self) -> int:
        return self.open + self.rectifying


def ledger_summary(store: Store, today: date | None = None) -> LedgerSummary:
    today = today or date.today()
    with store.read() as s:
        counts = dict(
            s.execute(
                select(Finding.status, func.count())
                .where(Finding.deleted.is_(False))
                .group_by(Finding.status)
            ).all()
        )
        overdue = s.scalar(
            select(func.count()).where(Finding.deleted.is_(False), overdue_clause(today))
        )
    return LedgerSummary(
        counts.get(FindingStatus.OPEN, 0),
        counts.get(FindingStatus.RECTIFYING, 0),
        counts.get(FindingStatus.RECTIFIED, 0),
        counts.get(FindingStatus.ESCALATED, 0),
        overdue or 0,
    )


def overdue_findings(store: Store, today: date | None = None, limit: int = 200) -> list[LedgerRow]:
    return list_findings(store, LedgerFilter(state=OVERDUE), today, 0, limit)
