"""The lecturer's lifecycle: the state machine's moves, who may make them, what a cold-stored
or removed lecturer disappears from, and one winner when two admins move at once."""

import itertools

import pytest
from django.test import Client
from django.utils import timezone

import access
from accounts.services import api_token_issue
from conftest import run_in_threads
from core.models import AuditLog
from core.tests.factories import make_lecturer
from lecturers.lifecycle import MOVES
from lecturers.models import Lecturer, LecturerLevel, LecturerStatusChange
from matching.models import DemandNotice
from matching.tests.test_flow import demand_payload
from notifications.models import InboxMessage
from scheduling.models import Booking, BookingStatus
from scheduling.tests.conftest import at

STATUSES = ["candidate", "active", "cold_store", "removed"]
ALLOWED = {(old, new) for old, targets in MOVES.items() for new in targets}


def url(lecturer):
    return f"/api/v1/lecturers/{lecturer.pk}/status"


def written(lecturer) -> tuple:
    """Everything a move writes, to check that a refusal wrote none of it."""
    return (
        Lecturer.objects.get(pk=lecturer.pk).status,
        Lecturer.objects.get(pk=lecturer.pk).version,
        LecturerStatusChange.objects.filter(lecturer=lecturer).count(),
        AuditLog.objects.filter(action="lecturer.status").count(),
        InboxMessage.objects.filter(event="lecturer_status_changed").count(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("old", "new"), list(itertools.product(STATUSES, STATUSES)))
def test_the_machine_allows_exactly_its_moves(world, api_as, old, new):
    lecturer = make_lecturer(world.county, "周八", status=old)
    before = written(lecturer)
    response = api_as(world.county_admin).post(url(lecturer), {"status": new, "reason": "年度考核"})
    if (old, new) in ALLOWED:
        assert response.status_code == 200, response.content
        assert response.json()["status"] == new
        change = LecturerStatusChange.objects.get(lecturer=lecturer)
        assert (change.from_status, change.to_status, change.reason, change.actor) == (
            old, new, "年度考核", world.county_admin,
        )  # fmt: skip
        assert change.at <= timezone.now()
        entry = AuditLog.objects.get(action="lecturer.status", object_id=str(lecturer.pk))
        assert entry.before == {"status": old} and entry.after["status"] == new
        message = InboxMessage.objects.get(recipient=lecturer.user, event="lecturer_status_changed")
        assert "年度考核" in message.body
        assert Lecturer.objects.get(pk=lecturer.pk).version == before[1] + 1
    else:
        assert response.status_code == 409, response.content
        assert response.json()["code"] == "bad_state"
        assert written(lecturer) == before


@pytest.mark.django_db
def test_removed_is_final_and_says_so(world, api_as):
    lecturer = make_lecturer(world.county, "周八", status="removed")
    response = api_as(world.county_admin).post(
        url(lecturer), {"status": "active", "reason": "复用"}
    )
    assert response.status_code == 409 and response.json()["code"] == "bad_state"
    # The Chinese message names both states: 出库 (removed) and 在库 (active).
    assert "出库" in response.json()["detail"] and "在库" in response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "cold_store"}, "reason"),
        ({"status": "cold_store", "reason": "   "}, "reason"),
        ({"status": "cold_store", "reason": "长" * 301}, "reason"),
        ({"status": "cold_store", "reason": "x\x00"}, "reason"),
        ({"status": "frozen", "reason": "原因"}, "status"),
        ({"reason": "原因"}, "status"),
        ({"status": 3, "reason": "原因"}, "status"),
    ],
)
def test_bad_moves_are_named_and_nothing_is_written(world, api_as, body, field):
    before = written(world.zhang)
    response = api_as(world.county_admin).post(url(world.zhang), body)
    assert response.status_code == 422, response.content
    assert field in response.json()["fields"]
    assert written(world.zhang) == before


