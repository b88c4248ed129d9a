"""操作记录 (issue 12): the shared history widget on the case page, a visit and an activity; the
station administrator's station-wide view with its filters; personal fields never shown."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt

from app.audit import trail
from app.domain.enums import ActivityKind, Role
from app.store.models import Activity, ActivityStop, CaseParty, DisputeCase, EnterpriseVisit, Person
from app.store.store import Store
from app.ui.application import setup_application
from app.ui.context import AppContext
from tests import visits_factory as fx
from tests.cases_support import EnterpriseChoice, EnterpriseInput, credit_code, in_mediation
from tests.conftest import ADMIN, ADMIN_PASSWORD

WAIT = 15_000


@pytest.fixture(autouse=True)
def _app(qapp):
    setup_application(qapp)


@pytest.fixture
def ctx(store):
    context = AppContext(store)
    yield context
    context.pool.waitForDone(10_000)


def settled(qtbot, view) -> None:
    """The history widget has shown what it read in the background."""
    qtbot.waitUntil(lambda: not view.loading, timeout=WAIT)


def _worker_id(store, case_id: str) -> str:
    with store.read() as s:
        party = s.query(CaseParty).filter_by(case_id=case_id, role="applicant").first()
        return party.person_id


def test_case_page_history_lists_the_case_and_its_parts_masked(qtbot, ctx, store):
    from app.ui.cases.case_page import CasePage

    case_id = in_mediation(store)
    person_id = _worker_id(store, case_id)
    with store.unit_of_work() as s:
        case = s.get(DisputeCase, case_id)
        case.project_name = "鼓东路改造工程"
        case.is_construction = True
        s.get(Person, person_id).phone = "13912345678"  # personal: "changed", never the number
    page = CasePage(ctx, today=lambda: date(2026, 3, 6))
    qtbot.addWidget(page)
    page.resize(1300, 700)
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.show_case(case_id)
    titles = [page.tabs.tabText(i) for i in range(page.tabs.count())]
    assert titles[-1] == "操作记录"
    settled(qtbot, page.history)
    lines = page.history.lines()
    text = "\n".join("｜".join(line) for line in lines)
    assert "13912345678" not in text
    assert lines[0][3].startswith("人员")  # newest first: the phone, changed last
    newest = next(line for line in lines if line[3] == "调解案件")
    assert newest[2] == "修改"
    assert "工程项目：（空） → 鼓东路改造工程" in newest[4] and "工程建设领域：否 → 是" in newest[4]
    kinds = {line[3].split("（")[0] for line in lines}
    assert {"调解案件", "案件当事人", "请求事项", "调解笔录"} <= kinds
    # the people of the parties too (their phones are edited on the case), values masked
    assert "人员" in kinds
    assert any(line[3].startswith("人员") and line[4] == "联系电话：已修改" for line in lines)
    # the session's record (笔录内容) is personal: its insert is listed, its text is not
    assert "被申请人拖欠工资" not in text
    status_lines = [line for line in lines if "状态：" in line[4]]
    assert any("状态：已受理 → 调解中" in line[4] or "调解中" in line[4] for line in status_lines)
    assert all(line[1] for line in lines)  # who
    # the tab follows the case shown: another case gets its own history
    other = in_mediation(store, respondent=EnterpriseChoice(new=EnterpriseInput(
        name="福州屏山贸易有限公司", credit_code=credit_code("MA2XY0002"))))  # fmt: skip
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.show_case(other)
    assert page.history.record_id == other
    settled(qtbot, page.history)
    assert [page.tabs.tabText(i) for i in range(page.tabs.count())].count("操作记录") == 1
    assert "鼓东路改造工程" not in "\n".join("｜".join(x) for x in page.history.lines())


def test_visit_and_activity_dialogs_open_their_history(qtbot, ctx, store):
    from app.ui.activities.forms import ActivityForm
    from app.ui.visits.dialogs import VisitDetailDialog

    with store.unit_of_work() as s:
        firm = fx.enterprise(s, "福州闽江软件有限公司", "GUDONG")
        s.flush()
        visit = EnterpriseVisit(enterprise_id=firm.id, visited_on=date(2026, 3, 2),
                                kind="visit", visitors="陈调解",
                                contact_name="李经理", contact_phone="13800000000")  # fmt: skip
        s.add(visit)
        act = Activity(kind=ActivityKind.PARK_TOUR, year=2026, title="宣讲进园区",
                       held_on=date(2026, 5, 10), participant_count=30)  # fmt: skip
        s.add(act)
        s.flush()
        s.add(ActivityStop(activity_id=act.id, seq=1, held_on=date(2026, 5, 10), place="软件园"))
    with store.unit_of_work() as s:
        s.get(EnterpriseVisit, visit.id).contact_name = "王经理"
        s.get(Activity, act.id).participant_count = 45

    dialog = VisitDetailDialog(ctx, visit.id)
    qtbot.addWidget(dialog)
    shown = dialog.show_history()
    qtbot.addWidget(shown)
    settled(qtbot, shown.view)
    lines = shown.view.lines()
    assert [line[2] for line in lines] == ["修改", "新增"]
    assert lines[0][4] == "企业联系人：已修改"  # a person's name: no value
    assert "王经理" not in str(lines) and "李经理" not in str(lines)

    form = ActivityForm(ctx, activity_id=act.id)
    qtbot.addWidget(form)
    assert form.history_button.isVisibleTo(form)
    shown = form.show_history()
    qtbot.addWidget(shown)
    settled(qtbot, shown.view)
    lines = shown.view.lines()
    assert lines[0][4] == "参加人数：30 → 45"
    assert {line[3].split("（")[0] for line in lines} == {"活动", "巡回宣讲站点"}
    new_form = ActivityForm(ctx)
    qtbot.addWidget(new_form)
    assert not new_form.history_button.isVisibleTo(new_form)  # nothing recorded yet


def _settle(qtbot, dialog):
    qtbot.waitUntil(lambda: not dialog.model.loading, timeout=WAIT)


def test_station_wide_view_filters_by_user_kind_date_and_text(qtbot, ctx, store, tmp_path):
    from app.ui.sections.audit_log import AuditLogDialog

    store.add_user("mediator1", "调解员甲", Role.MEDIATOR, "Mediator-Pass-2026")
    case_id = in_mediation(store)
    with store.unit_of_work() as s:
        s.add(fx.enterprise(s, "福州冶山科技有限公司", "GUDONG"))
    with store.read() as s:
        case_no = s.get(DisputeCase, case_id).case_no
    store.close()
    mediator = Store.open(store.data_dir, "mediator1", "Mediator-Pass-2026")
    try:
        with mediator.unit_of_work() as s:
            s.get(DisputeCase, case_id).project_name = "屏山工程"
        # only the station administrator sees the station-wide log
        with pytest.raises(Exception, match="站点管理员"):
            trail.search_events(mediator, trail.EventFilter())
    finally:
        mediator.close()
    admin = Store.open(store.data_dir, ADMIN, ADMIN_PASSWORD)
    actx = AppContext(admin)
    try:
        dialog = AuditLogDialog(actx)
        qtbot.addWidget(dialog)
        _settle(qtbot, dialog)
        total = dialog.model.rowCount()
        assert total > 8 and dialog.count.text() == f"共 {total} 条"
        first = dialog.model.row_at(0)
        assert first.user == "调解员甲" and first.record == case_no
        assert "工程项目：（空） → 屏山工程" in first.details
        assert any(r.kind == "用户与权限" and r.action == "新增用户" for r in dialog.model.rows)

        dialog.user.setCurrentIndex(dialog.user.findText("调解员甲", Qt.MatchFlag.MatchStartsWith))
        dialog.search()
        _settle(qtbot, dialog)
        assert dialog.model.rowCount() == 1

        dialog.user.setCurrentIndex(0)
        dialog.kind.setCurrentIndex(dialog.kind.findData("enterprise"))
        dialog.search()
        _settle(qtbot, dialog)
        assert {r.kind for r in dialog.model.rows} == {"企业"}
        assert any(r.record == "福州冶山科技有限公司" for r in dialog.model.rows)

        dialog.kind.setCurrentIndex(0)
        dialog.text.setText(case_no)  # a case number finds the case's own events
        dialog.search()
        _settle(qtbot, dialog)
        assert dialog.model.rowCount() >= 2
        assert {r.record for r in dialog.model.rows} == {case_no}

        dialog.text.setText("屏山")  # words of the changes
        dialog.search()
        _settle(qtbot, dialog)
        assert dialog.model.rowCount() == 1

        dialog.text.clear()
        dialog.by_date.setChecked(True)
        today = date.today()
        from app.ui.sections.audit_log import _qdate

        dialog.since.setDate(_qdate(today + timedelta(days=1)))
        dialog.until.setDate(_qdate(today + timedelta(days=5)))
        dialog.search()
        _settle(qtbot, dialog)
        assert dialog.model.rowCount() == 0  # nothing happened tomorrow
        dialog.since.setDate(_qdate(today))
        dialog.until.setDate(_qdate(today))
        dialog.search()
        _settle(qtbot, dialog)
        assert dialog.model.rowCount() == total
        # a reversed range is refused with a message, the list stays as it was
        dialog.since.setDate(_qdate(today + timedelta(days=3)))
        dialog.search()
        assert not dialog.problem.isHidden() and "开始日期晚于结束日期" in dialog.problem.text()
        assert dialog.model.rowCount() == total
    finally:
        actx.pool.waitForDone(10_000)
        admin.close()


def test_station_wide_view_pages_through_a_long_log(qtbot, ctx, store):
    from app.ui.sections.audit_log import AuditLogDialog

    with store.unit_of_work() as s:
        firms = [fx.enterprise(s, f"福州企业{i}有限公司", "GUDONG") for i in range(30)]
    for round_ in range(10):
        with store.unit_of_work() as s:
            for f in firms:
                s.get(type(f), f.id).employee_count = round_ + 1
    dialog = AuditLogDialog(ctx)
    qtbot.addWidget(dialog)
    _settle(qtbot, dialog)
    assert dialog.model.rowCount() == dialog.model.PAGE  # the first page only
    assert dialog.count.text() == "共 330 条"
    dialog.model.fetchMore()
    _settle(qtbot, dialog)
    assert dialog.model.rowCount() == 330
    ids = [r.id for r in dialog.model.rows]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 330


def test_every_column_of_every_record_reads_in_chinese():
    """A history never shows a column's English name (a new column needs its label)."""
    from app.store.models import SYNCED_MODELS

    stamps = {"id", "created_at", "created_by", "updated_at", "updated_by", "version",
              "station_code", "deleted", "deleted_at"}  # fmt: skip
    missing = [
        f"{m.__tablename__}.{c.key}"
        for m in SYNCED_MODELS
        for c in m.__table__.columns
        if c.key not in stamps | trail.QUIET_FIELDS
        and trail.field_label(m.__tablename__, c.key) == c.key
    ]
    assert missing == []
    line = trail.describe_changes(
        "enterprise",
        {"risk_level": ["none", "medium"], "street_code": ["GUDONG", "GUXI"],
         "legal_rep": "changed", "respondent_id": [None, "x"]},
    )  # fmt: skip
    assert (
        line
        == "欠薪风险等级：无风险 → 中；所属街道：鼓东街道 → 鼓西街道；法定代表人：已修改；被申请人：已指定"
    )
