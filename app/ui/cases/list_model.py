"""The case list as a Qt table model that pages from the store (``canFetchMore``/``fetchMore``).

Pages load in the background (``ctx.run``); a new filter starts a new generation, so a page of an
older search that arrives late is dropped. ID numbers are masked.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from app.cases import search_index
from app.cases.queries import PAGE_SIZE, CaseFilter, CaseRow, count_cases, list_cases
from app.domain.dates import days_left_text, iso_date
from app.ui.context import AppContext

COLUMNS = (
    ("case_no", "案号"),
    ("status", "状态"),
    ("received_on", "收到日期"),
    ("applicants", "申请人"),
    ("applicant_id_masked", "身份证号"),
    ("respondent", "被申请人"),
    ("dispute_types", "争议类型"),
    ("mediator", "调解员"),
    ("deadline", "调解期限"),
    ("flags", "标识"),
)

OVERDUE = QColor("#b3261e")
DUE_SOON = QColor("#a15c00")


def load_page(store, f: CaseFilter, today: date, after):
    """Background: bring the search index up to date, then one page."""
    if after is None:
        search_index.refresh_stale(store)
    with store.read() as s:
        return list_cases(s, f, today=today, after=after, limit=PAGE_SIZE)


def count_all(store, f: CaseFilter, today: date) -> int:
    """Background, after the first page is shown: how many cases match (may read them all)."""
    with store.read() as s:
        return count_cases(s, f, today=today)


class CaseListModel(QAbstractTableModel):
    #: total number of cases matching the filter (counted after the first page is shown)
    counted = Signal(int)
    #: a page finished loading (tests and the "loading" indicator wait for it)
    loaded = Signal()

    def __init__(self, ctx: AppContext, today: Callable[[], date] = date.today, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.today = today
        self.filter = CaseFilter()
        self.rows: list[CaseRow] = []
        self._cursor = None
        self._more = False
        self._loading = False
        self._generation = 0

    # ---------------------------------------------------------- loading

    def set_filter(self, f: CaseFilter) -> None:
        self.filter = f
        self.reload()

    def reload(self) -> None:
        self._generation += 1
        self.beginResetModel()
        self.rows = []
        self._cursor = None
        self._more = False
        self.endResetModel()
        self._load(None)

    def _load(self, after) -> None:
        self._loading = True
        generation = self._generation
        self.ctx.run(
            load_page,
            self.ctx.store,
            self.filter,
            self.today(),
            after,
            on_done=lambda page: self._arrived(generation, page, first=after is None),
            on_failed=lambda exc: self._failed(generation, exc),
        )

    def _arrived(self, generation: int, page, first: bool) -> None:
        if generation != self._generation:
            return
        self._loading = False
        if page.rows:
            start = len(self.rows)
            self.beginInsertRows(QModelIndex(), start, start + len(page.rows) - 1)
            self.rows.extend(page.rows)
            self.endInsertRows()
        self._cursor = page.cursor
        self._more = page.cursor is not None
        self.loaded.emit()
        if first:
            if page.cursor is None:
                self.counted.emit(len(self.rows))
            else:
                self.ctx.run(
                    count_all,
                    self.ctx.store,
                    self.filter,
                    self.today(),
                    on_done=lambda n: generation == self._generation and self.counted.emit(n),
                    on_failed=lambda _exc: None,
                )

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self._loading = False
            self.ctx.show_error(None, exc, "案件列表加载失败")

    @property
    def loading(self) -> bool:
        return self._loading

    def canFetchMore(self, parent=QModelIndex()) -> bool:
        return not parent.isValid() and self._more and not self._loading

    def fetchMore(self, parent=QModelIndex()) -> None:
        if self.canFetchMore(parent):
            self._load(self._cursor)

    # ---------------------------------------------------------- model

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][1]
        return None

    def row(self, index: int) -> CaseRow:
        return self.rows[index]

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        key = COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            if key == "status":
                return r.status.label
            if key == "received_on":
                return iso_date(r.received_on)
            if key == "deadline":
                if r.deadline is None:
                    return ""
                return f"{iso_date(r.deadline)}（{days_left_text(r.days_left)}）"
            if key == "flags":
                flags = [
                    name
                    for name, on in (
                        ("逾期", r.overdue),
                        ("集体", r.is_collective),
                        ("农民工", r.is_migrant_worker),
                        ("建设工程", r.is_construction),
                    )
                    if on
                ]
                return "、".join(flags)
            return getattr(r, key)
        if role == Qt.ItemDataRole.ForegroundRole:
            if r.overdue:
                return QBrush(OVERDUE)
            if r.days_left is not None and r.days_left <= 3:
                return QBrush(DUE_SOON)
        if role == Qt.ItemDataRole.ToolTipRole and r.overdue:
            return "已超过调解期限或协议逾期未履行"
        if role == Qt.ItemDataRole.UserRole:
            return r.id
        return None
