"""What can be done with a case now, asked of the core: one list the case page shows and the case
services enforce, so a rule is written once.

:func:`available_actions` extends :func:`app.domain.case_workflow.allowed_targets` (the status
changes) with the other actions of the case page (延长调解期限, 调解笔录, 协议书, 履行, 附件 …).
Each action carries ``enabled`` and, when it is not, the Chinese reason; a service that is asked
for a refused action raises :class:`~app.cases.errors.WorkflowRefused` with that same reason
(:func:`require`).

:func:`deadline_notes` gives the deadline lines of the case page header with their tone, and
:data:`TONE_COLORS` the colour of each tone, so the widgets only paint what the core says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from app.cases.detail import CaseDetail, load_case
from app.cases.errors import WorkflowRefused
from app.domain.case_workflow import (
    ACTIVE,
    AGREED,
    AGREEMENT_ALLOWED,
    EDITABLE,
    PERFORMANCE_ALLOWED,
    SESSIONS_ALLOWED,
    allowed_targets,
)
from app.domain.dates import days_left_text
from app.domain.deadlines import ClockState, default_route
from app.domain.enums import CaseStatus

S = CaseStatus

# keys of the actions that are not status changes (a status change's key is its target's value)
EXTEND = "extend"
CONFIRMATION = "confirmation"
EDIT_DETAILS = "edit_details"
EDIT_PARTY = "edit_party"
ADD_SESSION = "add_session"
EDIT_SESSION = "edit_session"
EDIT_AGREEMENT = "edit_agreement"
NEW_AGREEMENT_VERSION = "new_agreement_version"
SIGN_AGREEMENT = "sign_agreement"
ATTACH_SCAN = "attach_scan"
RECORD_PERFORMANCE = "record_performance"
RECORD_FOLLOWUP = "record_followup"
REFERRAL = "referral"
ATTACH = "attach"

READ_ONLY = "当前账户只能查看案件，不能办理"


@dataclass(frozen=True)
class CaseAction:
    """One thing the user may ask of a case."""

    key: str
    label: str
    enabled: bool
    #: why not, in Chinese (``None`` when enabled)
    reason: str | None = None
    #: the status this action moves the case to (``None``: not a status change)
    target: CaseStatus | None = None
    #: offered on the case page at all in this state (a button that makes no sense is not shown)
    offered: bool = True

    @property
    def main(self) -> bool:
        """A status change: the main actions of the case page, whose refusal is spelt out."""
        return self.target is not None


def _action(key: str, label: str, reason: str | None, *, offered: bool = True) -> CaseAction:
    return CaseAction(key, label, reason is None, reason, None, offered)


def available_actions(case: CaseDetail, today: date, *, can_write: bool = True) -> list[CaseAction]:
    """Every action of the case page, status changes first, each enabled or with its reason.

    ``can_write`` False (a read-only account): every action is refused with :data:`READ_ONLY`.
    """
    status = case.status
    label = status.label
    current = case.current_agreement
    draft = case.draft_agreement
    out: list[CaseAction] = [
        CaseAction(target.value, text, reason is None, reason, target)
        for target, text, reason in allowed_targets(case.rule_facts(today), today)
    ]

    out.append(
        _action(
            EXTEND,
            "延长调解期限…",
            None if status in ACTIVE else f"案件当前为“{label}”，不能延长调解期限",
            offered=status in ACTIVE,
        )
    )
    if current is None or current.signed_on is None:
        why = "本案没有已签署生效的调解协议书，不能登记仲裁审查确认或司法确认"
    elif status == S.ARCHIVED:
        why = "案件已归档，不能再登记仲裁审查确认或司法确认"
    else:
        why = None
    out.append(
        _action(
            CONFIRMATION,
            "仲裁审查确认/司法确认…",
            why,
            offered=current is not None and status in AGREED,
        )
    )
    not_editable = None if status in EDITABLE else f"案件当前为“{label}”，登记信息不能再修改"
    out.append(_action(EDIT_DETAILS, "修改登记信息…", not_editable, offered=status in EDITABLE))
    out.append(
        _action(
            EDIT_PARTY,
            "修改当事人信息…",
            None if status in EDITABLE else f"案件当前为“{label}”，当事人信息不能再修改",
            offered=status in EDITABLE,
        )
    )
    out.append(
        _action(
            ADD_SESSION,
            "新增笔录…",
            None
            if status in SESSIONS_ALLOWED
            else f"案件当前为“{label}”，不能记录调解笔录"
            + ("：请先受理" if status == S.REGISTERED else ""),
        )
    )
    if status in (S.CLOSED, S.ARCHIVED):
        why = f"案件已{label}，调解笔录不能再修改"
    elif not case.sessions:
        why = "本案还没有调解笔录"
    else:
        why = None
    out.append(_action(EDIT_SESSION, "修改所选笔录…", why))
    if status not in AGREEMENT_ALLOWED:
        why = f"案件当前为“{label}”，不能制作调解协议书" + (
            "：请先开始调解" if status in (S.REGISTERED, S.ACCEPTED) else ""
        )
        out.append(_action(EDIT_AGREEMENT, "拟定/编辑协议书…", why))
        out.append(_action(NEW_AGREEMENT_VERSION, "制作新版本…", why))
        out.append(_action(SIGN_AGREEMENT, "签署", f"案件当前为“{label}”，不能签署调解协议书"))
    else:
        out.append(
            _action(
                EDIT_AGREEMENT,
                "拟定/编辑协议书…",
                "已有签署生效的协议书：变更须用“制作新版本…”，并写明变更原因"
                if current is not None and draft is None
                else None,
            )
        )
        if current is None:
            why = "本案尚无签署生效的协议书，请直接编辑草稿"
        elif draft is not None:
            why = f"已有第{draft.version_no}版草稿，请继续编辑该草稿"
        else:
            why = None
        out.append(_action(NEW_AGREEMENT_VERSION, "制作新版本…", why))
        out.append(
            _action(
                SIGN_AGREEMENT,
                "签署",
                None if draft is not None else "没有待签署的协议书草稿：请先拟定协议书",
            )
        )
    out.append(
        _action(
            ATTACH_SCAN,
            "附加签署件扫描…",
            "案件已归档，不能再附加文件"
            if status == S.ARCHIVED
            else (None if case.agreements else "本案还没有调解协议书"),
        )
    )
    if current is None:
        why = "只能对签署生效（未被新版本取代）的协议书登记履行情况"
    elif status not in PERFORMANCE_ALLOWED:
        why = f"案件当前为“{label}”，不能登记履行情况"
    else:
        why = None
    out.append(_action(RECORD_PERFORMANCE, "登记履行…", why))
    # 回访 (issue 13 point 5): on the agreement in force while it is being performed
    out.append(_action(RECORD_FOLLOWUP, "登记回访…", why))
    # referral of wage arrears to labor inspection (issue 13 point 6): a worker's wage claim
    wage_claim = any(c.dispute_type in ("wages", "overtime") for c in case.claims)
    if case.employer_applied:
        why = "用人单位申请调解的案件不移送劳动保障监察"
    elif not wage_claim:
        why = "本案没有拖欠劳动报酬（工资、加班费）的请求，不移送劳动保障监察"
    elif status == S.ARCHIVED:
        why = "案件已归档，不能再移送"
    else:
        why = None
    out.append(
        _action(REFERRAL, "移送劳动监察…", why, offered=wage_claim and not case.employer_applied)
    )
    out.append(
        _action(
            ATTACH, "附加扫描件…", "案件已归档，不能再附加文件" if status == S.ARCHIVED else None
        )
    )
    if not can_write:
        out = [CaseAction(a.key, a.label, False, READ_ONLY, a.target, a.offered) for a in out]
    return out


def action(case: CaseDetail, key: str, today: date, *, can_write: bool = True) -> CaseAction:
    """The one action ``key`` (a status change: the target's value)."""
    for a in available_actions(case, today, can_write=can_write):
        if a.key == key:
            return a
    # a status change not reachable from here at all: the state machine says why
    return CaseAction(key, key, False, f"案件当前为“{case.status.label}”，不能办理此事项")


def require(s: Session, case_id: str, key: str, today: date | None = None) -> CaseDetail:
    """Inside a service's transaction: refuse ``key`` unless :func:`available_actions` allows it
    (with the reason the case page shows). Returns the loaded case."""
    detail = load_case(s, case_id)
    found = action(detail, key, today or date.today())
    if not found.enabled:
        raise WorkflowRefused(found.reason or "此事项现在不能办理")
    return detail


# ---------------------------------------------------------------- deadlines, as the page shows them

#: tone -> the colour the case screens paint it in
TONE_COLORS = {"overdue": "#b3261e", "due_soon": "#a15c00", "normal": "#20324a"}


@dataclass(frozen=True)
class DeadlineNote:
    text: str
    #: ``"overdue"``, ``"due_soon"`` or ``"normal"`` (see :data:`TONE_COLORS`)
    tone: str = "normal"

    @property
    def color(self) -> str:
        return TONE_COLORS[self.tone]


def deadline_notes(case: CaseDetail, today: date) -> list[DeadlineNote]:
    """The deadline lines of the case page header: the mediation period (while it runs), the right
    to arbitrate, the arbitration time limit and each overdue term of the agreement."""
    notes: list[DeadlineNote] = []
    if case.status in ACTIVE:
        clock = case.clock
        state = clock.state(today)
        tone = {ClockState.EXPIRED: "overdue", ClockState.DUE_SOON: "due_soon"}.get(state, "normal")
        notes.append(DeadlineNote(clock.describe(today), tone))
        if state == ClockState.EXPIRED or clock.may_apply_for_arbitration(today):
            notes.append(DeadlineNote("收到申请已满十五日：当事人可以依法申请仲裁。"))
    limit = case.arbitration_limit()
    expired = limit.deadline is not None and today > limit.deadline
    notes.append(DeadlineNote(limit.describe(today), "overdue" if expired else "normal"))
    for term, st in case.open_terms(today):
        if st.overdue:
            route = default_route(
                term.art16, term.payer_enterprise_id in (None, case.respondent_id)
            ).label
            notes.append(
                DeadlineNote(
                    f"第{term.seq}项{overdue_text(st.days_overdue)}未履行：{route}", "overdue"
                )
            )
    return notes


def overdue_text(days: int) -> str:
    """ "已逾期30天" (never "-30")."""
    return days_left_text(-days)
