"""What users read: deadlines in words, one count of pending changes everywhere, no station code
in brackets (issue 14, point 6)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from app.domain.dates import days_left_text
from app.store.models import Enterprise
from app.sync import state
from app.ui.main_window import MainWindow


def test_deadlines_in_words():
    assert days_left_text(5) == "还剩5天"
    assert days_left_text(0) == "今天到期"
    assert days_left_text(-30) == "已逾期30天"


def test_one_count_of_pending_changes(qtbot, store):
    with store.unit_of_work() as s:
        firm = Enterprise(name="福州闽江软件有限公司", street_code="GUDONG")
        s.add(firm)
    for phone in ("0591-87654321", "0591-87654322"):  # one record changed twice more
        with store.unit_of_work() as s:
            s.get(Enterprise, firm.id).phone = phone
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.pending_label.text() == "待同步：1 条记录", timeout=10_000)
    assert "待" not in state.status(store).summary  # the status bar says the count once
    window.show_section("sync")
    section = window.sections["sync"]
    qtbot.waitUntil(lambda: section.waiting.text() == "1 条记录", timeout=10_000)
    window.show_section("settings")
    texts = [w.text() for w in window.sections["settings"].findChildren(QLabel)]
    assert "鼓东街道" in texts and not any("GUDONG" in t for t in texts)
    window._signing_out = True
    window.close()
