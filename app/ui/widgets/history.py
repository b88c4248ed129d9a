"""The one 操作记录 widget of a record (an enterprise, a case, a visit, an activity): who changed
what and when, the record's parts included (:func:`app.audit.trail.record_history`).

    tab = HistoryView(ctx, "dispute_case", case_id)   # a tab (window title 操作记录)
    HistoryDialog(ctx, "activity", activity_id, parent).open()

The history is read in the background (``loaded`` when shown); the station-wide view
(:mod:`app.ui.sections.audit_log`) pages in the background too.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from app.audit.trail import history_of
from app.domain.dates import short_datetime

HEADERS = ("时间", "操作人", "操作", "对象", "修改内容")


class HistoryView(QWidget):
    #: the history is shown (after each reload)
    loaded = Signal()

    def __init__(self, ctx, entity: str, record_id: str, parent=None, *, title: str = "操作记录"):
        super().__init__(parent)
        self.ctx = ctx
        self.entity, self.record_id = entity, record_id
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        for column in range(len(HEADERS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(HEADERS) - 1, QHeaderView.ResizeMode.Stretch)
        self.empty = QLabel("暂无操作记录。")
        self.note = QLabel(
            "个人信息（姓名、证件号码、电话、住址、笔录内容等）只记“已修改”，不记内容。"
        )
        self.note.setWordWrap(True)
        self.note.setProperty("role", "hint")
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.note)
        self.rows: list = []
        self.loading = False
        self._generation = 0
        self.empty.hide()
        self.reload()

    def reload(self) -> None:
        """Read the history in the background (a roster import's details are decompressed);
        ``loaded`` is emitted when the table shows it."""
        self._generation += 1
        generation = self._generation
        self.loading = True
        self.ctx.run(
            history_of,
            self.ctx.store,
            self.entity,
            self.record_id,
            on_done=lambda rows: self._show(generation, rows),
            on_failed=lambda exc: self._failed(generation, exc),
        )

    def _failed(self, generation: int, exc: BaseException) -> None:
        if isValid(self) and generation == self._generation:
            self.loading = False
            self.ctx.show_error(self, exc, "无法读取操作记录")

    def _show(self, generation: int, rows: list) -> None:
        if not isValid(self) or generation != self._generation:
            return  # closed meanwhile, or an older read overtaken
        self.rows = rows
        self.table.setRowCount(0)
        for row in self.rows:
            r = self.table.rowCount()
            self.table.insertRow(r)
            texts = (short_datetime(row.at, seconds=True), row.user, row.action, row.kind,
                     row.details)  # fmt: skip
            for c, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(r, c, item)
        self.table.resizeRowsToContents()
        self.empty.setVisible(not self.rows)
        self.loading = False
        self.loaded.emit()

    def lines(self) -> list[list[str]]:
        """The table's text, row by row (for tests and copying)."""
        return [
            [self.table.item(r, c).text() for c in range(self.table.columnCount())]
            for r in range(self.table.rowCount())
        ]


class HistoryDialog(QDialog):
    """A record's 操作记录 in its own window (for records shown in a dialog)."""

    def __init__(self, ctx, entity: str, record_id: str, parent=None, *, title: str = "操作记录"):
        super().__init__(parent)
        from app.ui.forms import dialog_buttons
        from app.ui.widgets.fit import fit_window

        self.setWindowTitle(title)
        fit_window(self, 980, 560)
        col = QVBoxLayout(self)
        self.view = HistoryView(ctx, entity, record_id, self)
        col.addWidget(self.view, 1)
        col.addWidget(dialog_buttons(self, "关闭", cancel_text=None))


def make_history_tab(ctx, entity: str, record_id: str) -> QWidget:
    return HistoryView(ctx, entity, record_id)
