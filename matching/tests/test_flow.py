import pytest
from django.test import Client

from accounts.services import api_token_issue
from conftest import run_in_threads
from core.tests.factories import make_course, make_lecturer
from matching.models import Demand, DemandNotice
from notifications.models import InboxMessage
from scheduling.models import Booking, BookingStatus
from scheduling.tests.conftest import at


def demand_payload(world, **change):
    payload = {
        "org_id": world.branch.pk,
        "topic": "乡村振兴 产业发展 讲座",
        "window_start": at(7, 8).isoformat(),
        "window_end": at(9, 18).isoformat(),
        "duration_minutes": 90,
        "expected_attendees": 40,
    }
    payload.update(change)
    return payload


@pytest.mark.django_db
def test_post_recommend_broadcast_grab(world, api_as):
    client = api_as(world.secretary)
    created = client.post("/api/v1/demands", demand_payload(world))
    assert created.status_code == 201, created.content
    demand = created.json()
    assert (
        demand["status"] == "open" and demand["lat"] == world.branch.lat
    )  # venue defaults to the branch
    recs = client.get(f"/api/v1/demands/{demand['id']}/recommendations").json()
    assert recs[0]["lecturer_id"] == world.zhang.pk
    assert set(recs[0]["components"]) == {
        "topic",
        "distance",
        "quality",
        "fairness",
        "availability",
    }
    assert all(0 <= v <= 1 for v in recs[0]["components"].values())
    assert "乡村振兴战略与农村产业发展" in recs[0]["reason"]
    notified = client.post(f"/api/v1/demands/{demand['id']}/broadcast", {"limit": 3}).json()[
        "notified"
    ]
    assert world.zhang.pk in notified
    assert InboxMessage.objects.filter(recipient=world.lecturer, event="demand_broadcast").exists()

    grab = api_as(world.lecturer).post(
        f"/api/v1/demands/{demand['id']}/grab",
        {"course_id": world.course.pk, "start": at(8, 9).isoformat()},
    )
    assert grab.status_code == 200, grab.content
    booking = Booking.objects.get(pk=grab.json()["booking_id"])
    assert booking.status == BookingStatus.CONFIRMED and booking.org == world.branch
    assert Demand.objects.get(pk=demand["id"]).status == "taken"
    assert InboxMessage.objects.filter(recipient=world.secretary, event="demand_taken").exists()
    again = api_as(world.lecturer).post(
        f"/api/v1/demands/{demand['id']}/grab",
        {"course_id": world.course.pk, "start": at(8, 9).isoformat()},
    )
    assert again.status_code == 409 and again.json()["code"] == "taken"


@pytest.mark.django_db
def test_only_notified_lecturers_grab(world, api_as):
    demand = api_as(world.secretary).post("/api/v1/demands", demand_payload(world)).json()
    response = api_as(world.lecturer).post(
        f"/api/v1/demands/{demand['id']}/grab",
        {"course_id": world.course.pk, "start": at(8, 9).isoformat()},
    )
    assert response.status_code == 404  # not notified: the demand is not even visible
    assert not Booking.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_fifty_notified_lecturers_grabbing_make_exactly_one_booking(world):
    lecturers = [make_lecturer(world.county, f"讲师{i}号", org=world.branch) for i in range(50)]
    courses = [make_course(lec, "乡村振兴与产业发展实务", "practical_work") for lec in lecturers]
    demand = Demand.objects.create(
        county=world.county, org=world.branch, topic="乡村振兴", window_start=at(7, 8), window_end=at(7, 18),
        duration_minutes=90, venue="村委会", lat=36.5, lng=118.5, expected_attendees=30, classroom="classroom",
        created_by=world.secretary,
    )  # fmt: skip
    DemandNotice.objects.bulk_create(
        [
            DemandNotice(demand=demand, lecturer=lec, round=1, rank=i + 1, score=0.5)
            for i, lec in enumerate(lecturers)
        ]
    )
    tokens = [api_token_issue(user=lec.user) for lec in lecturers]

    def grab(i):
        response = Client().post(
            f"/api/v1/demands/{demand.pk}/grab",
            {"course_id": courses[i].pk, "start": at(7, 9).isoformat()},
            content_type="application/json",
            headers={"Authorization": f"Bearer {tokens[i]}"},
        )
        return response.status_code, response.json().get("code")

    results = run_in_threads(grab, 50)
    assert all(not isinstance(r, Exception) for r in results), results
    assert results.count((200, None)) == 1, results
    assert all(r == (409, "taken") for r in results if r[0] != 200), results
    assert Booking.objects.count() == 1
    assert Demand.objects.get(pk=demand.pk).status == "taken"
