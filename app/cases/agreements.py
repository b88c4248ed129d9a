"""The mediation agreement (调解协议书): drafts, signing, new versions.

A draft can be edited freely. Signing checks what Art. 14 and Art. 16 need (every payment with
its amount, due date and method; the performance deadline), fixes the content in an
:class:`AgreementSnapshot` (the parties with all their details, the terms, the dates) whose SHA-256
is the agreement's ``content_hash``, and from then on nothing can change it: the mapper events of
:mod:`app.store.models.case_records` and the SQL triggers of ``0003_cases`` refuse any update.
A change after signing is a new version (a draft that copies the signed one); signing it marks the
old version superseded, and the old version stays as it was signed.

Signing the first agreement of a case in mediation moves the case to "agreement reached".
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.cases.actions import EDIT_AGREEMENT, NEW_AGREEMENT_VERSION, SIGN_AGREEMENT, require
from app.cases.detail import AgreementInfo, CaseDetail, load_case
from app.cases.errors import Problems, WorkflowRefused
from app.cases.intake import MAX_AMOUNT, parse_amount
from app.cases.schedule import (
    ShareInput,
    clean_schedule,
    needs_payee,
    schedule_content,
    shares_from_json,
)
from app.cases.signing import SignatureInput, check_signatures, default_signatures
from app.cases.workflow import _case_for_update, apply_transition
from app.domain.case_workflow import TransitionInput
from app.domain.deadlines import (
    art16_applies,
    check_term_dates,
    default_term_item,
    fmt,
    term_item_name,
)
from app.domain.enums import AgreementStatus, CaseStatus, PartyRole, TermKind
from app.store.changes import soft_delete
from app.store.errors import Conflict, NotFound
from app.store.models import (
    AgreementSnapshot,
    AgreementTerm,
    MediationAgreement,
)
from app.store.models.case_records import SignedAgreementFixed

log = logging.getLogger(__name__)

CONTENT_FORMAT = 1


@dataclass
class TermInput:
    kind: TermKind = TermKind.PAYMENT
    item: str = "wages"
    description: str = ""
    amount: Decimal | str | None = None
    due_on: date | None = None
    method: str = ""
    payer_enterprise_id: str | None = None
    payee_person_id: str | None = None
    #: per-worker schedule (multi-worker cases): each worker's amount, due date, method/account
    schedule: list[ShareInput] = field(default_factory=list)


@dataclass
class AgreementInput:
    facts: str = ""
    terms: list[TermInput] = field(default_factory=list)
    other_terms: str = ""
    performance_deadline: date | None = None
    copies: int = 3


# ---------------------------------------------------------------- content and hash


def canonical_json(content: dict) -> str:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(content: dict) -> str:
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def party_content(detail: CaseDetail, day: date) -> tuple[list[dict], list[dict], list[dict]]:
    """Applicants, respondents and agents as printed documents show them (ages on ``day``)."""
    applicants = [
        {
            "name": p.name,
            "sex": p.sex,
            "birth_date": _day(p.birth_date),
            "age": p.age_on(day),
            "id_number": p.id_number,
            "address": p.address,
            "phone": p.phone,
            "job": p.job,
            "representative": p.is_representative,
        }
        for p in detail.applicants
    ]
    respondents = [
        {
            "role": p.role.value,
            "role_label": p.role.label,
            "name": p.name,
            "credit_code": p.credit_code,
            "address": p.address,
            "legal_rep": p.legal_rep,
            "phone": p.phone,
        }
        for p in detail.respondents
    ]
    agents = [
        {
            "side": "respondent" if p.role == PartyRole.RESPONDENT_AGENT else "applicant",
            "name": p.name,
            "organisation": p.organisation,
            "phone": p.phone,
            "authority": p.authority,
            "for": p.agent_for_name,
        }
        for p in detail.agents
    ]
    return applicants, respondents, agents


def agreement_content(
    detail: CaseDetail,
    agreement: AgreementInfo,
    organisation: str,
    *,
    signed_on: date | None = None,
) -> dict:
    """Everything the printed agreement shows, as plain JSON-able data (the signed snapshot)."""
    signed_on = signed_on or agreement.signed_on
    age_day = signed_on or date.today()
    previous = next((a for a in detail.agreements if a.id == agreement.supersedes_id), None)
    applicants, respondents, agents = party_content(detail, age_day)
    terms = []
    for t in agreement.terms:
        terms.append(
            {
                "seq": t.seq,
                "kind": t.kind.value,
                "item": t.item,
                "item_name": term_item_name(t.item),
                "description": t.description,
                "amount": _money(t.amount),
                "due_on": _day(t.due_on),
                "method": t.method,
                "payer": detail.name_of_enterprise(t.payer_enterprise_id),
                # Art. 16 names the employer: a term the general contractor pays first
                # (保障农民工工资支付条例 Art. 30) has the arbitration route, not a payment order
                "payer_is_employer": t.payer_enterprise_id in (None, detail.respondent_id),
                "payee": detail.name_of_person(t.payee_person_id),
                "art16": t.art16,
                "schedule": schedule_content(detail, t.schedule),
            }
        )
    return {
        "format": CONTENT_FORMAT,
        "case_no": detail.case_no,
        "organisation": organisation,
        "version_no": agreement.version_no,
        "supersedes_version": previous.version_no if previous else None,
        "change_reason": agreement.change_reason,
        "is_collective": detail.is_collective,
        "is_construction": detail.is_construction,
        # who applied, and a dispatch case (their party titles; older snapshots lack the keys)
        "employer_applied": detail.employer_applied,
        "is_dispatch": detail.is_dispatch,
        "project_name": detail.project_name,
        "applicants": applicants,
        "respondents": respondents,
        "agents": agents,
        "matters": [
            {"type": c.dispute_type, "name": c.type_name, "amount": _money(c.amount)}
            for c in detail.claims
        ],
        "facts": agreement.facts,
        "terms": terms,
        "total": _money(agreement.total),
        "other_terms": agreement.other_terms,
        "performance_deadline": _day(agreement.performance_deadline),
        "copies": agreement.copies,
        "signed_on": _day(signed_on),
        "mediators": "、".join(n for n in (detail.mediator_name, detail.co_mediators) if n),
    }


def signed_content(session, agreement_id: str) -> dict | None:
    snap = session.scalar(
        select(AgreementSnapshot).where(AgreementSnapshot.agreement_id == agreement_id)
    )
    return json.loads(snap.content) if snap else None


def verify_signed(session, agreement_id: str) -> bool:
    """True when the stored snapshot still hashes to the hash recorded at signing."""
    agreement = session.get(MediationAgreement, agreement_id)
    snap = session.scalar(
        select(AgreementSnapshot).where(AgreementSnapshot.agreement_id == agreement_id)
    )
    if agreement is None or snap is None:
        return False
    digest = hashlib.sha256(snap.content.encode("utf-8")).hexdigest()
    return digest == snap.content_hash == agreement.content_hash


# ---------------------------------------------------------------- drafts


def _clean_terms(
    detail: CaseDetail,
    terms: list[TermInput],
    problems: Problems,
    *,
    strict: bool,
    performance_deadline: date | None = None,
) -> list[dict]:
    enterprise_ids = {p.enterprise_id for p in detail.respondents}
    person_ids = {p.person_id for p in detail.applicants}
    out = []
    for i, t in enumerate(terms):
        key, label = f"terms[{i}]", f"第{i + 1}项"
        kind = TermKind(t.kind)
        description = (t.description or "").strip()
        try:
            amount = parse_amount(t.amount)
        except ValueError as exc:
            problems.add(f"{key}.amount", f"{label}金额", str(exc))
            amount = None
        if amount is not None and (amount <= 0 or amount >= MAX_AMOUNT):
            problems.add(f"{key}.amount", f"{label}金额", "金额应大于0且小于1亿元")
        elif amount is not None and amount != amount.quantize(Decimal("0.01")):
            problems.add(f"{key}.amount", f"{label}金额", "金额最多保留两位小数（分）")
        if kind == TermKind.OBLIGATION:
            amount = None
        if t.payer_enterprise_id and t.payer_enterprise_id not in enterprise_ids:
            problems.add(f"{key}.payer", f"{label}付款方", "付款方应为本案的被申请人")
        if t.payee_person_id and t.payee_person_id not in person_ids:
            problems.add(f"{key}.payee", f"{label}收款人", "收款人应为本案的申请人")
        if not description and not (kind == TermKind.PAYMENT and t.item):
            problems.add(f"{key}.description", f"{label}内容", "不能为空")
        if strict and kind == TermKind.PAYMENT:
            if amount is None:
                problems.add(f"{key}.amount", f"{label}金额", "付款事项须写明确切金额")
            if t.due_on is None:
                problems.add(f"{key}.due_on", f"{label}履行日期", "付款事项须写明确切的支付日期")
            if not (t.method or "").strip():
                problems.add(
                    f"{key}.method", f"{label}支付方式", "须写明支付方式（如银行转账、现金）"
                )
        schedule = None
        if kind == TermKind.PAYMENT:
            shares = list(t.schedule or [])
            if shares and t.payee_person_id:
                problems.add(
                    f"{key}.schedule",
                    f"{label}分配明细",
                    "已指定收款人的，不再填写分配明细：请二选一",
                )
            schedule = clean_schedule(
                detail,
                shares,
                amount,
                key=key,
                label=label,
                strict=strict,
                term_due=t.due_on,
                term_method=t.method,
                performance_deadline=performance_deadline,
                problems=problems,
            )
            # 调解仲裁法 Art. 16: a payment order is for the amount owed to the worker who
            # applies, so in a case of several workers each payment names who is paid.
            if strict and needs_payee(detail) and not t.payee_person_id and not shares:
                problems.add(
                    f"{key}.payee",
                    f"{label}收款人",
                    f"本案有{len(detail.applicants)}名申请人：须指定收款人，或填写每位劳动者的"
                    "分配明细（姓名、身份证号、金额、履行日期、支付方式）",
                )
        payer = t.payer_enterprise_id
        if kind == TermKind.PAYMENT and not payer and detail.respondent:
            payer = detail.respondent.enterprise_id
        out.append(
            {
                "seq": i + 1,
                "kind": kind,
                "item": t.item if kind == TermKind.PAYMENT else (t.item or None),
                "description": description or term_item_name(t.item),
                "amount": amount,
                "due_on": t.due_on,
                "method": (t.method or "").strip() or None,
                "payer_enterprise_id": payer if kind == TermKind.PAYMENT else None,
                "payee_person_id": t.payee_person_id,
                "art16": art16_applies(t.item, kind == TermKind.PAYMENT),
                "schedule": schedule,
            }
        )
    return out


def suggested_draft(detail: CaseDetail) -> AgreementInput:
    """A first draft from the case: its facts and one payment term per claim with an amount."""
    current = detail.current_agreement
    if current is not None:
        return input_from(current)
    terms = [
        TermInput(
            kind=TermKind.PAYMENT,
            item=default_term_item(c.dispute_type),
            description=f"被申请人支付申请人{c.type_name}",
            amount=c.amount,
        )
        for c in detail.claims
        if c.amount
    ]
    return AgreementInput(facts=detail.facts or "", terms=terms, copies=len(detail.respondents) + 2)


def input_from(agreement: AgreementInfo) -> AgreementInput:
    return AgreementInput(
        facts=agreement.facts or "",
        terms=[
            TermInput(
                kind=t.kind,
                item=t.item or "other",
                description=t.description,
                amount=t.amount,
                due_on=t.due_on,
                method=t.method or "",
                payer_enterprise_id=t.payer_enterprise_id,
                payee_person_id=t.payee_person_id,
                schedule=shares_from_json(t.schedule),
            )
            for t in agreement.terms
        ],
        other_terms=agreement.other_terms or "",
        performance_deadline=agreement.performance_deadline,
        copies=agreement.copies,
    )


def _check_common(data: AgreementInput, problems: Problems) -> None:
    if not isinstance(data.copies, int) or not 2 <= data.copies <= 20:
        problems.add("copies", "份数", "协议书份数应为2至20份（双方各执一份，调解组织存档一份）")


def save_draft(
    store,
    case_id: str,
    data: AgreementInput,
    *,
    agreement_id: str | None = None,
    change_reason: str | None = None,
    expected_version: int | None = None,
) -> str:
    """Create the case's draft (a first version, or a new version of a signed one) or replace the
    content of an existing draft. Returns the draft's id."""
    with store.unit_of_work() as s:
        _case_for_update(s, case_id, None)
        detail = load_case(s, case_id)
        # no draft yet beside a signed version: this opens a new version (editing the signed
        # one itself is refused below, SignedAgreementFixed)
        opens_version = detail.draft_agreement is None and detail.current_agreement is not None
        require(s, case_id, NEW_AGREEMENT_VERSION if opens_version else EDIT_AGREEMENT)
        problems = Problems()
        _check_common(data, problems)
        terms = _clean_terms(
            detail,
            data.terms,
            problems,
            strict=False,
            performance_deadline=data.performance_deadline,
        )
        problems.raise_if_any()
        if agreement_id is None and detail.draft_agreement is not None:
            agreement_id = detail.draft_agreement.id
        if agreement_id is not None:
            agreement = s.get(MediationAgreement, agreement_id)
            if agreement is None or agreement.deleted or agreement.case_id != case_id:
                raise NotFound("调解协议书不存在或已被删除")
            if agreement.status != AgreementStatus.DRAFT:
                raise SignedAgreementFixed()
            if expected_version is not None and agreement.version != expected_version:
                raise Conflict("协议书草稿已被其他用户修改，请刷新后重试")
        else:
            current = detail.current_agreement
            if current is not None:
                change_reason = check_change_reason(change_reason)
            version_no = (
                s.scalar(
                    select(func.max(MediationAgreement.version_no)).where(
                        MediationAgreement.case_id == case_id
                    )
                )
                or 0
            ) + 1
            agreement = MediationAgreement(
                case_id=case_id,
                version_no=version_no,
                status=AgreementStatus.DRAFT,
                supersedes_id=current.id if current else None,
                change_reason=(change_reason or "").strip() or None,
            )
            s.add(agreement)
        agreement.facts = (data.facts or "").strip() or None
        agreement.other_terms = (data.other_terms or "").strip() or None
        agreement.performance_deadline = data.performance_deadline
        agreement.copies = data.copies
        s.flush()
        # Terms are matched by position: changed ones are updated, extra ones tombstoned.
        existing = list(
            s.scalars(
                select(AgreementTerm)
                .where(AgreementTerm.agreement_id == agreement.id, AgreementTerm.deleted.is_(False))
                .order_by(AgreementTerm.seq)
            )
        )
        for old, values in zip(existing, terms, strict=False):
            for key, value in values.items():
                if getattr(old, key) != value:
                    setattr(old, key, value)
        for old in existing[len(terms) :]:
            soft_delete(s, old)
        for values in terms[len(existing) :]:
            s.add(AgreementTerm(agreement_id=agreement.id, **values))
        return agreement.id


