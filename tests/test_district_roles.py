"""District roles and the audit log (issue 12), against a real ``labor-district`` process.

A viewer cannot change anything; a reviewer limited to one street sees nothing of another
(pages, export, API, applications, their evidence); every action lands in the audit log,
which an admin reads on the dashboard.
"""

from __future__ import annotations

import contextlib
import io
import re

import httpx
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.district.models import Notice, ReferenceEntry
from app.district.models_work import Application, AuditEntry
from tests.sync_fixtures import *  # noqa: F403
from tests.test_district_applications import PDF, post_application, reference_of

PASSWORD = "District-pass-2026"


def login(server, name: str) -> httpx.Client:
    client = server.http(follow_redirects=False)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = client.post("/login", data={"csrf_token": token, "name": name, "password": PASSWORD})
    assert answer.status_code == 303, answer.text[:300]
    return client


def csrf(client: httpx.Client, path: str = "/dashboard/notices") -> str:
    page = client.get(path)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def user(server, name: str, *args: str) -> None:
    server.cli("create-admin", name, *args, env={"LABOR_DISTRICT_PASSWORD": PASSWORD})


def rows(server, model) -> int:
    engine = server.engine()
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(model))
    finally:
        engine.dispose()


def app_ids(server) -> dict[str, str]:
    engine = server.engine()
    try:
        with engine.connect() as conn:
            return dict(conn.execute(select(Application.station_code, Application.id)).all())
    finally:
        engine.dispose()


def two_applications(server) -> dict[str, str]:
    with server.http() as client:
        for street in ("GUDONG", "GUXI"):
            answer = post_application(
                client,
                server,
                {"station_code": street},
                files=[("evidence", ("合同.pdf", PDF, "application/pdf"))],
            )
            reference_of(answer)
    return app_ids(server)


def test_a_viewer_cannot_change_anything(district):
    user(district, "kanban", "--role", "viewer")
    ids = two_applications(district)
    notices, items = rows(district, Notice), rows(district, ReferenceEntry)
    client = login(district, "kanban")
    with contextlib.closing(client):
        page = client.get("/dashboard")
        assert page.status_code == 200 and "查看员" in page.text
        # the forms are not offered ...
        assert "发布到全部站点" not in client.get("/dashboard/notices").text
        assert 'action="/dashboard/reference"' not in client.get("/dashboard/reference").text
        detail = client.get(f"/dashboard/applications/{ids['GUDONG']}")
        assert detail.status_code == 200 and 'id="reroute"' not in detail.text
        # ... and posting them anyway is refused
        token = csrf(client)
        audit_before = rows(district, AuditEntry)
        answers = [
            client.post(
                "/dashboard/notices", data={"csrf_token": token, "title": "t", "body": "b"}
            ),
            client.post(
                "/dashboard/reference",
                data={"csrf_token": token, "kind": "dispute_type", "code": "x", "name": "x"},
            ),
            client.post(
                f"/dashboard/applications/{ids['GUDONG']}/route",
                data={"csrf_token": token, "station_code": "GUXI", "reason": "试图改派"},
            ),
        ]
        assert [a.status_code for a in answers] == [403, 403, 403]
        assert all("查看员" in a.text for a in answers)
        assert client.get("/dashboard/audit").status_code == 403
        assert client.get("/dashboard/users").status_code == 403
    assert rows(district, Notice) == notices and rows(district, ReferenceEntry) == items
    assert app_ids(district) == ids
    assert rows(district, AuditEntry) == audit_before  # nothing happened, nothing to record


def test_a_reviewer_limited_to_one_street_sees_nothing_of_another(district, tmp_path):
    from app.store.models import Enterprise
    from app.sync import sync_once
    from tests.sync_fixtures import enrolled_station

    user(district, "gudong-sh", "--role", "reviewer", "--street", "GUDONG")
    ids = two_applications(district)
    for code, phone in (("GUDONG", "0591-87000001"), ("GUXI", "0591-87000002")):
        store = enrolled_station(tmp_path, district, code)
        with store.unit_of_work() as s:
            s.add(Enterprise(name=f"{code}企业", credit_code="91350102MA2XYZ1234", phone=phone))
        assert sync_once(store).ok
        store.close()
    client = login(district, "gudong-sh")
    with contextlib.closing(client):
        overview = client.get("/dashboard")
        assert "审核员 · 鼓东街道" in overview.text
        assert "网上申请待站点处理" in overview.text and "鼓东街道 1 份" in overview.text
        assert 'data-station="GUDONG"' in overview.text
        assert 'data-station="GUXI"' not in overview.text and "鼓西街道" not in overview.text
        summary = client.get("/api/v1/admin/summary").json()
        assert [r["station_code"] for r in summary] == ["GUDONG"]
        export = client.get("/dashboard/export.xlsx")
        wb = load_workbook(io.BytesIO(export.content))
        cells = " ".join(str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row)
        assert "鼓东街道" in cells and "鼓西街道" not in cells and "0591-87000002" not in cells
        enterprises = client.get("/dashboard/enterprises").text
        assert "0591-87000002" not in enterprises and "GUXI企业" not in enterprises

        listing = client.get("/dashboard/applications").text
        assert 'data-station="GUDONG"' in listing and 'data-station="GUXI"' not in listing
        other = ids["GUXI"]
        assert client.get(f"/dashboard/applications/{other}").status_code == 404
        assert client.get(f"/dashboard/applications/{other}/evidence/1").status_code == 404
        mine = client.get(f"/dashboard/applications/{ids['GUDONG']}/evidence/1")
        assert mine.status_code == 200 and mine.content == PDF
        token = csrf(client)
        stolen = client.post(
            f"/dashboard/applications/{other}/route",
            data={"csrf_token": token, "station_code": "GUDONG", "reason": "改到本街道"},
        )
        assert stolen.status_code == 404
        # a reviewer re-routes, but only within their streets; the audit log is an admin's
        away = client.post(
            f"/dashboard/applications/{ids['GUDONG']}/route",
            data={"csrf_token": token, "station_code": "GUXI", "reason": "用人单位在鼓西"},
        )
        assert away.status_code == 403 and "负责的街镇" in away.text
        assert client.get("/dashboard/audit").status_code == 403
        # a reviewer publishes notices
        ok = client.post(
            "/dashboard/notices", data={"csrf_token": token, "title": "工作提示", "body": "请核实"}
        )
        assert ok.status_code == 200 and "通知已发布" in ok.text
    assert app_ids(district) == ids


