"""Who sees and does what with bookings through the API: per endpoint, per role, per state."""

from types import SimpleNamespace

import pytest
from django.utils import timezone

from core.models import AuditLog
from notifications.models import InboxMessage
from scheduling import services
from scheduling.models import Booking, BookingEvent, BookingStatus

from .conftest import at

pytestmark = pytest.mark.django_db


def book(actor, org, lecturer, course, days, hour=9, **extra):
    return services.booking_create(
        actor=actor,
        org_id=org.pk,
        lecturer_id=lecturer.pk,
        course_id=course.pk,
        start=at(days, hour),
        end=at(days, hour + 2),
        venue=f"{org.name}会议室",
        expected_attendees=30,
        classroom="classroom",
        **extra,
    )


@pytest.fixture
def bk(world):
    """One booking in every corner of the tree, and one in county B."""
    return SimpleNamespace(
        branch=book(world.secretary, world.branch, world.zhang, world.course, 7),
        sibling=book(world.town_admin, world.sibling_branch, world.zhang, world.course, 8),
        other=book(world.other_secretary, world.other_branch, world.li, world.course_li, 9),
        unit=book(world.county_admin, world.unit, world.zhang, world.course, 10),
        b=book(world.outsider, world.branch_b, world.lecturer_b, world.course_b, 7),
    )


def writes() -> tuple:
    return (
        BookingEvent.objects.count(),
        AuditLog.objects.count(),
        InboxMessage.objects.count(),
    )


def assert_error(response, status, code=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) <= {"detail", "code", "fields"} and body["detail"]
    if code:
        assert body["code"] == code, body
    if status not in (400, 422):
        assert "fields" not in body
    return body


# Who sees which of the bookings of `bk`.
VISIBLE = {
    "lecturer": {"branch", "sibling", "unit"},  # 张三丰's own sessions, wherever they are
    "secretary": {"branch"},
    "other_secretary": {"other"},
    "town_admin": {"branch", "sibling"},
    "county_admin": {"branch", "sibling", "other", "unit"},
    "outsider": {"b"},
}
ALL = ("branch", "sibling", "other", "unit", "b")


def user_of(world, persona):
    return getattr(world, persona)


# --- reading ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", sorted(VISIBLE))
def test_the_list_holds_exactly_the_visible_bookings(world, bk, api_as, persona):
    response = api_as(user_of(world, persona)).get("/api/v1/bookings")
    assert response.status_code == 200, response.content
    body = response.json()
    expected = {getattr(bk, name).pk for name in VISIBLE[persona]}
    assert {item["id"] for item in body["items"]} == expected
    assert body["count"] == len(expected)


def test_the_town_lecturer_sees_only_the_own_session(world, bk, api_as):
    body = api_as(world.li.user).get("/api/v1/bookings").json()
    assert [item["id"] for item in body["items"]] == [bk.other.pk]


@pytest.mark.parametrize("persona", sorted(VISIBLE))
@pytest.mark.parametrize("name", ALL)
def test_one_booking_is_shown_only_to_its_parties_and_superiors(world, bk, api_as, persona, name):
    booking = getattr(bk, name)
    response = api_as(user_of(world, persona)).get(f"/api/v1/bookings/{booking.pk}")
    if name in VISIBLE[persona]:
        assert response.status_code == 200, response.content
        assert response.json()["id"] == booking.pk
        assert response.json()["start"].endswith("+08:00")
    else:
        assert_error(response, 404, "not_found")


