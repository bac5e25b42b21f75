"""A small past for the world of core/tests/factories.py, and the figures recomputed from its
rows in plain Python (the way a person would count them), to check the SQL aggregation of
reports.selectors against."""

from collections import Counter
from datetime import date, datetime, timedelta
from types import SimpleNamespace

from django.utils import timezone

from core.timeutil import add_months, aware, local
from courses.models import Course, CourseRevision
from evaluation.models import TraineeRating
from evaluation.services import refresh_aggregates
from lecturers.models import Lecturer, LecturerHonour
from matching.models import Demand
from orgs.models import Organisation, OrgLevel
from scheduling.models import Booking

HELD = ("confirmed", "completed")


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return aware(datetime(day.year, day.month, day.day, hour, minute))


def booking(world, org, start, *, status="completed", lecturer=None, classroom="classroom"):
    lecturer = lecturer or world.zhang
    course = world.course if lecturer == world.zhang else world.course_li
    made = Booking.objects.create(
        county=world.county, org=org, lecturer=lecturer, course=course, start_at=start,
        end_at=start + timedelta(hours=2), venue="党群服务中心", expected_attendees=30,
        classroom=classroom, requested_by=world.secretary, expires_at=start, status=status,
        decided_at=start - timedelta(days=2),
    )  # fmt: skip
    # Booked three days before the session.
    Booking.objects.filter(pk=made.pk).update(created_at=start - timedelta(days=3))
    made.refresh_from_db()
    return made


def rate(session, n: int, *, flagged: int = 0, unrated: int = 0, score: int = 85):
    for i in range(n + flagged + unrated):
        TraineeRating.objects.create(
            booking=session, name=f"学员{i}", phone=f"137{session.pk % 10000:04d}{i:04d}",
            content=None if i >= n + flagged else score - i,
            method=None if i >= n + flagged else score,
            effect=None if i >= n + flagged else score + 1,
            rated_at=None if i >= n + flagged else session.start_at + timedelta(hours=1),
            is_flagged=n <= i < n + flagged,
        )  # fmt: skip
    # The running totals the services keep with every rating (lecturer, course, session):
    # the rankings read them.
    refresh_aggregates(session)


def demand(world, org, created, *, status, taken_by=None):
    made = Demand.objects.create(
        county=world.county, org=org, topic="乡村振兴", venue="村委会", expected_attendees=20,
        classroom="bench", window_start=created + timedelta(days=5),
        window_end=created + timedelta(days=9), duration_minutes=90, lat=36.5, lng=118.5,
        status=status, booking=taken_by,
    )  # fmt: skip
    Demand.objects.filter(pk=made.pk).update(created_at=created)
    if taken_by:
        Booking.objects.filter(pk=taken_by.pk).update(decided_at=created + timedelta(hours=5))
    return made


def build_history(world) -> SimpleNamespace:
    """Sessions around a period that starts on the 15th of a month six months ago and ends on
    the 10th two months later, with sessions on both edges of it."""
    m0 = add_months(local(timezone.now()).date().replace(day=1), -6)
    m1, m2 = add_months(m0, 1), add_months(m0, 2)
    first, last = m0.replace(day=15), m2.replace(day=10)
    w = world
    s = SimpleNamespace(first=first, last=last)
    s.before = booking(w, w.branch, at(m0.replace(day=10)))
    s.on_first = booking(w, w.branch, at(first, 0, 0))
    s.sibling = booking(w, w.sibling_branch, at(m0.replace(day=20)), status="confirmed",
                        classroom="bench")  # fmt: skip
    s.other_town = booking(w, w.other_branch, at(m1.replace(day=5)), lecturer=w.li,
                           classroom="onsite")  # fmt: skip
    s.unit = booking(w, w.unit, at(m1.replace(day=6)), classroom="cloud")
    s.on_last = booking(w, w.branch, at(last, 23, 30))
    s.after = booking(w, w.branch, at(last + timedelta(days=1), 0, 0))
    s.declined = booking(w, w.branch, at(m1.replace(day=8)), status="declined")
    s.cancelled = booking(w, w.other_branch, at(m1.replace(day=9)), status="cancelled")
    s.expired = booking(w, w.sibling_branch, at(m1.replace(day=12)), status="expired")
    rate(s.before, 3)
    rate(s.on_first, 4, flagged=2, unrated=1, score=95)
    rate(s.sibling, 2, score=62)
    rate(s.other_town, 5, flagged=1, score=75)
    rate(s.unit, 1, score=50)
    rate(s.on_last, 3, unrated=2)
    rate(s.after, 6)
    demand(w, w.branch, at(m0.replace(day=16)), status="taken", taken_by=s.sibling)
    demand(w, w.sibling_branch, at(m1.replace(day=2)), status="expired")
    demand(w, w.other_branch, at(m1.replace(day=3)), status="taken", taken_by=s.other_town)
    demand(w, w.branch, at(m1.replace(day=4)), status="open")
    demand(w, w.branch, at(m0.replace(day=2)), status="expired")  # before the period
    revision = CourseRevision.objects.create(course=w.course, kind="created")
    CourseRevision.objects.filter(pk=revision.pk).update(changed_at=at(m1.replace(day=1)))
    revision = CourseRevision.objects.create(course=w.course_li, kind="created")
    CourseRevision.objects.filter(pk=revision.pk).update(changed_at=at(m0.replace(day=1)))
    LecturerHonour.objects.create(lecturer=w.zhang, title="famous_lecturer", year=first.year)
    return s


