"""The statistical report as .xlsx (openpyxl): the table by dispute type, and the station's work.

Sheet 调解统计表: the cases of the period by dispute type (cases, workers, amounts claimed, results,
success rate, amounts agreed and recovered) with totals, notes and sign-off lines, ready to print
on one landscape A4 page. Sheet 工作情况: cases by state, visits and the problem ledger,
activities, the five "one", wage-arrears risk.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.documents.xlsxsafe import clean_text, put
from app.domain.enums import ActivityKind, CaseStatus, RiskLevel
from app.reports.figures import Outcome, StationFigures, TypeRow

THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
HEAD_FILL = PatternFill("solid", fgColor="DCE6F1")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
MONEY = "#,##0.00"
COUNT = "0"
RATE = "0.0%"

#: (header, sub-header or None, width)
COLUMNS = [
    ("争议类型", None, 18),
    ("受理案件\n（件）", None, 10),
    ("涉及劳动者\n（人）", None, 11),
    ("请求金额\n（元）", None, 15),
    ("办理结果（件）", Outcome.SUCCESS.label, 9),
    ("办理结果（件）", Outcome.FAILED.label, 9),
    ("办理结果（件）", Outcome.WITHDRAWN.label, 7),
    ("办理结果（件）", Outcome.DECLINED.label, 9),
    ("办理结果（件）", Outcome.IN_PROGRESS.label, 8),
    ("调解\n成功率", None, 9),
    ("协议金额\n（元）", None, 15),
    ("已追回金额\n（元）", None, 15),
]
OUTCOME_ORDER = [
    Outcome.SUCCESS,
    Outcome.FAILED,
    Outcome.WITHDRAWN,
    Outcome.DECLINED,
    Outcome.IN_PROGRESS,
]

NOTES = [
    "受理案件为统计期间内收到调解申请的案件，办理结果为制表日的状态；一案涉及多类争议的，在各类中分别计入，合计行按案件数计。",
    "调解成功率＝调解成功件数÷（调解成功件数＋调解不成件数）。",
    "协议金额为已签署调解协议中的支付条款金额；已追回金额为截至统计期末已履行的金额。",
]


def _cell(
    ws: Worksheet,
    row: int,
    col: int,
    value,
    *,
    fmt: str | None = None,
    bold=False,
    fill=None,
    align=CENTER,
):
    c = put(ws, row, col, value)
    c.border = BOX
    c.alignment = align
    if fmt:
        c.number_format = fmt
    if bold:
        c.font = Font(bold=True)
    if fill:
        c.fill = fill
    return c


def _type_row(ws: Worksheet, r: int, row: TypeRow, *, total: bool = False) -> None:
    fill = TOTAL_FILL if total else None
    values = [
        (row.name, None),
        (row.cases, COUNT),
        (row.workers, COUNT),
        (float(row.claimed), MONEY),
        *[(row.outcomes[o], COUNT) for o in OUTCOME_ORDER],
        (row.success_rate if row.success_rate is not None else "—", RATE),
        (float(row.agreed), MONEY),
        (float(row.recovered), MONEY),
    ]
    for c, (value, fmt) in enumerate(values, start=1):
        _cell(ws, r, c, value, fmt=fmt, bold=total, fill=fill, align=LEFT if c == 1 else CENTER)


def statistics_sheet(ws: Worksheet, f: StationFigures) -> None:
    ws.title = "调解统计表"
    last = len(COLUMNS)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last)
    title = put(ws, 1, 1, f"{f.station_name}劳动争议调解工作统计表")
    title.font = Font(bold=True, size=16)
    title.alignment = CENTER
    ws.row_dimensions[1].height = 30
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=8)
    put(ws, 2, 1, f"填报单位：{f.organisation_name}").alignment = LEFT
    ws.merge_cells(start_row=2, start_column=9, end_row=2, end_column=last)
    put(
        ws,
        2,
        9,
        f"统计期间：{f.period.label}（{f.period.start:%Y-%m-%d}至{f.period.end:%Y-%m-%d}）",
    ).alignment = Alignment(horizontal="right")

    # two-level header
    head, sub = 3, 4
    col = 1
    while col <= last:
        header, subheader, _w = COLUMNS[col - 1]
        if subheader is None:
            ws.merge_cells(start_row=head, start_column=col, end_row=sub, end_column=col)
            _cell(ws, head, col, header, bold=True, fill=HEAD_FILL)
            _cell(ws, sub, col, None, fill=HEAD_FILL)
            col += 1
            continue
        span = sum(1 for h, s, _ in COLUMNS if h == header and s is not None)
        ws.merge_cells(start_row=head, start_column=col, end_row=head, end_column=col + span - 1)
        for i in range(span):
            _cell(ws, head, col + i, header if i == 0 else None, bold=True, fill=HEAD_FILL)
            _cell(ws, sub, col + i, COLUMNS[col + i - 1][1], bold=True, fill=HEAD_FILL)
        col += span
    ws.row_dimensions[head].height = 22
    ws.row_dimensions[sub].height = 30
    for i, (_h, _s, width) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width

    r = sub + 1
    for row in f.by_type:
        _type_row(ws, r, row)
        r += 1
    _type_row(ws, r, f.total, total=True)
    r += 2
    put(ws, r, 1, "说明：").font = Font(bold=True)
    for i, note in enumerate(NOTES, start=1):
        r += 1
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=last)
        put(ws, r, 1, f"{i}. {note}").alignment = LEFT
        ws.row_dimensions[r].height = 28
    r += 2
    put(ws, r, 1, "单位负责人：")
    put(ws, r, 5, "填报人：")
    put(ws, r, 9, f"填报日期：{f.made_on:%Y-%m-%d}")

    ws.freeze_panes = ws.cell(row=sub + 1, column=2)
    ws.print_title_rows = f"{head}:{sub}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_area = f"A1:{get_column_letter(last)}{r}"


def _block(ws: Worksheet, r: int, title: str, rows: list[tuple[str, object, str | None]]) -> int:
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
    _cell(ws, r, 1, title, bold=True, fill=HEAD_FILL)
    _cell(ws, r, 2, None, fill=HEAD_FILL)
    for label, value, fmt in rows:
        r += 1
        _cell(ws, r, 1, label, align=LEFT)
        _cell(ws, r, 2, value, fmt=fmt, align=Alignment(horizontal="right", vertical="center"))
    return r + 2


def work_sheet(ws: Worksheet, f: StationFigures) -> None:
    ws.title = "工作情况"
    ws.column_dimensions["A"].width = 44
    ws.column_dimensions["B"].width = 24
    ws.merge_cells("A1:B1")
    ws["A1"] = f"{f.station_name}劳动关系工作情况（{f.period.label}）"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = CENTER
    r = 3
    r = _block(
        ws,
        r,
        "劳动争议调解",
        [
            ("本期受理案件（件）", f.total.cases, COUNT),
            ("涉及劳动者（人）", f.total.workers, COUNT),
            ("其中集体争议（件）", f.collective_cases, COUNT),
            ("其中涉及农民工（件）", f.migrant_cases, COUNT),
            ("请求金额（元）", float(f.total.claimed), MONEY),
            ("调解成功（件）", f.total.outcomes[Outcome.SUCCESS], COUNT),
            ("调解成功率", f.total.success_rate if f.total.success_rate is not None else "—", RATE),
            ("协议金额（元）", float(f.total.agreed), MONEY),
            ("本期实际支付到位金额（元）", float(f.paid_in_period), MONEY),
            ("制表日逾期案件（件）", f.overdue_cases, COUNT),
        ],
    )
    r = _block(
        ws,
        r,
        "本期受理案件当前状态（件）",
        [(s.label, f.by_status.get(s, 0), COUNT) for s in CaseStatus],
    )
    v = f.visits
    r = _block(
        ws,
        r,
        "企业走访与问题台账",
        [
            ("走访/巡查/回访（次）", v.visits, COUNT),
            ("走访企业（家）", v.enterprises_visited, COUNT),
            ("本期发现问题（项）", v.findings_raised, COUNT),
            ("本期整改完成（项）", v.findings_rectified, COUNT),
            ("本期移交劳动监察（项）", v.findings_escalated, COUNT),
            ("制表日待整改问题（项）", v.findings_open, COUNT),
            ("制表日逾期未整改（项）", v.findings_overdue, COUNT),
        ],
    )
    r = _block(
        ws,
        r,
        "活动开展（次）",
        [(k.label, f.activities_by_kind.get(k, 0), COUNT) for k in ActivityKind]
        + [
            ("参加人数（人次）", f.activity_participants, COUNT),
            ("发放宣传资料（份）", f.materials_handed_out, COUNT),
        ],
    )
    r = _block(
        ws,
        r,
        f"{f.five_one_year}年“五个一”完成情况（完成{f.five_one_done}/5项）",
        [
            (f"{i.kind.label}：{i.summary}", "已完成" if i.done else "未完成", None)
            for i in f.five_one
        ],
    )
    _block(
        ws,
        r,
        "企业欠薪风险等级（家，制表日）",
        [
            (level.label, f.risk_counts.get(level, 0), COUNT)
            for level in (RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.LOW)
        ],
    )
    ws.page_setup.orientation = "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0


def build_workbook(f: StationFigures) -> Workbook:
    wb = Workbook()
    statistics_sheet(wb.active, f)
    work_sheet(wb.create_sheet(), f)
    wb.properties.title = f"{f.station_name}劳动争议调解工作统计表 {f.period.label}"
    wb.properties.creator = clean_text(f.organisation_name)
    return wb


def write_xlsx(f: StationFigures, path: str | Path) -> Path:
    """Write the report where the user chose (it holds counts and sums only, no personal data)."""
    path = Path(path)
    wb = build_workbook(f)
    tmp = path.with_name(path.name + ".part")
    try:
        wb.save(tmp)
        tmp.replace(path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
