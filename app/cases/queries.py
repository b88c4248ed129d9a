"""Reading cases: the paged case list with its filters and search, the timeline of a case, and the
deadline alerts and overdue terms the workbench shows.

The list pages by keyset (never OFFSET): browsing orders by registration time, newest first; a
search walks the full-text index (``case_fts``) in its key order, which is registration order too,
so the first page of any search reads only as many rows as it shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import (
    Integer,
    and_,
    bindparam,
    column,
    exists,
    func,
    literal_column,
    or_,
    select,
    table,
    tuple_,
)
from sqlalchemy.orm import Session, aliased

from app.cases.detail import CaseDetail
from app.cases.search_index import match_expression
from app.domain import reference
from app.domain.case_workflow import ACTIVE, AGREED
from app.domain.deadlines import (
    MEDIATION_DAYS,
    MEDIATION_WARN_DAYS,
    REVIEW_DAYS,
    TERM_WARN_DAYS,
    MediationClock,
    default_route,
    fmt,
    review_deadline,
    term_item_name,
)
from app.domain.decline import acceptance_due
from app.domain.enums import AgreementStatus, CaseStatus, PartyRole, TermKind
from app.domain.validators import mask_id_number
from app.store.models import (
    AgreementTerm,
    CaseClaim,
    CaseCount,
    CaseParty,
    CaseSearchKey,
    DisputeCase,
    Enterprise,
    MediationAgreement,
    PerformanceRecord,
    Person,
    UserAccount,
)

PAGE_SIZE = 50

#: the FTS5 table made by migration 0003_cases (not an ORM model)
CASE_FTS = table("case_fts", column("rowid", Integer), column("body"))


def _fts_match(query: str):
    return literal_column("case_fts").op("MATCH")(bindparam("fts_query", query))


@dataclass
class CaseFilter:
    statuses: tuple[CaseStatus, ...] = ()
    dispute_type: str | None = None
    mediator_id: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    #: past the mediation period while still open, or with an overdue term of the agreement
    overdue: bool = False
    collective: bool = False
    migrant: bool = False
    #: party name, ID number, case number, enterprise name or code, project (any part of them)
    text: str = ""
    #: cases where this enterprise is the respondent or another party (contractor …)
    enterprise_id: str | None = None


@dataclass(frozen=True)
class CaseRow:
    id: str
    case_no: str
    status: CaseStatus
    received_on: date
    applicants: str
    applicant_id_masked: str
    respondent: str
    dispute_types: str
    mediator: str
    is_collective: bool
    is_migrant_worker: bool
    is_construction: bool
    deadline: date | None
    days_left: int | None
    overdue: bool


@dataclass
class CasePage:
    rows: list[CaseRow]
    #: pass back as ``after`` for the next page; None when this was the last page
    cursor: tuple | None


# ---------------------------------------------------------------- overdue, in SQL


def _mediation_end():
    return func.coalesce(
        DisputeCase.extended_until, func.date(DisputeCase.received_on, f"+{MEDIATION_DAYS} day")
    )


@lru_cache(maxsize=16)
def _overdue_condition(today: date):
    """SQL: open past the mediation period, or agreed with a term past due and not performed.

    A membership test against the (small) set of overdue cases, so that the list keeps walking
    its own index in order. Built once per day (building it costs more than running it)."""
    expired = select(DisputeCase.id).where(
        DisputeCase.status.in_([s.value for s in ACTIVE]),
        DisputeCase.deleted.is_(False),
        _mediation_end() < today,
    )
    term = aliased(AgreementTerm, name="ot")
    agreement = aliased(MediationAgreement, name="oa")
    case = aliased(DisputeCase, name="oc")
    unpaid = (
        select(agreement.case_id)
        .join(term, term.agreement_id == agreement.id)
        .join(case, case.id == agreement.case_id)
        .where(
            case.status.in_([s.value for s in AGREED]),
            agreement.status == AgreementStatus.SIGNED,
            agreement.deleted.is_(False),
            term.deleted.is_(False),
            func.coalesce(term.due_on, agreement.performance_deadline) < today,
            _term_open_sql(term),
        )
    )
    return DisputeCase.id.in_(expired.union(unpaid))


def _term_open_sql(term):
    paid = (
        select(func.coalesce(func.sum(PerformanceRecord.amount), 0))
        .where(PerformanceRecord.term_id == term.id, PerformanceRecord.deleted.is_(False))
        .scalar_subquery()
    )
    performed = exists().where(
        PerformanceRecord.term_id == term.id, PerformanceRecord.deleted.is_(False)
    )
    # Money columns hold integer fen; compare the raw values.
    return or_(
        and_(term.kind == TermKind.PAYMENT, paid < func.coalesce(term.amount, 0)),
        and_(term.kind == TermKind.OBLIGATION, ~performed),
    )


# ---------------------------------------------------------------- the case list


def _filters(f: CaseFilter, today: date) -> list:
    where = [DisputeCase.deleted.is_(False)]
    if f.statuses:
        where.append(DisputeCase.status.in_([CaseStatus(s).value for s in f.statuses]))
    if f.dispute_type:
        where.append(
            exists().where(
                CaseClaim.case_id == DisputeCase.id,
                CaseClaim.dispute_type == f.dispute_type,
                CaseClaim.deleted.is_(False),
            )
        )
    if f.mediator_id:
        where.append(DisputeCase.mediator_id == f.mediator_id)
    if f.received_from:
        where.append(DisputeCase.received_on >= f.received_from)
    if f.received_to:
        where.append(DisputeCase.received_on <= f.received_to)
    if f.collective:
        where.append(DisputeCase.is_collective.is_(True))
    if f.migrant:
        where.append(DisputeCase.is_migrant_worker.is_(True))
    if f.overdue:
        where.append(_overdue_condition(today))
    if f.enterprise_id:
        where.append(
            or_(
                DisputeCase.respondent_id == f.enterprise_id,
                exists().where(
                    CaseParty.case_id == DisputeCase.id,
                    CaseParty.enterprise_id == f.enterprise_id,
                    CaseParty.deleted.is_(False),
                ),
            )
        )
    return where


_LIST_COLUMNS = (
    DisputeCase.id,
    DisputeCase.case_no,
    DisputeCase.status,
    DisputeCase.received_on,
    DisputeCase.extended_until,
    DisputeCase.registered_at,
    DisputeCase.is_collective,
    DisputeCase.is_migrant_worker,
    DisputeCase.is_construction,
    DisputeCase.mediator_id,
)


def list_cases(
    session: Session,
    f: CaseFilter | None = None,
    *,
    today: date | None = None,
    after: tuple | None = None,
    limit: int = PAGE_SIZE,
) -> CasePage:
    """One page of the case list; ``after`` is the previous page's ``cursor``."""
    f = f or CaseFilter()
    today = today or date.today()
    where = _filters(f, today)
    query = match_expression(f.text)
    if query:
        stmt = (
            select(*_LIST_COLUMNS, CASE_FTS.c.rowid)
            .select_from(CASE_FTS)
            .join(CaseSearchKey, CaseSearchKey.rowid == CASE_FTS.c.rowid)
            .join(DisputeCase, DisputeCase.id == CaseSearchKey.case_id)
            .where(_fts_match(query), *where)
            .order_by(CASE_FTS.c.rowid.desc())
            .limit(limit + 1)
        )
        if after:
            stmt = stmt.where(CASE_FTS.c.rowid < after[0])
        rows = session.execute(stmt).all()
        cursor_of = lambda r: (r[-1],)  # noqa: E731
    elif f.text.strip():
        return CasePage([], None)  # only punctuation typed: nothing can match
    else:
        stmt = (
            select(*_LIST_COLUMNS)
            .where(*where)
            .order_by(DisputeCase.registered_at.desc(), DisputeCase.id.desc())
            .limit(limit + 1)
        )
        if _walk_the_list(f, today):
            stmt = stmt.with_hint(DisputeCase, "INDEXED BY ix_dispute_case_list", "sqlite")
        if after:
            stmt = stmt.where(tuple_(DisputeCase.registered_at, DisputeCase.id) < tuple_(*after))
        rows = session.execute(stmt).all()
        cursor_of = lambda r: (r.registered_at, r.id)  # noqa: E731
    more = len(rows) > limit
    rows = rows[:limit]
    return CasePage(_decorate(session, rows, today), cursor_of(rows[-1]) if more and rows else None)


