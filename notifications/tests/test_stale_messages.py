"""Issue 11 item 1: SMS held through quiet hours (or waiting for a retry) are checked before
they go out. At the end of quiet hours only the messages that still matter are sent: a request
already answered, an order already grabbed or withdrawn, a session already begun are dropped
with a recorded reason, several messages about one thing collapse into the latest, and what
must be acted on soon is not held at all."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import run_in_threads
from core.tests.factories import make_course, make_lecturer, make_member, no_quiet_hours
from core.timeutil import local
from matching import services as matching
from notifications import outbox
from notifications.models import DropReason, Event, InboxMessage, OutboxMessage
from notifications.services import notify
from orgs.models import CountySettings, Role
from scheduling import services as scheduling
from scheduling.models import Booking
from scheduling.tests.conftest import at

FACTS = {"org": "东村党支部", "lecturer": "张三丰", "course": "乡村振兴", "when": "12月3日 09:00",
         "venue": "党群服务中心"}  # fmt: skip


@pytest.fixture(autouse=True)
def daytime(world):
    """Out of quiet hours, whatever the hour the suite runs at, until a test enters them."""
    no_quiet_hours(world.county)


def quiet_now(world, **rules) -> None:
    """Quiet hours that cover this very moment and end within two hours."""
    hour = local(timezone.now()).hour
    CountySettings.objects.update_or_create(
        county=world.county,
        defaults={"quiet_hours_start": hour, "quiet_hours_end": (hour + 2) % 24, **rules},
    )


def morning_comes() -> dict:
    """Quiet hours are over: what was held is due; the worker runs."""
    OutboxMessage.objects.filter(status="queued").update(next_attempt_at=timezone.now())
    return outbox.deliver_due()


def book(world, days: int, **change):
    payload = {"org_id": world.branch.pk, "lecturer_id": world.zhang.pk, "course_id": world.course.pk,
               "start": at(days, 9), "end": at(days, 11), "venue": "东村党群服务中心",
               "expected_attendees": 40, "classroom": "classroom", **change}  # fmt: skip
    return scheduling.booking_create(actor=world.secretary, **payload)


def outcome(booking_or_demand, recipient, event) -> tuple[str, str]:
    label = booking_or_demand._meta.label_lower
    message = OutboxMessage.objects.get(
        subject=f"{label}:{booking_or_demand.pk}", recipient=recipient, event=event
    )
    return message.status, message.dropped_reason


@pytest.mark.django_db
def test_at_the_end_of_quiet_hours_only_the_booking_messages_that_still_matter_go(
    world, sms_provider
):
    quiet_now(world)
    declined = book(world, 7)
    scheduling.booking_decline(actor=world.lecturer, booking=declined, reason="那天有课")
    accepted = book(world, 8)
    scheduling.booking_accept(actor=world.lecturer, booking=accepted)
    moved = book(world, 9)
    scheduling.booking_reschedule(actor=world.secretary, booking=moved, start=at(10, 14),
                                  end=at(10, 16))  # fmt: skip
    withdrawn = book(world, 11)
    scheduling.booking_cancel(actor=world.secretary, booking=withdrawn, reason="改期")
    waiting = book(world, 12)
    # Everything was held: nothing went out during quiet hours.
    assert OutboxMessage.objects.filter(channel="sms").count() == 9
    assert outbox.deliver_due() == {}
    assert not sms_provider.requests

    counts = morning_comes()

    assert counts == {"dropped": 5, "sent": 4}
    sent = set(OutboxMessage.objects.filter(status="sent").values_list("recipient", "event"))
    assert sent == {
        (world.secretary.pk, Event.BOOKING_DECLINED),
        (world.secretary.pk, Event.BOOKING_ACCEPTED),
        (world.lecturer.pk, Event.BOOKING_RESCHEDULED),
        (world.lecturer.pk, Event.BOOKING_REQUESTED),
    }
    assert len(sms_provider.requests) == 4
    requested, lecturer = Event.BOOKING_REQUESTED, world.lecturer
    assert outcome(waiting, lecturer, requested) == ("sent", "")
    assert outcome(declined, lecturer, requested) == ("dropped", DropReason.STATE_CHANGED)
    assert outcome(accepted, lecturer, requested) == ("dropped", DropReason.STATE_CHANGED)
    # Requested, then moved: only the latest says the right time.
    assert outcome(moved, lecturer, requested) == ("dropped", DropReason.SUPERSEDED)
    assert outcome(moved, lecturer, Event.BOOKING_RESCHEDULED) == ("sent", "")
    # Requested, then withdrawn: the lecturer was told of neither, so hears of neither.
    assert outcome(withdrawn, lecturer, requested) == ("dropped", DropReason.SUPERSEDED)
    assert outcome(withdrawn, lecturer, Event.BOOKING_CANCELLED) == (
        "dropped",
        DropReason.NEVER_TOLD,
    )
    # The inbox keeps the whole history.
    assert InboxMessage.objects.filter(recipient=lecturer).count() == 7
    # A second run changes nothing: dropped is final.
    assert morning_comes() == {}


@pytest.mark.django_db
def test_a_cancellation_after_a_sent_request_is_sent(world, sms_provider):
    booking = book(world, 7)
    assert outbox.deliver_due() == {"sent": 1}  # daytime: the request went out at once
    quiet_now(world)
    scheduling.booking_cancel(actor=world.secretary, booking=booking, reason="改期")
    assert outbox.deliver_due() == {}
    assert morning_comes() == {"sent": 1}
    assert outcome(booking, world.lecturer, Event.BOOKING_CANCELLED) == ("sent", "")


def grabbing_world(world, n: int = 3):
    lecturers = [
        make_lecturer(world.county, f"讲师{i}号", org=world.branch, specialties="乡村振兴")
        for i in range(n)
    ]
    courses = [make_course(lec, "乡村振兴与产业发展实务", "practical_work") for lec in lecturers]
    return lecturers, courses


def post_demand(world, topic="乡村振兴 产业发展"):
    return matching.demand_create(
        actor=world.secretary, org_id=world.branch.pk, topic=topic, window_start=at(7, 8),
        window_end=at(9, 18), duration_minutes=90,
    )  # fmt: skip


@pytest.mark.django_db
def test_at_the_end_of_quiet_hours_a_grabbed_or_withdrawn_order_is_not_announced(
    world, sms_provider
):
    lecturers, courses = grabbing_world(world)
    quiet_now(world)
    grabbed = post_demand(world)
    told = matching.demand_broadcast(actor=world.secretary, demand=grabbed, limit=4)
    assert len(told) == 4  # the three and 张三丰
    winner = lecturers[0]
    booking = matching.demand_grab(actor=winner.user, demand=grabbed, course_id=courses[0].pk,
                                   start=at(8, 9))  # fmt: skip
    withdrawn = post_demand(world, topic="乡村振兴 集体经济")
    matching.demand_broadcast(actor=world.secretary, demand=withdrawn, limit=2)
    matching.demand_cancel(actor=world.secretary, demand=withdrawn)
    still_open = post_demand(world, topic="乡村振兴 人才振兴")
    open_told = matching.demand_broadcast(actor=world.secretary, demand=still_open, limit=2)
    assert outbox.deliver_due() == {}

    morning_comes()

    sent = set(OutboxMessage.objects.filter(status="sent").values_list("event", "subject"))
    assert sent == {
        (Event.DEMAND_TAKEN, f"scheduling.booking:{booking.pk}"),
        (Event.DEMAND_BROADCAST, f"matching.demand:{still_open.pk}"),
    }
    assert OutboxMessage.objects.filter(status="sent", event=Event.DEMAND_BROADCAST).count() == 2
    assert len(open_told) == 2
    # The taken message reached the secretary and the winner; the other three lecturers got
    # neither "待抢订单" nor "已被其他讲师抢到".
    taken_to = OutboxMessage.objects.filter(status="sent", event=Event.DEMAND_TAKEN)
    assert set(taken_to.values_list("recipient", flat=True)) == {
        world.secretary.pk,
        winner.user.pk,
    }
    for lecturer in lecturers[1:]:
        assert outcome(grabbed, lecturer.user, Event.DEMAND_BROADCAST) == (
            "dropped",
            DropReason.SUPERSEDED,
        )
        assert outcome(grabbed, lecturer.user, Event.DEMAND_GONE) == (
            "dropped",
            DropReason.NEVER_TOLD,
        )
    assert outcome(grabbed, winner.user, Event.DEMAND_BROADCAST) == ("dropped", DropReason.CLOSED)
    # Withdrawn: neither the order nor its withdrawal reaches the two lecturers.
    withdrawn_messages = OutboxMessage.objects.filter(subject=f"matching.demand:{withdrawn.pk}")
    assert sorted(withdrawn_messages.values_list("event", "status", "dropped_reason")) == [
        *[(Event.DEMAND_BROADCAST, "dropped", DropReason.SUPERSEDED)] * 2,
        *[(Event.DEMAND_WITHDRAWN, "dropped", DropReason.NEVER_TOLD)] * 2,
    ]
    assert len(sms_provider.requests) == OutboxMessage.objects.filter(status="sent").count()


@pytest.mark.django_db
def test_lecturers_told_of_an_order_hear_that_it_was_taken(world, sms_provider):
    lecturers, courses = grabbing_world(world, 2)
    demand = post_demand(world)
    matching.demand_broadcast(actor=world.secretary, demand=demand, limit=3)
    assert outbox.deliver_due() == {"sent": 3}  # daytime
    quiet_now(world)
    matching.demand_grab(actor=lecturers[0].user, demand=demand, course_id=courses[0].pk,
                         start=at(8, 9))  # fmt: skip
    morning_comes()
    gone = OutboxMessage.objects.filter(event=Event.DEMAND_GONE)
    assert gone.count() == 2 and {m.status for m in gone} == {"sent"}


@pytest.mark.django_db
def test_urgent_messages_are_not_held_by_quiet_hours(world, sms_provider):
    quiet_now(world, booking_notice_hours=0)
    now = timezone.now()
    soon_start = (now + timedelta(hours=3)).replace(second=0, microsecond=0)
    soon = book(world, 0, start=soon_start, end=soon_start + timedelta(hours=2))
    later = book(world, 7)
    held = {
        m.subject: m.next_attempt_at - now
        for m in OutboxMessage.objects.filter(event=Event.BOOKING_REQUESTED)
    }
    assert held[f"scheduling.booking:{soon.pk}"] < timedelta(minutes=1)
    assert held[f"scheduling.booking:{later.pk}"] > timedelta(minutes=1)
    # A demand whose grab window closes soon is urgent too.
    grabbing_world(world, 1)
    closing = matching.demand_create(
        actor=world.county_admin, org_id=world.branch.pk, topic="乡村振兴 产业发展",
        window_start=now + timedelta(hours=4), window_end=now + timedelta(days=2), duration_minutes=90,
    )  # fmt: skip
    matching.demand_broadcast(actor=world.county_admin, demand=closing, limit=1)
    [broadcast] = OutboxMessage.objects.filter(event=Event.DEMAND_BROADCAST)
    assert broadcast.next_attempt_at - now < timedelta(minutes=1)
    assert outbox.deliver_due() == {"sent": 2}


@pytest.mark.django_db
def test_a_reminder_for_a_session_that_has_begun_is_dropped(world, sms_provider):
    booking = book(world, 7)
    scheduling.booking_accept(actor=world.lecturer, booking=booking)
    outbox.deliver_due()
    quiet_now(world)
    notify(recipients=[world.lecturer], event=Event.SESSION_REMINDER, facts=FACTS,
           key="remind", county_id=world.county.pk, subject=booking)  # fmt: skip
    # The provider was down all night; by the time it answers the session has begun.
    Booking.objects.filter(pk=booking.pk).update(start_at=timezone.now() - timedelta(minutes=5))
    assert morning_comes() == {"dropped": 1}
    assert outcome(booking, world.lecturer, Event.SESSION_REMINDER) == (
        "dropped",
        DropReason.STARTED,
    )


@pytest.mark.django_db
def test_a_retried_message_is_checked_again(world, sms_provider):
    booking = book(world, 7)
    sms_provider.script = [500]
    assert outbox.deliver_due() == {"retry": 1}
    scheduling.booking_accept(actor=world.lecturer, booking=booking)
    counts = morning_comes()
    assert counts == {"sent": 1, "dropped": 1}  # the acceptance goes, the request does not
    assert outcome(booking, world.lecturer, Event.BOOKING_REQUESTED) == (
        "dropped",
        DropReason.STATE_CHANGED,
    )


@pytest.mark.django_db
def test_a_message_whose_subject_was_deleted_is_dropped(world, sms_provider):
    booking = book(world, 7)
    Booking.objects.filter(pk=booking.pk).delete()
    assert outbox.deliver_due() == {"dropped": 1}
    assert OutboxMessage.objects.get().dropped_reason == DropReason.GONE


@pytest.mark.django_db
def test_the_check_costs_a_few_queries_per_batch(world, django_assert_max_num_queries):
    quiet_now(world, booking_notice_hours=0)
    lecturers = [make_lecturer(world.county, f"讲师{i}号", org=world.branch) for i in range(25)]
    for i, lecturer in enumerate(lecturers):
        course = make_course(lecturer, f"课程{i}", "practical_work")
        booking = book(world, 7, lecturer_id=lecturer.pk, course_id=course.pk)
        if i % 2:
            scheduling.booking_decline(actor=lecturer.user, booking=booking, reason="忙")
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    batch = outbox.claim(worker="w1")
    assert len(batch) == 37  # 25 requests, 12 declines
    with django_assert_max_num_queries(5):  # siblings, two events, one update per reason
        still = outbox.screen(batch, worker="w1")
    assert len(still) == 25


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_the_end_of_quiet_hours_send_each_message_that_matters_once(
    world, sms_provider
):
    quiet_now(world, booking_notice_hours=0)
    secretaries = [
        make_member(f"s{i}", world.branch, Role.SECRETARY, phone=f"137000000{i:02d}")
        for i in range(20)
    ]
    lecturers = [make_lecturer(world.county, f"讲师{i}号", org=world.branch) for i in range(30)]
    for i, lecturer in enumerate(lecturers):
        course = make_course(lecturer, f"课程{i}", "practical_work")
        booking = book(world, 7, lecturer_id=lecturer.pk, course_id=course.pk)
        if i % 3 == 0:
            scheduling.booking_accept(actor=lecturer.user, booking=booking)
    # 30 requests (10 stale), 10 acceptances to the 21 people of the branch's side.
    wanted = 20 + 10 * 21
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    sms_provider.delay = 0.005
    results = run_in_threads(lambda _i: outbox.deliver_due(limit=1000), 2)
    assert all(not isinstance(r, Exception) for r in results), results
    assert sum(r.get("sent", 0) for r in results) == wanted
    assert sum(r.get("dropped", 0) for r in results) == 10
    assert OutboxMessage.objects.filter(status="sent").count() == wanted
    assert OutboxMessage.objects.filter(status="dropped").count() == 10
    assert len(sms_provider.requests) == wanted  # none sent twice
    assert len(secretaries) == 20
