"""Follow-up visits (回访) on the performance of a signed agreement (issue 13 point 5).

A follow-up records when and how the station contacted a party (电话、上门、微信或短信、来访), whom it
spoke to, and what the worker says was received. An amount received becomes payment records
(:class:`PerformanceRecord`, linked by ``followup_id``) against the open payment terms — the one
chosen, or else the earliest due first — so the term balances, the non-performance notice, the
case list and the station and district figures (which all sum performance records) count it.
Payments are dated the day of the follow-up: the day the station learned of them.

The workbench reminds (``followup_due``) after each due date of the agreement in force that has
no follow-up on or after it, while a term due that day is still open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.cases.detail import load_case
from app.cases.errors import Problems, WorkflowRefused
from app.cases.intake import parse_amount
from app.cases.workflow import _case_for_update
from app.domain.case_workflow import AGREED, PERFORMANCE_ALLOWED
from app.domain.deadlines import effective_due, fmt
from app.domain.enums import AgreementStatus, TermKind
from app.store.changes import soft_delete
from app.store.errors import NotFound
from app.store.models import (
    AgreementTerm,
    DisputeCase,
    MediationAgreement,
    PerformanceFollowUp,
    PerformanceRecord,
)

METHODS = ("电话", "上门", "微信或短信", "来访", "其他")


@dataclass
class FollowUpInput:
    followed_on: date | None = None
    method: str = "电话"
    contact: str = ""
    amount_received: Decimal | str | None = None
    #: the term the amount is for; None: the open payment terms, earliest due first
    term_id: str | None = None
    note: str = ""


@dataclass(frozen=True)
class FollowUpInfo:
    id: str
    followed_on: date
    method: str
    contact: str
    amount_received: Decimal | None
    note: str | None


def record_followup(store, case_id: str, data: FollowUpInput, *, today: date | None = None) -> str:
    """Record a follow-up on the agreement in force; an amount received is booked against its
    open payment terms. Returns the follow-up's id. Nothing is stored if anything is wrong."""
    today = today or date.today()
    with store.unit_of_work() as s:
        case = _case_for_update(s, case_id, None)
        if case.status not in PERFORMANCE_ALLOWED:
            raise WorkflowRefused(f"案件当前为“{case.status.label}”，不能登记履行回访")
        detail = load_case(s, case_id)
        current = detail.current_agreement
        if current is None:
            raise WorkflowRefused("本案没有签署生效的调解协议书，无需回访履行情况")
        problems = Problems()
        if data.followed_on is None:
            problems.add("followed_on", "回访日期", "不能为空")
        elif data.followed_on > today:
            problems.add("followed_on", "回访日期", "不能晚于今天")
        elif current.signed_on and data.followed_on < current.signed_on:
            problems.add("followed_on", "回访日期", "不能早于协议签署日期")
        method = (data.method or "").strip()
        if method not in METHODS:
            problems.add("method", "回访方式", "请选择：" + "、".join(METHODS))
        contact = (data.contact or "").strip()
        if not contact:
            problems.add("contact", "回访对象", "请写明回访了谁（如申请人本人及电话）")
        elif len(contact) > 100:
            problems.add("contact", "回访对象", "不超过100个字")
        amount = None
        try:
            amount = parse_amount(data.amount_received)
        except ValueError as exc:
            problems.add("amount_received", "已收到金额", str(exc))
        open_terms = [
            t
            for t in sorted(
                current.terms,
                key=lambda t: (effective_due(t.due_on, current.performance_deadline), t.seq),
            )
            if t.kind == TermKind.PAYMENT and (t.amount or Decimal(0)) > t.paid
        ]
        if data.term_id is not None:
            chosen = [t for t in open_terms if t.id == data.term_id]
            if not chosen:
                problems.add("term_id", "对应条款", "该条款不是协议书中尚未付清的付款事项")
            open_terms = chosen
        if amount is not None:
            outstanding = sum(((t.amount or Decimal(0)) - t.paid for t in open_terms), Decimal(0))
            if amount < 0:
                problems.add("amount_received", "已收到金额", "不能为负数")
            elif amount != amount.quantize(Decimal("0.01")):
                problems.add("amount_received", "已收到金额", "金额最多保留两位小数（分）")
            elif amount > outstanding:
                problems.add(
                    "amount_received",
                    "已收到金额",
                    f"超过尚未支付的金额{outstanding:.2f}元，请核对"
                    + ("（协议款项已全部登记为付清）" if outstanding == 0 else ""),
                )
        problems.raise_if_any()
        followup = PerformanceFollowUp(
            case_id=case_id,
            agreement_id=current.id,
            followed_on=data.followed_on,
            method=method,
            contact=contact,
            amount_received=amount,
            note=(data.note or "").strip() or None,
        )
        s.add(followup)
        left = amount or Decimal(0)
        for t in open_terms:
            if left <= 0:
                break
            part = min(left, (t.amount or Decimal(0)) - t.paid)
            s.add(
                PerformanceRecord(
                    term_id=t.id,
                    performed_on=data.followed_on,
                    amount=part,
                    method=None,
                    note=f"{method}回访（{contact}）：申请人反映已收到",
                    followup_id=followup.id,
                )
            )
            left -= part
        return followup.id