@pytest.fixture
def town_lecturer(world):
    """A town-level lecturer of the town admin's town."""
    return make_lecturer(world.county, "钱七", org=world.sibling_branch, level="town")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "target", "status"),
    [
        ("county_admin", "zhang", 200),
        ("county_admin", "li", 200),
        ("county_admin", "town_lecturer", 200),
        ("town_admin", "town_lecturer", 200),
        ("town_admin", "zhang", 403),  # a county-level lecturer
        ("town_admin", "li", 403),  # a town-level lecturer of another town
        ("secretary", "zhang", 403),
        ("lecturer", "zhang", 403),  # not even the own status
        ("lecturer", "li", 403),
        ("outsider", "zhang", 404),
    ],
)
def test_who_may_move_whom(world, api_as, town_lecturer, who, target, status):
    lecturer = town_lecturer if target == "town_lecturer" else getattr(world, target)
    before = written(lecturer)
    response = api_as(getattr(world, who)).post(
        url(lecturer), {"status": "cold_store", "reason": "考核不合格"}
    )
    assert response.status_code == status, response.content
    if status != 200:
        assert written(lecturer) == before


@pytest.mark.django_db
def test_a_town_admin_releases_their_town_lecturer_from_cold_store(world, api_as, town_lecturer):
    api = api_as(world.town_admin)
    assert (
        api.post(url(town_lecturer), {"status": "cold_store", "reason": "休整"}).status_code == 200
    )
    # Still theirs to see (with the reason) and to release, though gone from the catalogue.
    detail = api.get(f"/api/v1/lecturers/{town_lecturer.pk}").json()
    assert detail["status"] == "cold_store"
    assert detail["status_history"][0]["reason"] == "休整"
    assert town_lecturer.pk not in [i["id"] for i in api.get("/api/v1/lecturers").json()["items"]]
    assert (
        api.post(url(town_lecturer), {"status": "active", "reason": "整改完成"}).status_code == 200
    )


@pytest.mark.django_db
def test_anonymous_callers_are_refused(world, anon_api):
    assert (
        anon_api.post(url(world.zhang), {"status": "cold_store", "reason": "x"}).status_code == 401
    )


# --- Gone from everything while cold-stored or removed, back after release -------------------


def lecturer_ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def course_ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def move(api, lecturer, status, reason="原因"):
    response = api.post(url(lecturer), {"status": status, "reason": reason})
    assert response.status_code == 200, response.content


def visible_everywhere(world, api_as) -> dict:
    """Where zhang (and his course) can be found, booked and matched, as the branch sees it."""
    secretary, admin = api_as(world.secretary), api_as(world.county_admin)
    zhang, course = world.zhang.pk, world.course.pk
    demand = secretary.post("/api/v1/demands", demand_payload(world)).json()
    recommended = {
        r["lecturer_id"]
        for r in secretary.get(f"/api/v1/demands/{demand['id']}/recommendations").json()
    }
    return {
        "catalogue": zhang in lecturer_ids(secretary.get("/api/v1/lecturers")),
        "county catalogue": zhang in lecturer_ids(admin.get("/api/v1/lecturers")),
        "search by name": zhang in lecturer_ids(secretary.get("/api/v1/lecturers", {"q": "张三丰"})),
        "search by initials": zhang in lecturer_ids(secretary.get("/api/v1/lecturers", {"q": "zsf"})),
        "search by course": zhang in lecturer_ids(secretary.get("/api/v1/lecturers", {"q": "乡村振兴"})),
        "courses": course in course_ids(secretary.get("/api/v1/courses")),
        "county courses": course in course_ids(admin.get("/api/v1/courses")),
        "résumé": secretary.get(f"/api/v1/lecturers/{zhang}").status_code == 200,
        "recommended": zhang in recommended,
    }  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["cold_store", "removed"])
def test_a_lecturer_out_of_service_disappears_and_returns_after_release(
    world, api_as, booking_payload, status
):
    admin = api_as(world.county_admin)
    assert set(visible_everywhere(world, api_as).values()) == {True}
    move(admin, world.zhang, status)
    gone = visible_everywhere(world, api_as)
    assert set(gone.values()) == {False}, gone
    # Booking: the county (who sees the lecturer) is told why; a branch does not see them.
    response = admin.post("/api/v1/bookings", booking_payload())
    assert (response.status_code, response.json()["code"]) == (409, "lecturer_unavailable")
    response = api_as(world.secretary).post("/api/v1/bookings", booking_payload())
    assert response.status_code == 422 and "lecturer_id" in response.json()["fields"]
    # The lecturer cannot publish a month either.
    month = f"{at(40).date():%Y-%m}"
    response = api_as(world.lecturer).post(
        "/api/v1/offerings", {"month": month, "course_ids": [world.course.pk], "slots": []}
    )
    assert (response.status_code, response.json()["code"]) == (409, "lecturer_unavailable")
    assert not Booking.objects.exists()
    if status == "cold_store":
        move(admin, world.zhang, "active", "整改完成")
        assert set(visible_everywhere(world, api_as).values()) == {True}
        assert (
            api_as(world.secretary).post("/api/v1/bookings", booking_payload()).status_code == 201
        )


