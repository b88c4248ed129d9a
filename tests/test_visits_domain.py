"""The pure rules of visits: checklist, ledger states and deadlines, risk levels, credit notes."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.enums import CaseStatus, CreditNoteKind, FindingStatus, RiskLevel
from app.domain.visits import (
    CHECKLIST,
    RISK_WINDOW_DAYS,
    TRANSITIONS,
    CaseObservation,
    CreditEntry,
    FindingObservation,
    RiskIndicator,
    VisitObservation,
    assess_risk,
    check_credit_note,
    check_transition,
    credit_standing,
    days_overdue,
    default_deadline,
    is_overdue,
    risk_level_for,
)

TODAY = date(2026, 10, 20)
F = FindingStatus
R = RiskIndicator

LEVEL_ORDER = [RiskLevel.NONE, RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH]


def test_checklist_covers_the_plan_with_legal_bases():
    codes = [i.code for i in CHECKLIST]
    assert codes == [
        "labor_contract", "social_insurance", "wage_payment", "working_hours", "rest_leave",
        "union", "mediation_committee", "collective_contract", "party_org", "labor_dispatch",
        "publicity",
    ]  # fmt: skip
    assert len(set(codes)) == len(codes)
    for item in CHECKLIST:
        assert item.label and item.hint and item.legal_basis.startswith("《")
    by = {i.code: i for i in CHECKLIST}
    assert "电子劳动合同" in by["labor_contract"].label
    assert "特殊工时" in by["working_hours"].label
    assert by["mediation_committee"].above_scale_only
    assert "第十三条" in by["mediation_committee"].legal_basis
    assert "第四条" in by["labor_dispatch"].legal_basis


# ------------------------------------------------------------------ ledger states

ALLOWED = {
    (F.OPEN, F.RECTIFYING), (F.OPEN, F.RECTIFIED), (F.OPEN, F.ESCALATED),
    (F.RECTIFYING, F.RECTIFIED), (F.RECTIFYING, F.ESCALATED),
    (F.RECTIFIED, F.RECTIFYING),
}  # fmt: skip


@pytest.mark.parametrize("current", list(F))
@pytest.mark.parametrize("new", list(F))
def test_every_status_change_is_allowed_or_refused_with_a_reason(current, new):
    problems = check_transition(
        current, new, on=TODAY, note="复查情况", found_on=date(2026, 9, 1), today=TODAY
    )
    if current == new:
        # a follow-up note keeps the status, except on an escalated item
        assert (problems == []) == (current != F.ESCALATED)
    elif (current, new) in ALLOWED:
        assert problems == []
    else:
        assert problems == [f"问题状态不能从“{current.label}”改为“{new.label}”"]
    assert (new in TRANSITIONS[current]) == ((current, new) in ALLOWED)


def test_transitions_that_need_a_reason():
    kw = dict(on=TODAY, found_on=date(2026, 9, 1), today=TODAY)
    assert check_transition(F.OPEN, F.ESCALATED, note=" ", **kw) == ["移交劳动监察时请填写移交原因"]
    assert check_transition(F.RECTIFIED, F.RECTIFYING, note="", **kw) == [
        "重新打开已整改的问题时请说明原因"
    ]
    assert check_transition(F.OPEN, F.OPEN, note="", **kw) == ["状态未变化时请填写跟进情况"]
    assert check_transition(F.OPEN, F.RECTIFIED, note="", **kw) == []


def test_update_dates_and_new_deadlines():
    found = date(2026, 9, 1)
    assert check_transition(
        F.OPEN, F.RECTIFYING, on=date(2026, 8, 31), note="x", found_on=found, today=TODAY
    ) == ["跟进日期 2026-08-31 早于发现问题的日期 2026-09-01"]
    assert check_transition(
        F.OPEN, F.RECTIFYING, on=date(2026, 10, 21), note="x", found_on=found, today=TODAY
    ) == ["跟进日期 2026-10-21 晚于今天"]
    assert check_transition(
        F.OPEN,
        F.RECTIFYING,
        on=TODAY,
        note="x",
        found_on=found,
        today=TODAY,
        new_deadline=date(2026, 10, 19),
    ) == ["新的整改期限不能早于跟进日期"]
    assert check_transition(
        F.OPEN,
        F.RECTIFIED,
        on=TODAY,
        note="x",
        found_on=found,
        today=TODAY,
        new_deadline=date(2026, 11, 1),
    ) == ["“已整改”的问题不需要整改期限"]


def test_overdue_means_past_deadline_and_still_to_be_rectified():
    deadline = date(2026, 10, 19)
    assert is_overdue(F.OPEN, deadline, TODAY)
    assert is_overdue(F.RECTIFYING, deadline, TODAY)
    assert days_overdue(F.OPEN, deadline, TODAY) == 1
    assert not is_overdue(F.OPEN, TODAY, TODAY)  # due today is not yet overdue
    assert not is_overdue(F.RECTIFIED, deadline, TODAY)
    assert not is_overdue(F.ESCALATED, deadline, TODAY)
    assert not is_overdue(F.OPEN, None, TODAY)
    assert days_overdue(F.RECTIFIED, deadline, TODAY) == 0


def test_default_deadlines():
    assert default_deadline(date(2026, 10, 1), "wage_payment") == date(2026, 10, 16)
    assert default_deadline(date(2026, 10, 1), "labor_contract") == date(2026, 10, 31)


# ------------------------------------------------------------------ risk levels


@pytest.mark.parametrize(
    ("indicators", "level"),
    [
        (set(), RiskLevel.NONE),
        ({R.UTILITY_ARREARS}, RiskLevel.LOW),
        ({R.UNPAID_SOCIAL_INSURANCE}, RiskLevel.LOW),
        ({R.OWNER_UNREACHABLE}, RiskLevel.LOW),
        ({R.UNPAID_WAGES}, RiskLevel.MEDIUM),
        ({R.COLLECTIVE_COMPLAINTS}, RiskLevel.MEDIUM),
        ({R.UTILITY_ARREARS, R.UNPAID_SOCIAL_INSURANCE}, RiskLevel.MEDIUM),
        ({R.UNPAID_WAGES, R.OWNER_UNREACHABLE}, RiskLevel.HIGH),
        ({R.UNPAID_WAGES, R.COLLECTIVE_COMPLAINTS}, RiskLevel.HIGH),
        ({R.UNPAID_WAGES, R.UTILITY_ARREARS}, RiskLevel.MEDIUM),
        ({R.UTILITY_ARREARS, R.UNPAID_SOCIAL_INSURANCE, R.OWNER_UNREACHABLE}, RiskLevel.HIGH),
        (set(R), RiskLevel.HIGH),
    ],
)
def test_risk_level_rule(indicators, level):
    assert risk_level_for(indicators)[0] == level


@given(st.sets(st.sampled_from(list(R))), st.sampled_from(list(R)))
def test_one_more_indicator_never_lowers_the_level(indicators, extra):
    before = LEVEL_ORDER.index(risk_level_for(indicators)[0])
    after = LEVEL_ORDER.index(risk_level_for(indicators | {extra})[0])
    assert after >= before


def test_latest_assessing_visit_in_the_window_states_the_indicators():
    old = VisitObservation(date(2026, 9, 1), frozenset({R.UNPAID_WAGES, R.OWNER_UNREACHABLE}))
    assert assess_risk(visits=[old], today=TODAY).level == RiskLevel.HIGH
    # a later visit that found nothing clears them
    cleared = VisitObservation(date(2026, 10, 1), frozenset())
    assert assess_risk(visits=[old, cleared], today=TODAY).level == RiskLevel.NONE
    # a later visit that did not assess the risk changes nothing
    silent = VisitObservation(date(2026, 10, 2), None)
    assert assess_risk(visits=[old, silent], today=TODAY).level == RiskLevel.HIGH
    # out of the window
    later = date(2026, 9, 1).toordinal() + RISK_WINDOW_DAYS + 1
    assert assess_risk(visits=[old], today=date.fromordinal(later)).level == RiskLevel.NONE
    assert assess_risk(visits=[old], today=date.fromordinal(later - 1)).level == RiskLevel.HIGH


def _case(
    status=CaseStatus.IN_MEDIATION, types=("wages",), collective=False, received=date(2026, 10, 1)
):
    return CaseObservation(received, status, frozenset(types), collective)


def test_cases_add_unpaid_wages_and_collective_complaints():
    result = assess_risk(cases=[_case()], today=TODAY)
    assert result.level == RiskLevel.MEDIUM
    assert list(result.indicators) == [R.UNPAID_WAGES]
    assert assess_risk(cases=[_case(collective=True)], today=TODAY).level == RiskLevel.HIGH
    three = [_case(), _case(types=("overtime",)), _case(status=CaseStatus.FAILED)]
    assert assess_risk(cases=three, today=TODAY).level == RiskLevel.HIGH
    # concluded, refused or non-wage cases do not count
    for case in (
        _case(status=CaseStatus.CLOSED),
        _case(status=CaseStatus.WITHDRAWN),
        _case(status=CaseStatus.DECLINED),
        _case(types=("termination",)),
        _case(received=date(2026, 1, 1)),
    ):
        assert assess_risk(cases=[case], today=TODAY).level == RiskLevel.NONE


def test_unrectified_wage_findings_count_and_visits_combine_with_cases():
    finding = FindingObservation(date(2026, 10, 1), "wage_payment", F.ESCALATED)
    assert assess_risk(findings=[finding], today=TODAY).level == RiskLevel.MEDIUM
    fixed = FindingObservation(date(2026, 10, 1), "wage_payment", F.RECTIFIED)
    assert assess_risk(findings=[fixed], today=TODAY).level == RiskLevel.NONE
    other = FindingObservation(date(2026, 10, 1), "union", F.OPEN)
    assert assess_risk(findings=[other], today=TODAY).level == RiskLevel.NONE
    visit = VisitObservation(date(2026, 10, 5), frozenset({R.OWNER_UNREACHABLE}))
    result = assess_risk(visits=[visit], cases=[_case()], today=TODAY)
    assert result.level == RiskLevel.HIGH
    assert result.reason == "拖欠工资且企业负责人失联"
    assert result.indicators[R.OWNER_UNREACHABLE] == ["2026-10-05 走访记录"]


# ------------------------------------------------------------------ credit notes


def test_credit_notes():
    U, T, REP = CreditNoteKind.UNTRUSTWORTHY, CreditNoteKind.TRUSTWORTHY, CreditNoteKind.REPAIRED
    assert check_credit_note(T, TODAY, "按时发放工资", [], TODAY) == []
    assert check_credit_note(T, TODAY, " ", [], TODAY) == ["请填写事由"]
    assert check_credit_note(U, date(2026, 10, 21), "x", [], TODAY) == ["日期 2026-10-21 晚于今天"]
    need = ["信用修复需要在此之前有一条尚未修复的失信记录"]
    assert check_credit_note(REP, TODAY, "已补发", [], TODAY) == need
    bad = [CreditEntry(U, date(2026, 5, 1))]
    assert check_credit_note(REP, TODAY, "已补发", bad, TODAY) == []
    assert check_credit_note(REP, date(2026, 4, 1), "已补发", bad, TODAY) == need
    repaired = [*bad, CreditEntry(REP, date(2026, 6, 1))]
    assert check_credit_note(REP, TODAY, "再次修复", repaired, TODAY) == need
    assert credit_standing([]) is None
    assert credit_standing(repaired) == REP
    assert credit_standing([*repaired, CreditEntry(U, date(2026, 9, 1))]) == U
