"""Applying the case state machine (:mod:`app.domain.case_workflow`) to the store, and the other
changes of a case's own fields: the extension of the mediation period, corrections of the intake."""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cases import actions
from app.cases.actions import require
from app.cases.detail import load_case
from app.cases.errors import Problems, WorkflowRefused
from app.cases.intake import ClaimInput, _check_claims, check_employment
from app.cases.risk import refresh_respondent_risk
from app.domain.case_workflow import (
    TransitionInput,
    TransitionRefused,
    check_transition,
)
from app.domain.deadlines import DeadlineError, check_extension, fmt
from app.domain.enums import CaseStatus, DeclineCategory, FailureReason
from app.store.changes import soft_delete
from app.store.errors import Conflict, NotFound
from app.store.models import CaseClaim, DisputeCase, UserAccount, utcnow

log = logging.getLogger(__name__)
S = CaseStatus


def _case_for_update(s: Session, case_id: str, expected_version: int | None) -> DisputeCase:
    case = s.get(DisputeCase, case_id)
    if case is None or case.deleted:
        raise NotFound("案件不存在或已被删除")
    if expected_version is not None and case.version != expected_version:
        raise Conflict("案件已被其他用户修改，请刷新后重试")
    return case


def apply_transition(
    s: Session,
    case: DisputeCase,
    target: CaseStatus,
    given: TransitionInput,
    today: date,
) -> None:
    """Check and apply one transition inside the caller's transaction."""
    detail = load_case(s, case.id)
    try:
        check_transition(detail.rule_facts(today), target, given, today)
    except TransitionRefused as exc:
        raise WorkflowRefused.at(exc.reason, exc.field) from exc
    reason = (given.reason or "").strip() or None
    case.status = target
    case.status_changed_at = utcnow()
    if target == S.ACCEPTED:
        case.accepted_on = given.on
    elif target == S.DECLINED:
        case.declined_reason = reason
        case.decline_category = DeclineCategory(given.decline_category)
        case.declined_on = given.on
        case.declined_by = (given.decided_by or "").strip() or None
        case.outcome_on = given.on
    elif target == S.IN_MEDIATION:
        case.mediation_started_on = given.on
    elif target == S.AGREEMENT_REACHED:
        case.outcome_on = given.on
        case.failure_reason = None
        if reason:
            case.outcome_note = reason
    elif target == S.FAILED:
        case.outcome_on = given.on
        case.failure_reason = FailureReason(given.failure_reason)
        case.outcome_note = reason
    elif target == S.WITHDRAWN:
        case.outcome_on = given.on
        case.outcome_note = reason
    elif target == S.CLOSED:
        case.closed_on = given.on
        if reason:
            case.outcome_note = (
                f"{case.outcome_note}\n结案说明：{reason}"
                if case.outcome_note
                else f"结案说明：{reason}"
            )
    elif target == S.ARCHIVED:
        case.archived_on = given.on
        case.archive_no = (given.archive_no or "").strip()


def change_status(
    store,
    case_id: str,
    target: CaseStatus,
    *,
    on: date | None = None,
    reason: str | None = None,
    failure_reason: FailureReason | None = None,
    archive_no: str | None = None,
    decline_category: DeclineCategory | str | None = None,
    today: date | None = None,
    expected_version: int | None = None,
) -> None:
    """Move a case to ``target``; refused with a Chinese reason unless the rules allow it."""
    today = today or date.today()
    user = getattr(store, "user", None)
    given = TransitionInput(
        on=on or today,
        reason=reason,
        failure_reason=failure_reason,
        archive_no=archive_no,
        decline_category=DeclineCategory(decline_category) if decline_category else None,
        decided_by=getattr(user, "display_name", None),
    )
    with store.unit_of_work() as s:
        case = _case_for_update(s, case_id, expected_version)
        source = case.status
        apply_transition(s, case, CaseStatus(target), given, today)
        refresh_respondent_risk(s, case, today)
    log.info("case %s: %s -> %s", case_id, source.value, CaseStatus(target).value)


def extend_mediation(
    store,
    case_id: str,
    until: date,
    consent_note: str,
    *,
    today: date | None = None,
    expected_version: int | None = None,
) -> None:
    """Record an extension of the mediation period agreed by both parties."""
    today = today or date.today()
    with store.unit_of_work() as s:
        case = _case_for_update(s, case_id, expected_version)
        detail = require(s, case_id, actions.EXTEND, today)
        try:
            until, note = check_extension(detail.clock, until, consent_note, today)
        except DeadlineError as exc:
            # only an empty note is the consent's fault; every other refusal is the date's
            field = "延长至" if (consent_note or "").strip() else "双方同意情况"
            raise WorkflowRefused.at(str(exc), field) from exc
        case.extended_until = until
        stamp = f"{today.isoformat()} 延长至{until.isoformat()}：{note}"
        case.extension_note = f"{case.extension_note}\n{stamp}" if case.extension_note else stamp


