"""Issue 13 point 5: follow-up visits (回访) on performing cases, their reminder after each due
date, and the amounts received feeding the balances and the non-performance notice (pdftotext)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.cases import followup, workflow
from app.cases.detail import load_case
from app.cases.errors import FormInvalid, WorkflowRefused
from app.cases.queries import deadline_alerts
from app.documents.case_documents import load_context, render
from app.domain.enums import CaseStatus
from tests.cases_support import in_mediation, signed
from tests.test_agreement_schedule_signing import pdftotext
from tests.test_documents_legal import employer


def load(store, case_id):
    with store.read() as s:
        return load_case(s, case_id)


def reminders(store, today):
    with store.read() as s:
        return [a for a in deadline_alerts(s, today) if a.kind == "followup_due"]


def test_a_reminder_after_each_due_date_until_a_followup_is_recorded(store):
    # terms: 8000 wages due 20 March, 4000.50 compensation due 10 April, an obligation 10 March
    case_id, _ = signed(store)
    assert reminders(store, date(2026, 3, 10)) == []  # nothing has fallen due yet
    due = reminders(store, date(2026, 3, 12))
    assert [(a.due_on, a.case_id) for a in due] == [(date(2026, 3, 10), case_id)]
    assert due[0].message.startswith("第3项已于2026年3月10日到期，到期后尚未回访")
    followup.record_followup(
        store,
        case_id,
        followup.FollowUpInput(date(2026, 3, 11), "电话", "申请人张伟 13905910001"),
        today=date(2026, 3, 12),
    )
    assert reminders(store, date(2026, 3, 12)) == []
    # The next due date brings the next reminder.
    after = reminders(store, date(2026, 3, 21))
    assert [a.due_on for a in after] == [date(2026, 3, 20)]
    assert after[0].message.startswith("第1项已于2026年3月20日到期")


def test_an_amount_received_is_booked_against_the_earliest_open_payment(store, tmp_path):
    case_id, _ = signed(store)
    workflow.change_status(
        store, case_id, CaseStatus.PERFORMING, on=date(2026, 3, 6), today=date(2026, 3, 6)
    )
    followup.record_followup(
        store,
        case_id,
        followup.FollowUpInput(
            date(2026, 3, 22), "上门", "申请人张伟", Decimal("9000"), note="申请人出示转账记录"
        ),
        today=date(2026, 3, 25),
    )
    d = load(store, case_id)
    paid = {t.seq: t.paid for t in d.current_agreement.terms}
    assert paid[1] == Decimal("8000.00") and paid[2] == Decimal("1000.00")
    assert all(
        p.performed_on == date(2026, 3, 22) for t in d.current_agreement.terms for p in t.payments
    )
    # The notice of non-performance shows what is still owed and the follow-up.
    text = pdftotext(
        render("nonperformance", load_context(store, case_id, today=date(2026, 4, 15))), tmp_path
    )
    assert "第二项" in text and "3,000.50" in text
    assert "第一项" not in text.split("逾期未履行：")[1].split("履行回访情况")[0]
    assert (
        "2026年3月22日，上门回访申请人张伟，反映已收到人民币9,000.00元（申请人出示转账记录）。"
        in text
    )
    # Withdrawing the follow-up withdraws its payments.
    followup.remove_followup(store, d.followups[0].id)
    d = load(store, case_id)
    assert all(t.paid == 0 for t in d.current_agreement.terms) and d.followups == []


def test_bad_followups_are_refused_and_nothing_is_stored(store):
    case_id, _ = signed(store)
    cases = [
        (followup.FollowUpInput(None, "电话", "张伟"), "回访日期"),
        (followup.FollowUpInput(date(2026, 3, 30), "电话", "张伟"), "不能晚于今天"),
        (followup.FollowUpInput(date(2026, 3, 1), "电话", "张伟"), "不能早于协议签署日期"),
        (followup.FollowUpInput(date(2026, 3, 9), "飞鸽", "张伟"), "回访方式"),
        (followup.FollowUpInput(date(2026, 3, 9), "电话", " "), "回访对象"),
        (
            followup.FollowUpInput(date(2026, 3, 9), "电话", "张伟", "12001"),
            "超过尚未支付的金额12000.50元",
        ),
        (followup.FollowUpInput(date(2026, 3, 9), "电话", "张伟", "abc"), "已收到金额"),
    ]
    for data, expected in cases:
        with pytest.raises(FormInvalid) as refused:
            followup.record_followup(store, case_id, data, today=date(2026, 3, 9))
        text = "；".join(f"{p.label}{p.message}" for p in refused.value.problems)
        assert expected in text, (expected, text)
    d = load(store, case_id)
    assert d.followups == [] and all(not t.payments for t in d.current_agreement.terms)
    # Only a case with a signed agreement can be followed up.
    other = in_mediation(store, respondent=employer(7))
    with pytest.raises(WorkflowRefused):
        followup.record_followup(
            store,
            other,
            followup.FollowUpInput(date(2026, 3, 9), "电话", "张伟"),
            today=date(2026, 3, 9),
        )


def test_followup_amounts_feed_the_performance_figures(store):
    from app.reports import periods
    from app.reports.figures import compute_figures

    case_id, _ = signed(store)
    followup.record_followup(
        store,
        case_id,
        followup.FollowUpInput(date(2026, 3, 21), "电话", "张伟", "5000"),
        today=date(2026, 3, 21),
    )
    f = compute_figures(store, periods.month(2026, 3), today=date(2026, 3, 31))
    assert f.total.recovered == Decimal("5000")
    assert f.paid_in_period == Decimal("5000")
    wages = next(r for r in f.by_type if r.code == "wages")
    assert wages.recovered == Decimal("5000")
