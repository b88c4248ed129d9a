"""Small pieces shared by the case screens: dates, money, background writes with field errors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QDateEdit,
    QLabel,
    QMessageBox,
    QWidget,
)

from app.cases.errors import FormInvalid
from app.domain import dates
from app.ui.context import AppContext, user_message
from app.ui.forms import ValidatedForm, styled_label


def to_qdate(day: date | None) -> QDate:
    return QDate(day.year, day.month, day.day) if day else QDate()


def from_qdate(value: QDate) -> date | None:
    return date(value.year(), value.month(), value.day()) if value.isValid() else None


def date_edit(day: date | None = None) -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setDate(to_qdate(day or date.today()))
    return edit


def money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def cn_date(day: date | None) -> str:
    return dates.cn_date(day)


# ProblemLabel, show_form_problems and run_write are the case screens' former way of saving and
# showing problems; every case dialog now uses the form framework (app.ui.forms: SaveControls,
# ValidatedForm.show_problems with add_target for tables). They stay only for dialogs written
# against them before the port (the referral dialog of another branch); new code must not use them.


class ProblemLabel(QLabel):
    """A red list of problems under a table (rows cannot carry a message each)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setProperty("role", "error")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def show_problems(self, lines: list[str]) -> None:
        self.setText("\n".join(lines))
        self.setVisible(bool(lines))


def show_form_problems(
    exc: FormInvalid,
    forms: list[ValidatedForm],
    tables: dict[str, ProblemLabel] | None = None,
) -> list[str]:
    """Put each problem next to its field (forms by name, tables by key prefix); returns the
    problems that found no place (to show in a message box)."""
    tables = tables or {}
    for form in forms:
        form.clear_errors()
    for label in tables.values():
        label.show_problems([])
    grouped: dict[str, list[str]] = {}
    unplaced: list[str] = []
    for problem in exc.problems:
        placed = False
        for form in forms:
            if form.widget_named(problem.key) is not None:
                form.set_error(problem.key, problem.message)
                placed = True
                break
        if placed:
            continue
        prefix = next((p for p in tables if problem.key == p or problem.key.startswith(p)), None)
        if prefix is not None:
            grouped.setdefault(prefix, []).append(str(problem))
            continue
        unplaced.append(str(problem))
    for prefix, lines in grouped.items():
        tables[prefix].show_problems(lines)
    return unplaced


def run_write(
    ctx: AppContext,
    parent: QWidget,
    fn: Callable,
    *args,
    on_done: Callable,
    forms: list[ValidatedForm] | None = None,
    tables: dict[str, ProblemLabel] | None = None,
    busy: tuple[QAbstractButton, ...] = (),
    title: str = "未能保存",
    **kwargs,
):
    """Run a change in the background; field problems go next to their fields, other errors to a
    message box. Buttons in ``busy`` are disabled while it runs."""
    for b in busy:
        b.setEnabled(False)

    def finish() -> None:
        for b in busy:
            b.setEnabled(True)

    def done(result) -> None:
        finish()
        on_done(result)

    def failed(exc: BaseException) -> None:
        finish()
        if isinstance(exc, FormInvalid):
            unplaced = show_form_problems(exc, forms or [], tables)
            summary = "请按提示修改后再保存：\n" + "\n".join(str(p) for p in exc.problems[:8])
            if unplaced or not (forms or tables):
                QMessageBox.warning(parent, title, summary)
            return
        ctx.show_error(parent, exc, title)

    task = ctx.run(fn, *args, on_done=done, on_failed=failed, **kwargs)
    task.signals.cancelled.connect(finish)
    return task


def error_text(exc: BaseException) -> str:
    return user_message(exc)


def hint(text: str) -> QLabel:
    return styled_label(text, "hint")
