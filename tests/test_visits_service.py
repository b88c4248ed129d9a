"""Visits, the problem ledger, risk levels and credit notes against a real encrypted store."""

from datetime import date

import pytest
from sqlalchemy import func, select

from app.domain.enums import CaseStatus, CreditNoteKind, FindingStatus, RiskLevel, Role
from app.domain.visits import CheckStatus, RiskIndicator, VisitKind
from app.store.attachments import NewAttachment
from app.store.errors import Conflict, PermissionDenied
from app.store.models import (
    Attachment,
    AuditEvent,
    BlobChunk,
    CreditNote,
    Enterprise,
    EnterpriseVisit,
    Finding,
    FindingUpdate,
    OutboxEntry,
)
from app.store.store import Store
from app.visits import credit, ledger
from app.visits.ledger import OVERDUE, LedgerFilter
from app.visits.problems import InvalidInput
from app.visits.risk import enterprise_risk, recompute_all_risks
from app.visits.service import (
    CheckEntry,
    FollowUpResult,
    NewFinding,
    VisitFilter,
    VisitInput,
    get_visit,
    list_visits,
    open_findings,
    record_visit,
)
from tests import visits_factory as fx
from tests.conftest import ADMIN_PASSWORD

TODAY = date(2026, 10, 20)
PHOTO = b"\xff\xd8\xff\xe0" + b"JFIF-secret-photo-bytes-" * 200


@pytest.fixture
def firms(store):
    with store.unit_of_work() as s:
        a = fx.enterprise(s, "福州闽江软件有限公司", "GUDONG", above_scale=True)
        b = fx.enterprise(s, "福州三坊餐饮管理有限公司", "GUXI", above_scale=False)
    return a, b


def problem_visit(enterprise_id, **kw) -> VisitInput:
    base = dict(
        enterprise_id=enterprise_id,
        visited_on=date(2026, 9, 1),
        visitors="林站长、陈调解",
        contact_name="王经理",
        contact_phone="0591 87654321",
        checklist={
            "labor_contract": CheckEntry(CheckStatus.OK),
            "wage_payment": CheckEntry(CheckStatus.PROBLEM, "8月工资推迟发放"),
            "union": CheckEntry(CheckStatus.PROBLEM, "未建工会"),
            "publicity": CheckEntry(CheckStatus.OK, "发放宣传册20份"),
        },
        findings=[
            NewFinding("wage_payment", "8月工资推迟发放", date(2026, 9, 16), "王经理"),
            NewFinding("union", "职工60人未建工会", date(2026, 10, 31), "李主任"),
        ],
        risk_indicators={RiskIndicator.UNPAID_WAGES},
        attachments=[NewAttachment("现场.jpg", PHOTO)],
    )
    base.update(kw)
    return VisitInput(**base)


def count(store, model):
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_visit_with_findings_is_one_transaction(store, firms):
    a, _ = firms
    visit_id = record_visit(store, problem_visit(a.id), today=TODAY)
    detail = get_visit(store, visit_id)
    assert detail.contact_phone == "0591-87654321"
    assert detail.checklist["wage_payment"].status == CheckStatus.PROBLEM
    assert [f.category for f in detail.findings] == ["wage_payment", "union"]
    wage = next(f for f in detail.findings if f.category == "wage_payment")
    assert wage.legal_basis.startswith("《劳动法》第五十条")
    assert wage.responsible_person == "王经理" and wage.status == FindingStatus.OPEN
    assert [x.filename for x in detail.attachments] == ["现场.jpg"]
    assert detail.enterprise.risk_level == RiskLevel.MEDIUM
    with store.read() as s:
        # each finding starts its history; every synced row has its outbox entry
        assert s.scalar(select(func.count()).select_from(FindingUpdate)) == 2
        entities = set(s.scalars(select(OutboxEntry.entity)))
        assert {"enterprise_visit", "finding", "finding_update", "attachment"} <= entities
        assert s.scalar(select(BlobChunk.size)) == len(PHOTO)


def test_photo_is_stored_encrypted(store, firms, data_dir):
    record_visit(store, problem_visit(firms[0].id), today=TODAY)
    store.close()
    raw = b"".join(p.read_bytes() for p in data_dir.iterdir() if p.name.startswith("station.db"))
    assert b"JFIF-secret-photo-bytes" not in raw
    assert "福州闽江".encode() not in raw


def test_bad_visit_lists_every_problem_and_stores_nothing(store, firms):
    a, _ = firms
    data = problem_visit(
        a.id,
        visited_on=date(2026, 10, 21),
        visitors=" ",
        contact_phone="12345",
        findings=[NewFinding("union", "", date(2026, 10, 1), "")],
        attachments=[NewAttachment("合同.docx", b"x")],
    )
    with pytest.raises(InvalidInput) as info:
        record_visit(store, data, today=TODAY)
    keys = [p.key for p in info.value.problems]
    assert keys == [
        "visited_on", "visitors", "contact_phone", "check:wage_payment",
        "finding:union:description", "finding:union:deadline", "finding:union:responsible",
        "attachments",
    ]  # fmt: skip
    messages = [str(p) for p in info.value.problems]
    assert "工资按时足额支付：标记为存在问题的，请填写问题描述" in messages
    assert "联系电话：手机号码应为11位，实际为5位" in messages
    assert any("合同.docx" in m and "类型不支持" in m for m in messages)
    for model in (EnterpriseVisit, Finding, FindingUpdate, Attachment, BlobChunk):
        assert count(store, model) == 0
    with store.read() as s:
        assert s.get(Enterprise, a.id).risk_level == RiskLevel.NONE


