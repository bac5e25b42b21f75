"""Issue 11: the trainee page on a phone. Scores start unset and a submission without them
is refused beside each score; a shared phone rates for another trainee; the page is Chinese
whatever the phone prefers; it stays light; a submission sent again (the phone was offline
when the answer came) is the same record, never a second."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from evaluation.models import TraineeRating
from evaluation.services import token_for

from .test_evaluation import rating, session

pytestmark = pytest.mark.django_db


def test_scores_start_unset_and_a_bare_submit_is_refused_beside_each(world, client):
    url = f"/e/{token_for(session(world))}"
    html = client.get(url).content.decode()
    assert html.count('class="unset"') == 3
    for name in ("content", "method", "effect"):
        assert re.search(rf'<input type="hidden" name="{name}" id="id_{name}">', html)
    response = client.post(url, {"name": "李学员", "phone": "13912345678", "comment": ""})
    html = response.content.decode()
    assert response.status_code == 400
    assert html.count("请滑动选择分数") == 3 and html.count("score-field has-error") == 3
    assert not TraineeRating.objects.exists()
    # What the trainee typed stays, the chosen score too.
    partial = client.post(url, {"name": "李学员", "phone": "13912345678", "content": "77"})
    html = partial.content.decode()
    assert 'value="李学员"' in html and '<output id="slide-content-out">77</output>' in html
    assert html.count("score-field has-error") == 2


def test_a_shared_phone_rates_for_another_trainee(world):
    booking = session(world)
    url = f"/e/{token_for(booking)}"
    phone = Client(REMOTE_ADDR="10.1.2.3")
    phone.get(url)
    first = phone.post(url, rating(name="甲", phone="13911110001")).content.decode()
    assert 'data-testid="my-rating"' in first and 'href="?another=1"' in first
    assert 'data-testid="my-rating"' in phone.get(url).content.decode()  # remembered
    fresh = phone.get(url, {"another": "1"}).content.decode()
    assert "data-trainee-form" in fresh and "甲" not in fresh
    second = phone.post(f"{url}?another=1", rating(name="乙", phone="13911110002"))
    assert 'data-testid="my-rating"' in second.content.decode()
    records = dict(TraineeRating.objects.values_list("name", "is_flagged"))
    # The integrity rules treat the second phone from one device like any other: held.
    assert records == {"甲": False, "乙": True}
    assert 'data-testid="held"' in second.content.decode()


def test_the_same_submission_sent_again_is_the_same_record(world):
    booking = session(world)
    url = f"/e/{token_for(booking)}"
    phone = Client()
    key = re.search(r'name="key" value="([0-9a-f]{32})"', phone.get(url).content.decode())[1]
    data = rating(key=key)
    assert 'data-testid="my-rating"' in phone.post(url, data).content.decode()
    retry = Client()  # the answer never arrived: no cookie either
    again = retry.post(url, data).content.decode()
    assert 'data-testid="my-rating"' in again and "很好" in again
    assert TraineeRating.objects.count() == 1
    # Another form (another key) with the same phone sees nothing of the first record.
    other = Client().post(url, rating(key="f" * 32, comment="")).content.decode()
    assert 'data-testid="my-rating"' not in other and "很好" not in other
    assert TraineeRating.objects.count() == 1


@pytest.mark.parametrize("language", ["en", "en-US,en;q=0.9", "ja"])
def test_the_page_is_chinese_whatever_the_phone_prefers(world, client, language):
    url = f"/e/{token_for(session(world))}"
    html = client.get(url, headers={"Accept-Language": language}).content.decode()
    assert '<html lang="zh-hans">' in html and "签到" in html
    english = client.get(url, {"lang": "en"}, headers={"Accept-Language": "zh-CN"})
    html = english.content.decode()
    assert '<html lang="en">' in html and "Check in" in html and "中文" in html


def test_the_page_with_its_style_and_script_stays_under_15_kb(world, client):
    html = client.get(f"/e/{token_for(session(world))}").content.decode()
    assets = re.findall(r'(?:href|src)="/static/([^"]+)"', html)
    assert sorted(assets) == ["css/light.css", "js/trainee.js"]
    total = len(html.encode()) + sum(Path(finders.find(a)).stat().st_size for a in assets)
    assert total < 15 * 1024, total


def test_the_page_reads_the_session_and_its_rules_once(world, client):
    """Every trainee of a hall opens it at once: one read of what it shows, one of the rules."""
    booking = session(world)
    url = f"/e/{token_for(booking)}"
    client.get(url)  # the device cookie is set
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    assert len(queries) == 2, [q["sql"] for q in queries]
    for shown in (booking.course.title, booking.lecturer.name, booking.org.name, booking.venue):
        assert shown in html


def _key_and_token(html: str) -> tuple[str, str]:
    key = re.search(r'name="key" value="([0-9a-f]{32})"', html)[1]
    return key, re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]


def test_a_hall_gets_one_render_and_each_phone_its_own_key_and_token(world, monkeypatch, rf):
    """The blank page is rendered once for the session; each phone gets its own submission
    key and CSRF token in it, and each can submit with them (CSRF checked)."""
    from django.template.loader import render_to_string

    from courses.models import Course
    from evaluation import views
    from evaluation.forms import TraineeForm

    monkeypatch.setattr(views, "_BLANK_PAGES", {})
    renders = []
    keep = views.read_cache.render_to_keep
    monkeypatch.setattr(views.read_cache, "render_to_keep", lambda *a: renders.append(a[0]) or keep(*a))  # fmt: skip
    booking = session(world)
    url = f"/e/{token_for(booking)}"
    phones = [Client(enforce_csrf_checks=True) for _ in range(3)]
    pages = [phone.get(url).content.decode() for phone in phones]
    assert renders == ["evaluation/trainee.html"]
    slots = [_key_and_token(page) for page in pages]
    assert len({key for key, _ in slots}) == 3 and len({token for _, token in slots}) == 3

    # The kept page is the page a full render gives with the same key and token.
    key, token = slots[0]
    form = TraineeForm(initial={"key": key})
    context = {"booking": booking, "form": form, "english": False, "another": False, "csrf_token": token}  # fmt: skip
    assert pages[0] == render_to_string("evaluation/trainee.html", context, rf.get(url))

    for n, (phone, (key, token)) in enumerate(zip(phones, slots, strict=True)):
        answer = phone.post(url, rating(phone=f"1391234567{n}", key=key, csrfmiddlewaretoken=token))  # fmt: skip
        assert 'data-testid="my-rating"' in answer.content.decode()
    assert TraineeRating.objects.filter(booking=booking).count() == 3

    Course.objects.filter(pk=booking.course_id).update(title="改过名的课")
    assert "改过名的课" in Client().get(url).content.decode()
    assert "Check in" in Client().get(url, {"lang": "en"}).content.decode()
    assert len(renders) == 3
