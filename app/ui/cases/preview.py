"""Print preview of a document (QtPdf), printing to the system printer, saving as PDF.

The PDF stays in memory (a QBuffer): nothing with personal data is written to a temporary file.
Rendering runs in the background; the dialog shows "正在生成…" meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize, Signal
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from app.ui.context import AppContext
from app.ui.forms import dialog_buttons
from app.ui.widgets.fit import fit_window

PRINT_DPI = 300


class PdfPreview(QWidget):
    """A QPdfView over PDF bytes held in memory."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        # the whole page in the window, as a printed sheet looks (a 1366×768 screen is too low
        # for a fit-to-width A4 page)
        self.view.setZoomMode(QPdfView.ZoomMode.FitInView)
        col.addWidget(self.view)
        self.pdf = b""
        self._buffer: QBuffer | None = None

    def set_pdf(self, pdf: bytes) -> int:
        """Show ``pdf``; returns its page count."""
        self.document.close()
        self.pdf = pdf
        buffer = QBuffer(self)
        buffer.setData(QByteArray(pdf))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(buffer)
        if self._buffer is not None:
            self._buffer.deleteLater()
        self._buffer = buffer
        return self.document.pageCount()

    def fits_page(self) -> bool:
        return self.view.zoomMode() == QPdfView.ZoomMode.FitInView

    def page_count(self) -> int:
        return self.document.pageCount()

    def print_to(self, printer: QPrinter) -> int:
        """Render every page onto ``printer``; returns the number of pages printed."""
        count = self.document.pageCount()
        if count < 1:
            return 0
        painter = QPainter()
        if not painter.begin(printer):
            raise OSError("无法连接打印机")
        try:
            for i in range(count):
                if i:
                    printer.newPage()
                target = printer.pageLayout().paintRectPixels(printer.resolution())
                points = self.document.pagePointSize(i)
                scale = min(target.width() / points.width(), target.height() / points.height())
                size = QSize(int(points.width() * scale), int(points.height() * scale))
                image = self.document.render(i, size)
                painter.drawImage(QRectF(0, 0, size.width(), size.height()), image)
        finally:
            painter.end()
        return count


class PreviewDialog(QDialog):
    """Preview a document rendered by ``make()`` in the background; print or save it."""

    ready = Signal(int)

    def __init__(
        self,
        ctx: AppContext,
        title: str,
        make: Callable[[], bytes],
        parent: QWidget | None = None,
        *,
        suggested_name: str = "文书.pdf",
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.suggested_name = suggested_name
        self.setWindowTitle(title)
        fit_window(self, 900, 1000)
        col = QVBoxLayout(self)
        self.status = QLabel("正在生成…")
        col.addWidget(self.status)
        self.preview = PdfPreview(self)
        col.addWidget(self.preview, 1)
        # 打印 is the main button (Enter); 关闭 closes (Esc); 另存为PDF beside them
        buttons = dialog_buttons(self, "打印(&P)…", on_ok=self.print_dialog, cancel_text="关闭")
        self.print_button = buttons.ok_button
        self.print_button.setProperty("role", "primary")
        self.save_button = buttons.addButton(
            "另存为PDF(&A)…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save_dialog)
        for b in (self.print_button, self.save_button):
            b.setEnabled(False)
        col.addWidget(buttons)
        ctx.run(make, on_done=self._rendered, on_failed=self._failed)

    def _rendered(self, pdf: bytes) -> None:
        pages = self.preview.set_pdf(pdf)
        self.status.setText(f"共{pages}页")
        self.print_button.setEnabled(True)
        self.save_button.setEnabled(True)
        self.ready.emit(pages)

    def _failed(self, exc: BaseException) -> None:
        from app.ui.context import user_message

        self.status.setText(user_message(exc))
        self.status.setProperty("role", "error")
        self.status.style().polish(self.status)
        self.ready.emit(0)

    @property
    def pdf(self) -> bytes:
        return self.preview.pdf

    def print_dialog(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setResolution(PRINT_DPI)
        printer.setDocName(self.windowTitle())
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("打印")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            pages = self.preview.print_to(printer)
        except OSError as exc:
            QMessageBox.warning(self, "打印失败", str(exc))
            return
        self.status.setText(f"已发送到打印机：{pages}页")

    def save_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "另存为PDF", self.suggested_name, "PDF 文件 (*.pdf)"
        )
        if path:
            self.save_to(Path(path))

    def save_to(self, path: Path) -> None:
        if path.suffix.lower() != ".pdf":
            path = path.with_suffix(".pdf")
        try:
            path.write_bytes(self.pdf)
        except OSError as exc:
            QMessageBox.warning(self, "保存失败", f"无法写入 {path}：{exc.strerror or exc}")
            return
        self.status.setText(f"已保存：{path}")