@pytest.mark.django_db
def test_a_cold_stored_lecturer_is_not_broadcast_to_and_cannot_grab(world, api_as):
    secretary = api_as(world.secretary)
    demand = secretary.post("/api/v1/demands", demand_payload(world)).json()
    notified = secretary.post(f"/api/v1/demands/{demand['id']}/broadcast", {"limit": 3}).json()
    assert world.zhang.pk in notified["notified"]
    move(api_as(world.county_admin), world.zhang, "cold_store")
    grab = api_as(world.lecturer).post(
        f"/api/v1/demands/{demand['id']}/grab",
        {"course_id": world.course.pk, "start": at(8, 9).isoformat()},
    )
    assert (grab.status_code, grab.json()["code"]) == (409, "lecturer_unavailable")
    assert not Booking.objects.exists()
    # A second demand's broadcast passes the lecturer over.
    other = secretary.post("/api/v1/demands", demand_payload(world, topic="乡村振兴")).json()
    secretary.post(f"/api/v1/demands/{other['id']}/broadcast", {"limit": 5})
    assert not DemandNotice.objects.filter(demand_id=other["id"], lecturer=world.zhang).exists()


@pytest.mark.django_db
def test_a_request_made_before_the_move_cannot_be_accepted(world, api_as, booking_payload):
    booking = api_as(world.secretary).post("/api/v1/bookings", booking_payload()).json()
    move(api_as(world.county_admin), world.zhang, "cold_store")
    response = api_as(world.lecturer).post(f"/api/v1/bookings/{booking['id']}/accept")
    assert (response.status_code, response.json()["code"]) == (409, "lecturer_unavailable")
    assert Booking.objects.get(pk=booking["id"]).status == BookingStatus.REQUESTED


@pytest.mark.django_db
def test_future_bookings_are_kept_and_listed_to_the_county(world, api_as, booking_payload, client):
    booking_id = api_as(world.secretary).post("/api/v1/bookings", booking_payload()).json()["id"]
    assert api_as(world.lecturer).post(f"/api/v1/bookings/{booking_id}/accept").status_code == 200
    admin = api_as(world.county_admin)
    move(admin, world.zhang, "cold_store", "年度考核不合格")
    assert Booking.objects.get(pk=booking_id).status == BookingStatus.CONFIRMED  # not cancelled
    detail = admin.get(f"/api/v1/lecturers/{world.zhang.pk}").json()
    assert [b["id"] for b in detail["bookings_to_decide"]] == [booking_id]
    assert detail["bookings_to_decide"][0]["status"] == "confirmed"
    # The résumé page of the county shows the state, the reason and links to each booking.
    client.force_login(world.county_admin)
    html = client.get(f"/lecturers/{world.zhang.pk}/").content.decode()
    assert 'data-testid="lifecycle-state"' in html and "年度考核不合格" in html
    assert f'href="/bookings/{booking_id}/"' in html
    # The branch does not see the lecturer at all, on the page or in the API.
    client.force_login(world.secretary)
    assert client.get(f"/lecturers/{world.zhang.pk}/").status_code == 404
    assert api_as(world.secretary).get(f"/api/v1/lecturers/{world.zhang.pk}").status_code == 404
    # The lecturer sees the own state and why.
    client.force_login(world.lecturer)
    html = client.get(f"/lecturers/{world.zhang.pk}/").content.decode()
    assert "年度考核不合格" in html and 'data-testid="bookings-to-decide"' not in html


