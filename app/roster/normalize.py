"""Cell values to field values: trimming, half-width codes and numbers, Excel's number and date
quirks, and each field's validation (with the domain validators). Fast paths keep a 100,000-row
roster cheap; anything unusual goes through the general (validator) path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from app.domain import reference
from app.domain.enums import EnterpriseSize
from app.domain.validators import (
    CREDIT_CODE_CHARS as _CHARS,
)
from app.domain.validators import check_credit_code, check_phone, normalize_code, to_halfwidth
from app.roster.fields import FIELD_BY_KEY, FIELD_KEYS, RosterField

SLOT: dict[str, int] = {key: i for i, key in enumerate(FIELD_KEYS)}


class Bad(Exception):
    """A cell that cannot be a value of its field; ``str()`` is the Chinese reason."""


class Overridable(Bad):
    """A credit code whose only fault is its check character: a station head may accept it."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


_SPACES = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")
#: control characters (C0 but the spaces above, DEL, C1), bidirectional overrides that make text
#: display other than it reads, lone surrogates and non-characters: dropped from imported text
#: (openpyxl cannot write most of them back, and they hide what a name really is)
_CONTROL = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff\ufffe\uffff]"
)
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:\.\d+)?[eE][+-]\d+$")  # as Excel shows 9.13501E+17


def clean_text(value: object) -> str:
    """Any cell as trimmed text: inner runs of spaces become one, numbers lose a stray ``.0``."""
    if value.__class__ is str:
        if value.isprintable():
            text = value.strip()
            return _SPACES.sub(" ", text) if "  " in text else text
        return _SPACES.sub(" ", _CONTROL.sub("", value)).strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time | timedelta):
        return str(value)
    return str(value).strip()


def display(value: object, limit: int = 200) -> str:
    """A cell for showing in a preview: text, cut to ``limit`` characters."""
    text = clean_text(value)
    return text if len(text) <= limit else text[:limit] + f"…（共{len(text)}字）"


# ---------------------------------------------------------------- parsers: value or Bad


def _text(field: RosterField) -> Callable[[object], str | None]:
    limit = field.max_length or 10_000

    def parse(value: object) -> str | None:
        text = clean_text(value)
        if not text:
            return None
        if len(text) > limit:
            raise Bad(f"内容过长：最多{limit}个字符，实际{len(text)}个")
        return text

    return parse


_CODE_ALLOWED = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")


#: a leading apostrophe typed to keep Excel from turning a code into a number (when it stays)
_QUOTES = "'‘’`"


def parse_credit_code(value: object) -> str | None:
    if value is None or value == "":
        return None
    if value.__class__ is str and value[:1] in _QUOTES:
        value = value.lstrip(_QUOTES)
    if isinstance(value, float | int) and not isinstance(value, bool):
        if isinstance(value, float) and (not value.is_integer() or abs(value) >= 1e15):
            raise Bad(
                "被Excel存成了数字（科学计数法），末几位已丢失；请把该列设为“文本”格式后重新填写"
            )
        value = str(int(value))
    if value.__class__ is str:
        if _SCIENTIFIC.match(value.strip()):
            raise Bad(
                f"“{value.strip()}”是科学计数法，末几位已丢失；请把该列设为“文本”格式后重新填写"
            )
        if len(value) > 60:
            raise Bad(f"内容过长（{len(value)}个字符），不是统一社会信用代码")
        # Fast path for the usual clean ASCII code; the validator decides everything else.
        code = value.upper() if value.isascii() and value.isalnum() else normalize_code(value)
    else:
        code = normalize_code(clean_text(value))
    if not code:
        return None
    result = check_credit_code(code)
    if result.ok:
        return result.value
    if result.overridable:
        raise Overridable(result.message, result.value)
    raise Bad(result.message.removeprefix("统一社会信用代码"))


#: a landline already written as check_phone writes it (0591-87654321)
_PLAIN_LANDLINE = re.compile(r"0\d{2,3}-[2-9]\d{6,7}")
_PHONE_SPLIT = re.compile(r"[/、,，;；]|或")


