"""Identity documents of the workers a station registers.

Most workers have a mainland resident ID card (居民身份证); a worker from Hong Kong, Macao or
Taiwan, or a foreigner, is registered with another document. Each type has its number checked in
its own way; the message says what is wrong without giving away a check digit (a made-up number
must not be "corrected" with the station's help).
"""

from __future__ import annotations

import re
from datetime import date

from app.domain.enums import LabeledEnum
from app.domain.validators import (
    IdNumberResult,
    check_id_number,
    id_check_digit,
    normalize_code,
)


class IdDocType(LabeledEnum):
    RESIDENT_ID = ("resident_id", "居民身份证")
    HMT_RESIDENCE = ("hmt_residence", "港澳台居民居住证")
    HK_MACAO_PERMIT = ("hk_macao_permit", "港澳居民来往内地通行证")
    TAIWAN_PERMIT = ("taiwan_permit", "台湾居民来往大陆通行证")
    FOREIGN_PERMANENT = ("foreign_permanent", "外国人永久居留身份证")
    PASSPORT = ("passport", "护照")


#: the documents whose number carries the birth date and sex (GB 11643 layout)
CARRIES_BIRTH = frozenset({IdDocType.RESIDENT_ID, IdDocType.HMT_RESIDENCE,
                           IdDocType.FOREIGN_PERMANENT})  # fmt: skip

_HK_MACAO = re.compile(r"[HM]\d{8}(\d{2})?")
_TAIWAN = re.compile(r"\d{8}|\d{10}")
_FOREIGN_OLD = re.compile(r"[A-Z]{3}\d{12}")
_PASSPORT = re.compile(r"[A-Z0-9]{5,17}")


def check_identity(doc_type: IdDocType | str | None, raw: object,
                   today: date | None = None) -> IdNumberResult:  # fmt: skip
    """The number ``raw`` of a document of ``doc_type`` (default: the resident ID card)."""
    kind = IdDocType(doc_type) if doc_type else IdDocType.RESIDENT_ID
    if kind == IdDocType.RESIDENT_ID:
        return check_id_number(raw, today)
    number = normalize_code(raw)
    name = kind.label
    if not number:
        return IdNumberResult(number, False, f"{name}号码为空")
    if kind == IdDocType.HMT_RESIDENCE:
        return _gb11643(number, name, today, prefixes=("810000", "820000", "830000"),
                        where="港澳台居民居住证号码以810000（香港）、820000（澳门）或830000（台湾）开头")  # fmt: skip
    if kind == IdDocType.FOREIGN_PERMANENT:
        if _FOREIGN_OLD.fullmatch(number):  # the 2004 card: 3 letters, 12 digits
            return IdNumberResult(number, True)
        if len(number) == 18 and number.startswith("9"):  # the 2017 and 2023 cards
            return _gb11643(number, name, today, prefixes=("9",), where="")
        return IdNumberResult(
            number, False, f"{name}号码应为18位（以9开头）或15位（3个字母加12位数字）"
        )
    if kind == IdDocType.HK_MACAO_PERMIT:
        if _HK_MACAO.fullmatch(number):
            return IdNumberResult(number, True)
        return IdNumberResult(number, False, f"{name}号码应为H或M加8位（或10位）数字")
    if kind == IdDocType.TAIWAN_PERMIT:
        if _TAIWAN.fullmatch(number):
            return IdNumberResult(number, True)
        return IdNumberResult(number, False, f"{name}号码应为8位（或10位）数字")
    if _PASSPORT.fullmatch(number):
        return IdNumberResult(number, True)
    return IdNumberResult(number, False, "护照号码应为5至17位字母或数字")


def _gb11643(number: str, name: str, today: date | None, *, prefixes: tuple[str, ...],
             where: str) -> IdNumberResult:  # fmt: skip
    if len(number) != 18:
        return IdNumberResult(number, False, f"{name}号码应为18位，实际为{len(number)}位")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return IdNumberResult(number, False, f"{name}号码前17位应为数字，末位为数字或X")
    if not number.startswith(prefixes):
        return IdNumberResult(number, False, where or f"{name}号码开头不正确")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return IdNumberResult(number, False, f"{name}号码中的出生日期{number[6:14]}无效")
    if born > (today or date.today()) or born.year < 1900:
        return IdNumberResult(number, False, f"{name}号码中的出生日期不合理")
    if number[17] != id_check_digit(number[:17]):
        return IdNumberResult(number, False, f"{name}号码校验位不符，请对照证件逐位核对")
    sex = "男" if int(number[16]) % 2 == 1 else "女"
    return IdNumberResult(number, True, birth_date=born, sex=sex)