@pytest.mark.django_db
def test_the_history_and_terms_are_for_those_who_manage_the_lecturer(world, api_as):
    move(api_as(world.county_admin), world.li, "cold_store")
    move(api_as(world.county_admin), world.li, "active")
    detail = api_as(world.county_admin).get(f"/api/v1/lecturers/{world.li.pk}").json()
    assert [c["to_status"] for c in detail["status_history"]] == ["active", "cold_store"]
    other = api_as(world.secretary).get(f"/api/v1/lecturers/{world.li.pk}").json()
    assert other["status_history"] is None and other["appointed_until"] is None


# --- Two admins at once ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_admins_moving_the_same_lecturer_give_exactly_one_winner(world):
    """Eight admins move one active lecturer to cold store at once: exactly one move happens
    (without the compare-and-set, admins who all read `active` would each write one); the
    others get 409 bad_state and write nothing."""
    from core.tests.factories import make_member
    from orgs.models import Role

    tokens = [
        api_token_issue(user=make_member(f"admin{i}", world.county, Role.COUNTY_ADMIN))
        for i in range(8)
    ]
    zhang = world.zhang.pk

    def post(i):
        response = Client().post(
            f"/api/v1/lecturers/{zhang}/status",
            {"status": "cold_store", "reason": f"第{i}位"},
            content_type="application/json",
            headers={"Authorization": f"Bearer {tokens[i]}"},
        )
        return response.status_code, response.json().get("code")

    results = run_in_threads(post, 8)
    assert all(not isinstance(r, Exception) for r in results), results
    assert [r[0] for r in results].count(200) == 1, results
    assert all(r == (409, "bad_state") for r in results if r[0] != 200), results
    [change] = LecturerStatusChange.objects.filter(lecturer_id=zhang)
    assert Lecturer.objects.get(pk=zhang).status == change.to_status
    assert AuditLog.objects.filter(action="lecturer.status").count() == 1
    assert InboxMessage.objects.filter(event="lecturer_status_changed").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_grab_racing_a_move_to_cold_store_never_lands_after_it(world, api_as):
    """The grab and the move serialise on the lecturer's row: either the grab wins (and its
    confirmed booking is listed to the county) or it is refused; never a booking made by a
    lecturer already in cold store."""
    secretary = api_as(world.secretary)
    demand = secretary.post("/api/v1/demands", demand_payload(world)).json()
    secretary.post(f"/api/v1/demands/{demand['id']}/broadcast", {"limit": 3})
    lecturer_token = api_token_issue(user=world.lecturer)
    admin_token = api_token_issue(user=world.county_admin)

    def act(i):
        if i == 0:
            body = {"status": "cold_store", "reason": "考核"}
            path, token = f"/api/v1/lecturers/{world.zhang.pk}/status", admin_token
        else:
            body = {"course_id": world.course.pk, "start": at(8, 9).isoformat()}
            path, token = f"/api/v1/demands/{demand['id']}/grab", lecturer_token
        response = Client().post(
            path,
            body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        return response.status_code, response.json().get("code")

    results = run_in_threads(act, 2)
    assert results[0] == (200, None), results
    change = LecturerStatusChange.objects.get(lecturer=world.zhang)
    bookings = list(Booking.objects.filter(lecturer=world.zhang))
    if results[1][0] == 200:
        assert [b.created_at < change.at for b in bookings] == [True]
    else:
        assert results[1] == (409, "lecturer_unavailable") and bookings == []


def test_the_access_rules_name_the_town_level_as_the_lecturers_app_does():
    # The rules live in orgs, below lecturers, and state the level by its value.
    assert access.TOWN_LECTURER_LEVEL == LecturerLevel.TOWN


@pytest.mark.django_db
def test_the_managed_filter_and_the_managed_check_agree(world, town_lecturer):
    """managed_lecturers_q (what the selectors show in any status) and may_manage_lecturer
    (who may edit and move) name the same lecturers for every caller."""
    users = [world.county_admin, world.town_admin, world.secretary, world.lecturer, world.outsider]
    lecturers = list(Lecturer.objects.select_related("org"))
    for user in users:
        managed = set(
            Lecturer.objects.filter(access.managed_lecturers_q(user)).values_list("pk", flat=True)
        )
        assert managed == {lec.pk for lec in lecturers if access.may_manage_lecturer(user, lec)}
    assert set(
        Lecturer.objects.filter(access.managed_lecturers_q(world.town_admin)).values_list(
            "pk", flat=True
        )
    ) == {town_lecturer.pk}
