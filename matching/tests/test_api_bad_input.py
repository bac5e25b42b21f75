"""Bad input to the demands API (issue 5): every case gets the error shape of API.md
({"detail", "code", "fields"}) and writes nothing — no demand, notice, booking, inbox message
or audit row. Also: anonymous callers get 401 and callers outside the demand's scope 404 on
every demands endpoint."""

import json

import pytest

from core.models import AuditLog
from matching.models import Demand, DemandNotice, DemandStatus
from matching.services import demands_widen_due
from notifications.models import InboxMessage
from scheduling.models import Booking
from scheduling.tests.conftest import at

from .test_flow import demand_payload

WRITTEN = (Demand, DemandNotice, Booking, InboxMessage, AuditLog)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in WRITTEN}


def assert_error(response, status: int, code: str, *fields: str):
    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["code"] == code, body
    if fields:
        assert set(fields) <= set(body["fields"]), body
        assert all(isinstance(m, str) and m for m in body["fields"].values())
    else:
        assert "fields" not in body or status in (400, 422)


@pytest.fixture
def posted(world, api_as):
    """An open demand of the branch, broadcast: Zhang (and only the best) notified."""
    secretary = api_as(world.secretary)
    demand = secretary.post("/api/v1/demands", demand_payload(world)).json()
    notified = secretary.post(f"/api/v1/demands/{demand['id']}/broadcast", {"limit": 1}).json()
    assert notified == {"notified": [world.zhang.pk]}
    return demand["id"]


def grab_payload(world, **change):
    return {"course_id": world.course.pk, "start": at(8, 9).isoformat(), **change}


# --- posting a demand ----------------------------------------------------------------------------

BAD_DEMANDS = {
    "empty topic": ({"topic": ""}, ["topic"]),
    "whitespace topic": ({"topic": "  \t\n \u3000 "}, ["topic"]),
    "topic of 5,000 characters": ({"topic": "乡村振兴" * 1250}, ["topic"]),
    "only emoji": ({"topic": "🚜🌾🎉👍"}, ["topic"]),
    "only search operators": ({"topic": '" * : - ( ) ^ ~ + | & / \\'}, ["topic"]),
    "a NUL character": ({"topic": "乡村\x00振兴"}, ["topic"]),
    "topic not text": ({"topic": ["乡村振兴"]}, ["topic"]),
    "window in the past": (
        {"window_start": at(-3, 9).isoformat(), "window_end": at(-1, 18).isoformat()},
        ["window_start"],
    ),
    "window ends before it starts": (
        {"window_start": at(9, 9).isoformat(), "window_end": at(7, 9).isoformat()},
        ["window_end"],
    ),
    "window shorter than the session": (
        {"window_start": at(7, 9).isoformat(), "window_end": at(7, 10).isoformat()},
        ["window_end"],
    ),
    "coordinates in Paris": ({"lat": 48.8566, "lng": 2.3522}, ["lng"]),
    "coordinates in Sydney": ({"lat": -33.87, "lng": 151.21}, ["lat", "lng"]),
    "latitude only": ({"lat": 36.5}, ["lng"]),
    "NaN as a string": ({"lat": "NaN", "lng": 118.5}, ["lat"]),
    "infinite longitude": ({"lat": 36.5, "lng": "Infinity"}, ["lng"]),
    "duration of zero": ({"duration_minutes": 0}, ["duration_minutes"]),
    "unknown category": ({"category": "fts OR 1=1"}, ["category"]),
}


@pytest.mark.django_db
@pytest.mark.parametrize("change,fields", BAD_DEMANDS.values(), ids=BAD_DEMANDS.keys())
def test_bad_demands_are_refused_and_nothing_is_written(world, api_as, change, fields):
    before = counts()
    response = api_as(world.secretary).post("/api/v1/demands", demand_payload(world, **change))
    assert_error(response, 422, "invalid", *fields)
    assert counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_json_numbers_are_refused(world, api_as, literal):
    """Python's JSON reader accepts NaN and Infinity literals; the coordinates check does not."""
    before = counts()
    body = json.dumps(demand_payload(world, lat=36.5, lng=118.5)).replace("36.5", literal)
    response = api_as(world.secretary).post("/api/v1/demands", raw=body)
    assert_error(response, 422, "invalid", "lat")
    assert counts() == before


