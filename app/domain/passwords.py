"""The password policy of the station and of the district server (one function, plain Python).

A password is refused when it is

* shorter than the minimum (10 characters at a station, 12 for a district administrator),
* blank or made of very few different characters ("aaaaaaaaaa", eight spaces),
* a repetition ("abcabcabcabc", "1212121212") or a run ("1234567890", "abcdefghijk"),
* the user name (also with digits or signs around it: "admin2026!"),
* on the shipped list of common passwords (``resources/security/common-passwords.txt``: the
  30,000 most frequent passwords of published leaks and those frequent among Chinese users),
  also when it is such a password with a few digits or signs added at either end
  ("password2026!", "woaini1314520") or with letters replaced by look-alike digits ("p@ssw0rd").

:func:`password_problem` says why in Chinese (for the form that asked), or returns None.
"""

from __future__ import annotations

import functools
import itertools
import re

from app.paths import resource

STATION_MIN_LENGTH = 10
DISTRICT_MIN_LENGTH = 12
COMMON_LIST = ("security", "common-passwords.txt")

_EDGE = re.compile(r"^[\d\W_]*(.*?)[\d\W_]*$", re.DOTALL)
_LEET = str.maketrans(
    {
        "@": "a",
        "4": "a",
        "0": "o",
        "1": "i",
        "!": "i",
        "3": "e",
        "$": "s",
        "5": "s",
        "7": "t",
        "9": "g",
        "+": "t",
    }
)


@functools.cache
def common_passwords() -> frozenset[str]:
    path = resource(*COMMON_LIST)
    with open(path, encoding="utf-8") as fh:
        return frozenset(line.strip() for line in fh if line.strip() and not line.startswith("#"))


def _is_repetition(text: str) -> bool:
    n = len(text)
    return any(n % size == 0 and text[:size] * (n // size) == text for size in range(1, n // 2 + 1))


def _is_run(text: str) -> bool:
    """Every character one step from the previous, in the same direction (abcdef, 98765)."""
    if len(text) < 3:
        return False
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(text)}
    if text.isdigit():  # 1234567890 12: the digits run on round the keyboard row
        return steps <= {1, -9} or steps <= {-1, 9}
    return len(steps) == 1 and steps.pop() in (1, -1)


def _looks_common(text: str) -> bool:
    common = common_passwords()
    lowered = text.lower()
    candidates = {lowered, lowered.translate(_LEET)}
    core = _EDGE.match(lowered)
    if lowered.isdigit():  # a common number with more digits after it: 1234567890123
        candidates.update(lowered[:n] for n in range(6, len(lowered)))
    if core and len(core.group(1)) >= 4:
        candidates.add(core.group(1))
        candidates.add(core.group(1).translate(_LEET))
    return any(c in common for c in candidates)


def password_problem(
    password: str, *, min_length: int = STATION_MIN_LENGTH, username: str | None = None
) -> str | None:
    """Why ``password`` may not be used (a Chinese sentence), or None when it is acceptable."""
    password = password or ""
    if len(password) < min_length:
        return f"密码至少需要{min_length}个字符（可以用一句好记的话，如“我家小狗叫旺财2019”）"
    compact = "".join(password.split())
    if not compact:
        return "密码不能全是空格"
    if len(set(password.lower())) < 4:
        return "密码过于简单：用到的不同字符太少，请不要使用重复的字符"
    if _is_repetition(password.lower()) or _is_run(compact.lower()):
        return "密码过于简单：请不要使用重复或连续的字符（如 1212121212、1234567890、abcdefghij）"
    name = (username or "").strip().lower()
    core = _EDGE.match(password.lower())
    if name and name in (password.lower(), core.group(1) if core else None):
        return "密码不能是用户名（或用户名加上几个数字、符号）"
    if _looks_common(password) or _looks_common(compact):
        return "这是常见密码（或常见密码加上几个数字、符号），很容易被猜到，请换一个"
    return None
