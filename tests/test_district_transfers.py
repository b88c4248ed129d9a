"""Case transfers (移交) and correction requests (退回补正), issue 12, against a real
``labor-district`` process on loopback with two enrolled stations (tests/sync_fixtures.py:
PostgreSQL when it answers at 127.0.0.1:5432, SQLite otherwise).
"""

from __future__ import annotations

import contextlib
import re
from datetime import date, timedelta

from sqlalchemy import select

from app.cases import transfers
from app.cases.attachments import attach, load
from app.cases.enterprises import EnterpriseInput
from app.cases.intake import EnterpriseChoice, register_case
from app.district.models_work import AuditEntry, CaseTransfer, CorrectionRequest
from app.domain.enums import CaseStatus, EmploymentStatus, PartyRole
from app.store.attachments import list_attachments
from app.store.models import CaseClaim, CaseParty, DisputeCase, Enterprise, Person
from app.store.models import CorrectionRequest as StationRequest
from app.sync import sync_once
from tests.cases_support import credit_code, form, worker
from tests.sync_fixtures import *  # noqa: F403
from tests.sync_fixtures import enrolled_station
from tests.test_district_roles import csrf, login, user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TODAY = date.today()
RECEIVED = TODAY - timedelta(days=4)
ENDED = TODAY - timedelta(days=40)


def district_rows(server, model):
    engine = server.engine()
    try:
        with engine.connect() as conn:
            return conn.execute(select(model)).all()
    finally:
        engine.dispose()


def register_at(store, **overrides):
    values = dict(
        received_on=RECEIVED,
        workers=[worker("张伟", seq=12), worker("李娜", seq=13, male=False, phone="13905910002")],
        employment_status="ended",
        employment_ended_on=ENDED,
    )
    values.update(overrides)
    return register_case(store, form(**values), today=TODAY)


def ok(result):
    assert result.ok, result.problem
    return result


def test_a_transfer_arrives_complete_and_closes_the_senders_case(district, tmp_path):
    gudong = enrolled_station(tmp_path, district, "GUDONG")
    guxi = enrolled_station(tmp_path, district, "GUXI")
    try:
        case = register_at(gudong)
        attach(gudong, "dispute_case", case.case_id, "劳动合同.pdf", PDF, note="申请人提交")
        tid = transfers.transfer_out(gudong, case.case_id, "GUXI", "用人单位注册地在鼓西街道")
        with gudong.read() as s:
            sent = s.get(DisputeCase, case.case_id)
            assert sent.status == CaseStatus.TRANSFERRED and sent.transfer_to_station == "GUXI"
        assert transfers.case_links(gudong, case.case_id).to_text == "鼓西街道（待对方登记）"
        ok(sync_once(gudong))
        got = ok(sync_once(guxi))
        assert got.transfers_in == 1, got.notes

        [row] = transfers.list_incoming(guxi)
        assert (row.id, row.from_case_no, row.received_on) == (tid, case.case_no, RECEIVED)
        assert row.applicants == "张伟、李娜" and row.files == 1
        prefilled = transfers.intake_form(guxi, tid)
        assert prefilled.received_on == RECEIVED  # the Art. 14 clock keeps running
        assert prefilled.employment_status == "ended" and prefilled.employment_ended_on == ENDED
        new = register_case(guxi, prefilled, today=TODAY)
        assert transfers.mark_accepted(guxi, tid, new.case_id, new.case_no) == 1

        with guxi.read() as s:
            here = s.get(DisputeCase, new.case_id)
            assert here.received_on == RECEIVED
            assert here.employment_status == EmploymentStatus.ENDED
            assert here.employment_ended_on == ENDED
            assert (here.transfer_from_station, here.transfer_from_case_no) == (
                "GUDONG", case.case_no)  # fmt: skip
            people = [
                s.get(Person, p.person_id)
                for p in s.scalars(
                    select(CaseParty)
                    .where(CaseParty.case_id == new.case_id, CaseParty.role == PartyRole.APPLICANT)
                    .order_by(CaseParty.sort_order)
                )
            ]
            assert [(p.name, p.id_number) for p in people] == [
                ("张伟", worker("张伟", seq=12).id_number),
                ("李娜", worker("李娜", seq=13, male=False).id_number),
            ]
            claims = sorted(
                (c.dispute_type, c.amount)
                for c in s.scalars(select(CaseClaim).where(CaseClaim.case_id == new.case_id))
            )
            assert [(t, str(a)) for t, a in claims] == [
                ("compensation", "6000.00"), ("wages", "12000.00")]  # fmt: skip
            respondent = s.get(Enterprise, here.respondent_id)
            [attachment] = list_attachments(s, "dispute_case", new.case_id)
        assert respondent.credit_code == credit_code()
        assert load(guxi, attachment.id).content == PDF
        assert transfers.case_links(guxi, new.case_id).from_text == f"鼓东街道 {case.case_no}"

        ok(sync_once(guxi))  # the registration goes up
        ok(sync_once(gudong))  # and the sender learns the new number
        assert transfers.case_links(gudong, case.case_id).to_text == f"鼓西街道 {new.case_no}"
        [t] = district_rows(district, CaseTransfer)
        assert (t.status, t.to_case_no, t.received_on) == ("accepted", new.case_no, RECEIVED)
        actions = {a.action for a in district_rows(district, AuditEntry)}
        assert {"transfer.send", "transfer.decide"} <= actions

        # the district sees the chain on the dashboard
        user(district, "quzhang")
        with contextlib.closing(login(district, "quzhang")) as client:
            page = client.get("/dashboard/transfers").text
        assert f"鼓东街道 {case.case_no} → 鼓西街道 {new.case_no}" in page
    finally:
        gudong.close()
        guxi.close()


