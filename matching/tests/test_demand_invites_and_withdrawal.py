"""Issue 11, item 8 (2/2): an accepted invitation takes the demand as a grab would (exactly
one of a grab and an acceptance wins, with real threads on both databases); withdrawing a
demand tells the lecturers who were notified and closes their grab buttons (409 `withdrawn`)."""

import pytest
from django.test import Client
from django.utils import translation

from accounts.services import api_token_issue
from conftest import run_in_threads
from core.errors import Conflict
from core.models import AuditLog
from core.tests.factories import make_course, make_lecturer
from matching import services
from matching.models import Demand, DemandInvite, DemandNotice, DemandStatus, NoticeOutcome
from notifications.models import InboxMessage
from scheduling import services as scheduling
from scheduling.models import Booking, BookingStatus
from scheduling.tests.conftest import at

from .test_api_bad_input import assert_error, counts

TOPIC = "乡村振兴 产业发展 讲座"


def open_demand(world) -> Demand:
    return services.demand_create(
        actor=world.secretary, org_id=world.branch.pk, topic=TOPIC, window_start=at(7, 8),
        window_end=at(9, 18), duration_minutes=90,
    )  # fmt: skip


def notify_lecturers(demand, *lecturers) -> None:
    DemandNotice.objects.bulk_create(
        [
            DemandNotice(demand=demand, lecturer=lec, round=1, rank=i + 1, score=0.5)
            for i, lec in enumerate(lecturers)
        ]
    )


@pytest.fixture
def qian(world):
    """A second lecturer who fits the topic."""
    lecturer = make_lecturer(world.county, "钱七", org=world.sibling_branch, specialties="乡村振兴")
    lecturer.course = make_course(lecturer, "乡村振兴与产业发展", "situation_policy")
    return lecturer


def invite(world, demand, lecturer, course, start=None):
    return services.demand_invite(
        actor=world.secretary, demand=demand, lecturer_id=lecturer.pk, course_id=course.pk,
        start=start or at(8, 9),
    )  # fmt: skip


# --- an accepted invitation takes the demand ------------------------------------------------


@pytest.mark.django_db
def test_an_accepted_invitation_takes_the_demand_as_a_grab_would(world, api_as, qian):
    demand = open_demand(world)
    notify_lecturers(demand, qian)
    response = api_as(world.secretary).post(
        f"/api/v1/demands/{demand.pk}/invite",
        {"lecturer_id": world.zhang.pk, "course_id": world.course.pk, "start": at(8, 9).isoformat()},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    booking_id = response.json()["booking_id"]
    assert DemandInvite.objects.filter(demand=demand, booking_id=booking_id).exists()
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.OPEN  # open until accepted

    accepted = api_as(world.lecturer).post(f"/api/v1/bookings/{booking_id}/accept")
    assert accepted.status_code == 200, accepted.content
    demand.refresh_from_db()
    assert (demand.status, demand.booking_id) == (DemandStatus.TAKEN, booking_id)
    # The lecturer who was notified is told it is gone, and can no longer grab it.
    assert DemandNotice.objects.get(demand=demand, lecturer=qian).outcome == NoticeOutcome.TOO_LATE
    assert InboxMessage.objects.filter(recipient=qian.user, event="demand_gone").exists()
    assert AuditLog.objects.filter(action="demand.invite_accepted").exists()
    grab = api_as(qian.user).post(
        f"/api/v1/demands/{demand.pk}/grab",
        {"course_id": qian.course.pk, "start": at(8, 14).isoformat()},
    )
    assert_error(grab, 409, "taken")


@pytest.mark.django_db
def test_an_invitation_accepted_after_a_grab_is_refused_and_nothing_changes(world, api_as, qian):
    demand = open_demand(world)
    booking = invite(world, demand, world.zhang, world.course)
    notify_lecturers(demand, qian)
    grabbed = api_as(qian.user).post(
        f"/api/v1/demands/{demand.pk}/grab",
        {"course_id": qian.course.pk, "start": at(8, 14).isoformat()},
    )
    assert grabbed.status_code == 200, grabbed.content
    response = api_as(world.lecturer).post(
        f"/api/v1/bookings/{booking.pk}/accept", headers={"Accept-Language": "zh-hans"}
    )
    assert_error(response, 409, "taken")
    assert "其他讲师" in response.json()["detail"]
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.REQUESTED  # rolled back
    demand.refresh_from_db()
    assert demand.booking_id == grabbed.json()["booking_id"]


@pytest.mark.django_db
def test_two_invitations_of_one_demand_confirm_only_one(world, qian):
    demand = open_demand(world)
    first = invite(world, demand, world.zhang, world.course)
    second = invite(world, demand, qian, qian.course, start=at(8, 14))
    scheduling.booking_accept(actor=qian.user, booking=second)
    with pytest.raises(Conflict) as refused:
        scheduling.booking_accept(actor=world.lecturer, booking=first)
    assert refused.value.code == "taken"
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED).count() == 1
    assert Demand.objects.get(pk=demand.pk).booking_id == second.pk


