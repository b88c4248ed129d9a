"""Online applications (issue 12) against a real ``labor-district`` process on loopback.

PostgreSQL when it answers at 127.0.0.1:5432, SQLite otherwise (tests/sync_fixtures.py). The
public form is posted as a browser posts it (multipart, the form cookie, the token field);
the stations use their real credentials; the spreadsheet import runs the real command.
"""

from __future__ import annotations

import re
import time
from datetime import date

import httpx
from openpyxl import Workbook
from sqlalchemy import func, select

from app.district.auth import THROTTLES
from app.district.models_work import Application, ApplicationEvidence, AuditEntry, ServerSecret
from app.district.public import FORM_COOKIE, make_form_token
from app.domain.validators import id_check_digit
from app.sync import protocol
from tests.sync_fixtures import *  # noqa: F403
from tests.sync_fixtures import enrolled_station

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def id_number(body17: str = "35010219900307123") -> str:
    return body17 + id_check_digit(body17)


GOOD = {
    "applicant_kind": "worker",
    "applicant_name": "林小明",
    "id_number": id_number(),
    "phone": "13905912345",
    "employer_name": "福州闽江软件科技有限公司",
    "employer_credit_code": "",
    "station_code": "GUDONG",
    "dispute_type": "wages",
    "claims": "支付拖欠的2026年9月至11月工资",
    "amount": "18,000.50",
    "facts": "本人于2025年3月入职，担任软件测试员，单位自9月起未发工资，多次协商未果。",
    "consent": "1",
}


def form_token(server, age: float = 10.0) -> str:
    """A token as the server's own form page issues it, fetched ``age`` seconds ago."""
    engine = server.engine()
    try:
        with engine.connect() as conn:
            key = conn.scalar(select(ServerSecret.value).where(ServerSecret.name == "apply-form"))
    finally:
        engine.dispose()
    return make_form_token(bytes(key), now=time.time() - age)


def post_application(client: httpx.Client, server, values=None, files=None, token=None):
    client.cookies.clear()
    client.get("/apply")  # the form page: sets the secret and a cookie
    token = token or form_token(server)
    client.cookies.clear()
    client.cookies.set(FORM_COOKIE, token)
    data = {**GOOD, **(values or {}), "form_token": token}
    return client.post(
        "/apply", data=data, files=files or [("evidence", ("", b"", "application/octet-stream"))]
    )


def reference_of(response) -> str:
    m = re.search(r'id="reference">([^<]+)<', response.text)
    assert m, response.text[:500]
    return m.group(1)


def status_of(client, reference: str, tail: str) -> httpx.Response:
    return client.post("/apply/status", data={"reference": reference, "id_tail": tail})


def result_text(response) -> str:
    m = re.search(r'<span class="result">([^<]+)</span>', response.text)
    return m.group(1) if m else ""


def count(server, model) -> int:
    engine = server.engine()
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(model))
    finally:
        engine.dispose()


def station_headers(credential: str, body: bytes = b"") -> dict:
    key = protocol.signing_key(protocol.parse_credential(credential)[1])
    return {
        "Authorization": f"Bearer {credential}",
        "Content-Type": "application/json",
        protocol.SIGNATURE_HEADER: protocol.sign(key, body),
    }


