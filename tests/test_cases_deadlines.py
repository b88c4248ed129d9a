"""Deadline rules with fixed dates: the 15 days of Art. 14, the year of Art. 27 with its wage rule
and interruptions, term states, the Art. 16 marking."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.deadlines import (
    ClockState,
    DeadlineError,
    MediationClock,
    Route,
    TermState,
    add_years,
    arbitration_limit,
    art16_applies,
    check_extension,
    check_term_dates,
    default_route,
    mediation_period_end,
    term_status,
)

RECEIVED = date(2026, 3, 2)


def test_fifteen_days_run_from_receipt_not_counting_that_day():
    assert mediation_period_end(RECEIVED) == date(2026, 3, 17)
    clock = MediationClock(RECEIVED)
    assert clock.arbitration_open_from == date(2026, 3, 18)
    assert not clock.may_apply_for_arbitration(date(2026, 3, 17))
    assert clock.may_apply_for_arbitration(date(2026, 3, 18))


@pytest.mark.parametrize(
    ("today", "state", "left"),
    [
        (date(2026, 3, 2), ClockState.RUNNING, 15),
        (date(2026, 3, 13), ClockState.RUNNING, 4),
        (date(2026, 3, 14), ClockState.DUE_SOON, 3),
        (date(2026, 3, 17), ClockState.DUE_SOON, 0),
        (date(2026, 3, 18), ClockState.EXPIRED, -1),
    ],
)
def test_clock_states(today, state, left):
    clock = MediationClock(RECEIVED)
    assert clock.state(today) == state
    assert clock.days_left(today) == left


def test_clock_descriptions_are_chinese_sentences():
    clock = MediationClock(RECEIVED)
    assert clock.describe(date(2026, 3, 10)) == "调解期限至2026年3月17日，还剩7天"
    assert clock.describe(date(2026, 3, 17)) == "调解期限今天（2026年3月17日）届满"
    assert clock.describe(date(2026, 3, 20)) == "调解期限已于2026年3月17日届满，已超过3天"


def test_extension_needs_consent_and_a_later_date_but_not_the_right_to_arbitrate():
    clock = MediationClock(RECEIVED)
    with pytest.raises(DeadlineError, match="双方当事人同意"):
        check_extension(clock, date(2026, 3, 31), "  ", date(2026, 3, 16))
    with pytest.raises(DeadlineError, match="应晚于当前期限"):
        check_extension(clock, date(2026, 3, 17), "双方当场同意", date(2026, 3, 16))
    with pytest.raises(DeadlineError, match="应晚于今天"):
        check_extension(
            MediationClock(RECEIVED, date(2026, 3, 20)),
            date(2026, 3, 21),
            "同意",
            date(2026, 3, 22),
        )
    until, note = check_extension(
        clock, date(2026, 3, 31), " 双方于3月16日书面同意延期 ", date(2026, 3, 16)
    )
    assert until == date(2026, 3, 31) and note == "双方于3月16日书面同意延期"
    extended = MediationClock(RECEIVED, until)
    assert extended.end == date(2026, 3, 31)
    assert extended.state(date(2026, 3, 20)) == ClockState.RUNNING
    assert "经双方同意延长" in extended.describe(date(2026, 3, 20))
    # Art. 14: the extension does not take away a party's right to arbitration after day 15.
    assert extended.may_apply_for_arbitration(date(2026, 3, 18))


def test_years_count_to_the_corresponding_day():
    assert add_years(date(2025, 3, 10), 1) == date(2026, 3, 10)
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)


def test_one_year_from_the_day_the_worker_knew():
    limit = arbitration_limit(
        ["termination"], known_on=date(2025, 6, 1), employment_ended_on=date(2025, 6, 1)
    )
    assert limit.deadline == date(2026, 6, 1)
    assert "知道或应当知道" in limit.basis
    assert not limit.expired(date(2026, 6, 1)) and limit.expired(date(2026, 6, 2))


def test_an_application_for_mediation_interrupts_the_year():
    limit = arbitration_limit(
        ["termination"],
        known_on=date(2025, 6, 1),
        employment_ended_on=date(2025, 6, 1),
        interruptions=[RECEIVED],
    )
    assert limit.deadline == date(2027, 3, 2)
    assert "中断" in limit.basis
    # A signed agreement (the other side agrees to perform) interrupts it again.
    again = arbitration_limit(
        ["termination"],
        known_on=date(2025, 6, 1),
        employment_ended_on=date(2025, 6, 1),
        interruptions=[RECEIVED, date(2026, 3, 5)],
    )
    assert again.deadline == date(2027, 3, 5)


def test_an_interruption_after_the_year_ran_out_revives_nothing():
    limit = arbitration_limit(
        ["social_insurance"],
        known_on=date(2024, 1, 10),
        employment_ended_on=None,
        interruptions=[RECEIVED],
    )
    assert limit.deadline == date(2025, 1, 10)
    assert limit.expired(RECEIVED)


def test_wage_arrears_while_employed_are_not_bound_by_the_year():
    limit = arbitration_limit(
        ["wages", "overtime"], known_on=date(2020, 1, 1), employment_ended_on=None
    )
    assert limit.deadline is None
    assert "不受一年时效限制" in limit.basis
    assert not limit.expired(date(2030, 1, 1))


def test_once_employment_ends_wage_claims_run_a_year_from_the_end():
    limit = arbitration_limit(
        ["wages"], known_on=date(2020, 1, 1), employment_ended_on=date(2026, 1, 31)
    )
    assert limit.deadline == date(2027, 1, 31)
    assert "劳动关系终止之日" in limit.basis


def test_a_case_takes_the_earliest_limit_of_its_claims():
    limit = arbitration_limit(
        ["wages", "compensation"], known_on=date(2025, 12, 31), employment_ended_on=None
    )
    assert limit.deadline == date(2026, 12, 31)
    assert {p.dispute_type: p.deadline for p in limit.per_type} == {
        "wages": None,
        "compensation": date(2026, 12, 31),
    }


def test_an_unknown_infringement_date_is_marked_incomplete():
    limit = arbitration_limit(
        ["termination"], known_on=None, employment_ended_on=None, interruptions=[RECEIVED]
    )
    assert limit.deadline == date(2027, 3, 2) and limit.incomplete
    none = arbitration_limit(["termination"], known_on=None, employment_ended_on=None)
    assert none.deadline is None and "无法计算" in none.basis


@given(
    known=st.dates(min_value=date(2010, 1, 1), max_value=date(2030, 12, 31)),
    gaps=st.lists(st.integers(min_value=1, max_value=900), max_size=4),
)
def test_interruptions_never_shorten_the_limit(known, gaps):
    stops, day = [], known
    for gap in gaps:
        day = day + timedelta(days=gap)
        stops.append(day)
    plain = arbitration_limit(["termination"], known_on=known, employment_ended_on=known)
    interrupted = arbitration_limit(
        ["termination"], known_on=known, employment_ended_on=known, interruptions=stops
    )
    assert interrupted.deadline >= plain.deadline


def test_term_states():
    due = date(2026, 3, 20)

    def state(paid, today, amount=Decimal("8000.00")):
        return term_status(
            amount=amount, paid=Decimal(paid), due_on=due, performed=False, today=today
        )

    assert state("0", date(2026, 3, 10)).state == TermState.NOT_DUE
    assert state("0", date(2026, 3, 17)).state == TermState.DUE_SOON
    assert state("3000", date(2026, 3, 10)).state == TermState.PARTLY_PAID
    overdue = state("3000", date(2026, 3, 25))
    assert overdue.state == TermState.OVERDUE and overdue.days_overdue == 5
    assert overdue.outstanding == Decimal("5000.00")
    assert state("8000", date(2026, 3, 25)).state == TermState.PERFORMED
    obligation = term_status(
        amount=None, paid=Decimal(0), due_on=due, performed=True, today=date(2026, 4, 1)
    )
    assert obligation.state == TermState.PERFORMED


def test_art16_covers_remuneration_medical_costs_compensation_and_damages_only():
    for item in ("wages", "overtime", "compensation", "damages", "work_injury_medical"):
        assert art16_applies(item, True)
        assert default_route(True) == Route.PAYMENT_ORDER
    for item in ("work_injury_other", "social_insurance", "rest_leave", "other"):
        assert not art16_applies(item, True)
    assert not art16_applies("wages", False)  # an obligation, not a payment
    assert default_route(True, payer_is_employer=False) == Route.ARBITRATION
    assert "支付令" in Route.PAYMENT_ORDER.label and "仲裁" in Route.ARBITRATION.label


def test_term_dates_against_the_agreement():
    assert check_term_dates(date(2026, 4, 11), date(2026, 4, 10), date(2026, 3, 5)) is not None
    assert check_term_dates(date(2026, 3, 1), date(2026, 4, 10), date(2026, 3, 5)) is not None
    assert check_term_dates(date(2026, 3, 20), date(2026, 4, 10), date(2026, 3, 5)) is None
