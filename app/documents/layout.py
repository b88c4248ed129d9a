"""Shared layout of the printed documents: A4, the embedded CJK font, Chinese line breaking
(``wordWrap="CJK"``: no line starts with 。，、 and the like), page numbers "第 x 页 共 y 页" and
the case number on every page, the amount in capitals (大写) that agreements carry."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from app.documents.fonts import cjk_font_name
from app.domain import dates

# Binary (deflated) streams instead of ASCII85 text: smaller PDFs, and no slow ASCII85 pass.
rl_config.useA85 = 0


def _extend_kinsoku() -> None:
    """Chinese punctuation that must not begin a line (GB/T 15834). ReportLab's CJK wrapping knows
    the Japanese set (。、）) but not the full-width comma, semicolon, colon, question and
    exclamation marks or the closing book-title mark; it reads the set from two modules."""
    from reportlab.lib import textsplit
    from reportlab.platypus import paragraph as rl_paragraph

    missing = "".join(ch for ch in "，；：？！》〉…" if ch not in textsplit.ALL_CANNOT_START)
    textsplit.ALL_CANNOT_START += missing
    rl_paragraph.ALL_CANNOT_START = textsplit.ALL_CANNOT_START


_extend_kinsoku()

PAGE_W, PAGE_H = A4
MARGIN_X = 26 * mm
MARGIN_TOP = 28 * mm
MARGIN_BOTTOM = 24 * mm
TEXT_W = PAGE_W - 2 * MARGIN_X


class Styles:
    """Paragraph styles over the CJK font (built once per process)."""

    def __init__(self) -> None:
        font = cjk_font_name()
        self.font = font
        base = {"fontName": font, "wordWrap": "CJK"}
        self.title = ParagraphStyle("title", fontSize=20, leading=30, alignment=TA_CENTER, **base)
        self.subtitle = ParagraphStyle(
            "subtitle", fontSize=12, leading=18, alignment=TA_CENTER, **base
        )
        self.number = ParagraphStyle(
            "number", fontSize=11.5, leading=18, alignment=TA_RIGHT, **base
        )
        # keepWithNext: a heading (a table's title among them) never stays alone at a page foot
        self.heading = ParagraphStyle(
            "heading", fontSize=13, leading=22, spaceBefore=6, spaceAfter=2, keepWithNext=1, **base
        )
        self.body = ParagraphStyle(
            "body", fontSize=12, leading=21, alignment=TA_JUSTIFY, firstLineIndent=24, **base
        )
        self.plain = ParagraphStyle("plain", fontSize=12, leading=21, alignment=TA_LEFT, **base)
        #: a line that introduces a table ("申请人名单："): kept with the table
        self.caption = ParagraphStyle(
            "caption", fontSize=12, leading=21, alignment=TA_LEFT, keepWithNext=1, **base
        )
        self.cell = ParagraphStyle("cell", fontSize=10.5, leading=15, **base)
        self.cell_label = ParagraphStyle(
            "cell_label", fontSize=10.5, leading=15, alignment=TA_CENTER, **base
        )
        self.small = ParagraphStyle("small", fontSize=9, leading=13, textColor=colors.grey, **base)
        self.right = ParagraphStyle("right", fontSize=12, leading=21, alignment=TA_RIGHT, **base)
        self.center = ParagraphStyle("center", fontSize=12, leading=21, alignment=TA_CENTER, **base)
        self.note = ParagraphStyle(
            "note", fontSize=10.5, leading=17, textColor=colors.HexColor("#333333"), **base
        )
        self.warning = ParagraphStyle(
            "warning", fontSize=11, leading=17, alignment=TA_CENTER,
            textColor=colors.HexColor("#b00020"), **base,
        )  # fmt: skip


_styles: Styles | None = None


def styles() -> Styles:
    global _styles
    if _styles is None:
        _styles = Styles()
    return _styles


def text(value: object) -> str:
    """User text made safe for a Paragraph: XML-escaped, line breaks kept."""
    if value is None:
        return ""
    return escape(str(value)).replace("\r\n", "\n").replace("\n", "<br/>")


#: how a document names the organisation that issues it; the texts are written with "本委员会"
_SELF_WORD: ContextVar[str] = ContextVar("self_word", default="本委员会")
_SELF_UNITS = (
    ("委员会", "本委员会"),
    ("中心", "本中心"),
    ("服务站", "本站"),
    ("工作站", "本站"),
    ("调解室", "本室"),
    ("工作室", "本室"),
)


def self_word(organisation: str | None) -> str:
    """ "本委员会" for a 调解委员会, "本中心" for a 调解中心 … from the last word of the
    organisation's name (any bracketed note after it ignored); "本组织" when none fits."""
    name = re.sub(r"[（(][^（）()]*[）)]$", "", (organisation or "").strip())
    for unit, word in _SELF_UNITS:
        if name.endswith(unit):
            return word
    return "本组织"


@contextmanager
def issued_by(organisation: str | None):
    """Within the block, "本委员会" in the documents' texts reads as the organisation calls
    itself (``self_word``)."""
    token = _SELF_WORD.set(self_word(organisation))
    try:
        yield
    finally:
        _SELF_WORD.reset(token)


def para(value: object, style: ParagraphStyle | None = None, *, raw: bool = False) -> Paragraph:
    value = "" if value is None else str(value)
    word = _SELF_WORD.get()
    if word != "本委员会":
        value = value.replace("本委员会", word)
    return Paragraph(value if raw else text(value), style or styles().body)


