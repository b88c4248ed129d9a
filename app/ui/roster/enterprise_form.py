"""Add or edit an enterprise by hand, with the roster import's validation next to each field."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.domain import reference
from app.domain.enums import EnterpriseSize
from app.roster.fields import FIELDS
from app.roster.service import EnterpriseInvalid, EnterpriseService
from app.store.models import Enterprise
from app.ui.context import AppContext
from app.ui.drafts import DraftKeeper
from app.ui.forms import SaveControls, ValidatedForm
from app.ui.widgets.fit import fit_window, scrolling

TRI_STATE = (("", None), ("是", True), ("否", False))


class EnterpriseDialog(QDialog):
    """``EnterpriseDialog(ctx)`` adds; ``EnterpriseDialog(ctx, enterprise)`` edits."""

    def __init__(self, ctx: AppContext, enterprise: Enterprise | None = None, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.service = EnterpriseService(ctx.store)
        self.enterprise = enterprise
        self.saved_id: str | None = None
        self.setWindowTitle("编辑企业" if enterprise else "新增企业")
        fit_window(self, 560, 640)
        layout = QVBoxLayout(self)
        body = QWidget()
        self.form = ValidatedForm(body)
        self.inputs: dict[str, QWidget] = {}
        for f in FIELDS:
            widget = self._widget_for(f.kind, f.max_length)
            label = f.label + ("*" if f.required and f.key != "credit_code" else "")
            self.form.add_field(label + "：", widget, f.key)
            self.inputs[f.key] = widget
        self.accept_code = QCheckBox("信用代码校验位不符，但经核对确属真实代码（站点管理员确认）")
        self.accept_code.setVisible(False)
        self.form.addRow("", self.accept_code)
        self.negotiation = QDateEdit()
        self.negotiation.setCalendarPopup(True)
        self.negotiation.setDisplayFormat("yyyy-MM-dd")
        self.negotiation.setSpecialValueText("未填写")
        self.negotiation.setMinimumDate(QDate(1990, 1, 1))
        self.negotiation.setDate(self.negotiation.minimumDate())
        self.form.add_field("最近一次集体协商：", self.negotiation, "last_negotiation_on")
        self.notes = QPlainTextEdit()
        self.notes.setFixedHeight(70)
        self.form.add_field("备注：", self.notes, "notes")
        layout.addWidget(scrolling(body), 1)
        self.message = self.form.summary
        controls = SaveControls(ctx, self, self.form, on_ok=self.save, title="企业信息未能保存")
        self.buttons, self.save_button = controls.buttons, controls.ok_button
        self.busy_line, self.saving = controls.status, controls.saving
        layout.addLayout(controls.footer())
        if enterprise is not None:
            self._fill(enterprise)
        key = f"enterprise:{enterprise.id if enterprise else 'new'}"
        self.drafts = DraftKeeper(ctx, self, key, "编辑企业信息" if enterprise else "新增企业")
        QTimer.singleShot(0, self.drafts.offer_restore)

    def reject(self) -> None:
        self.drafts.save_now(wait=True)
        super().reject()

    def _widget_for(self, kind: str, max_length: int | None) -> QWidget:
        if kind == "bool":
            combo = QComboBox()
            for text, value in TRI_STATE:
                combo.addItem(text or "（未填写）", value)
            return combo
        if kind == "street":
            combo = QComboBox()
            combo.addItem("（未填写）", None)
            for s in reference.stations():
                combo.addItem(s.name, s.code)
            return combo
        if kind == "size":
            combo = QComboBox()
            combo.addItem("（未填写）", None)
            for m in EnterpriseSize:
                combo.addItem(m.label, m.value)
            return combo
        if kind == "int":
            spin = QSpinBox()
            spin.setRange(-1, 2_000_000)
            spin.setSpecialValueText("未填写")
            spin.setValue(-1)
            return spin
        edit = QLineEdit()
        if max_length:
            edit.setMaxLength(max_length + 20)  # room to show the message rather than cut silently
        return edit

    def _fill(self, e: Enterprise) -> None:
        for key, widget in self.inputs.items():
            value = getattr(e, key)
            if isinstance(widget, QComboBox):
                widget.setCurrentIndex(max(0, widget.findData(value if value is None else
                                                              getattr(value, "value", value))))  # fmt: skip
            elif isinstance(widget, QSpinBox):
                widget.setValue(-1 if value is None else int(value))
            else:
                widget.setText(value or "")
        if e.last_negotiation_on:
            d = e.last_negotiation_on
            self.negotiation.setDate(QDate(d.year, d.month, d.day))
        self.notes.setPlainText(e.notes or "")

    def values(self) -> dict:
        data: dict = {}
        for key, widget in self.inputs.items():
            if isinstance(widget, QComboBox):
                data[key] = widget.currentData()
            elif isinstance(widget, QSpinBox):
                data[key] = None if widget.value() < 0 else widget.value()
            else:
                data[key] = widget.text()
        qd = self.negotiation.date()
        data["last_negotiation_on"] = (
            None if qd == self.negotiation.minimumDate() else date(qd.year(), qd.month(), qd.day())
        )
        data["notes"] = self.notes.toPlainText()
        return data

    def save(self) -> None:
        accept_code = self.accept_code.isChecked()
        if self.enterprise is None:
            self.saving.run(
                self.service.create,
                self.values(),
                accept_code=accept_code,
                on_done=self._saved,
                on_failed=self._refused,
            )
        else:
            self.saving.run(
                self.service.update,
                self.enterprise.id,
                self.values(),
                expected_version=self.enterprise.version,
                accept_code=accept_code,
                on_done=self._saved,
                on_failed=self._refused,
            )

    def _refused(self, exc: BaseException) -> None:
        if isinstance(exc, EnterpriseInvalid) and exc.overridable:
            self.accept_code.setVisible(True)
            self.accept_code.setEnabled(self.ctx.user.is_admin)
            if not self.ctx.user.is_admin:
                self.accept_code.setToolTip("只有站点管理员可以确认")

    def _saved(self, saved) -> None:
        self.saved_id = saved.id
        self.drafts.discard()
        self.accept()