@pytest.mark.django_db
def test_an_invitation_of_a_withdrawn_demand_stays_an_ordinary_booking(world):
    demand = open_demand(world)
    booking = invite(world, demand, world.zhang, world.course)
    services.demand_cancel(actor=world.secretary, demand=demand)
    scheduling.booking_accept(actor=world.lecturer, booking=booking)
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED
    demand.refresh_from_db()
    assert (demand.status, demand.booking_id) == (DemandStatus.CANCELLED, None)


@pytest.mark.django_db
def test_an_ordinary_booking_accepted_touches_no_demand(world, api_as):
    demand = open_demand(world)
    created = api_as(world.secretary).post(
        "/api/v1/bookings",
        {"org_id": world.branch.pk, "lecturer_id": world.zhang.pk, "course_id": world.course.pk,
         "start": at(8, 9).isoformat(), "end": at(8, 11).isoformat(), "venue": "村委会",
         "expected_attendees": 30, "classroom": "classroom"},
    )  # fmt: skip
    assert created.status_code == 201, created.content
    accepted = api_as(world.lecturer).post(f"/api/v1/bookings/{created.json()['id']}/accept")
    assert accepted.status_code == 200
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.OPEN


@pytest.mark.django_db
def test_the_lecturer_accepting_on_the_booking_page_takes_the_demand(world, login):
    demand = open_demand(world)
    booking = invite(world, demand, world.zhang, world.course)
    response = login(world.lecturer).post(f"/bookings/{booking.pk}/accept/")
    assert response.status_code in (200, 302)
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.TAKEN


ROUNDS = 6


@pytest.mark.django_db(transaction=True)
def test_a_grab_and_an_invitation_accepted_at_once_never_both_win(world, qian):
    """Each round: one thread grabs (Qian, notified) while another accepts the invitation
    (Zhang, invited) of the same demand. Exactly one wins; the other gets 409 `taken`."""
    rounds = []
    for i in range(ROUNDS):
        demand = Demand.objects.create(
            county=world.county, org=world.branch, topic=TOPIC, window_start=at(7 + i, 8),
            window_end=at(7 + i, 18), duration_minutes=90, venue="村委会", lat=36.5, lng=118.5,
            expected_attendees=30, classroom="classroom", created_by=world.secretary,
        )  # fmt: skip
        notify_lecturers(demand, qian)
        booking = invite(world, demand, world.zhang, world.course, start=at(7 + i, 9))
        rounds.append((demand, booking))
    tokens = {
        "grab": api_token_issue(user=qian.user),
        "accept": api_token_issue(user=world.lecturer),
    }

    for demand, booking in rounds:

        def act(k, demand=demand, booking=booking):
            if k == 0:
                response = Client().post(
                    f"/api/v1/demands/{demand.pk}/grab",
                    {"course_id": qian.course.pk, "start": demand.window_start.replace(hour=14).isoformat()},
                    content_type="application/json",
                    headers={"Authorization": f"Bearer {tokens['grab']}"},
                )  # fmt: skip
            else:
                response = Client().post(
                    f"/api/v1/bookings/{booking.pk}/accept",
                    headers={"Authorization": f"Bearer {tokens['accept']}"},
                )
            return response.status_code, response.json().get("code")

        results = run_in_threads(act, 2)
        assert all(not isinstance(r, Exception) for r in results), results
        assert sorted(status for status, _code in results) == [200, 409], results
        assert [r for r in results if r[0] == 409] == [(409, "taken")], results
        demand.refresh_from_db()
        assert demand.status == DemandStatus.TAKEN
        confirmed = Booking.objects.filter(
            status=BookingStatus.CONFIRMED, start_at__gte=demand.window_start,
            end_at__lte=demand.window_end,
        )  # fmt: skip
        assert confirmed.count() == 1 and confirmed.get().pk == demand.booking_id, results