def remove_followup(store, followup_id: str) -> None:
    """Withdraw a follow-up entered by mistake, with the payments it recorded (tombstones)."""
    with store.unit_of_work() as s:
        f = s.get(PerformanceFollowUp, followup_id)
        if f is None or f.deleted:
            raise NotFound("回访记录不存在或已被删除")
        case = _case_for_update(s, f.case_id, None)
        if case.status.value == "archived":
            raise WorkflowRefused("案件已归档，回访记录不能再修改")
        for r in s.scalars(
            select(PerformanceRecord).where(
                PerformanceRecord.followup_id == followup_id, PerformanceRecord.deleted.is_(False)
            )
        ):
            soft_delete(s, r)
        soft_delete(s, f)


def followups_of(session: Session, case_id: str) -> list[FollowUpInfo]:
    return [
        FollowUpInfo(f.id, f.followed_on, f.method, f.contact, f.amount_received, f.note)
        for f in session.scalars(
            select(PerformanceFollowUp)
            .where(PerformanceFollowUp.case_id == case_id, PerformanceFollowUp.deleted.is_(False))
            .order_by(PerformanceFollowUp.followed_on, PerformanceFollowUp.created_at)
        )
    ]


def followup_alerts(session: Session, today: date, alert_cls) -> list:
    """One reminder per passed due date of an agreement in force (case agreed or performing)
    with a term due that day still open and no follow-up on or after that day."""
    from app.cases.queries import _term_open_sql

    term, agreement = AgreementTerm, MediationAgreement
    due = func.coalesce(term.due_on, agreement.performance_deadline)
    last_followup = (
        select(func.max(PerformanceFollowUp.followed_on))
        .where(
            PerformanceFollowUp.case_id == DisputeCase.id,
            PerformanceFollowUp.deleted.is_(False),
        )
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            DisputeCase.id,
            DisputeCase.case_no,
            term.seq,
            due.label("due"),
            last_followup.label("last"),
        )
        .select_from(term)
        .join(agreement, agreement.id == term.agreement_id)
        .join(DisputeCase, DisputeCase.id == agreement.case_id)
        .where(
            DisputeCase.deleted.is_(False),
            DisputeCase.status.in_([st.value for st in AGREED]),
            agreement.status == AgreementStatus.SIGNED.value,
            agreement.deleted.is_(False),
            term.deleted.is_(False),
            due < today,
            due >= today - timedelta(days=365),
            _term_open_sql(term),
        )
        .order_by(DisputeCase.case_no, due, term.seq)
    ).all()
    by_day: dict[tuple[str, date], list] = {}
    for r in rows:
        day = date.fromisoformat(r.due) if isinstance(r.due, str) else r.due
        last = date.fromisoformat(r.last) if isinstance(r.last, str) else r.last
        if last is not None and last >= day:
            continue
        by_day.setdefault((r.id, day), []).append(r)
    alerts = []
    for (case_id, day), items in by_day.items():
        seqs = "、".join(f"第{r.seq}项" for r in items)
        alerts.append(
            alert_cls(
                case_id,
                items[0].case_no,
                "followup_due",
                day,
                (day - today).days,
                f"{seqs}已于{fmt(day)}到期，到期后尚未回访：请回访当事人核实履行情况，"
                "登记回访记录和已收到的金额",
            )
        )
    return alerts
