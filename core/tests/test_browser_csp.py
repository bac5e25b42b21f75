"""The Content-Security-Policy in a real Chromium (issue 10, item 6): the main pages load and
work under it with not one violation, which proves no inline script, handler or style is left.

Anonymous: the login page and a trainee's evaluation page (the score slider's number follows
the slider). A secretary: home, the catalogue with an htmx search, a résumé with an htmx like,
the booking, the QR poster (its print button), the quality form and a demand's ranked
recommendations (their bars). The lecturer: the booking page's rating of the organisation
(its sliders). A county admin: the roll-up. The Django admin and the API docs too.
"""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from core.tests.browser import CspWatch, Offline, chromium

pytestmark = pytest.mark.browser

PRINT_SPY = "window.__printed = 0; window.print = function () { window.__printed += 1; };"


def _visit(page, url: str):
    response = page.goto(url)
    assert response.status == 200, f"{response.status} {url}"
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy, (url, policy)
    return response


def _log_in(page, base: str, user):
    from core.tests.factories import PASSWORD

    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    assert urlsplit(page.url).path == "/", page.url


def _slider_output_follows(page, slider_id: str):
    from playwright.sync_api import expect

    slider = page.locator(f"#{slider_id}")
    slider.focus()
    for _ in range(3):
        slider.press("ArrowLeft")
    value = slider.input_value()
    assert value != "90"
    expect(page.locator(f"#{slider_id}-out")).to_have_text(value)


def test_the_main_pages_work_under_the_policy_without_a_violation(
    live_server, transactional_db, allow_orm_beside_playwright
):
    from django.utils import timezone
    from playwright.sync_api import expect

    from accounts.models import User
    from core.tests.factories import PASSWORD, build_world, session
    from evaluation.services import token_for
    from matching.services import demand_create

    world = build_world()
    now = timezone.now()
    booking = session(world, started_minutes_ago=150)  # over: the lecturer may rate the branch
    start = now + timedelta(days=10)
    demand = demand_create(
        actor=world.secretary, org_id=world.branch.pk, topic="乡村振兴 产业发展",
        window_start=start, window_end=start + timedelta(days=5), duration_minutes=120,
        venue="党群服务中心", lat=36.5, lng=118.5,
    )  # fmt: skip
    admin = User.objects.create_superuser("csp_admin", password=PASSWORD)
    base = live_server.url

    with chromium() as browser:
        offline = Offline(base)
        context = offline.context(browser)
        context.add_init_script(PRINT_SPY)
        csp = CspWatch(context)

        # Anonymous: the login page and the trainee's page on a phone.
        page = offline.watch(context.new_page())
        _visit(page, f"{base}/accounts/login/")
        _visit(page, f"{base}/e/{token_for(booking)}")
        _slider_output_follows(page, "slide-content")

        # The secretary.
        _log_in(page, base, world.secretary)
        _visit(page, f"{base}/")
        _visit(page, f"{base}/lecturers/")
        with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true") as r:
            page.locator("input[name=q]").fill("zsf")
        assert r.value.status == 200
        expect(page.locator(f"a[href='/lecturers/{world.zhang.pk}/']").first).to_be_visible()
        _visit(page, f"{base}/lecturers/{world.zhang.pk}/")
        with page.expect_response(lambda r: r.request.method == "POST") as liked:
            page.locator("#like button[type=submit]").click()
        assert liked.value.status == 200
        expect(page.locator("#like")).to_contain_text("1")
        _visit(page, f"{base}/bookings/{booking.pk}/")
        _visit(page, f"{base}/bookings/{booking.pk}/poster/")
        page.get_by_test_id("print").click()
        assert page.evaluate("window.__printed") == 1
        _visit(page, f"{base}/bookings/{booking.pk}/quality-form/")
        _visit(page, f"{base}/demands/{demand.pk}/")
        assert page.locator(".bar .bar-fill rect").count() > 0

        # The lecturer rates the organisation on the booking page.
        context.clear_cookies()
        _log_in(page, base, world.lecturer)
        _visit(page, f"{base}/bookings/{booking.pk}/")
        _slider_output_follows(
            page, page.locator(".score-field input[type=range]").first.get_attribute("id")
        )

        # The county admin's roll-up, the admin and the API docs.
        context.clear_cookies()
        _log_in(page, base, world.county_admin)
        _visit(page, f"{base}/evaluation/rollup/?lecturer={world.zhang.pk}")
        page.locator("button[data-action=print]").click()
        assert page.evaluate("window.__printed") == 1
        context.clear_cookies()
        _visit(page, f"{base}/admin/login/")
        page.fill("input[name=username]", admin.username)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("input[type=submit]")
        assert urlsplit(page.url).path == "/admin/", page.url
        _visit(page, f"{base}/admin/accounts/user/")
        _visit(page, f"{base}/api/v1/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("Jiangtai")
        page.wait_for_timeout(300)
        context.close()

    csp.assert_clean()
    offline.assert_clean()
