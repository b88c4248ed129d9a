"""The wizard's join path and the 同步 page's list of PCs, with a real district server (qtbot)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QWizard

from app.store.models import Enterprise
from app.sync import sync_once
from app.ui.application import setup_application
from app.ui.context import AppContext
from app.ui.sync.section import SyncSection
from app.ui.wizard import FirstRunWizard
from tests.conftest import ADMIN_PASSWORD
from tests.sync_fixtures import *  # noqa: F403
from tests.test_sync_replication import device_code, synced_tables

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _app(qapp):
    setup_application(qapp)


def test_wizard_joins_the_station_and_the_sync_page_lists_its_pcs(
    qtbot, district, station_a, tmp_path
):
    with station_a.unit_of_work() as s:
        s.add_all(Enterprise(name=f"鼓东企业{i}") for i in range(25))
    assert sync_once(station_a).ok
    wizard = FirstRunWizard(tmp_path / "新电脑")
    qtbot.addWidget(wizard)
    created = []
    wizard.store_created.connect(created.append)
    wizard.show()
    wizard.station_page.mode.setCurrentIndex(1)  # 加入本站（已有站点）
    assert not wizard.station_page.station.isEnabled()
    wizard.next()
    join = wizard.join_page
    assert wizard.currentPage() is join
    join.server.setText("ftp://nowhere")
    wizard.next()
    assert wizard.currentPage() is join and "server" in join.form.errors()
    join.server.setText(district.url)
    join.code.setText(device_code(district, name="窗口2"))
    join.load_ca_file(district.certs.ca_cert)
    wizard.next()
    admin = wizard.admin_page
    assert wizard.currentPage() is admin
    admin.display_name.setText("林站长")
    admin.password.setText(ADMIN_PASSWORD)
    admin.confirm.setText(ADMIN_PASSWORD)
    wizard.next()
    download = wizard.download_page
    assert wizard.currentPage() is download
    qtbot.waitUntil(
        lambda: download.result is not None or bool(download.error.text()), timeout=60_000
    )
    assert download.result is not None, download.error.text()
    assert "一致" in download.status.text()
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert not finish.isEnabled()
    download.confirm.setChecked(True)
    assert finish.isEnabled()
    store = created[0]
    try:
        assert synced_tables(store) == synced_tables(station_a)
        assert sync_once(store).ok
        ctx = AppContext(store)
        section = SyncSection(ctx)
        qtbot.addWidget(section)
        section.resize(1100, 700)
        section.show()
        section.activated()
        qtbot.waitUntil(lambda: section.devices_model.rowCount() == 2, timeout=10_000)
        names = [r[0] for r in section.devices_model.rows]
        assert "窗口2（本机）" in names
    finally:
        store.close()


def test_sync_page_shows_a_field_conflict_and_resolves_it(qtbot, district, station_a, tmp_path):
    from app.sync import conflicts
    from tests.test_sync_replication import join_pc

    with station_a.unit_of_work() as s:
        e = Enterprise(name="原名称")
        s.add(e)
    assert sync_once(station_a).ok
    b = join_pc(tmp_path, district, "pc-b").store
    try:
        with station_a.unit_of_work() as s:
            s.get(Enterprise, e.id).name = "甲改的名称"
        with b.unit_of_work() as s:
            s.get(Enterprise, e.id).name = "乙改的名称"
        assert sync_once(station_a).ok and sync_once(b).conflicts == 1
        ctx = AppContext(b)
        section = SyncSection(ctx)
        qtbot.addWidget(section)
        section.resize(1100, 700)
        section.show()
        section.activated()
        qtbot.waitUntil(lambda: section.conflict_model.rowCount() == 1, timeout=10_000)
        row = section.conflict_model.rows[0]
        assert row[1] == "名称" and "甲改的名称" in row[2] and "乙改的名称（pc-b" in row[3]
        section.conflict_view.selectRow(0)
        with qtbot.waitSignal(section.controller.finished, timeout=60_000):
            section.take_incoming_button.click()
        qtbot.waitUntil(lambda: section.conflict_model.rowCount() == 0, timeout=10_000)
        assert sync_once(station_a).ok and conflicts.open_conflicts(station_a) == []
        with station_a.read() as s:
            assert s.get(Enterprise, e.id).name == "乙改的名称"
    finally:
        b.close()


def test_dashboard_lists_devices_and_retires_one(district, station_a, tmp_path):
    from tests.test_district_dashboard import ADMIN_PASSWORD as DASH_PASSWORD
    from tests.test_district_dashboard import CHROMIUM, CHROMIUM_ARGS, login
    from tests.test_sync_replication import join_pc

    sync_api = pytest.importorskip("playwright.sync_api")
    district.cli("create-admin", "quju", env={"LABOR_DISTRICT_PASSWORD": DASH_PASSWORD})
    assert sync_once(station_a).ok
    b = join_pc(tmp_path, district, "窗口2").store
    try:
        assert sync_once(b).ok
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(ignore_https_errors=True)
            page = context.new_page()
            login(page, district)
            page.goto(district.url + "/dashboard/devices")
            table = page.inner_text("#devices")
            assert "鼓东街道" in table and "窗口2" in table and "使用中" in table
            row = page.locator("#devices tr", has_text="窗口2")
            row.locator("button").click()
            page.wait_for_load_state()
            assert "已停用" in page.inner_text("#devices")
            browser.close()
        refused = sync_once(b)
        assert not refused.ok and "撤销" in refused.problem
        assert sync_once(station_a).ok  # the station's other PC goes on
    finally:
        b.close()