def parse_phone(value: object) -> str | None:
    if isinstance(value, float) and value.is_integer():
        value = str(int(value))
    elif value.__class__ is not str:
        value = clean_text(value)
    text = value.strip().lstrip(_QUOTES)
    if not text:
        return None
    if len(text) == 11 and text.isdigit() and text[0] == "1" and text[1] in "3456789":
        return text
    if len(text) > 100:
        raise Bad(f"内容过长（{len(text)}个字符）")
    numbers = []
    for part in _PHONE_SPLIT.split(text):
        if not part.strip():
            continue
        result = check_phone(part)
        if not result.ok:
            raise Bad(f"“{part.strip()}”{result.message}")
        numbers.append(result.value)
    joined = "、".join(numbers)
    if len(joined) > 40:
        raise Bad("电话号码过多，最多填写40个字符")
    return joined or None


def parse_int(value: object) -> int | None:
    if isinstance(value, bool):
        raise Bad("应为人数（整数）")
    if isinstance(value, float | int):
        if isinstance(value, float) and not value.is_integer():
            raise Bad(f"应为整数，实际为{value:g}")
        number = int(value)
    elif isinstance(value, datetime | date):
        raise Bad("应为人数（整数），单元格却是日期格式")
    else:
        text = to_halfwidth(clean_text(value)).replace(",", "").replace(" ", "").lstrip(_QUOTES)
        if not text:
            return None
        text = text.removesuffix("人").removesuffix("名").removeprefix("约")
        if text.endswith(".0"):
            text = text[:-2]
        if not text.isdigit():
            raise Bad(f"“{clean_text(value)[:20]}”不是整数")
        number = int(text)
    if number < 0:
        raise Bad("不能为负数")
    if number > 2_000_000:
        raise Bad(f"人数{number}不合理")
    return number


_TRUE = {"是", "有", "Y", "YES", "TRUE", "T", "1", "√", "✓", "✔", "已建", "已建立", "已成立", "已签订",
         "已签", "建立", "已设立", "设立", "规上", "已开展", "开展", "对"}  # fmt: skip
_FALSE = {"否", "无", "没有", "N", "NO", "FALSE", "F", "0", "×", "✗", "✘", "未建", "未建立", "未成立",
          "未签订", "未签", "不是", "规下", "未设立", "未开展", "/", "错"}  # fmt: skip


def parse_bool(value: object) -> bool | None:
    if value is True or value is False:
        return value
    if isinstance(value, float | int):
        if value in (0, 1):
            return bool(value)
        raise Bad(f"“{clean_text(value)}”应为“是”或“否”")
    text = to_halfwidth(clean_text(value)).upper()
    if not text:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if text[0] in "是有已" and not text.startswith(("有无", "是否")):
        return True
    if text[0] in "否无未没":
        return False
    raise Bad(f"“{clean_text(value)[:20]}”应为“是”或“否”")


_street_cache: dict[str, str] = {}


def parse_street(value: object) -> str | None:
    text = clean_text(value)
    if not text:
        return None
    code = _street_cache.get(text)
    if code is None:
        station = reference.station_by_name(to_halfwidth(text).replace(" ", ""))
        if station is None:
            names = "、".join(s.short for s in reference.stations())
            raise Bad(f"“{text[:30]}”不是鼓楼区的街镇或园区（可填：{names}）")
        code = _street_cache[text] = station.code
    return code


_SIZE_BY_CHAR = {"微": EnterpriseSize.MICRO, "小": EnterpriseSize.SMALL,
                 "中": EnterpriseSize.MEDIUM, "大": EnterpriseSize.LARGE}  # fmt: skip


def parse_size(value: object) -> str | None:
    text = clean_text(value).replace("企业", "").replace(" ", "")
    if not text:
        return None
    for member in EnterpriseSize:
        if text in (member.value, member.label, member.label.rstrip("型")):
            return member.value
    if text in ("小微", "小微型"):
        return EnterpriseSize.MICRO.value
    if text[0] in _SIZE_BY_CHAR and len(text) <= 3:
        return _SIZE_BY_CHAR[text[0]].value
    raise Bad(f"“{text[:20]}”应为微型、小型、中型或大型")


def parser_for(key: str) -> Callable[[object], object]:
    field = FIELD_BY_KEY[key]
    return {
        "code": lambda: parse_credit_code,
        "phone": lambda: parse_phone,
        "int": lambda: parse_int,
        "bool": lambda: parse_bool,
        "street": lambda: parse_street,
        "size": lambda: parse_size,
        "text": lambda: _text(field),
    }[field.kind]()


# ---------------------------------------------------------------- whole columns at once
#
# The importer parses a column at a time: low-cardinality columns (streets, yes/no, sizes,
# counts) parse each distinct value once; the others take a fast path for the common clean value
# and fall back to the scalar parser above for anything else, so both give the same results.

MISS = object()
#: kinds whose columns have few distinct values
CACHED_KINDS = frozenset({"bool", "street", "size", "int"})


# GB 32100's weights are 3^i mod 31, so the weighted sum mod 31 of the first 17 characters is
# the value (mod 31) of those characters, last first, read as a base-34 number (34 = 3 mod 31).
_CODE_SHAPE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}")
_BASE34_DIGIT = {ord(c): "0123456789abcdefghijklmnopqrstu"[i] for i, c in enumerate(_CHARS)}


def fast_code_ok(code: str) -> bool:
    """True when ``code`` is an upper-case 18-character code that passes GB 32100's check.

    Equivalent to ``check_credit_code(code).ok`` for such strings (a property test holds it to
    that); anything it does not accept goes through ``check_credit_code`` itself.
    """
    if _CODE_SHAPE.fullmatch(code) is None:
        return False
    total = int(code[16::-1].translate(_BASE34_DIGIT), 34)
    return _CHARS[(31 - total % 31) % 31] == code[17]


def parse_column(key: str, column: list | tuple) -> tuple[list, dict[int, Bad]]:
    """Parsed values (None for blank) and {position: Bad} for the cells that failed."""
    field = FIELD_BY_KEY[key]
    scalar = parser_for(key)
    errors: dict[int, Bad] = {}
    if field.kind in CACHED_KINDS:
        table: dict = {}
        for value in set(column):
            try:
                table[value] = None if value == "" or value is None else scalar(value)
            except Bad as exc:
                table[value] = exc
        out = [table[v] for v in column]
        if any(isinstance(r, Bad) for r in table.values()):
            for i, v in enumerate(out):
                if isinstance(v, Bad):
                    errors[i] = v
                    out[i] = None
        return out, errors
    if field.kind == "code":
        out = [
            v if v.__class__ is str and fast_code_ok(v) else MISS
            for v in (c.upper() if c.__class__ is str else c for c in column)
        ]
    elif field.kind == "phone":
        landline = _PLAIN_LANDLINE.fullmatch
        out = [
            v if v.__class__ is str and ((len(v) == 11 and v.isdigit() and v[0] == "1"
                                         and v[1] in "3456789") or landline(v))
            else MISS
            for v in (str(int(c)) if c.__class__ is float and c.is_integer() and c < 1e15 else c
                      for c in column)
        ]  # fmt: skip
    else:
        limit = field.max_length or 10_000
        out = [
            (v.strip() or None)
            if v.__class__ is str and v.isprintable() and "  " not in v and len(v) <= limit
            else MISS
            for v in column
        ]
    for i, v in enumerate(out):
        if v is MISS:
            raw = column[i]
            if raw == "" or raw is None:
                out[i] = None
                continue
            try:
                out[i] = scalar(raw)
            except Bad as exc:  # includes Overridable: the caller looks at the type
                errors[i] = exc
                out[i] = exc.code if isinstance(exc, Overridable) else None
    return out, errors
