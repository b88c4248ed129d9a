"""A one-page sample document used by ``selftest`` to prove that printing works on this PC."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from app.documents.fonts import cjk_font_name


def sample_document_pdf() -> bytes:
    font = cjk_font_name()
    title = ParagraphStyle("title", fontName=font, fontSize=18, leading=26, alignment=1)
    body = ParagraphStyle("body", fontName=font, fontSize=12, leading=20, wordWrap="CJK")
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=25 * mm, rightMargin=25 * mm)
    doc.build(
        [
            Paragraph("劳动关系服务站 打印自检页", title),
            Spacer(1, 8 * mm),
            Paragraph(
                "本页用于检查本机能否生成带中文字体的文书。调解协议书、受理通知书、调解笔录等"
                "文书均使用同一字体并嵌入到PDF文件中，在没有安装中文字体的电脑上也能正确显示和打印。",
                body,
            ),
        ]
    )
    return out.getvalue()
