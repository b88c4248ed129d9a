"""Issue 13: printed documents whose every statement is true and whose routes are right.

Each test reads the printed PDF's text (pypdf) and checks what a worker is told.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from app.cases import agreements, workflow
from app.cases.arbitration import DEFAULT_NAME, load_commission, save_commission
from app.cases.enterprises import EnterpriseInput
from app.cases.errors import FormInvalid, WorkflowRefused
from app.cases.intake import ClaimInput, EnterpriseChoice, employment_warnings
from app.documents.case_documents import DocumentUnavailable, render
from app.domain.enums import CaseStatus, FailureReason, PartyRole
from tests.cases_support import (
    RECEIVED,
    SIGNED_ON,
    agreement_input,
    credit_code,
    in_mediation,
    register,
    signed,
)
from tests.test_documents_cases import ctx_for, pdf_text

S = CaseStatus
WAGES = [ClaimInput("wages", "12000")]


def employer(n: int) -> EnterpriseChoice:
    """Another new employer (each case of a test may bring its own)."""
    return EnterpriseChoice(
        new=EnterpriseInput(
            name=f"福州第{n}号商贸有限公司",
            credit_code=credit_code(f"MA2XYB{n:03d}"),
            legal_rep="陈某",
            address="福州市鼓楼区杨桥中路1号",
        )
    )


ENDED = date(2026, 3, 6)


def fail(store, case_id, on=ENDED, reason=FailureReason.NO_AGREEMENT):
    workflow.change_status(
        store,
        case_id,
        S.FAILED,
        failure_reason=reason,
        reason="双方对金额分歧较大",
        on=on,
        today=on,
    )


# ---------------------------------------------------------------- point 1: status and Art. 27


def test_employment_status_is_required_and_an_end_needs_its_date(store):
    with pytest.raises(FormInvalid) as missing:
        register(store, employment_status=None)
    assert any(p.key == "employment_status" for p in missing.value.problems)
    with pytest.raises(FormInvalid) as no_date:
        register(store, employment_status="ended")
    assert any(p.key == "employment_ended_on" for p in no_date.value.problems)
    # "ongoing" with a stray end date keeps no date.
    case = register(
        store,
        employment_status="ongoing",
        employment_ended_on=date(2026, 2, 1),
        respondent=employer(4),
    )
    with store.read() as s:
        from app.cases.detail import load_case

        d = load_case(s, case.case_id)
    assert d.employment_status == "ongoing" and d.employment_ended_on is None


def test_a_compensation_claim_with_ongoing_employment_is_warned():
    assert employment_warnings("ongoing", ["wages", "compensation"])
    assert "经济补偿" in employment_warnings("ongoing", ["termination", "compensation"])[0]
    assert employment_warnings("ongoing", ["wages"]) == []
    assert employment_warnings("ended", ["compensation"]) == []
    assert employment_warnings(None, ["compensation"]) == []


def test_the_notice_quotes_art27_and_does_not_rule_on_the_limit(store):
    case_id = in_mediation(store, employment_status="ongoing")
    fail(store, case_id)
    text = pdf_text(render("termination", ctx_for(store, case_id)))
    # The rule, verbatim, the dates that matter and a suggested day; the commission decides.
    assert "不受本条第一款规定的仲裁时效期间的限制" in text
    assert "本委员会收到调解申请之日：2026年3月2日" in text
    assert "调解终止之日：2026年3月6日" in text
    assert "劳动关系存续（申请人陈述）" in text
    assert "本案登记为劳动关系存续" in text and "不受一年时效期间的限制" in text
    assert "由劳动人事争议仲裁委员会依法认定" in text
    for wrong in ("核算", "最迟至", "届满（"):
        assert wrong not in text, wrong
    assert DEFAULT_NAME in text


def test_no_exemption_is_printed_unless_ongoing_is_recorded(store):
    unknown = in_mediation(store, employment_status="unknown", claims=WAGES)
    fail(store, unknown)
    text = pdf_text(render("termination", ctx_for(store, unknown)))
    assert "不受一年时效期间的限制" not in text
    assert "劳动关系是否存续不清楚" in text
    assert "建议于2027年3月2日前申请仲裁" in text

    ended = in_mediation(
        store,
        employment_status="ended",
        employment_ended_on=date(2026, 2, 28),
        claims=WAGES,
        respondent=employer(2),
    )
    fail(store, ended)
    text = pdf_text(render("termination", ctx_for(store, ended)))
    assert "不受一年时效期间的限制" not in text
    assert "劳动关系于2026年2月28日解除或终止" in text


def test_the_commission_setting_is_printed_on_notices_pointing_to_arbitration(store):
    assert load_commission(store).name == DEFAULT_NAME
    with pytest.raises(FormInvalid) as bad:
        save_commission(store, name="仲裁庭", address="", phone="12")
    keys = {p.key for p in bad.value.problems}
    assert keys == {"name", "phone"}
    save_commission(
        store,
        name="福州市鼓楼区劳动人事争议仲裁委员会",
        address="福州市鼓楼区温泉支路60号",
        phone="0591-87112345",
    )
    case_id = in_mediation(store)
    fail(store, case_id)
    text = pdf_text(render("termination", ctx_for(store, case_id)))
    assert (
        "福州市鼓楼区劳动人事争议仲裁委员会（地址：福州市鼓楼区温泉支路60号；电话：0591-87112345）"
        in text
    )
    declined = register(store, respondent=employer(3))
    workflow.change_status(
        store,
        declined.case_id,
        S.DECLINED,
        reason="被申请人明确表示不同意调解",
        decline_category="respondent_refused",
        today=RECEIVED,
    )
    text = pdf_text(render("acceptance", ctx_for(store, declined.case_id)))
    assert "福州市鼓楼区劳动人事争议仲裁委员会" in text


# ---------------------------------------------------------------- point 2: termination / expiry


def test_no_termination_notice_while_mediation_goes_on(store):
    case_id = in_mediation(store)
    # Past day 15, extension or not: still in mediation, so no termination notice …
    with pytest.raises(DocumentUnavailable, match=r"调解尚未终止.*调解期限届满告知书"):
        render("termination", ctx_for(store, case_id, today=date(2026, 3, 18)))
    workflow.extend_mediation(
        store, case_id, date(2026, 3, 31), "双方于3月16日当面同意延长", today=date(2026, 3, 16)
    )
    with pytest.raises(DocumentUnavailable, match="调解尚未终止"):
        render("termination", ctx_for(store, case_id, today=date(2026, 3, 20)))
    # … but the expiry notice: the right to arbitrate now, and the extension agreed.
    with pytest.raises(DocumentUnavailable, match="尚未届满"):
        render("expiry_notice", ctx_for(store, case_id, today=date(2026, 3, 17)))
    text = pdf_text(render("expiry_notice", ctx_for(store, case_id, today=date(2026, 3, 20))))
    for expected in (
        "调解期限届满告知书",
        "已于2026年3月17日届满",
        "第十四条第三款",
        "自2026年3月18日起，任何一方当事人均可申请仲裁",
        "继续调解至2026年3月31日",
        "双方于3月16日当面同意延长",
        "不影响当事人依法申请仲裁的权利",
        DEFAULT_NAME,
        "送达回证",
        "2026年3月20日",
    ):
        assert expected in text, expected


def test_termination_notice_is_dated_the_day_mediation_ended(store):
    case_id = in_mediation(store)
    fail(store, case_id, on=date(2026, 3, 10))
    with pytest.raises(DocumentUnavailable, match="调解已结束"):
        render("expiry_notice", ctx_for(store, case_id, today=date(2026, 3, 20)))
    text = pdf_text(render("termination", ctx_for(store, case_id, today=date(2026, 4, 2))))
    assert "本委员会于2026年3月10日决定终止调解" in text
    assert "2026年4月2日" not in text
    # The record of the failed mediation: a signature line for each party present.
    assert "调解终止记录" in text and "共调解1次" in text
    assert "申请人张伟（到场的签名）" in text
    assert "被申请人福州闽江餐饮管理有限公司（到场的签名或盖章）" in text
    # Closed afterwards: still printable, still dated the day mediation ended.
    workflow.change_status(store, case_id, S.CLOSED, on=date(2026, 3, 12), today=date(2026, 3, 12))
    text = pdf_text(render("termination", ctx_for(store, case_id, today=date(2026, 4, 2))))
    assert "本委员会于2026年3月10日决定终止调解" in text


# ---------------------------------------------------------------- point 3: decline


def decline(store, n, category, reason, on=RECEIVED):
    case = register(store, respondent=employer(10 + n))
    workflow.change_status(
        store, case.case_id, S.DECLINED, reason=reason, decline_category=category, on=on, today=on
    )
    return case.case_id


def test_declining_needs_a_category(store):
    case = register(store)
    with pytest.raises(WorkflowRefused, match="原因类别"):
        workflow.change_status(store, case.case_id, S.DECLINED, reason="不同意调解", today=RECEIVED)


@pytest.mark.parametrize(
    ("n", "category", "expected", "absent"),
    [
        (
            1,
            "not_labor_dispute",
            ["人民调解委员会", "人民法院提起诉讼"],
            ["第二十七条", DEFAULT_NAME],
        ),
        (2, "pending_elsewhere", ["继续在该机构参加处理"], ["第二十七条", "申请仲裁。本地"]),
        (3, "respondent_refused", ["第五条", "不愿调解的", "第二十七条", DEFAULT_NAME], []),
        (4, "out_of_scope", ["有管辖权的调解组织或者有关部门", "第二十七条", DEFAULT_NAME], []),
    ],
)
def test_each_decline_category_has_its_own_route(store, n, category, expected, absent):
    case_id = decline(store, n, category, "情况说明")
    text = pdf_text(render("decline", ctx_for(store, case_id)))
    assert "不予受理通知书" in text and "情况说明" in text and "送达回证" in text
    for e in expected:
        assert e in text, e
    for a in absent:
        assert a not in text, a


def test_the_decline_notice_prints_after_closing_and_the_register_shows_the_decision(store):
    case_id = decline(store, 5, "pending_elsewhere", "已由鼓楼区仲裁委受理", on=date(2026, 3, 3))
    workflow.change_status(store, case_id, S.CLOSED, on=date(2026, 3, 4), today=date(2026, 3, 4))
    ctx = ctx_for(store, case_id)
    text = pdf_text(render("decline", ctx))
    assert "本委员会决定不予受理" in text and "2026年3月3日" in text
    assert "不予受理通知书" in pdf_text(render("acceptance", ctx))
    register_text = pdf_text(render("register", ctx))
    assert "不予受理决定" in register_text
    assert "2026年3月3日决定不予受理：已由仲裁委员会或人民法院受理" in register_text
    assert "决定人" in register_text and store.user.display_name in register_text


def test_three_working_days_to_accept(store):
    from app.cases.queries import deadline_alerts
    from app.domain.decline import acceptance_due

    # Received Friday 6 March 2026: Mon, Tue, Wed -> due Wednesday 11 March.
    assert acceptance_due(date(2026, 3, 6)) == date(2026, 3, 11)
    assert acceptance_due(date(2026, 3, 2)) == date(2026, 3, 5)
    case = register(store)  # received Monday 2 March
    with store.read() as s:
        assert not [a for a in deadline_alerts(s, date(2026, 3, 2)) if a.case_id == case.case_id]
        due = [a for a in deadline_alerts(s, date(2026, 3, 5)) if a.case_id == case.case_id]
        late = [a for a in deadline_alerts(s, date(2026, 3, 6)) if a.case_id == case.case_id]
    assert [a.kind for a in due] == ["acceptance_due"]
    assert [a.kind for a in late] == ["acceptance_overdue"] and "3个工作日" in late[0].message
    workflow.change_status(
        store, case.case_id, S.ACCEPTED, on=date(2026, 3, 6), today=date(2026, 3, 6)
    )
    with store.read() as s:
        assert not [
            a
            for a in deadline_alerts(s, date(2026, 3, 6))
            if a.case_id == case.case_id and a.kind.startswith("acceptance")
        ]


# ---------------------------------------------------------------- point 4: enforceable agreements


def test_a_contractor_paid_term_gets_its_own_route_not_a_payment_order(store):
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
        from app.cases.detail import load_case

        d = load_case(s, case_id)
    contractor = next(p for p in d.respondents if p.role == PartyRole.GENERAL_CONTRACTOR)
    data = agreement_input()
    data.terms[
        0
    ].payer_enterprise_id = contractor.enterprise_id  # wages paid first by the contractor
    agreement_id = agreements.save_draft(store, case_id, data)
    agreements.sign(store, agreement_id, signed_on=SIGNED_ON, today=SIGNED_ON)
    text = pdf_text(render("agreement", ctx_for(store, case_id)))
    assert "福建八闽建设工程有限公司于2026年3月20日前以银行转账方式向申请人支付" in text
    # Art. 16 (payment order) names only the employer's term two; term one goes to arbitration.
    assert "本协议第二项系用人单位因支付" in text and "支付令" in text
    assert "本协议第一项由施工总承包单位依照《保障农民工工资支付条例》第三十条先行清偿" in text


def test_a_draft_with_half_sentences_is_not_printed(store):
    case_id = in_mediation(store)
    data = agreement_input(performance_deadline=None)
    data.terms[0].method = ""
    data.terms[1].due_on = None
    agreements.save_draft(store, case_id, data)
    with pytest.raises(DocumentUnavailable, match="第一项缺支付方式；第二项缺履行日期"):
        render("agreement", ctx_for(store, case_id))


def test_the_agreement_closes_with_copies_no_waiver_and_no_bare_signature_page(store):
    case_id, _ = signed(store)
    pdf = render("agreement", ctx_for(store, case_id))
    text = pdf_text(pdf)
    # one applicant, one employer: 2 parties + the organisation's copy
    assert (
        "本协议书一式三份，各方当事人各执一份，福州市鼓楼区鼓东街道劳动争议调解委员会存档一份"
        in text
    )
    # The waiver is only the parties' own optional term (here typed in 其他条款 by the test data).
    assert "双方当事人就本争议再无其他争议" not in text
    assert text.index("（以下无正文）") < text.index("申请人（签名或按指印）")
    assert f"调解员（{store.user.display_name}）" in text
    # The last page with signatures also carries text of the agreement.
    reader = PdfReader(io.BytesIO(pdf))
    last = reader.pages[-1].extract_text()
    assert "（以下无正文）" in last or "具有同等效力" in last


# ---------------------------------------------------------------- point 7: the session record


def test_the_session_record_has_a_line_per_party_and_the_rights_and_recusal(store):
    from app.cases import sessions
    from tests.cases_support import noon

    case_id = in_mediation(store)
    sessions.add_session(
        store,
        case_id,
        sessions.SessionInput(
            held_at=noon(date(2026, 3, 5)),
            place="鼓东街道劳动关系服务室",
            mediators="陈调解",
            attendees="申请人张伟；被申请人委托代理人李经理",
            record="第二次调解。",
            rights_explained=True,
            recusal_note="被申请人申请调解员王某回避，已改由陈调解主持",
        ),
        today=date(2026, 3, 5),
        now=noon(date(2026, 3, 5)),
    )
    text = pdf_text(render("session_record", ctx_for(store, case_id), session_no=2))
    assert "调解员已告知当事人享有的权利和承担的义务，以及申请调解员回避的权利" in text
    assert "被申请人申请调解员王某回避，已改由陈调解主持" in text
    assert "申请人张伟（到场的签名）" in text
    assert "被申请人福州闽江餐饮管理有限公司（到场的签名）" in text
    first = pdf_text(render("session_record", ctx_for(store, case_id), session_no=1))
    assert "（本次笔录未记录权利义务告知）" in first and "当事人未申请调解员回避" in first


def test_a_collective_session_record_has_a_line_per_representative_not_one_for_all(store):
    from tests.cases_support import worker

    names = [
        "赵一",
        "钱二",
        "孙三",
        "李四",
        "周五",
        "吴六",
        "郑七",
        "王八",
        "冯九",
        "陈十",
        "褚甲",
        "卫乙",
    ]
    workers = [worker(n, seq=20 + i, is_representative=i < 2) for i, n in enumerate(names)]
    case_id = in_mediation(store, workers=workers)
    text = pdf_text(render("session_record", ctx_for(store, case_id)))
    assert "申请人代表赵一（到场的签名）" in text and "申请人代表钱二（到场的签名）" in text
    assert "孙三（到场的签名）" not in text
    assert "申请人（签名）" not in text


def test_the_acceptance_notice_tells_session_rights_recusal_absence_and_has_a_receipt(store):
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
    text = pdf_text(render("acceptance", ctx_for(store, case_id)))
    head = text[: text.index("参加调解通知书")]  # the applicant's notice and the rights sheet
    assert "工程项目：鼓楼区某安置房项目，施工总承包单位：福建八闽建设工程有限公司" in head
    assert "首次调解：2026年3月4日" in head
    assert "地点：鼓东街道劳动关系服务室，调解员：陈调解" in head
    for expected in ("当事人权利义务告知书", "申请回避", "无正当理由未按时到场", "特别授权"):
        assert expected in head, expected
    assert "送达回证" in text


# ---------------------------------------------------------------- point 4: arbitration review


def test_the_joint_application_for_arbitration_review_and_its_deadline(store):
    from app.cases.queries import deadline_alerts

    case_id, _ = signed(store)  # signed 5 March 2026
    agreement = pdf_text(render("agreement", ctx_for(store, case_id)))
    assert (
        "自本协议生效之日起十五日内，共同向有管辖权的劳动人事争议仲裁委员会提出仲裁审查申请"
        in agreement
    )
    assert "第七十四条" in agreement
    text = pdf_text(render("review_application", ctx_for(store, case_id)))
    for expected in (
        "仲裁审查申请书",
        "2026年3月20日前",
        "此致",
        DEFAULT_NAME,
        "张伟（到场的签名）",
    ):
        assert expected in text, expected
    with store.read() as s:
        due = [a for a in deadline_alerts(s, date(2026, 3, 18)) if a.kind == "review_due"]
    assert [a.due_on for a in due] == [date(2026, 3, 20)]
    with pytest.raises(FormInvalid):
        workflow.record_confirmation(
            store,
            case_id,
            review_applied_on=date(2026, 3, 1),
            court_confirmation_on=None,
            note="",
            today=date(2026, 3, 18),
        )
    workflow.record_confirmation(
        store,
        case_id,
        review_applied_on=date(2026, 3, 18),
        court_confirmation_on=None,
        note="鼓楼区仲裁委已收件",
        today=date(2026, 3, 18),
    )
    with store.read() as s:
        assert not [a for a in deadline_alerts(s, date(2026, 3, 18)) if a.kind == "review_due"]


# ---------------------------------------------------------------- point 5: non-performance


def test_the_nonperformance_notice_lists_each_overdue_term_its_balance_and_route(store):
    from app.cases import performance

    case_id, _ = signed(store)  # terms due 20 March (8000 wages), 10 April (4000.50), 10 March
    with store.read() as s:
        from app.cases.detail import load_case

        d = load_case(s, case_id)
    first = next(t for t in d.current_agreement.terms if t.seq == 1)
    performance.record_performance(
        store,
        first.id,
        performance.PerformanceInput(date(2026, 3, 18), Decimal("3000"), "银行转账", ""),
        today=date(2026, 3, 18),
    )
    with pytest.raises(DocumentUnavailable, match="没有逾期"):
        render("nonperformance", ctx_for(store, case_id, today=date(2026, 3, 9)))
    text = pdf_text(render("nonperformance", ctx_for(store, case_id, today=date(2026, 3, 25))))
    assert "调解协议履行情况告知书" in text
    assert "第一项" in text and "5,000.00" in text  # 8000 - 3000 still owed
    assert "申请支付令（第十六条）或申请仲裁" in text
    assert "第三项" in text and "申请仲裁（第十五条）" in text  # an obligation: arbitration
    assert "第二项" not in text.split("逾期未履行：")[1].split("依照")[0]  # not yet due
