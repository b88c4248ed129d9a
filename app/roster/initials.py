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
    phrases = {}
    for phrase, readings in PHRASES_DICT.items():
        if (
            len(readings) == len(phrase)
            and 2 <= len(phrase) <= MAX_PHRASE
            and any(ch in ambiguous for ch in phrase)
        ):
            phrases[phrase] = "".join(_first_letter(r[0]) or "-" for r in readings)
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


def _in_context(name: str, i: int, phrases: dict[str, str]) -> str | None:
    """The initial of ``name[i]`` as read in the longest known phrase around it (3, then 2)."""
    n = len(name)
    get = phrases.get
    for size in (3, 2):
        for start in range(i - size + 1, i + 1):
            if start >= 0 and start + size <= n:
                letters = get(name[start : start + size])
                if letters and letters[i - start] != "-":
                    return letters[i - start]
    return None


def name_initials(name: str | None) -> str | None:
    """Upper-case initials; Latin letters and digits are kept, punctuation dropped."""
    if not name:
        return None
    table, ambiguous, phrases = _tables()
    letters = name.translate(table)
    if ambiguous.search(name):
        chars = list(letters)
        for m in ambiguous.finditer(name):
            better = _in_context(name, m.start(), phrases)
            if better:
                chars[m.start()] = better
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