def test_a_failure_inside_the_transaction_leaves_nothing(store, firms, monkeypatch):
    import app.visits.service as service

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "recompute_risk", boom)
    audit_before = count(store, AuditEvent)
    with pytest.raises(RuntimeError):
        record_visit(store, problem_visit(firms[0].id), today=TODAY)
    for model in (EnterpriseVisit, Finding, Attachment, BlobChunk):
        assert count(store, model) == 0
    assert count(store, AuditEvent) == audit_before


def test_follow_up_visit_updates_earlier_findings(store, firms):
    a, _ = firms
    first = record_visit(store, problem_visit(a.id), today=TODAY)
    open_items = {f.category: f for f in open_findings(store, a.id)}
    assert set(open_items) == {"wage_payment", "union"}
    follow = VisitInput(
        enterprise_id=a.id,
        visited_on=date(2026, 9, 20),
        kind=VisitKind.FOLLOW_UP,
        visitors="陈调解",
        checklist={"wage_payment": CheckEntry(CheckStatus.OK, "已补发")},
        risk_indicators=set(),
        follow_up_of_id=first,
        follow_ups=[
            FollowUpResult(open_items["wage_payment"].id, FindingStatus.RECTIFIED, "8月工资已补发"),
            FollowUpResult(
                open_items["union"].id,
                FindingStatus.RECTIFYING,
                "已向区总工会申请",
                date(2026, 11, 30),
            ),
        ],
    )
    second = record_visit(store, follow, today=TODAY)
    detail = get_visit(store, second)
    assert detail.follow_up_of_id == first
    assert {(f.category, status) for f, status, _ in detail.follow_ups} == {
        ("wage_payment", FindingStatus.RECTIFIED),
        ("union", FindingStatus.RECTIFYING),
    }
    wage = ledger.get_finding(store, open_items["wage_payment"].id, TODAY)
    assert wage.status == FindingStatus.RECTIFIED and wage.resolved_on == date(2026, 9, 20)
    union = ledger.get_finding(store, open_items["union"].id, TODAY)
    assert union.deadline == date(2026, 11, 30) and not union.overdue
    history = ledger.finding_history(store, open_items["wage_payment"].id)
    assert [(h.on, h.status) for h in history] == [
        (date(2026, 9, 1), FindingStatus.OPEN),
        (date(2026, 9, 20), FindingStatus.RECTIFIED),
    ]
    assert history[1].visit_id == second
    # the follow-up found no indicator and the wage item is rectified: no risk any more
    assert enterprise_risk(store, a.id, TODAY).level == RiskLevel.NONE
    rows = list_visits(store, VisitFilter(enterprise_id=a.id))
    assert [r.kind for r in rows] == [VisitKind.FOLLOW_UP, VisitKind.VISIT]
    assert [r.problem_count for r in rows] == [0, 2]


def test_follow_up_cannot_touch_another_enterprises_findings_or_bad_transitions(store, firms):
    a, b = firms
    record_visit(store, problem_visit(a.id), today=TODAY)
    wage = next(f for f in open_findings(store, a.id) if f.category == "wage_payment")
    other = VisitInput(
        enterprise_id=b.id,
        visited_on=date(2026, 9, 5),
        visitors="陈调解",
        checklist={"union": CheckEntry(CheckStatus.OK)},
        follow_ups=[FollowUpResult(wage.id, FindingStatus.RECTIFIED, "")],
    )
    with pytest.raises(InvalidInput, match="该问题不属于所选企业"):
        record_visit(store, other, today=TODAY)
    escalate_without_reason = VisitInput(
        enterprise_id=a.id,
        visited_on=date(2026, 9, 5),
        visitors="陈调解",
        follow_ups=[FollowUpResult(wage.id, FindingStatus.ESCALATED, "")],
    )
    with pytest.raises(InvalidInput, match="移交劳动监察时请填写移交原因"):
        record_visit(store, escalate_without_reason, today=TODAY)