def test_an_application_reaches_its_station_is_accepted_and_its_status_follows(district, tmp_path):
    from app.domain.enums import CaseStatus
    from app.store.models import DisputeCase
    from app.sync import sync_once

    gudong = enrolled_station(tmp_path, district, "GUDONG")
    guxi = enrolled_station(tmp_path, district, "GUXI")
    cred_a, cred_b = (st.get_setting("sync.credential") for st in (gudong, guxi))
    try:
        with district.http() as client:
            answer = post_application(
                client,
                district,
                files=[
                    ("evidence", ("劳动合同.pdf", PDF, "application/pdf")),
                    ("evidence", ("工资条 截图.png", PNG, "image/png")),
                ],
            )
            assert answer.status_code == 200, answer.text[:800]
            ref = reference_of(answer)
            assert re.fullmatch(r"WS\d{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", ref)
            tail = GOOD["id_number"][-6:]
            st = status_of(client, ref, tail)
            assert st.status_code == 200 and result_text(st) == "已收到"
            # written as people write it: lower case, full-width, no dashes
            st = status_of(client, ref.lower().replace("-", " "), tail.lower())
            assert result_text(st) == "已收到"
            # a wrong tail and an unknown reference say the same, and show nothing else
            wrong = status_of(client, ref, "000000")
            unknown = status_of(client, "WS2026-AAAA-BBBB", tail)
            assert wrong.status_code == unknown.status_code == 404
            for page in (wrong, unknown, st):
                assert GOOD["applicant_name"] not in page.text
                assert GOOD["employer_name"] not in page.text

            # the station of the chosen street gets it, with its evidence; the other does not
            listed = client.get("/api/v1/applications", headers=station_headers(cred_a))
            assert listed.status_code == 200, listed.text
            listed = listed.json()
            assert [a["reference"] for a in listed] == [ref]
            got = listed[0]
            assert got["applicant_name"] == "林小明" and got["amount"] == "18000.50"
            assert got["received_on"] == date.today().isoformat()
            assert [e["filename"] for e in got["evidence"]] == ["劳动合同.pdf", "工资条 截图.png"]
            pdf = client.get(
                f"/api/v1/applications/{got['id']}/evidence/1", headers=station_headers(cred_a)
            )
            assert pdf.status_code == 200 and pdf.content == PDF
            assert client.get("/api/v1/applications", headers=station_headers(cred_b)).json() == []
            stolen = client.get(
                f"/api/v1/applications/{got['id']}/evidence/1", headers=station_headers(cred_b)
            )
            assert stolen.status_code == 404

            # another station cannot decide it; the right one accepts it (twice: a retry)
            case_no = "(2026)鼓楼鼓东劳调字第0007号"
            body = protocol.dumps({"decision": "accept", "case_no": case_no})
            url = f"/api/v1/applications/{got['id']}/decision"
            assert (
                client.post(url, content=body, headers=station_headers(cred_b, body)).status_code
                == 404
            )
            unsigned = {**station_headers(cred_a, body), protocol.SIGNATURE_HEADER: "0" * 64}
            assert client.post(url, content=body, headers=unsigned).status_code == 400
            for _ in range(2):
                ok = client.post(url, content=body, headers=station_headers(cred_a, body))
                assert ok.status_code == 200 and ok.json()["status"] == "accepted"
            other = protocol.dumps({"decision": "decline", "reason": "不属于受理范围"})
            assert (
                client.post(url, content=other, headers=station_headers(cred_a, other)).status_code
                == 409
            )
            assert client.get("/api/v1/applications", headers=station_headers(cred_a)).json() == []
            assert result_text(status_of(client, ref, tail)) == f"已受理（{case_no}）"

            # the case the station registered reaches the district by the batch sync: 调解中
            with gudong.unit_of_work() as s:
                s.add(
                    DisputeCase(
                        case_no=case_no,
                        case_year=2026,
                        case_seq=7,
                        status=CaseStatus.IN_MEDIATION,
                        intake_channel="online",
                        received_on=date.today(),
                        registered_at=gudong.station.created_at,
                    )
                )
            assert sync_once(gudong).ok
            assert result_text(status_of(client, ref, tail)) == "调解中"
    finally:
        gudong.close()
        guxi.close()


def test_a_declined_application_shows_the_reason(district, tmp_path):
    store = enrolled_station(tmp_path, district, "GUXI")
    cred = store.get_setting("sync.credential")
    store.close()
    with district.http() as client:
        ref = reference_of(post_application(client, district, {"station_code": "GUXI"}))
        got = client.get("/api/v1/applications", headers=station_headers(cred)).json()[0]
        empty = protocol.dumps({"decision": "decline", "reason": " "})
        url = f"/api/v1/applications/{got['id']}/decision"
        refused = client.post(url, content=empty, headers=station_headers(cred, empty))
        assert refused.status_code == 422 and "理由" in refused.json()["detail"]
        body = protocol.dumps({"decision": "decline", "reason": "已超过申请调解的时效"})
        assert (
            client.post(url, content=body, headers=station_headers(cred, body)).status_code == 200
        )
        st = status_of(client, ref, GOOD["id_number"][-6:])
        assert result_text(st) == "不予受理（已超过申请调解的时效）"


BAD = {
    "applicant_kind": ("nobody", "请选择劳动者或用人单位"),
    "applicant_name": ("X", "请填写真实姓名"),
    "id_number": ("350102199003071235", "校验位不符"),
    "phone": ("12345", "手机号码应为11位"),
    "employer_name": ("", "必填"),
    "employer_credit_code": ("91350102MA2XYZ123", "信用代码"),
    "station_code": ("NOWHERE", "请选择工作地所在的街镇"),
    "dispute_type": ("lottery", "请选择争议类型"),
    "claims": ("", "必填"),
    "amount": ("一万元", "请填写数字金额"),
    "facts": ("没发工资", "至少10个字"),
    "consent": ("", "请确认所填内容真实"),
}


