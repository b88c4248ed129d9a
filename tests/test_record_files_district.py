"""A station record's attachments on the district dashboard (issue 11, "attachments travel"),
against a real ``labor-district`` process on loopback: stations upload their attachments at
sync; a district admin lists a record's files and downloads them byte for byte, each download
in the district's audit log; reviewers and viewers are refused; a street-limited admin does not
find another street's record."""

from __future__ import annotations

import contextlib
import random
from urllib.parse import quote

import pytest
from sqlalchemy import select

from app.district.models_work import AuditEntry
from app.district.record_files import content_disposition
from app.store.attachments import NewAttachment, add_attachment
from app.store.models import DisputeCase
from app.sync import sync_once
from app.sync.run import _waiting
from tests.sync_fixtures import *  # noqa: F403
from tests.test_district_roles import login, user
from tests.test_station_audit_district import _case

pytestmark = pytest.mark.slow

FILES = "/dashboard/station-audit/record/files"


def _pdf(n: int, size: int) -> bytes:
    return b"%PDF-1.4\n%" + f"签字协议{n}".encode() + random.Random(n).randbytes(size)


def _jpeg(n: int, size: int) -> bytes:
    return b"\xff\xd8\xff\xe0" + f"走访照片{n}".encode() + random.Random(n).randbytes(size)


def _attach(store, case_id: str, name: str, content: bytes) -> str:
    with store.unit_of_work() as s:
        return add_attachment(s, "dispute_case", case_id, NewAttachment(name, content)).id


def _audit(server, action: str) -> list[tuple]:
    engine = server.engine()
    try:
        with engine.connect() as conn:
            return conn.execute(
                select(AuditEntry.actor, AuditEntry.target_id, AuditEntry.station_code,
                       AuditEntry.summary)
                .where(AuditEntry.action == action).order_by(AuditEntry.id)
            ).all()  # fmt: skip
    finally:
        engine.dispose()


def test_admin_lists_and_downloads_a_records_attachments(district, station_a, station_b):
    case_id = _case(station_a, 1)
    agreement = _pdf(1, 300_000)
    photo = _jpeg(2, 5 * 1024 * 1024)  # two upload parts
    agreement_id = _attach(station_a, case_id, "张伟 调解协议（签字版）.pdf", agreement)
    photo_id = _attach(station_a, case_id, "现场照片.jpg", photo)
    first = sync_once(station_a)
    assert first.ok and first.blobs_up == 2, first.summary()
    # a third file whose record reached the district but whose content did not: the sync was
    # cancelled once the records were sent, before the files went up
    late_id = _attach(station_a, case_id, "补充材料.jpg", _jpeg(3, 10_000))
    cut = sync_once(station_a, cancel=lambda: _waiting(station_a) == 0)
    assert not cut.ok and cut.blobs_up == 0 and "已取消" in cut.problem
    guxi_case = _case(station_b, 2)
    guxi_file = _attach(station_b, guxi_case, "古西.pdf", _pdf(4, 1000))
    assert sync_once(station_b).ok
    with station_a.read() as s:
        case_no = s.get(DisputeCase, case_id).case_no

    user(district, "guanli", "--role", "admin")
    user(district, "gxguanli", "--role", "admin", "--street", "GUXI")
    user(district, "shenhe", "--role", "reviewer")
    user(district, "kanban", "--role", "viewer")
    gudong = {"station": "GUDONG", "entity": "dispute_case", "id": case_id}

    admin = login(district, "guanli")
    with contextlib.closing(admin):
        history = admin.get("/dashboard/station-audit/record", params=gudong)
        assert history.status_code == 200 and 'id="record-files-link"' in history.text
        page = admin.get(FILES, params=gudong)
        assert page.status_code == 200, page.text[:300]
        text = page.text
        assert case_no in text and "调解案件" in text
        assert "张伟 调解协议（签字版）.pdf" in text and "现场照片.jpg" in text
        assert "补充材料.jpg" in text
        assert "PDF文档" in text and "JPEG图片" in text and "5.0 MB" in text
        assert "校验码" in text
        import hashlib

        for content in (agreement, photo):
            assert hashlib.sha256(content).hexdigest() in text
        assert text.count("已上传</span>") == 2 and text.count("尚未上传</span>") == 1
        assert "有 1 个附件的内容站点尚未上传" in text
        assert "古西.pdf" not in text
        assert f"{FILES}/{agreement_id}?" in text and f"{FILES}/{late_id}?" not in text

        got = admin.get(f"{FILES}/{agreement_id}", params=gudong)
        assert got.status_code == 200
        assert got.content == agreement  # byte-identical, decrypted on the fly
        assert got.headers["content-type"] == "application/pdf"
        assert got.headers["cache-control"] == "no-store"
        disposition = got.headers["content-disposition"]
        assert disposition.startswith("attachment; ")
        assert f"filename*=UTF-8''{quote('张伟 调解协议（签字版）.pdf', safe='')}" in disposition
        got = admin.get(f"{FILES}/{photo_id}", params=gudong)
        assert got.status_code == 200 and got.content == photo
        assert got.headers["content-type"] == "image/jpeg"
        # a file still missing at the district, another record's file, an unknown record
        missing = admin.get(f"{FILES}/{late_id}", params=gudong)
        assert missing.status_code == 404 and "尚未把这个附件的内容上传" in missing.json()["detail"]
        assert admin.get(f"{FILES}/{guxi_file}", params=gudong).status_code == 404
        unknown = dict(gudong, id=guxi_case)
        assert admin.get(FILES, params=unknown).status_code == 404

    # reviewers and viewers: refused, and the history page does not offer the link
    for name in ("shenhe", "kanban"):
        other = login(district, name)
        with contextlib.closing(other):
            refused = other.get(FILES, params=gudong)
            assert refused.status_code == 403 and "仅限区级管理员" in refused.text
            assert other.get(f"{FILES}/{agreement_id}", params=gudong).status_code == 403
            if name == "shenhe":
                page = other.get("/dashboard/station-audit/record", params=gudong)
                assert page.status_code == 200 and "record-files-link" not in page.text

    # a street-limited admin: another street's record is not found, as one that does not exist
    limited = login(district, "gxguanli")
    with contextlib.closing(limited):
        other = limited.get(FILES, params=gudong)
        nowhere = limited.get(FILES, params={"station": "GUXI", "entity": "dispute_case",
                                             "id": case_id})  # fmt: skip
        assert other.status_code == nowhere.status_code == 404 and other.text == nowhere.text
        assert limited.get(f"{FILES}/{agreement_id}", params=gudong).status_code == 404
        own = {"station": "GUXI", "entity": "dispute_case", "id": guxi_case}
        assert limited.get(FILES, params=own).status_code == 200
        assert limited.get(f"{FILES}/{guxi_file}", params=own).content == _pdf(4, 1000)

    # every download is in the district's audit log (the file's kind, never its name)
    downloads = _audit(district, "record.file")
    assert [(a, t, st) for a, t, st, _ in downloads] == [
        ("guanli", agreement_id, "GUDONG"), ("guanli", photo_id, "GUDONG"),
        ("gxguanli", guxi_file, "GUXI"),
    ]  # fmt: skip
    assert "PDF文档" in downloads[0][3] and case_no in downloads[0][3]
    assert all("张伟" not in summary and ".pdf" not in summary for *_, summary in downloads)
    looks = _audit(district, "record.files")
    assert [(a, t) for a, t, _st, _s in looks] == [("guanli", case_id), ("gxguanli", guxi_case)]


