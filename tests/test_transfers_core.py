"""Case transfers and correction requests in the station core (no server): what a transfer
refuses (each problem next to its field, nothing changed), that a transferred case is counted
once, and which edits answer a correction request."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.cases import transfers, workflow
from app.cases.errors import WorkflowRefused
from app.domain.enums import CaseStatus
from app.reports import periods
from app.reports.figures import compute_figures
from app.store.errors import FormInvalid
from app.store.models import CaseClaim, CaseTransfer, CorrectionRequest, DisputeCase
from tests.cases_support import RECEIVED, register

TODAY = RECEIVED + timedelta(days=2)


def second_case(store):
    from app.cases.enterprises import EnterpriseInput
    from app.cases.intake import EnterpriseChoice
    from tests.cases_support import credit_code

    firm = EnterpriseInput(name="福州鼓西商贸有限公司", credit_code=credit_code("MA2XYC789"))
    return register(store, today=TODAY, respondent=EnterpriseChoice(new=firm))


def problems(exc: FormInvalid) -> dict[str, str]:
    return {p.key: p.message for p in exc.problems}


def test_bad_transfers_are_refused_and_change_nothing(store):
    case = register(store, today=TODAY)
    with pytest.raises(FormInvalid) as bad:
        transfers.transfer_out(store, case.case_id, "GUDONG", "  ", today=TODAY)
    assert problems(bad.value) == {
        "接收站点": "不能移交给本站",
        "移交理由": "请填写移交理由（例如用人单位不在本街镇）",
    }
    with pytest.raises(FormInvalid) as bad:
        transfers.transfer_out(store, case.case_id, "NOWHERE", "x" * 201, today=TODAY)
    assert problems(bad.value) == {"接收站点": "请选择接收的站点", "移交理由": "不超过200个字"}
    # a case registered before the employment status was asked cannot go without it
    with store.unit_of_work() as s:
        s.get(DisputeCase, case.case_id).employment_status = None
    with pytest.raises(WorkflowRefused, match="未登记劳动关系状态"):
        transfers.transfer_out(store, case.case_id, "GUXI", "用人单位在鼓西", today=TODAY)
    with store.read() as s:
        assert s.get(DisputeCase, case.case_id).status == CaseStatus.REGISTERED
        assert s.query(CaseTransfer).count() == 0


def test_a_concluded_case_is_not_transferred_and_a_transferred_one_is_counted_once(store):
    declined = register(store, today=TODAY)
    workflow.change_status(
        store, declined.case_id, CaseStatus.DECLINED, on=TODAY, today=TODAY,
        reason="已由仲裁委员会受理", decline_category="pending_elsewhere",
    )  # fmt: skip
    with pytest.raises(WorkflowRefused, match="只有尚未调解终结的案件"):
        transfers.transfer_out(store, declined.case_id, "GUXI", "测试", today=TODAY)
    before = compute_figures(store, periods.month_of(RECEIVED), TODAY).total.cases
    other = second_case(store)
    assert compute_figures(store, periods.month_of(RECEIVED), TODAY).total.cases == before + 1
    transfers.transfer_out(store, other.case_id, "GUXI", "用人单位在鼓西", today=TODAY)
    with store.read() as s:
        sent = s.get(DisputeCase, other.case_id)
        assert (sent.status, sent.closed_on, sent.transferred_on) == (
            CaseStatus.TRANSFERRED, TODAY, TODAY)  # fmt: skip
    assert compute_figures(store, periods.month_of(RECEIVED), TODAY).total.cases == before
    with pytest.raises(WorkflowRefused):
        transfers.transfer_out(store, other.case_id, "GUXI", "再次移交", today=TODAY)


def request(store, record_id: str, entity: str = "dispute_case") -> str:
    rid = f"00000000-0000-4000-8000-{len(record_id):012d}"
    with store.system_transaction() as s:
        s.add(
            CorrectionRequest(
                id=rid, entity=entity, record_id=record_id, record_label="x", field="case_claim",
                field_label="请求事项", message="金额有误", due_on=date(2026, 12, 31),
                requested_by="区审核员", requested_at=datetime.now(UTC), status="open",
            )
        )  # fmt: skip
    return rid


def test_a_claim_added_to_the_case_answers_its_request_and_other_records_do_not(store):
    case = register(store, today=TODAY)
    other = second_case(store)
    rid = request(store, case.case_id)
    with store.unit_of_work() as s:  # another record's edit answers nothing
        s.add(CaseClaim(case_id=other.case_id, dispute_type="wages"))
    with store.read() as s:
        assert s.get(CorrectionRequest, rid).status == "open"
    with store.unit_of_work() as s:
        s.add(CaseClaim(case_id=case.case_id, dispute_type="overtime", amount="800"))
    with store.read() as s:
        req = s.get(CorrectionRequest, rid)
        assert req.status == "answered" and req.answer_fields == ["case_claim"]
        assert req.answered_by == store.user.id and req.reported_at is None
