"""企业走访: the visit list, the problem ledger (问题台账) with filters, credit notes."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain import reference
from app.domain.enums import FindingStatus
from app.domain.visits import CHECKLIST, VisitKind
from app.ui.context import AppContext
from app.ui.sections import Section
from app.ui.visits.common import fmt_date
from app.ui.visits.dialogs import CreditNotesDialog, FindingUpdateDialog, VisitDetailDialog
from app.ui.visits.visit_form import VisitForm
from app.ui.widgets.paged_model import Column, PagedModel
from app.visits import ledger
from app.visits.ledger import OVERDUE, LedgerFilter, LedgerRow
from app.visits.service import VisitFilter, VisitRow, count_visits, list_visits


def _table(model) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.verticalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return view


def street_combo() -> QComboBox:
    combo = QComboBox()
    combo.addItem("全部街镇/园区", None)
    for s in reference.stations():
        combo.addItem(s.name, s.code)
    return combo


class VisitListPage(QWidget):
    def __init__(self, ctx: AppContext, today: date | None = None):
        super().__init__()
        self.ctx = ctx
        self.today = today
        self.filter = VisitFilter()
        self.search = QLineEdit()
        self.search.setPlaceholderText("按企业名称查找")
        self.search.returnPressed.connect(self.reload)
        self.kind = QComboBox()
        self.kind.addItem("全部类型", None)
        for k in VisitKind:
            self.kind.addItem(k.label, k.value)
        self.kind.currentIndexChanged.connect(self.reload)
        self.street = street_combo()
        self.street.currentIndexChanged.connect(self.reload)
        self.count_label = QLabel("")
        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.street)
        bar.addWidget(self.kind)
        bar.addWidget(self.count_label)

        self.model = PagedModel(
            ctx,
            [
                Column("走访日期", lambda r: fmt_date(r.visited_on)),
                Column("类型", lambda r: r.kind.label),
                Column("企业", lambda r: r.enterprise_name),
                Column("街镇", lambda r: r.street_name),
                Column("走访人员", lambda r: r.visitors),
                Column("发现问题", lambda r: r.problem_count or "", align_right=True),
                Column("欠薪预警指标", lambda r: "、".join(i.label for i in r.indicators)),
            ],
            fetch=lambda offset, limit: list_visits(self.ctx.store, self.filter, offset, limit),
            count=lambda: count_visits(self.ctx.store, self.filter),
            highlight=lambda r: bool(r.indicators),
            error_title="走访记录加载失败",
            parent=self,
        )
        self.model.counted.connect(lambda n: self.count_label.setText(f"共 {n} 次"))
        self.model.loaded.connect(self._first_page)
        self.view = _table(self.model)
        self.view.doubleClicked.connect(lambda _i: self.open_selected())

        self.new_button = QPushButton("新增走访…")
        self.new_button.setProperty("role", "primary")
        self.new_button.clicked.connect(lambda: self.new_visit())
        self.follow_button = QPushButton("回访…")
        self.follow_button.clicked.connect(self.follow_selected)
        self.open_button = QPushButton("查看")
        self.open_button.clicked.connect(self.open_selected)
        self.credit_button = QPushButton("信用记录…")
        self.credit_button.clicked.connect(self.credit_selected)
        for b in (self.new_button, self.follow_button):
            b.setEnabled(ctx.user.can_write)
        buttons = QHBoxLayout()
        for b in (self.new_button, self.follow_button, self.open_button, self.credit_button):
            buttons.addWidget(b)
        buttons.addStretch(1)

        col = QVBoxLayout(self)
        col.addLayout(bar)
        col.addWidget(self.view, 1)
        col.addLayout(buttons)

    def reload(self) -> None:
        self.filter = VisitFilter(
            text=self.search.text(),
            kind=self.kind.currentData(),
            street_code=self.street.currentData(),
        )
        self.model.reload()

    def _first_page(self) -> None:
        if len(self.model.rows) <= self.model.PAGE:
            self.view.resizeColumnsToContents()

    def selected(self) -> VisitRow | None:
        index = self.view.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def new_visit(
        self, enterprise_id: str | None = None, follow_up_of_id: str | None = None
    ) -> VisitForm:
        form = VisitForm(
            self.ctx,
            self,
            enterprise_id=enterprise_id,
            follow_up_of_id=follow_up_of_id,
            today=self.today,
        )
        form.saved.connect(lambda _id: self.reload())
        form.open()
        form.drafts.offer_restore()
        return form

    def follow_selected(self) -> None:
        row = self.selected()
        if row is not None:
            self.new_visit(row.enterprise_id, row.id)

    def open_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        dialog = VisitDetailDialog(self.ctx, row.id, self)
        dialog.follow_up_requested.connect(lambda e, v: self.new_visit(e, v))
        dialog.open()

    def credit_selected(self) -> None:
        row = self.selected()
        if row is not None:
            CreditNotesDialog(self.ctx, row.enterprise_id, row.enterprise_name, self).open()


class LedgerPage(QWidget):
    """问题台账: every problem found, filtered by street, enterprise, type and state."""

    def __init__(self, ctx: AppContext, today: date | None = None):
        super().__init__()
        self.ctx = ctx
        self.today = today
        self.filter = LedgerFilter()
        self.street = street_combo()
        self.enterprise = QLineEdit()
        self.enterprise.setPlaceholderText("企业名称或信用代码")
        self.enterprise.returnPressed.connect(self.reload)
        self.category = QComboBox()
        self.category.addItem("全部问题类型", None)
        for item in CHECKLIST:
            self.category.addItem(item.label, item.code)
        self.state = QComboBox()
        self.state.addItem("全部状态", None)
        for s in FindingStatus:
            self.state.addItem(s.label, s.value)
        self.state.addItem("逾期未整改", OVERDUE)
        for combo in (self.street, self.category, self.state):
            combo.currentIndexChanged.connect(self.reload)
        self.summary = QLabel("")
        bar = QHBoxLayout()
        bar.addWidget(self.street)
        bar.addWidget(self.enterprise, 1)
        bar.addWidget(self.category)
        bar.addWidget(self.state)

        self.model = PagedModel(
            ctx,
            [
                Column("企业", lambda r: r.enterprise_name),
                Column("街镇", lambda r: r.street_name),
                Column("问题类型", lambda r: r.category_label),
                Column("问题描述", lambda r: r.description),
                Column("发现日期", lambda r: fmt_date(r.found_on)),
                Column("整改期限", lambda r: fmt_date(r.deadline)),
                Column("企业责任人", lambda r: r.responsible_person),
                Column("状态", lambda r: r.status.label),
                Column("逾期天数", lambda r: r.days_overdue or "", align_right=True),
            ],
            fetch=lambda offset, limit: ledger.list_findings(
                self.ctx.store, self.filter, self.today, offset, limit
            ),
            count=lambda: ledger.count_findings(self.ctx.store, self.filter, self.today),
            highlight=lambda r: r.overdue,
            error_title="问题台账加载失败",
            parent=self,
        )
        self.model.counted.connect(self._counted)
        self.model.loaded.connect(self._first_page)
        self.view = _table(self.model)
        self.view.doubleClicked.connect(lambda _i: self.follow_selected())
        self.follow_button = QPushButton("整改跟进…")
        self.follow_button.setProperty("role", "primary")
        self.follow_button.clicked.connect(self.follow_selected)
        self.credit_button = QPushButton("信用记录…")
        self.credit_button.clicked.connect(self.credit_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.follow_button)
        buttons.addWidget(self.credit_button)
        buttons.addStretch(1)
        buttons.addWidget(self.summary)
        col = QVBoxLayout(self)
        col.addLayout(bar)
        col.addWidget(self.view, 1)
        col.addLayout(buttons)

    def set_state(self, state: str | None) -> None:
        self.state.setCurrentIndex(max(0, self.state.findData(state)))

    def reload(self) -> None:
        self.filter = LedgerFilter(
            street_code=self.street.currentData(),
            enterprise_text=self.enterprise.text(),
            category=self.category.currentData(),
            state=self.state.currentData(),
        )
        self.model.reload()

    def _counted(self, shown: int) -> None:
        self._shown = shown
        # a bound method of this page: the result is dropped if the page has gone meanwhile
        self.ctx.run(ledger.ledger_summary, self.ctx.store, self.today, on_done=self._summarise)

    def _summarise(self, s) -> None:
        self.summary.setText(
            f"筛选结果 {self._shown} 项 · 全部：待整改 {s.open} · 整改中 {s.rectifying} · "
            f"已整改 {s.rectified} · 移交监察 {s.escalated} · 逾期 {s.overdue}"
        )

    def _first_page(self) -> None:
        if len(self.model.rows) <= self.model.PAGE:
            self.view.resizeColumnsToContents()
            self.view.setColumnWidth(3, min(self.view.columnWidth(3), 320))

    def selected(self) -> LedgerRow | None:
        index = self.view.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def follow_selected(self) -> FindingUpdateDialog | None:
        row = self.selected()
        if row is None:
            return None
        dialog = FindingUpdateDialog(self.ctx, row, self, today=self.today)
        dialog.accepted.connect(self.reload)
        dialog.open()
        return dialog

    def credit_selected(self) -> None:
        row = self.selected()
        if row is not None:
            CreditNotesDialog(self.ctx, row.enterprise_id, row.enterprise_name, self).open()


class VisitsSection(Section):
    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, today: date | None = None
    ):
        super().__init__(ctx, parent)
        self.tabs = QTabWidget()
        self.visits = VisitListPage(ctx, today)
        self.ledger = LedgerPage(ctx, today)
        self.tabs.addTab(self.visits, "走访记录")
        self.tabs.addTab(self.ledger, "问题台账")
        col = QVBoxLayout(self)
        col.addWidget(self.tabs)
        self._stale = True
        ctx.data_changed.connect(self._changed)

    def _changed(self, entity: str) -> None:
        if entity in ("enterprise_visit", "finding", "enterprise", "credit_note"):
            self._stale = True
            if self.isVisible():
                self.activated()

    def activated(self) -> None:
        if self._stale:
            self.visits.reload()
            self.ledger.reload()
            self._stale = False

    def navigate(self, **kwargs) -> None:
        """``ledger="overdue"`` shows the overdue items; ``enterprise_id=`` starts a visit there."""
        if "ledger" in kwargs:
            self.tabs.setCurrentWidget(self.ledger)
            self.ledger.set_state(kwargs["ledger"])
        if kwargs.get("new_visit_for"):
            self.visits.new_visit(kwargs["new_visit_for"])
