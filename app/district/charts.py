"""Server-rendered SVG bar charts (no JavaScript, no CDN: the district LAN may be offline)."""

from __future__ import annotations

from html import escape

PALETTE = ("#2b6cb0", "#38a169", "#dd6b20", "#c53030")


def bar_chart(
    title: str,
    items: list[tuple[str, float, str]],
    *,
    color: str = PALETTE[0],
    width: int = 460,
    highlight: set[str] | None = None,
) -> str:
    """Horizontal bars: ``items`` are ``(label, value, value text)``; highlighted labels in red."""
    highlight = highlight or set()
    row_h, left, right, top = 24, 110, 70, 34
    height = top + row_h * len(items) + 10
    peak = max((v for _l, v, _t in items), default=0) or 1
    bar_space = width - left - right
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-label="{escape(title)}" width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f'<text x="0" y="18" class="chart-title">{escape(title)}</text>',
    ]
    for i, (label, value, text) in enumerate(items):
        y = top + i * row_h
        w = max(0.0, value) / peak * bar_space
        fill = PALETTE[3] if label in highlight else color
        parts.append(
            f'<text x="{left - 8}" y="{y + 16}" text-anchor="end" class="chart-label">{escape(label)}</text>'
            f'<rect x="{left}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" fill="{fill}" rx="2">'
            f"<title>{escape(label)}：{escape(text)}</title></rect>"
            f'<text x="{left + w + 6:.1f}" y="{y + 16}" class="chart-value">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