def test_a_transfer_registered_on_one_pc_leaves_the_other_pcs_list(district, tmp_path):
    from tests.test_sync_replication import join_pc

    gudong = enrolled_station(tmp_path, district, "GUDONG")
    guxi = enrolled_station(tmp_path, district, "GUXI")
    second = None
    try:
        case = register_at(gudong)
        tid = transfers.transfer_out(gudong, case.case_id, "GUXI", "用人单位在鼓西街道")
        ok(sync_once(gudong))
        from tests.test_sync_replication import device_code

        second = join_pc(tmp_path, district, "guxi-2", device_code(district, "GUXI", "窗口2")).store
        assert ok(sync_once(guxi)).transfers_in == 1
        assert ok(sync_once(second)).transfers_in == 1
        new = register_case(guxi, transfers.intake_form(guxi, tid), today=TODAY)
        transfers.mark_accepted(guxi, tid, new.case_id, new.case_no)
        ok(sync_once(guxi))
        ok(sync_once(second))
        assert transfers.list_incoming(second) == []
        with second.read() as s:  # the registered case came from the other PC
            assert s.get(DisputeCase, new.case_id).transfer_from_case_no == case.case_no
    finally:
        for st in (gudong, guxi, second):
            if st is not None:
                st.close()


def test_a_district_admin_orders_a_transfer_from_the_command_line(district, tmp_path):
    gudong = enrolled_station(tmp_path, district, "GUDONG")
    guxi = enrolled_station(tmp_path, district, "GUXI")
    try:
        case = register_at(gudong)
        unknown = district.cli("transfer-case", "(2026)无此案号", "--to", "GUXI", "--reason", "测试",
                               check=False)  # fmt: skip
        assert unknown.returncode == 1 and "区级没有案号" in unknown.stderr
        ok(sync_once(gudong))  # the case reaches the district
        done = district.cli("transfer-case", case.case_no, "--to", "鼓西街道", "--reason",
                            "区级统筹：用人单位在鼓西")  # fmt: skip
        assert "下次同步时执行" in done.stdout
        again = district.cli("transfer-case", case.case_no, "--to", "GUXI", "--reason", "重复",
                             check=False)  # fmt: skip
        assert again.returncode == 1 and "已有一个移交" in again.stderr
        result = ok(sync_once(gudong))
        assert any("已按区级决定移交" in n for n in result.notes)
        with gudong.read() as s:
            assert s.get(DisputeCase, case.case_id).status == CaseStatus.TRANSFERRED
        assert ok(sync_once(guxi)).transfers_in == 1
        [row] = transfers.list_incoming(guxi)
        assert row.from_case_no == case.case_no and row.received_on == RECEIVED
        # the receiving station declines it: reason and category reach the district
        transfers.decline(guxi, row.id, "out_of_scope", "经核实用人单位实际经营地在鼓东街道")
        ok(sync_once(guxi))
        [t] = district_rows(district, CaseTransfer)
        assert (t.status, t.decline_category) == ("declined", "out_of_scope")
        assert t.initiated_by == "命令行"
        listing = district.cli("transfers", "--station", "GUXI").stdout
        assert case.case_no in listing and "不予接收" in listing
        ok(sync_once(gudong))
        assert "对方不予接收" in transfers.case_links(gudong, case.case_id).to_text
    finally:
        gudong.close()
        guxi.close()