def _walk_the_list(f: CaseFilter, today: date) -> bool:
    """Whether the first page of a date-range filter is found faster by walking the list's own
    index (newest first, reading received_on from the index) than by reading every case of the
    range and sorting them (SQLite's own choice).

    Walking reads the cases received after the range before it reaches it; the range scan reads
    the whole range, each case with a look-up of its claims (several times the cost of a step of
    the walk). A range that is wide compared with how long ago it ended is walked; a short
    range long ago (a month of 2019) is left to the range scan."""
    if not (f.received_from or f.received_to) or f.statuses or f.collective or f.mediator_id:
        return False
    end = min(f.received_to or today, today)
    start = f.received_from or date(2000, 1, 1)
    return (today - end).days < 4 * max((end - start).days, 1)


def _decorate(session: Session, rows, today: date) -> list[CaseRow]:
    if not rows:
        return []
    ids = [r.id for r in rows]
    applicants: dict[str, list[tuple[str, str | None]]] = {}
    respondents: dict[str, str] = {}
    for case_id, role, pname, idno, ename in session.execute(
        select(CaseParty.case_id, CaseParty.role, Person.name, Person.id_number, Enterprise.name)
        .outerjoin(Person, Person.id == CaseParty.person_id)
        .outerjoin(Enterprise, Enterprise.id == CaseParty.enterprise_id)
        .where(
            CaseParty.case_id.in_(ids),
            CaseParty.deleted.is_(False),
            CaseParty.role.in_(
                [
                    PartyRole.APPLICANT.value,
                    PartyRole.RESPONDENT.value,
                    PartyRole.SUBCONTRACTOR.value,
                ]
            ),
        )
        .order_by(CaseParty.sort_order)
    ):
        if role == PartyRole.APPLICANT:
            applicants.setdefault(case_id, []).append((pname, idno))
        else:
            respondents.setdefault(case_id, ename or "")
    types: dict[str, list[str]] = {}
    for case_id, code in session.execute(
        select(CaseClaim.case_id, CaseClaim.dispute_type)
        .where(CaseClaim.case_id.in_(ids), CaseClaim.deleted.is_(False))
        .order_by(CaseClaim.created_at)
    ):
        name = reference.dispute_type_name(code)
        if name not in types.setdefault(case_id, []):
            types[case_id].append(name)
    mediators = {
        uid: name for uid, name in session.execute(select(UserAccount.id, UserAccount.display_name))
    }
    overdue_ids = set(
        session.scalars(
            select(DisputeCase.id).where(DisputeCase.id.in_(ids), _overdue_condition(today))
        )
    )
    out = []
    for r in rows:
        people = applicants.get(r.id, [])
        names = "、".join(p[0] for p in people[:2]) + (
            f"等{len(people)}人" if len(people) > 2 else ""
        )
        deadline = days_left = None
        if r.status in ACTIVE:
            clock = MediationClock(r.received_on, r.extended_until)
            deadline, days_left = clock.end, clock.days_left(today)
        out.append(
            CaseRow(
                id=r.id,
                case_no=r.case_no,
                status=r.status,
                received_on=r.received_on,
                applicants=names,
                applicant_id_masked=mask_id_number(people[0][1]) if people else "",
                respondent=respondents.get(r.id, ""),
                dispute_types="、".join(types.get(r.id, [])),
                mediator=mediators.get(r.mediator_id, ""),
                is_collective=r.is_collective,
                is_migrant_worker=r.is_migrant_worker,
                is_construction=r.is_construction,
                deadline=deadline,
                days_left=days_left,
                overdue=r.id in overdue_ids,
            )
        )
    return out


