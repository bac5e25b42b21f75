"""The issue's "Done when", in a real Chromium, offline: a candidate nominates themself on the
call's public page from a 375 px phone (with a material uploaded), follows the steps on their
own page; the county admin, on a phone and on a desktop, records the political review, the
panel's scores and the approval; the certificate prints as an A4 page and its PDF holds the
name and the number; the new lecturer is in the catalogue and can be booked."""

import io
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from core.tests.browser import ARTIFACTS, CspWatch, Offline, assert_fits_phone, chromium, log_in

pytestmark = [pytest.mark.browser, pytest.mark.pdf]


def test_a_self_nominated_candidate_becomes_a_bookable_lecturer_with_a_certificate(
    live_server, transactional_db, allow_orm_beside_playwright, tmp_path
):
    from django.test import Client
    from django.utils import timezone
    from playwright.sync_api import expect
    from pypdf import PdfReader

    from accounts.services import api_token_issue
    from core.tests.factories import PASSWORD, build_world, make_course
    from development.models import Nomination
    from development.tests.helpers import open_call

    world = build_world()
    call = open_call(world, materials="个人简历")
    base = live_server.url
    resume = tmp_path / "简历.pdf"
    resume.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n")
    ARTIFACTS.mkdir(exist_ok=True)
    offline = Offline(base)
    with chromium() as browser:
        # 1. The candidate, not logged in, nominates themself on the public page.
        context = offline.phone(browser)
        csp = CspWatch(context)
        page = offline.watch(context.new_page())
        page.goto(f"{base}/selection/c/{call.public_key}/")
        assert_fits_phone(page)
        page.select_option("select[name=channel]", "self")
        page.fill("input[name=name]", "陈新人")
        page.fill("input[name=phone]", "13700000001")
        page.select_option("select[name=org_id]", str(world.branch.pk))
        page.fill("input[name=specialties]", "乡村振兴、党史")
        page.fill("textarea[name=reason]", "扎根基层二十年，群众爱听。")
        page.set_input_files("input[name=material_0]", str(resume))
        with page.expect_navigation():
            page.get_by_test_id("nomination-submit").click()
        nomination = Nomination.objects.get()
        own_page = page.url
        assert urlsplit(own_page).path == f"/selection/n/{nomination.tracking_key}/"
        expect(page.get_by_test_id("step")).to_have_count(4)
        assert_fits_phone(page)
        page.screenshot(path=str(ARTIFACTS / "selection-candidate-375.png"), full_page=True)
        csp.assert_clean()
        context.close()

        # 2. The county admin reviews: political on the phone, panel and approval on a desktop.
        phone = offline.phone(browser)
        admin = offline.watch(phone.new_page())
        log_in(admin, base, world.county_admin.username, PASSWORD)
        admin.goto(f"{base}/selection/calls/{call.pk}/")
        assert_fits_phone(admin)
        with admin.expect_navigation():
            admin.get_by_test_id("nomination-row").first.click()
        admin.check("input[name=result][value=pass]")
        admin.fill("textarea[name=note]", "政治过硬")
        assert_fits_phone(admin)
        with admin.expect_navigation():
            admin.get_by_test_id("review-submit").click()
        expect(admin.get_by_test_id("result-political")).to_be_visible()
        phone.close()

        desktop = offline.context(browser)
        csp = CspWatch(desktop)
        admin = offline.watch(desktop.new_page())
        log_in(admin, base, world.county_admin.username, PASSWORD)
        admin.goto(f"{base}/selection/nominations/{nomination.pk}/")
        for row, (member, marks) in enumerate(
            [("王老师", (90, 80, 70, 90)), ("刘老师", (80, 80, 80, 70))]
        ):
            admin.fill(f"input[name=member_{row}]", member)
            for key, value in zip(("political", "exemplary", "practical", "trial"), marks, strict=True):  # fmt: skip
                admin.fill(f"input[name={key}_{row}]", str(value))
        admin.check("input[name=result][value=pass]")
        with admin.expect_navigation():
            admin.get_by_test_id("review-submit").click()
        expect(admin.get_by_test_id("panel-score")).to_have_text("80.0")
        admin.select_option("select[name=source]", "grassroots_secretary")
        admin.check("input[name=result][value=pass]")
        with admin.expect_navigation():
            admin.get_by_test_id("review-submit").click()
        nomination.refresh_from_db()
        year = timezone.localdate().year
        assert nomination.certificate_no == f"甲县讲字〔{year}〕第001号"
        expect(admin.get_by_test_id("certificate-no")).to_have_text(nomination.certificate_no)
        assert nomination.stage == "approved" and nomination.lecturer.status == "active"

        # 3. The printable certificate and its PDF.
        with admin.expect_navigation():
            admin.get_by_test_id("certificate-page").click()
        expect(admin.get_by_test_id("certificate")).to_contain_text("陈新人")
        expect(admin.get_by_test_id("certificate")).to_contain_text(nomination.certificate_no)
        admin.screenshot(path=str(ARTIFACTS / "selection-certificate.png"), full_page=True)
        pdf = admin.request.get(f"{base}/selection/nominations/{nomination.pk}/certificate.pdf")
        assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
        text = PdfReader(io.BytesIO(pdf.body())).pages[0].extract_text()
        assert "陈新人" in text and nomination.certificate_no in text
        csp.assert_clean()
        desktop.close()

        # 4. The candidate's own page shows every step done.
        context = offline.phone(browser)
        page = offline.watch(context.new_page())
        page.goto(own_page)
        expect(page.get_by_test_id("result-approval")).to_be_visible()
        context.close()

        # 5. In the catalogue, and bookable once they offer a course.
        lecturer = nomination.lecturer
        course = make_course(lecturer, "扎根基层讲党史", "revolutionary_tradition")
        context = offline.phone(browser)
        page = offline.watch(context.new_page())
        log_in(page, base, world.secretary.username, PASSWORD)
        page.goto(f"{base}/lecturers/?q=陈新人")
        expect(page.get_by_text("陈新人").first).to_be_visible()
        page.goto(f"{base}/lecturers/{lecturer.pk}/")
        expect(page.get_by_test_id("book")).to_be_visible()
        assert_fits_phone(page)
        context.close()
    offline.assert_clean()

    start = timezone.localtime() + timedelta(days=7)
    start = start.replace(hour=9, minute=0, second=0, microsecond=0)
    booked = Client().post(
        "/api/v1/bookings",
        {"org_id": world.branch.pk, "lecturer_id": lecturer.pk, "course_id": course.pk,
         "start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat(),
         "venue": "东村党群服务中心", "expected_attendees": 30, "classroom": "classroom"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {api_token_issue(user=world.secretary)}"},
    )  # fmt: skip
    assert booked.status_code == 201, booked.json()
