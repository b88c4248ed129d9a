"""操作记录 at the district (issue 12): audit events travel at sync, append-only, against a real
``labor-district`` process on loopback; a reviewer reads a record's history on the dashboard,
within their streets; personal fields never travel."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import func, select, update

from app.district.models_station import StationAuditEvent
from app.district.models_work import AuditEntry
from app.store.models import AuditEvent, CaseParty, DisputeCase, Person
from app.sync import audit_upload, protocol, state, sync_once
from app.sync.run import _client
from tests.cases_support import EnterpriseChoice, EnterpriseInput, credit_code, register, worker
from tests.sync_fixtures import *  # noqa: F403
from tests.test_district_roles import login, user

pytestmark = pytest.mark.slow

PHONE = "13912345678"


def _case(store, n: int) -> str:
    case = register(
        store,
        workers=[worker("张伟", seq=10 + n)],
        respondent=EnterpriseChoice(new=EnterpriseInput(
            name=f"福州测试企业{n}有限公司", credit_code=credit_code(f"MA2XY{n:04d}"))),
    )  # fmt: skip
    with store.unit_of_work() as s:
        c = s.get(DisputeCase, case.case_id)
        c.project_name = f"鼓楼工程{n}"
        party = s.scalars(select(CaseParty).where(CaseParty.case_id == c.id,
                                                  CaseParty.person_id.is_not(None))).first()  # fmt: skip
        s.get(Person, party.person_id).phone = PHONE
    return case.case_id


def held(server) -> list[StationAuditEvent]:
    engine = server.engine()
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(StationAuditEvent).order_by(StationAuditEvent.id)))
    finally:
        engine.dispose()


def test_events_travel_once_and_never_change(district, station_a):
    case_id = _case(station_a, 1)
    with station_a.read() as s:
        local = s.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    first = sync_once(station_a)
    assert first.ok, first.problem
    rows = held(district)
    assert len(rows) == local and {r.station_code for r in rows} == {"GUDONG"}
    assert any(r.entity == "dispute_case" and r.entity_id == case_id for r in rows)
    # personal fields travel as "changed", never their values
    text = "".join(str(r._mapping) for r in rows)
    assert PHONE not in text and "张伟" not in text
    assert any(r.changes == {"phone": "changed"} for r in rows)
    with station_a.read() as s:
        assert state.get(s, audit_upload.CURSOR) == local

    # another pass sends nothing again
    again = sync_once(station_a)
    assert again.ok and len(held(district)) == local

    # the same events sent again (an answer lost): acknowledged as duplicates, nothing written
    with station_a.read() as s:
        state.get(s, audit_upload.CURSOR)
    events = audit_upload._page(station_a, 0)[:3]
    body = protocol.dumps({"events": events})
    with _client(station_a, None, "zstd") as client:
        answer = client._request("POST", audit_upload.PATH, content=body,
                                 headers=client._signed(body, "application/json"))  # fmt: skip
        assert answer == {"accepted": 0, "duplicates": 3, "refused": []}
        # a changed event under a number already received: refused, the district keeps its own
        changed = [dict(events[0], summary="改过的摘要")]
        body = protocol.dumps({"events": changed})
        answer = client._request("POST", audit_upload.PATH, content=body,
                                 headers=client._signed(body, "application/json"))  # fmt: skip
        assert answer["accepted"] == 0 and len(answer["refused"]) == 1
        assert "只增不改" in answer["refused"][0]["reason"]
        # unsigned or badly formed pages are refused whole
        bad = protocol.dumps({"events": [{"seq": 0, "at": "x", "action": ""}]})
        with pytest.raises(Exception, match="422"):
            client._request("POST", audit_upload.PATH, content=bad,
                            headers=client._signed(bad, "application/json"))  # fmt: skip
        with pytest.raises(Exception, match="400"):
            client._request("POST", audit_upload.PATH, content=body,
                            headers=client._signed(b"other", "application/json"))  # fmt: skip
    after = held(district)
    assert [tuple(r._mapping.values()) for r in after] == [tuple(r._mapping.values()) for r in rows]
    # and the database itself refuses to change a received event
    engine = district.engine()
    try:
        with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
            conn.execute(update(StationAuditEvent).values(summary="改"))
    finally:
        engine.dispose()

    # a PC restored from an old backup writes new events under numbers already sent: the
    # district refuses them, the station is told and goes on
    with station_a.system_transaction() as s:
        s.execute(update(AuditEvent).where(AuditEvent.id == 1).values(summary="恢复后的新事件"))
        state.put(s, audit_upload.CURSOR, 0)
    restored = sync_once(station_a)
    assert restored.ok, restored.problem
    assert any("操作记录与区级已收到的同编号记录不一致" in n for n in restored.notes)
    assert held(district)[0].summary == rows[0].summary


def test_reviewer_reads_a_record_history_within_their_streets(district, station_a, station_b):
    gudong_case = _case(station_a, 2)
    guxi_case = _case(station_b, 3)
    assert sync_once(station_a).ok and sync_once(station_b).ok
    with station_a.read() as s:
        case_no = s.get(DisputeCase, gudong_case).case_no
    user(district, "shenhe", "--role", "reviewer", "--street", "GUDONG")
    user(district, "kanban", "--role", "viewer")
    client = login(district, "shenhe")
    with contextlib.closing(client):
        listing = client.get("/dashboard/station-audit")
        assert listing.status_code == 200
        assert "站点操作记录" in listing.text and "鼓楼工程2" in listing.text
        assert f">{case_no}</a>" in listing.text  # the case by its number, linked to its history
        found = client.get("/dashboard/station-audit", params={"q": case_no})
        assert found.status_code == 200 and f">{case_no}</a>" in found.text
        assert "鼓楼工程2" in found.text and "新增" in found.text
        assert "没有记录" in client.get("/dashboard/station-audit", params={"q": "无此案号"}).text
        bad = client.get("/dashboard/station-audit", params={"since": "2026-13-01"})
        assert bad.status_code == 400 and "日期格式不正确" in bad.json()["detail"]
        assert "鼓楼工程3" not in listing.text  # another street's events are not listed
        assert PHONE not in listing.text
        page = client.get(
            "/dashboard/station-audit/record",
            params={"station": "GUDONG", "entity": "dispute_case", "id": gudong_case},
        )
        assert page.status_code == 200
        assert case_no in page.text
        assert "工程项目：（空） → 鼓楼工程2" in page.text
        assert "案件当事人" in page.text and "调解案件" in page.text
        assert "联系电话：已修改" in page.text  # the worker's phone, changed on the case
        assert "被申请人：已指定" in page.text
        assert PHONE not in page.text
        # another street's record: not found, exactly as a record that does not exist
        other = client.get(
            "/dashboard/station-audit/record",
            params={"station": "GUXI", "entity": "dispute_case", "id": guxi_case},
        )
        missing = client.get(
            "/dashboard/station-audit/record",
            params={"station": "GUDONG", "entity": "dispute_case", "id": guxi_case},
        )
        assert other.status_code == missing.status_code == 404
        assert other.text == missing.text
        assert client.get("/dashboard/station-audit", params={"station": "GUXI"}).status_code == 403
    # the look at the record is in the district's own audit log
    engine = district.engine()
    try:
        with engine.connect() as conn:
            looks = conn.execute(
                select(AuditEntry.actor, AuditEntry.target_id)
                .where(AuditEntry.action == "record.history")
            ).all()  # fmt: skip
    finally:
        engine.dispose()
    assert looks == [("shenhe", gudong_case)]
    # a viewer reads no station's audit trail
    viewer = login(district, "kanban")
    with contextlib.closing(viewer):
        refused = viewer.get("/dashboard/station-audit")
        assert refused.status_code == 403 and "不能查看站点的操作记录" in refused.text
        assert "站点操作记录" not in viewer.get("/dashboard").text


def test_the_other_pcs_changes_show_in_a_records_history(district, station_a, tmp_path):
    from app.audit.trail import history_of
    from app.store.models import Enterprise
    from tests.test_sync_replication import join_pc

    with station_a.unit_of_work() as s:
        firm = Enterprise(name="福州冶山科技有限公司", employee_count=10)
        s.add(firm)
    assert sync_once(station_a).ok
    b = join_pc(tmp_path, district, "pc-b").store
    try:
        # the station's history so far came with the join
        lines = history_of(b, "enterprise", firm.id)
        assert [(x.action, x.user) for x in lines] == [("新增", "站长（本站其他电脑）")]
        with station_a.unit_of_work() as s:
            s.get(Enterprise, firm.id).employee_count = 12
        with b.unit_of_work() as s:
            s.get(Enterprise, firm.id).legal_rep = "王五"  # personal: "changed" only
        for store in (station_a, b, station_a):
            result = sync_once(store)
            assert result.ok, result.problem
        on_b = history_of(b, "enterprise", firm.id)
        on_a = history_of(station_a, "enterprise", firm.id)
        assert [x.details for x in on_a] == [x.details for x in on_b]
        assert {x.details for x in on_b} >= {"职工人数：10 → 12", "法定代表人：已修改"}
        assert any(x.user == "站长（本站其他电脑）" for x in on_a)  # B's edit, seen on A
        assert "王五" not in str(on_a)
        # nothing echoes: each event is held once at the district, by the PC that made it
        rows = held(district)
        assert len({(r.device_id, r.seq) for r in rows}) == len(rows)
        with station_a.read() as s, b.read() as t:
            mine_a = s.scalar(select(func.count()).where(AuditEvent.origin.is_(None)))
            mine_b = t.scalar(select(func.count()).where(AuditEvent.origin.is_(None)))
        assert len(rows) == mine_a + mine_b
        again = sync_once(b)
        assert again.ok and len(held(district)) == len(rows)
    finally:
        b.close()


def test_a_record_history_in_a_real_browser(district, station_a, tmp_path):
    """The reviewer's way in Chromium: 站点操作记录, a case by its number, its history.
    ``LABOR_DOCS_SCREENSHOTS=docs`` keeps the screenshot in docs/."""
    from pathlib import Path

    from tests.test_district_dashboard import CHROMIUM, CHROMIUM_ARGS
    from tests.test_district_roles import PASSWORD

    if not Path(CHROMIUM).exists():
        pytest.skip("no Debian chromium at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    case_id = _case(station_a, 4)
    assert sync_once(station_a).ok
    with station_a.read() as s:
        case_no = s.get(DisputeCase, case_id).case_no
    user(district, "shenhe", "--role", "reviewer")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(
                ignore_https_errors=True, locale="zh-CN", viewport={"width": 1366, "height": 728}
            ).new_page()
            page.goto(district.url + "/dashboard")
            page.fill("#name", "shenhe")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/dashboard")
            page.click("text=站点操作记录")
            page.fill("#q", case_no)
            page.click("button:has-text('筛选')")
            page.locator(f"#station-audit a:has-text('{case_no}')").first.click()
            table = page.inner_text("#record-history")
            assert "工程项目：（空） → 鼓楼工程4" in table and "案件当事人" in table
            assert PHONE not in page.content()
            shot = tmp_path / "station-audit.png"
            page.screenshot(path=str(shot))
            import os
            import shutil

            if os.environ.get("LABOR_DOCS_SCREENSHOTS"):
                shutil.copyfile(
                    shot, Path(os.environ["LABOR_DOCS_SCREENSHOTS"]) / "district-station-audit.png"
                )
        finally:
            browser.close()
