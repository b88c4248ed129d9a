"""企业名录: search and filter the roster, open an enterprise, add, import and export."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain import reference
from app.domain.enums import EnterpriseSize, RiskLevel
from app.roster.export import export_enterprises, write_template
from app.roster.service import EnterpriseFilter, EnterpriseService
from app.ui.context import AppContext
from app.ui.roster.enterprise_form import EnterpriseDialog
from app.ui.roster.enterprise_page import EnterprisePage
from app.ui.roster.import_dialog import ImportDialog
from app.ui.roster.table_model import EnterpriseTableModel
from app.ui.sections import Section

SEARCH_DELAY_MS = 250
YES_NO_ANY = (("不限", None), ("是", True), ("否", False))


def _combo(items, width: int = 110) -> QComboBox:
    combo = QComboBox()
    for text, value in items:
        combo.addItem(text, value)
    combo.setMinimumWidth(width)
    return combo


class RosterSection(Section):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.service = EnterpriseService(ctx.store)
        self.export_task = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        self.stack = QStackedWidget()
        outer.addWidget(self.stack)

        # --- the list page
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText(
            "搜索：企业名称、统一社会信用代码、法定代表人或拼音首字母（如 FZRJ）"
        )
        self.search.setClearButtonEnabled(True)
        bar.addWidget(self.search, 1)
        self.add_button = QPushButton("新增企业…")
        self.import_button = QPushButton("导入名录…")
        self.export_button = QPushButton("导出当前列表…")
        self.template_button = QPushButton("下载导入模板…")
        for b in (self.add_button, self.import_button, self.export_button, self.template_button):
            bar.addWidget(b)
        writable = ctx.user.can_write
        self.add_button.setEnabled(writable)
        self.import_button.setEnabled(writable)
        layout.addLayout(bar)

        filters = QHBoxLayout()
        self.street = _combo(
            [("全部街镇/园区", None)] + [(s.name, s.code) for s in reference.stations()], 140
        )
        self.size = _combo([("全部规模", None)] + [(m.label, m.value) for m in EnterpriseSize])
        self.above = _combo(YES_NO_ANY, 70)
        self.union = _combo(YES_NO_ANY, 70)
        self.committee = _combo(YES_NO_ANY, 70)
        self.contract = _combo(YES_NO_ANY, 70)
        self.risk = _combo([("全部", None)] + [(m.label, m.value) for m in RiskLevel], 80)
        for label, widget in (("", self.street), ("", self.size), ("规上：", self.above),
                              ("工会：", self.union), ("调委会：", self.committee),
                              ("集体合同：", self.contract), ("欠薪风险：", self.risk)):  # fmt: skip
            if label:
                filters.addWidget(QLabel(label))
            filters.addWidget(widget)
            widget.currentIndexChanged.connect(self.apply_filter)
        filters.addStretch(1)
        self.count_label = QLabel()
        filters.addWidget(self.count_label)
        layout.addLayout(filters)

        self.model = EnterpriseTableModel(ctx, self)
        self.model.counts_changed.connect(self._counts)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        header = self.view.horizontalHeader()
        header.setDefaultSectionSize(72)
        header.setStretchLastSection(True)
        for column, width in ((0, 300), (1, 170), (2, 90), (3, 100), (4, 110)):
            self.view.setColumnWidth(column, width)
        self.view.activated.connect(
            lambda index: self.open_enterprise(self.model.enterprise_id(index.row()))
        )
        layout.addWidget(self.view, 1)

        bottom = QHBoxLayout()
        self.status = QLabel()
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.progress.setMaximumWidth(240)
        self.cancel_export = QPushButton("取消导出")
        self.cancel_export.setVisible(False)
        self.cancel_export.clicked.connect(lambda: self.export_task and self.export_task.cancel())
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.progress)
        bottom.addWidget(self.cancel_export)
        layout.addLayout(bottom)
        self.stack.addWidget(page)

        # --- the enterprise page
        self.page = EnterprisePage(ctx)
        self.page.back_requested.connect(lambda: self.stack.setCurrentIndex(0))
        self.page.edit_requested.connect(self.edit_enterprise)
        self.stack.addWidget(self.page)

        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SEARCH_DELAY_MS)
        self.timer.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(lambda _t: self.timer.start())
        self.search.returnPressed.connect(self.apply_filter)
        self.add_button.clicked.connect(self.add_enterprise)
        self.import_button.clicked.connect(self.open_import)
        self.export_button.clicked.connect(self._choose_export_file)
        self.template_button.clicked.connect(self._choose_template_file)
        ctx.data_changed.connect(self._data_changed)
        self.apply_filter()

    # ------------------------------------------------------------ the list

    def current_filter(self) -> EnterpriseFilter:
        return EnterpriseFilter(
            text=self.search.text(),
            street_code=self.street.currentData(),
            size_class=self.size.currentData(),
            above_scale=self.above.currentData(),
            has_union=self.union.currentData(),
            has_mediation_committee=self.committee.currentData(),
            has_collective_contract=self.contract.currentData(),
            risk_level=self.risk.currentData(),
        )

    def apply_filter(self) -> None:
        self.timer.stop()
        self.model.reload(self.current_filter())

    def _counts(self, loaded: int, total: int) -> None:
        self.count_label.setText(f"共 {total:,} 家")

    def _data_changed(self, entity: str) -> None:
        if entity == "enterprise":
            self.model.reload()
            if self.stack.currentIndex() == 1 and self.page.enterprise_id:
                self.page.show_enterprise(self.page.enterprise_id)

    def activated(self) -> None:
        self.model.reload()

    def navigate(self, **kwargs) -> None:
        if kwargs.get("id"):
            self.open_enterprise(kwargs["id"])
        elif kwargs.get("search") is not None:
            self.search.setText(kwargs["search"])
            self.apply_filter()

    # ------------------------------------------------------------ one enterprise

    def open_enterprise(self, enterprise_id: str | None) -> None:
        if enterprise_id:
            self.page.show_enterprise(enterprise_id)
            self.stack.setCurrentIndex(1)

    def add_enterprise(self) -> EnterpriseDialog:
        dialog = EnterpriseDialog(self.ctx, parent=self)
        dialog.accepted.connect(lambda: self.open_enterprise(dialog.saved_id))
        dialog.open()
        return dialog

    def edit_enterprise(self, enterprise_id: str) -> EnterpriseDialog | None:
        try:
            enterprise = self.service.get(enterprise_id)
        except Exception as exc:
            self.ctx.show_error(self, exc)
            return None
        dialog = EnterpriseDialog(self.ctx, enterprise, parent=self)
        dialog.open()
        return dialog

    # ------------------------------------------------------------ import, export, template

    def open_import(self) -> ImportDialog:
        dialog = ImportDialog(self.ctx, self)
        dialog.open()
        return dialog

    def _choose_export_file(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "导出企业名录", "企业名录.xlsx", "Excel 工作簿 (*.xlsx)"
        )
        if path:
            self.export(path)

    def export(self, path: str | Path) -> None:
        self.export_button.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.cancel_export.setVisible(True)
        self.status.setText("正在导出…")

        def done(result) -> None:
            saved, count = result
            self.status.setText(f"已导出 {count:,} 家企业：{saved}")
            finish()

        def failed(exc: BaseException) -> None:
            self.status.setText("")
            finish()
            self.ctx.show_error(self, exc, "导出失败")

        def finish() -> None:
            self.export_task = None
            self.export_button.setEnabled(True)
            self.progress.setVisible(False)
            self.cancel_export.setVisible(False)

        def progress(done_rows: int, total: int, text: str) -> None:
            if total:
                self.progress.setRange(0, total)
                self.progress.setValue(done_rows)
            self.status.setText(text)

        f = self.current_filter()
        task = self.ctx.run(export_enterprises, self.ctx.store, f, str(path), on_done=done,
                            on_failed=failed, on_progress=progress)  # fmt: skip
        task.signals.cancelled.connect(lambda: (self.status.setText("已取消导出"), finish()))
        self.export_task = task

    def _choose_template_file(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "保存导入模板", "企业名录导入模板.xlsx", "Excel 工作簿 (*.xlsx)"
        )
        if path:
            try:
                saved = write_template(path)
            except OSError as exc:
                self.ctx.show_error(self, exc, "保存模板失败")
                return
            QMessageBox.information(self, "导入模板", f"已保存导入模板：{saved}")
