"""The dashboard in a real Chromium, on a 375 px phone and a desktop, as county admin and as
town admin: the charts are drawn (ECharts, served by the platform), a chart switches to its
table and back, the figures download as Excel and the yearly report as a PDF; nothing leaves
the server, nothing breaks the Content-Security-Policy, nothing scrolls sideways."""

import re
import subprocess

import pytest
from openpyxl import load_workbook

from core.tests.browser import ARTIFACTS, CspWatch, Offline, assert_fits_phone, chromium, log_in

pytestmark = [pytest.mark.browser, pytest.mark.pdf]


def test_admins_read_their_dashboard_on_a_phone_and_a_desktop(
    live_server, transactional_db, allow_orm_beside_playwright, tmp_path
):
    from playwright.sync_api import expect

    from core.tests.factories import PASSWORD, build_world

    from .history import build_history

    world = build_world()
    build_history(world)
    base = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium() as browser:
        offline = Offline(base)
        for who, area in (("county_admin", "甲县"), ("town_admin", "东镇")):
            for label, make in (("phone", offline.phone), ("desktop", offline.context)):
                context = make(browser, accept_downloads=True, locale="zh-CN")
                csp = CspWatch(context)
                page = offline.watch(context.new_page())
                log_in(page, base, getattr(world, who).username, PASSWORD)
                # The home page of an admin is the dashboard: its charts are drawn.
                expect(page.get_by_test_id("headline")).to_be_visible()
                trend = page.get_by_test_id("chart-trend")
                expect(trend.locator(".chart-canvas canvas")).to_have_count(1)
                expect(trend.get_by_test_id("table-trend")).to_be_hidden()
                # With the appraisal's grades and the nominations by channel.
                assert page.locator("section.chart .chart-canvas canvas").count() == 13
                if label == "phone":
                    assert_fits_phone(page)
                page.screenshot(
                    path=str(ARTIFACTS / f"dashboard-{who}-{label}.png"), full_page=True
                )

                # One click shows the chart's table instead, another the chart again.
                toggle = page.get_by_test_id("toggle-trend")
                toggle.click()
                expect(trend.get_by_test_id("table-trend")).to_be_visible()
                expect(trend.locator(".chart-canvas")).to_be_hidden()
                expect(toggle).to_have_text("图表")
                toggle.click()
                expect(trend.locator(".chart-canvas")).to_be_visible()
                expect(toggle).to_have_text("表格")
                selection = page.get_by_test_id("chart-selection")
                page.get_by_test_id("toggle-selection").click()
                expect(selection.get_by_test_id("table-selection")).to_contain_text("自荐")

                # A preset period, then the figures as a workbook.
                page.get_by_role("link", name="近12个月").click()
                expect(page.get_by_test_id("chart-trend").locator("canvas")).to_have_count(1)
                with page.expect_download() as download:
                    page.get_by_test_id("dashboard-xlsx").click()
                path = tmp_path / f"figures-{who}-{label}.xlsx"
                download.value.save_as(path)
                workbook = load_workbook(path)
                assert "逐月趋势" in workbook.sheetnames
                assert workbook["逐月趋势"]["A1"].value.startswith(area)

                # The yearly report, printable and as a PDF.
                page.get_by_test_id("year-report").click()
                expect(page.get_by_test_id("year-report")).to_contain_text(f"{area}")
                if label == "phone":
                    assert_fits_phone(page)
                with page.expect_download() as download:
                    page.get_by_test_id("report-pdf").click()
                pdf = tmp_path / f"report-{who}-{label}.pdf"
                download.value.save_as(pdf)
                text = subprocess.run(
                    ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True,
                    text=True,
                ).stdout  # fmt: skip
                sessions = page.locator("[data-testid=headline-this]").nth(1).inner_text()
                assert re.search(rf"授课场次\s+{sessions}\s", text), text
                assert f"{area}" in text and "党员教育讲师工作报告" in text
                csp.assert_clean()
                context.close()
        offline.assert_clean()


def test_the_tables_are_there_without_javascript(
    live_server, transactional_db, allow_orm_beside_playwright
):
    from playwright.sync_api import expect

    from core.tests.factories import PASSWORD, build_world

    world = build_world()
    with chromium() as browser:
        offline = Offline(live_server.url)
        context = offline.phone(browser, java_script_enabled=False)
        page = offline.watch(context.new_page())
        log_in(page, live_server.url, world.county_admin.username, PASSWORD)
        expect(page.get_by_test_id("table-trend")).to_be_visible()
        expect(page.get_by_test_id("toggle-trend")).to_be_hidden()
        assert page.locator("canvas").count() == 0
        assert_fits_phone(page)
        context.close()
        offline.assert_clean()