def update_details(
    store,
    case_id: str,
    *,
    facts: str,
    requests: str | None,
    claims: list[ClaimInput],
    mediator_id: str | None,
    co_mediators: str | None,
    is_migrant_worker: bool,
    employment_ended_on: date | None,
    infringement_known_on: date | None,
    employment_status=None,
    today: date | None = None,
    expected_version: int | None = None,
) -> None:
    """Correct the facts, requests, claims and case handling details while the case is open."""
    today = today or date.today()
    with store.unit_of_work() as s:
        case = _case_for_update(s, case_id, expected_version)
        require(s, case_id, actions.EDIT_DETAILS, today)
        problems = Problems()
        if not (facts or "").strip():
            problems.add("facts", "事实与理由", "不能为空")
        from app.cases.intake import IntakeForm

        clean_claims = _check_claims(IntakeForm(claims=claims), problems)
        if employment_ended_on and employment_ended_on > today:
            problems.add("employment_ended_on", "劳动关系解除或终止日期", "不能晚于今天")
        if employment_status is None and case.employment_status is not None:
            employment_status = case.employment_status
        if employment_status is None:
            # A case registered before the status was asked: an end date still tells it.
            employment_status = "ended" if employment_ended_on else None
        status_value = None
        if employment_status is not None:
            status_value, employment_ended_on = check_employment(
                employment_status, employment_ended_on, problems
            )
        if infringement_known_on and infringement_known_on > case.received_on:
            problems.add("infringement_known_on", "知道权利被侵害之日", "不能晚于收到调解申请之日")
        if mediator_id:
            account = s.get(UserAccount, mediator_id)
            if account is None or not account.active:
                problems.add("mediator_id", "承办调解员", "所选调解员不存在或已停用")
        problems.raise_if_any()
        case.facts = facts.strip()
        case.requests = (requests or "").strip() or None
        case.mediator_id = mediator_id or case.mediator_id
        case.co_mediators = (co_mediators or "").strip() or None
        case.is_migrant_worker = bool(is_migrant_worker)
        case.employment_status = status_value
        case.employment_ended_on = employment_ended_on
        case.infringement_known_on = infringement_known_on
        existing = list(
            s.scalars(
                select(CaseClaim).where(CaseClaim.case_id == case_id, CaseClaim.deleted.is_(False))
            )
        )
        # Claims are matched in order: unchanged ones keep their record, the rest are replaced.
        for old, new in zip(existing, clean_claims, strict=False):
            for key, value in new.items():
                if getattr(old, key) != value:
                    setattr(old, key, value)
        for old in existing[len(clean_claims) :]:
            soft_delete(s, old)
        for new in clean_claims[len(existing) :]:
            s.add(CaseClaim(case_id=case_id, **new))
        refresh_respondent_risk(s, case, today)


def record_confirmation(
    store,
    case_id: str,
    *,
    review_applied_on: date | None,
    court_confirmation_on: date | None,
    note: str | None,
    today: date | None = None,
    expected_version: int | None = None,
) -> None:
    """Record that the parties applied jointly for arbitration review (仲裁审查确认, 办案规则
    Art. 74) or for court confirmation (司法确认) of the signed agreement."""
    today = today or date.today()
    with store.unit_of_work() as s:
        case = _case_for_update(s, case_id, expected_version)
        detail = require(s, case_id, actions.CONFIRMATION, today)
        current = detail.current_agreement
        problems = Problems()
        for key, label, day in (
            ("review_applied_on", "申请仲裁审查日期", review_applied_on),
            ("court_confirmation_on", "申请司法确认日期", court_confirmation_on),
        ):
            if day is None:
                continue
            if day < current.signed_on:
                problems.add(key, label, f"不能早于协议签署之日{fmt(current.signed_on)}")
            if day > today:
                problems.add(key, label, "不能晚于今天")
        note = (note or "").strip() or None
        if note and len(note) > 500:
            problems.add("confirmation_note", "情况说明", "不超过500个字符")
        problems.raise_if_any()
        case.review_applied_on = review_applied_on
        case.court_confirmation_on = court_confirmation_on
        case.confirmation_note = note