# --- withdrawing tells the notified lecturers ------------------------------------------------


@pytest.mark.django_db
def test_withdrawing_tells_the_notified_lecturers_and_closes_the_grab(world, api_as, qian):
    demand = open_demand(world)
    notify_lecturers(demand, world.zhang, qian)
    with translation.override("zh-hans"):
        response = api_as(world.secretary).post(f"/api/v1/demands/{demand.pk}/cancel")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    told = InboxMessage.objects.filter(event="demand_withdrawn")
    assert {m.recipient_id for m in told} == {world.lecturer.pk, qian.user.pk}
    message = told.get(recipient=qian.user)
    assert "撤回" in message.body and TOPIC in message.body
    assert message.url == f"/demands/{demand.pk}/"

    before = counts()
    grab = api_as(world.lecturer).post(
        f"/api/v1/demands/{demand.pk}/grab",
        {"course_id": world.course.pk, "start": at(8, 9).isoformat()},
        headers={"Accept-Language": "zh-hans"},
    )
    assert_error(grab, 409, "withdrawn")
    assert "撤回" in grab.json()["detail"]
    assert counts() == before


@pytest.mark.django_db
def test_a_lecturer_not_notified_hears_nothing_and_withdrawing_twice_tells_once(world, qian):
    demand = open_demand(world)
    notify_lecturers(demand, qian)
    services.demand_cancel(actor=world.secretary, demand=demand)
    with pytest.raises(Conflict):  # already withdrawn
        services.demand_cancel(actor=world.secretary, demand=demand)
    assert InboxMessage.objects.filter(event="demand_withdrawn").count() == 1
    assert not InboxMessage.objects.filter(recipient=world.lecturer).exists()


@pytest.mark.django_db
def test_the_lecturers_page_shows_the_demand_withdrawn_without_a_grab_button(world, login):
    demand = open_demand(world)
    notify_lecturers(demand, world.zhang)
    client = login(world.lecturer)
    assert 'data-testid="grab"' in client.get(f"/demands/{demand.pk}/").content.decode()
    services.demand_cancel(actor=world.secretary, demand=demand)
    html = client.get(f"/demands/{demand.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-testid="withdrawn"' in html and "已撤回" in html
    assert 'data-testid="grab"' not in html and 'data-testid="grab-form"' not in html
    # The page's grab form posted all the same is answered with the state.
    response = client.post(
        f"/demands/{demand.pk}/grab/",
        {"course": world.course.pk, "date": at(8).date().isoformat(), "start_time": "09:00"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert "撤回" in response.content.decode()
    assert not Booking.objects.exists()
    # And it is no longer among the orders to grab.
    listing = client.get("/demands/?side=lecturer").content.decode()
    assert f"/demands/{demand.pk}/" not in listing


@pytest.mark.django_db
def test_an_outsider_cannot_withdraw_or_invite(world, api_as):
    demand = open_demand(world)
    for path, body in (
        (f"/api/v1/demands/{demand.pk}/cancel", None),
        (f"/api/v1/demands/{demand.pk}/invite",
         {"lecturer_id": world.zhang.pk, "course_id": world.course.pk, "start": at(8, 9).isoformat()}),
    ):  # fmt: skip
        assert api_as(world.outsider).post(path, body).status_code == 404
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.OPEN
    assert not DemandInvite.objects.exists() and not InboxMessage.objects.exists()