def post_correction(client, **values):
    data = {
        "csrf_token": csrf(client, "/dashboard/corrections"),
        "station_code": "GUDONG",
        "entity": "dispute_case",
        "field_dispute_case": "facts",
        "message": "事实部分未写明入职时间和拖欠起止月份，请补充",
        "due_on": (TODAY + timedelta(days=7)).isoformat(),
    }
    data.update(values)
    return client.post("/dashboard/corrections", data=data)


def test_a_correction_request_round_trip(district, tmp_path):
    gudong = enrolled_station(tmp_path, district, "GUDONG")
    try:
        case = register_at(gudong)
        ok(sync_once(gudong))
        user(district, "shenhe", "--role", "reviewer")
        with contextlib.closing(login(district, "shenhe")) as client:
            bad = post_correction(client, record=case.case_no, due_on="2020-01-01")
            assert "补正期限不能早于今天" in bad.text
            missing = post_correction(client, record="(2026)无此案号")
            assert "没有这条调解案件记录" in missing.text
            answer = post_correction(client, record=case.case_no)
            assert answer.status_code == 200 and "已退回补正" in answer.text, answer.text[-800:]
            page = client.get("/dashboard/corrections").text
            assert re.search(r'data-station="GUDONG"><td class="name">鼓东街道</td>'
                             r'<td class="open">1</td>', page)  # fmt: skip
            overview = client.get("/dashboard").text
            assert "退回补正待站点补正</a>：\n鼓东街道 1 条" in overview
        got = ok(sync_once(gudong))
        assert got.corrections_new == 1
        with gudong.read() as s:
            [req] = s.scalars(select(StationRequest)).all()
            assert (req.status, req.record_id, req.field_label) == (
                "open", case.case_id, "事实与理由")  # fmt: skip
        # the station's next edit of the case answers it
        with gudong.unit_of_work() as s:
            s.get(
                DisputeCase, case.case_id
            ).facts = "申请人于2024年3月入职，被申请人自2025年12月起至2026年2月拖欠工资。"
        with gudong.read() as s:
            req = s.get(StationRequest, req.id)
            assert req.status == "answered" and req.answer_fields == ["facts"]
        assert ok(sync_once(gudong)).corrections_answered == 1
        [row] = district_rows(district, CorrectionRequest)
        assert row.status == "answered" and row.answer_fields == ["facts"]
        assert row.answered_by == "站长"
        with contextlib.closing(login(district, "shenhe")) as client:
            page = client.get("/dashboard/corrections?status=answered").text
        assert "已补正" in page and "修改了 facts" in page
        assert not re.search(r'<td class="open">1</td>', page)
        # a second sync reports nothing again
        assert ok(sync_once(gudong)).corrections_answered == 0

        # from the command line, on the enterprise (named by its credit code)
        bad = district.cli("request-correction", "--station", "GUDONG", "--kind", "enterprise",
                           "--record", credit_code(), "--field", "nonsense", "--message", "x",
                           "--due", (TODAY + timedelta(days=3)).isoformat(), check=False)  # fmt: skip
        assert bad.returncode == 1 and "请选择要补正的字段" in bad.stderr
        done = district.cli("request-correction", "--station", "GUDONG", "--kind", "enterprise",
                            "--record", credit_code(), "--field", "phone", "--message",
                            "联系电话已停用，请核实", "--due",
                            (TODAY + timedelta(days=3)).isoformat())  # fmt: skip
        assert "福州闽江餐饮管理有限公司 的“电话”" in done.stdout
        assert ok(sync_once(gudong)).corrections_new == 1
        with gudong.unit_of_work() as s:
            firm = s.scalar(select(Enterprise).where(Enterprise.credit_code == credit_code()))
            firm.phone = "0591-87000000"
        assert ok(sync_once(gudong)).corrections_answered == 1
        listing = district.cli("corrections", "--station", "GUDONG").stdout.splitlines()
        assert len(listing) == 2 and all(line.endswith("已补正") for line in listing)
        assert district.cli("corrections", "--open").stdout == ""
    finally:
        gudong.close()