def test_the_public_form_refuses_bad_input_field_by_field(district):
    with district.http() as client:
        answer = post_application(client, district, {k: v for k, (v, _m) in BAD.items()})
        assert answer.status_code == 422
        for name, (_value, message) in BAD.items():
            m = re.search(rf'id="{name}-error">([^<]+)<', answer.text)
            assert m and message in m.group(1), (name, m and m.group(1))
        # the form comes back filled in, and nothing is stored
        assert 'value="福州' not in answer.text and 'value="13905' not in answer.text
        assert 'value="12345"' in answer.text
        # one bad field at a time: only that one is named
        for name in ("id_number", "amount", "facts"):
            one = post_application(client, district, {name: BAD[name][0]})
            assert one.status_code == 422
            assert re.findall(r'id="([a-z_]+)-error"', one.text) == [name]
        # an amount with three decimals, a negative one, control characters
        assert "两位小数" in post_application(client, district, {"amount": "1.005"}).text
        assert "负数" in post_application(client, district, {"amount": "-5"}).text
        assert (
            "控制字符" in post_application(client, district, {"employer_name": "福州\x07公司"}).text
        )
    assert count(district, Application) == 0


def test_evidence_is_checked_by_content_and_size(district):
    with district.http() as client:
        fake = post_application(
            client,
            district,
            files=[("evidence", ("合同.pdf", b"MZ\x90\0 not a pdf", "application/pdf"))],
        )
        assert fake.status_code == 422 and "不是PDF、JPG或PNG" in fake.text
        big = post_application(
            client,
            district,
            files=[("evidence", ("大.pdf", PDF + b"\0" * (5 * 1024 * 1024), "application/pdf"))],
        )
        assert big.status_code in (413, 422) and "MB" in big.text
        many = post_application(
            client, district, files=[("evidence", (f"{i}.png", PNG, "image/png")) for i in range(6)]
        )
        assert many.status_code in (413, 422) and "最多" in many.text
        huge = post_application(
            client,
            district,
            files=[("evidence", ("x.pdf", PDF + b"\0" * (9 * 1024 * 1024), "application/pdf"))],
        )
        assert huge.status_code == 413
        assert huge.headers["content-type"].startswith("text/html") and "7MB" in huge.text
    assert count(district, Application) == 0 and count(district, ApplicationEvidence) == 0


def test_csrf_honeypot_and_speed(district):
    with district.http() as client:
        client.get("/apply")
        token = form_token(district)
        # no cookie (a form posted from another site): refused, nothing stored
        bare = httpx.Client(base_url=district.url, verify=district.ssl_context(), trust_env=False)
        with bare:
            forged = bare.post(
                "/apply",
                data={**GOOD, "form_token": token},
                files=[("evidence", ("", b"", "application/octet-stream"))],
            )
        assert forged.status_code == 403 and "页面已过期" in forged.text
        # a token the server did not sign
        client.cookies.set(FORM_COOKIE, "1700000000.abc.0123456789abcdef0123456789abcdef")
        bad = client.post(
            "/apply",
            data={**GOOD, "form_token": "1700000000.abc.0123456789abcdef0123456789abcdef"},
            files=[("evidence", ("", b"", "application/octet-stream"))],
        )
        assert bad.status_code == 403
        # sent within a second of fetching the form: a bot
        client.cookies.clear()
        page = client.get("/apply")
        real = re.search(r'name="form_token" value="([^"]+)"', page.text).group(1)
        fast = client.post(
            "/apply",
            data={**GOOD, "form_token": real},
            files=[("evidence", ("", b"", "application/octet-stream"))],
        )
        assert fast.status_code == 403 and "提交过快" in fast.text
        # the honeypot: answered like a success, stored nowhere
        trapped = post_application(client, district, {"website": "http://spam.example"})
        assert trapped.status_code == 200 and 'id="reference"' not in trapped.text
    assert count(district, Application) == 0


def test_the_public_form_and_status_page_are_rate_limited_per_address(district):
    limit, _ = THROTTLES["apply-addr"]
    with district.http() as client:
        codes = [post_application(client, district).status_code for _ in range(limit + 1)]
        assert codes == [200] * limit + [429]
        refused = post_application(client, district)
        assert refused.status_code == 429 and "次数过多" in refused.text
        assert "Retry-After" in refused.headers
        # mistakes are corrected without running into the limit of stored applications
        tries, _ = THROTTLES["apply-try"]
        assert tries > 3 * limit
        look, _ = THROTTLES["status-addr"]
        answers = [
            status_of(client, "WS2026-AAAA-BBBB", "123456").status_code for _ in range(look + 1)
        ]
        assert answers == [404] * look + [429]
    assert count(district, Application) == limit


def test_pages_are_phone_sized_and_strict():
    from pathlib import Path

    html = (
        Path(__file__).resolve().parent.parent / "app/district/templates/public_base.html"
    ).read_text()
    assert 'name="viewport" content="width=device-width' in html
    assert "<script" not in html


