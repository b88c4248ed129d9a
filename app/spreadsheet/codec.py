"""Columns of cells packed for the pipe between the reader child and its parent.

Pickling a column cell by cell costs about as much as reading the file (a 100,000-row roster
has 1.5 million small strings). A column goes instead as its strings joined by one separator
(one string to pickle, split again in C), plus the positions and values of the cells that are
not strings (numbers, dates, booleans). A column with few distinct values (streets, 是/否) goes
as its distinct values and one index per cell, which also gives the parent one shared object
per value. A column whose text contains the separator falls back to a plain list.
"""

from __future__ import annotations

import array
import operator

SEP = "\x1f"  # the ASCII unit separator: not printable, and never in a cell written by Excel
#: a column with at most this share of distinct values goes as values + indexes
DICTIONARY_SHARE = 0.05


def encode(values: list | tuple) -> tuple:
    n = len(values)
    cls = str
    positions = [i for i, v in enumerate(values) if v.__class__ is not cls]
    if not positions and n >= 64:  # only strings: 1.0, 1 and True would share a key
        distinct = dict.fromkeys(values)
        if len(distinct) <= DICTIONARY_SHARE * n:
            index = {v: i for i, v in enumerate(distinct)}
            return ("d", list(distinct), array.array("I", map(index.__getitem__, values)).tobytes())
    strings = [v if v.__class__ is cls else "" for v in values] if positions else values
    joined = SEP.join(strings)
    if joined.count(SEP) != n - 1:
        return ("l", list(values))
    return ("s", n, joined, array.array("I", positions).tobytes(), [values[i] for i in positions])


def decode(packed: tuple) -> list:
    kind = packed[0]
    if kind == "d":
        _kind, distinct, raw = packed
        index = array.array("I")
        index.frombytes(raw)
        if not index:
            return []
        if len(index) == 1:
            return [distinct[index[0]]]
        return list(operator.itemgetter(*index)(distinct))
    if kind == "l":
        return packed[1]
    _kind, n, joined, raw, others = packed
    column = joined.split(SEP) if n else []
    positions = array.array("I")
    positions.frombytes(raw)
    for i, v in zip(positions, others, strict=True):
        column[i] = v
    return column
