"""Issue 12's "done when", in a real Chromium on a 375 px phone and on a desktop: the county
admin adds a town, a branch and a lecturer with a course; the lecturer logs in with the
initial password, must change it, and proposes a second course from the phone; the county
approves it and both are in the catalogue; the county moves the lecturer to cold store and
the lecturer is gone from search, matching and booking, then releases them and they are back.

The pages are driven as people use them; matching and booking are asked over HTTP through
the API with the branch secretary's token, as the mini-program does."""

from datetime import timedelta

import pytest

from core.tests.browser import (
    ARTIFACTS,
    CspWatch,
    Offline,
    assert_fits_phone,
    chromium,
    log_in,
)

pytestmark = pytest.mark.browser

NEW_PASSWORD = "北山茶园-2026-讲台"


def _when(days: int, hour: int):
    from django.utils import timezone

    day = timezone.localtime() + timedelta(days=days)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


class _Api:
    """The branch secretary's API, over HTTP from the browser's own request context."""

    def __init__(self, request, base: str, username: str, password: str, org_id: int):
        self.request, self.base, self.org_id = request, base, org_id
        token = request.post(
            f"{base}/api/v1/auth/token", data={"username": username, "password": password}
        ).json()["token"]
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path):
        return self.request.get(f"{self.base}/api/v1{path}", headers=self.headers)

    def post(self, path, data):
        return self.request.post(f"{self.base}/api/v1{path}", data=data, headers=self.headers)


def _lecturer_reachable(page, base, api: _Api, lecturer, course, demand_id, label) -> bool:
    """Whether the branch finds the lecturer: by search on the catalogue page, among the
    demand's recommendations, and by booking the course. The three must agree."""
    page.goto(f"{base}/lecturers/?q={lecturer.name}")
    searched = page.locator(f"a[href='/lecturers/{lecturer.pk}/']").count() > 0
    recommended = lecturer.pk in {
        r["lecturer_id"] for r in api.get(f"/demands/{demand_id}/recommendations").json()
    }
    start = _when(12 if label == "phone" else 13, 9)
    booking = api.post(
        "/bookings",
        {
            "org_id": api.org_id, "lecturer_id": lecturer.pk, "course_id": course.pk,
            "start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat(),
            "venue": "村党群服务中心", "expected_attendees": 30, "classroom": "classroom",
        },
    )  # fmt: skip
    booked = booking.status == 201
    if booked:  # leave the calendar as it was for the next check
        api.post(f"/bookings/{booking.json()['id']}/cancel", {"reason": "测试结束"})
    elif booking.status == 422:  # a lecturer out of the pool is unknown to a branch
        assert "lecturer_id" in booking.json()["fields"], booking.text()
    else:
        assert booking.status in (403, 409), (booking.status, booking.text())
    assert searched == recommended == booked, (searched, recommended, booked)
    return searched


def _fits(page, label):
    if label == "phone":
        assert_fits_phone(page)


def _move(page, base, lecturer, to_status, reason, label):
    from playwright.sync_api import expect

    page.goto(f"{base}/manage/lecturers/{lecturer.pk}/status/")
    page.check(f"input[name=status][value={to_status}]")
    page.fill("textarea[name=reason]", reason)
    _fits(page, label)
    page.get_by_test_id("move-submit").click()
    expect(page.locator(".notice-success")).to_be_visible()
    lecturer.refresh_from_db()
    assert lecturer.status == to_status


