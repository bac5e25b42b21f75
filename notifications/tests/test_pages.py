"""The inbox page: newest first, unread highlighted and counted in the navigation on every
page, opening a message marks it read and follows its link, "mark all read"."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import Event, InboxMessage

pytestmark = pytest.mark.django_db


def send(user, title, *, url="/bookings/", minutes_ago=0):
    """An inbox message as `notify` leaves it (written directly: these tests are about the
    page, not about how messages are rendered and queued)."""
    message = InboxMessage.objects.create(
        recipient=user, event=Event.BOOKING_REQUESTED, title=title, body=f"{title}的内容", url=url
    )
    if minutes_ago:
        InboxMessage.objects.filter(pk=message.pk).update(
            created_at=timezone.now() - timedelta(minutes=minutes_ago)
        )
    return message


def test_the_inbox_needs_a_login(client):
    for url in ("/inbox/", "/inbox/1/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.post("/inbox/read-all/").status_code == 302


def test_the_inbox_lists_newest_first_with_unread_highlighted(world, login):
    old = send(world.lecturer, "较早的消息", minutes_ago=60)
    new = send(world.lecturer, "最新的消息")
    InboxMessage.objects.filter(pk=old.pk).update(read_at=timezone.now())
    send(world.secretary, "给书记的消息")
    html = login(world.lecturer).get("/inbox/").content.decode()
    assert html.index("最新的消息") < html.index("较早的消息")
    assert "给书记的消息" not in html
    items = re.findall(
        r'<li class="(read|unread)" data-testid="message">\s*<a href="([^"]+)"', html
    )
    assert items == [("unread", f"/inbox/{new.pk}/"), ("read", f"/inbox/{old.pk}/")]


def test_the_unread_count_shows_on_every_page(world, login):
    send(world.secretary, "一")
    send(world.secretary, "二")
    client = login(world.secretary)
    for url in ("/", "/lecturers/", "/bookings/", "/inbox/"):
        html = client.get(url).content.decode()
        assert re.search(r'class="nav-badge"[^>]*>2<', html), url
    InboxMessage.objects.update(read_at=timezone.now())
    assert "nav-badge" not in client.get("/").content.decode()


def test_opening_a_message_marks_it_read_and_follows_its_link(world, login):
    message = send(world.lecturer, "新的约课请求", url="/bookings/42/")
    response = login(world.lecturer).get(f"/inbox/{message.pk}/")
    assert response.status_code == 302 and response["Location"] == "/bookings/42/"
    assert InboxMessage.objects.get(pk=message.pk).read_at is not None


def test_a_link_to_another_site_is_not_followed(world, login):
    message = send(world.lecturer, "奇怪的链接", url="https://evil.example/phish")
    response = login(world.lecturer).get(f"/inbox/{message.pk}/")
    assert response.status_code == 302 and response["Location"] == "/inbox/"


def test_nobody_opens_another_persons_message(world, login):
    message = send(world.lecturer, "私信")
    for who in (world.secretary, world.outsider):
        assert login(who).get(f"/inbox/{message.pk}/").status_code == 404
    assert login(world.secretary).get("/inbox/99999999999999999999999/").status_code == 404
    assert InboxMessage.objects.get(pk=message.pk).read_at is None


def test_mark_all_read_touches_only_my_messages(world, login):
    send(world.lecturer, "一")
    send(world.lecturer, "二")
    other = send(world.secretary, "三")
    client = login(world.lecturer)
    assert client.get("/inbox/read-all/").status_code == 405
    response = client.post("/inbox/read-all/")
    assert response.status_code == 302 and response["Location"] == "/inbox/"
    assert not InboxMessage.objects.filter(recipient=world.lecturer, read_at__isnull=True).exists()
    assert InboxMessage.objects.get(pk=other.pk).read_at is None
    assert 'data-testid="read-all"' not in client.get("/inbox/").content.decode()


def test_an_empty_inbox_says_what_comes_there(world, login):
    html = login(world.county_admin).get("/inbox/").content.decode()
    assert 'class="empty"' in html


def test_a_booking_request_reaches_the_lecturers_inbox_page(world, login):
    from scheduling import services
    from scheduling.tests.conftest import at

    booking = services.booking_create(
        actor=world.secretary, org_id=world.branch.pk, lecturer_id=world.zhang.pk,
        course_id=world.course.pk, start=at(7, 9), end=at(7, 11), venue="村委会",
        expected_attendees=30, classroom="classroom",
    )  # fmt: skip
    client = login(world.lecturer)
    html = client.get("/inbox/").content.decode()
    message = InboxMessage.objects.get(recipient=world.lecturer)
    assert f'href="/inbox/{message.pk}/"' in html
    response = client.get(f"/inbox/{message.pk}/")
    assert response["Location"] == f"/bookings/{booking.pk}/"
