"""Small shared pieces of the station's windows: the yes/no question, a read-only list model."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import QHBoxLayout, QMessageBox, QPushButton, QWidget


def confirm(parent: QWidget | None, title: str, text: str) -> bool:
    """Ask a yes/no question; 否 is the default (Enter does not confirm by accident)."""
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


class RowsModel(QAbstractTableModel):
    """A read-only table of ``rows`` (whole lists, not paged: a station's users, its backups);
    a subclass names its ``HEADERS`` and says what a cell shows (``cells(row)``)."""

    HEADERS: ClassVar[Sequence[str]] = ()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list = []

    def set_rows(self, rows: list) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def cells(self, row) -> Sequence[str]:
        raise NotImplementedError

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        return self.cells(self.rows[index.row()])[index.column()]


def button_row(*buttons: tuple[str, Callable[[], object]]) -> tuple[QHBoxLayout, list[QPushButton]]:
    """A left-aligned row of buttons (``(text, handler)`` each), e.g. 添加/删除 under a table."""
    row = QHBoxLayout()
    made = []
    for text, handler in buttons:
        b = QPushButton(text)
        b.clicked.connect(lambda _checked=False, h=handler: h())
        row.addWidget(b)
        made.append(b)
    row.addStretch(1)
    return row, made