def test_a_viewer_can_create_neither_and_a_reviewer_cannot_transfer(district, tmp_path):
    gudong = enrolled_station(tmp_path, district, "GUDONG")
    try:
        case = register_at(gudong)
        ok(sync_once(gudong))
        user(district, "kanban", "--role", "viewer")
        user(district, "shenhe", "--role", "reviewer")
        with contextlib.closing(login(district, "kanban")) as client:
            page = client.get("/dashboard/corrections").text
            assert 'id="new-correction"' not in page
            assert 'id="order-transfer"' not in client.get("/dashboard/transfers").text
            refused = post_correction(client, record=case.case_no)
            assert refused.status_code == 403 and "不能退回补正" in refused.text
            token = csrf(client, "/dashboard/transfers")
            refused = client.post("/dashboard/transfers", data={
                "csrf_token": token, "case_no": case.case_no, "to_station": "GUXI",
                "reason": "测试"})  # fmt: skip
            assert refused.status_code == 403 and "不能移交案件" in refused.text
        with contextlib.closing(login(district, "shenhe")) as client:
            token = csrf(client, "/dashboard/transfers")
            refused = client.post("/dashboard/transfers", data={
                "csrf_token": token, "case_no": case.case_no, "to_station": "GUXI",
                "reason": "测试"})  # fmt: skip
            assert refused.status_code == 403
        assert district_rows(district, CorrectionRequest) == []
        assert district_rows(district, CaseTransfer) == []
    finally:
        gudong.close()


def test_a_reviewer_limited_to_one_street_sees_nothing_of_another(district, tmp_path):
    gudong = enrolled_station(tmp_path, district, "GUDONG")
    guxi = enrolled_station(tmp_path, district, "GUXI")
    try:
        case = register_at(gudong)
        other = register_at(guxi)
        second = register_at(
            gudong,
            respondent=EnterpriseChoice(
                new=EnterpriseInput(
                    name="福州南街商贸有限公司", credit_code=credit_code("MA2XYB456")
                )
            ),
        )
        transfers.transfer_out(gudong, second.case_id, "NANJIE", "用人单位在南街")
        ok(sync_once(gudong))
        ok(sync_once(guxi))
        user(district, "quzhang")
        with contextlib.closing(login(district, "quzhang")) as client:
            assert "已退回补正" in post_correction(client, record=case.case_no).text
        user(district, "guxi-shenhe", "--role", "reviewer", "--street", "GUXI")
        with contextlib.closing(login(district, "guxi-shenhe")) as client:
            page = client.get("/dashboard/corrections").text
            assert "鼓东街道" not in page and case.case_no not in page
            transfers_page = client.get("/dashboard/transfers").text
            assert "南街街道" not in transfers_page and "没有移交" in transfers_page
            refused = post_correction(client, record=case.case_no)
            assert refused.status_code == 403 and "不属于您负责的街镇" in refused.text
            # its own street works
            mine = post_correction(client, station_code="GUXI", record=other.case_no)
            assert "已退回补正" in mine.text
            page = client.get("/dashboard/corrections").text
            assert "鼓西街道" in page and "鼓东街道" not in page
        # GUDONG's station API never shows GUXI's request
        got = ok(sync_once(gudong))
        assert got.corrections_new == 1
        with gudong.read() as s:
            assert [r.record_label for r in s.scalars(select(StationRequest))] == [case.case_no]
    finally:
        gudong.close()
        guxi.close()


