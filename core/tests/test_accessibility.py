"""axe-core (vendored from npm, run inside real Chromium at 375 px) finds no accessibility
violation on the pages people meet first: login, the trainee's rating page, home and the
lecturer catalogue."""

from pathlib import Path

import pytest

from core.tests.browser import Offline, chromium, log_in
from core.tests.factories import PASSWORD

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"


def _violations(page) -> list[str]:
    page.add_script_tag(content=AXE.read_text())
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => v.id + ': ' + v.help + ' — ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    return [f"{page.url}: {v}" for v in found]


def test_the_first_pages_have_no_accessibility_violations(
    live_server, transactional_db, allow_orm_beside_playwright
):
    from core.tests.factories import build_world, session
    from evaluation.services import token_for

    world = build_world()
    booking = session(world)
    offline = Offline(live_server.url)
    violations = []
    with chromium() as browser:
        # The injected axe script is inline: the pages' Content-Security-Policy would refuse it.
        context = offline.phone(browser, bypass_csp=True)
        page = offline.watch(context.new_page())
        for path in ("/accounts/login/", f"/e/{token_for(booking)}"):
            page.goto(live_server.url + path)
            violations += _violations(page)
        log_in(page, live_server.url, "secretary", PASSWORD)
        for path in ("/", "/lecturers/"):
            page.goto(live_server.url + path)
            violations += _violations(page)
        # The booking form's date input gets a whole line at 375 px (a third of it cut the
        # date off), start and end share the next one.
        page.goto(f"{live_server.url}/bookings/new/?lecturer={world.zhang.pk}")
        date, start, end = (
            page.locator(f"input[name={name}]").bounding_box()
            for name in ("date", "start_time", "end_time")
        )
        assert date["width"] > 300 and date["y"] < start["y"] == end["y"]
        assert start["width"] > 140 and end["x"] > start["x"]
        violations += _violations(page)
        context.close()
    assert violations == [], "\n".join(violations)
