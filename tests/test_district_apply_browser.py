"""The public application form and status page in a real headless Chromium (Playwright), on a
375-px-wide phone viewport and on a desktop one, against a real server process.

``LABOR_DOCS_SCREENSHOTS=docs`` copies the screenshots into docs/.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.sync_fixtures import *  # noqa: F403
from tests.test_district_applications import GOOD, PDF
from tests.test_district_dashboard import CHROMIUM, CHROMIUM_ARGS

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="no Debian chromium at /usr/bin/chromium"
    ),
]

PHONE = {"width": 375, "height": 740}


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def keep(path: Path, name: str) -> None:
    target = os.environ.get("LABOR_DOCS_SCREENSHOTS")
    if target:
        shutil.copyfile(path, Path(target) / name)


def fill(page, values: dict) -> None:
    page.check(f"input[name=applicant_kind][value={values['applicant_kind']}]")
    for name in ("applicant_name", "id_number", "phone", "employer_name", "amount"):
        page.fill(f"#{name}", values[name])
    page.select_option("#station_code", values["station_code"])
    page.select_option("#dispute_type", values["dispute_type"])
    page.fill("#claims", values["claims"])
    page.fill("#facts", values["facts"])
    if values.get("consent") == "1":
        page.check("input[name=consent]")


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_apply_on_a_phone_and_follow_the_status(district, browser, tmp_path):
    context = browser.new_context(
        ignore_https_errors=True,
        locale="zh-CN",
        viewport=PHONE,
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.goto(district.url + "/apply")
    assert no_horizontal_scroll(page)
    # the honeypot is not seen (off screen) and the page runs no script
    box = page.locator("#website").bounding_box()
    assert box is None or box["x"] < 0
    shot = tmp_path / "apply-phone.png"
    page.screenshot(path=str(shot), full_page=True)
    keep(shot, "district-apply-phone.png")

    # bad input: each field says what is wrong, next to it
    fill(page, {**GOOD, "id_number": "35010219900307123X", "phone": "12345", "facts": "太短"})
    page.wait_for_timeout(3200)  # a person takes longer than the form's minimum
    page.click("button.primary")
    assert "校验位不符" in page.inner_text("#id_number-error")
    assert "手机号码应为11位" in page.inner_text("#phone-error")
    assert "至少10个字" in page.inner_text("#facts-error")
    assert page.locator(".field-error").count() == 3
    assert page.input_value("#employer_name") == GOOD["employer_name"]  # kept
    assert no_horizontal_scroll(page)
    shot = tmp_path / "apply-errors.png"
    page.screenshot(path=str(shot), full_page=True)
    keep(shot, "district-apply-errors-phone.png")

    # corrected, with a PDF attached
    evidence = tmp_path / "劳动合同.pdf"
    evidence.write_bytes(PDF)
    page.fill("#id_number", GOOD["id_number"])
    page.fill("#phone", GOOD["phone"])
    page.fill("#facts", GOOD["facts"])
    if not page.is_checked("input[name=consent]"):
        page.check("input[name=consent]")
    page.set_input_files("#evidence", str(evidence))
    page.wait_for_timeout(3200)
    page.click("button.primary")
    reference = page.inner_text("#reference").strip()
    assert reference.startswith("WS")
    shot = tmp_path / "apply-done.png"
    page.screenshot(path=str(shot), full_page=True)
    keep(shot, "district-apply-done-phone.png")

    page.click("text=查询办理进度")
    page.fill("#reference", reference)
    page.fill("#id_tail", GOOD["id_number"][-6:])
    page.click("button.primary")
    assert "已收到" in page.inner_text("#status-result")
    assert GOOD["applicant_name"] not in page.content()
    assert no_horizontal_scroll(page)
    shot = tmp_path / "status.png"
    page.screenshot(path=str(shot), full_page=True)
    keep(shot, "district-apply-status-phone.png")

    page.fill("#reference", reference)
    page.fill("#id_tail", "000000")
    page.click("button.primary")
    assert "没有找到" in page.inner_text("#form-message")
    context.close()


def test_the_form_on_a_desktop_browser(district, browser, tmp_path):
    context = browser.new_context(
        ignore_https_errors=True, locale="zh-CN", viewport={"width": 1366, "height": 728}
    )
    page = context.new_page()
    page.goto(district.url + "/apply")
    assert page.locator("form").bounding_box()["width"] <= 720
    shot = tmp_path / "apply-desktop.png"
    page.screenshot(path=str(shot), full_page=False)
    keep(shot, "district-apply-desktop.png")
    context.close()


def test_reroute_in_the_dashboard_and_read_the_audit_log(district, browser, tmp_path):
    from tests.test_district_applications import post_application, reference_of

    password = "District-pass-2026"
    district.cli("create-admin", "quju", env={"LABOR_DISTRICT_PASSWORD": password})
    with district.http() as client:
        ref = reference_of(post_application(client, district, {"station_code": "GUXI"}))
    context = browser.new_context(
        ignore_https_errors=True, locale="zh-CN", viewport={"width": 1366, "height": 728}
    )
    page = context.new_page()
    page.goto(district.url + "/dashboard")
    page.fill("#name", "quju")
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard")
    page.click("text=网上申请")
    row = page.locator(f"tr[data-reference='{ref}']")
    assert "鼓西街道" in row.inner_text() and "已收到" in row.inner_text()
    shot = tmp_path / "applications.png"
    page.screenshot(path=str(shot))
    keep(shot, "district-applications.png")
    row.locator("a").click()
    assert "鼓西街道" in page.inner_text("#app-station")
    assert GOOD["id_number"] not in page.content()  # masked on the page
    page.select_option("#station_code", "GUDONG")
    page.fill("#reason", "用人单位注册地在鼓东街道")
    page.click("#reroute")
    assert "已改派到鼓东街道" in page.inner_text(".message")
    assert "鼓东街道" in page.inner_text("#app-station")
    page.click("text=操作记录")
    first = page.locator("#audit tbody tr").first
    assert "改派网上申请" in first.inner_text() and ref in first.inner_text()
    assert "quju" in first.inner_text()
    assert "查看申请详情" in page.inner_text("#audit")
    shot = tmp_path / "audit.png"
    page.screenshot(path=str(shot))
    keep(shot, "district-audit.png")
    context.close()