def count_cases(session: Session, f: CaseFilter | None = None, *, today: date | None = None) -> int:
    f = f or CaseFilter()
    today = today or date.today()
    where = _filters(f, today)
    query = match_expression(f.text)
    if query:
        stmt = (
            select(func.count())
            .select_from(CASE_FTS)
            .join(CaseSearchKey, CaseSearchKey.rowid == CASE_FTS.c.rowid)
            .join(DisputeCase, DisputeCase.id == CaseSearchKey.case_id)
            .where(_fts_match(query), *where)
        )
    elif f.text.strip():
        return 0
    elif _counted(f):
        return _maintained_count(session, f)
    else:
        stmt = select(func.count()).select_from(DisputeCase).where(*where)
    return int(session.scalar(stmt) or 0)


def _counted(f: CaseFilter) -> bool:
    """Whether the maintained count (``case_count``) answers this filter: status and flags only."""
    return not (
        f.dispute_type
        or f.mediator_id
        or f.received_from
        or f.received_to
        or f.overdue
        or f.enterprise_id
    )


def _maintained_count(session: Session, f: CaseFilter) -> int:
    """The count of a status/flag filter from ``case_count`` (a few rows, kept by triggers)."""
    stmt = select(func.coalesce(func.sum(CaseCount.n), 0))
    if f.statuses:
        stmt = stmt.where(CaseCount.status.in_([CaseStatus(s).value for s in f.statuses]))
    if f.collective:
        stmt = stmt.where(CaseCount.is_collective.is_(True))
    if f.migrant:
        stmt = stmt.where(CaseCount.is_migrant_worker.is_(True))
    return int(session.scalar(stmt) or 0)


