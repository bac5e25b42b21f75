"""Properties of the recommendation engine (issue 5, item 4), checked with hypothesis.

Hard filters, on real rows: a lecturer whose confirmed bookings (with the county's travel
buffer) leave no gap as long as the session never appears; cold-stored, removed and candidate
lecturers never appear, even while the cached index still holds their courses; a town-level
lecturer of another town never appears for a branch while the county keeps them in their
town; the teaching load counts exactly the sessions and dropped grabs it should. Components,
as pure functions: distance never rises as the venue moves away, quality
never falls as the rating rises and is a Bayesian average, and first_free_start finds the
earliest free start inside the window.

Every database example runs in a savepoint that is rolled back, so examples do not see each
other's rows.
"""

from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import access
from lecturers.models import Lecturer
from lecturers.selectors import lecturer_bookable_for
from matching import engine
from matching.models import Demand, DemandNotice, NoticeOutcome
from orgs.models import CountySettings
from scheduling.models import Booking, BookingStatus

ON_ROWS = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PURE = settings(max_examples=300, deadline=None)
TOPICS = ("乡村振兴", "乡村振兴 产业发展 讲座", "农村产业发展", "产业兴旺")


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def county_rules(county, **values) -> CountySettings:
    rules, _created = CountySettings.objects.update_or_create(county=county, defaults=values)
    return rules


