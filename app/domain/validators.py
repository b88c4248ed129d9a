"""Validators for the identifiers the station records.

Each returns a result with the normalised value and, when invalid, a Chinese message that says what
is wrong. Callers (forms, the roster importer, sync) add *where* (field, row) themselves.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from app.domain.dates import iso_date

# ---------------------------------------------------------------- sane ranges

#: dates a record may hold (also checked by the district server: a case received on 9999-12-31
#: overflowed the dashboard's date arithmetic)
DATE_MIN, DATE_MAX = date(1900, 1, 1), date(2100, 12, 31)


def date_problem(value: date) -> str | None:
    if DATE_MIN <= value <= DATE_MAX:
        return None
    return f"日期 {iso_date(value)} 超出合理范围（{DATE_MIN.year}年至{DATE_MAX.year}年）"


# ---------------------------------------------------------------- text normalisation


def to_halfwidth(text: str) -> str:
    """Full-width ASCII (Ａ１－) and the ideographic space to their half-width forms."""
    out = []
    for ch in text:
        code = ord(ch)
        if code == 0x3000:
            out.append(" ")
        elif 0xFF01 <= code <= 0xFF5E:
            out.append(chr(code - 0xFEE0))
        else:
            out.append(ch)
    return "".join(out)


def normalize_code(value: object) -> str:
    """Trim, half-width, drop inner spaces and dashes, upper-case: for codes typed by hand or pasted."""
    if value is None:
        return ""
    text = to_halfwidth(unicodedata.normalize("NFC", str(value)))
    text = re.sub(r"[\s\-_]", "", text)
    return text.upper()


# ---------------------------------------------------------------- credit code (GB 32100-2015)

CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_VALUE = {c: i for i, c in enumerate(CREDIT_CODE_CHARS)}
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@dataclass(frozen=True)
class CheckResult:
    value: str
    ok: bool
    message: str = ""
    #: True when only the check character is wrong: a station head may accept such a code.
    overridable: bool = False


def credit_code_check_char(first17: str) -> str:
    total = sum(_CREDIT_VALUE[c] * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def check_credit_code(raw: object) -> CheckResult:
    code = normalize_code(raw)
    if not code:
        return CheckResult(code, False, "统一社会信用代码为空")
    if len(code) != 18:
        return CheckResult(code, False, f"统一社会信用代码应为18位，实际为{len(code)}位")
    bad = sorted({c for c in code if c not in _CREDIT_VALUE})
    if bad:
        return CheckResult(
            code, False, f"统一社会信用代码含有不允许的字符：{''.join(bad)}（不使用I、O、Z、S、V）"
        )
    if not code[2:8].isdigit():
        return CheckResult(code, False, "统一社会信用代码第3-8位应为行政区划码（数字）")
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        return CheckResult(
            code,
            False,
            # the expected character is not given away: a made-up code must not be "fixed"
            "统一社会信用代码校验位不符，请对照营业执照逐位核对；确属真实代码的可由站点管理员确认",
            overridable=True,
        )
    return CheckResult(code, True)


# ---------------------------------------------------------------- resident ID (GB 11643-1999)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class IdNumberResult(CheckResult):
    birth_date: date | None = None
    sex: str | None = None  # "男" | "女"


def id_check_digit(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def check_id_number(raw: object, today: date | None = None) -> IdNumberResult:
    number = normalize_code(raw)
    if not number:
        return IdNumberResult(number, False, "身份证号为空")
    if len(number) != 18:
        return IdNumberResult(number, False, f"身份证号应为18位，实际为{len(number)}位")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return IdNumberResult(number, False, "身份证号前17位应为数字，末位为数字或X")
    if number[:2] not in _PROVINCES:
        return IdNumberResult(number, False, f"身份证号前两位{number[:2]}不是有效的省级行政区划码")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return IdNumberResult(number, False, f"身份证号中的出生日期{number[6:14]}无效")
    today = today or date.today()
    if born > today or born.year < 1900:
        return IdNumberResult(number, False, f"身份证号中的出生日期{iso_date(born)}不合理")
    expected = id_check_digit(number[:17])
    if number[17] != expected:
        # the expected digit is not given away: a made-up number must not be "fixed" with it
        return IdNumberResult(number, False, "身份证号校验位不符，请对照身份证逐位核对")
    sex = "男" if int(number[16]) % 2 == 1 else "女"
    return IdNumberResult(number, True, birth_date=born, sex=sex)


def mask_id_number(number: str | None) -> str:
    """For lists and screens: keep the first 6 and the last 4 characters."""
    if not number:
        return ""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# Province-level codes in use (GB/T 2260), plus 71/81/82 for Taiwan, Hong Kong and Macao residents'
# residence permits, which use the same 18-digit scheme.
_PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83",
}  # fmt: skip

# ---------------------------------------------------------------- phone numbers

_MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")
_LANDLINE = re.compile(
    r"^(?:\+?86)?\(?(0\d{2,3})\)?(\d{7,8})(?:(?:转|ext\.?|EXT\.?|#|,)(\d{1,6}))?$"
)
_LOCAL = re.compile(r"^([2-9]\d{6,7})$")  # local numbers never start with 0 or 1


def check_phone(raw: object, default_area: str = "0591") -> CheckResult:
    """Mobile (13x-19x, 11 digits) or landline (area code + 7/8 digits, optional extension).

    A bare 7/8-digit local number gets the Fuzhou area code. The value is returned as
    ``13912345678`` or ``0591-87654321`` (``-转123`` for an extension).
    """
    if raw is None:
        return CheckResult("", False, "电话号码为空")
    text = to_halfwidth(str(raw)).strip()
    if not text:
        return CheckResult("", False, "电话号码为空")
    if re.fullmatch(r"\d+\.0", text):  # a number that spreadsheets stored as a float
        text = text[:-2]
    compact = re.sub(r"[\s\-（）]", "", text.replace("（", "(").replace("）", ")"))
    if m := _MOBILE.match(compact):
        return CheckResult(m.group(1), True)
    if m := _LANDLINE.match(compact):
        area, number, ext = m.groups()
        value = f"{area}-{number}" + (f"-转{ext}" if ext else "")
        return CheckResult(value, True)
    if m := _LOCAL.match(compact):
        return CheckResult(f"{default_area}-{m.group(1)}", True)
    if compact.isdigit() and compact.startswith("1"):
        return CheckResult(compact, False, f"手机号码应为11位，实际为{len(compact)}位")
    return CheckResult(compact, False, "电话号码格式不正确（手机号11位，座机如0591-87654321）")