# ---------------------------------------------------------------- workbench


@dataclass(frozen=True)
class Alert:
    case_id: str
    case_no: str
    #: mediation_due_soon | mediation_expired | acceptance_due | acceptance_overdue |
    #: term_due_soon | term_overdue | review_due | followup_due
    kind: str
    due_on: date
    days_left: int
    message: str


@dataclass(frozen=True)
class OverdueTerm:
    case_id: str
    case_no: str
    term_id: str
    seq: int
    item: str | None
    description: str
    amount: Decimal | None
    paid: Decimal
    outstanding: Decimal | None
    due_on: date
    days_overdue: int
    art16: bool
    payer: str | None
    route: str


def _term_rows(session: Session, case_filter, due_before: date):
    term, agreement = AgreementTerm, MediationAgreement
    due = func.coalesce(term.due_on, agreement.performance_deadline)
    paid = (
        select(func.coalesce(func.sum(PerformanceRecord.amount), 0))
        .where(PerformanceRecord.term_id == term.id, PerformanceRecord.deleted.is_(False))
        .scalar_subquery()
    )
    performed = exists().where(
        PerformanceRecord.term_id == term.id, PerformanceRecord.deleted.is_(False)
    )
    stmt = (
        select(
            DisputeCase.id,
            DisputeCase.case_no,
            term.id,
            term.seq,
            term.kind,
            term.item,
            term.description,
            term.amount,
            due.label("due"),
            term.art16,
            Enterprise.name,
            term.payer_enterprise_id,
            DisputeCase.respondent_id,
            paid.label("paid"),
            performed.label("performed"),
        )
        .select_from(term)
        .join(agreement, agreement.id == term.agreement_id)
        .join(DisputeCase, DisputeCase.id == agreement.case_id)
        .outerjoin(Enterprise, Enterprise.id == term.payer_enterprise_id)
        .where(
            case_filter,
            DisputeCase.deleted.is_(False),
            agreement.status == AgreementStatus.SIGNED,
            agreement.deleted.is_(False),
            term.deleted.is_(False),
            due < due_before,
            _term_open_sql(term),
        )
        .order_by(due, DisputeCase.case_no, term.seq)
    )
    return session.execute(stmt).all()


