"""The one table model for lists that can grow (visits, the problem ledger, the roster …).

Rows come a page at a time as the view scrolls (``canFetchMore``/``fetchMore``); every page and
the count are read in the background (``ctx.run``), so a large list never freezes the window. A
new filter starts a new generation: a page of an older search that arrives late is dropped (the
way of the case list's keyset model, app/ui/cases/list_model.py).

    model = PagedModel(ctx, columns, fetch=lambda offset, limit: ..., count=lambda: ...)
    model.reload()            # first page and count, in the background
    model.loaded / model.counted(int) / model.row_at(i)

A list that pages by key (the case list: ``after`` the last row's sort key, fast however deep one
scrolls) gives ``fetch_after(cursor, limit) -> (rows, next cursor or None)`` instead of ``fetch``;
``count_later=True`` shows the first page before the count is read (a count may read every row).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

OVERDUE_FG = QColor("#b3261e")
OVERDUE_BG = QColor("#fdecea")


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[object], object]
    align_right: bool = False


class PagedModel(QAbstractTableModel):
    #: a page (or the first page after reload) has arrived
    loaded = Signal()
    #: how many rows match the filter (after the first page)
    counted = Signal(int)

    PAGE = 200

    def __init__(
        self,
        ctx,
        columns: Sequence[Column],
        *,
        fetch: Callable[[int, int], list] | None = None,
        count: Callable[[], int] | None = None,
        highlight: Callable[[object], bool] | None = None,
        error_title: str = "列表加载失败",
        parent=None,
        fetch_after: Callable[[object, int], tuple[list, object]] | None = None,
        count_later: bool = False,
    ):
        super().__init__(parent)
        if (fetch is None) == (fetch_after is None):
            raise ValueError("give fetch or fetch_after")
        self.ctx = ctx
        self.columns = list(columns)
        self.fetch, self.count = fetch, count
        self.fetch_after = fetch_after
        self.count_later = count_later
        self._cursor = None
        self.highlight = highlight
        self.error_title = error_title
        self.rows: list = []
        self.total: int | None = None
        self._more = False
        self._loading = False
        self._generation = 0

    # ------------------------------------------------------------ loading

    @property
    def loading(self) -> bool:
        return self._loading

    def reload(self) -> None:
        self._generation += 1
        self.beginResetModel()
        self.rows, self.total, self._more, self._cursor = [], None, False, None
        self.endResetModel()
        self._load(0)

    refresh = reload

    def _load(self, offset: int) -> None:
        self._loading = True
        generation = self._generation
        fetch, fetch_after, limit = self.fetch, self.fetch_after, self.PAGE
        count = None if self.count_later else self.count
        cursor = self._cursor if offset else None
        first = offset == 0

        def work():
            if fetch_after is not None:
                rows, after = fetch_after(cursor, limit)
                more = after is not None
            else:
                rows = fetch(offset, limit)
                after, more = None, len(rows) >= limit
            total = count() if first and count is not None and more else None
            return rows, total, after, more

        self.ctx.run(
            work,
            on_done=lambda result: self._arrived(generation, offset, result),
            on_failed=lambda exc: self._failed(generation, exc),
        )

    def _arrived(self, generation: int, offset: int, result) -> None:
        if generation != self._generation or offset != len(self.rows):
            return
        rows, total, self._cursor, self._more = result
        self._loading = False
        if rows:
            self.beginInsertRows(QModelIndex(), offset, offset + len(rows) - 1)
            self.rows.extend(rows)
            self.endInsertRows()
        if offset == 0:
            if self.count_later and self._more and self.count is not None:
                self.ctx.run(
                    self.count,
                    on_done=lambda n: self._counted(generation, n),
                    on_failed=lambda _exc: None,
                )
            else:
                self._counted(generation, total if total is not None else len(self.rows))
        self.loaded.emit()

    def _counted(self, generation: int, total: int) -> None:
        if generation == self._generation:
            self.total = total
            self.counted.emit(total)

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self._loading = False
            self.ctx.show_error(None, exc, self.error_title)

    def canFetchMore(self, parent=QModelIndex()) -> bool:
        return not parent.isValid() and self._more and not self._loading

    def fetchMore(self, parent=QModelIndex()) -> None:
        if self.canFetchMore(parent):
            self._load(len(self.rows))

    # ------------------------------------------------------------ the model

    def row_at(self, row: int):
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].header
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = column.value(row)
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if self.highlight is not None and self.highlight(row):
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(OVERDUE_FG)
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(OVERDUE_BG)
        return None
