"""Issue 11, item 8 (1/2): a demand's daily hours and weekdays ("工作日 14:00–17:30").
Matching, broadcasting, grabbing and inviting honour them; the API and the demand form take
them; bad ones get a Chinese 422 naming the field and write nothing; rows from before keep
their meaning (any hour, any day)."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone, translation

from core.tests.factories import make_course, make_lecturer
from core.timeutil import aware, local
from matching import engine, services, windows
from matching.models import Demand, DemandNotice
from notifications.models import InboxMessage
from scheduling.models import Booking, BookingStatus

from .test_api_bad_input import assert_error, counts
from .test_pages import field_errors, form_data

TOPIC = "乡村振兴 产业发展 讲座"


AFTERNOONS = {"daily_from": "14:00", "daily_until": "17:30", "weekdays": [0, 1, 2, 3, 4]}


def next_monday(after_days: int = 7) -> date:
    day = timezone.localdate() + timedelta(days=after_days)
    return day + timedelta(days=(7 - day.weekday()) % 7)


def on(day: date, hour: int, minute: int = 0) -> datetime:
    return aware(datetime.combine(day, time(hour, minute)))


MONDAY = next_monday()
SATURDAY = MONDAY + timedelta(days=5)


def payload(world, **change) -> dict:
    """A week from Monday 8:00 to Sunday 18:00, weekday afternoons only."""
    data = {
        "org_id": world.branch.pk,
        "topic": TOPIC,
        "window_start": on(MONDAY, 8).isoformat(),
        "window_end": on(MONDAY + timedelta(days=6), 18).isoformat(),
        "duration_minutes": 90,
        "expected_attendees": 40,
        **AFTERNOONS,
    }
    data.update(change)
    return data


def afternoons_demand(world, **change) -> Demand:
    kwargs = {
        "org_id": world.branch.pk,
        "topic": TOPIC,
        "window_start": on(MONDAY, 8),
        "window_end": on(MONDAY + timedelta(days=6), 18),
        "duration_minutes": 90,
        "daily_from": time(14),
        "daily_until": time(17, 30),
        "weekdays": [0, 1, 2, 3, 4],
    }
    kwargs.update(change)
    return services.demand_create(actor=world.secretary, **kwargs)


def inside_afternoons(start: datetime, minutes: int = 90) -> bool:
    start, end = local(start), local(start + timedelta(minutes=minutes))
    return (
        start.weekday() < 5
        and start.date() == end.date()
        and time(14) <= start.time()
        and end.time() <= time(17, 30)
    )


def busy_every_afternoon(world, lecturer, course) -> None:
    """Confirmed sessions 12:00–19:00 Monday to Friday: free only mornings and the weekend."""
    for offset in range(5):
        day = MONDAY + timedelta(days=offset)
        Booking.objects.create(
            county=world.county, org=world.sibling_branch, lecturer=lecturer, course=course,
            start_at=on(day, 12), end_at=on(day, 19), venue="会议室", expected_attendees=30,
            classroom="classroom", requested_by=world.secretary, status=BookingStatus.CONFIRMED,
            expires_at=on(day, 12),
        )  # fmt: skip


# --- the spans ------------------------------------------------------------------------------


def test_weekday_afternoons_are_five_spans_in_shanghai_time():
    spans = windows.allowed_spans(
        on(MONDAY, 8), on(MONDAY + timedelta(days=6), 18),
        daily_from=time(14), daily_until=time(17, 30), weekdays=windows.WORKDAYS,
    )  # fmt: skip
    assert spans == [
        (on(MONDAY + timedelta(days=d), 14), on(MONDAY + timedelta(days=d), 17, 30))
        for d in range(5)
    ]
    # 14:00 in Shanghai is 06:00 UTC.
    assert spans[0][0].astimezone(UTC).hour == 6


def test_days_without_hours_join_and_no_limits_keep_the_window():
    start, end = on(MONDAY, 8), on(MONDAY + timedelta(days=13), 18)
    assert windows.allowed_spans(start, end) == [(start, end)]
    weekend = windows.allowed_spans(start, end, weekdays=windows.WEEKEND)
    second_saturday = SATURDAY + timedelta(days=7)
    assert weekend == [
        (on(SATURDAY, 0), on(SATURDAY + timedelta(days=2), 0)),  # Saturday and Sunday, joined
        (on(second_saturday, 0), end),  # the window ends on the second Sunday at 18:00
    ]
    evenings = windows.allowed_spans(start, end, daily_from=time(19))
    assert len(evenings) == 13  # the last day's evening is past the window's end
    assert evenings[0] == (on(MONDAY, 19), on(MONDAY + timedelta(days=1), 0))
    assert evenings[-1] == (on(MONDAY + timedelta(days=12), 19), on(MONDAY + timedelta(days=13), 0))


def test_labels_read_in_chinese():
    with translation.override("zh-hans"):
        assert windows.schedule_label(time(14), time(17, 30), windows.WORKDAYS) == (
            "工作日 14:00–17:30"
        )
        assert windows.schedule_label(None, None, windows.WEEKEND) == "周末"
        assert windows.schedule_label(time(19), None, windows.ALL_DAYS) == "每天 19:00 以后"
        assert windows.schedule_label(None, time(12), 0b0010101) == "周一、周三、周五 12:00 以前"
        assert windows.schedule_label(None, None, windows.ALL_DAYS) == ""


# --- the API ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_takes_and_shows_daily_hours_and_weekdays(world, api_as):
    client = api_as(world.secretary)
    response = client.post(
        "/api/v1/demands", payload(world), headers={"Accept-Language": "zh-hans"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["daily_from"], body["daily_until"], body["weekdays"]) == ("14:00", "17:30", [0, 1, 2, 3, 4])  # fmt: skip
    assert body["schedule"] == "工作日 14:00–17:30"
    demand = Demand.objects.get(pk=body["id"])
    assert (demand.daily_from, demand.daily_until, demand.weekdays) == (time(14), time(17, 30), windows.WORKDAYS)  # fmt: skip
    again = client.get(f"/api/v1/demands/{demand.pk}").json()
    assert again["weekdays"] == [0, 1, 2, 3, 4] and again["daily_until"] == "17:30"


@pytest.mark.django_db
def test_a_demand_without_hours_or_days_is_any_time_as_before(world, api_as):
    plain = {k: v for k, v in payload(world).items() if k not in AFTERNOONS}
    body = api_as(world.secretary).post("/api/v1/demands", plain).json()
    assert (body["daily_from"], body["daily_until"], body["weekdays"], body["schedule"]) == (
        None, None, [0, 1, 2, 3, 4, 5, 6], "",
    )  # fmt: skip


BAD_SCHEDULES = {
    "daily end before its start": ({"daily_from": "17:00", "daily_until": "14:00"}, "daily_until"),
    "daily end equal to its start": (
        {"daily_from": "14:00", "daily_until": "14:00"},
        "daily_until",
    ),
    "hour 25": ({"daily_from": "25:00"}, "daily_from"),
    "a time of day that is text": ({"daily_until": "afternoon"}, "daily_until"),
    "weekday 7": ({"weekdays": [0, 7]}, "weekdays"),
    "negative weekday": ({"weekdays": [-1]}, "weekdays"),
    "no weekday at all": ({"weekdays": []}, "weekdays"),
    "weekday as text": ({"weekdays": ["Monday"]}, "weekdays"),
    "weekday as true": ({"weekdays": [True]}, "weekdays"),
    "weekdays not a list": ({"weekdays": "12345"}, "weekdays"),
    "daily hours shorter than the session": (
        {"daily_from": "14:00", "daily_until": "15:00"},
        "daily_until",
    ),
    "no chosen weekday inside the window": (
        {"window_end": on(MONDAY + timedelta(days=1), 18).isoformat(), "weekdays": [5, 6]},
        "weekdays",
    ),
    "the window cuts the only afternoon short": (
        {"window_end": on(MONDAY, 15).isoformat(), "weekdays": [0]},
        "window_end",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("change,field", BAD_SCHEDULES.values(), ids=BAD_SCHEDULES.keys())
def test_bad_hours_and_days_are_refused_naming_the_field(world, api_as, change, field):
    before = counts()
    response = api_as(world.secretary).post(
        "/api/v1/demands", payload(world, **change), headers={"Accept-Language": "zh-hans"}
    )
    assert_error(response, 422, "invalid", field)
    message = response.json()["fields"][field]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message
    assert counts() == before


# --- matching and broadcasting ----------------------------------------------------------------


@pytest.mark.django_db
def test_recommendations_only_propose_allowed_times_and_drop_the_busy(world):
    other = make_lecturer(world.county, "钱七", org=world.sibling_branch, specialties="乡村振兴")
    make_course(other, "乡村振兴与产业发展", "situation_policy")
    busy_every_afternoon(world, world.zhang, world.course)
    any_time = afternoons_demand(world, daily_from=None, daily_until=None, weekdays=None)
    assert world.zhang.pk in [r.lecturer_id for r in engine.recommend(any_time).recommendations]

    demand = afternoons_demand(world)
    recs = engine.recommend(demand).recommendations
    assert recs, "the free lecturer is recommended"
    assert world.zhang.pk not in [r.lecturer_id for r in recs]  # free only outside the hours
    assert all(inside_afternoons(r.start) for r in recs), [r.start for r in recs]


@pytest.mark.django_db
def test_a_free_slot_counts_only_where_it_meets_the_hours(world):
    from scheduling.models import Offering, OfferingSlot

    offering = Offering.objects.create(
        county=world.county, lecturer=world.zhang, month=MONDAY.replace(day=1)
    )
    offering.courses.add(world.course)
    # A published Saturday: outside the weekdays, so neither proposed nor counted.
    OfferingSlot.objects.create(
        offering=offering, start_at=on(SATURDAY, 8), end_at=on(SATURDAY, 18)
    )
    rec = next(r for r in engine.recommend(afternoons_demand(world)).recommendations
               if r.lecturer_id == world.zhang.pk)  # fmt: skip
    assert inside_afternoons(rec.start) and rec.components["availability"] == 0.0
    # A published Tuesday afternoon: proposed, and counted.
    tuesday = MONDAY + timedelta(days=1)
    OfferingSlot.objects.create(offering=offering, start_at=on(tuesday, 15), end_at=on(tuesday, 18))
    rec = next(r for r in engine.recommend(afternoons_demand(world)).recommendations
               if r.lecturer_id == world.zhang.pk)  # fmt: skip
    assert rec.start == on(tuesday, 15) and rec.components["availability"] == 1.0


@pytest.mark.django_db
def test_broadcast_skips_lecturers_busy_in_the_hours_and_says_the_hours(world):
    other = make_lecturer(world.county, "钱七", org=world.sibling_branch, specialties="乡村振兴")
    make_course(other, "乡村振兴与产业发展", "situation_policy")
    busy_every_afternoon(world, world.zhang, world.course)
    demand = afternoons_demand(world)
    with translation.override("zh-hans"):
        notified = services.demand_broadcast(actor=world.secretary, demand=demand, limit=5)
    assert other.pk in notified and world.zhang.pk not in notified
    body = InboxMessage.objects.get(recipient=other.user, event="demand_broadcast").body
    assert "工作日 14:00–17:30" in body


# --- grabbing and inviting --------------------------------------------------------------------


@pytest.fixture
def notified_demand(world):
    demand = afternoons_demand(world)
    DemandNotice.objects.create(demand=demand, lecturer=world.zhang, round=1, rank=1, score=0.5)
    return demand


GRABS_OUTSIDE = {
    "on a Saturday afternoon": (SATURDAY, 14, 30, "工作日"),
    "in a weekday morning": (MONDAY, 9, 0, "14:00–17:30"),
    "running past the daily end": (MONDAY, 16, 30, "14:00–17:30"),
    "starting before the daily start": (MONDAY, 13, 45, "14:00–17:30"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("day,hour,minute,says", GRABS_OUTSIDE.values(), ids=GRABS_OUTSIDE.keys())
def test_a_grab_outside_the_days_or_hours_is_refused(world, api_as, notified_demand, day, hour, minute, says):  # fmt: skip
    before = counts()
    response = api_as(world.lecturer).post(
        f"/api/v1/demands/{notified_demand.pk}/grab",
        {"course_id": world.course.pk, "start": on(day, hour, minute).isoformat()},
        headers={"Accept-Language": "zh-hans"},
    )
    assert_error(response, 422, "invalid", "start")
    assert says in response.json()["fields"]["start"]
    assert counts() == before


@pytest.mark.django_db
def test_a_grab_inside_the_hours_wins(world, api_as, notified_demand):
    response = api_as(world.lecturer).post(
        f"/api/v1/demands/{notified_demand.pk}/grab",
        {"course_id": world.course.pk, "start": on(MONDAY + timedelta(days=2), 16).isoformat()},
    )  # Wednesday 16:00–17:30: exactly up to the daily end
    assert response.status_code == 200, response.content
    assert Demand.objects.get(pk=notified_demand.pk).status == "taken"


@pytest.mark.django_db
def test_the_grab_page_proposes_an_allowed_time_and_shows_the_error(world, login, notified_demand):
    client = login(world.lecturer)
    html = client.get(
        f"/demands/{notified_demand.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "工作日 14:00–17:30" in html and 'data-testid="grab-schedule"' in html
    assert f'value="{MONDAY.isoformat()}"' in html and 'value="14:00"' in html  # the proposal
    response = client.post(
        f"/demands/{notified_demand.pk}/grab/",
        {"course": world.course.pk, "date": SATURDAY.isoformat(), "start_time": "15:00"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    assert "工作日" in field_errors(response, "start_time")
    assert not Booking.objects.exists()


@pytest.mark.django_db
def test_an_invitation_outside_the_hours_is_refused(world, api_as):
    demand = afternoons_demand(world)
    before = counts()
    response = api_as(world.secretary).post(
        f"/api/v1/demands/{demand.pk}/invite",
        {"lecturer_id": world.zhang.pk, "course_id": world.course.pk, "start": on(MONDAY, 9).isoformat()},
    )  # fmt: skip
    assert_error(response, 422, "invalid", "start")
    assert counts() == before


# --- the form and the pages -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_form_posts_weekday_afternoons_and_the_page_shows_them(world, login):
    client = login(world.secretary)
    data = form_data(
        world, date_from=MONDAY.isoformat(), date_to=(MONDAY + timedelta(days=6)).isoformat(),
        daily_from="14:00", daily_until="17:30", weekdays=["0", "1", "2", "3", "4"],
    )  # fmt: skip
    response = client.post("/demands/new/", data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 302, field_errors(response, "daily_until")
    demand = Demand.objects.get()
    assert (demand.daily_from, demand.daily_until, demand.weekdays) == (time(14), time(17, 30), windows.WORKDAYS)  # fmt: skip
    # With daily hours, the empty first and last times mean whole days.
    assert demand.window_start == on(MONDAY, 0)
    assert demand.window_end == on(MONDAY + timedelta(days=7), 0)
    html = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "工作日 14:00–17:30" in html
    listing = client.get("/demands/?side=org", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "工作日 14:00–17:30" in listing


@pytest.mark.django_db
def test_the_form_without_hours_or_days_posts_as_before(world, login):
    response = login(world.secretary).post("/demands/new/", form_data(world))
    assert response.status_code == 302
    demand = Demand.objects.get()
    assert (demand.daily_from, demand.daily_until, demand.weekdays) == (
        None,
        None,
        windows.ALL_DAYS,
    )
    assert local(demand.window_start).time() == time(8) and local(demand.window_end).time() == time(
        18
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change,field,says",
    [
        ({"daily_from": "17:00", "daily_until": "14:00"}, "daily_until", "晚于"),
        ({"daily_from": "14:00", "daily_until": "15:00"}, "daily_until", "短于"),
        ({"weekdays": ["9"]}, "weekdays", ""),
    ],
)
def test_the_form_shows_bad_hours_on_their_field(world, login, change, field, says):
    response = login(world.secretary).post(
        "/demands/new/", form_data(world, **change), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 200
    shown = field_errors(response, field)
    assert shown and says in shown
    assert not Demand.objects.exists()


# --- rows from before -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_demands_stored_before_the_hours_keep_any_hour_and_day(world):
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    MigrationExecutor(connection).migrate([("matching", "0001_initial")])
    with connection.cursor() as cursor:  # a row as the old code wrote it
        cursor.execute(
            "INSERT INTO matching_demand (created_at, updated_at, county_id, org_id, topic,"
            " category, window_start, window_end, duration_minutes, venue, lat, lng,"
            " expected_attendees, audience, classroom, status, broadcast_round, unmatched_terms)"
            " VALUES (%s, %s, %s, %s, %s, '', %s, %s, 90, '村委会', 36.5, 118.5, 30, '',"
            " 'classroom', 'open', 0, '[]')",
            [timezone.now(), timezone.now(), world.county.pk, world.branch.pk, TOPIC,
             on(MONDAY, 8), on(MONDAY + timedelta(days=2), 18)],
        )  # fmt: skip
    MigrationExecutor(connection).migrate(latest)
    demand = Demand.objects.get()
    assert (demand.daily_from, demand.daily_until, demand.weekdays) == (
        None,
        None,
        windows.ALL_DAYS,
    )
    assert windows.demand_spans(demand) == [(demand.window_start, demand.window_end)]
    assert windows.demand_schedule_label(demand) == ""