def demand_for(world, *, org=None, topic="乡村振兴", category="", start=None, hours=10, **kw):
    start = start or (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    org = org or world.branch
    values = {
        "duration_minutes": 90,
        "lat": org.lat,
        "lng": org.lng,
        "window_start": start,
        "window_end": start + timedelta(hours=hours),
    }
    values.update(kw)
    return Demand(
        county=world.county, org=org, topic=topic, category=category, venue="村委会",
        expected_attendees=30, classroom="classroom", **values,
    )  # fmt: skip


def recommended(demand, limit=50) -> dict[int, engine.Recommendation]:
    return {r.lecturer_id: r for r in engine.recommend(demand, limit=limit).recommendations}


# --- hard filters, on real rows ---------------------------------------------------------------


def confirmed(world, start, minutes: int) -> Booking:
    return Booking(
        county=world.county, org=world.branch, lecturer=world.zhang, course=world.course,
        start_at=start, end_at=start + timedelta(minutes=minutes), venue="村委会",
        expected_attendees=30, classroom="classroom", status=BookingStatus.CONFIRMED,
        expires_at=start,
    )  # fmt: skip


@st.composite
def blocking_bookings(draw):
    """A window, a session length, a travel buffer and back-to-back bookings that leave no
    free stretch of the session's length anywhere in the window (minutes from its start)."""
    window = draw(st.integers(60, 16 * 60))
    duration = draw(st.integers(10, min(240, window)))
    buffer = draw(st.integers(0, 60))
    bookings = []
    # The free time before the first booking's buffer is shorter than the session.
    start = draw(st.integers(-300, buffer + duration - 1))
    while True:
        end = start + draw(st.integers(15, 240))
        bookings.append((start, end))
        if window - (end + buffer) < duration:
            break
        # Between two bookings, both buffers leave less than a session.
        start = end + draw(st.integers(0, 2 * buffer + duration - 1))
    return window, duration, buffer, bookings


@pytest.mark.django_db
@ON_ROWS
@given(case=blocking_bookings(), days=st.integers(1, 40), topic=st.sampled_from(TOPICS))
def test_a_lecturer_busy_for_the_whole_window_never_appears(world, case, days, topic):
    window, duration, buffer, bookings = case
    start = (timezone.now() + timedelta(days=days)).replace(second=0, microsecond=0)
    with rolled_back():
        county_rules(world.county, travel_buffer_minutes=buffer)
        demand = demand_for(world, topic=topic, start=start, hours=0, duration_minutes=duration)
        demand.window_end = start + timedelta(minutes=window)
        assert world.zhang.pk in recommended(demand)  # free: the property is not vacuous
        Booking.objects.bulk_create(
            [confirmed(world, start + timedelta(minutes=a), b - a) for a, b in bookings]
        )
        assert world.zhang.pk not in recommended(demand)


@pytest.mark.django_db
@ON_ROWS
@given(
    status=st.sampled_from(["cold_store", "removed", "candidate"]),
    via_update=st.booleans(),
    topic=st.sampled_from(TOPICS),
    category=st.sampled_from(["", "situation_policy"]),
    limit=st.integers(1, 50),
)
def test_inactive_lecturers_never_appear(world, status, via_update, topic, category, limit):
    demand = demand_for(world, topic=topic, category=category)
    with rolled_back():
        assert world.zhang.pk in recommended(demand)  # the cached index holds his course now
        if via_update:  # no updated_at: the index is not rebuilt, the fresh rows decide
            Lecturer.objects.filter(pk=world.zhang.pk).update(status=status)
        else:
            zhang = Lecturer.objects.get(pk=world.zhang.pk)
            zhang.status = status
            zhang.save()
        assert world.zhang.pk not in recommended(demand, limit=limit)


@pytest.mark.django_db
@ON_ROWS
@given(
    county_wide=st.booleans(),
    level=st.sampled_from(["town", "county"]),
    lecturer_org=st.sampled_from(["branch", "other_branch", "unit"]),
    posting_org=st.sampled_from(["branch", "sibling_branch", "other_branch", "unit"]),
)
def test_town_lecturers_stay_in_their_town(world, county_wide, level, lecturer_org, posting_org):
    with rolled_back():
        rules = county_rules(world.county, town_lecturers_county_wide=county_wide)
        li = Lecturer.objects.get(pk=world.li.pk)
        li.level, li.org = level, getattr(world, lecturer_org)
        li.save()
        org = getattr(world, posting_org)
        shown = world.li.pk in recommended(demand_for(world, org=org, topic="红色家书"))
        other_town = access.org_town_id(li.org) not in (None, access.org_town_id(org))
        if level == "town" and not county_wide and other_town:
            assert not shown
        assert shown == lecturer_bookable_for(li, org, rules)


@pytest.mark.django_db
@ON_ROWS
@given(near=st.floats(0.0, 2.0), further=st.floats(0.0, 2.0))
def test_moving_the_venue_away_never_raises_the_distance_component(world, near, further):
    with rolled_back():
        Lecturer.objects.filter(pk=world.zhang.pk).update(lat=30.0, lng=110.0)
        components = []
        for degrees in (near, near + further):  # north along the lecturer's meridian
            demand = demand_for(world, lat=30.0 + degrees, lng=110.0)
            components.append(recommended(demand)[world.zhang.pk].components["distance"])
        assert components[1] <= components[0]


@pytest.mark.django_db
@ON_ROWS
@given(low=st.floats(0, 100), higher=st.floats(0, 100), count=st.integers(0, 2000))
def test_a_higher_rating_never_lowers_the_quality_component(world, low, higher, count):
    demand = demand_for(world)
    quality = []
    with rolled_back():
        for score in (low, max(low, higher)):
            Lecturer.objects.filter(pk=world.zhang.pk).update(score=score, rating_count=count)
            quality.append(recommended(demand)[world.zhang.pk].components["quality"])
    assert quality[0] <= quality[1]


@pytest.mark.django_db
def test_the_teaching_load_counts_recent_sessions_and_dropped_grabs(world):
    """Fairness counts the confirmed and completed sessions since RECENT_DAYS ago (not the
    cancelled or older ones) and twice each grab dropped in that time; the reason names the
    sessions since the 1st of this month (local time)."""
    now = timezone.now()
    month_start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    long_ago = now - timedelta(days=engine.RECENT_DAYS + 10)
    sessions = [
        (month_start + timedelta(hours=3), BookingStatus.COMPLETED),  # this month
        (month_start - timedelta(days=1), BookingStatus.COMPLETED),  # last month
        (month_start, BookingStatus.CONFIRMED),  # this month, from its first instant
        (month_start + timedelta(hours=6), BookingStatus.CANCELLED),
        (long_ago, BookingStatus.COMPLETED),
    ]
    for start, status in sessions:
        booking = confirmed(world, start, 90)
        booking.status = status
        booking.save()
    for notified_at, outcome in (
        (now - timedelta(days=5), NoticeOutcome.DROPPED),
        (long_ago, NoticeOutcome.DROPPED),
        (now - timedelta(days=5), NoticeOutcome.GRABBED),
    ):
        grabbed = demand_for(world)
        grabbed.save()
        notice = DemandNotice.objects.create(
            demand=grabbed, lecturer=world.zhang, round=1, rank=1, score=0.5, outcome=outcome
        )
        DemandNotice.objects.filter(pk=notice.pk).update(notified_at=notified_at)

    zhang = recommended(demand_for(world))[world.zhang.pk]
    assert zhang.components["fairness"] == engine.fairness_component(3 + 2 * 1)
    assert _("%(n)d sessions this month") % {"n": 2} in zhang.reason


# --- components as pure functions -------------------------------------------------------------

KM = st.floats(0, 5000, allow_nan=False)
SCORE = st.floats(0, 100, allow_nan=False)


@PURE
@given(a=KM, b=KM)
def test_distance_component_never_rises_with_the_distance(a, b):
    near, far = sorted((a, b))
    assert 0 < engine.distance_component(far) <= engine.distance_component(near) <= 1
    assert engine.distance_component(0) == 1


@PURE
@given(
    lat=st.floats(18, 53), lng=st.floats(74, 134), d1=st.floats(0, 5), d2=st.floats(0, 5),
    east=st.floats(-1, 1),
)  # fmt: skip
def test_a_venue_further_away_never_scores_higher_for_distance(lat, lng, d1, d2, east):
    """The venue moves along a ray from the lecturer: the haversine distance grows, and the
    component does not."""
    near_step, far_step = sorted((d1, d2))
    km = [
        engine.haversine_km(lat, lng, lat + s / 10, lng + s * east / 10)
        for s in (near_step, far_step)
    ]
    assume(km[0] <= km[1])
    assert engine.distance_component(km[1]) <= engine.distance_component(km[0])


@PURE
@given(a=SCORE, b=SCORE, count=st.integers(0, 100_000))
def test_quality_never_falls_as_the_rating_rises(a, b, count):
    low, high = sorted((a, b))
    q_low, q_high = engine.quality_component(low, count), engine.quality_component(high, count)
    assert 0 <= q_low <= q_high <= 1


@PURE
@given(few=st.integers(1, 3), many=st.integers(300, 100_000), good=st.floats(85, 100))
def test_a_few_perfect_ratings_do_not_beat_many_good_ones(few, many, good):
    assert engine.quality_component(100, few) < engine.quality_component(good, many)


@PURE
@given(score=SCORE, count=st.integers(0, 10_000))
def test_more_ratings_move_quality_towards_the_rating(score, count):
    prior = engine.quality_component(None, 0)
    now, later = engine.quality_component(score, count), engine.quality_component(score, count + 1)
    assert abs(later - score / 100) <= abs(now - score / 100) + 1e-12
    assert min(prior, score / 100) - 1e-12 <= later <= max(prior, score / 100) + 1e-12


BASE = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.get_fixed_timezone(480))


@PURE
@given(
    window=st.integers(10, 24 * 60),
    duration=st.integers(10, 600),
    busy=st.lists(st.tuples(st.integers(-600, 24 * 60), st.integers(1, 600)), max_size=12),
)
def test_first_free_start_is_the_earliest_free_start_in_the_window(window, duration, busy):
    intervals = [(BASE + timedelta(minutes=a), BASE + timedelta(minutes=a + n)) for a, n in busy]
    end = BASE + timedelta(minutes=window)
    need = timedelta(minutes=duration)

    def free(start) -> bool:
        return all(b_end <= start or b_start >= start + need for b_start, b_end in intervals)

    found = engine.first_free_start(intervals, BASE, end, duration)
    # Every start that matters is a whole minute (the window's start or a busy end).
    earliest = next(
        (
            BASE + timedelta(minutes=m)
            for m in range(window - duration + 1)
            if free(BASE + timedelta(minutes=m))
        ),
        None,
    )
    assert found == earliest
    if found is not None:
        assert found >= BASE and found + need <= end and free(found)
