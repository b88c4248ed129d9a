"""Spreadsheets the roster writes with openpyxl: invalid rows to fix, the template, the list.

Each is importable again: the headers are the ones the importer recognises.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select

from app.documents.xlsxsafe import clean_text, guard, row_values
from app.domain import reference
from app.domain.enums import EnterpriseSize, RiskLevel
from app.domain.validators import credit_code_check_char
from app.roster.fields import FIELDS
from app.roster.importer import EXAMPLE_PREFIX, ImportPlan
from app.roster.service import EnterpriseFilter, apply_filter
from app.roster.source import RosterSource
from app.store.models import Enterprise
from app.store.store import Store

Progress = Callable[[int, int, str], None]
EXCEL_CELL_LIMIT = 32_767
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def _cell_value(value):
    if isinstance(value, str) and len(value) > EXCEL_CELL_LIMIT:
        return value[: EXCEL_CELL_LIMIT - 20] + "…（内容过长已截断）"
    return value


def _save(wb: Workbook, path: Path) -> Path:
    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        path = path.with_suffix(".xlsx")
    wb.save(path)
    return path


# ---------------------------------------------------------------- invalid rows


def export_errors(plan: ImportPlan, source: RosterSource | None, path: str | Path) -> Path:
    """The invalid rows with their original row number and reason, under the original header."""
    invalid = plan.all_invalid
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("无效行")
    header = plan.header
    first_col = min(header.texts) if header.texts else 0
    last_col = max(header.texts) if header.texts else 0
    titles = [header.texts.get(c, "") for c in range(first_col, last_col + 1)]
    head_cells = []
    for text in ["原行号", "错误原因", *titles]:
        cell = WriteOnlyCell(ws, value=clean_text(str(text)))
        guard(cell)  # the header comes from the imported file: text, never a formula
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        head_cells.append(cell)
    ws.append(head_cells)
    wanted = {r.row: r for r in invalid}
    full: dict[int, list] = {}
    if source is not None and wanted:
        start_col = source.sheet.start_col
        for number, cells in source.data_rows():
            if number in wanted:
                full[number] = [
                    cells[c - start_col] if 0 <= c - start_col < len(cells) else ""
                    for c in range(first_col, last_col + 1)
                ]
    for row in invalid:
        cells = full.get(row.row)
        if cells is None:  # the source is gone: the mapped cells are what we have
            by_field = row.cells or {}
            cells = [
                by_field.get(header.mapping.get(c), "") for c in range(first_col, last_col + 1)
            ]
        ws.append(row_values(ws, [row.row, row.reason, *(_cell_value(v) for v in cells)]))
    return _save(wb, Path(path))


# ---------------------------------------------------------------- the template


def _example_code() -> str:
    first17 = "91350102MA2Y00000"
    return first17 + credit_code_check_char(first17)


EXAMPLE = {
    "credit_code": _example_code(),
    "name": EXAMPLE_PREFIX + "福州某某科技有限公司",
    "legal_rep": "张三",
    "phone": "0591-87654321",
    "address": "福州市鼓楼区五一北路1号",
    "street_code": "鼓东街道",
    "industry": "软件和信息技术服务业",
    "employee_count": 120,
    "size_class": "中型",
    "above_scale": "是",
    "has_union": "是",
    "has_mediation_committee": "是",
    "has_collective_contract": "否",
    "has_party_org": "否",
}


def write_template(path: str | Path) -> Path:
    """The import template: the headers, an example row (skipped on import), data validation."""
    wb = Workbook()
    ws = wb.active
    ws.title = "企业名录"
    for col, f in enumerate(FIELDS, start=1):
        cell = ws.cell(row=1, column=col, value=f.label)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if f.hint:
            cell.comment = Comment(f.hint + ("（必填）" if f.required else ""), "劳动关系服务站")
        example = ws.cell(row=2, column=col, value=EXAMPLE[f.key])
        example.font = Font(color="808080", italic=True)
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = max(10, min(40, len(f.label) * 2 + 4))
        if f.kind == "code":
            for r in range(2, 2002):
                ws.cell(row=r, column=col).number_format = "@"
    ws.column_dimensions["B"].width = 34
    ws.column_dimensions["E"].width = 36
    ws.freeze_panes = "A2"
    last = 5000

    def add_list(col_key: str, options: list[str], title: str) -> None:
        col = next(i for i, f in enumerate(FIELDS, start=1) if f.key == col_key)
        letter = get_column_letter(col)
        dv = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True)
        dv.error = f"请从下拉列表中选择{title}"
        dv.errorTitle = title
        dv.prompt = f"请选择{title}"
        dv.promptTitle = title
        ws.add_data_validation(dv)
        dv.add(f"{letter}2:{letter}{last}")

    add_list("street_code", [s.name for s in reference.stations()], "所属街道/园区")
    add_list("size_class", [m.label for m in EnterpriseSize], "企业规模")
    for f in FIELDS:
        if f.kind == "bool":
            add_list(f.key, ["是", "否"], f.label)
    count_col = get_column_letter(
        next(i for i, f in enumerate(FIELDS, 1) if f.key == "employee_count")
    )
    dv = DataValidation(type="whole", operator="between", formula1="0", formula2="2000000",
                        allow_blank=True)  # fmt: skip
    dv.error = "职工人数应为0或正整数"
    dv.errorTitle = "职工人数"
    ws.add_data_validation(dv)
    dv.add(f"{count_col}2:{count_col}{last}")
    code_col = get_column_letter(next(i for i, f in enumerate(FIELDS, 1) if f.key == "credit_code"))
    dv = DataValidation(type="textLength", operator="equal", formula1="18", allow_blank=True)
    dv.error = "统一社会信用代码应为18位"
    dv.errorTitle = "统一社会信用代码"
    ws.add_data_validation(dv)
    dv.add(f"{code_col}2:{code_col}{last}")

    notes = wb.create_sheet("填写说明")
    notes.append(["列", "说明"])
    for cell in notes[1]:
        cell.font = HEADER_FONT
    notes.append(
        [
            "（通用）",
            "第1行为表头，请勿修改；第2行为示例（以“（示例）”开头的行导入时会跳过），可删除。",
        ]
    )
    for f in FIELDS:
        notes.append([f.label, (f.hint or "") + ("；必填" if f.required else "")])
    notes.append(["所属街道", "可填：" + "、".join(s.name for s in reference.stations())])
    notes.column_dimensions["A"].width = 20
    notes.column_dimensions["B"].width = 90
    return _save(wb, Path(path))


# ---------------------------------------------------------------- the filtered list

EXPORT_EXTRA = (("last_negotiation_on", "最近一次集体协商日期"), ("risk_level", "欠薪风险等级"),
                ("source", "来源"), ("notes", "备注"))  # fmt: skip


def _export_value(key: str, value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if key == "street_code":
        try:
            return reference.station(value).name
        except KeyError:
            return value
    if key == "size_class":
        return EnterpriseSize(value).label
    if key == "risk_level":
        return RiskLevel(value).label
    if key == "source":
        return {"import": "名录导入", "manual": "手工录入"}.get(value, value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return _cell_value(value)


def export_enterprises(
    store: Store,
    f: EnterpriseFilter | None,
    path: str | Path,
    *,
    progress: Progress | None = None,
    cancel=None,
) -> tuple[Path, int]:
    """The enterprises matching ``f`` as an importable .xlsx. Returns (path, rows written)."""
    keys = [fd.key for fd in FIELDS] + [k for k, _l in EXPORT_EXTRA]
    titles = [fd.label for fd in FIELDS] + [label for _k, label in EXPORT_EXTRA]
    cols = [getattr(Enterprise, k) for k in keys]
    query = apply_filter(select(*cols), f or EnterpriseFilter()).order_by(
        Enterprise.name_initials, Enterprise.name, Enterprise.id
    )
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("企业名录")
    head = []
    for t in titles:
        cell = WriteOnlyCell(ws, value=t)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        head.append(cell)
    ws.append(head)
    count = 0
    with store.read() as s:
        total = None
        if progress:
            from sqlalchemy import func

            total = s.scalar(apply_filter(select(func.count()).select_from(Enterprise),
                                          f or EnterpriseFilter()))  # fmt: skip
        for row in s.execute(query).yield_per(2000):
            if count % 2000 == 0:
                if cancel is not None and (cancel() if callable(cancel) else bool(cancel)):
                    from app.roster.importer import ImportCancelled

                    raise ImportCancelled()
                if progress:
                    progress(count, total or 0, f"正在导出：{count:,} 家")
            ws.append(row_values(ws, [_export_value(k, v) for k, v in zip(keys, row, strict=True)]))
            count += 1
    saved = _save(wb, Path(path))
    if progress:
        progress(count, count, "导出完成")
    return saved, count
