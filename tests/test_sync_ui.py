"""The 同步 section with a real store and a real district server (offscreen Qt, qtbot)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.store.models import Enterprise, Person
from app.ui.context import AppContext
from app.ui.sync.section import SyncSection
from tests.sync_fixtures import *  # noqa: F403

pytestmark = pytest.mark.slow


def test_enroll_sync_and_see_quarantine_in_the_section(qtbot, district, store):
    ctx = AppContext(store)
    statuses: list[str] = []
    ctx.sync_status.connect(statuses.append)
    section = SyncSection(ctx)
    qtbot.addWidget(section)
    section.resize(900, 820)
    section.show()
    section.activated()
    qtbot.waitUntil(lambda: section.enrolled_label.text() == "尚未登记", timeout=10_000)
    assert not section.sync_button.isEnabled()

    with store.unit_of_work() as s:
        s.add_all(Enterprise(name=f"企业{i}") for i in range(12))
        s.add(Person(name="王" * 61))  # the district refuses it: the name field holds 60 characters

    section.server_edit.setText(district.url)
    section.code_edit.setText(district.enrollment_code("GUDONG"))
    section.load_ca_file(district.certs.ca_cert)
    assert section.ca_label.text() == "district-ca.pem"
    with qtbot.waitSignal(section.controller.finished, timeout=60_000) as finished:
        qtbot.mouseClick(section.enroll_button, qtbot_button())  # enrolls, then syncs at once
    result = finished.args[0]
    assert result.ok and result.acknowledged == 13 and result.quarantined == 1
    qtbot.waitUntil(lambda: section.quarantine_model.rowCount() == 1, timeout=10_000)
    assert section.quarantine_model.rows[0][0] == "人员"
    assert "name" in section.quarantine_model.rows[0][2]
    qtbot.waitUntil(lambda: section.waiting.text() == "0 条记录", timeout=10_000)
    assert section.problem.text() == "无"
    assert "已登记" in section.enrolled_label.text()
    qtbot.waitUntil(lambda: any(t.startswith("同步：上次成功") for t in statuses), timeout=10_000)

    # the server goes away: the problem is shown in plain words, nothing is lost
    district.kill()
    with store.unit_of_work() as s:
        s.add(Enterprise(name="断网期间新增的企业"))
    with qtbot.waitSignal(section.controller.finished, timeout=60_000) as finished:
        qtbot.mouseClick(section.sync_button, qtbot_button())
    assert not finished.args[0].ok
    qtbot.waitUntil(lambda: "无法连接区级服务器" in section.problem.text(), timeout=10_000)
    assert section.waiting.text() == "1 条记录"
    qtbot.waitUntil(lambda: "上次同步未成功" in statuses[-1], timeout=10_000)
    if os.environ.get("LABOR_DOCS_SCREENSHOTS"):
        section.grab().save(str(Path(os.environ["LABOR_DOCS_SCREENSHOTS"]) / "sync-section.png"))
    district.start()
    with qtbot.waitSignal(section.controller.finished, timeout=60_000) as finished:
        section.controller.sync_now()
    assert finished.args[0].ok and finished.args[0].sent == 1
    section.controller.stop()
    ctx.pool.waitForDone(10_000)


def qtbot_button():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton
