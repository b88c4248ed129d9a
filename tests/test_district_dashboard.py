"""The district dashboard in a real headless Chromium (Debian's), driven by Playwright."""

from __future__ import annotations

import os
import shutil
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.domain.enums import (
    ActivityKind,
    AgreementStatus,
    CaseStatus,
    FindingStatus,
    TeamRole,
    TermKind,
)
from app.store.models import (
    Activity,
    AgreementTerm,
    DisputeCase,
    DistrictNotice,
    Enterprise,
    EnterpriseVisit,
    Finding,
    MediationAgreement,
    PerformanceRecord,
    TeamMember,
)
from app.sync import sync_once
from tests.sync_fixtures import *  # noqa: F403

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ADMIN_PASSWORD = "District-pass-2026"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="no Debian chromium at /usr/bin/chromium"
    ),
]


def fill_station(store, today: date, credit_code: str, phone: str) -> None:
    """Cases in each outcome, payments, visits, open problems and three of the five "one"."""
    year = today.year
    with store.unit_of_work() as s:
        ent = Enterprise(
            name="福州闽江软件科技有限公司", credit_code=credit_code, phone=phone, employee_count=80
        )
        s.add(ent)
        n = 0

        def case(status, received, **kw):
            nonlocal n
            n += 1
            c = DisputeCase(
                case_no=f"({year})鼓楼{store.station.short_name}劳调字第{n:04d}号",
                case_year=year,
                case_seq=n,
                status=status,
                intake_channel="walk_in",
                received_on=received,
                registered_at=store.station.created_at,
                respondent_id=ent.id,
                **kw,
            )
            s.add(c)
            return c

        won = case(CaseStatus.PERFORMING, today - timedelta(days=5))
        agreement = MediationAgreement(
            case_id=won.id, status=AgreementStatus.SIGNED, signed_on=today
        )
        term = AgreementTerm(
            agreement_id=agreement.id,
            seq=1,
            kind=TermKind.PAYMENT,
            description="拖欠工资",
            amount=Decimal("18000.00"),
            due_on=today,
        )
        s.add_all(
            [
                agreement,
                term,
                PerformanceRecord(term_id=term.id, performed_on=today, amount=Decimal("12000.50")),
            ]
        )
        case(CaseStatus.AGREEMENT_REACHED, today - timedelta(days=3))
        case(CaseStatus.FAILED, today - timedelta(days=2))
        case(CaseStatus.IN_MEDIATION, today - timedelta(days=40))  # past its 15 days: overdue
        case(CaseStatus.REGISTERED, today)
        visit = EnterpriseVisit(enterprise_id=ent.id, visited_on=today)
        s.add(visit)
        s.add(
            Finding(
                enterprise_id=ent.id,
                visit_id=visit.id,
                category="labor_contract",
                description="未签订书面劳动合同",
                status=FindingStatus.OPEN,
            )
        )
        s.add(TeamMember(name="林协调", role=TeamRole.SERVICE_STAFF))
        for kind in (ActivityKind.EXPERT_LECTURE, ActivityKind.PARK_TOUR):
            s.add(Activity(kind=kind, year=year, title=kind.label, held_on=today))


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def login(page, server, password=ADMIN_PASSWORD):
    page.goto(server.url + "/dashboard")
    assert page.url.endswith("/login")
    page.fill("#name", "quju")
    page.fill("#password", password)
    page.click("button[type=submit]")


def test_dashboard_compares_stations_and_exports(district, station_a, station_b, browser, tmp_path):
    today = date.today()
    district.cli("create-admin", "quju", env={"LABOR_DISTRICT_PASSWORD": ADMIN_PASSWORD})
    fill_station(station_a, today, "91350102MA2XYZ1234", "0591-87000001")
    fill_station(
        station_b, today, "91350102MA2XYZ1234", "0591-87000002"
    )  # same enterprise, other phone
    assert sync_once(station_a).ok and sync_once(station_b).ok
    # GUDONG's last sync is old: it should stand out
    engine = district.engine()
    with engine.begin() as conn:
        from sqlalchemy import update

        from app.district.models import DistrictStation

        conn.execute(
            update(DistrictStation).where(DistrictStation.code == "GUXI").values(last_sync_at=None)
        )
    engine.dispose()

    context = browser.new_context(
        ignore_https_errors=True,
        accept_downloads=True,
        locale="zh-CN",
        viewport={"width": 1500, "height": 1100},
    )
    page = context.new_page()
    login(page, district, password="wrong-password-1")
    assert "用户名或密码不正确" in page.inner_text(".error")
    login(page, district)
    page.wait_for_url("**/dashboard")

    row = page.locator("tr[data-station=GUDONG]")
    cells = row.locator("td").all_inner_texts()
    assert cells[0] == "鼓东街道"
    # cases 5; success 2 (signed agreement, agreement reached); failed 1; rate 66.7%; overdue 1
    assert cells[1:6] == ["5", "2", "1", "66.7%", "1"]
    assert cells[6] == "12,000.50" and cells[7] == "1" and cells[8] == "1"
    assert cells[-2] == "3/5"  # work team, lecture, park tour
    assert "stale" not in (row.get_attribute("class") or "")
    stale = page.locator("tr[data-station=GUXI]")
    assert "stale" in stale.get_attribute("class")
    assert "未同步" in stale.inner_text()
    assert page.locator("svg.chart").count() == 4
    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    if os.environ.get("LABOR_DOCS_SCREENSHOTS"):
        shutil.copyfile(shot, Path(os.environ["LABOR_DOCS_SCREENSHOTS"]) / "district-dashboard.png")

    with page.expect_download() as info:
        page.click("#export")
    path = tmp_path / "export.xlsx"
    info.value.save_as(path)
    wb = load_workbook(path)
    ws = wb[f"{today.year}年街镇对比"]
    values = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert values["鼓东街道"][2:7] == (5, 2, 1, pytest.approx(2 / 3), 1)
    assert values["鼓西街道"][12] == "超过期限未同步"
    assert values["全区合计"][2] == 10
    conflicts = list(wb["企业信息冲突"].iter_rows(min_row=2, values_only=True))
    assert any(r[0] == "91350102MA2XYZ1234" and r[2] == "电话" for r in conflicts)

    page.click("text=企业合并视图")
    assert "0591-87000001" in page.inner_text("#enterprises")
    assert "电话" in page.inner_text("#enterprises")

    # publish a notice through the form; a forged POST without the page's token is refused
    page.click("text=通知公告")
    page.fill("#title", "关于开展要约行动月的通知")
    page.fill("#body", "请各站点组织辖区企业开展集体协商要约。")
    page.click("button.primary")
    assert "通知已发布" in page.inner_text(".message")
    forged = page.request.post(
        district.url + "/dashboard/notices",
        form={"title": "伪造", "body": "伪造"},
        fail_on_status_code=False,
    )
    assert forged.status == 403
    assert sync_once(station_a).ok
    with station_a.read() as s:
        from sqlalchemy import select

        assert "关于开展要约行动月的通知" in list(s.scalars(select(DistrictNotice.title)))

    # logged out: the pages and the export are closed again
    page.goto(district.url + "/dashboard")
    page.click("header button")
    page.wait_for_url("**/login")
    response = page.request.get(district.url + "/dashboard/export.xlsx", max_redirects=0)
    assert response.status == 303
    context.close()
