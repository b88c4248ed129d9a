"""Small form helpers: rows with an error message under the field, password fields, busy buttons."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)


def styled_label(text: str, role: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", role)
    label.setWordWrap(True)
    return label


class ValidatedForm(QFormLayout):
    """A QFormLayout whose rows show a red message under the field when it is invalid."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._errors: dict[QWidget, QLabel] = {}
        self._by_name: dict[str, QWidget] = {}
        self.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)

    def add_field(self, label: str, widget: QWidget, name: str | None = None) -> QWidget:
        box = QWidget()
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(2)
        col.addWidget(widget)
        error = styled_label("", "error")
        error.hide()
        col.addWidget(error)
        self.addRow(label, box)
        self._errors[widget] = error
        self._by_name[name or label.rstrip("：:")] = widget
        return widget

    def widget_named(self, name: str) -> QWidget | None:
        return self._by_name.get(name)

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

    def check(self, widget: QWidget, validate, *args) -> bool:
        """Run a core validator (raising ``ValidationError``); show its message under ``widget``."""
        from app.store.errors import ValidationError

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
