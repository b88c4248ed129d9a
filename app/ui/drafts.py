"""Keep a form's typing as an encrypted draft every few seconds, and offer it back after a crash.

    keeper = DraftKeeper(ctx, form_widget, key="case-intake:new", form_name="案件登记")
    keeper.offer_restore()      # when the form opens: asks whether to restore a draft
    ...
    keeper.discard()            # after a successful save, or when the user abandons the form

By default the values of the form's input widgets are collected (line edits, text edits, combo
boxes, check boxes, spin boxes, date edits; password fields never). A form with rows added at run
time provides ``draft_state() -> dict`` and ``restore_draft_state(dict)`` instead; the latter may
return False to refuse a draft that no longer fits (the draft is then removed). A form prefilled
from a stored record calls ``mark_clean()`` so that an unchanged form leaves no draft.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QDate, QDateTime, QObject, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDoubleSpinBox,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QRadioButton,
    QSpinBox,
    QTextEdit,
    QWidget,
)

from app.domain.dates import short_datetime
from app.logsetup import describe_exception
from app.store import drafts
from app.ui.context import AppContext

log = logging.getLogger(__name__)
SAVE_INTERVAL_MS = 3000

_INPUTS = (
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QComboBox,
    QCheckBox,
    QRadioButton,
    QAbstractSpinBox,
)


def _path(widget: QWidget, root: QWidget) -> str:
    parts = []
    w = widget
    while w is not None and w is not root:
        parent = w.parentWidget()
        if w.objectName():
            parts.append(w.objectName())
        else:
            siblings = [
                c
                for c in (parent.findChildren(type(w)) if parent else [])
                if c.parentWidget() is parent
            ]
            parts.append(f"{type(w).__name__}[{siblings.index(w) if w in siblings else 0}]")
        w = parent
    return "/".join(reversed(parts))


def _inputs(root: QWidget) -> list[QWidget]:
    found = []
    for w in root.findChildren(QWidget):
        if not isinstance(w, _INPUTS):
            continue
        if isinstance(w, QLineEdit) and (
            w.echoMode() != QLineEdit.EchoMode.Normal
            or isinstance(w.parentWidget(), QAbstractSpinBox | QComboBox)
        ):
            continue  # passwords are never kept; spin/combo editors are read through their owner
        found.append(w)
    return found


def collect(root: QWidget) -> dict:
    values = {}
    for w in _inputs(root):
        key = _path(w, root)
        if isinstance(w, QLineEdit):
            values[key] = w.text()
        elif isinstance(w, QPlainTextEdit | QTextEdit):
            values[key] = w.toPlainText()
        elif isinstance(w, QComboBox):
            values[key] = {"index": w.currentIndex(), "text": w.currentText()}
        elif isinstance(w, QAbstractButton):
            values[key] = w.isChecked()
        elif isinstance(w, QDateTimeEdit) and not isinstance(w, QDateEdit):
            values[key] = w.dateTime().toString("yyyy-MM-ddTHH:mm:ss")
        elif isinstance(w, QDateEdit):
            values[key] = w.date().toString("yyyy-MM-dd")
        elif isinstance(w, QSpinBox | QDoubleSpinBox):
            values[key] = w.value()
    return values


def apply(root: QWidget, values: dict) -> None:
    for w in _inputs(root):
        key = _path(w, root)
        if key not in values:
            continue
        value = values[key]
        if isinstance(w, QLineEdit):
            w.setText(value)
        elif isinstance(w, QPlainTextEdit | QTextEdit):
            w.setPlainText(value)
        elif isinstance(w, QComboBox):
            if w.isEditable():
                w.setCurrentText(value.get("text", ""))
            else:
                w.setCurrentIndex(int(value.get("index", -1)))
        elif isinstance(w, QAbstractButton):
            w.setChecked(bool(value))
        elif isinstance(w, QDateTimeEdit) and not isinstance(w, QDateEdit):
            w.setDateTime(QDateTime.fromString(value, "yyyy-MM-ddTHH:mm:ss"))
        elif isinstance(w, QDateEdit):
            w.setDate(QDate.fromString(value, "yyyy-MM-dd"))
        elif isinstance(w, QSpinBox | QDoubleSpinBox):
            w.setValue(value)


class DraftKeeper(QObject):
    def __init__(
        self,
        ctx: AppContext,
        form: QWidget,
        key: str,
        form_name: str,
        interval_ms: int = SAVE_INTERVAL_MS,
    ):
        super().__init__(form)
        self.ctx, self.form, self.key, self.form_name = ctx, form, key, form_name
        self._last: dict | None = None
        self._saving = False
        self._discarded = False
        self.enabled = ctx.user.can_write
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.save_now)
        if self.enabled:
            self.timer.start(interval_ms)

    def state(self) -> dict:
        custom = getattr(self.form, "draft_state", None)
        return custom() if callable(custom) else collect(self.form)

    def save_now(self, *, wait: bool = False) -> None:
        """Save in the background if anything changed since the last save."""
        if not self.enabled or self._saving:
            return
        try:
            content = self.state()
        except Exception as exc:  # a draft must never break the form
            log.warning("draft collect failed: %s", describe_exception(exc))
            return
        if content == self._last:
            return
        if wait:
            self._write(content)
            return
        self._saving = True
        self.ctx.run(self._write, content, on_done=self._saved, on_failed=self._saved)

    def _saved(self, _result=None) -> None:
        self._saving = False
        if self._discarded:  # discarded while this save was under way: remove it again
            self._delete()

    def _write(self, content: dict) -> None:
        if self._discarded:
            return
        try:
            drafts.save_draft(self.ctx.store, self.key, self.form_name, content)
            self._last = content
        except Exception as exc:
            log.warning("draft save failed: %s", describe_exception(exc))

    def offer_restore(self, ask: bool = True) -> bool:
        if not self.enabled:
            return False
        draft = drafts.load_draft(self.ctx.store, self.key)
        if draft is None:
            return False
        when = short_datetime(draft.updated_at)
        if ask:
            answer = QMessageBox.question(
                self.form,
                "恢复草稿",
                f"发现“{self.form_name}”未保存的草稿（{when}），是否恢复？\n选择“否”将删除该草稿。",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.Yes,
            )
            if answer != QMessageBox.StandardButton.Yes:
                self.discard()
                return False
        custom = getattr(self.form, "restore_draft_state", None)
        if callable(custom):
            if custom(draft.content) is False:  # the form judged the draft out of date
                self._delete()
                return False
        else:
            apply(self.form, draft.content)
        self._last = draft.content
        return True

    def mark_clean(self) -> None:
        """Take the form's current content (prefilled from a stored record) as already saved, so
        that opening and closing it unchanged leaves no draft."""
        try:
            self._last = self.state()
        except Exception as exc:
            log.warning("draft collect failed: %s", describe_exception(exc))

    def discard(self) -> None:
        self.timer.stop()
        if self.enabled:
            self._discarded = True
            self._delete()

    def _delete(self) -> None:
        try:
            drafts.discard_draft(self.ctx.store, self.key)
        except Exception as exc:
            log.warning("draft discard failed: %s", describe_exception(exc))


class KeepsDraft:
    """Mixin for a dialog whose typing is kept in ``self.drafts`` (a :class:`DraftKeeper`): once
    saved (accepted) the draft goes; closed without saving, it is kept to be offered next time."""

    drafts: DraftKeeper

    def accept(self) -> None:
        self.drafts.discard()
        super().accept()  # type: ignore[misc]

    def reject(self) -> None:
        self.drafts.save_now(wait=True)
        super().reject()  # type: ignore[misc]