def test_every_admin_action_is_in_the_audit_log(district):
    user(district, "quju")
    district.cli("set-role", "quju", "admin")
    user(district, "kanban", "--role", "viewer", "--street", "鼓东街道")
    ids = two_applications(district)
    client = login(district, "quju")
    with contextlib.closing(client):
        token = csrf(client)
        moved = client.post(
            f"/dashboard/applications/{ids['GUXI']}/route",
            data={"csrf_token": token, "station_code": "GUDONG", "reason": "用人单位注册地在鼓东"},
        )
        assert moved.status_code == 200 and "已改派到鼓东街道" in moved.text
        empty = client.post(
            f"/dashboard/applications/{ids['GUXI']}/route",
            data={"csrf_token": token, "station_code": "GUXI", "reason": ""},
        )
        assert "改派理由" in empty.text
        client.post(
            "/dashboard/reference",
            data={"csrf_token": token, "kind": "dispute_type", "code": "fraud", "name": "欺诈"},
        )
        client.get(f"/dashboard/applications/{ids['GUXI']}/evidence/1")
        page = client.get("/dashboard/audit")
        assert page.status_code == 200
        text = page.text
        for words in (
            "改派网上申请",
            "由鼓西街道改派到鼓东街道（改入鼓东街道）：用人单位注册地在鼓东",
            "（改出鼓西街道）",
            "查看申请",
            "修改代码表",
            "欺诈",
            "下载申请证据",
            "设置区级用户",
            "查看员，鼓东街道",
            "登录",
        ):
            assert words in text, words
        assert "命令行" in text and "quju" in text
        # filtered by action and by record
        only = client.get("/dashboard/audit", params={"action": "application.reroute"}).text
        assert only.count('data-action="application.reroute"') == 2  # both streets' entries
        assert 'data-action="reference.save"' not in only
        assert "用人单位注册地在鼓东" in only
        bad = client.get("/dashboard/audit", params={"since": "12/01/2026"})
        assert "日期应写成" in bad.text
        nul = client.get("/dashboard/audit", params={"actor": "quju\x00", "target": "\x00"})
        assert nul.status_code == 200 and "控制字符" in nul.text
        users = client.get("/dashboard/users").text
        assert 'data-user="kanban"' in users and "查看员" in users and "鼓东街道" in users
        client.post("/logout", data={"csrf_token": token})
    # the applicant's data is not in the log
    engine = district.engine()
    try:
        with engine.connect() as conn:
            summaries = " ".join(conn.scalars(select(AuditEntry.summary)))
    finally:
        engine.dispose()
    assert "林小明" not in summaries and "13905912345" not in summaries
    assert "退出登录" in summaries


def test_a_role_change_takes_effect_at_the_next_request(district):
    user(district, "quju")
    client = login(district, "quju")
    with contextlib.closing(client):
        assert "发布到全部站点" in client.get("/dashboard/notices").text
        district.cli("set-role", "quju", "viewer")
        assert "发布到全部站点" not in client.get("/dashboard/notices").text
        token = csrf(client)
        refused = client.post(
            "/dashboard/notices", data={"csrf_token": token, "title": "t", "body": "b"}
        )
        assert refused.status_code == 403
    bad = district.cli("set-role", "quju", "viewer", "--street", "NOWHERE", check=False)
    assert bad.returncode == 1 and "未知的街镇" in bad.stderr


def test_control_characters_in_a_login_or_a_lookup_get_no_server_error(district):
    with district.http(follow_redirects=False) as client:
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        answer = client.post(
            "/login", data={"csrf_token": token, "name": "quju\x00", "password": "x\x00y"}
        )
        assert answer.status_code == 401 and "用户名或密码不正确" in answer.text
        lookup = client.post("/apply/status", data={"reference": "WS2026\x00A", "id_tail": "1\x00"})
        assert lookup.status_code < 500
    engine = district.engine()
    try:
        with engine.connect() as conn:
            actors = list(conn.scalars(select(AuditEntry.actor)))
    finally:
        engine.dispose()
    assert actors == ["quju"]  # the failed login, its NUL made a space and stripped


def test_a_disabled_user_is_logged_out_at_once(district):
    user(district, "quju")
    client = login(district, "quju")
    with contextlib.closing(client):
        assert client.get("/dashboard").status_code == 200
        district.cli("disable-admin", "quju")
        assert client.get("/dashboard").status_code == 303
        assert client.get("/api/v1/admin/summary").status_code == 401
    engine = district.engine()
    try:
        with engine.connect() as conn:
            summary = conn.scalar(
                select(AuditEntry.summary).where(AuditEntry.action == "admin.disable")
            )
    finally:
        engine.dispose()
    assert summary == "停用区级用户 quju"
