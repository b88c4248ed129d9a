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
    qtbot.waitUntil(lambda: download.result is not None or bool(download.error.text()), timeout=60_000)
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