def test_a_malformed_transfer_is_refused_by_the_district(district, tmp_path):
    from app.sync import protocol
    from tests.test_district_applications import station_headers

    gudong = enrolled_station(tmp_path, district, "GUDONG")
    try:
        cred = gudong.get_setting("sync.credential")
        good = {"workers": [{"name": "张伟"}], "claims": [{"dispute_type": "wages"}],
                "employment_status": "ongoing", "received_on": RECEIVED.isoformat()}  # fmt: skip
        url = "/api/v1/transfers/00000000-0000-4000-8000-000000000099/send"
        with district.http() as client:
            for data, why in (
                ({**good, "workers": ["张伟"]}, "申请人格式不正确"),
                ({**good, "claims": []}, "请求事项格式不正确"),
                ({**good, "employment_status": None}, "缺少劳动关系状态"),
                ({**good, "respondent": {"name": {"x": 1}}}, "被申请人格式不正确"),
                ({**good, "files": [{"sha256": "../../etc/passwd"}]}, "附件清单格式不正确"),
            ):
                body = protocol.dumps({"case_no": "(2026)1号", "to_station": "GUXI",
                                       "reason": "测试", "data": data})  # fmt: skip
                answer = client.post(url, content=body, headers=station_headers(cred, body))
                assert answer.status_code == 422 and why in answer.json()["detail"], answer.text
            body = protocol.dumps({"case_no": "(2026)1号", "to_station": "GUDONG",
                                   "reason": "测试", "data": good})  # fmt: skip
            answer = client.post(url, content=body, headers=station_headers(cred, body))
            assert answer.status_code == 422 and "不能移交给本站" in answer.text
        assert district_rows(district, CaseTransfer) == []
    finally:
        gudong.close()


def test_a_district_admin_orders_a_transfer_on_the_dashboard_within_their_streets(
    district, tmp_path
):
    gudong = enrolled_station(tmp_path, district, "GUDONG")
    try:
        case = register_at(gudong)
        ok(sync_once(gudong))
        user(district, "guxi-admin", "--role", "admin", "--street", "GUXI")
        user(district, "quzhang")

        def order(client, **values):
            data = {"csrf_token": csrf(client, "/dashboard/transfers"), "case_no": case.case_no,
                    "to_station": "GUXI", "reason": "用人单位在鼓西街道"}  # fmt: skip
            return client.post("/dashboard/transfers", data={**data, **values})

        with contextlib.closing(login(district, "guxi-admin")) as client:
            # another street's case is not found for a limited admin (nothing of it shown)
            answer = order(client)
            assert answer.status_code == 200 and "区级没有案号" in answer.text
        with contextlib.closing(login(district, "quzhang")) as client:
            assert "请填写移交理由" in order(client, reason=" ").text
            assert "该案件已在这个站点" in order(client, to_station="GUDONG").text
            answer = order(client)
            assert "已决定将案件" in answer.text and 'data-status="ordered"' in answer.text
        [t] = district_rows(district, CaseTransfer)
        assert (t.initiated_by, t.status, t.received_on) == ("quzhang", "ordered", RECEIVED)
        ok(sync_once(gudong))
        with gudong.read() as s:
            assert s.get(DisputeCase, case.case_id).status == CaseStatus.TRANSFERRED
        [t] = district_rows(district, CaseTransfer)
        assert t.status == "sent" and t.data["employment_status"] == "ended"
    finally:
        gudong.close()
