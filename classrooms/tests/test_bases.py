"""Teaching bases (G7d): bookings and demands name a base; a base never holds more overlapping
sessions than its capacity, under real concurrency, on SQLite and PostgreSQL."""

import pytest
from django.test import Client

from accounts.services import api_token_issue
from classrooms.bases import HOLDING
from classrooms.models import BaseUse, TeachingBase
from conftest import run_in_threads
from core.tests.factories import make_course, make_lecturer
from scheduling.models import Booking
from scheduling.tests.conftest import at

BASE = {"name": "高密市红色教育基地", "level": "county", "address": "某路1号", "lat": 36.38,
        "lng": 119.75, "capacity": 3, "theme": "红色传统"}  # fmt: skip


@pytest.fixture
def zhou(world):
    lecturer = make_lecturer(world.county, "周七")
    return lecturer, make_course(lecturer, "红色基地现场教学")


@pytest.fixture
def base(world):
    return TeachingBase.objects.create(county=world.county, **BASE)


def booking(world, lecturer, course, base_id, *, hour=9):
    return {
        "org_id": world.branch.pk, "lecturer_id": lecturer.pk, "course_id": course.pk,
        "start": at(7, hour).isoformat(), "end": at(7, hour + 2).isoformat(), "venue": "基地",
        "expected_attendees": 30, "classroom": "onsite", "base_id": base_id,
    }  # fmt: skip


def test_county_admin_adds_a_base_and_the_county_lists_it(world, api_as):
    response = api_as(world.county_admin).post(
        "/api/v1/bases", {**BASE, "docent_ids": [world.zhang.pk]}
    )
    assert response.status_code == 201, response.json()
    assert response.json()["docent_ids"] == [world.zhang.pk]
    listed = api_as(world.secretary).get("/api/v1/bases").json()
    assert listed["count"] == 1 and listed["items"][0]["capacity"] == 3
    assert api_as(world.outsider).get("/api/v1/bases").json()["count"] == 0


@pytest.mark.parametrize("who", ["secretary", "town_admin", "lecturer"])
def test_only_the_county_admin_adds_bases(world, api_as, who):
    assert api_as(getattr(world, who)).post("/api/v1/bases", BASE).status_code == 403
    assert not TeachingBase.objects.exists()


def test_bad_base_names_the_fields(world, api_as, base):
    response = api_as(world.county_admin).post(
        "/api/v1/bases",
        {**BASE, "level": "moon", "capacity": 0, "lat": 0, "docent_ids": [world.lecturer_b.pk]},
    )
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"name", "level", "capacity", "lat", "docent_ids"}


def test_a_booking_at_a_full_base_is_refused_and_nothing_is_written(world, api_as, base, zhou):
    TeachingBase.objects.filter(pk=base.pk).update(capacity=1)
    api = api_as(world.secretary)
    assert (
        api.post("/api/v1/bookings", booking(world, world.zhang, world.course, base.pk)).status_code
        == 201
    )
    refused = api.post("/api/v1/bookings", booking(world, *zhou, base.pk, hour=10))
    assert refused.status_code == 409 and refused.json()["code"] == "base_full"
    assert Booking.objects.count() == 1 and BaseUse.objects.count() == 1
    # Back to back is not overlapping; another county's base is unknown here.
    later = booking(world, *zhou, base.pk, hour=11)
    assert api.post("/api/v1/bookings", later).status_code == 201
    other = TeachingBase.objects.create(county=world.county_b, **{**BASE, "name": "乙"})
    unknown = api.post("/api/v1/bookings", booking(world, *zhou, other.pk, hour=14))
    assert unknown.status_code == 422 and "base_id" in unknown.json()["fields"]


def test_a_declined_booking_frees_its_place(world, api_as, base, zhou):
    TeachingBase.objects.filter(pk=base.pk).update(capacity=1)
    first = api_as(world.secretary).post(
        "/api/v1/bookings", booking(world, world.zhang, world.course, base.pk)
    )
    api_as(world.lecturer).post(
        f"/api/v1/bookings/{first.json()['id']}/decline", {"reason": "有事"}
    )
    second = api_as(world.secretary).post("/api/v1/bookings", booking(world, *zhou, base.pk))
    assert second.status_code == 201


def test_a_demand_names_its_base_and_the_grabbed_session_is_held_there(world, api_as, base):
    response = api_as(world.secretary).post(
        "/api/v1/demands",
        {"org_id": world.branch.pk, "topic": "乡村振兴", "window_start": at(7, 8).isoformat(),
         "window_end": at(7, 18).isoformat(), "duration_minutes": 90, "base_id": base.pk},
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    assert BaseUse.objects.get().demand_id == response.json()["id"]


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_bookings_fill_a_base_exactly_to_capacity(world):
    """20 lecturers, so that nothing but the base serialises the requests."""
    base = TeachingBase.objects.create(county=world.county, **BASE)
    pairs = []
    for n in range(20):
        lecturer = make_lecturer(world.county, f"讲师{n}", login=False)
        pairs.append((lecturer, make_course(lecturer, f"课程{n}")))
    token = api_token_issue(user=world.secretary)

    def post(i):
        lecturer, course = pairs[i]
        response = Client().post(
            "/api/v1/bookings", booking(world, lecturer, course, base.pk),
            content_type="application/json", headers={"Authorization": f"Bearer {token}"},
        )  # fmt: skip
        return response.status_code, response.json().get("code")

    results = run_in_threads(post, 20)
    assert all(not isinstance(r, Exception) for r in results), results
    assert sum(1 for status, _code in results if status == 201) == BASE["capacity"], results
    assert all(r == (409, "base_full") for r in results if r[0] != 201), results
    held = BaseUse.objects.filter(base=base, booking__status__in=HOLDING)
    assert held.count() == BASE["capacity"] == Booking.objects.count()