# ------------------------------------------------------------------ the spreadsheet import


def export_workbook(path, rows):
    wb = Workbook()
    ws = wb.active
    ws.title = "申请列表"
    ws.append(["某某网上调解平台 导出"])
    ws.append(["平台编号", "申请时间", "申请人", "身份证号码", "联系电话", "用人单位", "统一社会信用代码",
               "工作地街镇", "纠纷类型", "请求事项", "涉及金额", "事实与理由"])  # fmt: skip
    for row in rows:
        ws.append(row)
    wb.save(path)


def test_import_applications_from_a_platform_export(district, tmp_path):
    good_id = id_number("35010219851111002")
    facts = "单位拖欠两个月工资，经多次催要仍未支付。"
    rows = [
        ["P-0001", date(2026, 11, 30), "王芳", good_id, "13805910001", "福州某餐饮有限公司", "",
         "鼓东街道", "拖欠工资", "支付工资", 9600, facts],
        ["P-0002", "2026/12/01", "陈强", id_number("35010219920101001"), "0591-87001234",
         "福州某物流有限公司", "", "鼓西", "其他", "补签劳动合同", None, facts],
        ["P-0003", "2026-12-01", "张三", "350102199003071235", "13805910003", "某公司", "",
         "鼓东街道", "拖欠工资", "支付工资", 100, facts],
        ["P-0004", "2026-12-01", "李四", good_id, "13805910004", "某某科技有限公司", "",
         "台江区", "拖欠工资", "支付工资", "一百", facts],
        ["P-0001", "2026-12-01", "王芳", good_id, "13805910001", "福州某餐饮有限公司", "",
         "鼓东街道", "拖欠工资", "支付工资", 9600, facts],
        [None, None, None, None, None, None, None, None, None, None, None, None],
        ["P-0005", "2099-01-01", "", good_id, "13805910005", "某某科技有限公司", "",
         "鼓东街道", "拖欠工资", "支付工资", 1, facts],
    ]  # fmt: skip
    path = tmp_path / "平台 导出.xlsx"
    export_workbook(path, rows)
    answer = district.cli("import-applications", str(path), check=False)
    out = answer.stdout
    assert answer.returncode == 3, answer.stderr
    assert "已导入 2 份申请" in out
    assert "分派到鼓东街道：1 份" in out and "分派到鼓西街道：1 份" in out
    # each bad row named by its sheet row and field (the header is row 2, data from row 3)
    assert "第5行 身份证号：身份证号校验位不符" in out
    assert "第6行 街镇：“台江区”不是本区的街镇" in out
    assert "第6行 涉及金额：请填写数字金额" in out
    assert "第7行 平台编号：与第3行重复" in out
    assert "第9行 申请日期：申请日期晚于今天" in out and "第9行 申请人姓名：必填" in out
    engine = district.engine()
    try:
        with engine.connect() as conn:
            stored = conn.execute(
                select(
                    Application.external_ref,
                    Application.station_code,
                    Application.received_on,
                    Application.source,
                ).order_by(Application.external_ref)
            ).all()
            assert stored == [
                ("P-0001", "GUDONG", date(2026, 11, 30), "import"),
                ("P-0002", "GUXI", date(2026, 12, 1), "import"),
            ]
            audit = conn.scalar(
                select(AuditEntry.summary).where(AuditEntry.action == "applications.import")
            )
            assert "导入申请 2 份" in audit
    finally:
        engine.dispose()
    again = district.cli("import-applications", str(path), check=False)
    assert "已导入 0 份申请" in again.stdout and "已导入过、跳过 3 行" in again.stdout
    assert count(district, Application) == 2

    # a file that is not a spreadsheet, and one without the columns
    text = tmp_path / "not.xlsx"
    text.write_text("平台编号,申请人\nP-1,王芳\n", encoding="utf-8")
    answer = district.cli("import-applications", str(text), check=False)
    assert answer.returncode != 0 and "错误" in answer.stdout
    other = tmp_path / "other.xlsx"
    wb = Workbook()
    wb.active.append(["姓名", "年龄"])
    wb.save(other)
    answer = district.cli("import-applications", str(other), check=False)
    assert "没有找到表头" in answer.stdout or "缺少列" in answer.stdout
    assert count(district, Application) == 2


def test_evidence_file_names_are_made_safe():
    from app.district.applications import safe_filename

    assert safe_filename("../../etc/passwd.pdf", "application/pdf") == "passwd.pdf"
    assert safe_filename("C:\\Users\\王\\合同.exe", "image/png") == "合同.png"
    assert safe_filename("", "image/jpeg") == "证据.jpg"
