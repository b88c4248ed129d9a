"""The per-worker schedule of a payment term (issue 13 point 4).

In a collective or multi-worker case an agreement that says "被申请人向申请人支付工资36000元"
cannot be enforced by any single worker: a payment order (调解仲裁法 Art. 16) needs the amount owed
to the worker who applies. So every payment term of such a case names its payee, or carries a
schedule: each worker's name (and ID number, from the case), amount, due date and method/account,
the amounts adding up exactly to the term.

Stored as JSON on ``AgreementTerm.schedule``: ``[{person_id, amount, due_on, method, account}]``
with money as "1234.50" and days as ISO strings; the term triggers keep it fixed after signing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.cases.errors import Problems
from app.cases.intake import MAX_AMOUNT, parse_amount

#: longest method or account text kept
TEXT_MAX = 60


@dataclass
class ShareInput:
    """One worker's share of a payment term."""

    person_id: str | None = None
    amount: Decimal | str | None = None
    due_on: date | None = None
    method: str = ""
    account: str = ""


def needs_payee(detail) -> bool:
    """A case where "申请人" alone does not say who is paid: collective or more than one worker."""
    return bool(detail.is_collective) or len(detail.applicants) > 1


def shares_from_json(rows: list | None) -> list[ShareInput]:
    out = []
    for r in rows or []:
        out.append(
            ShareInput(
                person_id=r.get("person_id"),
                amount=Decimal(r["amount"]) if r.get("amount") is not None else None,
                due_on=date.fromisoformat(r["due_on"]) if r.get("due_on") else None,
                method=r.get("method") or "",
                account=r.get("account") or "",
            )
        )
    return out


def clean_schedule(
    detail,
    shares: list[ShareInput],
    term_amount: Decimal | None,
    *,
    key: str,
    label: str,
    strict: bool,
    term_due: date | None,
    term_method: str | None,
    performance_deadline: date | None,
    problems: Problems,
) -> list[dict] | None:
    """The schedule as stored JSON, or None when empty; problems name the term and the row."""
    if not shares:
        return None
    names = {p.person_id: p.name for p in detail.applicants}
    seen: set[str] = set()
    rows: list[dict] = []
    total = Decimal("0.00")
    complete = True
    for j, s in enumerate(shares):
        at, where = f"{key}.schedule[{j}]", f"{label}分配明细第{j + 1}行"
        if not s.person_id or s.person_id not in names:
            problems.add(f"{at}.person", f"{where}劳动者", "请选择本案的申请人")
        elif s.person_id in seen:
            problems.add(
                f"{at}.person", f"{where}劳动者", f"{names[s.person_id]}已在本项明细中列出"
            )
        else:
            seen.add(s.person_id)
        try:
            amount = parse_amount(s.amount)
        except ValueError as exc:
            problems.add(f"{at}.amount", f"{where}金额", str(exc))
            amount, complete = None, False
        if amount is None:
            complete = False
            problems.add(f"{at}.amount", f"{where}金额", "请填写该劳动者的确切金额")
        elif amount <= 0 or amount >= MAX_AMOUNT:
            complete = False
            problems.add(f"{at}.amount", f"{where}金额", "金额应大于0且小于1亿元")
        elif amount != amount.quantize(Decimal("0.01")):
            complete = False
            problems.add(f"{at}.amount", f"{where}金额", "金额最多保留两位小数（分）")
        else:
            total += amount
        method = (s.method or "").strip()
        account = (s.account or "").strip()
        if len(method) > TEXT_MAX or len(account) > TEXT_MAX:
            problems.add(f"{at}.method", f"{where}支付方式", f"不超过{TEXT_MAX}个字")
        due_on = s.due_on
        if strict:
            if not (due_on or term_due or performance_deadline):
                problems.add(f"{at}.due_on", f"{where}履行日期", "须写明该劳动者的支付日期")
            if not (method or (term_method or "").strip()):
                problems.add(f"{at}.method", f"{where}支付方式", "须写明支付方式（如银行转账）")
        if due_on and performance_deadline and due_on > performance_deadline:
            problems.add(f"{at}.due_on", f"{where}履行日期", "不能晚于协议的履行期限")
        rows.append(
            {
                "person_id": s.person_id,
                "amount": f"{amount:.2f}" if amount is not None else None,
                "due_on": due_on.isoformat() if due_on else None,
                "method": method or None,
                "account": account or None,
            }
        )
    if complete and term_amount is not None and total != term_amount:
        diff = total - term_amount
        more = "多" if diff > 0 else "少"
        problems.add(
            f"{key}.schedule",
            f"{label}分配明细",
            f"各劳动者金额合计{total:.2f}元，与该项金额{term_amount:.2f}元不符，"
            f"{more}{abs(diff):.2f}元：请核对每人金额或该项总额",
        )
    return rows


def schedule_content(detail, rows: list | None) -> list[dict] | None:
    """The schedule as the printed agreement shows it: name and ID number as on the case."""
    if not rows:
        return None
    people = {p.person_id: p for p in detail.applicants}
    out = []
    for r in rows:
        p = people.get(r.get("person_id"))
        out.append(
            {
                "person_id": r.get("person_id"),
                "name": p.name if p else "",
                "id_number": p.id_number if p else "",
                "amount": r.get("amount"),
                "due_on": r.get("due_on"),
                "method": r.get("method"),
                "account": r.get("account"),
            }
        )
    return out
