"""The 调解案件 tab of an enterprise page: the cases it is a party to (respondent, contractor …)."""

from __future__ import annotations

from PySide6.QtWidgets import QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from app.cases.queries import CaseFilter
from app.ui.cases.list_model import CaseListModel
from app.ui.context import AppContext


class EnterpriseCasesTab(QWidget):
    def __init__(self, ctx: AppContext, enterprise_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("调解案件")
        layout = QVBoxLayout(self)
        self.summary = QLabel("正在加载……")
        layout.addWidget(self.summary)
        self.model = CaseListModel(ctx, parent=self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.doubleClicked.connect(self._open)
        layout.addWidget(self.view)
        hint = QLabel("双击案件可打开案件页面。")
        hint.setProperty("role", "hint")
        layout.addWidget(hint)
        self.model.counted.connect(
            lambda n: self.summary.setText(f"该企业作为当事人的调解案件共 {n} 件")
        )
        self.model.set_filter(CaseFilter(enterprise_id=enterprise_id))

    def _open(self, index) -> None:
        if index.isValid():
            self.ctx.navigate("cases", id=self.model.rows[index.row()].id)


def cases_tab(ctx: AppContext, enterprise_id: str) -> QWidget:
    return EnterpriseCasesTab(ctx, enterprise_id)
