"""A table that is part of a form (the applicants of the intake): typed into from the keyboard.

- Tab and Shift+Tab go from cell to cell, skipping the cells that are only shown (sex and birth
  date read from the ID number); after the last cell Tab leaves the table for the next field of
  the form, before the first Shift+Tab for the previous one (a plain QTableWidget keeps the focus
  forever, wrapping round).
- Typing into the current cell starts editing it (no double click needed); Enter edits it too,
  and never presses the dialog's main button.
- Editable cells look editable: a white field; the cells that are only shown are grey.
- A column of choices (:class:`ChoiceDelegate`) edits with a drop-down and is drawn as one.
- A cell holding a widget (a drop-down, a date) is a stop like the others: Tab gives it the
  focus, and Tab in it goes on to the next cell (the widget is not in the dialog's own chain).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionComboBox,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

#: the background of a cell that is only shown, not typed into
READ_ONLY_BG = QColor("#eef1f5")
READ_ONLY_FG = QColor("#5f6b7a")
EDITABLE_BG = QColor("#ffffff")


def shown_item(text: str = "") -> QTableWidgetItem:
    """A cell that is only shown (grey), never a tab stop."""
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled)
    item.setBackground(QBrush(READ_ONLY_BG))
    item.setForeground(QBrush(READ_ONLY_FG))
    return item


def edit_item(text: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setBackground(QBrush(EDITABLE_BG))
    return item


class FormTable(QTableWidget):
    def __init__(self, headers: Sequence[str], parent: QWidget | None = None):
        super().__init__(0, len(headers), parent)
        self._refocus = False
        self.setHorizontalHeaderLabels(list(headers))
        self.setTabKeyNavigation(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked
        )
        self.setAlternatingRowColors(False)
        self.setStyleSheet(
            "QTableWidget { gridline-color: #c5ccd6; }"
            "QTableWidget::item:focus { border: 2px solid #2f6fb2; }"
        )

    # ---------------------------------------------------------- tab stops

    def is_stop(self, row: int, column: int) -> bool:
        if self.isColumnHidden(column):
            return False
        item = self.item(row, column)
        if item is None:
            widget = self.cellWidget(row, column)  # a disabled one cannot take the focus
            return widget is not None and widget.isEnabled()
        flags = item.flags()
        return bool(flags & (Qt.ItemFlag.ItemIsEditable | Qt.ItemFlag.ItemIsUserCheckable))

    def stops(self) -> list[tuple[int, int]]:
        return [
            (r, c)
            for r in range(self.rowCount())
            for c in range(self.columnCount())
            if self.is_stop(r, c)
        ]

    def step(self, forward: bool) -> bool:
        """Move to the next (previous) tab stop; False at the end (the focus should leave)."""
        stops = self.stops()
        here = (self.currentRow(), self.currentColumn())
        if not stops:
            return False
        if here not in stops:
            later = [s for s in stops if (s > here) == forward and s != here]
            if not later:
                return False
            target = later[0] if forward else later[-1]
        else:
            i = stops.index(here) + (1 if forward else -1)
            if not 0 <= i < len(stops):
                return False
            target = stops[i]
        self.setCurrentCell(*target)
        self._focus_current()
        return True

    def _focus_current(self) -> None:
        widget = self.cellWidget(self.currentRow(), self.currentColumn())
        if widget is not None and not widget.isVisible():
            # a cell widget scrolled out of the viewport is hidden until the view lays its
            # widgets out again: scroll to it and place them now, or it could not take the focus
            self.scrollTo(self.currentIndex())
            self.updateEditorGeometries()
        if widget is not None:
            widget.setFocus(Qt.FocusReason.TabFocusReason)
        elif not self.hasFocus():
            self._quiet_focus()

    def _quiet_focus(self) -> None:
        """The focus back on the table itself without starting at its first stop again."""
        self._refocus = True
        try:
            self.setFocus(Qt.FocusReason.OtherFocusReason)
        finally:
            self._refocus = False

    def _cell_of_focus(self) -> tuple[int, int] | None:
        """The cell whose widget (or a part of it) has the focus, if any."""
        widget = QApplication.focusWidget()
        while widget is not None and widget.parentWidget() is not self.viewport():
            widget = widget.parentWidget()
        if widget is None:
            return None
        index = self.indexAt(widget.geometry().center())
        return (index.row(), index.column()) if index.isValid() else None

    def setCellWidget(self, row: int, column: int, widget: QWidget) -> None:
        super().setCellWidget(row, column, widget)
        # reached by the table's Tab (step), not by the dialog's chain in creation order; a Tab in
        # it goes to the next cell (a date edit would otherwise keep it to step through its parts)
        widget.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        widget.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab)
            and isinstance(obj, QWidget)
            and obj.parentWidget() is self.viewport()
        ):
            self.focusNextPrevChild(event.key() == Qt.Key.Key_Tab)
            return True
        return super().eventFilter(obj, event)

    def focusNextPrevChild(self, forward: bool) -> bool:
        # also reached from a cell widget: Tab in a child asks its parents, up to here
        cell = self._cell_of_focus()
        if cell is not None:
            self.setCurrentCell(*cell)
        if self.step(forward):
            return True
        return self._leave(forward)

    def _leave(self, forward: bool) -> bool:
        if not self.hasFocus():
            self._quiet_focus()  # the chain goes on from the table, not from a cell widget
        return QWidget.focusNextPrevChild(self, forward)

    def closeEditor(self, editor, hint) -> None:
        # Tab in a cell being edited: commit, then the next stop (or out of the table)
        Hint = QStyledItemDelegate.EndEditHint
        if hint in (Hint.EditNextItem, Hint.EditPreviousItem):
            super().closeEditor(editor, Hint.NoHint)
            forward = hint == Hint.EditNextItem
            if not self.step(forward):
                self._leave(forward)
            return
        super().closeEditor(editor, hint)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            self.focusNextPrevChild(event.key() == Qt.Key.Key_Tab)
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            # Enter on a cell edits it; it does not press the dialog's main button (a half-typed
            # row would be saved)
            if (
                self.state() != QAbstractItemView.State.EditingState
                and self.currentIndex().isValid()
            ):
                self.edit(self.currentIndex())
            event.accept()
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event) -> None:
        super().focusInEvent(event)
        if self._refocus:
            return
        # coming in by Tab: start at the first stop; by Shift+Tab: at the last
        reason = event.reason()
        stops = self.stops()
        if stops and reason in (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason):
            self.setCurrentCell(
                *(stops[0] if reason == Qt.FocusReason.TabFocusReason else stops[-1])
            )
            self._focus_current()


class ChoiceDelegate(QStyledItemDelegate):
    """A column whose cells take one of ``choices`` ((value, label) pairs): edited with a
    drop-down, painted as one; the value is the item's UserRole, the label its text."""

    def __init__(self, choices: Sequence[tuple[str, str]], parent=None):
        super().__init__(parent)
        self.choices = list(choices)

    def label_of(self, value: str | None) -> str:
        return next((label for v, label in self.choices if v == value), self.choices[0][1])

    def createEditor(self, parent, option, index):
        combo = QComboBox(parent)
        for value, label in self.choices:
            combo.addItem(label, value)
        return combo

    def setEditorData(self, editor: QComboBox, index: QModelIndex) -> None:
        value = index.data(Qt.ItemDataRole.UserRole)
        editor.setCurrentIndex(max(0, editor.findData(value)))

    def setModelData(self, editor: QComboBox, model, index: QModelIndex) -> None:
        model.setData(index, editor.currentData(), Qt.ItemDataRole.UserRole)
        model.setData(index, editor.currentText(), Qt.ItemDataRole.DisplayRole)

    def paint(self, painter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        box = QStyleOptionComboBox()
        box.rect = option.rect.adjusted(1, 1, -1, -1)
        box.state = option.state | QStyle.StateFlag.State_Enabled
        box.currentText = index.data(Qt.ItemDataRole.DisplayRole) or ""
        box.editable = False
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, box, painter, option.widget)
        style.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, box, painter, option.widget)
        if option.state & QStyle.StateFlag.State_HasFocus:
            painter.save()
            painter.setPen(QColor("#2f6fb2"))
            painter.drawRect(option.rect.adjusted(0, 0, -1, -1))
            painter.restore()
