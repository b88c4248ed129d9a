"""Performance of the agreement: payments (and other obligations) recorded against its terms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.cases.actions import RECORD_PERFORMANCE, require
from app.cases.errors import Problems, WorkflowRefused
from app.cases.intake import parse_amount
from app.cases.workflow import _case_for_update
from app.domain.enums import AgreementStatus, TermKind
from app.store.changes import soft_delete
from app.store.errors import NotFound
from app.store.models import AgreementTerm, MediationAgreement, PerformanceRecord


@dataclass
class PerformanceInput:
    performed_on: date | None = None
    amount: Decimal | str | None = None
    method: str = ""
    note: str = ""


def record_performance(
    store, term_id: str, data: PerformanceInput, *, today: date | None = None
) -> str:
    """Record a payment (or the performance of another obligation) against a term of the signed
    agreement in force. Returns the record's id."""
    today = today or date.today()
    with store.unit_of_work() as s:
        term = s.get(AgreementTerm, term_id)
        if term is None or term.deleted:
            raise NotFound("协议条款不存在或已被删除")
        agreement = s.get(MediationAgreement, term.agreement_id)
        if agreement is None or agreement.status != AgreementStatus.SIGNED:
            raise WorkflowRefused("只能对签署生效（未被新版本取代）的协议书登记履行情况")
        case = _case_for_update(s, agreement.case_id, None)
        detail = require(s, case.id, RECORD_PERFORMANCE, today)
        info = next(t for t in detail.current_agreement.terms if t.id == term_id)  # type: ignore[union-attr]
        problems = Problems()
        if data.performed_on is None:
            problems.add("performed_on", "履行日期", "不能为空")
        else:
            if data.performed_on > today:
                problems.add("performed_on", "履行日期", "不能晚于今天")
            if agreement.signed_on and data.performed_on < agreement.signed_on:
                problems.add("performed_on", "履行日期", "不能早于协议签署日期")
        amount = None
        if term.kind == TermKind.PAYMENT:
            try:
                amount = parse_amount(data.amount)
            except ValueError as exc:
                problems.add("amount", "金额", str(exc))
            else:
                outstanding = (term.amount or Decimal("0")) - info.paid
                if amount is None or amount <= 0:
                    problems.add("amount", "金额", "请填写本次实际支付的金额")
                elif amount != amount.quantize(Decimal("0.01")):
                    problems.add("amount", "金额", "金额最多保留两位小数（分）")
                elif outstanding <= 0:
                    problems.add("amount", "金额", "该项已全部履行，无需再登记")
                elif amount > outstanding:
                    problems.add("amount", "金额", f"超过尚未支付的金额{outstanding:.2f}元，请核对")
        elif info.payments:
            problems.add("performed_on", "履行日期", "该项义务已登记为履行")
        problems.raise_if_any()
        record = PerformanceRecord(
            term_id=term_id,
            performed_on=data.performed_on,
            amount=amount,
            method=(data.method or "").strip() or None,
            note=(data.note or "").strip() or None,
        )
        s.add(record)
        return record.id


def remove_performance(store, record_id: str) -> None:
    """Withdraw a record entered by mistake (a tombstone: it stays in the audit trail)."""
    with store.unit_of_work() as s:
        record = s.get(PerformanceRecord, record_id)
        if record is None or record.deleted:
            raise NotFound("履行记录不存在或已被删除")
        term = s.get(AgreementTerm, record.term_id)
        agreement = s.get(MediationAgreement, term.agreement_id) if term else None
        case = _case_for_update(s, agreement.case_id, None) if agreement else None
        if case is not None and case.status.value == "archived":
            raise WorkflowRefused("案件已归档，履行记录不能再修改")
        soft_delete(s, record)
