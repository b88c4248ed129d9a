"""导出统计报表: choose the period and the files; the export runs in the background."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.reports import periods
from app.reports.export import ExportResult, export_report
from app.store.errors import StoreError
from app.ui.context import AppContext, user_message
from app.ui.forms import dialog_buttons
from app.ui.visits.common import DateEdit, error_label, set_error
from app.ui.widgets.fit import fit_window

KINDS = (("month", "月报"), ("quarter", "季报"), ("year", "年报"), ("range", "任意期间"))


class ExportReportDialog(QDialog):
    exported = Signal(object)  # ExportResult

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, today: date | None = None
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.today = today or date.today()
        self.task = None
        self.setWindowTitle("导出统计报表")
        fit_window(self, 560, 320)
        form = QFormLayout()
        self.kind = QComboBox()
        for key, label in KINDS:
            self.kind.addItem(label, key)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        form.addRow("报表类型：", self.kind)
        self.stack = QStackedWidget()
        last_month = date(self.today.year, self.today.month, 1).replace(day=1)
        self.year = QSpinBox()
        self.year.setRange(2020, 2100)
        self.year.setValue(self.today.year)
        self.year.setSuffix(" 年")
        self.month = QComboBox()
        for m in range(1, 13):
            self.month.addItem(f"{m}月", m)
        self.month.setCurrentIndex(last_month.month - 1)
        self.quarter = QComboBox()
        for q, name in periods.QUARTER_NAMES.items():
            self.quarter.addItem(name, q)
        self.quarter.setCurrentIndex((self.today.month - 1) // 3)
        self.date_from = DateEdit(date(self.today.year, self.today.month, 1))
        self.date_to = DateEdit(self.today)
        for widgets in (
            (self.month,),
            (self.quarter,),
            (),
            (self.date_from, QLabel("至"), self.date_to),
        ):
            page = QWidget()
            row = QHBoxLayout(page)
            row.setContentsMargins(0, 0, 0, 0)
            for w in widgets:
                row.addWidget(w)
            row.addStretch(1)
            self.stack.addWidget(page)
        period_row = QHBoxLayout()
        period_row.addWidget(self.year)
        period_row.addWidget(self.stack, 1)
        form.addRow("统计期间：", period_row)
        self.want_xlsx = QCheckBox("Excel 统计表（.xlsx）")
        self.want_xlsx.setChecked(True)
        self.want_pdf = QCheckBox("一页 PDF 摘要")
        self.want_pdf.setChecked(True)
        formats = QHBoxLayout()
        formats.addWidget(self.want_xlsx)
        formats.addWidget(self.want_pdf)
        formats.addStretch(1)
        form.addRow("输出：", formats)
        self.path = QLineEdit()
        self.path.setPlaceholderText("保存位置（Excel 文件名；PDF 与其同名）")
        browse = QPushButton("选择…")
        browse.clicked.connect(self.choose_path)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(browse)
        form.addRow("保存为：", path_row)
        self.progress = QProgressBar()
        self.progress.hide()
        self.status = QLabel("")
        self.error = error_label()
        box = dialog_buttons(self, "导出(&E)", on_ok=self.start)
        self.export_button = box.ok_button
        self.export_button.setProperty("role", "primary")
        self.cancel_button = box.button(QDialogButtonBox.StandardButton.Cancel)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(box)
        col = QVBoxLayout(self)
        col.addLayout(form)
        col.addWidget(self.progress)
        col.addWidget(self.error)
        col.addStretch(1)
        col.addLayout(buttons)
        self._kind_changed()

    def _kind_changed(self) -> None:
        kind = self.kind.currentData()
        self.stack.setCurrentIndex([k for k, _ in KINDS].index(kind))
        self.year.setVisible(kind != "range")
        self._suggest_name()

    def period(self) -> periods.Period:
        kind = self.kind.currentData()
        y = self.year.value()
        if kind == "month":
            return periods.month(y, self.month.currentData())
        if kind == "quarter":
            return periods.quarter(y, self.quarter.currentData())
        if kind == "year":
            return periods.year(y)
        return periods.date_range(self.date_from.value(), self.date_to.value())

    def _suggest_name(self) -> None:
        if self.path.text() and not self.path.property("suggested"):
            return
        try:
            key = self.period().key
        except StoreError:
            return
        folder = Path(self.path.text()).parent if self.path.text() else Path.home()
        self.path.setText(str(folder / f"{self.ctx.store.station.name}统计报表{key}.xlsx"))
        self.path.setProperty("suggested", True)

    def choose_path(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "保存统计报表", self.path.text(), "Excel 文件 (*.xlsx)"
        )
        if path:
            if not path.lower().endswith(".xlsx"):
                path += ".xlsx"
            self.path.setText(path)
            self.path.setProperty("suggested", False)

    def targets(self) -> tuple[Path | None, Path | None]:
        text = self.path.text().strip()
        if not text:
            raise StoreError("请选择保存位置")
        base = Path(text).expanduser()
        if base.suffix.lower() != ".xlsx":
            base = base.with_suffix(".xlsx")
        if not base.parent.is_dir():
            raise StoreError(f"文件夹不存在：{base.parent}")
        return (
            base if self.want_xlsx.isChecked() else None,
            base.with_suffix(".pdf") if self.want_pdf.isChecked() else None,
        )

    def start(self) -> None:
        set_error(self.error, "")
        try:
            period = self.period()
            xlsx, pdf = self.targets()
        except StoreError as exc:
            set_error(self.error, str(exc))
            return
        self.export_button.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.status.setText("正在导出…")
        self.task = self.ctx.run(
            export_report,
            self.ctx.store,
            period,
            xlsx_path=xlsx,
            pdf_path=pdf,
            today=self.today,
            on_done=self._done,
            on_failed=self._failed,
            on_progress=self._progress,
        )
        self.task.signals.cancelled.connect(self._cancelled)

    def _progress(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.status.setText(text)

    def _done(self, result: ExportResult) -> None:
        self.task = None
        self.progress.hide()
        self.export_button.setEnabled(True)
        names = "、".join(p.name for p in result.written)
        self.status.setText(f"已导出：{names}")
        self.exported.emit(result)

    def _failed(self, exc: BaseException) -> None:
        self.task = None
        self.progress.hide()
        self.export_button.setEnabled(True)
        self.status.setText("")
        set_error(self.error, user_message(exc))

    def _cancelled(self) -> None:
        self.task = None
        self.progress.hide()
        self.export_button.setEnabled(True)
        self.status.setText("已取消导出")

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
        else:
            self.reject()

    def reject(self) -> None:
        # 取消 and Esc: a running export is cancelled first, the dialog stays for its outcome
        if self.task is not None:
            self.task.cancel()
            return
        super().reject()
