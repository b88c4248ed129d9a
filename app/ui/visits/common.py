"""Widgets shared by the visits, activities and workbench sections."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.dates import iso_date
from app.store.attachments import IMAGE_SUFFIXES, NewAttachment, attachment_content, load_file
from app.store.errors import StoreError
from app.ui.context import AppContext, user_message
from app.ui.forms import error_label
from app.ui.widgets.image_viewer import ImageViewer
from app.visits.problems import Problem
from app.visits.service import AttachmentBrief

OVERDUE_FG = QColor("#b3261e")
OVERDUE_BG = QColor("#fdecea")
DONE_FG = QColor("#1e7b34")
EMPTY_DATE = QDate(2000, 1, 1)


def to_qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def from_qdate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def fmt_date(value: date | None) -> str:
    return f"{iso_date(value)}" if value else ""


def fmt_money(value) -> str:
    return f"{value:,.2f}" if value is not None else ""


class DateEdit(QDateEdit):
    """A date field with a calendar, shown as 2026-10-20."""

    def __init__(self, value: date | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat("yyyy-MM-dd")
        self.setMinimumDate(QDate(2000, 1, 1))
        self.setMaximumDate(QDate(2100, 12, 31))
        self.set_value(value or date.today())

    def value(self) -> date:
        return from_qdate(self.date())

    def set_value(self, value: date) -> None:
        self.setDate(to_qdate(value))


class OptionalDateEdit(DateEdit):
    """A date field that may stay empty (shown blank; the earliest date stands for "none")."""

    def __init__(self, value: date | None = None, parent: QWidget | None = None):
        super().__init__(None, parent)
        self.setMinimumDate(EMPTY_DATE)
        self.setSpecialValueText(" ")
        self.set_value(value)

    def value(self) -> date | None:  # type: ignore[override]
        return None if self.date() == EMPTY_DATE else from_qdate(self.date())

    def set_value(self, value: date | None) -> None:  # type: ignore[override]
        self.setDate(EMPTY_DATE if value is None else to_qdate(value))


def set_error(label: QLabel, message: str) -> None:
    label.setText(message)
    label.setVisible(bool(message))


# ---------------------------------------------------------------------- photos and files


class AttachmentList(QWidget):
    """Photos and files of a record: the stored ones, plus new ones picked in this form."""

    changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.pending: list[NewAttachment] = []
        self.stored: list[AttachmentBrief] = []
        self.removed: list[str] = []
        self.list = QListWidget()
        self.list.setMaximumHeight(96)
        self.list.itemDoubleClicked.connect(lambda _item: self.view_selected())
        self.add_button = QPushButton("添加照片/文件…")
        self.add_button.clicked.connect(self.choose_files)
        self.remove_button = QPushButton("移除")
        self.remove_button.clicked.connect(self.remove_selected)
        self.view_button = QPushButton("查看")
        self.view_button.clicked.connect(self.view_selected)
        self.error = error_label()
        buttons = QVBoxLayout()
        for b in (self.add_button, self.view_button, self.remove_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.list, 1)
        row.addLayout(buttons)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.addLayout(row)
        col.addWidget(self.error)

    def set_stored(self, stored: list[AttachmentBrief]) -> None:
        self.stored = list(stored)
        self._redraw()

    def add_files(self, paths: Sequence[str]) -> None:
        problems = []
        for path in paths:
            try:
                self.pending.append(load_file(path))
            except StoreError as exc:
                problems.append(str(exc))
        set_error(self.error, "\n".join(problems))
        self._redraw()
        self.changed.emit()

    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self,
            "选择照片或文件",
            "",
            "照片或PDF (*.jpg *.jpeg *.png *.bmp *.gif *.webp *.heic *.pdf)",
        )
        if paths:
            self.add_files(paths)

    def _redraw(self) -> None:
        self.list.clear()
        for a in self.stored:
            item = QListWidgetItem(f"{a.filename}（{a.size // 1024 or 1} KB）")
            item.setData(Qt.ItemDataRole.UserRole, ("stored", a.id))
            self.list.addItem(item)
        for i, a in enumerate(self.pending):
            item = QListWidgetItem(f"{a.filename}（{len(a.content) // 1024 or 1} KB，待保存）")
            item.setData(Qt.ItemDataRole.UserRole, ("pending", i))
            self.list.addItem(item)

    def _selected(self):
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def remove_selected(self) -> None:
        chosen = self._selected()
        if chosen is None:
            return
        where, key = chosen
        if where == "pending":
            del self.pending[key]
        else:
            self.removed.append(key)
            self.stored = [a for a in self.stored if a.id != key]
        self._redraw()
        self.changed.emit()

    def view_selected(self) -> None:
        chosen = self._selected()
        if chosen is None:
            return
        where, key = chosen
        if where == "pending":
            name, content = self.pending[key].filename, self.pending[key].content
        else:
            try:
                with self.ctx.store.read() as s:
                    attachment, content = attachment_content(s, key)
                    name = attachment.filename
            except StoreError as exc:
                QMessageBox.warning(self, "无法打开附件", user_message(exc))
                return
        if not name.lower().endswith(IMAGE_SUFFIXES):
            self._save_copy(name, content)
            return
        ImageViewer(name, content, self).exec()

    def _save_copy(self, name: str, content: bytes) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "另存附件", name)
        if not path:
            return
        try:
            with open(path, "wb") as fh:
                fh.write(content)
        except OSError as exc:
            QMessageBox.warning(self, "保存失败", user_message(exc))


def problems_text(problems: Sequence[Problem]) -> str:
    return "\n".join(f"· {p}" for p in problems)
