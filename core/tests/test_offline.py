"""Pages must work on a county intranet: every script, stylesheet and font is served locally."""

import re

import pytest
from django.contrib.staticfiles import finders

from core.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

OUTSIDE = re.compile(r'(?:src|href)=["\'](?:https?:)?//(?!127\.0\.0\.1|localhost|testserver)')


def test_the_vendored_assets_are_served_locally():
    for path in ("vendor/htmx.min.js", "vendor/weui.base.css", "css/app.css"):
        assert finders.find(path), path


@pytest.mark.parametrize("url", ["/", "/lecturers/", "/courses/", "/accounts/login/"])
def test_pages_reference_no_outside_address(world, client, url):
    client.login(username="secretary", password=PASSWORD)
    html = client.get(url).content.decode()
    assert not OUTSIDE.search(html), OUTSIDE.search(html)
    assert "/static/vendor/htmx.min.js" in html


def test_resume_and_course_pages_reference_no_outside_address(world, client):
    client.login(username="secretary", password=PASSWORD)
    for url in (f"/lecturers/{world.zhang.pk}/", f"/courses/{world.course.pk}/"):
        assert not OUTSIDE.search(client.get(url).content.decode())
