"""Pinyin initials of enterprise names for search (福州软件园 -> FZRJY).

A character's initial comes from a table; the few characters whose readings start with different
letters (行 in 银行/行业, 长 in 长乐/董事长, 重 in 重庆) are read in the context of their neighbours
from a phrase table. Both tables are generated from pypinyin's dictionaries into
``resources/reference/pinyin_initials.json`` (``python -m app.roster.initials``), so that loading
takes milliseconds and a 100,000-name import spends well under a second on initials. The ORM path
and the bulk import both call :func:`name_initials`: the same name always gets the same initials.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from functools import lru_cache

from app.paths import resource

TABLE_FILE = ("reference", "pinyin_initials.json")
BLOCKS = ((0x3400, 0xA000), (0x20000, 0x30000))
MAX_PHRASE = 3
#: a character is read in context when at least this many phrases give it another initial
MIN_EXCEPTIONS = 2


#: place names the dictionary lacks, so that segmentation does not read 福州长乐 as 州长 (Z)
LOCAL_PHRASES = {
    "福州": "FZ", "福州市": "FZS", "福建": "FJ", "福建省": "FJS", "鼓楼": "GL", "鼓楼区": "GLQ",
    "长乐": "CL", "长乐区": "CLQ", "长乐市": "CLS", "仓山": "CS", "晋安": "JA", "台江": "TJ",
    "马尾": "MW", "闽侯": "MH", "连江": "LJ", "罗源": "LY", "闽清": "MQ", "永泰": "YT",
    "平潭": "PT", "福清": "FQ", "厦门": "XM", "厦门市": "XMS", "泉州": "QZ", "漳州": "ZZ",
    "莆田": "PT", "重庆": "CQ", "重庆市": "CQS", "长汀": "CT", "长泰": "CT", "屏南": "PN",
    "屏山": "PS", "朝阳": "ZY",
}  # fmt: skip


def _first_letter(reading: str) -> str:
    base = unicodedata.normalize("NFD", reading.strip())[:1]
    return base.upper() if base.isascii() and base.isalpha() else ""


def build_table() -> dict:
    """The table from pypinyin's dictionaries (used to generate the resource file and test it)."""
    import pypinyin
    from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

    letters: dict[int, str] = {}
    for code, readings in PINYIN_DICT.items():
        first = _first_letter(readings.split(",")[0])
        if first:
            letters[code] = first
    exceptions: dict[str, int] = {}
    for phrase, readings in PHRASES_DICT.items():
        if len(readings) != len(phrase):
            continue
        for ch, options in zip(phrase, readings, strict=True):
            default = letters.get(ord(ch))
            if default and options and _first_letter(options[0]) not in ("", default):
                exceptions[ch] = exceptions.get(ch, 0) + 1
    ambiguous = {ch for ch, count in exceptions.items() if count >= MIN_EXCEPTIONS}
    # every 2-3 character phrase: names are segmented by forward maximum matching, so that
    # 福州长乐 reads 福州/长乐 (C), not 州长 (Z)
    phrases = {}
    for phrase, readings in PHRASES_DICT.items():
        if len(readings) == len(phrase) and 2 <= len(phrase) <= MAX_PHRASE:
            phrases[phrase] = "".join(_first_letter(r[0]) or "-" for r in readings)
    phrases.update(LOCAL_PHRASES)
    blocks = [
        [start, "".join(letters.get(code, "-") for code in range(start, end))]
        for start, end in BLOCKS
    ]
    return {
        "generated_from": f"pypinyin {pypinyin.__version__}",
        "blocks": blocks,
        "ambiguous": "".join(sorted(ambiguous)),
        "phrases": dict(sorted(phrases.items())),
    }


_NONE = "\x00"


class _Aligned(dict):
    """A ``str.translate`` table giving one character per input character (NUL when unknown)."""

    def __missing__(self, key):
        return _NONE


@lru_cache(maxsize=1)
def _tables() -> tuple[dict, re.Pattern, dict[str, str]]:
    with resource(*TABLE_FILE).open(encoding="utf-8") as fh:
        data = json.load(fh)
    table = _Aligned()
    for start, letters in data["blocks"]:
        for offset, letter in enumerate(letters):
            if letter != "-":
                table[start + offset] = letter
    for ch in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        table[ord(ch)] = ch
        table[ord(ch) + 0xFEE0] = ch  # full-width forms
    for ch in "abcdefghijklmnopqrstuvwxyz":
        table[ord(ch)] = ch.upper()
        table[ord(ch) + 0xFEE0] = ch.upper()
    ambiguous = re.compile("[" + re.escape(data["ambiguous"]) + "]")
    return table, ambiguous, data["phrases"]


def _segmented(name: str, letters: list[str], found_at: list[int], phrases: dict[str, str]) -> None:
    """Read ambiguous characters in the phrases that forward maximum matching finds.

    Matching starts at the beginning (names are short) and stops after the last one.
    """
    n = len(name)
    get = phrases.get
    wanted = set(found_at)
    j = 0
    last = found_at[-1]
    while j <= last and j < n - 1:
        found = get(name[j : j + 3]) if j + 3 <= n else None
        size = 3
        if found is None:
            found = get(name[j : j + 2])
            size = 2
        if found is None:
            j += 1
            continue
        for k in range(size):
            if j + k in wanted and found[k] != "-":
                letters[j + k] = found[k]
        j += size


def name_initials(name: str | None) -> str | None:
    """Upper-case initials; Latin letters and digits are kept, punctuation dropped."""
    if not name:
        return None
    table, ambiguous, phrases = _tables()
    letters = name.translate(table)
    if ambiguous.search(name):
        chars = list(letters)
        _segmented(name, chars, [m.start() for m in ambiguous.finditer(name)], phrases)
        letters = "".join(chars)
    return letters.replace(_NONE, "")[:200] or None


def warm() -> None:
    """Load the tables now (e.g. in a background thread before a big import)."""
    _tables()


if __name__ == "__main__":
    target = resource(*TABLE_FILE)
    target.write_text(
        json.dumps(build_table(), ensure_ascii=False, separators=(",", ":")) + "\n",
        encoding="utf-8",
    )
    print(f"wrote {target}", file=sys.stderr)
