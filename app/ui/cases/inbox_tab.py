"""What 调解案件 → 网上申请 and 调解案件 → 移交案件 share: work the district sent to this station.

A list (one row per item, its status last), the selected item's details below it, and two
decisions: accept into a prefilled registration, or decline. The subclasses say what a row shows,
what the details read and what each decision does (``app/ui/cases/online_tab.py``,
``app/ui/cases/transfer_tab.py``); the core behind them is plain Python (``app.cases.online``,
``app.cases.transfers``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.ui.context import AppContext


class InboxTab(QWidget):
    """The list, the selected item's details, and the two decisions."""

    #: a case was registered from an item: (case id)
    case_registered = Signal(str)
    #: the number of items waiting for a decision changed
    waiting_changed = Signal(int)

    #: what a subclass says
    COLUMNS: Sequence[str] = ()
    WIDTHS: Sequence[int] = ()
    ACCEPT_TEXT = "受理并登记…"
    DECLINE_TEXT = "不予受理…"
    NOTE = ""
    CHOOSE_TEXT = "选择一项查看详情。"
    EMPTY_TEXT = "目前没有待处理的事项。"

    def __init__(self, ctx: AppContext, today: Callable[[], date], parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.today = today
        self.rows: list = []
        col = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.accept_button = QPushButton(self.ACCEPT_TEXT)
        self.accept_button.setProperty("role", "primary")
        self.decline_button = QPushButton(self.DECLINE_TEXT)
        self.refresh_button = QPushButton("刷新")
        bar.addWidget(self.accept_button)
        bar.addWidget(self.decline_button)
        bar.addStretch(1)
        self.note = QLabel(self.NOTE)
        self.note.setWordWrap(True)
        bar.addWidget(self.note, 3)
        bar.addWidget(self.refresh_button)
        col.addLayout(bar)
        split = QSplitter(Qt.Orientation.Vertical)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        for c, width in enumerate(self.WIDTHS):
            self.table.setColumnWidth(c, width)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        split.addWidget(self.table)
        self.detail = QTextBrowser()
        self.detail.setOpenLinks(False)
        split.addWidget(self.detail)
        split.setSizes([300, 260])
        col.addWidget(split, 1)
        self.table.itemSelectionChanged.connect(self._selected)
        self.accept_button.clicked.connect(lambda: self.accept_selected())
        self.decline_button.clicked.connect(lambda: self.decline_selected())
        self.refresh_button.clicked.connect(self.reload)

    # ---------------------------------------------------------- what a subclass says

    def load_rows(self) -> list:
        raise NotImplementedError

    def row_values(self, row) -> Sequence[str]:
        """The row's cells, its status last."""
        raise NotImplementedError

    def detail_lines(self, row) -> list[str]:
        raise NotImplementedError

    def accept_selected(self):
        raise NotImplementedError

    def decline_selected(self):
        raise NotImplementedError

    # ---------------------------------------------------------- list

    def reload(self) -> None:
        keep = self.current()
        self.rows = self.load_rows()
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            for c, value in enumerate(self.row_values(row)):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, row.id)
                self.table.setItem(r, c, item)
        if keep:
            for r, row in enumerate(self.rows):
                if row.id == keep.id:
                    self.table.selectRow(r)
        self.waiting_changed.emit(sum(1 for row in self.rows if row.status == "new"))
        self._selected()

    @staticmethod
    def status_suffix(row) -> str:
        """Said after a row's status: a decision the district has not heard of yet."""
        return " · 待报送区级" if row.status != "new" and not row.reported else ""

    def current(self):
        rows = {i.row() for i in self.table.selectedItems()}
        if len(rows) != 1:
            return None
        index = rows.pop()
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def _selected(self) -> None:
        row = self.current()
        can = self.ctx.user.can_write and row is not None and row.status == "new"
        self.accept_button.setEnabled(can)
        self.decline_button.setEnabled(can)
        if row is None:
            self.detail.setPlainText(self.CHOOSE_TEXT if self.rows else self.EMPTY_TEXT)
            return
        self.detail.setPlainText("\n".join(self.detail_lines(row)))

    def _mark_accepted(self, mark: Callable, item_id: str, case_id: str, case_no: str, title: str):
        """After the registration dialog registered ``case_id``: record the decision."""

        def done(_n) -> None:
            self.reload()
            self.case_registered.emit(case_id)

        self.ctx.run(
            mark,
            self.ctx.store,
            item_id,
            case_id,
            case_no,
            on_done=done,
            on_failed=lambda exc: (self.ctx.show_error(self, exc, title), self.reload()),
        )

    def _prefilled_intake(self, row, form, draft_state, *, key: str, title: str, mark: Callable,
                          failed: str):  # fmt: skip
        """The registration dialog filled from ``row`` (``form``: its IntakeForm, with
        ``draft_state`` the dialog's draft of it): registering records the decision (``mark``)."""
        from app.ui.cases.intake_dialog import IntakeDialog

        dialog = IntakeDialog(self.ctx, self, today=self.today())
        dialog.drafts.key = key  # not the blank form's draft
        dialog.setWindowTitle(title)
        dialog.restore_draft_state(draft_state)
        dialog.respondent.set_value(form.respondent)
        item_id = row.id
        dialog.registered.connect(
            lambda case_id, case_no: self._mark_accepted(mark, item_id, case_id, case_no, failed)
        )
        self.intake = dialog
        return dialog
