"""Text into Excel cells as text only: no live formulas, no characters that break the file.

Every spreadsheet the program writes (roster exports, the statistical report, the district's
comparison) passes its values through here, because their text comes from outside: a roster
imported from another office, a name typed at a station, a code list sent by the district.

* openpyxl stores a string that starts with ``=`` as a formula. Text such as
  ``=HYPERLINK("http://…","点击")`` or ``=cmd|' /C calc'!A0`` would be live in Excel (formula or
  DDE injection). Such a cell is written as a string cell with Excel's *quote prefix* style (the
  value itself is unchanged, so an exported roster imports back as it was, and Excel keeps the
  cell text even when someone edits it). Text starting with ``+ - @`` or a tab/CR, which Excel
  reads as a formula when typed or pasted, gets the same treatment.
* XML 1.0 cannot hold most control characters (openpyxl raises ``IllegalCharacterError``, which
  made every later export fail): they are removed, as are lone surrogates; text is cut to Excel's
  32,767 characters per cell.
"""

from __future__ import annotations

import re

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell

EXCEL_CELL_LIMIT = 32_767
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """``text`` without the characters a worksheet cannot hold, cut to the cell limit."""
    if not text.isprintable():
        text = _ILLEGAL.sub("", text)
    if len(text) > EXCEL_CELL_LIMIT:
        text = text[: EXCEL_CELL_LIMIT - 20] + "…（内容过长已截断）"
    return text


def is_risky(text: str) -> bool:
    """Would Excel take this text for a formula (now, or when the cell is edited or pasted)?"""
    return text.startswith(FORMULA_STARTS)


def cell_value(ws, value):
    """``value`` ready for ``ws.append``: plain values as they are, risky text as a text cell."""
    if value.__class__ is not str:
        return value
    text = clean_text(value)
    if not is_risky(text):
        return text
    cell = WriteOnlyCell(ws, value=text) if _write_only(ws) else Cell(ws, value=text)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def row_values(ws, values) -> list:
    return [cell_value(ws, v) for v in values]


def put(ws, row: int, column: int, value) -> Cell:
    """``ws.cell(row, column, value)`` for a normal worksheet, keeping text as text."""
    cell = ws.cell(row=row, column=column)
    if value.__class__ is str:
        text = clean_text(value)
        cell.value = text
        if is_risky(text):
            cell.data_type = "s"
            cell.quotePrefix = True
    elif value is not None:  # as ws.cell(value=None): a merged cell stays as it is
        cell.value = value
    return cell


def guard(cell) -> None:
    """Make a cell that already holds text keep it as text (for cells styled by the caller)."""
    if isinstance(cell.value, str) and is_risky(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True


def _write_only(ws) -> bool:
    return ws.__class__.__name__ == "WriteOnlyWorksheet"
