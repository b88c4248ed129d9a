"""The CJK font embedded in every PDF.

On Windows the system's SimSun/FangSong are preferred when present (the look of official
documents); everywhere else, and as the fallback, the bundled WenQuanYi Micro Hei.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from app.paths import resource

BUNDLED_FONT = "wqy-microhei.ttc"


def _windows_candidates() -> list[tuple[str, Path, int]]:
    windir = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
    return [
        ("SimFang", windir / "simfang.ttf", 0),
        ("SimSun", windir / "simsun.ttc", 0),
    ]


def _candidates() -> list[tuple[str, Path, int]]:
    found = _windows_candidates() if os.name == "nt" else []
    found.append(("WenQuanYiMicroHei", resource("fonts", BUNDLED_FONT), 0))
    return found


@cache
def cjk_font_name() -> str:
    """Register the CJK font with ReportLab (once) and return its name."""
    for name, path, index in _candidates():
        if not path.exists():
            continue
        try:
            pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=index))
        except Exception:  # a damaged system font: try the next one
            continue
        return name
    raise RuntimeError(f"找不到中文字体文件 {BUNDLED_FONT}，程序安装不完整")


def bundled_font_path() -> Path:
    return resource("fonts", BUNDLED_FONT)
