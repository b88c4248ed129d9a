"""The roster list: a table model that pages from the store as the view scrolls.

Counting and every page are read in the background (``ctx.run``); the view asks for more rows
(``canFetchMore``/``fetchMore``) when it nears the end of what is loaded.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal

from app.domain import reference
from app.domain.enums import EnterpriseSize, RiskLevel
from app.roster.service import LIST_COLUMNS, EnterpriseFilter, EnterpriseService
from app.ui.context import AppContext
from app.ui.widgets.paged_model import Column, PagedModel

PAGE_SIZE = 200

#: (column key in LIST_COLUMNS, header)
SHOWN = (
    ("name", "企业名称"),
    ("credit_code", "统一社会信用代码"),
    ("legal_rep", "法定代表人"),
    ("street_code", "所属街道"),
    ("industry", "行业"),
    ("employee_count", "职工人数"),
    ("size_class", "规模"),
    ("above_scale", "规上"),
    ("has_union", "工会"),
    ("has_mediation_committee", "调委会"),
    ("has_collective_contract", "集体合同"),
    ("risk_level", "欠薪风险"),
)
_INDEX = {key: LIST_COLUMNS.index(key) for key, _t in SHOWN}
ID_ROLE = Qt.ItemDataRole.UserRole + 1


def _street(code: str | None) -> str:
    if not code:
        return ""
    try:
        return reference.station(code).name
    except KeyError:
        return code


def display_value(key: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if key == "street_code":
        return _street(value)
    if key == "size_class":
        return EnterpriseSize(value).label
    if key == "risk_level":
        return "" if value == RiskLevel.NONE else RiskLevel(value).label
    return str(value)


class EnterpriseTableModel(PagedModel):
    """The roster as the one paged model: every page and the count read in the background."""

    #: (rows loaded, rows matching) after a reload or a page
    counts_changed = Signal(int, int)
    PAGE = PAGE_SIZE

    def __init__(self, ctx: AppContext, parent=None):
        self.service = EnterpriseService(ctx.store)
        self.filter = EnterpriseFilter()
        columns = [
            Column(title, lambda row, key=key: display_value(key, row[_INDEX[key]]),
                   align_right=key == "employee_count")
            for key, title in SHOWN
        ]  # fmt: skip
        super().__init__(
            ctx,
            columns,
            fetch=lambda offset, limit: self.service.page(self.filter, offset, limit),
            count=lambda: self.service.count(self.filter),
            error_title="读取企业名录失败",
            parent=parent,
        )
        self.total = 0
        self.loaded.connect(lambda: self.counts_changed.emit(len(self.rows), self.total or 0))

    def reload(self, f: EnterpriseFilter | None = None) -> None:  # type: ignore[override]
        """Count and load the first page for ``f`` (or the current filter) in the background."""
        if f is not None:
            self.filter = f
        super().reload()

    @property
    def busy(self) -> bool:
        return self.loading

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if role == ID_ROLE and index.isValid():
            return self.rows[index.row()][0]
        return super().data(index, role)

    def enterprise_id(self, row: int) -> str | None:
        return self.rows[row][0] if 0 <= row < len(self.rows) else None
