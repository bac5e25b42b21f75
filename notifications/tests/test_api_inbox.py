"""The in-app inbox through the API: newest first, counts, and marking one's own messages read."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from notifications.models import Event, InboxMessage
from notifications.services import notify
from scheduling import services as scheduling
from scheduling.tests.conftest import at

pytestmark = pytest.mark.django_db

FACTS = {
    "org": "东村",
    "lecturer": "张三",
    "course": "课",
    "when": "12月3日",
    "reason": "无",
    "venue": "会议室",
}
INBOX = "/api/v1/inbox"
READ = "/api/v1/inbox/read"


def send(user, title, *, event=Event.BOOKING_REQUESTED, minutes_ago=0):
    """An inbox message with a recognisable title (notify renders the event's template)."""
    notify(recipients=[user], event=event, facts=FACTS, url="/x/", key=f"test:{title}")
    message = InboxMessage.objects.get(recipient=user, key=f"test:{title}")
    InboxMessage.objects.filter(pk=message.pk).update(title=title, body=f"{title}的内容")
    if minutes_ago:
        InboxMessage.objects.filter(pk=message.pk).update(
            created_at=timezone.now() - timedelta(minutes=minutes_ago)
        )
    return InboxMessage.objects.get(pk=message.pk)


@pytest.fixture
def box(world):
    """Three messages for the lecturer, sent in an order that differs from their times,
    and two for other people."""
    middle = send(world.lecturer, "中间", minutes_ago=30)
    newest = send(world.lecturer, "最新", event=Event.BOOKING_CANCELLED, minutes_ago=1)
    oldest = send(world.lecturer, "最早", minutes_ago=120)
    secretary = send(world.secretary, "给书记的")
    outsider = send(world.outsider, "给乙县的")
    return {
        "newest": newest,
        "middle": middle,
        "oldest": oldest,
        "secretary": secretary,
        "outsider": outsider,
    }


def unread(message) -> bool:
    return InboxMessage.objects.get(pk=message.pk).read_at is None


def test_the_inbox_lists_own_messages_newest_first(world, api_as, box):
    response = api_as(world.lecturer).get(INBOX)
    assert response.status_code == 200, response.content
    body = response.json()
    assert [item["id"] for item in body["items"]] == [
        box["newest"].pk,
        box["middle"].pk,
        box["oldest"].pk,
    ]
    assert body["count"] == 3 and body["unread"] == 3
    item = body["items"][0]
    assert {"id", "event", "title", "body", "created_at", "read"} <= set(item)
    assert item["event"] == "booking_cancelled"
    assert item["title"] == "最新" and item["body"] == "最新的内容"
    assert item["read"] is False
    created = datetime.fromisoformat(item["created_at"].replace("Z", "+00:00"))
    assert created.utcoffset() is not None
    assert abs(created - box["newest"].created_at) < timedelta(milliseconds=1)


def test_messages_of_the_same_moment_come_newest_id_first(world, api_as):
    first = send(world.lecturer, "一")
    second = send(world.lecturer, "二")
    InboxMessage.objects.update(created_at=timezone.now())
    body = api_as(world.lecturer).get(INBOX).json()
    assert [i["id"] for i in body["items"]] == [second.pk, first.pk]


@pytest.mark.parametrize(
    ("persona", "titles"),
    [("secretary", ["给书记的"]), ("outsider", ["给乙县的"]), ("county_admin", [])],
)
def test_nobody_sees_anyone_elses_messages(world, api_as, box, persona, titles):
    body = api_as(getattr(world, persona)).get(INBOX).json()
    assert [i["title"] for i in body["items"]] == titles
    assert body["count"] == body["unread"] == len(titles)


def test_the_inbox_is_paged(world, api_as, box):
    api = api_as(world.lecturer)
    page1 = api.get(INBOX, {"page_size": 2}).json()
    page2 = api.get(INBOX, {"page_size": 2, "page": 2}).json()
    assert [i["id"] for i in page1["items"]] == [box["newest"].pk, box["middle"].pk]
    assert [i["id"] for i in page2["items"]] == [box["oldest"].pk]
    assert page1["count"] == page2["count"] == 3
    assert page1["unread"] == 3


@pytest.mark.parametrize("params", [{"page_size": 101}, {"page": 0}, {"page_size": "all"}])
def test_bad_paging(world, api_as, params):
    response = api_as(world.lecturer).get(INBOX, params)
    assert response.status_code == 422, response.content
    assert set(params) & set(response.json()["fields"])


def test_marking_chosen_messages_read(world, api_as, box):
    api = api_as(world.lecturer)
    response = api.post(READ, {"ids": [box["middle"].pk]})
    assert response.status_code == 200, response.content
    assert response.json() == {"marked": 1}
    assert not unread(box["middle"])
    assert unread(box["newest"]) and unread(box["oldest"])
    body = api.get(INBOX).json()
    assert body["unread"] == 2 and body["count"] == 3
    assert {i["id"]: i["read"] for i in body["items"]} == {
        box["newest"].pk: False,
        box["middle"].pk: True,
        box["oldest"].pk: False,
    }


def test_someone_elses_ids_are_ignored(world, api_as, box):
    others = [box["secretary"].pk, box["outsider"].pk]
    response = api_as(world.lecturer).post(READ, {"ids": [box["oldest"].pk, *others]})
    assert response.json() == {"marked": 1}
    assert unread(box["secretary"]) and unread(box["outsider"])
    assert api_as(world.secretary).get(INBOX).json()["unread"] == 1


def test_the_outsider_cannot_mark_county_a_messages(world, api_as, box):
    ids = [box["newest"].pk, box["secretary"].pk]
    assert api_as(world.outsider).post(READ, {"ids": ids}).json() == {"marked": 0}
    assert unread(box["newest"]) and unread(box["secretary"])


def test_without_ids_everything_of_ones_own_is_read(world, api_as, box):
    api = api_as(world.lecturer)
    api.post(READ, {"ids": [box["oldest"].pk]})
    response = api.post(READ, {})
    assert response.json() == {"marked": 2}
    assert api.get(INBOX).json()["unread"] == 0
    assert unread(box["secretary"]) and unread(box["outsider"])
    assert api.post(READ, {}).json() == {"marked": 0}


def test_ids_null_means_everything(world, api_as, box):
    assert api_as(world.lecturer).post(READ, {"ids": None}).json() == {"marked": 3}


def test_an_empty_list_marks_nothing(world, api_as, box):
    assert api_as(world.lecturer).post(READ, {"ids": []}).json() == {"marked": 0}
    assert api_as(world.lecturer).get(INBOX).json()["unread"] == 3


def test_a_read_message_keeps_its_first_read_time(world, api_as, box):
    api = api_as(world.lecturer)
    api.post(READ, {"ids": [box["middle"].pk]})
    first = InboxMessage.objects.get(pk=box["middle"].pk).read_at
    assert api.post(READ, {"ids": [box["middle"].pk]}).json() == {"marked": 0}
    assert InboxMessage.objects.get(pk=box["middle"].pk).read_at == first


@pytest.mark.parametrize(
    "body", [{"ids": "all"}, {"ids": [0]}, {"ids": ["x"]}, {"ids": [1] * 501}, {"ids": [2**63]}]
)
def test_bad_ids(world, api_as, box, body):
    response = api_as(world.lecturer).post(READ, body)
    assert response.status_code == 422, response.content
    assert "ids" in response.json()["fields"]
    assert InboxMessage.objects.filter(read_at__isnull=False).count() == 0


def test_anonymous_has_no_inbox(world, anon_api, box):
    for response in (anon_api.get(INBOX), anon_api.post(READ, {})):
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"
    assert InboxMessage.objects.filter(read_at__isnull=False).count() == 0


def test_a_booking_request_lands_in_the_lecturers_inbox(world, api_as):
    booking = scheduling.booking_create(
        actor=world.secretary, org_id=world.branch.pk, lecturer_id=world.zhang.pk,
        course_id=world.course.pk, start=at(7, 9), end=at(7, 11), venue="村部",
        expected_attendees=20, classroom="classroom",
    )  # fmt: skip
    body = api_as(world.lecturer).get(INBOX).json()
    assert body["count"] == 1 and body["unread"] == 1
    item = body["items"][0]
    assert item["event"] == "booking_requested"
    assert item["url"] == f"/bookings/{booking.pk}/"
    assert world.course.title in item["body"]
    assert api_as(world.secretary).get(INBOX).json()["count"] == 0
