"""An enterprise's page: its details, and tabs that other areas add (visits, cases, activities).

Other areas register a tab without touching this file::

    # in their own module, imported at start-up
    from app.ui.roster.enterprise_page import register_enterprise_tab
    register_enterprise_tab("app.ui.cases.enterprise_tab:make_tab")

or by adding the same string to :data:`ENTERPRISE_TABS`. A factory is called as
``factory(ctx, enterprise_id)`` and returns a QWidget whose ``windowTitle()`` is the tab's title.
A factory that fails is left out (and logged); the page still opens.
"""

from __future__ import annotations

import importlib
import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.dates import short_datetime
from app.domain.enums import RiskLevel
from app.logsetup import describe_exception
from app.roster.fields import FIELDS
from app.roster.service import EnterpriseService
from app.store.errors import StoreError
from app.ui.context import AppContext
from app.ui.roster.table_model import display_value

log = logging.getLogger(__name__)

#: "module:factory" of extra tabs; factory(ctx, enterprise_id) -> QWidget with a window title
ENTERPRISE_TABS: list[str] = [
    "app.ui.cases.enterprise_tab:cases_tab",
    "app.ui.visits.enterprise_tab:make_visits_tab",
    "app.ui.visits.enterprise_tab:make_activities_tab",
    "app.ui.roster.history_tab:make_history_tab",
]


def register_enterprise_tab(factory: str) -> None:
    if factory not in ENTERPRISE_TABS:
        ENTERPRISE_TABS.append(factory)


def _load_factory(spec: str):
    module, name = spec.split(":")
    return getattr(importlib.import_module(module), name)


class DetailsTab(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("基本信息")
        self.form = QFormLayout(self)
        self.values: dict[str, QLabel] = {}
        rows = [(f.key, f.label) for f in FIELDS] + [
            ("last_negotiation_on", "最近一次集体协商"),
            ("risk_level", "欠薪风险等级"),
            ("source", "来源"),
            ("last_import_at", "最近导入时间"),
            ("local_edits", "导入后本地修改的字段"),
            ("notes", "备注"),
        ]
        for key, label in rows:
            value = QLabel()
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            self.form.addRow(label + "：", value)
            self.values[key] = value

    def show_enterprise(self, e) -> None:
        labels = {f.key: f.label for f in FIELDS}
        for key, widget in self.values.items():
            value = getattr(e, key)
            if key == "risk_level":
                text = RiskLevel(value).label if value else ""
            elif key == "source":
                text = {"import": "名录导入", "manual": "手工录入"}.get(value, value or "")
            elif key == "last_import_at":
                text = short_datetime(value) if value else "从未导入"
            elif key == "local_edits":
                text = "、".join(labels.get(k, k) for k in (value or {})) or "无"
            elif key == "credit_code" and value and e.credit_code_accepted:
                text = f"{value}（校验位不符，已由站点管理员确认）"
            else:
                text = display_value(key, value) if value is not None else ""
            widget.setText(text)


class EnterprisePage(QWidget):
    back_requested = Signal()
    edit_requested = Signal(str)

    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.service = EnterpriseService(ctx.store)
        self.enterprise_id: str | None = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.back = QPushButton("← 返回名录")
        self.back.clicked.connect(self.back_requested)
        self.title = QLabel()
        self.title.setProperty("role", "title")
        font = self.title.font()
        font.setPointSize(font.pointSize() + 4)
        font.setBold(True)
        self.title.setFont(font)
        self.edit = QPushButton("编辑…")
        self.edit.clicked.connect(lambda: self.edit_requested.emit(self.enterprise_id or ""))
        self.edit.setEnabled(ctx.user.can_write)
        top.addWidget(self.back)
        top.addWidget(self.title, 1)
        top.addWidget(self.edit)
        layout.addLayout(top)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs, 1)
        self.details = DetailsTab()

    def show_enterprise(self, enterprise_id: str) -> None:
        try:
            e = self.service.get(enterprise_id)
        except StoreError as exc:
            self.ctx.show_error(self, exc)
            return
        self.enterprise_id = enterprise_id
        self.title.setText(e.name + (f"（{e.credit_code}）" if e.credit_code else ""))
        self.details.show_enterprise(e)
        while self.tabs.count():
            widget = self.tabs.widget(0)
            self.tabs.removeTab(0)
            if widget is not self.details:
                widget.deleteLater()
        self.tabs.addTab(self.details, self.details.windowTitle())
        for spec in ENTERPRISE_TABS:
            try:
                widget = _load_factory(spec)(self.ctx, enterprise_id)
            except Exception as exc:
                log.error("enterprise tab %s failed: %s", spec, describe_exception(exc))
                continue
            self.tabs.addTab(widget, widget.windowTitle() or spec.rsplit(":", 1)[-1])