def test_a_hidden_booking_looks_exactly_like_a_missing_one(world, bk, api_as):
    api = api_as(world.outsider)
    hidden = api.get(f"/api/v1/bookings/{bk.branch.pk}")
    missing = api.get("/api/v1/bookings/999999999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


@pytest.mark.parametrize("path", ["/api/v1/bookings/99999999999999999999999", "/api/v1/bookings/0"])
def test_an_absurd_booking_id_is_not_found(world, api_as, path):
    assert_error(api_as(world.county_admin).get(path), 404, "not_found")


def test_anonymous_cannot_read_bookings(world, bk, anon_api):
    assert_error(anon_api.get("/api/v1/bookings"), 401, "not_authenticated")
    assert_error(anon_api.get(f"/api/v1/bookings/{bk.branch.pk}"), 401, "not_authenticated")


def test_a_bad_token_is_anonymous(world, bk, client):
    response = client.get("/api/v1/bookings", headers={"Authorization": "Bearer not-a-token"})
    assert_error(response, 401, "not_authenticated")


# --- filters -----------------------------------------------------------------------------------


def test_the_status_filter(world, bk, api_as):
    services.booking_accept(actor=world.lecturer, booking=bk.branch)
    api = api_as(world.county_admin)
    confirmed = api.get("/api/v1/bookings", {"status": "confirmed"}).json()
    requested = api.get("/api/v1/bookings", {"status": "requested"}).json()
    declined = api.get("/api/v1/bookings", {"status": "declined"}).json()
    assert [i["id"] for i in confirmed["items"]] == [bk.branch.pk]
    assert {i["id"] for i in requested["items"]} == {bk.sibling.pk, bk.other.pk, bk.unit.pk}
    assert declined == {"items": [], "count": 0}


def test_the_side_filter_for_a_lecturer(world, bk, api_as):
    api = api_as(world.lecturer)
    mine = api.get("/api/v1/bookings", {"side": "lecturer"}).json()
    org = api.get("/api/v1/bookings", {"side": "org"}).json()
    assert {i["id"] for i in mine["items"]} == {bk.branch.pk, bk.sibling.pk, bk.unit.pk}
    assert org["count"] == 0


def test_the_side_filter_for_a_secretary(world, bk, api_as):
    api = api_as(world.secretary)
    assert api.get("/api/v1/bookings", {"side": "lecturer"}).json()["count"] == 0
    org = api.get("/api/v1/bookings", {"side": "org"}).json()
    assert [i["id"] for i in org["items"]] == [bk.branch.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "bogus"}, "status"),
        ({"status": "REQUESTED"}, "status"),
        ({"side": "both"}, "side"),
        ({"side": "Lecturer"}, "side"),
        ({"page": "0"}, "page"),
        ({"page_size": "101"}, "page_size"),
        ({"page_size": "x"}, "page_size"),
    ],
)
def test_bad_list_parameters(world, bk, api_as, params, field):
    response = api_as(world.county_admin).get("/api/v1/bookings", params)
    body = assert_error(response, 422)
    assert field in body["fields"], body


def test_the_list_is_paged_and_newest_session_first(world, bk, api_as):
    api = api_as(world.county_admin)
    first = api.get("/api/v1/bookings", {"page_size": 3}).json()
    second = api.get("/api/v1/bookings", {"page_size": 3, "page": 2}).json()
    assert first["count"] == second["count"] == 4
    ids = [i["id"] for i in first["items"] + second["items"]]
    assert ids == [bk.unit.pk, bk.other.pk, bk.sibling.pk, bk.branch.pk]


# --- every write on a booking, from outside ---------------------------------------------------

ACTIONS = [
    ("accept", None),
    ("decline", {"reason": "没空"}),
    ("cancel", {"reason": "不需要了"}),
    ("complete", None),
    ("reschedule", {"start": at(12, 9).isoformat(), "end": at(12, 11).isoformat()}),
]


@pytest.mark.parametrize(("action", "body"), ACTIONS)
def test_the_outsider_gets_404_for_every_action(world, bk, api_as, action, body):
    before = writes()
    response = api_as(world.outsider).post(f"/api/v1/bookings/{bk.branch.pk}/{action}", body)
    assert_error(response, 404, "not_found")
    assert Booking.objects.get(pk=bk.branch.pk).status == "requested"
    assert writes() == before


