"""The pool's and the programme's API: shapes, every role and an outsider county on every
endpoint, the bad input of the issue, and the OpenAPI document."""

from datetime import timedelta

import pytest
from django.utils import timezone

from development import programme_services
from development.models import Nomination
from development.programme_models import Attendance

from .helpers import open_call
from .pool_helpers import activity

pytestmark = pytest.mark.django_db

ROLES = ["county_admin", "town_admin", "secretary", "lecturer", "outsider"]


def _when(minutes):
    return (timezone.localtime() + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S")


def _activity_body(**kw):
    return {"kind": "salon", "title": "师资沙龙", "starts_at": _when(-10), "ends_at": _when(110),
            "place": "党校报告厅", **kw}  # fmt: skip


def _user(world, role):
    return getattr(world, role)


@pytest.mark.parametrize(
    ("role", "status"),
    [("county_admin", 201), ("town_admin", 201), ("secretary", 403), ("lecturer", 403),
     ("outsider", 201)],
)  # fmt: skip
def test_who_plans_an_activity(world, api_as, role, status):
    response = api_as(_user(world, role)).post("/api/v1/activities", _activity_body())
    assert response.status_code == status, response.json()
    if status == 201:
        body = response.json()
        assert body["hours"] == 2.0 and body["checkin_url"].endswith("/")
        assert body["checkin_code"].startswith(f"{body['id']}-")


def test_activity_bad_input_is_named_and_nothing_is_written(world, api_as):
    client = api_as(world.county_admin)
    response = client.post("/api/v1/activities", _activity_body(ends_at=_when(-20)))
    assert response.status_code == 422 and "ends_at" in response.json()["fields"]
    response = client.post("/api/v1/activities", _activity_body(kind="outside_training"))
    assert response.status_code == 422 and "need" in response.json()["fields"]
    response = client.post("/api/v1/activities", _activity_body(kind="town_visit"))
    assert {"visiting_teacher_id", "town_id"} <= set(response.json()["fields"])
    assert client.get("/api/v1/activities").json()["count"] == 0


@pytest.mark.parametrize(
    ("role", "count"),
    [("county_admin", 2), ("town_admin", 1), ("secretary", 0), ("lecturer", 2), ("outsider", 0)],
)  # fmt: skip
def test_who_sees_which_activities(world, api_as, role, count):
    activity(world)
    activity(world, actor=world.town_admin)
    body = api_as(_user(world, role)).get("/api/v1/activities").json()
    assert body["count"] == count
    if role == "lecturer":
        assert all(item["checkin_url"] is None for item in body["items"])


def test_checkin_answers_201_then_200_and_refuses_bad_tokens(world, api_as):
    planned = activity(world)
    token = programme_services.checkin_token(planned)
    client = api_as(world.lecturer)
    path = f"/api/v1/activities/{planned.pk}/checkin"
    first = client.post(path, {"token": token})
    assert first.status_code == 201 and first.json()["created"] is True
    again = client.post(path, {"token": token})
    assert again.status_code == 200 and again.json()["checked_in_at"] == first.json()["checked_in_at"]  # fmt: skip
    # The short code works too.
    other = api_as(world.li.user).post(path, {"token": programme_services.checkin_code(planned)})
    assert other.status_code == 201 and other.json()["method"] == "code"
    assert client.post(path, {"token": f"{planned.pk}-deadbeefdeadbeef"}).status_code == 404
    assert client.post(path, {"token": "not a token"}).status_code == 404
    second = activity(world, title="另一场")
    wrong_id = client.post(f"/api/v1/activities/{second.pk}/checkin", {"token": token})
    assert wrong_id.status_code == 404
    assert Attendance.objects.count() == 2


def test_checkin_outside_the_window_and_by_others(world, api_as):
    ended = activity(world, minutes_from_now=-300, length=60)
    path = f"/api/v1/activities/{ended.pk}/checkin"
    response = api_as(world.lecturer).post(path, {"token": programme_services.checkin_token(ended)})  # fmt: skip
    assert response.status_code == 410 and response.json()["code"] == "expired"
    assert "结束" in response.json()["detail"] or "ended" in response.json()["detail"]
    early = activity(world, minutes_from_now=120)
    token = programme_services.checkin_token(early)
    response = api_as(world.lecturer).post(f"/api/v1/activities/{early.pk}/checkin", {"token": token})  # fmt: skip
    assert response.status_code == 409 and response.json()["code"] == "not_open"
    planned = activity(world)
    token = programme_services.checkin_token(planned)
    path = f"/api/v1/activities/{planned.pk}/checkin"
    assert api_as(world.secretary).post(path, {"token": token}).status_code == 403
    assert api_as(world.lecturer_b.user).post(path, {"token": token}).status_code == 404
    assert api_as(world.outsider).post(path, {"token": token}).status_code == 404
    assert not Attendance.objects.exists()


def test_invitations_list_and_create_by_role(world, api_as):
    body = {"expert_name": "孙教授", "kind": "institute_expert", "affiliation": "省社科院",
            "topic": "乡村振兴理论前沿"}  # fmt: skip
    created = api_as(world.county_admin).post("/api/v1/invitations", body)
    assert created.status_code == 201 and created.json()["sessions"] == 0
    missing = api_as(world.county_admin).post("/api/v1/invitations", {**body, "topic": ""})
    assert missing.status_code == 422 and "topic" in missing.json()["fields"]
    for role, status in (("secretary", 403), ("lecturer", 403)):
        assert api_as(_user(world, role)).post("/api/v1/invitations", body).status_code == status
        assert api_as(_user(world, role)).get("/api/v1/invitations").status_code == status
    assert api_as(world.county_admin).get("/api/v1/invitations").json()["count"] == 1
    assert api_as(world.outsider).get("/api/v1/invitations").json()["count"] == 0
    invitation_id = created.json()["id"]
    session = {"starts_at": _when(-120), "ends_at": _when(-60), "place": "礼堂", "attendees": 200}
    path = f"/api/v1/invitations/{invitation_id}/sessions"
    assert api_as(world.outsider).post(path, session).status_code == 404
    bad = api_as(world.county_admin).post(path, {**session, "ends_at": _when(-180)})
    assert bad.status_code == 422 and "ends_at" in bad.json()["fields"]
    assert api_as(world.county_admin).post(path, session).status_code == 201
    figures = api_as(world.county_admin).get("/api/v1/invitations/figures").json()
    assert figures["invited"] == 1 and figures["pool"] == 0


def test_reserve_promote_once_through_the_api(world, api_as):
    call = open_call(world)
    body = {"name": "青年小王", "phone": "13600000002", "org_id": world.branch.pk,
            "feed": "docent_contest", "event": "讲解员评选", "event_on": "2026-05-01"}  # fmt: skip
    created = api_as(world.county_admin).post("/api/v1/reserve", body)
    assert created.status_code == 201 and created.json()["phone"].count("*") == 4
    member_id = created.json()["id"]
    assert api_as(world.outsider).post("/api/v1/reserve", body).status_code == 422  # not its org
    path = f"/api/v1/reserve/{member_id}/promote"
    assert api_as(world.outsider).post(path, {"call_id": call.pk}).status_code == 404
    assert api_as(world.secretary).post(path, {"call_id": call.pk}).status_code == 404
    first = api_as(world.county_admin).post(path, {"call_id": call.pk})
    assert first.status_code == 201 and first.json()["stage"] == "submitted"
    second = api_as(world.county_admin).post(path, {"call_id": call.pk})
    assert second.status_code == 409 and second.json()["code"] == "already_promoted"
    assert Nomination.objects.filter(phone="13600000002").count() == 1
    listed = api_as(world.county_admin).get("/api/v1/reserve", {"state": "promoted"}).json()
    assert listed["count"] == 1 and listed["items"][0]["nomination_id"] == first.json()["nomination_id"]  # fmt: skip
    assert api_as(world.lecturer).get("/api/v1/reserve").status_code == 403
    assert api_as(world.outsider).get("/api/v1/reserve").json()["count"] == 0


def test_hirings_and_campaigns_through_the_api(world, api_as):
    client = api_as(world.county_admin)
    hired = client.post("/api/v1/hirings", {"kind": "senior_technician", "name": "高技师",
                                            "phone": "13500000002", "source": "skills_talent"})  # fmt: skip
    assert hired.status_code == 201 and hired.json()["initial_password"]
    assert client.get("/api/v1/hirings").json()["count"] == 1
    assert api_as(world.outsider).get("/api/v1/hirings").json()["count"] == 0
    assert api_as(world.secretary).post("/api/v1/hirings", {"kind": "leading_cadre"}).status_code == 403  # fmt: skip
    today = timezone.localdate()
    campaign = client.post("/api/v1/campaigns", {"title": "我来讲党课",
                           "starts_on": str(today + timedelta(days=1)),
                           "ends_on": str(today + timedelta(days=30))})  # fmt: skip
    assert campaign.status_code == 201
    from core.tests.factories import session

    outside = session(world)  # today: before the campaign's first day
    response = client.post(f"/api/v1/campaigns/{campaign.json()['id']}/sessions",
                           {"booking_id": outside.pk})  # fmt: skip
    assert response.status_code == 422 and "booking_id" in response.json()["fields"]
    assert api_as(world.outsider).get("/api/v1/campaigns").json()["count"] == 0


def test_training_hours_by_role(world, api_as):
    planned = activity(world)
    programme_services.activity_check_in(
        actor=world.lecturer, token=programme_services.checkin_token(planned)
    )
    body = api_as(world.county_admin).get("/api/v1/training-hours").json()
    assert body["items"] == [
        {"lecturer_id": world.zhang.pk, "name": "张三丰", "hours": 2.0, "activities": 1}
    ]
    assert api_as(world.lecturer).get("/api/v1/training-hours").status_code == 403
    assert api_as(world.outsider).get("/api/v1/training-hours").json()["count"] == 0


def test_the_openapi_document_describes_the_new_endpoints(world, api_as):
    paths = api_as(world.county_admin).get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/activities", "/api/v1/activities/{activity_id}/checkin",
                 "/api/v1/invitations", "/api/v1/reserve",
                 "/api/v1/reserve/{member_id}/promote"):  # fmt: skip
        assert path in paths, path
    checkin = paths["/api/v1/activities/{activity_id}/checkin"]["post"]["responses"]
    assert {"200", "201", "404", "409", "410"} <= set(checkin)
