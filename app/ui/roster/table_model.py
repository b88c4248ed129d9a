"""The roster list: a table model that pages from the store as the view scrolls.

Counting and every page are read in the background (``ctx.run``); the view asks for more rows
(``canFetchMore``/``fetchMore``) when it nears the end of what is loaded.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal

from app.domain import reference
from app.domain.enums import EnterpriseSize, RiskLevel
from app.roster.service import LIST_COLUMNS, EnterpriseFilter, EnterpriseService
from app.ui.context import AppContext

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


class EnterpriseTableModel(QAbstractTableModel):
    #: (rows loaded, rows matching) after a reload or a page
    counts_changed = Signal(int, int)

    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.service = EnterpriseService(ctx.store)
        self.filter = EnterpriseFilter()
        self.rows: list[tuple] = []
        self.total = 0
        self._generation = 0
        self._fetching = False

    # ------------------------------------------------------------ loading

    def reload(self, f: EnterpriseFilter | None = None) -> None:
        """Count and load the first page for ``f`` (or the current filter) in the background."""
        if f is not None:
            self.filter = f
        self._generation += 1
        generation = self._generation
        self._fetching = True
        service, current = self.service, self.filter

        def load() -> tuple[int, list[tuple]]:
            return service.count(current), service.page(current, 0, PAGE_SIZE)

        self.ctx.run(load, on_done=lambda r: self._loaded(generation, r),
                     on_failed=lambda exc: self._failed(generation, exc))  # fmt: skip

    def _loaded(self, generation: int, result) -> None:
        if generation != self._generation:
            return  # a newer search started meanwhile
        total, rows = result
        self.beginResetModel()
        self.total, self.rows = total, rows
        self.endResetModel()
        self._fetching = False
        self.counts_changed.emit(len(self.rows), self.total)

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self._fetching = False
            self.ctx.show_error(None, exc, "读取企业名录失败")

    def canFetchMore(self, parent=QModelIndex()) -> bool:
        return not parent.isValid() and not self._fetching and len(self.rows) < self.total

    def fetchMore(self, parent=QModelIndex()) -> None:
        if not self.canFetchMore(parent):
            return
        self._fetching = True
        generation = self._generation
        service, current, offset = self.service, self.filter, len(self.rows)
        self.ctx.run(lambda: service.page(current, offset, PAGE_SIZE),
                     on_done=lambda rows: self._more(generation, offset, rows),
                     on_failed=lambda exc: self._failed(generation, exc))  # fmt: skip

    def _more(self, generation: int, offset: int, rows: list[tuple]) -> None:
        if generation != self._generation or offset != len(self.rows):
            return
        self._fetching = False
        if not rows:
            self.total = len(self.rows)
            return
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(rows) - 1)
        self.rows.extend(rows)
        self.endInsertRows()
        self.counts_changed.emit(len(self.rows), self.total)

    @property
    def busy(self) -> bool:
        return self._fetching

    # ------------------------------------------------------------ the model

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(SHOWN)

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        key = SHOWN[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            return display_value(key, row[_INDEX[key]])
        if role == ID_ROLE:
            return row[0]
        if role == Qt.ItemDataRole.TextAlignmentRole and key == "employee_count":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return SHOWN[section][1]
        return None

    def enterprise_id(self, row: int) -> str | None:
        return self.rows[row][0] if 0 <= row < len(self.rows) else None