def test_content_disposition_keeps_chinese_names_and_cannot_break_the_header():
    header = content_disposition("张伟 协议.pdf")
    assert header == (
        "attachment; filename=\"attachment.pdf\"; filename*=UTF-8''%E5%BC%A0%E4%BC%9F%20%E5%8D%8F%E8%AE%AE.pdf"
    )
    hostile = content_disposition('a"b;\r\nSet-Cookie: x=1.jpg')
    assert "\r" not in hostile and "\n" not in hostile
    assert hostile.split("filename=", 1)[1].count('"') == 2
    assert content_disposition("scan.PDF").startswith('attachment; filename="scan.PDF"')


def test_a_visits_list_holds_its_findings_photos(district, station_a):
    from datetime import date

    from app.domain.enums import FindingStatus
    from app.store.models import Enterprise, EnterpriseVisit, Finding

    with station_a.unit_of_work() as s:
        firm = Enterprise(name="福州冶山科技有限公司", employee_count=10)
        s.add(firm)
        s.flush()
        visit = EnterpriseVisit(enterprise_id=firm.id, visited_on=date(2026, 11, 3))
        s.add(visit)
        s.flush()
        finding = Finding(enterprise_id=firm.id, visit_id=visit.id, category="labor_contract",
                          description="未签订书面劳动合同", status=FindingStatus.OPEN)  # fmt: skip
        s.add(finding)
        s.flush()
        photo = _jpeg(7, 20_000)
        on_visit = add_attachment(s, "enterprise_visit", visit.id,
                                  NewAttachment("走访签到表.jpg", photo)).id  # fmt: skip
        on_finding = add_attachment(s, "finding", finding.id,
                                    NewAttachment("未签合同现场.jpg", _jpeg(8, 9_000))).id  # fmt: skip
        add_attachment(s, "enterprise", firm.id, NewAttachment("营业执照.jpg", _jpeg(9, 5_000)))
        visit_id, finding_id = visit.id, finding.id
    assert sync_once(station_a).ok
    user(district, "guanli", "--role", "admin")
    admin = login(district, "guanli")
    with contextlib.closing(admin):
        where = {"station": "GUDONG", "entity": "enterprise_visit", "id": visit_id}
        page = admin.get(FILES, params=where)
        assert page.status_code == 200
        assert "2026-11-03 走访" in page.text
        assert "走访签到表.jpg" in page.text and "未签合同现场.jpg" in page.text
        assert f"问题台账（{finding_id[:8]}）" in page.text
        assert "营业执照.jpg" not in page.text  # the enterprise's own file, not the visit's
        got = admin.get(f"{FILES}/{on_visit}", params=where)
        assert got.status_code == 200 and got.content == photo
        assert admin.get(f"{FILES}/{on_finding}", params=where).status_code == 200
        firm_page = admin.get(FILES, params={"station": "GUDONG", "entity": "enterprise",
                                             "id": firm.id})  # fmt: skip
        assert "营业执照.jpg" in firm_page.text and "走访签到表.jpg" not in firm_page.text
    assert [t for _a, t, _st, _s in _audit(district, "record.file")] == [on_visit, on_finding]
    # a damaged file at the district: a clear answer, nothing served, nothing logged
    import hashlib

    stored = district.blob_dir / "blobs" / "GUDONG" / hashlib.sha256(photo).hexdigest()
    damaged = bytearray(stored.read_bytes())
    damaged[-1] ^= 0xFF
    stored.write_bytes(bytes(damaged))
    admin = login(district, "guanli")
    with contextlib.closing(admin):
        broken = admin.get(f"{FILES}/{on_visit}", params=where)
        assert broken.status_code == 500 and "无法解密" in broken.json()["detail"]
    assert len(_audit(district, "record.file")) == 2
