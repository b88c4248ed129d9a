"""The 修改记录 tab of an enterprise's page: who changed what and when, imports included."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.dates import short_datetime
from app.roster.service import EnterpriseService

HEADERS = ("时间", "操作人", "操作", "修改内容")


class HistoryTab(QWidget):
    def __init__(self, ctx, enterprise_id: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle("修改记录")
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        for column in range(len(HEADERS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(HEADERS) - 1, QHeaderView.ResizeMode.Stretch)
        self.empty = QLabel("暂无修改记录。")
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        rows = EnterpriseService(ctx.store).history(enterprise_id)
        for row in rows:
            r = self.table.rowCount()
            self.table.insertRow(r)
            texts = (short_datetime(row.at, seconds=True), row.user, row.action, row.details)
            for c, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(r, c, item)
        self.table.resizeRowsToContents()
        self.empty.setVisible(not rows)


def make_history_tab(ctx, enterprise_id: str) -> QWidget:
    return HistoryTab(ctx, enterprise_id)
