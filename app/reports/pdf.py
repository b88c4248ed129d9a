"""The one-page PDF summary of a period (ReportLab, the CJK font embedded)."""

from __future__ import annotations

import io
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.documents.fonts import cjk_font_name
from app.domain.dates import iso_date
from app.reports.figures import Outcome, StationFigures

GRID = colors.HexColor("#8c99a8")
HEAD = colors.HexColor("#dce6f1")
ACCENT = colors.HexColor("#20324a")


def _money(value) -> str:
    return f"{value:,.2f}"


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def summary_pdf(f: StationFigures) -> bytes:
    font = cjk_font_name()
    title = ParagraphStyle(
        "t", fontName=font, fontSize=16, leading=22, alignment=1, textColor=ACCENT
    )
    sub = ParagraphStyle("s", fontName=font, fontSize=9.5, leading=13, alignment=1)
    # keepWithNext: a table's title never stays alone at a page foot
    h = ParagraphStyle(
        "h", fontName=font, fontSize=11, leading=15, textColor=ACCENT, spaceBefore=3, keepWithNext=1
    )
    body = ParagraphStyle("b", fontName=font, fontSize=9, leading=12.5, wordWrap="CJK")
    small = ParagraphStyle(
        "sm",
        fontName=font,
        fontSize=7.5,
        leading=10,
        wordWrap="CJK",
        textColor=colors.HexColor("#5f6b7a"),
    )

    def table(data, widths, *, header_rows=1, align_right_from=1):
        t = Table(data, colWidths=widths)
        style = [
            ("FONT", (0, 0), (-1, -1), font, 8.5),
            ("GRID", (0, 0), (-1, -1), 0.4, GRID),
            ("BACKGROUND", (0, 0), (-1, header_rows - 1), HEAD),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("ALIGN", (align_right_from, header_rows), (-1, -1), "RIGHT"),
            ("ALIGN", (0, 0), (-1, header_rows - 1), "CENTER"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]
        t.setStyle(TableStyle(style))
        return t

    t = f.total
    key = [
        ["受理案件", f"{t.cases} 件", "涉及劳动者", f"{t.workers} 人"],
        ["调解成功", f"{t.outcomes[Outcome.SUCCESS]} 件", "调解成功率", _rate(t.success_rate)],
        ["请求金额", f"{_money(t.claimed)} 元", "协议金额", f"{_money(t.agreed)} 元"],
        [
            "已追回金额",
            f"{_money(t.recovered)} 元",
            "本期支付到位",
            f"{_money(f.paid_in_period)} 元",
        ],
        ["集体争议", f"{f.collective_cases} 件", "逾期案件（制表日）", f"{f.overdue_cases} 件"],
    ]
    key_table = Table(key, colWidths=[28 * mm, 52 * mm, 34 * mm, 52 * mm])
    key_table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 9.5),
                ("GRID", (0, 0), (-1, -1), 0.4, GRID),
                ("BACKGROUND", (0, 0), (0, -1), HEAD),
                ("BACKGROUND", (2, 0), (2, -1), HEAD),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("ALIGN", (3, 0), (3, -1), "RIGHT"),
            ]
        )
    )

    type_rows = [
        [
            "争议类型",
            "案件",
            "劳动者",
            "请求金额",
            "成功",
            "不成",
            "撤回",
            "不予受理",
            "办理中",
            "协议金额",
            "已追回",
        ]
    ]
    for row in [*f.by_type, f.total]:
        type_rows.append(
            [
                row.name,
                row.cases,
                row.workers,
                _money(row.claimed),
                *[
                    row.outcomes[o]
                    for o in (
                        Outcome.SUCCESS,
                        Outcome.FAILED,
                        Outcome.WITHDRAWN,
                        Outcome.DECLINED,
                        Outcome.IN_PROGRESS,
                    )
                ],
                _money(row.agreed),
                _money(row.recovered),
            ]
        )
    widths = [30, 10, 12, 22, 10, 10, 10, 14, 12, 22, 22]
    types = table(type_rows, [w * mm * 0.98 for w in widths])
    types.setStyle(
        TableStyle(
            [
                ("FONT", (0, len(type_rows) - 1), (-1, len(type_rows) - 1), font, 8.5),
                (
                    "BACKGROUND",
                    (0, len(type_rows) - 1),
                    (-1, len(type_rows) - 1),
                    colors.HexColor("#f2f2f2"),
                ),
            ]
        )
    )

    v = f.visits
    visit_rows = [
        [
            "走访/巡查/回访",
            f"{v.visits} 次（{v.enterprises_visited} 家企业）",
            "本期发现问题",
            f"{v.findings_raised} 项",
        ],
        [
            "本期整改完成",
            f"{v.findings_rectified} 项",
            "本期移交劳动监察",
            f"{v.findings_escalated} 项",
        ],
        [
            "待整改（制表日）",
            f"{v.findings_open} 项",
            "逾期未整改（制表日）",
            f"{v.findings_overdue} 项",
        ],
    ]
    visits = Table(visit_rows, colWidths=[30 * mm, 53 * mm, 36 * mm, 47 * mm])
    visits.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 9),
                ("GRID", (0, 0), (-1, -1), 0.4, GRID),
                ("BACKGROUND", (0, 0), (0, -1), HEAD),
                ("BACKGROUND", (2, 0), (2, -1), HEAD),
            ]
        )
    )

    five = [[("√ " if i.done else "× ") + i.short for i in f.five_one]]
    five_table = Table(five, colWidths=[33.2 * mm] * 5)
    five_style = [
        ("FONT", (0, 0), (-1, -1), font, 9),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
    ]
    for i, item in enumerate(f.five_one):
        five_style.append(
            ("TEXTCOLOR", (i, 0), (i, 0), colors.HexColor("#1e7b34" if item.done else "#b3261e"))
        )
    five_table.setStyle(TableStyle(five_style))
    activity_text = (
        "、".join(f"{k.label}{n}次" for k, n in f.activities_by_kind.items() if n) or "无"
    )
    risk = f.risk_counts

    story = [
        Paragraph(f"{f.station_name}劳动关系工作统计摘要", title),
        Paragraph(
            f"统计期间：{f.period.label}（{iso_date(f.period.start)}至{iso_date(f.period.end)}）　"
            f"填报单位：{f.organisation_name}　制表日期：{iso_date(f.made_on)}",
            sub,
        ),
        Spacer(1, 4 * mm),
        Paragraph("一、主要指标", h),
        key_table,
        Paragraph("二、按争议类型统计（本期受理案件，单位：件、人、元）", h),
        types,
        Paragraph("三、企业走访与问题台账", h),
        visits,
        Paragraph(f"四、{f.five_one_year}年“五个一”创建活动（已完成{f.five_one_done}/5项）", h),
        five_table,
        Spacer(1, 2 * mm),
        Paragraph(
            f"本期活动：{activity_text}；参加{f.activity_participants}人次，发放宣传资料{f.materials_handed_out}份。",
            body,
        ),
        Paragraph(
            f"欠薪预警：高风险企业{risk.get('high', 0)}家，中风险{risk.get('medium', 0)}家，低风险{risk.get('low', 0)}家（制表日）。",
            body,
        ),
        Spacer(1, 3 * mm),
        Paragraph(
            "说明：受理案件为期间内收到申请的案件，结果为制表日状态；一案多类争议在各类中分别计入，合计按案件数计；"
            "调解成功率＝调解成功÷（调解成功＋调解不成）；已追回金额为截至期末已履行的协议金额；本期支付到位为期间内记录的全部付款。",
            small,
        ),
    ]
    out = io.BytesIO()
    # The canvas starts in Helvetica unless told otherwise; start it in the CJK font so that the
    # page never selects a font the PDF does not embed.
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=14 * mm,
        bottomMargin=12 * mm,
        title=f"{f.station_name}劳动关系工作统计摘要 {f.period.label}",
        author=f.organisation_name,
        initialFontName=font,
        initialFontSize=9,
    )
    doc.build(story)
    return out.getvalue()


def write_pdf(f: StationFigures, path: str | Path) -> Path:
    path = Path(path)
    data = summary_pdf(f)
    tmp = path.with_name(path.name + ".part")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
