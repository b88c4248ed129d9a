"""Amounts of money typed by a user (yuan, to the fen): what is accepted and what is refused.

Accepted: ``12345``, ``12345.6``, ``12345.67``, ``12,345.67`` (thousands separators only where they
are well-formed), full-width digits and punctuation (``１２，３４５．６７``), a trailing ``元``,
spaces around. Refused with a Chinese message saying what is wrong: ``1,2,3`` (separators in the
wrong places), ``nan``/``inf``, ``1e5`` (exponents), negative or signed numbers, more than two
decimals, anything else that is not a plain amount.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

#: the largest amount a form takes (a labour dispute of a station never comes near it)
MAX_AMOUNT = Decimal("100000000")

_PLAIN = re.compile(r"\d+(\.\d+)?")
_GROUPED = re.compile(r"[1-9]\d{0,2}(,\d{3})+(\.\d+)?")
_FULL_WIDTH = {0xFF10 + i: 0x30 + i for i in range(10)} | {
    0xFF0C: ord(","),  # ，
    0xFF0E: ord("."),  # ．
    0x3002: ord("."),  # 。 typed for a point by a Chinese input method
    0x3000: ord(" "),
}


class AmountInvalid(ValueError):
    """``str()`` is the Chinese message for the field."""


def parse_amount(value: object) -> Decimal | None:
    """The amount ``value`` stands for (two decimals at the most), or None when it is empty.

    Raises :class:`AmountInvalid` (a ``ValueError``) with a message for the user."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise AmountInvalid("请填写金额（数字）")
    if isinstance(value, int):
        value = Decimal(value)
    if isinstance(value, float):
        value = Decimal(repr(value)) if value == value else Decimal("NaN")
    if isinstance(value, Decimal):
        return _checked(value, str(value))
    text = str(value).translate(_FULL_WIDTH).strip()
    if text.endswith("元"):
        text = text[:-1].rstrip()
    if not text:
        return None
    if text.startswith("-") or text.startswith("－"):
        raise AmountInvalid("金额不能为负数")
    if "," in text:
        if not _GROUPED.fullmatch(text):
            raise AmountInvalid(f"“{value}”的千分位逗号位置不对，应写成如 12,345.67，或不写逗号")
        text = text.replace(",", "")
    if not _PLAIN.fullmatch(text):
        raise AmountInvalid(f"“{value}”不是有效的金额，请只填数字，如 12345.67")
    if "." in text and len(text.split(".", 1)[1]) > 2:
        raise AmountInvalid("金额最多保留两位小数（到分）")
    try:
        amount = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits and a point
        raise AmountInvalid(f"“{value}”不是有效的金额") from None
    return _checked(amount, str(value))


def _checked(amount: Decimal, shown: str) -> Decimal:
    if not amount.is_finite():
        raise AmountInvalid(f"“{shown}”不是有效的金额，请只填数字，如 12345.67")
    if amount < 0:
        raise AmountInvalid("金额不能为负数")
    if amount >= MAX_AMOUNT:
        raise AmountInvalid("金额应小于1亿元")
    if amount != amount.quantize(Decimal("0.01")):
        raise AmountInvalid("金额最多保留两位小数（到分）")
    return amount
