"""Nothing wrong is accepted: amounts, dates, identity documents (issue 14, point 4).

Properties checked with hypothesis over generated input, plus the cases a user actually types."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from app.cases.intake import register_case
from app.domain.amounts import MAX_AMOUNT, AmountInvalid, parse_amount
from app.domain.enums import Sex
from app.domain.identity import IdDocType, check_identity
from app.domain.validators import (
    DATE_MAX,
    DATE_MIN,
    check_credit_code,
    check_id_number,
    credit_code_check_char,
    date_problem,
    id_check_digit,
)
from app.store.errors import ValidationError
from app.store.models import Enterprise, Person
from tests.cases_support import form, id_number, worker

# ---------------------------------------------------------------- amounts

cents = st.integers(min_value=0, max_value=int(MAX_AMOUNT * 100) - 1)


def grouped(n: int) -> str:
    return f"{n:,}"


@given(cents)
def test_every_amount_written_plainly_or_grouped_reads_back(fen):
    amount = Decimal(fen) / 100
    plain = f"{amount:.2f}"
    assert parse_amount(plain) == amount
    whole, dec = plain.split(".")
    assert parse_amount(f"{grouped(int(whole))}.{dec}") == amount
    assert parse_amount(f" {plain}元 ") == amount
    full = plain.translate({0x30 + i: 0xFF10 + i for i in range(10)}).replace(".", "．")
    assert parse_amount(full) == amount


@given(cents, st.integers(min_value=1, max_value=9))
def test_more_than_two_decimals_is_refused(fen, extra):
    with pytest.raises(AmountInvalid, match="两位小数"):
        parse_amount(f"{Decimal(fen) / 100:.2f}{extra}")


@given(st.integers(min_value=1, max_value=10**8))
def test_negative_amounts_are_refused(n):
    with pytest.raises(AmountInvalid, match="负数"):
        parse_amount(f"-{n}")


@given(st.lists(st.integers(min_value=0, max_value=999), min_size=2, max_size=5))
def test_separators_in_the_wrong_places_are_refused(groups):
    text = ",".join(str(g) for g in groups)
    assume(text != f"{int(text.replace(',', '')):,}")  # not a well-formed grouping
    with pytest.raises(AmountInvalid, match="千分位"):
        parse_amount(text)


@given(st.text(min_size=1, max_size=12))
def test_any_text_is_an_amount_or_a_message(text):
    try:
        value = parse_amount(text)
    except AmountInvalid as exc:
        assert str(exc)  # a message to show
    else:
        assert value is None or (
            value.is_finite()
            and 0 <= value < MAX_AMOUNT
            and value == value.quantize(Decimal("0.01"))
        )


@pytest.mark.parametrize(
    "typed",
    ["1,2,3", "nan", "NaN", "inf", "-inf", "1e5", "1E5", "-5", "+5", "1.234", "12,34", ".5",
     "1.2.3", "12 345", "一万", "100000000", "0x10"],
)  # fmt: skip
def test_what_users_typed_and_is_refused(typed):
    with pytest.raises(AmountInvalid):
        parse_amount(typed)


@pytest.mark.parametrize(
    "typed, value",
    [("12,345.67", "12345.67"), ("12345", "12345"), ("0.5", "0.5"), ("１２，３４５．６元", "12345.6"),
     ("", None), ("  ", None), ("1,234,567.00", "1234567.00")],
)  # fmt: skip
def test_what_users_typed_and_is_taken(typed, value):
    assert parse_amount(typed) == (Decimal(value) if value else None)


def test_numbers_from_code_are_checked_too():
    assert parse_amount(Decimal("12.50")) == Decimal("12.50")
    for bad in (Decimal("NaN"), Decimal("-1"), Decimal("1.001"), float("nan"), True):
        with pytest.raises(AmountInvalid):
            parse_amount(bad)


# ---------------------------------------------------------------- dates


@given(st.dates())
def test_only_dates_in_the_sane_range_are_taken(day):
    assert (date_problem(day) is None) == (DATE_MIN <= day <= DATE_MAX)


def test_a_case_received_on_9999_12_31_cannot_be_stored(store):
    far = date(9999, 12, 31)  # even on a PC whose clock says so
    with pytest.raises(ValidationError):
        register_case(store, form(received_on=far), today=far)
    with pytest.raises(ValidationError, match="超出合理范围"), store.unit_of_work() as s:
        s.add(Enterprise(name="福州测试有限公司", street_code="GUDONG", last_negotiation_on=far))


# ---------------------------------------------------------------- identity documents


def _gb11643(prefix: str, born: date, seq: int) -> str:
    first17 = f"{prefix}{born:%Y%m%d}{seq:03d}"
    return first17 + id_check_digit(first17)


@given(st.dates(min_value=date(1930, 1, 1), max_value=date(2008, 1, 1)), st.integers(0, 999))
def test_a_wrong_check_digit_is_refused_without_giving_the_right_one(born, seq):
    good = _gb11643("350102", born, seq)
    assert check_id_number(good, today=date(2026, 1, 1)).ok
    for wrong in (d for d in "0123456789X" if d != good[-1]):
        result = check_id_number(good[:-1] + wrong, today=date(2026, 1, 1))
        assert not result.ok and "校验位不符" in result.message
        assert good[-1] not in result.message.replace("校验位", "")  # no digit given away
        assert not any(ch.isdigit() for ch in result.message)


def test_credit_code_check_character_is_not_given_away():
    first17 = "91350102MA2XYA123"
    right = credit_code_check_char(first17)
    wrong = next(c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if c != right)
    result = check_credit_code(first17 + wrong)
    assert result.overridable and "校验位不符" in result.message
    assert f"应为{right}" not in result.message and right not in result.message.split("，")[0][-3:]


@pytest.mark.parametrize(
    "kind, number, ok",
    [
        (IdDocType.HMT_RESIDENCE, _gb11643("810000", date(1990, 3, 4), 12), True),  # 香港
        (IdDocType.HMT_RESIDENCE, _gb11643("830000", date(1985, 7, 1), 25), True),  # 台湾
        (IdDocType.HMT_RESIDENCE, _gb11643("350102", date(1985, 7, 1), 25), False),  # mainland
        (IdDocType.HK_MACAO_PERMIT, "H12345678", True),
        (IdDocType.HK_MACAO_PERMIT, "m1234567890", True),
        (IdDocType.HK_MACAO_PERMIT, "X12345678", False),
        (IdDocType.TAIWAN_PERMIT, "01234567", True),
        (IdDocType.TAIWAN_PERMIT, "0123456", False),
        (IdDocType.FOREIGN_PERMANENT, "USA123456789012", True),
        (IdDocType.FOREIGN_PERMANENT, _gb11643("911100", date(1980, 1, 2), 33), True),
        (IdDocType.FOREIGN_PERMANENT, "12345", False),
        (IdDocType.PASSPORT, "E12345678", True),
        (IdDocType.PASSPORT, "AB-123 456", True),  # dashes and spaces as typed are dropped
        (IdDocType.PASSPORT, "护照123", False),
        (IdDocType.PASSPORT, "", False),
    ],
)
def test_other_identity_documents(kind, number, ok):
    result = check_identity(kind, number, today=date(2026, 1, 1))
    assert result.ok is ok, result.message
    if not ok:
        assert kind.label[:2] in result.message or "护照" in result.message


def test_hmt_residence_permit_check_digit_not_given_away():
    good = _gb11643("820000", date(1992, 2, 29), 41)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    result = check_identity(IdDocType.HMT_RESIDENCE, bad, today=date(2026, 1, 1))
    assert not result.ok and "校验位不符" in result.message and good[-1] not in result.message[-12:]
    right = check_identity(IdDocType.HMT_RESIDENCE, good, today=date(2026, 1, 1))
    assert right.birth_date == date(1992, 2, 29) and right.sex == "男"  # 041: odd


def test_a_worker_without_a_mainland_id_is_registered_with_a_passport(store):
    passport = worker(
        "约翰·史密斯", id_type=IdDocType.PASSPORT.value, id_number="E1234567", sex=Sex.MALE
    )
    registered = register_case(store, form(workers=[passport]), today=date(2026, 3, 2))
    with store.read() as s:
        person = s.query(Person).filter(Person.id_number == "E1234567").one()
        assert person.id_type == "passport" and person.sex == Sex.MALE and person.birth_date is None
    assert registered.case_no

    wrong = worker("李四", id_type=IdDocType.HK_MACAO_PERMIT.value, id_number="12345")
    from app.cases.errors import FormInvalid

    with pytest.raises(FormInvalid) as info:
        register_case(store, form(workers=[wrong]), today=date(2026, 3, 2))
    assert any(
        p.key.endswith("id_number") and "港澳居民来往内地通行证" in p.message
        for p in info.value.problems
    )
    # a mainland number goes on being checked as before (its check digit too)
    bad = id_number()[:-1] + ("0" if id_number()[-1] != "0" else "1")
    with pytest.raises(FormInvalid, match="校验位不符"):
        register_case(store, form(workers=[worker(id_number=bad)]), today=date(2026, 3, 2))
