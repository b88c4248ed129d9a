"""The one way a form is built in the station app (every dialog of visits, activities, roster,
settings and the cases dialogs uses it):

- :class:`ValidatedForm`: a QFormLayout whose fields each carry a red message underneath;
  :meth:`ValidatedForm.show_problems` takes the core's :class:`~app.store.errors.FieldProblem` list
  (from a :class:`~app.store.errors.FormInvalid`), puts each message under its field, writes the
  summary line ("有2处需要修改，见各栏下方的红字提示") and moves the focus to the first problem;
- :func:`dialog_buttons`: the dialog's button row (Chinese texts, Esc cancels, Enter the default);
- :class:`BackgroundSave`: the save runs off the GUI thread; meanwhile the buttons are disabled and a
  busy text shows; a failure puts the problems on the form or says what went wrong, and the busy
  text never stays behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.store.errors import FieldProblem, FormInvalid


def summary_text(count: int) -> str:
    return f"有{count}处需要修改，见各栏下方的红字提示" if count else ""


def styled_label(text: str, role: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", role)
    label.setWordWrap(True)
    return label


def error_label() -> QLabel:
    """A red message line, hidden while empty."""
    label = styled_label("", "error")
    label.hide()
    return label


class ValidatedForm(QFormLayout):
    """A QFormLayout whose rows show a red message under the field when it is invalid."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._errors: dict[QWidget, QLabel] = {}
        self._by_name: dict[str, QWidget] = {}
        self._aliases: dict[str, str] = {}
        self._focus: dict[QWidget, Callable[[str], None]] = {}
        #: the focus goes to the problem the core named first; True: to the topmost in the form
        #: (a long form whose core checks its parts in another order than they are shown)
        self.focus_topmost = False
        self.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        #: the line above the button row: how many fields need changing, and the problems that
        #: belong to no field of this form; the dialog places it (``summary`` is hidden if empty)
        self.summary = error_label()

    def add_field(
        self, label: str, widget: QWidget, name: str | None = None, *, extra: QWidget | None = None
    ) -> QWidget:
        """A row ``label`` – ``widget`` (with ``extra`` under it, a hint), a red line under both;
        problems with key ``name`` go there."""
        box = QWidget()
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(2)
        col.addWidget(widget)
        if extra is not None:
            col.addWidget(extra)
        error = error_label()
        col.addWidget(error)
        self.addRow(label, box)
        self._errors[widget] = error
        self._by_name[name or label.rstrip("：:")] = widget
        return widget

    def add_target(
        self,
        name: str,
        widget: QWidget,
        error: QLabel | None = None,
        *,
        focus: Callable[[str], None] | None = None,
    ) -> QLabel:
        """A problem target placed elsewhere than in this layout (a table, a group box): its
        messages go to ``error`` (a new label, returned for the caller to place, by default).
        ``focus(key)``, if given, moves the focus to the part of ``widget`` the first problem's
        key names (a table's cell) instead of to the widget as a whole."""
        if error is None:
            error = error_label()
        self._errors[widget] = error
        self._by_name[name] = widget
        if focus is not None:
            self._focus[widget] = focus
        return error

    def join(self, host: ValidatedForm) -> None:
        """Route this form's problems through ``host``: one form split over several groups of a
        long dialog shows its problems, one summary line and the focus from ``host``."""
        self._errors, self._by_name = host._errors, host._by_name
        self._aliases, self._focus = host._aliases, host._focus
        self.summary = host.summary

    def alias(self, key_prefix: str, name: str) -> None:
        """Problems whose key starts with ``key_prefix`` (``stop:2``) belong to field ``name``."""
        self._aliases[key_prefix] = name

    def widget_named(self, name: str) -> QWidget | None:
        return self._by_name.get(name)

    def _target(self, key: str) -> tuple[QWidget | None, bool]:
        """The widget a problem key belongs to, and whether it is the field itself (not a part
        of it, such as one row of a table)."""
        if key in self._by_name:
            return self._by_name[key], True
        for prefix, name in self._aliases.items():
            if key.startswith(prefix):
                return self._by_name.get(name), False
        for sep in (":", "."):
            head = key.split(sep, 1)[0]
            if head != key and head in self._by_name:
                return self._by_name[head], False
        return None, False

    def show_problems(self, problems: Iterable[FieldProblem]) -> int:
        """Each problem under its field, the summary line, the focus on the first problem.
        Returns how many places need changing."""
        self.clear_errors()
        # several targets may share one message line (the fields of one table row)
        grouped: dict[QLabel, tuple[QWidget, list[str]]] = {}
        elsewhere: list[str] = []
        first_keys: dict[QWidget, str] = {}
        for p in problems:
            widget, exact = self._target(p.key)
            if widget is None:
                elsewhere.append(str(p))
                continue
            first_keys.setdefault(widget, p.key)
            text = p.message if exact else str(p)
            _first, messages = grouped.setdefault(self._errors[widget], (widget, []))
            if text not in messages:
                messages.append(text)
        for label, (_widget, messages) in grouped.items():
            label.setText("；".join(messages))
            label.show()
        count = len(grouped) + len(elsewhere)
        lines = [summary_text(len(grouped))] if grouped else []
        lines += elsewhere
        self.summary.setText("\n".join(lines))
        self.summary.setVisible(bool(lines))
        if grouped:
            first = next(iter(first_keys))
            if self.focus_topmost:
                # the first as the form reads, top to bottom (fields are added in that order)
                order = {w: i for i, w in enumerate(self._by_name.values())}
                first = min(first_keys, key=lambda w: order.get(w, len(order)))
            _reveal(first)
            if first in self._focus:
                self._focus[first](first_keys[first])
            else:
                first.setFocus(Qt.FocusReason.OtherFocusReason)
        return count

    def set_error(self, widget_or_name: QWidget | str, message: str) -> None:
        widget = (
            self._by_name.get(widget_or_name) if isinstance(widget_or_name, str) else widget_or_name
        )
        if widget is None or widget not in self._errors:
            return
        label = self._errors[widget]
        label.setText(message)
        label.setVisible(bool(message))
        if message:
            widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def clear_errors(self) -> None:
        for label in self._errors.values():
            label.clear()
            label.hide()
        self.summary.clear()
        self.summary.hide()

    def check(self, widget: QWidget, validate, *args) -> bool:
        """Run a core validator (raising ``ValidationError``); show its message under ``widget``."""
        from app.store.errors import ValidationError

        if isinstance(widget, str):
            widget = self._by_name[widget]

        try:
            validate(*args)
        except ValidationError as exc:
            self.set_error(widget, exc.message.split("：", 1)[-1])
            return False
        return True

    def check_new_password(
        self, password: QLineEdit, confirm: QLineEdit, username: str | None = None
    ) -> bool:
        """The password rules of the store, and the two entries the same."""
        from app.store.store import check_password_strength

        if not self.check(password, check_password_strength, password.text(), username):
            return False
        if password.text() != confirm.text():
            self.set_error(confirm, "两次输入的密码不一致")
            return False
        return True

    def errors(self) -> dict[str, str]:
        names = {w: n for n, w in self._by_name.items()}
        return {names.get(w, "?"): lab.text() for w, lab in self._errors.items() if lab.text()}


