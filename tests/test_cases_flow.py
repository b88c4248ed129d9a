"""A case through the store: transitions, extension, sessions, performance, the workbench queries,
the case list (filters, search, paging), the timeline and attachments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from app.cases import attachments, performance, search_index, sessions, workflow
from app.cases.detail import load_case
from app.cases.errors import FormInvalid, WorkflowRefused
from app.cases.queries import (
    CaseFilter,
    case_timeline,
    count_cases,
    deadline_alerts,
    list_cases,
    overdue_terms,
)
from app.domain.enums import CaseStatus, FailureReason, Role
from app.store.errors import ValidationError
from app.store.models import Enterprise, Person
from app.store.store import Store
from tests.cases_support import (
    RECEIVED,
    SIGNED_ON,
    EnterpriseChoice,
    EnterpriseInput,
    credit_code,
    in_mediation,
    noon,
    register,
    signed,
    worker,
)
from tests.conftest import ADMIN_PASSWORD

S = CaseStatus


def status_of(store, case_id) -> CaseStatus:
    with store.read() as s:
        return load_case(s, case_id).status


def test_store_refuses_a_transition_with_the_reason_and_changes_nothing(store):
    case = register(store)
    with pytest.raises(WorkflowRefused, match="不能转为“达成协议”"):
        workflow.change_status(store, case.case_id, S.AGREEMENT_REACHED, today=RECEIVED)
    with pytest.raises(WorkflowRefused, match="须写明理由"):
        workflow.change_status(store, case.case_id, S.DECLINED, today=RECEIVED)
    assert status_of(store, case.case_id) == S.REGISTERED


def test_decline_close_archive(store):
    case = register(store)
    workflow.change_status(
        store,
        case.case_id,
        S.DECLINED,
        reason="已进入仲裁程序",
        decline_category="pending_elsewhere",
        today=RECEIVED,
    )
    workflow.change_status(store, case.case_id, S.CLOSED, today=date(2026, 3, 3))
    with pytest.raises(WorkflowRefused, match="档案号"):
        workflow.change_status(store, case.case_id, S.ARCHIVED, today=date(2026, 3, 3))
    workflow.change_status(
        store, case.case_id, S.ARCHIVED, archive_no="2026-调-0001", today=date(2026, 3, 3)
    )
    with store.read() as s:
        d = load_case(s, case.case_id)
    assert (d.status, d.declined_reason, d.closed_on, d.archive_no) == (
        S.ARCHIVED,
        "已进入仲裁程序",
        date(2026, 3, 3),
        "2026-调-0001",
    )


def test_the_first_session_starts_mediation_and_the_time_can_run_out(store):
    case_id = in_mediation(store)
    with store.read() as s:
        d = load_case(s, case_id)
    assert d.status == S.IN_MEDIATION and d.mediation_started_on == date(2026, 3, 4)
    assert d.sessions[0].session_no == 1
    with pytest.raises(WorkflowRefused, match="尚未届满"):
        workflow.change_status(
            store,
            case_id,
            S.FAILED,
            failure_reason=FailureReason.TIME_RAN_OUT,
            on=date(2026, 3, 10),
            today=date(2026, 3, 10),
        )
    workflow.change_status(
        store,
        case_id,
        S.FAILED,
        failure_reason=FailureReason.TIME_RAN_OUT,
        reason="被申请人未到场",
        on=date(2026, 3, 18),
        today=date(2026, 3, 18),
    )
    assert status_of(store, case_id) == S.FAILED


def test_session_input_is_checked(store):
    case = register(store)
    with pytest.raises(WorkflowRefused, match="不能记录调解笔录"):
        sessions.add_session(store, case.case_id, sessions.SessionInput(), today=RECEIVED)
    workflow.change_status(store, case.case_id, S.ACCEPTED, today=RECEIVED)
    with pytest.raises(FormInvalid) as caught:
        sessions.add_session(
            store,
            case.case_id,
            sessions.SessionInput(held_at=noon(date(2026, 3, 9))),
            today=RECEIVED,
            now=noon(RECEIVED),
        )
    problems = caught.value.by_key()
    assert {"held_at", "place", "mediators", "attendees", "record"} <= set(problems)
    assert "不能晚于现在" in problems["held_at"]


def test_extension_needs_both_parties_consent(store):
    case_id = in_mediation(store)
    with pytest.raises(WorkflowRefused, match="双方当事人同意"):
        workflow.extend_mediation(store, case_id, date(2026, 3, 31), "", today=date(2026, 3, 16))
    workflow.extend_mediation(
        store, case_id, date(2026, 3, 31), "双方于3月16日签字同意", today=date(2026, 3, 16)
    )
    with store.read() as s:
        d = load_case(s, case_id)
        assert d.extended_until == date(2026, 3, 31) and "双方于3月16日签字同意" in d.extension_note
        # Past day 15 but inside the extension: not overdue.
        assert not list_cases(s, CaseFilter(overdue=True), today=date(2026, 3, 20)).rows
        assert list_cases(s, CaseFilter(overdue=True), today=date(2026, 4, 1)).rows[0].id == case_id


def test_performance_partial_full_overpaid_and_overdue(store):
    case_id, _ = signed(store)
    with store.read() as s:
        terms = load_case(s, case_id).current_agreement.terms
    wages, compensation, certificate = terms
    workflow.change_status(store, case_id, S.PERFORMING, on=SIGNED_ON, today=SIGNED_ON)
    performance.record_performance(
        store,
        wages.id,
        performance.PerformanceInput(date(2026, 3, 15), "3000", "银行转账"),
        today=date(2026, 3, 15),
    )
    with pytest.raises(FormInvalid, match=r"超过尚未支付的金额5000\.00元"):
        performance.record_performance(
            store,
            wages.id,
            performance.PerformanceInput(date(2026, 3, 16), "5000.01"),
            today=date(2026, 3, 16),
        )
    with pytest.raises(FormInvalid, match="不能早于协议签署日期"):
        performance.record_performance(
            store,
            wages.id,
            performance.PerformanceInput(date(2026, 3, 1), "1"),
            today=date(2026, 3, 16),
        )
    performance.record_performance(
        store,
        certificate.id,
        performance.PerformanceInput(date(2026, 3, 9), note="已出具证明"),
        today=date(2026, 3, 9),
    )
    with store.read() as s:
        overdue = overdue_terms(s, date(2026, 3, 25))
        alerts = deadline_alerts(s, date(2026, 3, 25))
        assert (
            list_cases(s, CaseFilter(overdue=True), today=date(2026, 3, 25)).rows[0].id == case_id
        )
    assert [(t.seq, t.outstanding, t.days_overdue, t.art16) for t in overdue] == [
        (1, Decimal("5000.00"), 5, True)
    ]
    assert "支付令" in overdue[0].route
    kinds = {(a.kind, a.message.split("（")[0]) for a in alerts}
    assert ("term_overdue", "第1项") in kinds
    # Closing refuses while a term is still running, then needs a note once all are overdue.
    with pytest.raises(WorkflowRefused, match="未到履行期限"):
        workflow.change_status(store, case_id, S.CLOSED, today=date(2026, 3, 25))
    performance.record_performance(
        store,
        compensation.id,
        performance.PerformanceInput(date(2026, 4, 8), "4000.50"),
        today=date(2026, 4, 8),
    )
    with pytest.raises(WorkflowRefused, match="须写明处理情况"):
        workflow.change_status(store, case_id, S.CLOSED, today=date(2026, 4, 20))
    workflow.change_status(
        store, case_id, S.CLOSED, reason="已告知申请人可持协议书申请支付令", today=date(2026, 4, 20)
    )
    with store.read() as s:
        d = load_case(s, case_id)
        assert overdue_terms(s, date(2026, 4, 20))[0].paid == Decimal("3000.00")
    assert d.status == S.CLOSED and "支付令" in d.outcome_note


def test_alerts_warn_before_the_fifteen_days_run_out(store):
    case_id = in_mediation(store)
    with store.read() as s:
        assert deadline_alerts(s, date(2026, 3, 13)) == []
        (soon,) = deadline_alerts(s, date(2026, 3, 14))
        (late,) = deadline_alerts(s, date(2026, 3, 19))
    assert soon.kind == "mediation_due_soon" and soon.days_left == 3 and soon.case_id == case_id
    assert late.kind == "mediation_expired" and "申请仲裁" in late.message


# ---------------------------------------------------------------- list, filters, search


@pytest.fixture
def several(store):
    """Five cases of different kinds; returns their ids by name."""
    a = register(store)
    employer = EnterpriseChoice(enterprise_id=load_employer(store, a.case_id))
    b = register(
        store,
        workers=[worker("欧阳娜娜", seq=41, male=False)],
        respondent=employer,
        claims=[
            __import__("app.cases.intake", fromlist=["ClaimInput"]).ClaimInput("social_insurance")
        ],
    )
    c = register(
        store,
        workers=[
            worker(f"农民工{'甲乙丙丁戊己庚辛壬癸'[i]}", seq=50 + i, is_representative=i == 0)
            for i in range(10)
        ],
        respondent=EnterpriseChoice(
            new=EnterpriseInput(name="福州恒信劳务有限公司", credit_code=credit_code("MA2HENGX1"))
        ),
        is_migrant_worker=True,
        received_on=date(2026, 2, 20),
    )
    d = register(store, workers=[worker("王伟", seq=61)], respondent=employer)
    workflow.change_status(store, d.case_id, S.ACCEPTED, today=RECEIVED)
    return {"a": a, "b": b, "c": c, "d": d}


def load_employer(store, case_id):
    with store.read() as s:
        return load_case(s, case_id).respondent_id


def ids(page) -> list[str]:
    return [r.id for r in page.rows]


def test_filters(store, several):
    a, b, c, d = (several[k].case_id for k in "abcd")
    with store.read() as s:

        def q(**kw):
            return ids(list_cases(s, CaseFilter(**kw), today=RECEIVED))

        assert q() == [d, c, b, a]  # newest registration first
        assert q(statuses=(S.ACCEPTED,)) == [d]
        assert q(dispute_type="social_insurance") == [b]
        assert q(collective=True) == [c] and q(migrant=True) == [c]
        assert q(received_from=date(2026, 3, 1)) == [d, b, a]
        assert q(received_to=date(2026, 2, 28)) == [c]
        assert q(mediator_id=store.user.id) == [d, c, b, a]
        assert q(mediator_id="someone-else") == []
        # c was received on 20 Feb: its 15 days ended on 7 March.
        assert ids(list_cases(s, CaseFilter(overdue=True), today=date(2026, 3, 8))) == [c]
        assert count_cases(s, CaseFilter(collective=True)) == 1
        rows = list_cases(s, CaseFilter(collective=True), today=RECEIVED).rows
    row = rows[0]
    assert row.applicants == "农民工甲、农民工乙等10人"
    assert row.applicant_id_masked.startswith("350102") and "*" in row.applicant_id_masked
    assert row.respondent == "福州恒信劳务有限公司" and row.deadline == date(2026, 3, 7)


def test_search_by_name_id_number_case_number_and_enterprise(store, several):
    a, b, c, d = (several[k].case_id for k in "abcd")
    with store.read() as s:

        def find(text, **kw):
            return ids(list_cases(s, CaseFilter(text=text, **kw), today=RECEIVED))

        assert find("王伟") == [d]  # a two-character name
        assert find("欧阳") == [b] and find("娜娜") == [b]
        assert find("农民工丙") == [c]
        assert find(worker(seq=41, male=False).id_number[-8:]) == [b]  # part of an ID number
        assert find("0003号") == [c]
        assert find("（２０２６）鼓楼鼓东劳调字第０００２号") == [b]
        assert find("恒信劳务") == [c]
        assert set(find("闽江餐饮")) == {a, b, d}
        assert find("闽江 王伟") == [d]  # words narrow the search
        assert find("闽江", statuses=(S.REGISTERED,)) == [b, a]
        assert find("不存在的名字") == []
        assert find("！？") == []
        assert count_cases(s, CaseFilter(text="闽江")) == 3


def test_search_follows_renames_made_by_any_code_path(store, several):
    b = several["b"].case_id
    with store.unit_of_work() as s:  # the ORM
        person = s.scalar(select(Person).where(Person.name == "欧阳娜娜"))
        person.name = "欧阳琳"
    with store.unit_of_work() as s:  # a Core bulk update, as an importer would do
        s.execute(
            update(Enterprise)
            .where(Enterprise.name == "福州闽江餐饮管理有限公司")
            .values(name="福州闽都餐饮有限公司")
        )
    with store.read() as s:
        assert ids(list_cases(s, CaseFilter(text="欧阳琳"))) == [b]
        assert ids(list_cases(s, CaseFilter(text="欧阳娜娜"))) == []
        assert len(ids(list_cases(s, CaseFilter(text="闽都餐饮")))) == 3
    # refresh_stale brings the index up to date for writes that bypassed the commit hook.
    from sqlalchemy.orm import Session

    from app.store.engine import writer

    with Session(writer(store.engine)) as raw, raw.begin():
        raw.execute(update(Person).where(Person.name == "王伟").values(name="王维"))
        raw.info["read_only"] = True  # the hook skips it: like a writer that never imported it
    assert search_index.refresh_stale(store) == 1
    with store.read() as s:
        assert ids(list_cases(s, CaseFilter(text="王维"))) == [several["d"].case_id]


def test_paging_walks_every_case_once(store):
    first = register(store)
    employer = EnterpriseChoice(enterprise_id=load_employer(store, first.case_id))
    for i in range(6):
        register(store, workers=[worker(f"李{'一二三四五六'[i]}", seq=70 + i)], respondent=employer)
    for f in (CaseFilter(), CaseFilter(text="闽江")):
        seen, after = [], None
        with store.read() as s:
            while True:
                page = list_cases(s, f, today=RECEIVED, after=after, limit=3)
                seen += ids(page)
                if page.cursor is None:
                    break
                after = page.cursor
        assert len(seen) == 7 and len(set(seen)) == 7


def test_timeline(store):
    case_id, _ = signed(store)
    with store.read() as s:
        d = load_case(s, case_id)
    events = case_timeline(d, date(2026, 3, 6))
    titles = [e.title for e in events if not e.upcoming]
    for expected in ("收到调解申请", "受理", "开始调解", "第1次调解", "调解协议书第1版签署"):
        assert expected in titles
    upcoming = [e for e in events if e.upcoming]
    assert [e.when for e in upcoming if e.title.startswith("第")] == [
        date(2026, 3, 20),
        date(2026, 4, 10),
        date(2026, 3, 10),
    ]


# ---------------------------------------------------------------- attachments


def test_scanned_agreement_is_stored_encrypted_and_read_back(store, data_dir):
    case_id, agreement_id = signed(store)
    scan = b"%PDF-1.4\n" + b"signed-agreement-scan-marker " * 200
    att = attachments.attach(
        store, "mediation_agreement", agreement_id, "协议书扫描件.pdf", scan, "双方签字盖章件"
    )
    loaded = attachments.load(store, att)
    assert loaded.content == scan and loaded.mime_type == "application/pdf"
    with store.read() as s:
        assert [a.filename for a in load_case(s, case_id).attachments] == ["协议书扫描件.pdf"]
    store.close()
    raw = b"".join(p.read_bytes() for p in data_dir.iterdir() if p.name.startswith("station.db"))
    assert b"signed-agreement-scan-marker" not in raw


def test_attachments_refuse_what_is_not_a_scan(store):
    case = register(store)
    with pytest.raises(ValidationError, match="类型不支持"):
        attachments.attach(store, "dispute_case", case.case_id, "notes.txt", b"hello")
    with pytest.raises(ValidationError, match="内容不是照片或 PDF"):
        attachments.attach(store, "dispute_case", case.case_id, "renamed.pdf", b"hello")
    with pytest.raises(ValidationError, match="空文件"):
        attachments.attach(store, "dispute_case", case.case_id, "empty.pdf", b"")


def test_read_only_user_cannot_record_performance(store, data_dir):
    from app.store.errors import PermissionDenied

    case_id, _ = signed(store)
    with store.read() as s:
        term = load_case(s, case_id).current_agreement.terms[0]
    store.add_user("viewer", "督查", Role.READ_ONLY, ADMIN_PASSWORD)
    with Store.open(data_dir, "viewer", ADMIN_PASSWORD) as viewer, pytest.raises(PermissionDenied):
        performance.record_performance(
            viewer, term.id, performance.PerformanceInput(date(2026, 3, 6), "1")
        )


def test_intake_details_can_be_corrected_while_the_case_is_open(store):
    from app.cases.intake import ClaimInput

    case_id = in_mediation(store)
    workflow.update_details(
        store,
        case_id,
        facts="更正后的事实",
        requests=None,
        claims=[
            ClaimInput("wages", "15000"),
            ClaimInput("overtime", "2000"),
            ClaimInput("rest_leave"),
        ],
        mediator_id=None,
        co_mediators="王协办",
        is_migrant_worker=True,
        employment_ended_on=date(2026, 2, 28),
        infringement_known_on=date(2026, 2, 1),
        today=date(2026, 3, 5),
    )
    with store.read() as s:
        d = load_case(s, case_id)
    assert d.facts == "更正后的事实" and d.is_migrant_worker and d.co_mediators == "王协办"
    assert [(c.dispute_type, c.amount) for c in d.claims] == [
        ("wages", Decimal("15000.00")),
        ("overtime", Decimal("2000.00")),
        ("rest_leave", None),
    ]
    with pytest.raises(FormInvalid, match="不能为空"):
        workflow.update_details(
            store,
            case_id,
            facts=" ",
            requests=None,
            claims=[],
            mediator_id=None,
            co_mediators=None,
            is_migrant_worker=False,
            employment_ended_on=None,
            infringement_known_on=None,
        )
    workflow.change_status(store, case_id, S.WITHDRAWN, today=date(2026, 3, 6))
    with pytest.raises(WorkflowRefused, match="登记信息不能再修改"):
        workflow.update_details(
            store,
            case_id,
            facts="x",
            requests=None,
            claims=[],
            mediator_id=None,
            co_mediators=None,
            is_migrant_worker=False,
            employment_ended_on=None,
            infringement_known_on=None,
        )


def test_a_term_the_general_contractor_pays_goes_to_arbitration(store):
    """Art. 16 names the employer; the general contractor paying first (migrant-wages regulation
    Art. 30) is not the employer, so its missed term is sent to arbitration, not a payment order."""
    from app.cases import agreements
    from tests.cases_support import agreement_input

    case_id = in_mediation(
        store,
        is_construction=True,
        project_name="鼓楼区某安置房项目",
        general_contractor=EnterpriseChoice(
            new=EnterpriseInput(
                name="福建八闽建设工程有限公司", credit_code=credit_code("MA2BAM1N0")
            )
        ),
    )
    with store.read() as s:
        d = load_case(s, case_id)
    contractor = next(p.enterprise_id for p in d.respondents if p.enterprise_id != d.respondent_id)
    data = agreement_input()
    data.terms[0].payer_enterprise_id = contractor
    draft = agreements.save_draft(store, case_id, data)
    agreements.sign(store, draft, signed_on=SIGNED_ON, today=SIGNED_ON)
    with store.read() as s:
        routes = {t.seq: t.route for t in overdue_terms(s, date(2026, 4, 20))}
    assert "仲裁" in routes[1] and "支付令" not in routes[1]
    assert "支付令" in routes[2]


def test_a_wage_case_raises_the_respondents_risk_at_once(store):
    from app.domain.enums import CaseStatus, RiskLevel
    from app.store.models import DisputeCase, Enterprise

    case = register(store)
    with store.read() as s:
        enterprise_id = s.get(DisputeCase, case.case_id).respondent_id
        assert s.get(Enterprise, enterprise_id).risk_level == RiskLevel.MEDIUM  # unpaid wages
    workflow.change_status(
        store, case.case_id, CaseStatus.WITHDRAWN, reason="申请人撤回", today=RECEIVED
    )
    with store.read() as s:
        assert s.get(Enterprise, enterprise_id).risk_level == RiskLevel.NONE