def _payer_is_employer(row) -> bool:
    """Art. 16 names the employer (用人单位): a term another party pays (the general contractor
    paying first under Art. 30 of the migrant-wages regulation) is sent to arbitration."""
    return row.payer_enterprise_id in (None, row.respondent_id)


def _yuan(value) -> Decimal:
    """A sum of Money values (the Money type already turned fen into yuan)."""
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def overdue_terms(session: Session, today: date) -> list[OverdueTerm]:
    """Terms of signed agreements in force that are past their due date and not fully performed."""
    out = []
    for r in _term_rows(
        session,
        DisputeCase.status.in_([s.value for s in AGREED] + [CaseStatus.CLOSED.value]),
        today,
    ):
        due = date.fromisoformat(r.due) if isinstance(r.due, str) else r.due
        paid = _yuan(r.paid)
        outstanding = (r.amount - paid) if r.amount is not None else None
        out.append(
            OverdueTerm(
                case_id=r[0],
                case_no=r.case_no,
                term_id=r[2],
                seq=r.seq,
                item=r.item,
                description=r.description,
                amount=r.amount,
                paid=paid,
                outstanding=outstanding,
                due_on=due,
                days_overdue=(today - due).days,
                art16=r.art16,
                payer=r.name,
                route=default_route(r.art16, _payer_is_employer(r)).label,
            )
        )
    return out


