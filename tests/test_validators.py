from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.validators import (
    CREDIT_CODE_CHARS,
    check_credit_code,
    check_id_number,
    check_phone,
    credit_code_check_char,
    id_check_digit,
    mask_id_number,
    normalize_code,
    to_halfwidth,
)

# Published samples: GB 11643-1999's own example, and real credit codes printed on public business
# licences (Fuzhou/Xiamen enterprises, and the example in GB 32100-2015's explanatory material).
VALID_IDS = ["11010519491231002X", "110105194912310029"[:17] + id_check_digit("11010519491231002")]
VALID_CREDIT_CODES = ["91350100M000100Y43", "91110000100006485K"]


@pytest.mark.parametrize("code", VALID_CREDIT_CODES)
def test_published_credit_codes_pass(code):
    assert check_credit_code(code).ok


def test_credit_code_normalises_fullwidth_lowercase_and_spaces():
    result = check_credit_code(" ９１３５０１００ｍ０００１００ｙ４３ ")
    assert result.ok and result.value == "91350100M000100Y43"


def test_credit_code_wrong_check_char_is_overridable():
    result = check_credit_code("91350100M000100Y44")
    assert not result.ok and result.overridable
    assert "校验位" in result.message and "站点管理员" in result.message


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("", "为空"),
        ("9135010", "18位"),
        ("91350100M000100I43", "不允许的字符"),
        ("9135AB00M000100Y43", "行政区划码"),
    ],
)
def test_credit_code_hard_failures(code, fragment):
    result = check_credit_code(code)
    assert not result.ok and not result.overridable and fragment in result.message


@given(
    st.text(alphabet=CREDIT_CODE_CHARS, min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=CREDIT_CODE_CHARS, min_size=9, max_size=9),
)
def test_credit_code_with_computed_check_char_always_passes(head, area, org):
    first17 = head + area + org
    assert check_credit_code(first17 + credit_code_check_char(first17)).ok


@given(
    st.text(alphabet=CREDIT_CODE_CHARS, min_size=17, max_size=17).filter(
        lambda s: s[2:8].isdigit()
    ),
    st.sampled_from(CREDIT_CODE_CHARS),
)
def test_credit_code_any_other_check_char_fails(first17, char):
    expected = credit_code_check_char(first17)
    result = check_credit_code(first17 + char)
    assert result.ok == (char == expected)


def test_standard_id_sample():
    result = check_id_number("11010519491231002X")
    assert result.ok
    assert result.birth_date == date(1949, 12, 31)
    assert result.sex == "女"


def test_id_lowercase_x_and_fullwidth():
    assert check_id_number("11010519491231002x").ok
    assert check_id_number("１１０１０５１９４９１２３１００２Ｘ").ok


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        ("", "为空"),
        ("1101051949123100", "18位"),
        ("11010519491231002A", "末位"),
        ("110105194913310021", "出生日期"),
        ("990105194912310020", "省级"),
        ("110105194912310021", "校验位"),
    ],
)
def test_id_failures(number, fragment):
    result = check_id_number(number)
    assert not result.ok and fragment in result.message


def test_id_born_in_future_rejected():
    assert not check_id_number("350102203001010011", today=date(2026, 11, 25)).ok


@given(
    st.dates(min_value=date(1920, 1, 1), max_value=date(2010, 12, 31)),
    st.integers(min_value=0, max_value=999),
    st.sampled_from(["350102", "110105", "440305", "350100"]),
)
def test_generated_ids_roundtrip_birth_and_sex(born, seq, area):
    first17 = f"{area}{born:%Y%m%d}{seq:03d}"
    result = check_id_number(first17 + id_check_digit(first17))
    assert result.ok
    assert result.birth_date == born
    assert result.sex == ("男" if seq % 2 else "女")


@given(st.text(alphabet="0123456789", min_size=17, max_size=17), st.sampled_from("0123456789X"))
def test_only_the_right_check_digit_passes(first17, digit):
    result = check_id_number(first17 + digit)
    if result.ok:
        assert digit == id_check_digit(first17)


def test_mask_id_number():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_id_number(None) == ""


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("13912345678", "13912345678"),
        ("+86 139 1234 5678", "13912345678"),
        ("１３９１２３４５６７８", "13912345678"),
        (13912345678.0, "13912345678"),
        ("0591-87654321", "0591-87654321"),
        ("(0591)87654321", "0591-87654321"),
        ("０５９１－８７６５４３２１", "0591-87654321"),
        ("87654321", "0591-87654321"),
        ("0591-87654321转808", "0591-87654321-转808"),
        ("010-1234567", "010-1234567"),
    ],
)
def test_phone_accepts(raw, value):
    result = check_phone(raw)
    assert result.ok, result.message
    assert result.value == value


@pytest.mark.parametrize("raw", ["", "12345", "1391234567", "23912345678", "abc", "0591-123"])
def test_phone_rejects(raw):
    result = check_phone(raw)
    assert not result.ok and result.message


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_every_mobile_pattern_passes(number):
    assert check_phone(number).value == number


def test_halfwidth_and_normalize_code():
    assert to_halfwidth("ＡＢＣ　１２３") == "ABC 123"
    assert normalize_code(" 91-35 01 ") == "913501"
