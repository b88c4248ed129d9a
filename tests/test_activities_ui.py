"""The activity form, team and model-unit dialogs and the annual checklist view, driven with qtbot."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidgetItem

from app.activities import team
from app.activities.checklist import annual_checklist, done_count
from app.activities.service import get_activity, list_activities
from app.domain.activities import CREATION_INDICATORS, ModelUnitStatus
from app.domain.enums import ActivityKind, TeamRole
from app.ui.activities.forms import ActivityForm
from app.ui.activities.section import ActivitiesSection
from app.ui.application import setup_application
from app.ui.context import AppContext
from tests import visits_factory as fx

TODAY = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _app(qapp):
    setup_application(qapp)


@pytest.fixture
def ctx(store):
    return AppContext(store)


def test_park_tour_form_with_stops_and_enterprises(qtbot, ctx, store):
    with store.unit_of_work() as s:
        firm = fx.enterprise(s, "福州软件园某科技有限公司", "SOFTPARK")
    form = ActivityForm(ctx, kind=ActivityKind.PARK_TOUR, today=TODAY)
    qtbot.addWidget(form)
    form.show()
    assert form.stops_box.isEnabled() and not form.speaker.isEnabled()
    assert form.stops.rowCount() == 1  # one stop to start with
    form.held_on.set_value(date(2026, 5, 10))
    form.ended_on.set_value(date(2026, 5, 20))
    form.stops.cellWidget(0, 0).set_value(date(2026, 5, 10))
    form.stops.setItem(0, 2, QTableWidgetItem("一百"))
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert form.fields.errors().get("stops", "") == "第1站：听众人数应为整数"
    form.stops.setItem(0, 2, QTableWidgetItem("120"))
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.fields.errors().get("title", "") != "", timeout=10000)
    assert form.fields.errors().get("title", "") == "请填写活动名称"
    assert form.fields.errors().get("stops", "") == "第1站：请填写站点（园区或企业）"
    assert list_activities(store) == []

    form.title.setText("和谐劳动关系宣讲进园区")
    form.stops.setItem(0, 1, QTableWidgetItem("福州软件园"))
    form.add_stop()
    form.stops.cellWidget(1, 0).set_value(date(2026, 5, 20))
    form.stops.setItem(1, 1, QTableWidgetItem("高新区洪山园"))
    form.picker.selected.emit(firm.id)  # what choosing from the picker's list does
    assert form.enterprises.rowCount() == 1 and form.enterprises.item(0, 1).text() == "宣讲企业"
    form.tag_boxes["宪法宣传周"].setChecked(True)
    form.other_tags.setText("送法进园区")
    form.materials_count.setValue(300)
    with qtbot.waitSignal(form.accepted, timeout=10000):
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    [row] = list_activities(store, year=2026)
    detail = get_activity(store, row.id)
    assert [(s.place, s.audience_count) for s in detail.data.stops] == [
        ("福州软件园", 120),
        ("高新区洪山园", None),
    ]
    assert detail.data.tags == ["宪法宣传周", "送法进园区"]
    assert detail.data.materials_count == 300
    assert list(detail.enterprise_names.values()) == [firm.name]

    # editing shows what was stored
    edit = ActivityForm(ctx, activity_id=row.id, today=TODAY)
    qtbot.addWidget(edit)
    assert edit.title.text() == "和谐劳动关系宣讲进园区" and edit.stops.rowCount() == 2
    edit.stops.removeRow(1)
    with qtbot.waitSignal(edit.accepted, timeout=10000):
        edit.save()
    assert len(get_activity(store, row.id).data.stops) == 1


def test_lecture_needs_an_expert(qtbot, ctx, store):
    form = ActivityForm(ctx, kind=ActivityKind.EXPERT_LECTURE, today=TODAY)
    qtbot.addWidget(form)
    assert form.speaker.isEnabled() and not form.stops_box.isEnabled()
    form.title.setText("劳动合同法专题讲座")
    form.save()
    qtbot.waitUntil(lambda: form.fields.errors().get("speaker", "") != "", timeout=10000)
    assert form.fields.errors().get("speaker", "") == "专家讲座请填写主讲专家"
    form.speaker.setText("郑律师")
    with qtbot.waitSignal(form.accepted, timeout=10000):
        form.save()


def test_checklist_view_team_and_model_units(qtbot, ctx, store):
    with store.unit_of_work() as s:
        firm = fx.enterprise(s, "福州榕城和谐科技有限公司")
    section = ActivitiesSection(ctx, today=TODAY)
    qtbot.addWidget(section)
    section.show()
    section.activated()
    page = section.checklist
    assert page.progress.text() == "2026年“五个一”完成 0 / 5 项"
    assert [c.item.done for c in page.cards] == [False] * 5

    # the work team: three members and a training
    for name, role in (
        ("林服务", TeamRole.SERVICE_STAFF),
        ("陈监察", TeamRole.INSPECTOR),
        ("黄调解", TeamRole.MEDIATOR),
    ):
        section.team.add_button.click()
        dialog = section.team.dialog
        qtbot.addWidget(dialog)
        dialog.name.setText(name)
        dialog.role.setCurrentIndex(dialog.role.findData(role.value))
        dialog.phone.setText("1380013800")  # one digit short
        dialog.save()
        qtbot.waitUntil(lambda d=dialog: "phone" in d.fields.errors(), timeout=10000)
        assert "手机号码应为11位" in dialog.fields.errors()["phone"]
        assert dialog.fields.summary.text() == "有1处需要修改，见各栏下方的红字提示"
        assert dialog.phone.hasFocus() or not dialog.isActiveWindow()
        assert dialog.save_button.isEnabled()
        dialog.phone.setText("13800138000")
        with qtbot.waitSignal(dialog.accepted, timeout=5000):
            dialog.save()
    assert section.team.members_table.rowCount() == 3
    section.team.training_button.click()
    training = section.team.dialog
    qtbot.addWidget(training)
    training.title.setText("集体协商能力培训")
    training.save()
    qtbot.waitUntil(lambda: "members" in training.fields.errors(), timeout=10000)
    assert training.fields.errors()["members"] == "请选择参加培训的成员"
    training.check_all()
    training.hours.setValue(6)
    training.trained_on.set_value(date(2026, 6, 5))
    with qtbot.waitSignal(training.accepted, timeout=5000):
        training.save()
    assert section.team.trainings_table.rowCount() == 3
    assert [m.training_count for m in team.list_members(store)] == [1, 1, 1]

    # a model unit scored and commended from the card's 登记 button
    card = page.cards[4]
    assert card.item.kind == ActivityKind.MODEL_UNITS
    qtbot.mouseClick(card.add_button, Qt.MouseButton.LeftButton)
    score = section.units.dialog
    qtbot.addWidget(score)
    score.picker.selected.emit(firm.id)
    for ind in CREATION_INDICATORS:
        score.spins[ind.code].setValue(ind.max_score)
    score.spins["care_culture"].setValue(3)
    assert "98分" in score.total.text() and "达到表彰标准" in score.total.text()
    with qtbot.waitSignal(score.accepted, timeout=5000):
        score.save()
    section.units.table.selectRow(0)
    section.units.commend_button.click()
    commend = section.units.dialog
    qtbot.addWidget(commend)
    commend.on.set_value(date(2026, 11, 10))
    with qtbot.waitSignal(commend.accepted, timeout=5000):
        commend.save()
    assert section.units.units[0].status == ModelUnitStatus.COMMENDED

    # a lecture and a two-stop tour from the cards
    for kind, fill in (
        (
            ActivityKind.EXPERT_LECTURE,
            lambda f: (f.title.setText("讲座"), f.speaker.setText("郑律师")),
        ),
        (
            ActivityKind.PARK_TOUR,
            lambda f: (
                f.title.setText("巡回宣讲"),
                f.stops.setItem(0, 1, QTableWidgetItem("福州软件园")),
                f.add_stop(),
                f.stops.setItem(1, 1, QTableWidgetItem("高新区洪山园")),
            ),
        ),
    ):
        form = section.add_for_kind(kind)
        qtbot.addWidget(form)
        form.held_on.set_value(date(2026, 5, 10))
        for r in range(form.stops.rowCount()):
            form.stops.cellWidget(r, 0).set_value(date(2026, 5, 10))
        fill(form)
        with qtbot.waitSignal(form.accepted, timeout=10000):
            form.save()
    qtbot.waitUntil(lambda: "4 / 5" in page.progress.text(), timeout=5000)
    assert [c.item.done for c in page.cards] == [True, True, True, False, True]
    assert page.cards[3].summary.text() == "本年尚未组织现场观摩学习"
    assert done_count(annual_checklist(store, 2026)) == 4
    page.year.setValue(2025)
    assert page.progress.text() == "2025年“五个一”完成 0 / 5 项"


def test_activity_form_keeps_a_draft(qtbot, ctx, store):
    with store.unit_of_work() as s:
        firm = fx.enterprise(s, "福州软件园某科技有限公司", "SOFTPARK")
    form = ActivityForm(ctx, kind=ActivityKind.PARK_TOUR, today=TODAY)
    qtbot.addWidget(form)
    form.title.setText("宣讲进园区")
    form.stops.setItem(0, 1, QTableWidgetItem("福州软件园"))
    form.stops.setItem(0, 2, QTableWidgetItem("120"))
    form.add_enterprise(firm.id, "宣讲企业")
    form.tag_boxes["宪法宣传周"].setChecked(True)
    form.drafts.save_now(wait=True)
    again = ActivityForm(ctx, today=TODAY)
    qtbot.addWidget(again)
    assert again.drafts.offer_restore(ask=False)
    assert again.current_kind() == ActivityKind.PARK_TOUR and again.title.text() == "宣讲进园区"
    assert again.stops.rowCount() == 1 and again.stops.item(0, 1).text() == "福州软件园"
    assert again.stops.item(0, 2).text() == "120"
    assert again.enterprises.item(0, 0).text() == firm.name
    assert again.tag_boxes["宪法宣传周"].isChecked()
    again.reject()  # abandoned on purpose: the draft goes
    third = ActivityForm(ctx, today=TODAY)
    qtbot.addWidget(third)
    assert not third.drafts.offer_restore(ask=False)
