"""A county's last year with known figures, each lecturer built for one case of the rules.

The expected grades are worked out by hand in test_grades.py from the numbers written here,
with the default rules: weights attitude 0.15, ability 0.2, effect 0.2, satisfaction 0.3,
quality 0.15; 好 from 90, 较好 from 80, 一般 from 60; at least 2 sessions; attitude loses 10
points per cancellation or dropped order; no grassroots session caps at 一般, fewer than one
course developed or revised caps at 较好."""

import itertools
from datetime import datetime
from types import SimpleNamespace

from django.utils import timezone

from core.tests.factories import make_course, make_lecturer
from courses.models import CourseRevision
from evaluation.models import OrgRating, TraineeRating
from matching.models import Demand, DemandNotice, NoticeOutcome
from scheduling.models import Booking, BookingEvent, BookingStatus

_phones = itertools.count(1)


def year_of_fixture() -> int:
    return timezone.localdate().year - 1


def at(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime(year, month, day, hour))


def session(world, lecturer, course, *, org, when, status=BookingStatus.COMPLETED, scores=()):
    """A session of `lecturer` at `org` starting `when` (2 hours), with counted ratings
    `scores` [(content, method, effect), …]; answered by the lecturer (an accept event)."""
    booking = Booking.objects.create(
        county=world.county, org=org, lecturer=lecturer, course=course, start_at=when,
        end_at=when + timezone.timedelta(hours=2), venue="党群服务中心", expected_attendees=30,
        classroom="classroom", requested_by=world.secretary, expires_at=when, status=status,
    )  # fmt: skip
    BookingEvent.objects.create(
        booking=booking, from_status=BookingStatus.REQUESTED, to_status=BookingStatus.CONFIRMED
    )
    for content, method, effect in scores:
        rate(booking, content, method, effect)
    return booking


def rate(booking, content, method, effect, *, flagged=False, rated=True):
    return TraineeRating.objects.create(
        booking=booking, name="学员", phone=f"1391{next(_phones):07d}",
        content=content if rated else None, method=method if rated else None,
        effect=effect if rated else None, rated_at=timezone.now() if rated else None,
        is_flagged=flagged, flag_reason="burst" if flagged else "",
    )  # fmt: skip


def revised(course, year: int, kind=CourseRevision.Kind.REVISED):
    revision = CourseRevision.objects.create(course=course, kind=kind, summary="根据反馈修改")
    CourseRevision.objects.filter(pk=revision.pk).update(changed_at=at(year, 6, 1))