def validate_for_signing(
    detail: CaseDetail,
    agreement: AgreementInfo,
    signed_on: date,
    today: date,
    signatures: list[SignatureInput] | None = None,
) -> list[dict]:
    """Raises FormInvalid with every problem; returns the signatures as recorded."""
    problems = Problems()
    if signed_on > today:
        problems.add("signed_on", "签署日期", "不能晚于今天")
    if signed_on < detail.received_on:
        problems.add("signed_on", "签署日期", "不能早于收到调解申请之日")
    if not (agreement.facts or "").strip():
        problems.add("facts", "争议事实", "协议书须写明争议的主要事实")
    if not agreement.terms:
        problems.add("terms", "协议内容", "协议书至少需要一项协议内容")
    if agreement.performance_deadline is None:
        problems.add("performance_deadline", "履行期限", "须写明履行期限")
    elif agreement.performance_deadline < signed_on:
        problems.add("performance_deadline", "履行期限", "不能早于签署日期")
    if not 2 <= agreement.copies <= 20:
        problems.add("copies", "份数", "协议书份数应为2至20份")
    if not detail.applicants or detail.respondent is None:
        problems.add("parties", "当事人", "协议书须有申请人和被申请人")
    data = input_from(agreement)
    _clean_terms(
        detail,
        data.terms,
        problems,
        strict=True,
        performance_deadline=agreement.performance_deadline,
    )
    # A new version may keep terms that fell due under the version it replaces.
    earliest = None if agreement.supersedes_id else signed_on
    for i, t in enumerate(agreement.terms):
        problem = check_term_dates(t.due_on, agreement.performance_deadline, earliest)
        if problem:
            problems.add(f"terms[{i}].due_on", f"第{i + 1}项履行日期", problem)
    if signatures is None:
        signatures = default_signatures(detail)
    records = check_signatures(detail, signatures, problems)
    problems.raise_if_any()
    return records