# --- the figures, counted from the rows -----------------------------------------------------------


# The score bands of the dashboard's rating distribution, lowest first, by the mean score.
BANDS = ("0-59", "60-69", "70-79", "80-89", "90-100")


def band_of_mean(mean: float) -> str:
    return BANDS[min(max(int(mean // 10) - 5, 0), 4)]


def in_area(org: Organisation, county, town) -> bool:
    if org.county_id != county.pk:
        return False
    return town is None or org.pk == town.pk or org.parent_id == town.pk


def local_day(moment) -> date:
    return local(moment).date()


def expected_figures(county, town, first: date, last: date) -> dict:
    now = timezone.now()
    bookings = [b for b in Booking.objects.select_related("org") if in_area(b.org, county, town)]
    held = [
        b
        for b in bookings
        if b.status in HELD and first <= local_day(b.start_at) <= last and b.start_at < now
    ]
    held_ids = {b.pk for b in held}
    check_ins = [r for r in TraineeRating.objects.all() if r.booking_id in held_ids]
    attendance = [r for r in check_ins if not r.is_flagged]
    counted = [r for r in attendance if r.rated_at is not None]
    bands = Counter(band_of_mean((r.content + r.method + r.effect) / 3) for r in counted)
    made = [b for b in bookings if first <= local_day(b.created_at) <= last]
    demands = [
        d
        for d in Demand.objects.select_related("org")
        if in_area(d.org, county, town) and first <= local_day(d.created_at) <= last
    ]
    lecturers = [
        lecturer
        for lecturer in Lecturer.objects.select_related("org")
        if lecturer.county_id == county.pk
        and lecturer.status == "active"
        and (town is None or (lecturer.org and in_area(lecturer.org, county, town)))
    ]
    lecturer_ids = {lecturer.pk for lecturer in Lecturer.objects.filter(county=county)
                    if town is None or (lecturer.org and in_area(lecturer.org, county, town))}  # fmt: skip
    new_courses = {
        r.course_id
        for r in CourseRevision.objects.select_related("course")
        if r.kind == "created"
        and r.course.lecturer_id in lecturer_ids
        and first <= local_day(r.changed_at) <= last
    }
    branches = [
        o
        for o in Organisation.objects.filter(level=OrgLevel.VILLAGE)
        if in_area(o, county, town) and o.pk != county.pk
    ]
    covered = {b.org_id for b in held}
    month_of = {b.pk: local_day(b.start_at).replace(day=1) for b in held}
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    status_counts = Counter(b.status for b in made)
    demand_counts = Counter(d.status for d in demands)
    return {
        "sessions": len(held),
        "attendances": len(attendance),
        "bookings_by_status": {
            s: status_counts.get(s, 0)
            for s in ("requested", "confirmed", "declined", "cancelled", "completed", "expired")
        },
        "demands": {
            "taken": demand_counts.get("taken", 0),
            "expired": demand_counts.get("expired", 0),
        },
        "active_lecturers": len(lecturers),
        "lecturers_by_source": dict(Counter(lecturer.source for lecturer in lecturers)),
        "lecturers_by_level": dict(Counter(lecturer.level for lecturer in lecturers)),
        "courses_by_category": dict(
            Counter(
                c.category
                for c in Course.objects.filter(lecturer_id__in=lecturer_ids, status="active")
            )
        ),
        "new_courses": len(new_courses),
        "coverage": {
            "branches": len(branches),
            "covered": len([b for b in branches if b.pk in covered]),
        },
        "by_month": [
            {
                "month": f"{m:%Y-%m}",
                "sessions": len([b for b in held if local_day(b.start_at).replace(day=1) == m]),
                "attendances": len([r for r in attendance if month_of[r.booking_id] == m]),
                "bookings": len([b for b in made if local_day(b.created_at).replace(day=1) == m]),
                "demands": len([d for d in demands if local_day(d.created_at).replace(day=1) == m]),
            }
            for m in months
        ],
        "rating_bands": [(band, band, bands[band]) for band in BANDS],  # key, label, count
    }


def figures_subset(figures: dict) -> dict:
    """The keys of `expected_figures` taken from an answer of the selectors or the API."""
    return {
        "sessions": figures["sessions"],
        "attendances": figures["attendances"],
        "bookings_by_status": figures["bookings_by_status"],
        "demands": {"taken": figures["demands"]["taken"], "expired": figures["demands"]["expired"]},
        "active_lecturers": figures["active_lecturers"],
        **{
            name: {row["key"]: row["n"] for row in figures[name] if row["n"]}
            for name in ("lecturers_by_source", "lecturers_by_level", "courses_by_category")
        },
        "new_courses": figures["new_courses"],
        "coverage": {
            "branches": figures["coverage"]["branches"],
            "covered": figures["coverage"]["covered"],
        },
        "by_month": [
            {key: m[key] for key in ("month", "sessions", "attendances", "bookings", "demands")}
            for m in figures["by_month"]
        ],
        "rating_bands": [
            (band["key"], band["label"], band["n"]) for band in figures["rating_bands"]
        ],
    }