def test_ledger_updates_history_conflicts_and_credit_note(store, firms):
    a, _ = firms
    record_visit(store, problem_visit(a.id), today=TODAY)
    row = next(
        r
        for r in ledger.list_findings(store, LedgerFilter(), TODAY)
        if r.category == "wage_payment"
    )
    assert row.overdue and row.days_overdue == (TODAY - date(2026, 9, 16)).days
    ledger.update_finding(
        store,
        row.id,
        FollowUpResult(row.id, FindingStatus.RECTIFYING, "企业承诺10月底前补发"),
        on=date(2026, 10, 10),
        today=TODAY,
        expected_version=row.version,
    )
    with pytest.raises(Conflict):
        ledger.update_finding(
            store,
            row.id,
            FollowUpResult(row.id, FindingStatus.RECTIFIED, ""),
            on=TODAY,
            today=TODAY,
            expected_version=row.version,
        )
    fresh = ledger.get_finding(store, row.id, TODAY)
    ledger.update_finding(
        store,
        row.id,
        FollowUpResult(row.id, FindingStatus.ESCALATED, "逾期仍未补发", mark_untrustworthy=True),
        on=TODAY,
        today=TODAY,
        expected_version=fresh.version,
    )
    after = ledger.get_finding(store, row.id, TODAY)
    assert after.status == FindingStatus.ESCALATED and not after.overdue
    assert [h.status for h in ledger.finding_history(store, row.id)] == [
        FindingStatus.OPEN,
        FindingStatus.RECTIFYING,
        FindingStatus.ESCALATED,
    ]
    notes = credit.list_credit_notes(store, a.id)
    assert [(n.kind, n.noted_on, n.source_ref) for n in notes] == [
        (CreditNoteKind.UNTRUSTWORTHY, TODAY, f"finding:{row.id}")
    ]
    assert "逾期仍未补发" in notes[0].reason
    with pytest.raises(InvalidInput, match="已移交劳动监察，不能再更新"):
        ledger.update_finding(
            store,
            row.id,
            FollowUpResult(row.id, FindingStatus.ESCALATED, "再次"),
            on=TODAY,
            today=TODAY,
        )


def test_ledger_filters(store, firms):
    a, b = firms
    record_visit(store, problem_visit(a.id), today=TODAY)
    record_visit(
        store,
        VisitInput(
            enterprise_id=b.id,
            visited_on=date(2026, 10, 15),
            visitors="陈调解",
            checklist={"social_insurance": CheckEntry(CheckStatus.PROBLEM)},
            findings=[NewFinding("social_insurance", "3人未参保", date(2026, 11, 15), "赵老板")],
        ),
        today=TODAY,
    )

    def cats(**kw):
        return sorted(r.category for r in ledger.list_findings(store, LedgerFilter(**kw), TODAY))

    assert cats() == ["social_insurance", "union", "wage_payment"]
    assert cats(street_code="GUXI") == ["social_insurance"]
    assert cats(enterprise_id=a.id) == ["union", "wage_payment"]
    assert cats(enterprise_text="三坊") == ["social_insurance"]
    assert cats(category="union") == ["union"]
    assert cats(state=OVERDUE) == ["wage_payment"]
    assert cats(state="open") == ["social_insurance", "union", "wage_payment"]
    assert cats(found_from=date(2026, 10, 1)) == ["social_insurance"]
    assert ledger.count_findings(store, LedgerFilter(state=OVERDUE), TODAY) == 1
    # overdue first
    assert ledger.list_findings(store, LedgerFilter(), TODAY)[0].category == "wage_payment"
    summary = ledger.ledger_summary(store, TODAY)
    assert (summary.open, summary.overdue, summary.active) == (3, 1, 3)


def test_risk_from_cases_and_daily_recompute(store, firms):
    _a, b = firms
    with store.unit_of_work() as s:
        fx.case(
            s,
            received=date(2026, 10, 1),
            status=CaseStatus.IN_MEDIATION,
            claims=[("wages", "12000")],
            respondent=s.get(Enterprise, b.id),
            collective=True,
            workers=12,
        )
    assert recompute_all_risks(store, TODAY) == 1
    with store.read() as s:
        assert s.get(Enterprise, b.id).risk_level == RiskLevel.HIGH
    # six months later the case no longer counts
    assert recompute_all_risks(store, date(2027, 4, 1)) == 1
    with store.read() as s:
        assert s.get(Enterprise, b.id).risk_level == RiskLevel.NONE
    assert recompute_all_risks(store, date(2027, 4, 1)) == 0


def test_credit_notes_rules(store, firms):
    a, _ = firms
    with pytest.raises(InvalidInput, match="信用修复需要在此之前有一条尚未修复的失信记录"):
        credit.add_credit_note(store, a.id, CreditNoteKind.REPAIRED, TODAY, "已补发", today=TODAY)
    credit.add_credit_note(
        store, a.id, CreditNoteKind.UNTRUSTWORTHY, date(2026, 5, 1), "拖欠工资", today=TODAY
    )
    credit.add_credit_note(
        store, a.id, CreditNoteKind.REPAIRED, date(2026, 8, 1), "已补发并公开承诺", today=TODAY
    )
    assert credit.standing(store, a.id) == CreditNoteKind.REPAIRED
    assert count(store, CreditNote) == 2


def test_read_only_user_cannot_record(store, firms, data_dir):
    store.add_user("viewer", "督查", Role.READ_ONLY, ADMIN_PASSWORD)
    with Store.open(data_dir, "viewer", ADMIN_PASSWORD) as viewer:
        with pytest.raises(PermissionDenied):
            record_visit(viewer, problem_visit(firms[0].id), today=TODAY)
        assert recompute_all_risks(viewer, TODAY) == 0