def deadline_alerts(session: Session, today: date) -> list[Alert]:
    """What the workbench warns about: mediation periods ending within a few days or already
    over while the case is still open, and agreement terms falling due soon or overdue."""
    alerts: list[Alert] = []
    warn_until = today + timedelta(days=MEDIATION_WARN_DAYS)
    for case_id, case_no, received_on, extended_until in session.execute(
        select(
            DisputeCase.id, DisputeCase.case_no, DisputeCase.received_on, DisputeCase.extended_until
        )
        .where(
            DisputeCase.deleted.is_(False),
            DisputeCase.status.in_([s.value for s in ACTIVE]),
            _mediation_end() <= warn_until,
        )
        .order_by(DisputeCase.received_on)
    ):
        clock = MediationClock(received_on, extended_until)
        left = clock.days_left(today)
        kind = "mediation_expired" if left < 0 else "mediation_due_soon"
        text_ = clock.describe(today)
        if left < 0:
            text_ += "：请尽快结束调解（达成协议或终止调解），当事人可依法申请仲裁"
        alerts.append(Alert(case_id, case_no, kind, clock.end, left, text_))
    # 17号令 Art. 22: accept (or decline) within 3 working days of receipt.
    for case_id, case_no, received_on in session.execute(
        select(DisputeCase.id, DisputeCase.case_no, DisputeCase.received_on)
        .where(
            DisputeCase.deleted.is_(False),
            DisputeCase.status == CaseStatus.REGISTERED.value,
            DisputeCase.received_on >= today - timedelta(days=60),
        )
        .order_by(DisputeCase.received_on)
    ):
        due = acceptance_due(received_on)
        left = (due - today).days
        if left > 1:
            continue
        if left < 0:
            kind = "acceptance_overdue"
            text_ = (
                f"收到申请已超过3个工作日（应于{fmt(due)}前决定）仍未受理或不予受理："
                "请尽快作出决定并书面通知申请人"
            )
        else:
            kind = "acceptance_due"
            text_ = f"应于{fmt(due)}前决定是否受理（收到申请之日起3个工作日）"
        alerts.append(Alert(case_id, case_no, kind, due, left, text_))
    # 办案规则 Art. 74: the joint application for arbitration review within 15 days of signing.
    for case_id, case_no, signed_on in session.execute(
        select(DisputeCase.id, DisputeCase.case_no, MediationAgreement.signed_on)
        .join(MediationAgreement, MediationAgreement.case_id == DisputeCase.id)
        .where(
            DisputeCase.deleted.is_(False),
            DisputeCase.status.in_([s.value for s in AGREED]),
            DisputeCase.review_applied_on.is_(None),
            DisputeCase.court_confirmation_on.is_(None),
            MediationAgreement.deleted.is_(False),
            MediationAgreement.status == AgreementStatus.SIGNED.value,
            MediationAgreement.signed_on >= today - timedelta(days=REVIEW_DAYS),
        )
    ):
        due = review_deadline(signed_on)
        left = (due - today).days
        if 0 <= left <= MEDIATION_WARN_DAYS:
            alerts.append(
                Alert(
                    case_id,
                    case_no,
                    "review_due",
                    due,
                    left,
                    f"双方如需申请仲裁审查确认，应于{fmt(due)}前共同向仲裁委员会提出"
                    "（办案规则第七十四条）；已申请或申请司法确认的，请在案件页登记",
                )
            )
    for r in _term_rows(
        session,
        DisputeCase.status.in_([s.value for s in AGREED]),
        today + timedelta(days=TERM_WARN_DAYS + 1),
    ):
        due = date.fromisoformat(r.due) if isinstance(r.due, str) else r.due
        left = (due - today).days
        what = term_item_name(r.item) if r.kind == TermKind.PAYMENT else r.description
        if r.kind == TermKind.PAYMENT and r.amount is not None:
            what += f"{r.amount - _yuan(r.paid):.2f}元"
        if left < 0:
            route = default_route(r.art16, _payer_is_employer(r)).label
            message = f"第{r.seq}项（{what}）已逾期{-left}天未履行：{route}"
            kind = "term_overdue"
        else:
            message = f"第{r.seq}项（{what}）将于{fmt(due)}到期" + ("（今天）" if left == 0 else "")
            kind = "term_due_soon"
        alerts.append(Alert(r[0], r.case_no, kind, due, left, message))
    # Issue 13 point 5: a follow-up (回访) after each due date.
    from app.cases.followup import followup_alerts

    alerts += followup_alerts(session, today, Alert)
    alerts.sort(key=lambda a: (a.days_left, a.case_no))
    return alerts


# ---------------------------------------------------------------- timeline


@dataclass(frozen=True)
class TimelineEvent:
    when: date
    at: datetime | None
    title: str
    detail: str = ""
    #: True for a deadline still ahead (shown apart from what happened)
    upcoming: bool = False


def _local_date(at: datetime) -> date:
    return at.astimezone().date()


