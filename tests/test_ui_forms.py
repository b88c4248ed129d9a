"""The one form framework (app/ui/forms.py), driven with qtbot on real widgets: problems next to
their fields, the summary line, the focus on the first problem (scrolled into view), the button
row's Enter and Esc, and the background save's busy state after success and after failure."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QMessageBox, QVBoxLayout, QWidget

from app.store.errors import Conflict, FieldProblem, FormInvalid
from app.ui.context import AppContext
from app.ui.forms import BackgroundSave, ValidatedForm, dialog_buttons
from app.ui.widgets.fit import scrolling


class Form(QDialog):
    """A long form: twenty fields in a scroll area, the problems' summary, the button row."""

    def __init__(self, ctx):
        super().__init__()
        self.ctx = ctx
        body = QWidget()
        self.form = ValidatedForm(body)
        self.edits = {}
        for i in range(20):
            self.edits[f"f{i}"] = self.form.add_field(f"第{i}栏：", QLineEdit(), f"f{i}")
        self.rows = QLabel("表格")
        self.rows_error = self.form.add_target("rows", self.rows)
        self.form.alias("row:", "rows")
        self.status = QLabel("")
        self.buttons = dialog_buttons(self, on_ok=self.save)
        self.saving = BackgroundSave(
            ctx, self, self.form, buttons=[self.buttons.ok_button], status=self.status
        )
        col = QVBoxLayout(self)
        self.area = scrolling(body)
        col.addWidget(self.area, 1)
        col.addWidget(self.rows)
        col.addWidget(self.rows_error)
        col.addWidget(self.form.summary)
        col.addWidget(self.status)
        col.addWidget(self.buttons)
        self.resize(500, 300)
        self.action = lambda: "ok"
        self.saved = []

    def save(self) -> None:
        self.saving.run(lambda: self.action(), on_done=self.saved.append)


@pytest.fixture
def dialog(qtbot, store):
    ctx = AppContext(store)
    d = Form(ctx)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    d.activateWindow()
    yield d
    ctx.pool.waitForDone(5000)


def test_problems_under_fields_summary_and_focus_on_the_first(qtbot, dialog):
    count = dialog.form.show_problems(
        [
            FieldProblem("f17", "第17栏", "不能为空"),
            FieldProblem("f3", "第3栏", "格式不正确"),
            FieldProblem("f17", "第17栏", "不能为空"),  # the same message once
            FieldProblem("row:2", "第2行", "金额不正确"),
            FieldProblem("nowhere", "别处", "与现有记录重复"),
        ]
    )
    assert count == 4
    errors = dialog.form.errors()
    assert errors["f17"] == "不能为空" and errors["f3"] == "格式不正确"
    assert dialog.rows_error.text() == "第2行：金额不正确"  # a part of a field: named
    assert dialog.form.summary.text().splitlines() == [
        "有3处需要修改，见各栏下方的红字提示",
        "别处：与现有记录重复",  # a problem of no field of this form is said in the summary
    ]
    # the first problem (f17, far down the scroll area) has the focus and is scrolled into view
    qtbot.waitUntil(lambda: dialog.edits["f17"].hasFocus(), timeout=2000)
    assert not dialog.edits["f17"].visibleRegion().isEmpty()
    dialog.form.clear_errors()
    assert dialog.form.errors() == {} and not dialog.form.summary.isVisibleTo(dialog)


def test_background_save_refused_then_done(qtbot, dialog):
    release = threading.Event()

    def refuse():
        release.wait(5)
        raise FormInvalid([FieldProblem("f1", "第1栏", "请填写")])

    dialog.action = refuse
    ok = dialog.buttons.ok_button
    qtbot.keyClick(dialog.edits["f0"], Qt.Key.Key_Return)  # Enter is the main button
    assert dialog.status.text() == "正在保存…" and not ok.isEnabled() and dialog.saving.busy
    dialog.save()  # a second click while busy starts nothing
    release.set()
    qtbot.waitUntil(lambda: not dialog.saving.busy, timeout=5000)
    assert dialog.status.text() == "" and ok.isEnabled()  # never left at 正在保存…
    assert dialog.form.errors() == {"f1": "请填写"}
    assert "有1处需要修改" in dialog.form.summary.text()

    dialog.action = lambda: "saved"
    ok.click()
    qtbot.waitUntil(lambda: dialog.saved == ["saved"], timeout=5000)
    assert dialog.form.errors() == {} and dialog.status.text() == "" and ok.isEnabled()


def test_background_save_failure_says_what_went_wrong(qtbot, dialog, monkeypatch):
    said = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, title, text: said.append((title, text)))

    def conflict():
        raise Conflict()

    dialog.action = conflict
    dialog.save()
    qtbot.waitUntil(lambda: bool(said), timeout=5000)
    assert said == [("未能保存", "记录已被其他用户修改，请刷新后重试")]
    assert dialog.status.text() == "" and dialog.buttons.ok_button.isEnabled()
    assert dialog.isVisible()  # what was typed is still there


def test_escape_cancels(qtbot, dialog):
    with qtbot.waitSignal(dialog.rejected, timeout=2000):
        qtbot.keyClick(dialog.edits["f0"], Qt.Key.Key_Escape)
