"""The state machine of a mediation case, over :class:`CaseStatus`.

    registered ─┬─> accepted ──> in_mediation ─┬─> agreement_reached ─┬─> performing ─> closed ─> archived
                ├─> declined (reason)          ├─> failed (reason)    └─────────────────> closed
                └─> withdrawn                   └─> withdrawn
    accepted ──> failed (a party refused, or the time ran out before a session) | withdrawn
    declined / failed / withdrawn ──> closed ──> archived

Each transition checks the facts of the case (:class:`CaseFacts`, a plain snapshot the store builds)
and is refused with a Chinese reason (:class:`TransitionRefused`). The store layer applies the
change; the GUI shows one button per target :func:`allowed_targets` returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.domain.deadlines import MediationClock, fmt
from app.domain.enums import CaseStatus, DeclineCategory, FailureReason

S = CaseStatus

#: target -> what the button says
ACTION_LABELS: dict[CaseStatus, str] = {
    S.ACCEPTED: "受理",
    S.DECLINED: "不予受理",
    S.IN_MEDIATION: "开始调解",
    S.AGREEMENT_REACHED: "达成协议",
    S.FAILED: "调解终止（未达成协议）",
    S.WITHDRAWN: "申请人撤回",
    S.PERFORMING: "转入履行跟踪",
    S.CLOSED: "结案",
    S.ARCHIVED: "归档",
}

TRANSITIONS: dict[CaseStatus, tuple[CaseStatus, ...]] = {
    S.REGISTERED: (S.ACCEPTED, S.DECLINED, S.WITHDRAWN),
    S.ACCEPTED: (S.IN_MEDIATION, S.FAILED, S.WITHDRAWN),
    S.IN_MEDIATION: (S.AGREEMENT_REACHED, S.FAILED, S.WITHDRAWN),
    S.AGREEMENT_REACHED: (S.PERFORMING, S.CLOSED),
    S.PERFORMING: (S.CLOSED,),
    S.DECLINED: (S.CLOSED,),
    S.FAILED: (S.CLOSED,),
    S.WITHDRAWN: (S.CLOSED,),
    S.CLOSED: (S.ARCHIVED,),
    S.ARCHIVED: (),
    # reached only by a transfer (app.cases.transfers), never by a button
    S.TRANSFERRED: (),
}
#: states from which a case may be transferred to another station (移交): before any outcome
TRANSFERABLE = frozenset({S.REGISTERED, S.ACCEPTED, S.IN_MEDIATION})

#: states in which the mediation period is running (the 15-day clock matters)
ACTIVE = frozenset({S.REGISTERED, S.ACCEPTED, S.IN_MEDIATION})
#: states after an agreement (performance matters)
AGREED = frozenset({S.AGREEMENT_REACHED, S.PERFORMING})
#: states in which the intake details (parties, claims, facts) may still be corrected
EDITABLE = frozenset({S.REGISTERED, S.ACCEPTED, S.IN_MEDIATION})
#: states in which sessions may be recorded
SESSIONS_ALLOWED = frozenset({S.ACCEPTED, S.IN_MEDIATION, S.AGREEMENT_REACHED, S.FAILED})
#: states in which an agreement may be drafted, signed or revised
AGREEMENT_ALLOWED = frozenset({S.IN_MEDIATION, S.AGREEMENT_REACHED, S.PERFORMING})
#: states in which performance may be recorded
PERFORMANCE_ALLOWED = frozenset({S.AGREEMENT_REACHED, S.PERFORMING, S.CLOSED})

_NEXT_STEP = {
    S.REGISTERED: "已登记的案件应先受理或不予受理",
    S.ACCEPTED: "已受理的案件应先开始调解",
    S.IN_MEDIATION: "调解中的案件只能达成协议、终止调解或由申请人撤回",
    S.AGREEMENT_REACHED: "达成协议的案件应转入履行跟踪或结案",
    S.PERFORMING: "履行跟踪中的案件只能在履行完毕或逾期处理后结案",
    S.DECLINED: "不予受理的案件只能结案",
    S.FAILED: "调解不成的案件只能结案",
    S.WITHDRAWN: "已撤回的案件只能结案",
    S.CLOSED: "已结案的案件只能归档",
    S.ARCHIVED: "已归档的案件不能再变更状态",
    S.TRANSFERRED: "已移交的案件由接收站点继续办理，本站不能再变更状态",
}


class TransitionRefused(ValueError):
    """A transition the rules do not allow; ``str()`` is the Chinese reason."""

    def __init__(self, reason: str, field: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.field = field


@dataclass(frozen=True)
class CaseFacts:
    """What the rules need to know about a case (built by the store layer)."""

    status: CaseStatus
    received_on: date
    applicants: int = 1
    has_respondent: bool = True
    accepted_on: date | None = None
    mediation_started_on: date | None = None
    extended_until: date | None = None
    #: a signed (current) agreement exists
    has_signed_agreement: bool = False
    signed_on: date | None = None
    #: terms of the signed agreement that are not yet fully performed
    open_terms: int = 0
    #: of those, terms past their due date
    overdue_terms: int = 0
    sessions: int = 0
    #: a draft agreement is being prepared
    has_draft_agreement: bool = False

    @property
    def clock(self) -> MediationClock:
        return MediationClock(self.received_on, self.extended_until)


@dataclass(frozen=True)
class TransitionInput:
    """What the user gives with a transition."""

    on: date
    reason: str | None = None
    failure_reason: FailureReason | None = None
    archive_no: str | None = None
    #: a decline: its category (each has its own route on the notice) and who decided
    decline_category: DeclineCategory | None = None
    decided_by: str | None = None


def _refuse(reason: str, field: str | None = None) -> None:
    raise TransitionRefused(reason, field)


def check_transition(
    facts: CaseFacts, target: CaseStatus, given: TransitionInput, today: date
) -> None:
    """Raise :class:`TransitionRefused` with the reason unless ``facts.status -> target`` is allowed."""
    source = facts.status
    target = CaseStatus(target)
    if target == source:
        _refuse(f"案件已处于“{source.label}”状态")
    if target not in TRANSITIONS[source]:
        _refuse(f"案件当前为“{source.label}”，不能转为“{target.label}”：{_NEXT_STEP[source]}")
    on = given.on
    if on > today:
        _refuse(f"日期{fmt(on)}晚于今天，不能预先登记", "日期")
    if on < facts.received_on:
        _refuse(f"日期{fmt(on)}早于收到申请之日{fmt(facts.received_on)}", "日期")
    reason = (given.reason or "").strip()

    if target == S.ACCEPTED:
        if facts.applicants < 1:
            _refuse("没有申请人，不能受理：请先补充申请人信息")
        if not facts.has_respondent:
            _refuse("没有被申请人（用人单位），不能受理：请先补充被申请人")
    elif target == S.DECLINED:
        if not reason:
            _refuse("不予受理须写明理由（例如不属于劳动争议、已进入仲裁或诉讼程序）", "理由")
        if given.decline_category is None:
            _refuse(
                "请选择不予受理的原因类别（不属于劳动争议、已由仲裁委员会或法院受理、"
                "被申请人不同意调解、不属于本组织受理范围）：通知书按类别告知申请人去向",
                "原因类别",
            )
    elif target == S.IN_MEDIATION:
        if facts.accepted_on and on < facts.accepted_on:
            _refuse(f"开始调解的日期不能早于受理日期{fmt(facts.accepted_on)}", "日期")
    elif target == S.AGREEMENT_REACHED:
        if not facts.has_signed_agreement:
            hint = "请先签署草稿" if facts.has_draft_agreement else "请先制作调解协议书并签署"
            _refuse(
                "尚无已签署的调解协议书：协议书须由双方当事人签名或盖章、调解员签名并加盖调解组织印章后生效"
                f"（调解仲裁法第十四条），{hint}"
            )
    elif target == S.FAILED:
        if facts.has_signed_agreement:
            _refuse("本案已有签署生效的调解协议书，不能再以调解不成终止")
        if given.failure_reason is None:
            _refuse("请选择调解终止的原因", "终止原因")
        failure = FailureReason(given.failure_reason)
        if failure == FailureReason.TIME_RAN_OUT and on <= facts.clock.end:
            _refuse(
                f"调解期限至{fmt(facts.clock.end)}尚未届满，不能以“{failure.label}”终止；"
                "如确实无法达成协议，请选择“未能达成协议”或“一方拒绝调解”",
                "终止原因",
            )
        if source == S.ACCEPTED and failure == FailureReason.NO_AGREEMENT:
            _refuse(
                "尚未开始调解，不能以“未能达成协议”终止：请先开始调解，或选择“一方拒绝调解”",
                "终止原因",
            )
    elif target == S.WITHDRAWN:
        if facts.has_signed_agreement:
            _refuse("本案已有签署生效的调解协议书，申请人不能再撤回调解申请")
    elif target == S.PERFORMING:
        if not facts.has_signed_agreement:
            _refuse("尚无已签署的调解协议书，不能转入履行跟踪")
        if facts.open_terms == 0:
            _refuse("协议各项已全部履行完毕，请直接结案")
    elif target == S.CLOSED:
        if source in (S.AGREEMENT_REACHED, S.PERFORMING):
            pending = facts.open_terms - facts.overdue_terms
            if pending > 0:
                _refuse(
                    f"协议尚有{pending}项未到履行期限且未履行完毕，不能结案：请在履行完毕或期限届满后再结案"
                )
            if facts.overdue_terms > 0 and not reason:
                _refuse(
                    f"协议有{facts.overdue_terms}项逾期未履行：结案须写明处理情况"
                    "（例如已告知劳动者可申请支付令或仲裁）",
                    "结案说明",
                )
    elif target == S.ARCHIVED and not (given.archive_no or "").strip():
        _refuse("归档须填写档案号", "档案号")


def allowed_targets(facts: CaseFacts, today: date) -> list[tuple[CaseStatus, str, str | None]]:
    """Every target of the current state with its button label and, when refused now, the reason.

    The reason is computed with neutral input (today as the date, a placeholder reason/failure
    reason), so only facts of the case block a target here; the dialog asks for the rest.
    """
    out = []
    for target in TRANSITIONS[facts.status]:
        given = TransitionInput(
            on=today,
            reason="（待填写）",
            failure_reason=(
                FailureReason.NO_AGREEMENT
                if facts.status == S.IN_MEDIATION
                else FailureReason.PARTY_REFUSED
            ),
            archive_no="（待填写）",
            decline_category=DeclineCategory.RESPONDENT_REFUSED,
        )
        try:
            check_transition(facts, target, given, today)
        except TransitionRefused as exc:
            out.append((target, ACTION_LABELS[target], exc.reason))
        else:
            out.append((target, ACTION_LABELS[target], None))
    return out


def failure_reasons_for(source: CaseStatus) -> list[FailureReason]:
    if source == S.ACCEPTED:
        return [FailureReason.PARTY_REFUSED, FailureReason.TIME_RAN_OUT]
    return list(FailureReason)


def describe_status(status: CaseStatus) -> str:
    return CaseStatus(status).label
