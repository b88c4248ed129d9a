"""Helpers for the roster tests: valid credit codes and rosters written by openpyxl."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from app.domain.validators import credit_code_check_char

DEFAULT_HEADER = ["统一社会信用代码", "企业名称", "法定代表人", "联系电话", "所属街道", "职工人数"]


def code(i: int, prefix: str = "91350102MA") -> str:
    first17 = f"{prefix}{i:07d}"[:17]
    return first17 + credit_code_check_char(first17)


def bad_check_digit(i: int) -> str:
    good = code(i)
    return good[:-1] + ("0" if good[-1] != "0" else "1")


def write_roster(path: Path, rows: list[list], *, header=None, title: str | None = "鼓楼区企业名录",
                 sheet: str = "名录") -> Path:  # fmt: skip
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    header = header or DEFAULT_HEADER
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return Path(path)
