"""The back office in a real Chromium, on a 375 px phone and a desktop: the county admin goes
from the home page to /manage/, downloads a template, uploads it, watches the page follow the
import (htmx polling, no inline script) to its summary, and reads the audit trail; no page
scrolls sideways and the Content-Security-Policy reports nothing."""

import threading

import pytest
from django.db import connection

from core.tests.browser import ARTIFACTS, CspWatch, Offline, chromium

pytestmark = pytest.mark.browser


def _worker_thread():
    from django_tasks_db.management.commands.db_worker import Worker

    class ThreadWorker(Worker):
        def configure_signals(self) -> None:
            pass

    worker = ThreadWorker(
        queue_names=["*"], interval=0.1, batch=False, backend_name="default",
        startup_delay=False, max_tasks=None, worker_id="browser", excluded_queue_names=[],
    )  # fmt: skip

    def work():
        try:
            worker.run()
        finally:
            connection.close()

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return worker, thread


def _no_sideways_scroll(page):
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, (page.url, width)


def test_the_county_admin_imports_and_reads_the_audit_trail_on_a_phone_and_a_desktop(
    live_server, transactional_db, allow_orm_beside_playwright, tmp_path
):
    from playwright.sync_api import expect

    from core.tests.factories import PASSWORD, build_world
    from lecturers.models import Lecturer

    world = build_world()
    base = live_server.url
    worker, thread = _worker_thread()
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        with chromium() as browser:
            offline = Offline(base)
            for label, make in (("phone", offline.phone), ("desktop", offline.context)):
                context = make(browser, accept_downloads=True)
                csp = CspWatch(context)
                page = offline.watch(context.new_page())
                page.goto(f"{base}/accounts/login/")
                page.fill("input[name=username]", world.county_admin.username)
                page.fill("input[name=password]", PASSWORD)
                with page.expect_navigation():
                    page.click("form button[type=submit]")
                page.get_by_test_id("open-manage").click()
                with page.expect_navigation():
                    page.get_by_test_id("manage-import").click()
                _no_sideways_scroll(page)
                with page.expect_download() as download:
                    page.get_by_test_id("template-lecturers").click()
                template = tmp_path / f"template-{label}.xlsx"
                download.value.save_as(template)
                page.select_option("select[name=kind]", "lecturers")
                page.set_input_files("input[name=file]", str(template))
                page.get_by_test_id("import-submit").click()
                expect(page.get_by_test_id("import-status")).to_have_attribute("data-status", "done", timeout=30_000)  # fmt: skip
                expect(page.get_by_test_id("import-summary")).to_be_visible()
                _no_sideways_scroll(page)
                page.screenshot(path=str(ARTIFACTS / f"manage-import-{label}.png"), full_page=True)
                page.goto(f"{base}/manage/audit/")
                expect(page.get_by_test_id("audit-entry").first).to_be_visible()
                _no_sideways_scroll(page)
                page.screenshot(path=str(ARTIFACTS / f"manage-audit-{label}.png"), full_page=True)
                assert csp.violations == [], csp.violations
                context.close()
            offline.assert_clean()
        assert Lecturer.objects.filter(phone__in=["13912340001", "13912340002"]).count() == 2
    finally:
        worker.running = False
        thread.join(timeout=10)
