"""Case transfers (移交) and correction requests (退回补正) at the station, driven with qtbot:
a case is sent from its page (bad input refused next to the field) and closes as 已移交; a
transfer as the sync stores it is registered from the prefilled dialog (the employment status
carried, the receipt date kept, the attachment attached, 移交自 on the new case's page) and
another is declined with its category; a correction request shows on the 工作台 and the 同步
page and is answered by the next edit of the record."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.domain.enums import CaseStatus
from app.store.models import (
    Attachment,
    CaseTransfer,
    CaseTransferFile,
    CorrectionRequest,
    DisputeCase,
)
from app.ui.cases.section import CasesSection
from app.ui.context import AppContext
from tests.cases_support import id_number, register

TODAY = date.today()
RECEIVED = TODAY - timedelta(days=3)
ENDED = TODAY - timedelta(days=30)
WAIT = 15_000
PDF = b"%PDF-1.4\n%%EOF\n"


def incoming(store, n: int, **extra) -> str:
    """A transfer stored as app.sync.work stores what the district sends."""
    tid = f"00000000-0000-4000-8000-00000000000{n}"
    data = {
        "case_no": f"(2026)鼓楼鼓西劳调字第000{n}号",
        "status": "accepted",
        "received_on": RECEIVED.isoformat(),
        "channel": "walk_in",
        "channel_ref": "",
        "oral": False,
        "oral_record": "",
        "workers": [{"name": "张伟", "id_number": id_number(), "id_type": "", "sex": "M",
                     "phone": "13905910001", "address": "福州市鼓楼区五一北路1号", "job": "厨师",
                     "hukou": "", "organisation": "", "is_representative": False}],
        "respondent": {"name": "福州鼓东餐饮有限公司", "credit_code": "", "legal_rep": "林建国",
                       "address": "福州市鼓楼区东街88号", "phone": ""},
        "is_construction": False,
        "project_name": "",
        "general_contractor": {},
        "agents": [],
        "claims": [{"dispute_type": "wages", "amount": "12000.00", "description": "三个月工资"},
                   {"dispute_type": "compensation", "amount": "6000.00", "description": ""}],
        "facts": "申请人于2024年3月入职，被申请人自2025年12月起拖欠工资。",
        "requests": "支付拖欠的工资及经济补偿。",
        "is_migrant_worker": False,
        "employment_status": "ended",
        "employment_ended_on": ENDED.isoformat(),
        "infringement_known_on": None,
        "co_mediators": "",
        "files": [{"seq": 1, "filename": "劳动合同.pdf", "size": len(PDF),
                   "sha256": hashlib.sha256(PDF).hexdigest(), "note": "申请人提交"}],
        **extra,
    }  # fmt: skip
    with store.unit_of_work() as s:
        s.add(
            CaseTransfer(
                id=tid, direction="in", status="new", from_station="GUXI",
                from_case_no=data["case_no"], to_station="GUDONG",
                reason="用人单位在鼓东街道", received_on=RECEIVED, initiated_by="站点",
                data=data, reported_at=datetime.now(UTC),
            )
        )  # fmt: skip
        s.add(CaseTransferFile(transfer_id=tid, seq=1, filename="劳动合同.pdf", data=PDF))
    return tid


@pytest.fixture
def ctx(store):
    c = AppContext(store)
    yield c
    c.pool.waitForDone(10_000)


@pytest.fixture
def section(qtbot, ctx):
    widget = CasesSection(ctx, today=lambda: TODAY)
    qtbot.addWidget(widget)
    widget.resize(1300, 700)
    widget.show()
    return widget


def test_send_a_case_to_another_station_from_its_page(qtbot, store, section):
    case = register(store, today=TODAY, received_on=RECEIVED)
    section.activated()
    section.open_case(case.case_id)
    page = section.case_page
    qtbot.waitUntil(lambda: "transfer" in page.action_buttons, timeout=WAIT)
    page.action_buttons["transfer"].click()
    dialog = page._dialogs[-1]
    qtbot.waitExposed(dialog)
    dialog.ok_button.click()  # nothing chosen: refused next to the fields
    qtbot.waitUntil(lambda: "请选择接收的站点" in dialog.form.summary.text() or any(
        "请选择接收的站点" in lbl.text() for lbl in dialog.form._errors.values()), timeout=WAIT)  # fmt: skip
    with store.read() as s:
        assert s.get(DisputeCase, case.case_id).status != CaseStatus.TRANSFERRED
    dialog.station.setCurrentIndex(dialog.station.findData("GUXI"))
    qtbot.waitUntil(dialog.ok_button.isEnabled, timeout=WAIT)
    dialog.ok_button.click()
    qtbot.waitUntil(
        lambda: any("移交理由" in lbl.text() or "请填写移交理由" in lbl.text()
                    for lbl in dialog.form._errors.values()), timeout=WAIT)  # fmt: skip
    dialog.reason.setText("用人单位注册地和经营地均在鼓西街道")
    qtbot.waitUntil(dialog.ok_button.isEnabled, timeout=WAIT)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)
    qtbot.waitUntil(lambda: "已移交" in page.title.text(), timeout=WAIT)
    assert "移交至：鼓西街道（待对方登记）" in page.clock.text()
    assert "transfer" not in page.action_buttons  # a transferred case is not sent again
    with store.read() as s:
        sent = s.scalar(select(CaseTransfer).where(CaseTransfer.case_id == case.case_id))
        assert (sent.direction, sent.status, sent.to_station) == ("out", "queued", "GUXI")
        assert sent.data["employment_status"] == "ongoing" and sent.received_on == RECEIVED


def test_register_a_transferred_case_and_decline_another(qtbot, store, section):
    first = incoming(store, 1)
    second = incoming(store, 2)
    section.activated()
    tab = section.transfer_tab
    qtbot.waitUntil(lambda: section.tabs.tabText(2) == "移交案件（2）", timeout=WAIT)
    tab.select_case_no("(2026)鼓楼鼓西劳调字第0001号")
    text = tab.detail.toPlainText()
    assert "张伟" in text and id_number() not in text and "已解除或终止" in text
    intake = tab.accept_selected()
    qtbot.waitExposed(intake)
    assert intake.received_on.date().toPython() == RECEIVED
    assert intake.workers.item(0, 0).text() == "张伟"
    # the employment status travels with the case: the dialog does not block on it
    assert intake.employment_status.currentData() == "ended"
    assert intake.employment_ended_on.date().toPython() == ENDED
    assert intake.respondent.value().new.name == "福州鼓东餐饮有限公司"
    assert "鼓西街道" in intake.channel_ref.text()
    with qtbot.waitSignal(intake.registered, timeout=WAIT) as registered:
        intake.save_button.click()
    case_id, case_no = registered.args
    qtbot.waitUntil(lambda: section.stack.currentWidget() is section.case_page, timeout=WAIT)
    qtbot.waitUntil(lambda: "移交自：鼓西街道 (2026)鼓楼鼓西劳调字第0001号"
                    in section.case_page.clock.text(), timeout=WAIT)  # fmt: skip
    with store.read() as s:
        case = s.get(DisputeCase, case_id)
        assert case.received_on == RECEIVED and case.transfer_from_station == "GUXI"
        assert s.scalar(select(Attachment.filename).where(Attachment.owner_id == case_id)) == (
            "劳动合同.pdf")  # fmt: skip
        row = s.get(CaseTransfer, first)
        assert (row.status, row.to_case_no, row.reported_at) == ("accepted", case_no, None)

    section.show_list()
    tab.reload()
    tab.select_case_no("(2026)鼓楼鼓西劳调字第0002号")
    dialog = tab.decline_selected()
    qtbot.waitExposed(dialog)
    dialog.reason.setPlainText("经核实用人单位经营地在鼓西街道")
    dialog.ok_button.click()  # no category: refused, nothing stored
    qtbot.waitUntil(lambda: any("原因类别" in lbl.text() for lbl in dialog.form._errors.values())
                    or "原因类别" in dialog.form.summary.text(), timeout=WAIT)  # fmt: skip
    with store.read() as s:
        assert s.get(CaseTransfer, second).status == "new"
    dialog.category.setCurrentIndex(dialog.category.findData("out_of_scope"))
    qtbot.waitUntil(dialog.ok_button.isEnabled, timeout=WAIT)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: section.tabs.tabText(2) == "移交案件", timeout=WAIT)
    with store.read() as s:
        row = s.get(CaseTransfer, second)
        assert (row.status, row.decline_category) == ("declined", "out_of_scope")
        assert s.scalars(select(CaseTransferFile)).all() == []
    assert all("待报送区级" in tab.table.item(r, 7).text() for r in range(2))


def test_a_correction_request_on_the_workbench_and_sync_page_answered_by_an_edit(qtbot, store, ctx):
    from app.ui.sync.section import SyncSection
    from app.ui.workbench.section import WorkbenchSection

    case = register(store, today=TODAY, received_on=RECEIVED)
    with store.system_transaction() as s:
        s.add(
            CorrectionRequest(
                id="00000000-0000-4000-8000-0000000000c1", entity="dispute_case",
                record_id=case.case_id, record_label=case.case_no, field="facts",
                field_label="事实与理由", message="请写明拖欠工资的起止月份",
                due_on=TODAY - timedelta(days=1), requested_by="区审核员",
                requested_at=datetime.now(UTC), status="open",
            )
        )  # fmt: skip
    bench = WorkbenchSection(ctx, today=TODAY)
    qtbot.addWidget(bench)
    bench.resize(1300, 700)
    bench.show()
    bench.activated()
    table = bench.corrections.table
    qtbot.waitUntil(lambda: table.rowCount() == 1, timeout=WAIT)
    assert table.item(0, 0).text() == f"调解案件 {case.case_no}"
    assert table.item(0, 5).text() == "待补正（已逾期）"
    assert "待补正 1 条" in bench.corrections_box.title()
    with qtbot.waitSignal(ctx.navigate_requested, timeout=WAIT) as asked:
        bench.corrections.open_record(0)
    assert asked.args == ["cases", {"id": case.case_id}]

    sync = SyncSection(ctx)
    qtbot.addWidget(sync)
    sync.resize(1300, 700)
    sync.show()
    sync.activated()
    qtbot.waitUntil(
        lambda: sync.tabs.tabText(sync.corrections_tab) == "退回补正（1）", timeout=WAIT
    )
    # the station's next edit of the case answers it
    with store.unit_of_work() as s:
        s.get(
            DisputeCase, case.case_id
        ).facts = "申请人于2024年3月入职，2025年12月至2026年2月被拖欠工资。"
    sync.activated()
    qtbot.waitUntil(lambda: sync.tabs.tabText(sync.corrections_tab) == "退回补正", timeout=WAIT)
    assert sync.corrections.table.item(0, 5).text() == "已补正 · 待报送区级"
    bench.refresh()
    qtbot.waitUntil(lambda: bench.corrections.table.rowCount() == 0, timeout=WAIT)
    assert bench.corrections_box.title() == "区级退回补正"
