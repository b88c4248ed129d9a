"""Columns of cells packed for the pipe between the reader child and its parent.

Pickling a column cell by cell costs about as much as reading the file (a 100,000-row roster
has 1.5 million small strings). A column goes instead as its strings joined by one separator
(one string to pickle, split again in C); a column of numbers as an array of doubles (a dictionary of distinct values cost more than it saved:
the parent shares repeated values itself). A mixed column (phones typed
as numbers among text), or text that contains the separator, goes as a plain list.
"""

from __future__ import annotations

import array

SEP = "\x1f"  # the ASCII unit separator: not printable, and never in a cell written by Excel


def encode(values: list | tuple) -> tuple:
    """A column packed; every step is a C loop (a Python loop per cell costs as much as the
    parse itself)."""
    n = len(values)
    types = set(map(type, values))
    if types == {str}:
        joined = SEP.join(values)
        if joined.count(SEP) == n - 1:
            return ("s", n, joined)
    elif types == {float}:
        return ("f", array.array("d", values).tobytes())
    # mixed (numbers among text, dates …): pickled as it is
    return ("l", values if isinstance(values, list) else list(values))


def decode(packed: tuple) -> list:
    kind = packed[0]
    if kind == "s":
        return packed[2].split(SEP) if packed[1] else []
    if kind == "f":
        numbers = array.array("d")
        numbers.frombytes(packed[1])
        return numbers.tolist()
    return packed[1]