def sign(
    store,
    agreement_id: str,
    *,
    signed_on: date,
    today: date | None = None,
    expected_version: int | None = None,
    signatures: list[SignatureInput] | None = None,
) -> str:
    """Sign a draft: fix its content (snapshot + hash), supersede the version it replaces, and move
    a case in mediation to "agreement reached". Returns the content hash.

    ``signatures``: who signed for each party and in what capacity (:mod:`app.cases.signing`);
    None records each worker in person and each employer by its legal representative, sealed.
    An agent with only general authority is refused."""
    today = today or date.today()
    organisation = store.station.organisation_name
    with store.unit_of_work() as s:
        agreement = s.get(MediationAgreement, agreement_id)
        if agreement is None or agreement.deleted:
            raise NotFound("调解协议书不存在或已被删除")
        if agreement.status != AgreementStatus.DRAFT:
            raise WorkflowRefused("该协议书已经签署，不能重复签署")
        if expected_version is not None and agreement.version != expected_version:
            raise Conflict("协议书草稿已被其他用户修改，请刷新后重试")
        case = _case_for_update(s, agreement.case_id, None)
        detail = require(s, case.id, SIGN_AGREEMENT, today)
        info = next(a for a in detail.agreements if a.id == agreement_id)
        records = validate_for_signing(detail, info, signed_on, today, signatures)
        content = agreement_content(detail, info, organisation, signed_on=signed_on)
        content["signatures"] = records
        digest = content_hash(content)
        if info.supersedes_id:
            previous = s.get(MediationAgreement, info.supersedes_id)
            if previous is not None and previous.status == AgreementStatus.SIGNED:
                previous.status = AgreementStatus.SUPERSEDED
        agreement.status = AgreementStatus.SIGNED
        agreement.signed_on = signed_on
        agreement.signatures = records
        agreement.content_hash = digest
        s.add(
            AgreementSnapshot(
                agreement_id=agreement.id, content=canonical_json(content), content_hash=digest
            )
        )
        if case.status == CaseStatus.IN_MEDIATION:
            s.flush()
            apply_transition(
                s, case, CaseStatus.AGREEMENT_REACHED, TransitionInput(on=signed_on), today
            )
    log.info("agreement %s signed (version %d)", agreement_id, info.version_no)
    return digest


