"""Recording enterprise visits: the checklist, the problems found, follow-ups and photos.

:func:`record_visit` writes a visit in one transaction: the visit with its checklist and risk
indicators, one ledger item (:class:`Finding`) per problem with its deadline and the responsible
person at the enterprise, the outcome of earlier ledger items checked on a follow-up visit, the
photos (inside the encrypted store) and the enterprise's recomputed risk level. Either all of it
is stored or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.domain import reference
from app.domain.dates import iso_date
from app.domain.enums import CreditNoteKind, FindingStatus, RiskLevel
from app.domain.validators import check_phone
from app.domain.visits import (
    CHECKLIST,
    CHECKLIST_BY_CODE,
    CheckStatus,
    RiskIndicator,
    VisitKind,
    category_label,
    check_transition,
)
from app.store.attachments import NewAttachment, add_attachment, check_attachment, list_attachments
from app.store.errors import NotFound
from app.store.models import (
    Attachment,
    CreditNote,
    Enterprise,
    EnterpriseVisit,
    Finding,
    FindingUpdate,
)
from app.store.store import Store
from app.visits.problems import Problem, raise_if
from app.visits.risk import recompute_risk

VISIT_ENTITY = EnterpriseVisit.entity_name()


@dataclass
class CheckEntry:
    status: CheckStatus
    note: str = ""


@dataclass
class NewFinding:
    category: str
    description: str
    deadline: date | None
    responsible_person: str
    legal_basis: str | None = None


@dataclass
class FollowUpResult:
    """What a follow-up visit found about an earlier ledger item."""

    finding_id: str
    status: FindingStatus
    note: str = ""
    new_deadline: date | None = None
    #: also record a 失信 credit note (for an escalation of unpaid wages, say)
    mark_untrustworthy: bool = False


@dataclass
class VisitInput:
    enterprise_id: str | None
    visited_on: date
    kind: VisitKind = VisitKind.VISIT
    visitors: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    checklist: dict[str, CheckEntry] = field(default_factory=dict)
    findings: list[NewFinding] = field(default_factory=list)
    #: None: the risk was not assessed on this visit
    risk_indicators: set[RiskIndicator] | None = None
    notes: str = ""
    follow_up_of_id: str | None = None
    follow_ups: list[FollowUpResult] = field(default_factory=list)
    attachments: list[NewAttachment] = field(default_factory=list)


# ---------------------------------------------------------------------- validation


def _follow_up_problems(
    session: Session, data: VisitInput, enterprise_id: str, today: date
) -> list[Problem]:
    problems: list[Problem] = []
    if data.follow_up_of_id:
        earlier = session.get(EnterpriseVisit, data.follow_up_of_id)
        if earlier is None or earlier.deleted or earlier.enterprise_id != enterprise_id:
            problems.append(Problem("follow_up_of", "回访对象", "所选的上次走访不属于该企业"))
        elif earlier.visited_on > data.visited_on:
            problems.append(Problem("follow_up_of", "回访对象", "回访日期不能早于被回访的走访日期"))
    for result in data.follow_ups:
        key = f"follow_up:{result.finding_id}"
        row = session.execute(
            select(Finding, EnterpriseVisit.visited_on)
            .outerjoin(EnterpriseVisit, EnterpriseVisit.id == Finding.visit_id)
            .where(Finding.id == result.finding_id)
        ).first()
        if row is None or row[0].deleted or row[0].enterprise_id != enterprise_id:
            problems.append(Problem(key, "整改复查", "该问题不属于所选企业"))
            continue
        finding, found_on = row
        found_on = found_on or finding.created_at.date()
        for message in check_transition(
            finding.status,
            result.status,
            on=data.visited_on,
            note=result.note,
            found_on=found_on,
            today=today,
            new_deadline=result.new_deadline,
        ):
            problems.append(
                Problem(key, f"整改复查（{category_label(finding.category)}）", message)
            )
    return problems


def validate_visit(session: Session, data: VisitInput, today: date) -> list[Problem]:
    """Every problem of the form at once (empty: it can be saved)."""
    problems: list[Problem] = []
    enterprise = session.get(Enterprise, data.enterprise_id) if data.enterprise_id else None
    if enterprise is None or enterprise.deleted:
        problems.append(Problem("enterprise", "走访企业", "请选择走访的企业"))
    if data.visited_on > today:
        problems.append(Problem("visited_on", "走访日期", "不能晚于今天"))
    if not data.visitors.strip():
        problems.append(Problem("visitors", "走访人员", "请填写参加走访的工作人员"))
    if data.contact_phone.strip() and not check_phone(data.contact_phone).ok:
        problems.append(
            Problem("contact_phone", "联系电话", check_phone(data.contact_phone).message)
        )
    for code in data.checklist:
        if code not in CHECKLIST_BY_CODE:
            problems.append(Problem(f"check:{code}", "检查项目", f"未知的检查项目 {code}"))
    if not any(e.status for e in data.checklist.values()) and not data.follow_ups:
        problems.append(Problem("checklist", "检查情况", "请至少填写一项检查结果"))

    with_finding = {f.category for f in data.findings}
    for item in CHECKLIST:
        entry = data.checklist.get(item.code)
        if entry and entry.status == CheckStatus.PROBLEM and item.code not in with_finding:
            problems.append(
                Problem(f"check:{item.code}", item.label, "标记为存在问题的，请填写问题描述")
            )
    for finding in data.findings:
        label = category_label(finding.category)
        key = f"finding:{finding.category}"
        entry = data.checklist.get(finding.category)
        if finding.category not in CHECKLIST_BY_CODE:
            problems.append(Problem(key, "问题", f"未知的检查项目 {finding.category}"))
            continue
        if entry is None or entry.status != CheckStatus.PROBLEM:
            problems.append(Problem(key, label, "有问题描述的检查项目应标记为“存在问题”"))
        if not finding.description.strip():
            problems.append(Problem(f"{key}:description", label, "请填写问题描述"))
        if finding.deadline is None:
            problems.append(Problem(f"{key}:deadline", label, "请填写整改期限"))
        elif finding.deadline < data.visited_on:
            problems.append(Problem(f"{key}:deadline", label, "整改期限不能早于走访日期"))
        if not finding.responsible_person.strip():
            problems.append(Problem(f"{key}:responsible", label, "请填写企业整改责任人"))

    if enterprise is not None:
        problems += _follow_up_problems(session, data, enterprise.id, today)
    for attachment in data.attachments:
        message = check_attachment(attachment.filename, attachment.content)
        if message:
            problems.append(Problem("attachments", "照片/附件", message))
    return problems


# ---------------------------------------------------------------------- writing


def _apply_follow_up(
    session: Session, finding: Finding, result: FollowUpResult, on: date, visit_id: str | None
) -> FindingUpdate:
    update = FindingUpdate(
        finding_id=finding.id,
        updated_on=on,
        status=result.status,
        note=(result.note or "").strip() or None,
        visit_id=visit_id,
    )
    session.add(update)
    if result.status != finding.status:
        finding.status = result.status
    if result.status == FindingStatus.RECTIFIED:
        finding.resolved_on = on
    elif finding.resolved_on is not None:
        finding.resolved_on = None
    if result.new_deadline is not None:
        finding.deadline = result.new_deadline
    if result.mark_untrustworthy:
        session.add(
            CreditNote(
                enterprise_id=finding.enterprise_id,
                kind=CreditNoteKind.UNTRUSTWORTHY,
                noted_on=on,
                reason=(
                    f"{category_label(finding.category)}问题"
                    f"{'移交劳动监察' if result.status == FindingStatus.ESCALATED else '未整改'}："
                    f"{(result.note or '').strip() or finding.description}"
                ),
                source_ref=f"finding:{finding.id}",
            )
        )
    return update


def record_visit(store: Store, data: VisitInput, today: date | None = None) -> str:
    """Store a visit with its findings, follow-ups and photos in one transaction; returns its id.

    Raises :class:`~app.visits.problems.InvalidInput` listing every problem; nothing is stored then.
    """
    today = today or date.today()
    with store.unit_of_work() as s:
        raise_if(validate_visit(s, data, today))
        phone = data.contact_phone.strip()
        visit = EnterpriseVisit(
            enterprise_id=data.enterprise_id,
            visited_on=data.visited_on,
            kind=VisitKind(data.kind).value,
            visitors=data.visitors.strip(),
            contact_name=data.contact_name.strip() or None,
            contact_phone=check_phone(phone).value if phone else None,
            checklist={
                code: {"status": CheckStatus(e.status).value, "note": e.note.strip()}
                for code, e in data.checklist.items()
                if e.status
            },
            risk_indicators=(
                None
                if data.risk_indicators is None
                else [i.value for i in RiskIndicator if i in data.risk_indicators]
            ),
            notes=data.notes.strip() or None,
            follow_up_of_id=data.follow_up_of_id,
        )
        s.add(visit)
        for new in data.findings:
            item = CHECKLIST_BY_CODE[new.category]
            finding = Finding(
                enterprise_id=data.enterprise_id,
                visit_id=visit.id,
                category=new.category,
                description=new.description.strip(),
                legal_basis=(new.legal_basis or item.legal_basis),
                deadline=new.deadline,
                responsible_person=new.responsible_person.strip(),
                status=FindingStatus.OPEN,
            )
            s.add(finding)
            s.add(
                FindingUpdate(
                    finding_id=finding.id,
                    updated_on=data.visited_on,
                    status=FindingStatus.OPEN,
                    note=f"{VisitKind(data.kind).label}发现问题，限期{iso_date(new.deadline)}前整改",
                    visit_id=visit.id,
                )
            )
        for result in data.follow_ups:
            finding = s.get(Finding, result.finding_id)
            _apply_follow_up(s, finding, result, data.visited_on, visit.id)
        for attachment in data.attachments:
            add_attachment(s, VISIT_ENTITY, visit.id, attachment)
        recompute_risk(s, data.enterprise_id, today)
        return visit.id


# ---------------------------------------------------------------------- reading


@dataclass
class EnterpriseBrief:
    id: str
    name: str
    credit_code: str | None
    street_code: str | None
    street_name: str
    above_scale: bool | None
    risk_level: RiskLevel


def _street_name(code: str | None) -> str:
    if not code:
        return ""
    try:
        return reference.station(code).name
    except KeyError:
        return code


def _brief(e: Enterprise) -> EnterpriseBrief:
    return EnterpriseBrief(
        e.id,
        e.name,
        e.credit_code,
        e.street_code,
        _street_name(e.street_code),
        e.above_scale,
        e.risk_level,
    )


def enterprise_brief(store: Store, enterprise_id: str) -> EnterpriseBrief:
    with store.read() as s:
        e = s.get(Enterprise, enterprise_id)
        if e is None or e.deleted:
            raise NotFound("企业不存在或已被删除")
        return _brief(e)


def search_enterprises(store: Store, text: str, limit: int = 30) -> list[EnterpriseBrief]:
    """Enterprises whose name, credit code or pinyin initials contain ``text``."""
    needle = text.strip()
    query = select(Enterprise).where(Enterprise.deleted.is_(False))
    if needle:
        like = f"%{needle}%"
        query = query.where(
            or_(
                Enterprise.name.like(like),
                Enterprise.credit_code.like(f"%{needle.upper()}%"),
                Enterprise.name_initials.like(f"%{needle.upper()}%"),
            )
        )
    with store.read() as s:
        rows = s.scalars(query.order_by(Enterprise.name).limit(limit)).all()
        return [_brief(e) for e in rows]


@dataclass
class VisitRow:
    id: str
    visited_on: date
    kind: VisitKind
    enterprise_id: str
    enterprise_name: str
    street_name: str
    visitors: str
    problem_count: int
    indicators: list[RiskIndicator]
    follow_up_of_id: str | None


@dataclass
class VisitFilter:
    text: str = ""
    enterprise_id: str | None = None
    street_code: str | None = None
    kind: VisitKind | None = None
    date_from: date | None = None
    date_to: date | None = None


def _visit_query(flt: VisitFilter):
    q = (
        select(EnterpriseVisit, Enterprise.name, Enterprise.street_code)
        .join(Enterprise, Enterprise.id == EnterpriseVisit.enterprise_id)
        .where(EnterpriseVisit.deleted.is_(False))
    )
    if flt.text.strip():
        q = q.where(Enterprise.name.like(f"%{flt.text.strip()}%"))
    if flt.enterprise_id:
        q = q.where(EnterpriseVisit.enterprise_id == flt.enterprise_id)
    if flt.street_code:
        q = q.where(Enterprise.street_code == flt.street_code)
    if flt.kind:
        q = q.where(EnterpriseVisit.kind == VisitKind(flt.kind).value)
    if flt.date_from:
        q = q.where(EnterpriseVisit.visited_on >= flt.date_from)
    if flt.date_to:
        q = q.where(EnterpriseVisit.visited_on <= flt.date_to)
    return q


def count_visits(store: Store, flt: VisitFilter) -> int:
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(_visit_query(flt).subquery())) or 0


def list_visits(
    store: Store, flt: VisitFilter, offset: int = 0, limit: int = 200
) -> list[VisitRow]:
    q = _visit_query(flt).order_by(
        EnterpriseVisit.visited_on.desc(), EnterpriseVisit.created_at.desc()
    )
    with store.read() as s:
        rows = s.execute(q.offset(offset).limit(limit)).all()
        ids = [v.id for v, _n, _s in rows]
        counts = (
            dict(
                s.execute(
                    select(Finding.visit_id, func.count())
                    .where(Finding.visit_id.in_(ids), Finding.deleted.is_(False))
                    .group_by(Finding.visit_id)
                ).all()
            )
            if ids
            else {}
        )
        return [
            VisitRow(
                v.id,
                v.visited_on,
                VisitKind(v.kind),
                v.enterprise_id,
                name,
                _street_name(street),
                v.visitors or "",
                counts.get(v.id, 0),
                [
                    RiskIndicator(i)
                    for i in (v.risk_indicators or [])
                    if i in RiskIndicator._value2member_map_
                ],
                v.follow_up_of_id,
            )
            for v, name, street in rows
        ]


@dataclass
class FindingBrief:
    id: str
    category: str
    category_label: str
    description: str
    legal_basis: str | None
    deadline: date | None
    responsible_person: str | None
    status: FindingStatus
    found_on: date | None
    visit_id: str | None


@dataclass
class AttachmentBrief:
    id: str
    filename: str
    mime_type: str
    size: int


@dataclass
class VisitDetail:
    id: str
    enterprise: EnterpriseBrief
    visited_on: date
    kind: VisitKind
    visitors: str
    contact_name: str
    contact_phone: str
    checklist: dict[str, CheckEntry]
    risk_indicators: list[RiskIndicator] | None
    notes: str
    follow_up_of_id: str | None
    findings: list[FindingBrief]
    #: earlier ledger items whose status this visit recorded: (finding, status, note)
    follow_ups: list[tuple[FindingBrief, FindingStatus, str]]
    attachments: list[AttachmentBrief]


def _finding_brief(f: Finding, found_on: date | None) -> FindingBrief:
    return FindingBrief(
        f.id,
        f.category,
        category_label(f.category),
        f.description,
        f.legal_basis,
        f.deadline,
        f.responsible_person,
        f.status,
        found_on,
        f.visit_id,
    )


def get_visit(store: Store, visit_id: str) -> VisitDetail:
    with store.read() as s:
        v = s.get(EnterpriseVisit, visit_id)
        if v is None or v.deleted:
            raise NotFound("走访记录不存在或已被删除")
        e = s.get(Enterprise, v.enterprise_id)
        findings = s.scalars(
            select(Finding).where(Finding.visit_id == v.id, Finding.deleted.is_(False))
        ).all()
        follow_rows = s.execute(
            select(FindingUpdate, Finding, EnterpriseVisit.visited_on)
            .join(Finding, Finding.id == FindingUpdate.finding_id)
            .outerjoin(EnterpriseVisit, EnterpriseVisit.id == Finding.visit_id)
            .where(
                FindingUpdate.visit_id == v.id,
                FindingUpdate.deleted.is_(False),
                Finding.visit_id != v.id,
            )
        ).all()
        attachments = list_attachments(s, VISIT_ENTITY, v.id)
        return VisitDetail(
            v.id,
            _brief(e),
            v.visited_on,
            VisitKind(v.kind),
            v.visitors or "",
            v.contact_name or "",
            v.contact_phone or "",
            {
                code: CheckEntry(CheckStatus(entry.get("status")), entry.get("note") or "")
                for code, entry in (v.checklist or {}).items()
                if entry.get("status") in CheckStatus._value2member_map_
            },
            None
            if v.risk_indicators is None
            else [
                RiskIndicator(i) for i in v.risk_indicators if i in RiskIndicator._value2member_map_
            ],
            v.notes or "",
            v.follow_up_of_id,
            [_finding_brief(f, v.visited_on) for f in findings],
            [(_finding_brief(f, found), u.status, u.note or "") for u, f, found in follow_rows],
            [AttachmentBrief(a.id, a.filename, a.mime_type, a.size) for a in attachments],
        )


def open_findings(store: Store, enterprise_id: str) -> list[FindingBrief]:
    """Ledger items of an enterprise still to be checked on a follow-up (open, rectifying)."""
    with store.read() as s:
        rows = s.execute(
            select(Finding, EnterpriseVisit.visited_on)
            .outerjoin(EnterpriseVisit, EnterpriseVisit.id == Finding.visit_id)
            .where(
                Finding.enterprise_id == enterprise_id,
                Finding.deleted.is_(False),
                Finding.status.in_([FindingStatus.OPEN.value, FindingStatus.RECTIFYING.value]),
            )
            .order_by(Finding.deadline)
        ).all()
        return [_finding_brief(f, found) for f, found in rows]


def attachment_rows(store: Store, owner_entity: str, owner_id: str) -> list[AttachmentBrief]:
    with store.read() as s:
        return [
            AttachmentBrief(a.id, a.filename, a.mime_type, a.size)
            for a in list_attachments(s, owner_entity, owner_id)
        ]


__all__ = [
    "Attachment",
    "CheckEntry",
    "FollowUpResult",
    "NewAttachment",
    "NewFinding",
    "VisitInput",
    "get_visit",
    "list_visits",
    "record_visit",
]
