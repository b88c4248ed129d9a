"""Referral of a wage-arrears case to labor inspection (劳动保障监察), and its tracking.

A mediation organisation that meets wage arrears with signs that the employer or an individual
contractor (包工头) is absconding reports it to labor inspection: 劳动保障监察条例 Art. 9 gives any
organisation the right to report (举报) a violation; 保障农民工工资支付条例 Art. 41 has the
inspection ask the police for help and transfer a suspected 拒不支付劳动报酬罪 (刑法 Art. 276-1).
The station writes the letter (``app.documents.referral_letter``) and records what became of it:
the inspection's case number, its order to pay, and a transfer to the police, the last as
information the inspection gave (the station neither decides it nor files it). See docs/legal.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cases.detail import CaseDetail, load_case
from app.cases.errors import Problems, WorkflowRefused
from app.domain import amounts
from app.domain.dates import cn_date
from app.domain.deadlines import fmt
from app.domain.validators import check_phone
from app.store.errors import NotFound
from app.store.models import DisputeCase, InspectionReferral

#: claims a referral for wage arrears is about (劳动报酬, 加班费)
WAGE_CLAIMS = frozenset({"wages", "overtime"})

#: signs that the one who owes the wages is absconding (after the Supreme People's Court's
#: interpretation of 刑法 Art. 276-1, 法释〔2013〕3号 Art. 2, and 条例 Art. 41: cannot be reached)
ABSCONDING_SIGNS: tuple[tuple[str, str], ...] = (
    ("unreachable", "负责人或包工头无法联系（电话关机、拒接）"),
    ("premises_closed", "经营场所或工地关闭、人去楼空"),
    ("assets_moved", "转移、变卖财产或设备"),
    ("records_hidden", "隐匿、销毁账目、职工名册、工资支付记录或考勤记录"),
    ("refuses_to_pay", "明确表示拒不支付"),
)
SIGN_NAMES = dict(ABSCONDING_SIGNS)

CONTRACTOR_KINDS = (("company", "分包单位"), ("individual", "个人（包工头）"))

DEFAULT_BODY = "鼓楼区人力资源和社会保障局劳动保障监察大队"


@dataclass
class ReferralWorker:
    person_id: str
    #: the arrears period as the letter writes it, e.g. 2025年10月至2026年1月
    period: str = ""
    amount: Decimal | str | None = None


@dataclass
class ReferralInput:
    referred_on: date | None = None
    inspection_body: str = DEFAULT_BODY
    developer: str = ""
    contractor_kind: str = ""
    foreman_name: str = ""
    foreman_id_number: str = ""
    foreman_phone: str = ""
    absconding: list[str] = field(default_factory=list)
    absconding_note: str = ""
    evidence: str = ""
    workers: list[ReferralWorker] = field(default_factory=list)


@dataclass
class TrackingInput:
    inspection_case_no: str = ""
    order_on: date | None = None
    order_note: str = ""
    police_transfer_on: date | None = None
    police_note: str = ""
    note: str = ""


@dataclass
class ReferralInfo:
    id: str
    version: int
    referred_on: date
    inspection_body: str
    developer: str | None
    contractor_kind: str | None
    foreman_name: str | None
    foreman_id_number: str | None
    foreman_phone: str | None
    absconding: list[str]
    absconding_note: str | None
    evidence: list[str]
    workers: list[dict]
    inspection_case_no: str | None
    order_on: date | None
    order_note: str | None
    police_transfer_on: date | None
    police_note: str | None
    note: str | None

    @property
    def total(self) -> Decimal:
        return sum((Decimal(w["amount"]) for w in self.workers), Decimal("0.00"))

    @property
    def sign_names(self) -> list[str]:
        return [SIGN_NAMES.get(code, code) for code in self.absconding]


def _info(r: InspectionReferral) -> ReferralInfo:
    return ReferralInfo(
        id=r.id,
        version=r.version,
        referred_on=r.referred_on,
        inspection_body=r.inspection_body,
        developer=r.developer,
        contractor_kind=r.contractor_kind,
        foreman_name=r.foreman_name,
        foreman_id_number=r.foreman_id_number,
        foreman_phone=r.foreman_phone,
        absconding=json.loads(r.absconding or "[]"),
        absconding_note=r.absconding_note,
        evidence=[line for line in (r.evidence or "").splitlines() if line.strip()],
        workers=json.loads(r.workers or "[]"),
        inspection_case_no=r.inspection_case_no,
        order_on=r.order_on,
        order_note=r.order_note,
        police_transfer_on=r.police_transfer_on,
        police_note=r.police_note,
        note=r.note,
    )


def _row(session: Session, case_id: str) -> InspectionReferral | None:
    return session.scalars(
        select(InspectionReferral)
        .where(InspectionReferral.case_id == case_id, InspectionReferral.deleted.is_(False))
        .order_by(InspectionReferral.created_at)
        .limit(1)
    ).first()


def load_referral(session: Session, case_id: str) -> ReferralInfo | None:
    row = _row(session, case_id)
    return _info(row) if row else None


def wage_refusal(detail: CaseDetail) -> str | None:
    """A referral for wage arrears needs a wage claim (劳动报酬 or 加班费)."""
    if detail.applicant_side == "employer":
        return "本案由用人单位申请调解，不适用欠薪移送劳动保障监察"
    if not any(c.dispute_type in WAGE_CLAIMS for c in detail.claims):
        return "本案没有拖欠劳动报酬（工资、加班费）的请求事项，不适用移送劳动保障监察"
    return None


def default_workers(detail: CaseDetail) -> list[ReferralWorker]:
    """Each worker with the wage claims recorded for them (a shared claim of a one-worker case is
    that worker's); the period from the claim's description. The mediator checks and completes."""
    out = []
    applicants = detail.applicants
    for p in applicants:
        claims = [
            c
            for c in detail.claims
            if c.dispute_type in WAGE_CLAIMS
            and (c.person_id == p.person_id or (c.person_id is None and len(applicants) == 1))
        ]
        amount = sum((c.amount or Decimal("0") for c in claims), Decimal("0.00"))
        period = "；".join(c.description for c in claims if c.description)
        out.append(ReferralWorker(p.person_id or "", period, amount if amount else None))
    return out


def _check(detail: CaseDetail, form: ReferralInput, today: date) -> tuple[Problems, dict]:
    problems = Problems()
    clean: dict = {}
    if form.referred_on is None:
        problems.add("referred_on", "移送日期", "不能为空")
    elif form.referred_on > today:
        problems.add("referred_on", "移送日期", "不能晚于今天")
    elif form.referred_on < detail.received_on:
        problems.add(
            "referred_on", "移送日期", f"不能早于收到调解申请之日{fmt(detail.received_on)}"
        )
    clean["referred_on"] = form.referred_on
    body = (form.inspection_body or "").strip()
    if not body:
        problems.add("inspection_body", "劳动保障监察机构", "请填写移送的劳动保障监察机构")
    elif len(body) > 200:
        problems.add("inspection_body", "劳动保障监察机构", "不超过200个字符")
    clean["inspection_body"] = body
    clean["developer"] = (form.developer or "").strip() or None
    kind = (form.contractor_kind or "").strip() or None
    if kind not in (None, *(k for k, _ in CONTRACTOR_KINDS)):
        problems.add("contractor_kind", "实际招用劳动者的一方", "请选择分包单位或个人（包工头）")
    clean["contractor_kind"] = kind
    foreman = (form.foreman_name or "").strip() or None
    if kind == "individual" and not foreman:
        problems.add(
            "foreman_name", "包工头姓名", "实际招用劳动者的是个人（包工头）的，请填写其姓名"
        )
    clean["foreman_name"] = foreman if kind == "individual" else None
    clean["foreman_id_number"] = (
        (form.foreman_id_number or "").strip() or None if kind == "individual" else None
    )
    phone = (form.foreman_phone or "").strip()
    clean["foreman_phone"] = None
    if kind == "individual" and phone:
        checked = check_phone(phone)
        if not checked.ok:
            problems.add("foreman_phone", "包工头联系电话", checked.message)
        clean["foreman_phone"] = checked.value
    signs = list(dict.fromkeys(form.absconding or []))
    unknown = [s for s in signs if s not in SIGN_NAMES]
    if unknown:
        problems.add("absconding", "逃匿迹象", "包含未知的选项：" + "、".join(unknown))
    clean["absconding"] = json.dumps(signs, ensure_ascii=False)
    clean["absconding_note"] = (form.absconding_note or "").strip() or None
    evidence = [line.strip() for line in (form.evidence or "").splitlines() if line.strip()]
    if not evidence:
        problems.add(
            "evidence", "证据材料清单", "请逐行列出随函移送的证据材料（如考勤记录、工资欠条）"
        )
    clean["evidence"] = "\n".join(evidence)
    persons = {p.person_id: p for p in detail.applicants}
    rows = []
    if not form.workers:
        problems.add("workers", "被拖欠工资的劳动者", "至少列出一名劳动者及其欠薪期间和金额")
    seen = set()
    for i, w in enumerate(form.workers):
        key, label = f"workers[{i}]", f"第{i + 1}名劳动者"
        person = persons.get(w.person_id)
        if person is None:
            problems.add(f"{key}.person_id", label, "不是本案的申请人")
            continue
        if w.person_id in seen:
            problems.add(f"{key}.person_id", label, f"{person.name}重复列出")
        seen.add(w.person_id)
        period = (w.period or "").strip()
        if not period:
            problems.add(f"{key}.period", f"{label}（{person.name}）欠薪期间", "不能为空")
        try:
            amount = amounts.parse_amount(w.amount)
        except ValueError as exc:
            problems.add(f"{key}.amount", f"{label}（{person.name}）欠薪金额", str(exc))
            amount = None
        else:
            if amount is None or amount <= 0:
                problems.add(f"{key}.amount", f"{label}（{person.name}）欠薪金额", "应大于0")
        rows.append(
            {
                "person_id": w.person_id,
                "period": period,
                "amount": str(amount.quantize(Decimal("0.01"))) if amount is not None else "0.00",
            }
        )
    clean["workers"] = json.dumps(rows, ensure_ascii=False)
    return problems, clean


def _case(session: Session, case_id: str) -> DisputeCase:
    case = session.get(DisputeCase, case_id)
    if case is None or case.deleted:
        raise NotFound("案件不存在或已被删除")
    return case


def save_referral(
    store,
    case_id: str,
    form: ReferralInput,
    *,
    tracking: TrackingInput | None = None,
    today: date | None = None,
) -> str:
    """Record (or correct) the referral of the case, and with ``tracking`` what became of it, in
    one transaction; the referral's id. Raises ``FormInvalid`` with every problem, storing
    nothing."""
    today = today or date.today()
    with store.unit_of_work() as s:
        _case(s, case_id)
        detail = load_case(s, case_id)
        refusal = wage_refusal(detail)
        if refusal:
            raise WorkflowRefused(refusal)
        problems, clean = _check(detail, form, today)
        tracked = None
        if tracking is not None:
            tracked = _check_tracking(tracking, form.referred_on, today, problems)
        problems.raise_if_any()
        row = _row(s, case_id)
        if row is None:
            row = InspectionReferral(case_id=case_id, **clean)
            s.add(row)
        else:
            _assign(row, clean)
        if tracked is not None:
            _assign(row, tracked)
        return row.id


def _assign(row: InspectionReferral, values: dict) -> None:
    for k, v in values.items():
        if getattr(row, k) != v:
            setattr(row, k, v)


def _check_tracking(
    form: TrackingInput, referred_on: date | None, today: date, problems: Problems
) -> dict:
    number = (form.inspection_case_no or "").strip() or None
    if number and len(number) > 60:
        problems.add("inspection_case_no", "监察案件编号", "不超过60个字符")
    for key, label, day in (
        ("order_on", "责令支付日期", form.order_on),
        ("police_transfer_on", "移送公安机关日期", form.police_transfer_on),
    ):
        if day is None:
            continue
        if referred_on is not None and day < referred_on:
            problems.add(key, label, f"不能早于移送劳动保障监察之日{fmt(referred_on)}")
        if day > today:
            problems.add(key, label, "不能晚于今天")
    notes = {}
    for key, label, value in (
        ("order_note", "责令支付情况", form.order_note),
        ("police_note", "移送公安情况", form.police_note),
        ("note", "其他情况", form.note),
    ):
        value = (value or "").strip() or None
        if value and len(value) > 500:
            problems.add(key, label, "不超过500个字符")
        notes[key] = value
    if notes["order_note"] and form.order_on is None:
        problems.add("order_on", "责令支付日期", "填写了责令支付情况的，请填写日期")
    if notes["police_note"] and form.police_transfer_on is None:
        problems.add("police_transfer_on", "移送公安机关日期", "填写了移送公安情况的，请填写日期")
    return {
        "inspection_case_no": number,
        "order_on": form.order_on,
        "police_transfer_on": form.police_transfer_on,
        **notes,
    }


def record_tracking(store, case_id: str, form: TrackingInput, *, today: date | None = None) -> None:
    """What labor inspection did with the referral: its case number, the order to pay, and a
    transfer to the police (information only)."""
    today = today or date.today()
    with store.unit_of_work() as s:
        row = _row(s, case_id)
        if row is None:
            raise WorkflowRefused("本案尚未移送劳动保障监察，请先登记移送")
        problems = Problems()
        values = _check_tracking(form, row.referred_on, today, problems)
        problems.raise_if_any()
        _assign(row, values)


def tracking_lines(r: ReferralInfo) -> list[str]:
    """The referral and what became of it, as the register and the case page show it."""
    out = [f"{cn_date(r.referred_on)}移送{r.inspection_body}"]
    out.append(f"监察案件编号：{r.inspection_case_no or '（尚未反馈）'}")
    if r.order_on:
        out.append(f"{cn_date(r.order_on)}责令支付" + (f"：{r.order_note}" if r.order_note else ""))
    if r.police_transfer_on:
        out.append(
            f"{cn_date(r.police_transfer_on)}移送公安机关（刑法第二百七十六条之一，"
            "据监察机构告知，仅作记录）" + (f"：{r.police_note}" if r.police_note else "")
        )
    if r.note:
        out.append(r.note)
    return out