CHANGE_REASON_MAX = 500


def check_change_reason(reason: str | None) -> str:
    """The reason a signed agreement is changed by a new version: required, at most 500
    characters. Returns it stripped; refused at the field ``变更原因``."""
    text = (reason or "").strip()
    if not text:
        raise WorkflowRefused.at(
            "已有签署生效的协议书：变更须制作新版本，并写明变更原因", "变更原因"
        )
    if len(text) > CHANGE_REASON_MAX:
        raise WorkflowRefused.at(f"不超过{CHANGE_REASON_MAX}个字符", "变更原因")
    return text


def new_version(store, case_id: str, change_reason: str) -> str:
    """Start a new version of the signed agreement: a draft copying it, with the reason."""
    with store.read() as s:
        detail = require(s, case_id, NEW_AGREEMENT_VERSION)
    current = detail.current_agreement
    return save_draft(store, case_id, input_from(current), change_reason=change_reason)


def discard_draft(store, agreement_id: str) -> None:
    with store.unit_of_work() as s:
        agreement = s.get(MediationAgreement, agreement_id)
        if agreement is None or agreement.deleted:
            raise NotFound("调解协议书不存在或已被删除")
        if agreement.status != AgreementStatus.DRAFT:
            raise SignedAgreementFixed()
        for t in s.scalars(select(AgreementTerm).where(AgreementTerm.agreement_id == agreement_id)):
            soft_delete(s, t)
        soft_delete(s, agreement)


def translate_db_refusal(exc: IntegrityError) -> Exception:
    """The triggers' refusal as the user's message."""
    if "signed agreement is fixed" in str(exc.orig):
        return SignedAgreementFixed()
    return exc


def describe_terms(agreement: AgreementInfo) -> str:
    parts = []
    for t in agreement.terms:
        if t.kind == TermKind.PAYMENT:
            parts.append(f"{term_item_name(t.item)}{t.amount}元（{fmt(t.due_on)}前）")
        else:
            parts.append(t.description)
    return "；".join(parts)
