"""The case state machine: every transition, allowed and refused, with its Chinese reason."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from app.domain.case_workflow import (
    TRANSITIONS,
    CaseFacts,
    TransitionInput,
    TransitionRefused,
    allowed_targets,
    check_transition,
)
from app.domain.enums import CaseStatus, FailureReason

S = CaseStatus
RECEIVED = date(2026, 3, 2)
TODAY = date(2026, 3, 10)


def facts(status: CaseStatus, **extra) -> CaseFacts:
    """Facts under which every listed transition out of ``status`` is allowed."""
    base = dict(status=status, received_on=RECEIVED, accepted_on=RECEIVED)
    if status in (S.AGREEMENT_REACHED, S.PERFORMING):
        base.update(has_signed_agreement=True, signed_on=date(2026, 3, 5), open_terms=0)
    base.update(extra)
    return CaseFacts(**base)


def given(target: CaseStatus, **extra) -> TransitionInput:
    values = dict(
        on=TODAY,
        reason="说明",
        failure_reason=FailureReason.NO_AGREEMENT,
        archive_no="2026-档-001",
        decline_category="respondent_refused",
    )
    values.update(extra)
    return TransitionInput(**values)


ALLOWED = [(src, dst) for src, targets in TRANSITIONS.items() for dst in targets]
REFUSED = [
    (src, dst)
    for src, dst in itertools.product(CaseStatus, CaseStatus)
    if dst not in TRANSITIONS[src] and src != dst
]


@pytest.mark.parametrize(("source", "target"), ALLOWED, ids=[f"{a}->{b}" for a, b in ALLOWED])
def test_every_allowed_transition_passes(source, target):
    extra = {}
    if source == S.AGREEMENT_REACHED and target == S.PERFORMING:
        extra = {"open_terms": 2}
    if target == S.AGREEMENT_REACHED:
        extra = {"has_signed_agreement": True}
    failure = FailureReason.PARTY_REFUSED if source == S.ACCEPTED else FailureReason.NO_AGREEMENT
    check_transition(facts(source, **extra), target, given(target, failure_reason=failure), TODAY)


@pytest.mark.parametrize(("source", "target"), REFUSED, ids=[f"{a}->{b}" for a, b in REFUSED])
def test_every_other_transition_is_refused_with_the_reason(source, target):
    with pytest.raises(TransitionRefused) as caught:
        check_transition(facts(source), target, given(target), TODAY)
    reason = caught.value.reason
    assert f"当前为“{source.label}”" in reason and f"不能转为“{target.label}”" in reason


@pytest.mark.parametrize("status", list(CaseStatus))
def test_a_case_cannot_move_to_its_own_state(status):
    with pytest.raises(TransitionRefused, match="已处于"):
        check_transition(facts(status), status, given(status), TODAY)


def test_the_graph_reaches_archived_from_registered_by_each_outcome():
    paths = [
        [
            S.REGISTERED,
            S.ACCEPTED,
            S.IN_MEDIATION,
            S.AGREEMENT_REACHED,
            S.PERFORMING,
            S.CLOSED,
            S.ARCHIVED,
        ],
        [S.REGISTERED, S.ACCEPTED, S.IN_MEDIATION, S.AGREEMENT_REACHED, S.CLOSED, S.ARCHIVED],
        [S.REGISTERED, S.ACCEPTED, S.IN_MEDIATION, S.FAILED, S.CLOSED, S.ARCHIVED],
        [S.REGISTERED, S.ACCEPTED, S.IN_MEDIATION, S.WITHDRAWN, S.CLOSED, S.ARCHIVED],
        [S.REGISTERED, S.DECLINED, S.CLOSED, S.ARCHIVED],
        [S.REGISTERED, S.WITHDRAWN, S.CLOSED, S.ARCHIVED],
        [S.REGISTERED, S.ACCEPTED, S.FAILED, S.CLOSED, S.ARCHIVED],
    ]
    for path in paths:
        for a, b in itertools.pairwise(path):
            assert b in TRANSITIONS[a], (a, b)
    assert TRANSITIONS[S.ARCHIVED] == ()


# ---------------------------------------------------------------- guards


def refused(source, target, match, *, on=TODAY, today=TODAY, **kw):
    facts_kw = {k: v for k, v in kw.items() if k in CaseFacts.__dataclass_fields__}
    given_kw = {k: v for k, v in kw.items() if k in TransitionInput.__dataclass_fields__}
    with pytest.raises(TransitionRefused, match=match):
        check_transition(facts(source, **facts_kw), target, given(target, on=on, **given_kw), today)


def test_dates_are_checked():
    refused(S.REGISTERED, S.ACCEPTED, "晚于今天", on=date(2026, 3, 11))
    refused(S.REGISTERED, S.ACCEPTED, "早于收到申请之日", on=date(2026, 3, 1))
    refused(
        S.ACCEPTED,
        S.IN_MEDIATION,
        "不能早于受理日期",
        on=date(2026, 3, 3),
        accepted_on=date(2026, 3, 4),
    )


def test_accepting_needs_applicants_and_a_respondent():
    refused(S.REGISTERED, S.ACCEPTED, "没有申请人", applicants=0)
    refused(S.REGISTERED, S.ACCEPTED, "没有被申请人", has_respondent=False)


def test_declining_needs_a_reason_and_a_category():
    refused(S.REGISTERED, S.DECLINED, "须写明理由", reason="  ")
    refused(S.REGISTERED, S.DECLINED, "原因类别", decline_category=None)


def test_agreement_reached_needs_a_signed_agreement():
    refused(S.IN_MEDIATION, S.AGREEMENT_REACHED, "请先制作调解协议书并签署")
    refused(S.IN_MEDIATION, S.AGREEMENT_REACHED, "请先签署草稿", has_draft_agreement=True)


def test_failure_reasons_follow_the_facts():
    refused(S.IN_MEDIATION, S.FAILED, "请选择调解终止的原因", failure_reason=None)
    # The 15 days of Art. 14 from 2 March end on 17 March.
    refused(
        S.IN_MEDIATION,
        S.FAILED,
        "尚未届满",
        failure_reason=FailureReason.TIME_RAN_OUT,
        on=date(2026, 3, 17),
        today=date(2026, 3, 17),
    )
    check_transition(
        facts(S.IN_MEDIATION),
        S.FAILED,
        given(S.FAILED, on=date(2026, 3, 18), failure_reason=FailureReason.TIME_RAN_OUT),
        date(2026, 3, 18),
    )
    # An agreed extension moves the end the station works to.
    refused(
        S.IN_MEDIATION,
        S.FAILED,
        "尚未届满",
        failure_reason=FailureReason.TIME_RAN_OUT,
        on=date(2026, 3, 20),
        today=date(2026, 3, 20),
        extended_until=date(2026, 3, 25),
    )
    refused(S.ACCEPTED, S.FAILED, "尚未开始调解", failure_reason=FailureReason.NO_AGREEMENT)
    refused(S.IN_MEDIATION, S.FAILED, "已有签署生效", has_signed_agreement=True)


def test_withdrawal_after_signing_is_refused():
    refused(S.IN_MEDIATION, S.WITHDRAWN, "不能再撤回", has_signed_agreement=True)


def test_performance_follow_up_needs_open_terms():
    refused(S.AGREEMENT_REACHED, S.PERFORMING, "全部履行完毕", open_terms=0)
    refused(
        S.AGREEMENT_REACHED, S.PERFORMING, "尚无已签署", has_signed_agreement=False, open_terms=1
    )


def test_closing_waits_for_performance_or_a_note_on_default():
    refused(S.PERFORMING, S.CLOSED, "2项未到履行期限", open_terms=3, overdue_terms=1)
    refused(S.PERFORMING, S.CLOSED, "须写明处理情况", open_terms=1, overdue_terms=1, reason="")
    check_transition(
        facts(S.PERFORMING, open_terms=1, overdue_terms=1),
        S.CLOSED,
        given(S.CLOSED, reason="已告知申请人可申请支付令"),
        TODAY,
    )
    check_transition(
        facts(S.PERFORMING, open_terms=0), S.CLOSED, given(S.CLOSED, reason=None), TODAY
    )


def test_archiving_needs_an_archive_number():
    refused(S.CLOSED, S.ARCHIVED, "档案号", archive_no=" ")


def test_allowed_targets_lists_buttons_with_reasons():
    targets = allowed_targets(facts(S.IN_MEDIATION), TODAY)
    by_status = {t: reason for t, _label, reason in targets}
    assert set(by_status) == {S.AGREEMENT_REACHED, S.FAILED, S.WITHDRAWN}
    assert "协议书" in by_status[S.AGREEMENT_REACHED]
    assert by_status[S.FAILED] is None and by_status[S.WITHDRAWN] is None
    assert allowed_targets(facts(S.ARCHIVED), TODAY) == []