def paragraphs(value: str | None, style: ParagraphStyle | None = None) -> list[Paragraph]:
    """One Paragraph per line of the user's text (each line indented as a paragraph)."""
    lines = [line.strip() for line in (value or "").splitlines()]
    return [para(line, style) for line in lines if line] or [para("（无）", style)]


def cn_date(day: date | None, blank: str = "    年  月  日") -> str:
    return dates.cn_date(day, blank)


def money(value: Decimal | str | None) -> str:
    if value is None or value == "":
        return ""
    return f"{Decimal(str(value)):,.2f}"


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ["", "拾", "佰", "仟"]
_SECTIONS = ["", "万", "亿"]


def rmb_upper(value: Decimal | str) -> str:
    """Amount in Chinese capitals as on cheques and agreements: 12345.60 -> 壹万贰仟叁佰肆拾伍元陆角."""
    amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if amount < 0:
        return "负" + rmb_upper(-amount)
    yuan, rest = divmod(int(amount * 100), 100)
    jiao, fen = divmod(rest, 10)
    out = ""
    digits = str(yuan) if yuan else ""
    zero = False
    for i, ch in enumerate(digits):
        place = len(digits) - 1 - i
        d = int(ch)
        if d == 0:
            zero = True
        else:
            if zero:
                out += "零"
            zero = False
            out += _DIGITS[d] + _UNITS[place % 4]
        if place % 4 == 0 and place > 0:
            group = digits[max(0, i - 3) : i + 1]
            if int(group):
                out += _SECTIONS[place // 4]
    if out:
        out += "元"
    if jiao == 0 and fen == 0:
        return (out or "零元") + "整"
    if jiao:
        out += _DIGITS[jiao] + "角"
    elif out:
        out += "零"
    if fen:
        out += _DIGITS[fen] + "分"
    return out


def grid(
    rows: list[list],
    widths: list[float],
    *,
    label_cols: Iterable[int] = (0,),
    header: bool = False,
) -> Table:
    """A bordered table of cells; strings become Paragraphs (label columns centred and shaded)."""
    st = styles()
    labels = set(label_cols)
    body = []
    for r, row in enumerate(rows):
        cells = []
        for c, value in enumerate(row):
            if isinstance(value, Flowable):
                cells.append(value)
            else:
                is_label = c in labels or (header and r == 0)
                cells.append(para(value, st.cell_label if is_label else st.cell))
        body.append(cells)
    table = Table(body, colWidths=widths, repeatRows=1 if header else 0)
    commands = [
        ("FONTNAME", (0, 0), (-1, -1), st.font),
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    for c in labels:
        commands.append(("BACKGROUND", (c, 0), (c, -1), colors.HexColor("#f2f2f2")))
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2")))
    table.setStyle(TableStyle(commands))
    return table


def signature_block(rows: list[tuple[str, str]], *, date_line: bool = True) -> KeepTogether:
    """Signature lines kept together on one page: (who, what they do) pairs."""
    st = styles()
    cells = []
    for who, what in rows:
        cells.append(
            [
                para(f"{who}（{what}）：", st.plain),
                para("________________", st.plain),
                para("     年    月    日" if date_line else "", st.plain),
            ]
        )
    table = Table(cells, colWidths=[TEXT_W * 0.42, TEXT_W * 0.3, TEXT_W * 0.28])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), st.font),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("TOPPADDING", (0, 0), (-1, -1), 10),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return KeepTogether([Spacer(1, 4 * mm), table])


def seal_block(organisation: str, day: date | None) -> KeepTogether:
    """The issuing organisation and date on the right, with room for the seal."""
    st = styles()
    return KeepTogether(
        [
            Spacer(1, 12 * mm),
            para(f"{organisation}（印章）", st.right),
            para(cn_date(day), st.right),
        ]
    )


class _NumberedCanvas(rl_canvas.Canvas):
    """Defers each page so that the footer can say how many pages there are."""

    header_text = ""
    font = "Helvetica"

    def __init__(self, *args, **kwargs):
        # Start every page in the CJK font, so that no unembedded base-14 font is referenced.
        if not kwargs.get("initialFontName"):
            kwargs["initialFontName"] = self.font
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._decorate(number, total)
            super().showPage()
        super().save()

    def _decorate(self, number: int, total: int) -> None:
        self.saveState()
        self.setFont(self.font, 9.5)
        self.setFillColor(colors.HexColor("#444444"))
        self.drawCentredString(PAGE_W / 2, 13 * mm, f"第 {number} 页  共 {total} 页")
        if self.header_text and number > 1:
            self.drawRightString(PAGE_W - MARGIN_X, PAGE_H - 16 * mm, self.header_text)
            self.setStrokeColor(colors.HexColor("#999999"))
            self.setLineWidth(0.4)
            self.line(MARGIN_X, PAGE_H - 18 * mm, PAGE_W - MARGIN_X, PAGE_H - 18 * mm)
        self.restoreState()


def build_pdf(
    story: list,
    *,
    title: str,
    header: str = "",
    subject: str = "",
    on_page: Callable | None = None,
) -> bytes:
    """Lay out ``story`` on A4 with page numbers; the PDF as bytes (never a file)."""
    st = styles()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=title,
        subject=subject,
        author="劳动关系服务站",
        creator="labor-station",
        initialFontName=st.font,
    )

    canvas_cls = type(
        "DocumentCanvas", (_NumberedCanvas,), {"header_text": header, "font": st.font}
    )
    kwargs = {"canvasmaker": canvas_cls}
    if on_page is not None:
        kwargs["onFirstPage"] = on_page
        kwargs["onLaterPages"] = on_page
    doc.build(story, **kwargs)
    return out.getvalue()
