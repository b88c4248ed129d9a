"""Enterprise visits, the problem ledger and the wage-arrears early warning: the rules.

Plain Python: the visit form, the ledger services, the workbench and the reports all call these.

* :data:`CHECKLIST`: what a visit (走访/巡查) checks, with the Chinese label and the legal basis.
* Ledger items (问题台账): :func:`check_transition` says which status changes are allowed and what
  they need; :func:`is_overdue` says when an item is overdue.
* Wage-arrears risk (欠薪预警): :class:`RiskIndicator` and :func:`assess_risk` turn what visits and
  cases recorded into the enterprise's :class:`~app.domain.enums.RiskLevel`.
* Credit notes (守信/失信/信用修复): :func:`check_credit_note` and :func:`credit_standing`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.domain.dates import iso_date
from app.domain.enums import CaseStatus, CreditNoteKind, FindingStatus, LabeledEnum, RiskLevel

# ====================================================================== the visit checklist


class CheckStatus(LabeledEnum):
    """The result recorded for one checklist item (an item left out was not checked)."""

    OK = ("ok", "符合")
    PROBLEM = ("problem", "存在问题")
    NOT_APPLICABLE = ("na", "不适用")


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    label: str
    #: what is checked, in the words a visitor uses with the enterprise
    hint: str
    legal_basis: str
    #: only checked at above-scale enterprises (规模以上企业); "not applicable" elsewhere
    above_scale_only: bool = False


CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem(
        "labor_contract",
        "劳动合同（含电子劳动合同）",
        "是否与全部职工订立书面劳动合同；采用电子劳动合同的，订立和保存是否符合要求",
        "《劳动合同法》第十条、第八十二条；《电子劳动合同订立指引》（人社厅发〔2021〕54号）",
    ),
    ChecklistItem(
        "social_insurance",
        "社会保险",
        "是否为全部职工办理社会保险登记并按时足额缴纳社会保险费",
        "《社会保险法》第五十八条、第六十条；《劳动法》第七十二条",
    ),
    ChecklistItem(
        "wage_payment",
        "工资按时足额支付",
        "是否以货币形式按月足额支付工资，有无克扣、拖欠；工资支付台账是否完整",
        "《劳动法》第五十条；《工资支付暂行规定》第七条；《保障农民工工资支付条例》",
    ),
    ChecklistItem(
        "working_hours",
        "工作时间与特殊工时审批",
        "工作时间和加班是否合法；实行不定时或综合计算工时工作制的是否经审批",
        "《劳动法》第三十六条、第三十九条、第四十一条；《国务院关于职工工作时间的规定》第三条；"
        "《关于企业实行不定时工作制和综合计算工时工作制的审批办法》（劳部发〔1994〕503号）",
    ),
    ChecklistItem(
        "rest_leave",
        "休息休假",
        "每周休息日、法定节假日、带薪年休假、产假等是否落实",
        "《劳动法》第三十八条、第四十条、第四十五条；《职工带薪年休假条例》第三条；"
        "《女职工劳动保护特别规定》第七条",
    ),
    ChecklistItem(
        "union",
        "工会组建",
        "是否建立工会（会员二十五人以上应当建立基层工会委员会）",
        "《工会法》第十一条",
    ),
    ChecklistItem(
        "mediation_committee",
        "劳动争议调解委员会（规模以上企业）",
        "规模以上（大中型）企业是否依法设立劳动争议调解委员会并配备工作人员",
        "《劳动争议调解仲裁法》第十条；《企业劳动争议协商调解规定》（人社部令第17号）第十三条",
        above_scale_only=True,
    ),
    ChecklistItem(
        "collective_contract",
        "集体合同与工资集体协商",
        "是否签订集体合同或专项集体合同，是否开展工资集体协商",
        "《劳动法》第三十三条；《劳动合同法》第五十一条；《集体合同规定》（劳动和社会保障部令第22号）；"
        "《工资集体协商试行办法》（劳动和社会保障部令第9号）",
    ),
    ChecklistItem(
        "party_org",
        "党组织建设",
        "有正式党员三人以上的是否建立党的基层组织",
        "《中国共产党章程》第三十条",
    ),
    ChecklistItem(
        "labor_dispatch",
        "劳务派遣用工",
        "被派遣劳动者是否只在临时性、辅助性、替代性岗位使用，数量是否不超过用工总量的10%",
        "《劳动合同法》第六十六条；《劳务派遣暂行规定》（人社部令第22号）第三条、第四条",
    ),
    ChecklistItem(
        "publicity",
        "发放宣传资料",
        "是否向企业和职工发放劳动法律法规宣传资料",
        "《鼓楼区构建和谐劳动关系示范区工作实施方案》二（三）劳动法律法规宣传",
    ),
)

CHECKLIST_BY_CODE: dict[str, ChecklistItem] = {item.code: item for item in CHECKLIST}


def checklist_item(code: str) -> ChecklistItem:
    try:
        return CHECKLIST_BY_CODE[code]
    except KeyError:
        raise KeyError(f"未知的检查项目：{code}") from None


def category_label(code: str) -> str:
    item = CHECKLIST_BY_CODE.get(code)
    return item.label if item else code


def default_check_status(item: ChecklistItem, above_scale: bool | None) -> CheckStatus | None:
    """What the form pre-selects: "not applicable" for above-scale-only items elsewhere."""
    if item.above_scale_only and above_scale is False:
        return CheckStatus.NOT_APPLICABLE
    return None


class VisitKind(LabeledEnum):
    VISIT = ("visit", "走访")
    INSPECTION = ("inspection", "巡查")
    FOLLOW_UP = ("follow_up", "回访")


# ====================================================================== the problem ledger

#: Statuses in which the enterprise still has to act (the item can become overdue).
ACTIVE_STATUSES = frozenset({FindingStatus.OPEN, FindingStatus.RECTIFYING})

#: Allowed status changes. A rectified item can be reopened (a follow-up finds it was not really
#: fixed); an escalated item belongs to labor inspection and is final for the station.
TRANSITIONS: dict[FindingStatus, frozenset[FindingStatus]] = {
    FindingStatus.OPEN: frozenset(
        {FindingStatus.RECTIFYING, FindingStatus.RECTIFIED, FindingStatus.ESCALATED}
    ),
    FindingStatus.RECTIFYING: frozenset({FindingStatus.RECTIFIED, FindingStatus.ESCALATED}),
    FindingStatus.RECTIFIED: frozenset({FindingStatus.RECTIFYING}),
    FindingStatus.ESCALATED: frozenset(),
}

#: Default rectification period in days, which the visitor may change on the form (station
#: practice, not a statutory period): wage arrears are urgent, the rest gets a month.
DEFAULT_RECTIFY_DAYS = 30
RECTIFY_DAYS_BY_CATEGORY = {"wage_payment": 15}


def default_deadline(visited_on: date, category: str) -> date:
    return visited_on + timedelta(days=RECTIFY_DAYS_BY_CATEGORY.get(category, DEFAULT_RECTIFY_DAYS))


def is_overdue(status: FindingStatus, deadline: date | None, today: date) -> bool:
    """Overdue: the deadline has passed and the item is neither rectified nor escalated."""
    return deadline is not None and today > deadline and FindingStatus(status) in ACTIVE_STATUSES


def days_overdue(status: FindingStatus, deadline: date | None, today: date) -> int:
    return (today - deadline).days if is_overdue(status, deadline, today) else 0


def check_transition(
    current: FindingStatus,
    new: FindingStatus,
    *,
    on: date,
    note: str | None,
    found_on: date,
    today: date,
    new_deadline: date | None = None,
) -> list[str]:
    """Why a ledger update is refused (empty list: allowed).

    An update keeping the status is a follow-up note and needs the note. A status change must be
    in :data:`TRANSITIONS`. Escalating to labor inspection and reopening need a reason. The date
    may be neither before the problem was found nor in the future. A new deadline must not be
    before the update.
    """
    current, new = FindingStatus(current), FindingStatus(new)
    problems: list[str] = []
    text = (note or "").strip()
    if on > today:
        problems.append(f"跟进日期 {iso_date(on)} 晚于今天")
    if on < found_on:
        problems.append(f"跟进日期 {iso_date(on)} 早于发现问题的日期 {iso_date(found_on)}")
    if new == current:
        if current == FindingStatus.ESCALATED:
            problems.append("该问题已移交劳动监察，不能再更新")
        elif not text:
            problems.append("状态未变化时请填写跟进情况")
    elif new not in TRANSITIONS[current]:
        problems.append(f"问题状态不能从“{current.label}”改为“{new.label}”")
    elif new == FindingStatus.ESCALATED and not text:
        problems.append("移交劳动监察时请填写移交原因")
    elif current == FindingStatus.RECTIFIED and not text:
        problems.append("重新打开已整改的问题时请说明原因")
    if new_deadline is not None:
        if new not in ACTIVE_STATUSES:
            problems.append(f"“{new.label}”的问题不需要整改期限")
        elif new_deadline < on:
            problems.append("新的整改期限不能早于跟进日期")
    return problems


# ====================================================================== wage-arrears early warning


class RiskIndicator(LabeledEnum):
    UNPAID_WAGES = ("unpaid_wages", "拖欠工资")
    UNPAID_SOCIAL_INSURANCE = ("unpaid_social_insurance", "欠缴社会保险费")
    OWNER_UNREACHABLE = ("owner_unreachable", "企业负责人失联或难以联系")
    COLLECTIVE_COMPLAINTS = ("collective_complaints", "集体投诉或群体讨薪")
    UTILITY_ARREARS = ("utility_arrears", "拖欠水电费或房租")


#: Indicators older than this no longer count.
RISK_WINDOW_DAYS = 180
#: Dispute types whose open cases mean unpaid wages.
WAGE_DISPUTE_TYPES = frozenset({"wages", "overtime"})
#: Case statuses in which a wage claim is still unpaid (refused, withdrawn and closed cases are not).
UNRESOLVED_CASE_STATUSES = frozenset(
    {
        CaseStatus.REGISTERED,
        CaseStatus.ACCEPTED,
        CaseStatus.IN_MEDIATION,
        CaseStatus.AGREEMENT_REACHED,
        CaseStatus.PERFORMING,
        CaseStatus.FAILED,
    }
)
#: This many unresolved wage cases against one enterprise count as a collective complaint.
COLLECTIVE_CASE_COUNT = 3


@dataclass(frozen=True)
class VisitObservation:
    """What one visit recorded: ``indicators`` None means the visit did not assess the risk."""

    visited_on: date
    indicators: frozenset[RiskIndicator] | None
    ref: str = ""


@dataclass(frozen=True)
class CaseObservation:
    received_on: date
    status: CaseStatus
    dispute_types: frozenset[str]
    is_collective: bool
    ref: str = ""


@dataclass(frozen=True)
class FindingObservation:
    found_on: date
    category: str
    status: FindingStatus
    ref: str = ""


@dataclass
class RiskAssessment:
    level: RiskLevel
    #: each indicator in force with where it came from (Chinese, for the enterprise page)
    indicators: dict[RiskIndicator, list[str]] = field(default_factory=dict)
    reason: str = ""


def risk_level_for(indicators: Iterable[RiskIndicator]) -> tuple[RiskLevel, str]:
    """The level for a set of indicators in force, with the rule that decided it.

    * high (高): unpaid wages together with an unreachable owner or a collective complaint
      (the pattern that precedes wage-arrears flight and group incidents), or three or more
      indicators at once;
    * medium (中): unpaid wages or a collective complaint on its own, or any two indicators;
    * low (低): any one other indicator (unpaid social insurance, an owner hard to reach,
      utility or rent arrears);
    * none (无风险): no indicator in force.
    """
    found = set(indicators)
    wages = RiskIndicator.UNPAID_WAGES in found
    if wages and RiskIndicator.OWNER_UNREACHABLE in found:
        return RiskLevel.HIGH, "拖欠工资且企业负责人失联"
    if wages and RiskIndicator.COLLECTIVE_COMPLAINTS in found:
        return RiskLevel.HIGH, "拖欠工资且有集体投诉"
    if len(found) >= 3:
        return RiskLevel.HIGH, f"同时存在{len(found)}项预警指标"
    if wages:
        return RiskLevel.MEDIUM, "存在拖欠工资"
    if RiskIndicator.COLLECTIVE_COMPLAINTS in found:
        return RiskLevel.MEDIUM, "存在集体投诉"
    if len(found) == 2:
        return RiskLevel.MEDIUM, "同时存在2项预警指标"
    if found:
        return RiskLevel.LOW, f"存在1项预警指标（{next(iter(found)).label}）"
    return RiskLevel.NONE, "近期无预警指标"


def assess_risk(
    *,
    visits: Sequence[VisitObservation] = (),
    cases: Sequence[CaseObservation] = (),
    findings: Sequence[FindingObservation] = (),
    today: date,
    window_days: int = RISK_WINDOW_DAYS,
) -> RiskAssessment:
    """The enterprise's wage-arrears risk from what was recorded in the last ``window_days``.

    Which indicators are in force:

    1. Visits: the most recent visit in the window that assessed the risk states the indicators
       (the form asks all five each time, so a later visit that finds none clears earlier ones).
    2. Cases received in the window that are still unresolved (registered … performing, or
       failed and gone to arbitration): a wages or overtime claim means *unpaid wages*; a
       collective case (Art. 7) or :data:`COLLECTIVE_CASE_COUNT` such cases mean a *collective
       complaint*.
    3. Ledger items on wage payment found in the window and not rectified mean *unpaid wages*.

    The level then follows :func:`risk_level_for`.
    """
    since = today - timedelta(days=window_days)
    sources: dict[RiskIndicator, list[str]] = {}

    def add(indicator: RiskIndicator, source: str) -> None:
        sources.setdefault(indicator, []).append(source)

    assessed = [v for v in visits if v.indicators is not None and since <= v.visited_on <= today]
    if assessed:
        latest = max(assessed, key=lambda v: v.visited_on)
        for indicator in sorted(latest.indicators or (), key=list(RiskIndicator).index):
            add(indicator, f"{iso_date(latest.visited_on)} 走访记录")

    wage_cases = [
        c
        for c in cases
        if since <= c.received_on <= today
        and CaseStatus(c.status) in UNRESOLVED_CASE_STATUSES
        and c.dispute_types & WAGE_DISPUTE_TYPES
    ]
    for c in wage_cases:
        add(RiskIndicator.UNPAID_WAGES, f"{iso_date(c.received_on)} 受理的欠薪案件")
    collective = [c for c in wage_cases if c.is_collective]
    for c in collective:
        add(RiskIndicator.COLLECTIVE_COMPLAINTS, f"{iso_date(c.received_on)} 受理的集体欠薪案件")
    if not collective and len(wage_cases) >= COLLECTIVE_CASE_COUNT:
        add(RiskIndicator.COLLECTIVE_COMPLAINTS, f"{len(wage_cases)}件未结欠薪案件")

    for f in findings:
        if (
            f.category == "wage_payment"
            and since <= f.found_on <= today
            and FindingStatus(f.status) != FindingStatus.RECTIFIED
        ):
            add(RiskIndicator.UNPAID_WAGES, f"{iso_date(f.found_on)} 问题台账（工资支付）")

    level, reason = risk_level_for(sources)
    ordered = {k: sources[k] for k in RiskIndicator if k in sources}
    return RiskAssessment(level, ordered, reason)


# ====================================================================== credit notes


@dataclass(frozen=True)
class CreditEntry:
    kind: CreditNoteKind
    noted_on: date


def check_credit_note(
    kind: CreditNoteKind,
    noted_on: date,
    reason: str,
    existing: Sequence[CreditEntry],
    today: date,
) -> list[str]:
    """Why a credit note is refused: a reason is required, the date may not be in the future, and
    a repair (信用修复) needs an earlier 失信 entry that has not been repaired yet."""
    kind = CreditNoteKind(kind)
    problems: list[str] = []
    if not (reason or "").strip():
        problems.append("请填写事由")
    if noted_on > today:
        problems.append(f"日期 {iso_date(noted_on)} 晚于今天")
    if kind == CreditNoteKind.REPAIRED:
        before = sorted((e for e in existing if e.noted_on <= noted_on), key=lambda e: e.noted_on)
        if not before or CreditNoteKind(before[-1].kind) != CreditNoteKind.UNTRUSTWORTHY:
            problems.append("信用修复需要在此之前有一条尚未修复的失信记录")
    return problems


def credit_standing(entries: Sequence[CreditEntry]) -> CreditNoteKind | None:
    """The enterprise's standing: the kind of its latest entry (None: no entries)."""
    if not entries:
        return None
    return CreditNoteKind(sorted(entries, key=lambda e: e.noted_on)[-1].kind)