def case_timeline(detail: CaseDetail, today: date) -> list[TimelineEvent]:
    """What happened on a case, in order, followed by the deadlines still ahead."""
    ev: list[TimelineEvent] = []
    how = "口头申请（当场记录）" if detail.oral_application else "书面申请"
    ev.append(
        TimelineEvent(
            detail.received_on,
            None,
            "收到调解申请",
            f"{detail.channel_name}，{how}"
            + (f"，转办编号{detail.intake_ref}" if detail.intake_ref else ""),
        )
    )
    ev.append(
        TimelineEvent(
            _local_date(detail.registered_at), detail.registered_at, "登记立案", detail.case_no
        )
    )
    if detail.accepted_on:
        ev.append(TimelineEvent(detail.accepted_on, None, "受理"))
    if detail.status == CaseStatus.DECLINED or detail.declined_reason:
        ev.append(
            TimelineEvent(
                detail.outcome_on or detail.received_on,
                None,
                "不予受理",
                detail.declined_reason or "",
            )
        )
    if detail.mediation_started_on:
        ev.append(TimelineEvent(detail.mediation_started_on, None, "开始调解"))
    for line in (detail.extension_note or "").splitlines():
        day, _, rest = line.partition(" ")
        try:
            ev.append(TimelineEvent(date.fromisoformat(day), None, "延长调解期限", rest))
        except ValueError:
            continue
    for m in detail.sessions:
        ev.append(
            TimelineEvent(
                _local_date(m.held_at),
                m.held_at,
                f"第{m.session_no}次调解",
                "；".join(x for x in (m.place, m.outcome) if x),
            )
        )
    for a in detail.agreements:
        if a.status == AgreementStatus.DRAFT:
            ev.append(
                TimelineEvent(
                    _local_date(a.created_at),
                    a.created_at,
                    f"调解协议书第{a.version_no}版草稿",
                    a.change_reason or "",
                )
            )
        if a.signed_on:
            state = "（已被新版本取代）" if a.status == AgreementStatus.SUPERSEDED else ""
            ev.append(
                TimelineEvent(
                    a.signed_on,
                    None,
                    f"调解协议书第{a.version_no}版签署{state}",
                    f"协议金额合计{a.total:.2f}元，履行期限{fmt(a.performance_deadline)}"
                    + (f"；变更原因：{a.change_reason}" if a.change_reason else ""),
                )
            )
        for t in a.terms:
            for p in t.payments:
                what = f"{p.amount:.2f}元" if p.amount is not None else "已履行"
                ev.append(
                    TimelineEvent(
                        p.performed_on,
                        None,
                        f"履行第{t.seq}项",
                        "，".join(x for x in (what, p.method, p.note) if x),
                    )
                )
    if detail.status == CaseStatus.FAILED and detail.outcome_on:
        reason = detail.failure_reason.label if detail.failure_reason else ""
        ev.append(
            TimelineEvent(
                detail.outcome_on,
                None,
                "调解终止（调解不成）",
                "，".join(x for x in (reason, detail.outcome_note) if x),
            )
        )
    if detail.status == CaseStatus.WITHDRAWN and detail.outcome_on:
        ev.append(
            TimelineEvent(detail.outcome_on, None, "申请人撤回调解申请", detail.outcome_note or "")
        )
    if detail.closed_on:
        ev.append(TimelineEvent(detail.closed_on, None, "结案"))
    if detail.archived_on:
        ev.append(TimelineEvent(detail.archived_on, None, "归档", detail.archive_no or ""))
    for att in detail.attachments:
        ev.append(
            TimelineEvent(_local_date(att.created_at), att.created_at, "附加文件", att.filename)
        )
    ev.sort(key=lambda e: (e.when, e.at.timestamp() if e.at else 0))
    # Deadlines still ahead.
    if detail.status in ACTIVE:
        clock = detail.clock
        ev.append(
            TimelineEvent(clock.end, None, "调解期限届满", clock.describe(today), upcoming=True)
        )
    for t, st in detail.open_terms(today):
        current = detail.current_agreement
        due = t.due_on or (current.performance_deadline if current else None)
        if due is None:
            continue
        what = (
            f"{term_item_name(t.item)}{st.outstanding:.2f}元"
            if st.outstanding is not None
            else t.description
        )
        ev.append(
            TimelineEvent(
                due, None, f"第{t.seq}项履行期限", f"{what}（{st.state.label}）", upcoming=True
            )
        )
    limit = detail.arbitration_limit()
    if detail.status in (CaseStatus.FAILED, CaseStatus.WITHDRAWN, *ACTIVE) and limit.deadline:
        ev.append(
            TimelineEvent(limit.deadline, None, "申请仲裁时效届满", limit.basis, upcoming=True)
        )
    return ev