@pytest.mark.django_db
def test_broken_json_is_refused(world, api_as):
    before = counts()
    response = api_as(world.secretary).post("/api/v1/demands", raw='{"topic": "乡村振兴",')
    assert response.status_code in (400, 422) and "code" in response.json()
    assert counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "topic",
    [
        "乡村振兴🚜 产业发展🌾",
        '乡村振兴 AND (产业 OR 发展) NOT "讲座" *',
        "乡村振兴^2 产业~ NEAR(发展) col:title -讲座",
        "乡村振兴' OR '1'='1'; --",
        "乡村振兴" + "😀" * 150,
    ],
)
def test_emoji_and_operator_characters_are_plain_text(world, api_as, topic):
    """A topic with words is a topic, whatever else it holds: stored as typed, and the
    operators are neither interpreted nor fatal."""
    client = api_as(world.secretary)
    created = client.post("/api/v1/demands", demand_payload(world, topic=topic))
    assert created.status_code == 201, created.content
    assert Demand.objects.get(pk=created.json()["id"]).topic == topic
    recs = client.get(f"/api/v1/demands/{created.json()['id']}/recommendations")
    assert recs.status_code == 200, recs.content
    assert recs.json()[0]["lecturer_id"] == world.zhang.pk


# --- grabbing ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_grabbing_a_demand_one_was_not_told_of(world, api_as, posted):
    before = counts()
    # Li was not notified: to him the demand does not exist.
    response = api_as(world.li.user).post(f"/api/v1/demands/{posted}/grab", grab_payload(world))
    assert_error(response, 404, "not_found")
    # The secretary sees the demand but is not a notified lecturer.
    response = api_as(world.secretary).post(f"/api/v1/demands/{posted}/grab", grab_payload(world))
    assert_error(response, 403, "not_notified")
    assert counts() == before
    assert Demand.objects.get(pk=posted).status == DemandStatus.OPEN


@pytest.mark.django_db
def test_grabbing_twice(world, api_as, posted):
    zhang = api_as(world.lecturer)
    assert zhang.post(f"/api/v1/demands/{posted}/grab", grab_payload(world)).status_code == 200
    before = counts()
    again = zhang.post(
        f"/api/v1/demands/{posted}/grab", grab_payload(world, start=at(8, 14).isoformat())
    )
    assert_error(again, 409, "taken")
    assert counts() == before


@pytest.mark.django_db
def test_grabbing_an_expired_demand(world, api_as, posted):
    demand = Demand.objects.get(pk=posted)
    demands_widen_due(now=demand.window_start)  # the periodic job: the window has begun
    assert Demand.objects.get(pk=posted).status == DemandStatus.EXPIRED
    before = counts()
    response = api_as(world.lecturer).post(f"/api/v1/demands/{posted}/grab", grab_payload(world))
    assert_error(response, 409, "bad_state")
    assert counts() == before


@pytest.mark.django_db
def test_grabbing_a_demand_whose_window_has_begun(world, api_as, posted):
    """Before the periodic job marks it expired, the demand is closed all the same."""
    Demand.objects.filter(pk=posted).update(window_start=at(-3, 8), window_end=at(-1, 18))
    before = counts()
    response = api_as(world.lecturer).post(
        f"/api/v1/demands/{posted}/grab", grab_payload(world, start=at(-2, 9).isoformat())
    )
    assert_error(response, 409, "bad_state")
    assert counts() == before


