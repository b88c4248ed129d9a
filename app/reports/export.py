"""Export the statistical report (.xlsx and/or the PDF summary) with progress and cancel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from app.reports.figures import StationFigures, compute_figures
from app.reports.pdf import write_pdf
from app.reports.periods import Period
from app.reports.xlsx import write_xlsx
from app.store.errors import ValidationError
from app.store.store import Store


class ExportCancelled(Exception):
    """The user cancelled; files not yet written are not written."""


@dataclass
class ExportResult:
    figures: StationFigures
    written: list[Path]


def export_report(
    store: Store,
    period: Period,
    *,
    xlsx_path: str | Path | None = None,
    pdf_path: str | Path | None = None,
    today: date | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    cancel=None,
) -> ExportResult:
    if xlsx_path is None and pdf_path is None:
        raise ValidationError("请至少选择一种输出格式（Excel 统计表或 PDF 摘要）")
    steps = 1 + (xlsx_path is not None) + (pdf_path is not None)
    done = 0

    def step(text: str) -> None:
        nonlocal done
        if cancel:
            raise ExportCancelled()
        if progress:
            progress(done, steps, text)
        done += 1

    step("正在统计…")
    figures = compute_figures(store, period, today)
    written = []
    if xlsx_path is not None:
        step("正在生成 Excel 统计表…")
        written.append(write_xlsx(figures, xlsx_path))
    if pdf_path is not None:
        step("正在生成 PDF 摘要…")
        written.append(write_pdf(figures, pdf_path))
    if progress:
        progress(steps, steps, "完成")
    return ExportResult(figures, written)
