"""The user guide (帮助 → 使用说明, F1): it opens from the main window, its section links resolve,
and every button or action it tells the user to press exists in the program under that name."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.ui.help import guide_html

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")


def _program_text() -> str:
    text = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "app").rglob("*.py"))
    # a button's mnemonic ("忘记密码(&F)…" shows as 忘记密码(F)…) is not part of its name in the guide
    return re.sub(r"\(&\w\)", "", text)


def test_every_named_control_exists():
    html = guide_html()
    named = {m for m in re.findall(r"<b>(.*?)</b>", html) if CJK.search(m)}
    assert len(named) > 20
    source = _program_text()
    missing = sorted(name for name in named if f'"{name}"' not in source and f'"{name}")' not in source
                     and name not in source)  # fmt: skip
    assert not missing, f"the guide names controls the program does not have: {missing}"


def test_section_links_resolve():
    html = guide_html()
    targets = set(re.findall(r'<a name="([^"]+)"', html))
    links = set(re.findall(r'<a href="#([^"]+)"', html))
    assert links and links <= targets


def test_f1_opens_the_guide_beside_the_window(store, qtbot):
    from app.ui.main_window import MainWindow

    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    window.windowHandle().requestActivate()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_F1)  # through the window: shortcuts apply
    qtbot.waitUntil(lambda: window.help_dialog is not None and window.help_dialog.isVisible())
    text = window.help_dialog.browser.toPlainText()
    assert "登记新案件" in text and "导入名录" in text and "恢复码" in text
    assert not window.help_dialog.isModal()  # the user keeps working while it is open
    window.help_dialog.browser.scrollToAnchor("sync")
    window.show_help()  # a second F1 shows the same window, not another
    assert window.findChildren(type(window.help_dialog)) == [window.help_dialog]
