"""The organisation pages in a real Chromium, on a 375 px phone and a desktop: the county admin
adds a town with typed coordinates, then a branch of it whose place is copied from the town
(no script, no online map), and deactivates the branch; nothing scrolls sideways and the
Content-Security-Policy reports nothing."""

import pytest

from core.tests.browser import ARTIFACTS, CspWatch, Offline, assert_fits_phone, chromium, log_in

pytestmark = pytest.mark.browser


def test_the_county_admin_adds_a_town_and_a_branch_on_a_phone_and_a_desktop(
    live_server, transactional_db, allow_orm_beside_playwright
):
    from playwright.sync_api import expect

    from core.tests.factories import PASSWORD, build_world
    from orgs.models import Organisation

    world = build_world()
    base = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium() as browser:
        offline = Offline(base)
        for label, make in (("phone", offline.phone), ("desktop", offline.context)):
            context = make(browser)
            csp = CspWatch(context)
            page = offline.watch(context.new_page())
            log_in(page, base, world.county_admin.username, PASSWORD)
            page.goto(f"{base}/manage/")
            page.get_by_test_id("manage-orgs").click()
            page.get_by_test_id("add-town").click()
            town_name, branch_name = f"北山镇{label}", f"北山村党支部{label}"
            page.fill("input[name=name]", town_name)
            page.fill("input[name=address]", "北山镇政府")
            page.fill("input[name=lat]", "36.71")
            page.fill("input[name=lng]", "118.72")
            if label == "phone":
                assert_fits_phone(page)
            page.get_by_test_id("org-save").click()
            town = Organisation.objects.get(name=town_name)
            section = page.locator(f"#org-{town.pk}")
            expect(section).to_contain_text(town_name)
            section.get_by_test_id("add-branch").click()
            page.fill("input[name=name]", branch_name)
            page.select_option("select[name=copy_from]", str(town.pk))
            page.get_by_test_id("org-save").click()
            branch = Organisation.objects.get(name=branch_name)
            assert (branch.parent_id, branch.lat, branch.lng) == (town.pk, 36.71, 118.72)
            row = page.locator(f"#org-{branch.pk}")
            expect(row).to_contain_text(branch_name)
            expect(row.locator(".org-missing")).to_have_count(0)  # "no coordinates"
            if label == "phone":
                assert_fits_phone(page)
            page.screenshot(path=str(ARTIFACTS / f"manage-orgs-{label}.png"), full_page=True)
            row.get_by_test_id("org-status").click()
            page.fill("textarea[name=reason]", "试点结束")
            if label == "phone":
                assert_fits_phone(page)
            page.get_by_test_id("org-status-submit").click()
            expect(
                page.locator(f"#org-{branch.pk}").get_by_test_id("inactive-badge")
            ).to_be_visible()
            assert not Organisation.objects.get(pk=branch.pk).is_active
            assert csp.violations == [], csp.violations
            context.close()
        offline.assert_clean()
