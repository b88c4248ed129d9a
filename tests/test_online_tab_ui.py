"""调解案件 → 网上申请 driven with qtbot: an application as the sync stores it is accepted into
the registration dialog prefilled from it (received date kept, evidence attached to the case),
another is declined with a reason; both decisions wait for the next sync."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from sqlalchemy import select

from app.store.models import Attachment, DisputeCase, OnlineApplication, OnlineApplicationFile
from app.ui.cases.section import CasesSection
from app.ui.context import AppContext
from tests.cases_support import id_number

TODAY = date(2026, 3, 4)
RECEIVED = date(2026, 3, 1)
WAIT = 15_000
PDF = b"%PDF-1.4\n%%EOF\n"


def fetched(store, n: int, **extra) -> str:
    """An application stored as app.sync.applications stores what the district sends."""
    app_id = f"00000000-0000-4000-8000-00000000000{n}"
    data = {
        "id": app_id,
        "reference": f"WS2026-AAAA-BBB{n}",
        "source": "web",
        "received_on": RECEIVED.isoformat(),
        "applicant_kind": "worker",
        "applicant_name": "张伟",
        "id_number": id_number(),
        "phone": "13905910001",
        "employer_name": "福州闽江餐饮管理有限公司",
        "employer_credit_code": None,
        "dispute_type": "wages",
        "claims": "支付拖欠的工资12000元",
        "amount": "12000.00",
        "facts": "被申请人拖欠申请人三个月工资，多次催要未果。",
        "evidence": [{"seq": 1, "filename": "工资条.pdf", "content_type": "application/pdf",
                      "size": len(PDF), "sha256": hashlib.sha256(PDF).hexdigest()}],
        **extra,
    }  # fmt: skip
    with store.unit_of_work() as s:
        s.add(
            OnlineApplication(
                id=app_id, reference=data["reference"], received_on=RECEIVED, data=data
            )
        )
        s.add(
            OnlineApplicationFile(
                application_id=app_id,
                seq=1,
                filename="工资条.pdf",
                content_type="application/pdf",
                data=PDF,
            )
        )
    return app_id


@pytest.fixture
def section(qtbot, store):
    ctx = AppContext(store)
    widget = CasesSection(ctx, today=lambda: TODAY)
    qtbot.addWidget(widget)
    widget.resize(1300, 700)
    widget.show()
    yield widget
    ctx.pool.waitForDone(10_000)


def test_accept_into_a_prefilled_registration_and_decline(qtbot, store, section):
    first = fetched(store, 1)
    second = fetched(store, 2, applicant_name="李娜")
    section.activated()
    tab = section.online_tab
    assert section.tabs.tabText(1) == "网上申请（2）"
    assert tab.table.rowCount() == 2
    tab.select_reference("WS2026-AAAA-BBB1")
    assert "张伟" in tab.detail.toPlainText() and id_number() not in tab.detail.toPlainText()
    assert tab.accept_button.isEnabled()

    intake = tab.accept_selected()
    qtbot.waitExposed(intake)
    assert intake.received_on.date().toPython() == RECEIVED
    assert intake.workers.item(0, 0).text() == "张伟"
    assert intake.workers.item(0, 2).text() == id_number()
    assert intake.channel.currentData() == "online"
    assert intake.channel_ref.text() == "WS2026-AAAA-BBB1"
    assert intake.respondent.value().new.name == "福州闽江餐饮管理有限公司"
    assert "三个月工资" in intake.facts.toPlainText()
    # The application does not tell the employment status: the mediator asks and records it.
    intake.employment_status.setCurrentIndex(intake.employment_status.findData("ongoing"))
    with qtbot.waitSignal(intake.registered, timeout=WAIT) as registered:
        intake.save_button.click()
    case_id, case_no = registered.args
    qtbot.waitUntil(
        lambda: "已受理" in tab.table.item(0, 6).text() or "已受理" in tab.table.item(1, 6).text(),
        timeout=WAIT,
    )
    qtbot.waitUntil(lambda: section.stack.currentWidget() is section.case_page, timeout=WAIT)
    with store.read() as s:
        case = s.get(DisputeCase, case_id)
        assert case.received_on == RECEIVED and case.case_no == case_no
        assert (
            s.scalar(select(Attachment.filename).where(Attachment.owner_id == case_id))
            == "工资条.pdf"
        )
        row = s.get(OnlineApplication, first)
        assert row.status == "accepted" and row.case_no == case_no and row.reported_at is None

    section.show_list()
    tab.select_reference("WS2026-AAAA-BBB2")
    tab.decline_selected(reason="劳动关系不在本街道，请向所在街道申请")
    qtbot.waitUntil(lambda: section.tabs.tabText(1) == "网上申请", timeout=WAIT)
    with store.read() as s:
        row = s.get(OnlineApplication, second)
        assert row.status == "declined" and "本街道" in row.decline_reason
    texts = [tab.table.item(r, 6).text() for r in range(2)]
    assert all("待报送区级" in t for t in texts)
    assert not tab.accept_button.isEnabled()


def test_an_employer_application_prefills_the_respondent_and_a_known_enterprise(store):
    from app.cases.online import intake_form
    from app.store.models import Enterprise
    from tests.cases_support import credit_code

    with store.unit_of_work() as s:
        ent = Enterprise(name="福州闽江餐饮管理有限公司", credit_code=credit_code())
        s.add(ent)
        ent_id = ent.id
    app_id = fetched(
        store,
        3,
        applicant_kind="employer",
        applicant_name="王经理",
        employer_credit_code=credit_code(),
    )
    form = intake_form(store, app_id)
    assert form.workers == []  # the worker is the other party: the mediator adds them
    assert form.respondent.enterprise_id == ent_id  # the roster's enterprise, not a new one
    assert form.facts.startswith("（用人单位经办人 王经理") and form.received_on == RECEIVED
