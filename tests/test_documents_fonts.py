"""The CJK font's parsed face, cached between processes: the same PDFs, and a bad cache ignored."""

from __future__ import annotations

import pytest
from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from app.documents import fonts
from app.documents.case_documents import render_agreement_content, sample_agreement_content

NAME = "WenQuanYiMicroHei"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LABOR_STATION_CACHE_DIR", str(tmp_path / "other"))
    fonts.cjk_font_name()  # the process's registration done (elsewhere), as in a running program
    folder = tmp_path / "缓存 目录"
    monkeypatch.setenv("LABOR_STATION_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def invariant(monkeypatch):
    """PDFs without time stamps or random IDs, so that two renderings compare byte for byte."""
    monkeypatch.setattr(rl_config, "invariant", 1)
    yield
    pdfmetrics.registerFont(TTFont(NAME, str(fonts.bundled_font_path())))


def _agreement_pdf(font) -> bytes:
    pdfmetrics.registerFont(font)
    content = sample_agreement_content()
    content["applicants"][0]["name"] = "龘犇㐂"  # rare characters: glyphs far into the font
    return render_agreement_content(content)


def test_a_face_from_the_cache_makes_the_same_pdf_as_a_parsed_one(cache, invariant):
    path = fonts.bundled_font_path()
    parsed = fonts.load_font(NAME, path)  # no cache yet: parsed, and the cache written
    assert type(parsed.face) is not fonts._CachedFace
    assert list(cache.glob("font-*.metrics"))
    cached = fonts.load_font(NAME, path)
    assert type(cached.face) is fonts._CachedFace
    reference = TTFont(NAME, str(path))
    for attr in ("charToGlyph", "charWidths", "glyphToChar", "ascent", "descent", "bbox", "flags"):
        assert getattr(cached.face, attr) == getattr(reference.face, attr), attr
    assert list(cached.face.hmetrics) == reference.face.hmetrics
    assert [type(a) for a, _ in cached.face.hmetrics] == [
        type(a) for a, _ in reference.face.hmetrics
    ]
    assert list(cached.face.glyphPos) == reference.face.glyphPos
    assert _agreement_pdf(cached) == _agreement_pdf(reference)


def test_a_damaged_cache_is_ignored_and_rewritten(cache, invariant):
    path = fonts.bundled_font_path()
    fonts.load_font(NAME, path)
    (file,) = cache.glob("font-*.metrics")
    good = file.read_bytes()
    for damage in (good[: len(good) // 2], b"LSFONTM1" + b"\xff" * 40, b"not a cache", b""):
        file.write_bytes(damage)
        font = fonts.load_font(NAME, path)
        assert type(font.face) is not fonts._CachedFace  # parsed again
        assert file.read_bytes() == good  # and the cache made whole
    assert _agreement_pdf(fonts.load_font(NAME, path)) == _agreement_pdf(TTFont(NAME, str(path)))


def test_a_cache_of_another_font_file_is_not_used(cache, tmp_path):
    path = fonts.bundled_font_path()
    fonts.load_font(NAME, path)
    copy = tmp_path / "副本 字体.ttc"
    copy.write_bytes(path.read_bytes())
    assert len(list(cache.glob("font-*.metrics"))) == 1
    # the copy's cache entry is another file, keyed by its own path, size and time
    font = fonts.load_font(NAME, copy)
    assert type(font.face) is not fonts._CachedFace
    assert len(list(cache.glob("font-*.metrics"))) == 2
    copy.write_bytes(path.read_bytes()[:-4] + b"\0\0\0\0")  # changed in place
    assert type(fonts.load_font(NAME, copy).face) is not fonts._CachedFace


def test_no_writable_cache_still_gives_the_font(tmp_path, monkeypatch):
    blocker = tmp_path / "a file"
    blocker.write_text("x")
    monkeypatch.setenv("LABOR_STATION_CACHE_DIR", str(blocker / "cache"))
    font = fonts.load_font(NAME, fonts.bundled_font_path())
    assert font.face.charToGlyph[ord("调")]


def test_a_line_never_starts_with_closing_punctuation():
    """ "…（第2期款项）。" at a line end: ReportLab hung the "）" in the margin and began the next
    line with "。" alone; the break now moves back before the closing marks."""
    from reportlab.lib import textsplit
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    from app.documents import fonts

    name = fonts.cjk_font_name()
    text = "申请人支付劳动报酬（第2期款项）。下一句"
    assert textsplit.dumbSplit(text, [10] * len(text), 150) == [
        [10, "申请人支付劳动报酬（第2期款"],
        [90, "项）。下一句"],
    ]
    # hung in the margin (ReportLab's 标点悬挂) or moved down with the character before it
    for _extra, line in textsplit.dumbSplit("甲乙丙丁戊，己庚", [10] * 8, 50)[1:]:
        assert line[0] not in fonts.CANNOT_START
    style = ParagraphStyle("t", fontName=name, fontSize=12, leading=16, wordWrap="CJK")
    sentence = "被申请人于2026年12月15日前以银行转账方式向申请人支付劳动报酬（第2期款项）。"
    for width in range(100, 480, 6):
        para = Paragraph(sentence * 2, style)
        para.wrap(width, 1000)
        lines = [str(line[1][0]) for line in para.blPara.lines]  # (extra space, [text])
        assert len(lines) > 1
        for line in lines[1:]:
            assert line[0] not in fonts.CANNOT_START, (width, lines)