@pytest.mark.parametrize(("action", "body"), ACTIONS)
def test_anonymous_gets_401_for_every_action(world, bk, anon_api, action, body):
    before = writes()
    for headers in (None, {"Idempotency-Key": f"anon-{action}"}):
        response = anon_api.post(f"/api/v1/bookings/{bk.branch.pk}/{action}", body, headers)
        assert_error(response, 401, "not_authenticated")
    assert Booking.objects.get(pk=bk.branch.pk).status == "requested"
    assert writes() == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/offerings", None),
        ("post", "/api/v1/offerings", {"month": "2026-12", "course_ids": [1], "slots": []}),
        ("post", "/api/v1/offerings/copy-previous", {"month": "2026-12"}),
        ("get", "/api/v1/calendar-feed", None),
        ("post", "/api/v1/calendar-feed/rotate", None),
        ("get", "/api/v1/inbox", None),
        ("post", "/api/v1/inbox/read", {}),
        ("get", "/api/v1/outside-sessions", None),
        ("post", "/api/v1/outside-sessions", None),
        ("post", "/api/v1/outside-sessions/1/decide", {"approve": True}),
        ("post", "/api/v1/bookings", {}),
    ],
)
def test_anonymous_gets_401_everywhere(world, anon_api, method, path, body):
    response = getattr(anon_api, method)(path, body)
    assert_error(response, 401, "not_authenticated")


# --- transitions from the wrong state ------------------------------------------------------------


def started(booking):
    Booking.objects.filter(pk=booking.pk).update(
        start_at=timezone.now() - timezone.timedelta(minutes=30)
    )


def in_state(world, booking, state):
    """Bring a requested booking into `state` through the services."""
    if state == "requested":
        return booking
    if state == "declined":
        return services.booking_decline(actor=world.lecturer, booking=booking, reason="没空")
    if state == "cancelled":
        return services.booking_cancel(actor=world.secretary, booking=booking, reason="取消")
    if state == "expired":
        Booking.objects.filter(pk=booking.pk).update(status=BookingStatus.EXPIRED)
        return Booking.objects.get(pk=booking.pk)
    booking = services.booking_accept(actor=world.lecturer, booking=booking)
    if state == "completed":
        started(booking)
        booking = services.booking_complete(actor=world.secretary, booking=booking)
    return booking


WRONG = [
    # (state, who, action, body)
    ("declined", "lecturer", "accept", None),
    ("confirmed", "lecturer", "accept", None),
    ("cancelled", "lecturer", "accept", None),
    ("completed", "lecturer", "accept", None),
    ("expired", "lecturer", "accept", None),
    ("confirmed", "lecturer", "decline", {"reason": "突然有事"}),
    ("declined", "lecturer", "decline", {"reason": "再拒一次"}),
    ("cancelled", "lecturer", "decline", {"reason": "没空"}),
    ("requested", "secretary", "complete", None),
    ("requested", "lecturer", "complete", None),
    ("declined", "secretary", "complete", None),
    ("cancelled", "secretary", "complete", None),
    ("completed", "secretary", "complete", None),
    ("completed", "secretary", "cancel", {"reason": "算了"}),
    ("completed", "lecturer", "cancel", {"reason": "算了"}),
    ("declined", "secretary", "cancel", {"reason": "算了"}),
    ("cancelled", "secretary", "cancel", {"reason": "再取消"}),
    ("expired", "secretary", "cancel", {"reason": "算了"}),
    ("completed", "secretary", "reschedule", None),
    ("declined", "secretary", "reschedule", None),
]


@pytest.mark.parametrize(("state", "who", "action", "body"), WRONG)
def test_a_transition_from_the_wrong_state_is_bad_state(
    world, bk, api_as, state, who, action, body
):
    booking = in_state(world, bk.branch, state)
    if state == "completed" or (state == "requested" and action == "complete"):
        started(booking)
    if action == "reschedule":
        body = {"start": at(12, 9).isoformat(), "end": at(12, 11).isoformat()}
    before, row = writes(), Booking.objects.get(pk=booking.pk)
    response = api_as(user_of(world, who)).post(f"/api/v1/bookings/{booking.pk}/{action}", body)
    assert_error(response, 409, "bad_state")
    after = Booking.objects.get(pk=booking.pk)
    assert after.status == state
    assert (after.start_at, after.updated_at) == (row.start_at, row.updated_at)
    assert writes() == before


