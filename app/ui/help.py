"""使用说明: the user guide (resources/help/guide.html, in Chinese) in a window of its own (F1)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from app.paths import resource
from app.ui.widgets.fit import fit_window

GUIDE = ("help", "guide.html")


def guide_html() -> str:
    return resource(*GUIDE).read_text(encoding="utf-8")


class HelpDialog(QDialog):
    """Not modal: the guide stays open beside the window while the user works."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("使用说明")
        self.setWindowModality(Qt.WindowModality.NonModal)
        fit_window(self, 760, 720)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(False)  # the guide links only to its own sections
        self.browser.setHtml(guide_html())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
