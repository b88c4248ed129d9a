"""区级退回补正: the district's correction requests on this station's records, as a list the
工作台 and the 同步 page both show. Double-click opens the record; editing it answers the
request (the store's change hook), reported at the next sync."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.dates import iso_date
from app.store.corrections import OPEN_IN, RequestRow, list_requests
from app.ui.context import AppContext

COLUMNS = ("记录", "字段", "补正说明", "期限", "提出人", "状态")
RED = QColor("#b3261e")


class CorrectionsList(QWidget):
    """The requests (open ones first); ``open_only`` for the 工作台."""

    #: how many requests are open
    open_changed = Signal(int)

    def __init__(
        self,
        ctx: AppContext,
        today: Callable[[], date] = date.today,
        parent: QWidget | None = None,
        *,
        open_only: bool = False,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.today = today
        self.open_only = open_only
        self.rows: list[RequestRow] = []
        self.task = None
        self._again = False
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        self.note = QLabel(
            "区级审核员要求补正的记录：打开记录修改后即为已补正，下次同步时报送区级。"
        )
        self.note.setWordWrap(True)
        self.note.setProperty("role", "hint")
        col.addWidget(self.note)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(120)
        self.table.doubleClicked.connect(lambda index: self.open_record(index.row()))
        col.addWidget(self.table, 1)

    def reload(self) -> None:
        if self.task is not None:
            self._again = True  # read again once this one is shown: it may predate a change
            return
        self._again = False
        self.task = self.ctx.run(
            list_requests,
            self.ctx.store,
            self.today(),
            open_only=self.open_only,
            on_done=self.show_rows,
            on_failed=self._failed,
        )

    def _failed(self, exc: BaseException) -> None:
        self.task = None
        self._again = False
        self.ctx.show_error(self, exc, "无法读取退回补正")

    def show_rows(self, rows: list[RequestRow]) -> None:
        self.task = None
        self.rows = rows
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            values = (row.record, row.field, row.message.replace("\n", " "),
                      iso_date(row.due_on), row.requested_by, row.status_text)  # fmt: skip
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, row.id)
                if row.overdue and c in (3, 5):
                    item.setForeground(QBrush(RED))
                if c == 2:
                    item.setToolTip(row.message)
                self.table.setItem(r, c, item)
        if not rows:
            self.note.setText("目前没有区级退回补正的记录。")
        self.open_changed.emit(sum(1 for row in rows if row.status == "open"))
        if getattr(self, "_again", False):
            self.reload()

    def open_record(self, index: int) -> None:
        if not 0 <= index < len(self.rows):
            return
        row = self.rows[index]
        section, with_id = OPEN_IN.get(row.entity, ("workbench", False))
        if with_id:
            self.ctx.navigate(section, id=row.record_id)
        else:
            self.ctx.navigate(section)
