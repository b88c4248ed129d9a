"""Helpers for the case tests: valid ID numbers, intake forms, cases brought to a given state."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from app.cases import agreements, sessions, workflow
from app.cases.enterprises import EnterpriseInput
from app.cases.intake import (
    AgentInput,
    ClaimInput,
    EnterpriseChoice,
    IntakeForm,
    WorkerInput,
    register_case,
)
from app.domain.enums import CaseStatus, TermKind
from app.domain.validators import credit_code_check_char, id_check_digit

RECEIVED = date(2026, 3, 2)


def id_number(
    born: date = date(1988, 5, 17), male: bool = True, seq: int = 12, area: str = "350102"
) -> str:
    code = seq * 2 + (1 if male else 0)
    first17 = f"{area}{born:%Y%m%d}{code:03d}"
    return first17 + id_check_digit(first17)


def credit_code(serial: str = "MA2XYA123") -> str:
    first17 = "91350102" + serial
    return first17 + credit_code_check_char(first17)


def worker(name: str = "张伟", seq: int = 12, male: bool = True, **extra) -> WorkerInput:
    values = dict(
        name=name,
        id_number=id_number(male=male, seq=seq),
        phone="13905910001",
        address="福州市鼓楼区五一北路1号",
        job="厨师",
    )
    values.update(extra)
    return WorkerInput(**values)


def form(**overrides) -> IntakeForm:
    values = dict(
        received_on=RECEIVED,
        channel="walk_in",
        workers=[worker()],
        respondent=EnterpriseChoice(
            new=EnterpriseInput(
                name="福州闽江餐饮管理有限公司",
                credit_code=credit_code(),
                legal_rep="林建国",
                address="福州市鼓楼区东街88号",
                phone="0591-87654321",
            )
        ),
        claims=[
            ClaimInput("wages", "12000", "2025年12月至2026年2月工资"),
            ClaimInput("compensation", "6000"),
        ],
        facts="申请人于2024年3月入职，被申请人自2025年12月起拖欠工资。",
        requests="请求被申请人支付拖欠的工资及经济补偿。",
    )
    values.update(overrides)
    if "employment_status" not in overrides:
        values["employment_status"] = "ended" if values.get("employment_ended_on") else "ongoing"
    return IntakeForm(**values)


def register(store, today: date = RECEIVED, **overrides):
    return register_case(store, form(**overrides), today=today)


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


def in_mediation(store, **overrides) -> str:
    case = register(store, **overrides)
    workflow.change_status(store, case.case_id, CaseStatus.ACCEPTED, on=RECEIVED, today=RECEIVED)
    sessions.add_session(
        store,
        case.case_id,
        sessions.SessionInput(
            held_at=noon(date(2026, 3, 4)),
            place="鼓东街道劳动关系服务室",
            mediators="陈调解",
            recorder="王记录",
            attendees="申请人张伟；被申请人委托代理人李经理",
            record="申请人陈述：被申请人拖欠工资三个月。\n被申请人陈述：资金周转困难，愿意分期支付。",
            outcome="双方同意分两期支付。",
        ),
        today=date(2026, 3, 4),
        now=noon(date(2026, 3, 4)),
    )
    return case.case_id


def agreement_input(**overrides) -> agreements.AgreementInput:
    values = dict(
        facts="被申请人拖欠申请人2025年12月至2026年2月工资共12000元。",
        terms=[
            agreements.TermInput(
                kind=TermKind.PAYMENT,
                item="wages",
                description="",
                amount=Decimal("8000"),
                due_on=date(2026, 3, 20),
                method="银行转账",
            ),
            agreements.TermInput(
                kind=TermKind.PAYMENT,
                item="compensation",
                amount="4000.50",
                due_on=date(2026, 4, 10),
                method="银行转账",
            ),
            agreements.TermInput(
                kind=TermKind.OBLIGATION,
                item="other",
                description="被申请人为申请人出具解除劳动合同证明",
                due_on=date(2026, 3, 10),
            ),
        ],
        other_terms="双方就本劳动争议再无其他纠纷。",
        performance_deadline=date(2026, 4, 10),
        copies=3,
    )
    values.update(overrides)
    return agreements.AgreementInput(**values)


SIGNED_ON = date(2026, 3, 5)


def signed(store, **overrides) -> tuple[str, str]:
    """A case with a signed agreement: (case id, agreement id)."""
    case_id = in_mediation(store, **overrides)
    data = agreement_input()
    with store.read() as s:
        from app.cases.detail import load_case
        from app.cases.schedule import needs_payee

        detail = load_case(s, case_id)
    if needs_payee(detail):
        # Several workers: each payment names its payee (issue 13 point 4); here the first.
        for t in data.terms:
            if t.kind == TermKind.PAYMENT:
                t.payee_person_id = detail.applicants[0].person_id
    agreement_id = agreements.save_draft(store, case_id, data)
    agreements.sign(store, agreement_id, signed_on=SIGNED_ON, today=SIGNED_ON)
    return case_id, agreement_id


__all__ = [
    "RECEIVED",
    "SIGNED_ON",
    "AgentInput",
    "ClaimInput",
    "EnterpriseChoice",
    "EnterpriseInput",
    "agreement_input",
    "credit_code",
    "form",
    "id_number",
    "in_mediation",
    "noon",
    "register",
    "signed",
    "worker",
]
