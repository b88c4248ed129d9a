"""The case list on the shared background paged model (:mod:`app.ui.widgets.paged_model`).

Pages by key, in the background; a new filter starts a new generation, so a page of an older
search that arrives late is dropped; the count is read after the first page is shown. ID numbers
are masked; the deadline reads "还剩3天" / "已逾期2天", in the core's colours.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from app.cases import search_index
from app.cases.actions import TONE_COLORS
from app.cases.queries import PAGE_SIZE, CaseFilter, CaseRow, count_cases, list_cases
from app.domain.dates import days_left_text, iso_date
from app.ui.context import AppContext
from app.ui.widgets.paged_model import Column, PagedModel

COLUMNS = (
    ("case_no", "案号"),
    ("status", "状态"),
    ("received_on", "收到日期"),
    ("applicants", "申请人"),
    ("applicant_id_masked", "证件号码"),
    ("respondent", "被申请人"),
    ("dispute_types", "争议类型"),
    ("mediator", "调解员"),
    ("deadline", "调解期限"),
    ("flags", "标识"),
)

OVERDUE = QColor(TONE_COLORS["overdue"])
DUE_SOON = QColor(TONE_COLORS["due_soon"])


def _deadline(r: CaseRow) -> str:
    if r.deadline is None:
        return ""
    return f"{iso_date(r.deadline)}（{days_left_text(r.days_left)}）"


def _flags(r: CaseRow) -> str:
    return "、".join(
        name
        for name, on in (
            ("逾期", r.overdue),
            ("集体", r.is_collective),
            ("农民工", r.is_migrant_worker),
            ("建设工程", r.is_construction),
        )
        if on
    )


_VALUES = {
    "status": lambda r: r.status.label,
    "received_on": lambda r: iso_date(r.received_on),
    "deadline": _deadline,
    "flags": _flags,
}


class CaseListModel(PagedModel):
    """The case list on the shared paged model: pages by key (``after`` the last case shown), the
    count read after the first page; overdue cases red, due soon amber, as the core's tones."""

    PAGE = PAGE_SIZE

    def __init__(self, ctx: AppContext, today: Callable[[], date] = date.today, parent=None):
        columns = [
            Column(header, _VALUES.get(key, lambda r, k=key: getattr(r, k)))
            for key, header in COLUMNS
        ]
        super().__init__(
            ctx,
            columns,
            fetch_after=self._page,
            count=self._count,
            count_later=True,
            error_title="案件列表加载失败",
            parent=parent,
        )
        self.today = today
        self.filter = CaseFilter()

    # the store is read on a worker thread with the filter and day of the reload that asked
    def _page(self, after, limit: int):
        if after is None:
            search_index.refresh_stale(self.ctx.store)
        with self.ctx.store.read() as s:
            page = list_cases(s, self.filter, today=self.today(), after=after, limit=limit)
        return page.rows, page.cursor

    def _count(self) -> int:
        with self.ctx.store.read() as s:
            return count_cases(s, self.filter, today=self.today())

    def set_filter(self, f: CaseFilter) -> None:
        self.filter = f
        self.reload()

    def row(self, index: int) -> CaseRow:
        return self.rows[index]

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        if role == Qt.ItemDataRole.ForegroundRole:
            if r.overdue:
                return QBrush(OVERDUE)
            if r.days_left is not None and r.days_left <= 3:
                return QBrush(DUE_SOON)
            return None
        if role == Qt.ItemDataRole.ToolTipRole and r.overdue:
            return "已超过调解期限或协议逾期未履行"
        if role == Qt.ItemDataRole.UserRole:
            return r.id
        return super().data(index, role)