def _reveal(widget: QWidget) -> None:
    """Scroll the scroll areas around ``widget`` so that it is in view."""
    parent = widget.parentWidget()
    while parent is not None:
        area = parent.parentWidget()
        if isinstance(area, QScrollArea):
            area.ensureWidgetVisible(widget, 20, 40)
        parent = parent.parentWidget()


# ---------------------------------------------------------------------- the button row


def dialog_buttons(
    dialog: QDialog,
    ok_text: str = "保存",
    *,
    on_ok: Callable[[], None] | None = None,
    cancel_text: str | None = "取消",
) -> QDialogButtonBox:
    """The button row of a dialog: the main button (Enter) and 取消 (Esc). ``on_ok`` runs on the
    main button (default: accept the dialog). ``box.ok_button`` is the main button."""
    flags = QDialogButtonBox.StandardButton.Ok
    if cancel_text:
        flags |= QDialogButtonBox.StandardButton.Cancel
    box = QDialogButtonBox(flags)
    ok = box.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(ok_text + ("(&S)" if ok_text in SAVE_TEXTS else ""))
    ok.setDefault(True)
    if cancel_text:
        box.button(QDialogButtonBox.StandardButton.Cancel).setText(cancel_text)
    box.accepted.connect(on_ok or dialog.accept)
    box.rejected.connect(dialog.reject)
    box.ok_button = ok  # type: ignore[attr-defined]
    if ok_text in SAVE_TEXTS:  # Ctrl+S saves, as everywhere else
        save = QShortcut(QKeySequence.StandardKey.Save, dialog)
        save.activated.connect(lambda: ok.isEnabled() and ok.click())
    return box


#: main buttons that save what the dialog holds (Ctrl+S presses them)
SAVE_TEXTS = frozenset({"保存", "添加", "登记", "确定"})


# ---------------------------------------------------------------------- saving in the background