def test_the_county_runs_its_pool_from_the_back_office(
    live_server, transactional_db, allow_orm_beside_playwright
):
    from playwright.sync_api import expect

    from core.tests.factories import PASSWORD, build_world
    from courses.models import Course
    from lecturers.models import Lecturer
    from orgs.models import Organisation

    world = build_world()
    base = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium() as browser:
        offline = Offline(base)
        for n, (label, make) in enumerate((("phone", offline.phone), ("desktop", offline.context))):
            county = make(browser)
            csp = CspWatch(county)
            page = offline.watch(county.new_page())

            # The county admin adds a town and a branch of it.
            log_in(page, base, world.county_admin.username, PASSWORD)
            page.goto(f"{base}/manage/")
            page.get_by_test_id("manage-orgs").click()
            page.get_by_test_id("add-town").click()
            town_name, branch_name = f"北山镇{n}", f"北山茶园村党支部{n}"
            page.fill("input[name=name]", town_name)
            page.fill("input[name=address]", "北山镇政府")
            page.fill("input[name=lat]", "36.71")
            page.fill("input[name=lng]", "118.72")
            _fits(page, label)
            page.get_by_test_id("org-save").click()
            town = Organisation.objects.get(name=town_name)
            page.locator(f"#org-{town.pk}").get_by_test_id("add-branch").click()
            page.fill("input[name=name]", branch_name)
            page.select_option("select[name=copy_from]", str(town.pk))
            page.get_by_test_id("org-save").click()
            branch = Organisation.objects.get(name=branch_name, parent=town)
            expect(page.locator(f"#org-{branch.pk}")).to_contain_text(branch_name)

            # … a county-level lecturer, whose initial password is shown once …
            page.goto(f"{base}/manage/")
            page.get_by_test_id("manage-lecturers").click()
            page.get_by_test_id("add-lecturer").first.click()
            name, phone = f"茶山讲师{n}", f"1391111222{n}"
            page.fill("input[name=name]", name)
            page.fill("input[name=phone]", phone)
            page.select_option("select[name=source]", "expert")
            page.select_option("select[name=level]", "county")
            page.fill("input[name=specialties]", "茶叶产业、农村电商")
            _fits(page, label)
            with page.expect_navigation():
                page.get_by_test_id("lecturer-create-submit").click()
            initial_password = page.get_by_test_id("initial-password").inner_text().strip()
            lecturer = Lecturer.objects.get(name=name)

            # … and a course of theirs, offered at once.
            page.goto(f"{base}/manage/lecturers/{lecturer.pk}/")
            page.get_by_test_id("add-course").click()
            first_title = f"北山茶叶电商带富路{n}"
            page.fill("input[name=title]", first_title)
            page.select_option("select[name=category]", "practical_work")
            page.fill("textarea[name=outline]", "一、茶叶电商 二、直播带货 三、合作社")
            _fits(page, label)
            page.get_by_test_id("course-submit").click()
            expect(page.locator(".notice-success")).to_be_visible()
            first = Course.objects.get(lecturer=lecturer, title=first_title)
            assert first.status == "active"

            # The lecturer logs in with the initial password, must change it, and proposes a
            # second course from the phone.
            phone_context = offline.phone(browser)
            csp_lecturer = CspWatch(phone_context)
            mine = offline.watch(phone_context.new_page())
            mine.goto(f"{base}/accounts/login/")
            mine.fill("input[name=username]", phone)
            mine.fill("input[name=password]", initial_password)
            with mine.expect_navigation():
                mine.click("form button[type=submit]")
            expect(mine.locator("input[name=new_password]")).to_be_visible()
            mine.goto(f"{base}/my/courses/new/")  # nothing else opens before the change
            expect(mine.locator("input[name=new_password]")).to_be_visible()
            mine.fill("input[name=old_password]", initial_password)
            mine.fill("input[name=new_password]", NEW_PASSWORD)
            mine.fill("input[name=new_password_again]", NEW_PASSWORD)
            with mine.expect_navigation():
                mine.click("form[action='/accounts/password/'] button[type=submit]")
            mine.goto(f"{base}/my/courses/new/")
            second_title = f"茶园里的党课{n}"
            mine.fill("input[name=title]", second_title)
            mine.select_option("select[name=category]", "situation_policy")
            mine.fill("textarea[name=outline]", "一、茶园党建 二、乡村振兴")
            assert_fits_phone(mine)
            mine.get_by_test_id("course-submit").click()
            second = Course.objects.get(lecturer=lecturer, title=second_title)
            assert second.status == "proposed"
            assert csp_lecturer.violations == [], csp_lecturer.violations
            phone_context.close()

            # The county approves it; both courses are in the catalogue.
            page.goto(f"{base}/manage/courses/{second.pk}/")
            _fits(page, label)
            page.get_by_test_id("approve").click()
            second.refresh_from_db()
            assert second.status == "active"
            branch_side = make(browser)
            secretary = offline.watch(branch_side.new_page())
            log_in(secretary, base, world.secretary.username, PASSWORD)
            for title in (first_title, second_title):
                secretary.goto(f"{base}/courses/?q={title}")
                expect(secretary.locator(f"text={title}").first).to_be_visible()

            # Cold store takes the lecturer out of search, matching and booking.
            api = _Api(
                branch_side.request, base, world.secretary.username, PASSWORD, world.branch.pk
            )
            window = _when(8, 8)
            demand = api.post(
                "/demands",
                {
                    "org_id": world.branch.pk, "topic": "茶叶电商 直播带货",
                    "window_start": window.isoformat(),
                    "window_end": (window + timedelta(days=2, hours=10)).isoformat(),
                    "duration_minutes": 90, "expected_attendees": 30,
                },
            )  # fmt: skip
            assert demand.status == 201, demand.text
            demand_id = demand.json()["id"]
            assert _lecturer_reachable(secretary, base, api, lecturer, first, demand_id, label)

            _move(page, base, lecturer, "cold_store", "群众反映授课敷衍，转入冷库帮教", label)
            assert not _lecturer_reachable(secretary, base, api, lecturer, first, demand_id, label)
            assert branch_side.request.get(f"{base}/lecturers/{lecturer.pk}/").status == 404
            page.screenshot(path=str(ARTIFACTS / f"pool-cold-store-{label}.png"), full_page=True)

            _move(page, base, lecturer, "active", "帮教期满，考核合格，恢复入库", label)
            assert _lecturer_reachable(secretary, base, api, lecturer, first, demand_id, label)
            assert csp.violations == [], csp.violations
            branch_side.close()
            county.close()
        offline.assert_clean()
