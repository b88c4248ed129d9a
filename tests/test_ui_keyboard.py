"""Keyboard first: Ctrl+N registers a case from anywhere, Ctrl+F goes to the list's search,
Ctrl+P opens the case's print menu, Ctrl+S saves a dialog, Esc cancels, Enter presses the main
button; the main buttons carry mnemonics (qtbot, offscreen, real store)."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.activities import team
from app.ui.activities.forms import MemberDialog
from app.ui.application import setup_application
from app.ui.cases.intake_dialog import IntakeDialog
from app.ui.context import AppContext
from app.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, qapp, store):
    setup_application(qapp)
    w = MainWindow(store)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    yield w
    for d in QApplication.topLevelWidgets():
        if isinstance(d, IntakeDialog):
            d.reject()
    w._signing_out = True
    w.close()


def test_ctrl_n_opens_the_intake_from_any_section(qtbot, window):
    window.show_section("visits")
    assert window.shortcut_actions["new"].shortcut().toString() == "Ctrl+N"
    window.shortcut_actions["new"].trigger()
    qtbot.waitUntil(
        lambda: any(isinstance(w, IntakeDialog) and w.isVisible()
                    for w in QApplication.topLevelWidgets()),
        timeout=5000,
    )  # fmt: skip
    assert window.current_section() is window.sections["cases"]


def test_ctrl_f_goes_to_the_search_of_the_list_on_screen(qtbot, window):
    for key in ("roster", "cases", "visits"):
        window.show_section(key)
        QApplication.processEvents()
        window.nav.setFocus()
        qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        focus = QApplication.focusWidget()
        section = window.sections[key]
        search = getattr(section, "search", None) or (getattr(section, "list_page", None) or section.visits).search
        assert focus is search, key


def test_ctrl_p_without_a_case_says_what_to_do(window):
    window.show_section("cases")
    window.shortcut_actions["print"].trigger()
    assert "请先打开一个案件" in window.statusBar().currentMessage()


def test_ctrl_s_saves_enter_presses_esc_cancels(qtbot, store):
    ctx = AppContext(store)
    dialog = MemberDialog(ctx, today=date(2026, 3, 4))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5000)
    assert dialog.save_button.text() == "保存(&S)" and dialog.save_button.isDefault()
    dialog.name.setText("林服务")
    dialog.name.setFocus()
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        qtbot.keyClick(dialog.name, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert [m.name for m in team.list_members(store)] == ["林服务"]

    again = MemberDialog(ctx, today=date(2026, 3, 4))
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    again.name.setFocus()
    qtbot.keyClick(again.name, Qt.Key.Key_Return)  # Enter: the main button; refused, stays open
    qtbot.waitUntil(lambda: "name" in again.fields.errors(), timeout=10_000)
    assert again.isVisible() and again.name.hasFocus()
    with qtbot.waitSignal(again.rejected, timeout=5000):
        qtbot.keyClick(again.name, Qt.Key.Key_Escape)
    ctx.pool.waitForDone(5000)