def build_year(world) -> SimpleNamespace:
    y = year_of_fixture()
    f = SimpleNamespace(year=y)
    branch, town = world.branch, world.town

    def lecturer(name, **kw):
        person = make_lecturer(world.county, name, org=branch, **kw)
        return person, make_course(person, f"{name}的课")

    # 好: two sessions at a branch, every rating 95, both requests accepted, a revised course.
    # attitude 100; the four rating metrics 95; 0.15×100 + 0.85×95 = 95.75 ≥ 90 → 好.
    f.excellent, c = lecturer("优秀")
    for month in (3, 4):
        session(world, f.excellent, c, org=branch, when=at(y, month, 2), scores=[(95, 95, 95)] * 3)
    revised(c, y)

    # A tie exactly at 较好: 4 of 5 requests accepted (attitude 80), every rating 80 → 80.00.
    f.tie, c = lecturer("恰好")
    for month in (3, 4, 5, 6):
        session(world, f.tie, c, org=branch, when=at(y, month, 3), scores=[(80, 80, 80)] * 2)
    declined = session(world, f.tie, c, org=branch, when=at(y, 7, 3), status=BookingStatus.DECLINED)
    BookingEvent.objects.filter(booking=declined).update(to_status=BookingStatus.DECLINED)
    revised(c, y, kind=CourseRevision.Kind.CREATED)

    # Duty missed: every session at a town office, none at the grassroots; 95.75 → capped 一般.
    f.no_grassroots, c = lecturer("镇里")
    for month in (3, 4):
        session(world, f.no_grassroots, c, org=town, when=at(y, month, 4), scores=[(95, 95, 95)])
    revised(c, y)

    # Duty missed: no course developed or revised in the year (one the year before); 95.75 →
    # capped 较好.
    f.no_course, c = lecturer("没改课")
    for month in (3, 4):
        session(world, f.no_course, c, org=branch, when=at(y, month, 5), scores=[(95, 95, 95)])
    revised(c, y - 1)

    # Too few sessions: one, however good → not graded.
    f.one_session, c = lecturer("一次")
    session(world, f.one_session, c, org=branch, when=at(y, 3, 6), scores=[(100, 100, 100)] * 5)
    revised(c, y)

    # 差: every rating 50; 0.15×100 + 0.85×50 = 57.5 < 60 → 差.
    f.poor, c = lecturer("较差")
    for month in (3, 4):
        session(world, f.poor, c, org=branch, when=at(y, month, 7), scores=[(50, 50, 50)] * 2)
    revised(c, y)

    # Mixed: what counts and what does not.
    f.mixed, c = lecturer("综合")
    held = [
        session(world, f.mixed, c, org=branch, when=at(y, 3, 8), scores=[(90, 90, 70)]),
        session(world, f.mixed, c, org=branch, when=at(y, 4, 8), scores=[(100, 90, 80)]),
        # confirmed and over: held though nobody marked it complete; no rating
        session(world, f.mixed, c, org=branch, when=at(y, 5, 8), status=BookingStatus.CONFIRMED),
    ]
    rate(held[0], 0, 0, 0, flagged=True)  # held for review: does not count
    rate(held[1], 0, 0, 0, rated=False)  # checked in, never rated
    OrgRating.objects.create(booking=held[0], performance=90, discipline=80, engagement=70)
    # a declined request
    refused = session(
        world, f.mixed, c, org=branch, when=at(y, 6, 8), status=BookingStatus.DECLINED
    )
    BookingEvent.objects.filter(booking=refused).update(to_status=BookingStatus.DECLINED)
    # an accepted session the lecturer cancelled
    backed = session(
        world, f.mixed, c, org=branch, when=at(y, 7, 8), status=BookingStatus.CANCELLED
    )
    BookingEvent.objects.create(booking=backed, actor=f.mixed.user,
                                from_status=BookingStatus.CONFIRMED, to_status=BookingStatus.CANCELLED)  # fmt: skip
    # a grabbed order the lecturer dropped: counted once, as a dropped grab
    grabbed = Booking.objects.create(
        county=world.county, org=branch, lecturer=f.mixed, course=c, start_at=at(y, 8, 8),
        end_at=at(y, 8, 8, 11), venue="村委会", expected_attendees=20, classroom="classroom",
        expires_at=at(y, 8, 8), status=BookingStatus.CANCELLED,
    )  # fmt: skip
    BookingEvent.objects.create(booking=grabbed, actor=f.mixed.user,
                                from_status=BookingStatus.CONFIRMED, to_status=BookingStatus.CANCELLED)  # fmt: skip
    demand = Demand.objects.create(
        county=world.county, org=branch, topic="乡村振兴", window_start=at(y, 8, 1),
        window_end=at(y, 8, 30), duration_minutes=120, venue="村委会", lat=36.5, lng=118.5,
        expected_attendees=20, classroom="classroom", status="taken", booking=grabbed,
    )  # fmt: skip
    notice = DemandNotice.objects.create(demand=demand, lecturer=f.mixed, round=1, rank=1,
                                         score=0.9, outcome=NoticeOutcome.DROPPED)  # fmt: skip
    DemandNotice.objects.filter(pk=notice.pk).update(notified_at=at(y, 8, 1))
    # a session of the year before, badly rated: another year
    session(world, f.mixed, c, org=branch, when=at(y - 1, 11, 8), scores=[(0, 0, 0)])
    revised(c, y)
    return f
