"""The dashboard as an Excel workbook (openpyxl): the comparison, five "one" and enterprise conflicts."""

from __future__ import annotations

import io
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from app.district.metrics import FIELD_LABELS, MergedEnterprise, StationRow, totals
from app.documents.xlsxsafe import row_values
from app.domain.enums import FIVE_ONE

HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")
STALE_FILL = PatternFill("solid", fgColor="FDE2E1")
KIND_LABELS = {"street": "街道", "town": "镇", "park": "园区"}

COLUMNS = [
    "街镇/园区",
    "类型",
    "案件数",
    "调解成功",
    "调解不成",
    "成功率",
    "逾期案件",
    "追回金额（元）",
    "走访次数",
    "未整改问题",
    "五个一完成",
    "最后同步时间",
    "同步状态",
]


def _local(dt: datetime | None) -> str:
    return dt.astimezone().strftime("%Y-%m-%d %H:%M") if dt else "从未同步"


def _header(ws, names: list[str]) -> None:
    ws.append(row_values(ws, names))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.freeze_panes = "A2"


def _widths(ws, widths: list[int]) -> None:
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w


def workbook_bytes(year: int, rows: list[StationRow], merged: list[MergedEnterprise]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = f"{year}年街镇对比"
    _header(ws, COLUMNS)
    for r in [*rows, totals(rows)]:
        ws.append(
            row_values(
                ws,
                [
                    r.name,
                    KIND_LABELS.get(r.kind, ""),
                    r.cases,
                    r.success,
                    r.failed,
                    r.rate,
                    r.overdue,
                    float(r.recovered),
                    r.visits,
                    r.open_problems,
                    f"{r.five_one_done}/5" if r.code else "",
                    _local(r.last_sync_at) if r.code else "",
                    ("超过期限未同步" if r.stale else "正常") if r.code else "",
                ],
            )
        )
        line = ws.max_row
        ws.cell(line, 6).number_format = "0.0%"
        ws.cell(line, 8).number_format = "#,##0.00"
        if r.code and r.stale:
            for cell in ws[line]:
                cell.fill = STALE_FILL
        if not r.code:
            for cell in ws[line]:
                cell.font = Font(bold=True)
    _widths(ws, [16, 8, 9, 10, 10, 9, 10, 16, 10, 12, 11, 18, 16])

    ws = wb.create_sheet("五个一进度")
    _header(ws, ["街镇/园区", *[k.label for k in FIVE_ONE], "完成项数"])
    for r in rows:
        ws.append(
            row_values(
                ws,
                [
                    r.name,
                    *["已完成" if r.five_one[k.value] else "未完成" for k in FIVE_ONE],
                    r.five_one_done,
                ],
            )
        )
    _widths(ws, [16, 24, 16, 24, 18, 26, 10])

    ws = wb.create_sheet("企业信息冲突")
    _header(ws, ["统一社会信用代码", "上报站点", "字段", "各站点填写的值"])
    for m in merged:
        stations = "、".join(_station_name(c, rows) for c in m.stations)
        if not m.conflicts:
            ws.append(row_values(ws, [m.credit_code, stations, "（无冲突）", ""]))
        for fname, values in m.conflicts.items():
            text = "；".join(f"{_station_name(c, rows)}：{v}" for c, v in values.items())
            ws.append(
                row_values(ws, [m.credit_code, stations, FIELD_LABELS.get(fname, fname), text])
            )
    _widths(ws, [22, 30, 14, 80])

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _station_name(code: str, rows: list[StationRow]) -> str:
    for r in rows:
        if r.code == code:
            return r.name
    return code