@pytest.mark.django_db
def test_grabbing_a_cancelled_demand(world, api_as, posted):
    assert api_as(world.secretary).post(f"/api/v1/demands/{posted}/cancel").status_code == 200
    before = counts()
    response = api_as(world.lecturer).post(f"/api/v1/demands/{posted}/grab", grab_payload(world))
    # Issue 11: a withdrawn demand says so (it answered the generic `bad_state` before).
    assert_error(response, 409, "withdrawn")
    assert counts() == before


BAD_GRABS = {
    "start outside the window": ({"start": at(12, 9).isoformat()}, ["start"]),
    "session runs past the window": ({"start": at(9, 17).isoformat()}, ["start"]),
    "someone else's course": ({"course_id": "other"}, ["course_id"]),
    "no such course": ({"course_id": 999_999}, ["course_id"]),
    "start not a time": ({"start": "next Tuesday"}, ["start"]),
}


@pytest.mark.django_db
@pytest.mark.parametrize("change,fields", BAD_GRABS.values(), ids=BAD_GRABS.keys())
def test_bad_grabs_are_refused_and_nothing_is_written(world, api_as, posted, change, fields):
    if change.get("course_id") == "other":
        change = {"course_id": world.course_li.pk}
    before = counts()
    response = api_as(world.lecturer).post(
        f"/api/v1/demands/{posted}/grab", grab_payload(world, **change)
    )
    assert_error(response, 422, "invalid", *fields)
    assert counts() == before
    assert Demand.objects.get(pk=posted).status == DemandStatus.OPEN


# --- outsiders and anonymous callers -------------------------------------------------------------


def demand_endpoints(world, demand_id: int) -> list[tuple[str, str, dict | None]]:
    return [
        ("get", f"/api/v1/demands/{demand_id}", None),
        ("get", f"/api/v1/demands/{demand_id}/recommendations", None),
        ("post", f"/api/v1/demands/{demand_id}/broadcast", {"limit": 3}),
        ("post", f"/api/v1/demands/{demand_id}/grab", grab_payload(world)),
        (
            "post",
            f"/api/v1/demands/{demand_id}/invite",
            {
                "lecturer_id": world.zhang.pk,
                "course_id": world.course.pk,
                "start": at(8, 9).isoformat(),
            },
        ),
        ("post", f"/api/v1/demands/{demand_id}/cancel", None),
    ]


def call(client, method, path, body):
    return client.get(path) if method == "get" else client.post(path, body)


@pytest.mark.django_db
def test_anonymous_callers_get_401_everywhere(world, anon_api, posted):
    before = counts()
    endpoints = [
        *demand_endpoints(world, posted),
        ("get", "/api/v1/demands", None),
        ("post", "/api/v1/demands", demand_payload(world)),
    ]
    for method, path, body in endpoints:
        assert_error(call(anon_api, method, path, body), 401, "not_authenticated")
    assert counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["outsider", "other_secretary"])
def test_callers_outside_the_demand_get_404(world, api_as, posted, who):
    """The county-B admin and the secretary of another branch: the demand does not exist for
    them, its list is empty for them, and they may not post for the branch."""
    client = api_as(getattr(world, who))
    before = counts()
    for method, path, body in demand_endpoints(world, posted):
        assert_error(call(client, method, path, body), 404, "not_found")
    listed = client.get("/api/v1/demands")
    assert listed.status_code == 200 and posted not in [d["id"] for d in listed.json()["items"]]
    # Posting for an organisation one does not act for is refused, like a booking (API.md).
    assert_error(client.post("/api/v1/demands", demand_payload(world)), 403, "forbidden")
    assert counts() == before
    assert Demand.objects.get(pk=posted).status == DemandStatus.OPEN


@pytest.mark.django_db
def test_an_unknown_demand_is_404(world, api_as):
    client = api_as(world.county_admin)
    for method, path, body in demand_endpoints(world, 999_999):
        assert_error(call(client, method, path, body), 404, "not_found")