def test_a_confirmed_booking_not_yet_started_is_not_started(world, bk, api_as):
    booking = in_state(world, bk.branch, "confirmed")
    response = api_as(world.secretary).post(f"/api/v1/bookings/{booking.pk}/complete")
    assert_error(response, 409, "not_started")
    assert Booking.objects.get(pk=booking.pk).status == "confirmed"


# --- the wrong person -------------------------------------------------------------------------------


def test_another_lecturer_cannot_accept_and_learns_nothing(world, bk, api_as):
    api = api_as(world.li.user)
    before = writes()
    foreign = api.post(f"/api/v1/bookings/{bk.branch.pk}/accept")
    missing = api.post("/api/v1/bookings/999999999/accept")
    assert_error(foreign, 404, "not_found")
    assert foreign.json() == missing.json()  # no leak: same as a booking that does not exist
    assert Booking.objects.get(pk=bk.branch.pk).status == "requested"
    assert writes() == before


@pytest.mark.parametrize("action", ["decline", "cancel", "complete"])
def test_another_lecturer_cannot_touch_the_booking(world, bk, api_as, action):
    booking = in_state(world, bk.branch, "confirmed")
    started(booking)
    response = api_as(world.li.user).post(
        f"/api/v1/bookings/{booking.pk}/{action}", {"reason": "x"}
    )
    assert_error(response, 404, "not_found")
    assert Booking.objects.get(pk=booking.pk).status == "confirmed"


@pytest.mark.parametrize("who", ["secretary", "town_admin", "county_admin"])
@pytest.mark.parametrize(("action", "body"), [("accept", None), ("decline", {"reason": "没空"})])
def test_only_the_lecturer_answers_a_request(world, bk, api_as, who, action, body):
    before = writes()
    response = api_as(user_of(world, who)).post(f"/api/v1/bookings/{bk.branch.pk}/{action}", body)
    assert_error(response, 403, "forbidden")
    assert Booking.objects.get(pk=bk.branch.pk).status == "requested"
    assert writes() == before


def test_the_sibling_secretary_cannot_see_or_cancel(world, bk, api_as):
    from core.tests.factories import make_member
    from orgs.models import Role

    sibling_secretary = make_member("sibling_secretary", world.sibling_branch, Role.SECRETARY)
    api = api_as(sibling_secretary)
    assert_error(api.get(f"/api/v1/bookings/{bk.branch.pk}"), 404, "not_found")
    response = api.post(f"/api/v1/bookings/{bk.branch.pk}/cancel", {"reason": "取消"})
    assert_error(response, 404, "not_found")
    assert [i["id"] for i in api.get("/api/v1/bookings").json()["items"]] == [bk.sibling.pk]


def test_the_other_town_admin_sees_none_of_this_town(world, bk, api_as):
    from core.tests.factories import make_member
    from orgs.models import Role

    west_admin = make_member("west_admin", world.other_town, Role.TOWN_ADMIN)
    api = api_as(west_admin)
    assert [i["id"] for i in api.get("/api/v1/bookings").json()["items"]] == [bk.other.pk]
    for booking in (bk.branch, bk.sibling, bk.unit):
        assert_error(api.get(f"/api/v1/bookings/{booking.pk}"), 404, "not_found")


def test_a_superior_may_cancel_and_complete(world, bk, api_as):
    cancelled = api_as(world.town_admin).post(
        f"/api/v1/bookings/{bk.sibling.pk}/cancel", {"reason": "镇里统一安排"}
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    booking = in_state(world, bk.branch, "confirmed")
    started(booking)
    done = api_as(world.county_admin).post(f"/api/v1/bookings/{booking.pk}/complete")
    assert done.status_code == 200 and done.json()["status"] == "completed"


def test_only_the_booking_organisation_reschedules(world, bk, api_as):
    body = {"start": at(12, 9).isoformat(), "end": at(12, 11).isoformat()}
    response = api_as(world.lecturer).post(f"/api/v1/bookings/{bk.branch.pk}/reschedule", body)
    assert_error(response, 403, "forbidden")
    assert Booking.objects.get(pk=bk.branch.pk).start_at == at(7, 9)