class BackgroundSave(QObject):
    """Runs a form's save off the GUI thread.

    While it runs, ``buttons`` are disabled and ``status`` (if given) shows the busy text; when it
    ends, both are restored whatever happened. A :class:`FormInvalid` goes onto ``form`` (each
    problem under its field); any other failure is said in a message box titled ``title``.
    """

    def __init__(
        self,
        ctx,
        dialog: QWidget,
        form: ValidatedForm | None = None,
        *,
        buttons: Iterable[QAbstractButton] = (),
        status: QLabel | None = None,
        title: str = "未能保存",
    ):
        super().__init__(dialog)  # the dialog is parent(): no Python reference cycle to it
        self.ctx, self.form = ctx, form
        self.buttons = list(buttons)
        self.status = status
        self.title = title
        self.task = None
        self._on_done: Callable | None = None
        self._on_failed: Callable | None = None
        self._enabled: dict[QAbstractButton, bool] = {}

    @property
    def busy(self) -> bool:
        return self.task is not None

    def run(
        self,
        fn: Callable,
        *args,
        on_done: Callable | None = None,
        on_failed: Callable[[BaseException], None] | None = None,
        busy_text: str = "正在保存…",
        **kwargs,
    ):
        """Run ``fn(*args, **kwargs)``; ``on_done(result)`` after success, ``on_failed(exc)``
        after the failure has been shown (for what only this form does, e.g. offer an override)."""
        if self.busy:
            return None
        if self.form is not None:
            self.form.clear_errors()
        self._enabled = {b: b.isEnabled() for b in self.buttons}
        for b in self.buttons:
            b.setEnabled(False)
        if self.status is not None:
            self.status.setText(busy_text)
            self.status.show()
        QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
        # the task holds bound methods of this QObject only (PySide holds those weakly), so a
        # closed dialog is not kept alive by a finished task
        self._on_done, self._on_failed = on_done, on_failed
        self.task = self.ctx.run(fn, *args, on_done=self._done, on_failed=self._failed, **kwargs)
        return self.task

    def _done(self, result) -> None:
        self._end()
        on_done, self._on_done = self._on_done, None
        self._on_failed = None
        if on_done is not None:
            on_done(result)

    def _end(self) -> None:
        self.task = None
        QApplication.restoreOverrideCursor()
        for b, enabled in self._enabled.items():
            b.setEnabled(enabled)
        if self.status is not None:
            self.status.clear()

    def _failed(self, exc: BaseException) -> None:
        self._end()
        show_failure(self.ctx, self.parent(), exc, self.form, self.title)
        on_failed, self._on_failed = self._on_failed, None
        if on_failed is not None:
            on_failed(exc)


class SaveControls:
    """What every form dialog has under its fields: the button row (:func:`dialog_buttons`), the
    busy line and the background save of ``form`` (:class:`BackgroundSave`).

        controls = SaveControls(ctx, self, self.form, "登记", on_ok=self.save, title="未能登记")
        layout.addLayout(controls.footer())       # summary line, busy line, buttons
        controls.saving.run(register_case, ..., on_done=self._saved)
    """

    def __init__(
        self,
        ctx,
        dialog: QDialog,
        form: ValidatedForm | None,
        ok_text: str = "保存",
        *,
        on_ok: Callable[[], None],
        title: str = "未能保存",
        cancel_text: str | None = "取消",
    ):
        self.form = form
        self.buttons = dialog_buttons(dialog, ok_text, on_ok=on_ok, cancel_text=cancel_text)
        self.ok_button = self.buttons.ok_button
        self.status = styled_label("", "hint")
        self.saving = BackgroundSave(
            ctx, dialog, form, buttons=[self.ok_button], status=self.status, title=title
        )

    def footer(self) -> QVBoxLayout:
        """The summary line of the form's problems over one row: the busy line, the buttons."""
        col = QVBoxLayout()
        if self.form is not None:
            col.addWidget(self.form.summary)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.buttons)
        col.addLayout(row)
        return col


def show_failure(
    ctx, parent: QWidget, exc: BaseException, form: ValidatedForm | None, title: str
) -> None:
    """A failed save: its problems on the form, or a message saying what went wrong."""
    if isinstance(exc, FormInvalid):
        if form is not None:
            form.show_problems(exc.problems)
        else:
            QMessageBox.warning(parent, title, "\n".join(str(p) for p in exc.problems))
    else:
        ctx.show_error(parent, exc, title)


class PasswordEdit(QLineEdit):
    """A password field with a show/hide toggle."""

    def __init__(self, placeholder: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setEchoMode(QLineEdit.EchoMode.Password)
        self.setPlaceholderText(placeholder)
        self._toggle = QAction("显示", self)
        self._toggle.setToolTip("显示/隐藏密码")
        self._toggle.triggered.connect(self._flip)
        self.addAction(self._toggle, QLineEdit.ActionPosition.TrailingPosition)

    def _flip(self) -> None:
        hidden = self.echoMode() == QLineEdit.EchoMode.Password
        self.setEchoMode(QLineEdit.EchoMode.Normal if hidden else QLineEdit.EchoMode.Password)
        self._toggle.setText("隐藏" if hidden else "显示")
