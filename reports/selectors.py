"""The county's figures (L18, L19, G1-G8): one `stats` over a county or one of its towns and
a period, read by the dashboard, the yearly report and `GET /api/v1/stats` alike, so that
every place shows the same numbers.

Every figure comes from SQL aggregations (a handful of grouped queries, whose groups are
added up in Python where one grouping serves several figures: the ratings per lecturer and
course give the lecturers', the courses' and the area's); the median time-to-grab is taken in
Python from the taken demands' two timestamps, since SQLite has no median. What each figure
counts:
- a *session held* is a confirmed or completed booking whose start falls in the period and has
  passed (the quality roll-ups count the same);
- *attendances* (人次) are the check-ins of those sessions that are not held for review;
- *bookings* and *demands* are those made (created) in the period, by their current status;
- a town's rows are those of organisations in the town (the town and its branches); its
  lecturers those whose organisation is in the town;
- the pool figures (active lecturers, offered courses) are the current state, honours those
  of the period's calendar years, new courses those created in the period;
- the *appraisal* figures are the grades of the latest appraisal the county published for a
  year up to the period's end (a town's: the results of lecturers who were in the town);
- the *selection* figures are the nominations received in the period (a town's: candidates
  of its organisations), by channel, and those of them approved and appointed.

Sections are independent functions of (`Area`, `Period`) joined by `stats`; a new domain
(appraisal grades, nominations) adds its section the same way (see `SECTIONS`).
"""

import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, DateField, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

import access
from appraisal.models import AppraisalResult, AppraisalRun, Grade, RunStatus
from core import read_cache
from core.errors import Forbidden, NotFound
from core.prepared import by_pk
from core.scoring import bayesian_average
from core.timeutil import add_months, aware, local
from courses.models import Category, Classroom, Course, CourseHonour, CourseRevision, CourseStatus
from development.models import Channel, Nomination, Stage
from evaluation.models import RATING_BANDS
from evaluation.services import RATEABLE
from lecturers.models import (
    HonourTitle,
    Lecturer,
    LecturerHonour,
    LecturerLevel,
    LecturerStatus,
    Source,
)
from matching.models import Demand, DemandStatus
from orgs.models import MemberGroup, Organisation, OrgLevel
from scheduling.models import Booking, BookingStatus

RANKED = 5  # lecturers and courses shown at the top and at the bottom
IDLE_SHOWN = 50  # lecturers without a session this year listed by name


@dataclass(frozen=True)
class Period:
    """Calendar days [first, last], both included, in Shanghai time."""

    first: date
    last: date

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        start = aware(datetime(self.first.year, self.first.month, self.first.day))
        end = self.last + timedelta(days=1)
        return start, aware(datetime(end.year, end.month, end.day))

    @property
    def months(self) -> list[date]:
        month, last = self.first.replace(day=1), self.last.replace(day=1)
        found = []
        while month <= last:
            found.append(month)
            month = add_months(month, 1)
        return found

    def year_before(self) -> "Period":
        return Period(_year_earlier(self.first), _year_earlier(self.last))


def _year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True)
class Area:
    """Whose figures: a county, or one town of it."""

    county: Organisation
    town: Organisation | None = None

    @property
    def org(self) -> Organisation:
        return self.town or self.county

    def orgs_q(self, prefix: str = "org__") -> Q:
        """Rows of an organisation in the area: `prefix` leads to that organisation. The
        county is the row's own (a record carries its organisation's county, and indexes it
        with its dates: a county's year is a range of that index, not a join)."""
        return Q(county_id=self.county.pk) & self._in_town(prefix)

    def lecturers_q(self, prefix: str = "") -> Q:
        return Q(**{f"{prefix}county_id": self.county.pk}) & self._in_town(f"{prefix}org__")

    def _in_town(self, prefix: str) -> Q:
        """The organisation `prefix` leads to is the area's town or one of its branches."""
        if not self.town:
            return Q()
        return Q(**{f"{prefix}pk": self.town.pk}) | Q(**{f"{prefix}parent_id": self.town.pk})


# --- who sees whose figures -------------------------------------------------------------------


def may_see_dashboard(user) -> bool:
    scope = access.scope_for(user)
    return scope.is_county_admin or scope.is_town_admin


def area_for_user(user, org_id=None) -> Area:
    """The area whose figures the caller asks for: a county admin's county or one of its towns
    (`org_id`), a town admin's town. 403 for anyone else; 404 for an organisation outside the
    caller's scope, and for one that is neither the county nor a town."""
    scope = access.scope_for(user)
    if not may_see_dashboard(user):
        raise Forbidden(_("The dashboard is for county and town administrators."))
    if org_id in (None, ""):
        if scope.is_county_admin:
            return Area(county=county_for_user(user))
        org_id = min(scope.town_ids)
    org = access.org_for_user(user, org_id)
    if org.level == OrgLevel.COUNTY:
        return Area(county=org)
    if org.level != OrgLevel.TOWN or not (scope.is_county_admin or org.pk in scope.town_ids):
        raise NotFound(_("Figures are kept for the county and its towns."))
    return Area(county=Organisation.objects.get(pk=org.county_id), town=org)


_org_by_id = by_pk(Organisation)


def county_for_user(user) -> Organisation:
    return _org_by_id(access.scope_for(user).county_id)


def towns_for_user(user) -> list[Organisation]:
    """The towns whose figures the caller may open: all the county's for a county admin
    (kept in core.read_cache: the dashboard's area chooser lists them on every visit)."""
    scope = access.scope_for(user)
    if scope.is_county_admin:
        return read_cache.cached(
            ("towns of the county", scope.county_id),
            lambda: list(access.towns_in_county(user).order_by("name", "id")),
        )
    return list(Organisation.objects.filter(pk__in=scope.town_ids).order_by("name", "id"))


# --- the figures ------------------------------------------------------------------------------


def _held_sessions(area: Area, period: Period):
    start, end = period.bounds
    return Booking.objects.filter(
        area.orgs_q(),
        status__in=RATEABLE,
        start_at__gte=start,
        start_at__lt=min(end, timezone.now()),
    )


def _counted(rows: dict, choices) -> list[dict]:
    """`rows` (value → n) over every choice, in the choices' order, zeros included."""
    return [
        {"key": value, "label": str(label), "n": rows.get(value, 0)} for value, label in choices
    ]


def _by(queryset, field: str) -> dict:
    return dict(queryset.values_list(field).annotate(n=Count("id")).order_by())


def _month_of(field: str):
    return TruncMonth(field, output_field=DateField(), tzinfo=timezone.get_default_timezone())


def _by_status_and_month(queryset) -> tuple[Counter, Counter]:
    """The rows counted per status and per month of their creation, in one pass."""
    by_status, by_month = Counter(), Counter()
    for status, month, n in (
        queryset.annotate(m=_month_of("created_at"))
        .values_list("status", "m")
        .annotate(n=Count("id"))
        .order_by()
    ):
        by_status[status] += n
        by_month[month.date() if isinstance(month, datetime) else month] += n
    return by_status, by_month


# The held sessions' running totals, kept by the evaluation with every check-in and rating
# (evaluation.SessionScore): the figures count and average those, never the ratings
# themselves, so a county's year reads its sessions, not its hundreds of thousands of ratings.
ATTENDED = Coalesce(Sum("score_tally__attendance_count"), 0)
POINTS = Coalesce(Sum("score_tally__rating_total"), 0)
RATED = Coalesce(Sum("score_tally__rating_count"), 0)
# The counted ratings in each score band (evaluation.RATING_BANDS), by the band's field.
BANDS = {field: Coalesce(Sum(f"score_tally__{field}"), 0) for _label, _least, field in RATING_BANDS}


def mean_score(points: int, rated: int) -> float | None:
    """The average of the three scores over `rated` ratings summing to `points`."""
    return points / (3 * rated) if rated else None


def sessions_section(area: Area, period: Period) -> dict:
    # One pass over the held sessions, grouped by month, classroom and member group at once.
    # Their organisations' county is theirs: said again, it has the database read the member
    # groups of the county's organisations, not of every organisation in a province.
    rows = (
        _held_sessions(area, period)
        .filter(org__county_id=area.county.pk)
        .annotate(m=_month_of("start_at"))
        .values_list("m", "classroom", "org__group")
        .annotate(n=Count("id"), attended=ATTENDED)
        .order_by()
    )
    sessions, attendances = Counter(), Counter()
    by_classroom, by_group = Counter(), Counter()
    for month, classroom, group, n, attended in rows:
        month = month.date() if isinstance(month, datetime) else month
        sessions[month] += n
        attendances[month] += attended
        by_classroom[classroom] += n
        by_group[group] += n
    groups = [*MemberGroup.choices, ("", _("No member group"))]
    return {
        "sessions": sum(sessions.values()),
        "attendances": sum(attendances.values()),
        "by_classroom": _counted(by_classroom, Classroom.choices),
        "by_group": [g for g in _counted(by_group, groups) if g["key"] or g["n"]],
        "_sessions_by_month": dict(sessions),
        "_attendances_by_month": dict(attendances),
    }


def bookings_section(area: Area, period: Period) -> dict:
    start, end = period.bounds
    made = Booking.objects.filter(area.orgs_q(), created_at__gte=start, created_at__lt=end)
    by_status, by_month = _by_status_and_month(made)
    return {
        "bookings": sum(by_status.values()),
        "bookings_by_status": {value: by_status.get(value, 0) for value in BookingStatus.values},
        "_bookings_by_month": by_month,
    }


def demands_section(area: Area, period: Period) -> dict:
    start, end = period.bounds
    posted = Demand.objects.filter(area.orgs_q(), created_at__gte=start, created_at__lt=end)
    by_status, by_month = _by_status_and_month(posted)
    waits = [
        (taken_at - posted_at).total_seconds() / 3600
        for posted_at, taken_at in posted.filter(
            status=DemandStatus.TAKEN, booking__decided_at__isnull=False
        ).values_list("created_at", "booking__decided_at")
    ]
    return {
        "demands": {
            "posted": sum(by_status.values()),
            **{value: by_status.get(value, 0) for value in DemandStatus.values},
            "median_hours_to_grab": round(statistics.median(waits), 1) if waits else None,
        },
        "_demands_by_month": by_month,
    }


def pool_section(area: Area, period: Period) -> dict:
    active = Lecturer.objects.filter(area.lecturers_q(), status=LecturerStatus.ACTIVE)
    years = (period.first.year, period.last.year)
    lecturer_honours = _by(
        LecturerHonour.objects.filter(
            area.lecturers_q("lecturer__"), year__gte=years[0], year__lte=years[1]
        ),
        "title",
    )
    course_honours = _by(
        CourseHonour.objects.filter(
            area.lecturers_q("course__lecturer__"), year__gte=years[0], year__lte=years[1]
        ),
        "title",
    )
    by_source, by_level = Counter(), Counter()
    for source, level, n in (
        active.values_list("source", "level").annotate(n=Count("id")).order_by()
    ):
        by_source[source] += n
        by_level[level] += n
    offered = _by(
        Course.objects.filter(area.lecturers_q("lecturer__"), status=CourseStatus.ACTIVE),
        "category",
    )
    start, end = period.bounds
    created = CourseRevision.objects.filter(
        area.lecturers_q("course__lecturer__"),
        kind=CourseRevision.Kind.CREATED,
        changed_at__gte=start,
        changed_at__lt=end,
    ).aggregate(
        courses=Count("course", distinct=True), lecturers=Count("course__lecturer", distinct=True)
    )
    return {
        "active_lecturers": sum(by_source.values()),
        "lecturers_by_source": _counted(by_source, Source.choices),
        "lecturers_by_level": _counted(by_level, LecturerLevel.choices),
        "honours": [
            {
                "key": value,
                "label": str(label),
                "lecturers": lecturer_honours.get(value, 0),
                "courses": course_honours.get(value, 0),
            }
            for value, label in HonourTitle.choices
        ],
        "courses_offered": sum(offered.values()),
        "courses_by_category": _counted(offered, Category.choices),
        "new_courses": created["courses"],
        "new_course_lecturers": created["lecturers"],
    }


def coverage_section(area: Area, period: Period) -> dict:
    """Branches (village-level organisations) that held at least one session, per town;
    the county's own units (branches right under the county) make a row of their own."""
    held_orgs = _held_sessions(area, period).values("org_id")
    branches = Organisation.objects.filter(area.orgs_q(prefix=""), level=OrgLevel.VILLAGE).exclude(
        pk=area.county.pk
    )
    rows = (
        branches.values("parent_id", "parent__name", "parent__level")
        .annotate(branches=Count("id"), covered=Count("id", filter=Q(pk__in=held_orgs)))
        .order_by("parent__level", "parent__name", "parent_id")
    )
    towns = [
        {
            "org_id": r["parent_id"],
            "name": r["parent__name"]
            if r["parent__level"] == OrgLevel.TOWN
            else str(_("County units")),
            "is_town": r["parent__level"] == OrgLevel.TOWN,
            "branches": r["branches"],
            "covered": r["covered"],
            "share": round(r["covered"] / r["branches"], 3),
        }
        for r in rows
    ]
    total = sum(t["branches"] for t in towns)
    covered = sum(t["covered"] for t in towns)
    return {
        "coverage": {
            "branches": total,
            "covered": covered,
            "share": round(covered / total, 3) if total else None,
            "by_town": towns,
        }
    }


def ratings_section(area: Area, period: Period) -> dict:
    # One pass: the running totals of the held sessions per lecturer and course. Every
    # session has both, and a pair without counted ratings adds nothing, so the lecturers',
    # the courses' and the area's sums are sums of the pairs'.
    pairs = _rated_groups(_held_sessions(area, period), "lecturer_id", "course_id", **BANDS)
    sums = {name: sum(pair[name] for pair in pairs) for name in ("points", "rated", *BANDS)}
    average = mean_score(sums["points"], sums["rated"])
    return {
        "ratings": sums["rated"],
        "average_score": round(average, 1) if average is not None else None,
        "rating_bands": [  # lowest first
            {"key": label, "label": label, "n": sums[field]}
            for label, _least, field in RATING_BANDS
        ],
        "lecturers_ranked": _ranked(pairs, "lecturer_id", Lecturer, "name"),
        "courses_ranked": _ranked(pairs, "course_id", Course, "title"),
    }


def _rated_groups(held, *fields: str, **more) -> list[dict]:
    """The `held` sessions grouped by `fields`, the groups with counted ratings: each with
    the sum of their points and their number (and the sums of `more`)."""
    return list(
        held.values(*fields)
        .annotate(points=POINTS, rated=RATED, **more)
        .filter(rated__gt=0)
        .order_by()
    )


def _summed(groups: list[dict], field: str) -> list[dict]:
    """`_rated_groups`' points and numbers summed per value of `field`."""
    sums: dict = {}
    for group in groups:
        row = sums.setdefault(group[field], {field: group[field], "points": 0, "rated": 0})
        row["points"] += group["points"]
        row["rated"] += group["rated"]
    return list(sums.values())


def best_rated(held, id_field: str) -> list[dict]:
    """The rated among `held` sessions grouped by `id_field`, best first by Bayesian-averaged
    score (as the rankings order them): {"id", "score", "average", "ratings"}. Grouped by the
    id alone (a join to the names would read every lecturer or course of the database): the
    caller names the few it shows (`named`)."""
    return _best_first(_rated_groups(held, id_field), id_field)


def _best_first(groups: list[dict], id_field: str) -> list[dict]:
    """`_rated_groups`' groups as `best_rated` gives them."""
    items = []
    for r in groups:
        average = mean_score(r["points"], r["rated"])
        items.append(
            {
                "id": r[id_field],
                "score": round(bayesian_average(average, r["rated"]), 1),
                "average": round(average, 1),
                "ratings": r["rated"],
            }
        )
    items.sort(key=lambda item: (-item["score"], item["id"]))
    return items


def named(items: list[dict], model, **fields: str) -> list[dict]:
    """`items` of best_rated, each with `fields` of its row of `model` (key → field path),
    after its id."""
    paths = list(fields.values())
    rows = {
        row[0]: row[1:]
        for row in model.objects.filter(pk__in=[item["id"] for item in items])
        .order_by()
        .values_list("pk", *paths)
    }
    return [
        {"id": item["id"], **dict(zip(fields, rows[item["id"]], strict=True)), **item}
        for item in items
    ]


def _ranked(pairs: list[dict], id_field: str, model, name_field: str) -> dict:
    """The best and the worst by Bayesian-averaged score, the `pairs` summed by `id_field`."""
    items = _best_first(_summed(pairs, id_field), id_field)
    top = items[:RANKED]
    bottom = [item for item in items[::-1][:RANKED] if item not in top]
    shown = named(top + bottom, model, name=name_field)  # one read of the names
    return {"top": shown[: len(top)], "bottom": shown[len(top) :]}


def idle_section(area: Area, period: Period) -> dict:
    """Active lecturers without a session held in the calendar year of the period's end."""
    year = period.last.year
    # Teaching anywhere in the county counts, also outside the lecturer's own town.
    taught = _held_sessions(Area(county=area.county), Period(date(year, 1, 1), date(year, 12, 31)))
    idle = list(
        Lecturer.objects.filter(area.lecturers_q(), status=LecturerStatus.ACTIVE)
        .exclude(pk__in=taught.values("lecturer_id"))
        .order_by("name_pinyin", "id")
        .values_list("pk", "name", "org__name")
    )  # one pass: counted and the first shown (a county's idle are a few hundred at most)
    return {
        "idle_year": year,
        "idle_lecturers": len(idle),
        "idle_list": [
            {"id": pk, "name": name, "org": org or ""} for pk, name, org in idle[:IDLE_SHOWN]
        ],
    }


def appraisal_section(area: Area, period: Period) -> dict:
    """The grades of the latest published appraisal of a year up to the period's end."""
    run = (
        AppraisalRun.objects.filter(
            county_id=area.county.pk, status=RunStatus.PUBLISHED, year__lte=period.last.year
        )
        .order_by("-year", "-published_at", "-id")
        .first()
    )
    results = AppraisalResult.objects.none()
    if run is not None:
        results = AppraisalResult.objects.filter(run=run)
        if area.town:
            results = results.filter(town_id=area.town.pk)
    by_grade = _by(results, "grade")
    grades = [*Grade.choices, ("", _("Not graded"))]
    return {
        "appraisal": {
            "year": run.year if run else None,
            "lecturers": sum(by_grade.values()),
            "graded": sum(n for grade, n in by_grade.items() if grade),
            "by_grade": _counted(by_grade, grades),
        }
    }


def selection_section(area: Area, period: Period) -> dict:
    """Nominations received in the period, by channel, and how many were approved."""
    start, end = period.bounds
    received = Nomination.objects.filter(area.orgs_q(), created_at__gte=start, created_at__lt=end)
    rows = {
        channel: (n, approved)
        for channel, n, approved in received.values_list("channel")
        .annotate(n=Count("id"), approved=Count("id", filter=Q(stage=Stage.APPROVED)))
        .order_by()
        .values_list("channel", "n", "approved")
    }
    return {
        "selection": {
            "nominations": sum(n for n, _approved in rows.values()),
            "approved": sum(approved for _n, approved in rows.values()),
            "by_channel": [
                {
                    "key": value,
                    "label": str(label),
                    "n": rows.get(value, (0, 0))[0],
                    "approved": rows.get(value, (0, 0))[1],
                }
                for value, label in Channel.choices
            ],
        }
    }


# The sections of `stats`, in order. A domain that joins the dashboard (the appraisal's grades,
# the development app's calls and nominations: both on a floor below this one) gets a function
# of (area, period) → dict here that reads that app's selectors over the area's rows, and
# charts.py the charts of its keys, api/routers/reports.py its fields; the page, the Excel
# of the page and the yearly report (through HEADLINES) then carry it as they are.
SECTIONS: list[Callable[[Area, Period], dict]] = [
    sessions_section,
    bookings_section,
    demands_section,
    pool_section,
    coverage_section,
    ratings_section,
    idle_section,
    appraisal_section,
    selection_section,
]


def stats(area: Area, period: Period) -> dict:
    """Every figure of the area in the period (see the module's docstring), kept in
    core.read_cache until the next committed write, or the next minute: a session counts
    as held once its start has passed, which no write announces. Whoever asks has been
    allowed the area already; the figures are the same for all of them."""
    key = (
        "stats",
        area.county.pk,
        area.town.pk if area.town else None,
        period.first.isoformat(),
        period.last.isoformat(),
        stats_minute(),
    )
    return read_cache.cached(key, lambda: _computed(area, period))


def stats_minute() -> str:
    """The minute the kept figures belong to: part of the key of whatever shows them."""
    return timezone.now().replace(second=0, microsecond=0).isoformat()


def _computed(area: Area, period: Period) -> dict:
    figures: dict = {"period": {"from": period.first.isoformat(), "to": period.last.isoformat()}}
    for section in SECTIONS:
        figures.update(section(area, period))
    figures["by_month"] = [
        {
            "month": f"{month:%Y-%m}",
            "sessions": figures["_sessions_by_month"].get(month, 0),
            "attendances": figures["_attendances_by_month"].get(month, 0),
            "bookings": figures["_bookings_by_month"].get(month, 0),
            "demands": figures["_demands_by_month"].get(month, 0),
        }
        for month in period.months
    ]
    return {key: value for key, value in figures.items() if not key.startswith("_")}


# --- periods ------------------------------------------------------------------------------------


def today() -> date:
    return local(timezone.now()).date()


def presets(day: date | None = None) -> list[tuple[str, str, Period]]:
    """The period chooser's shortcuts: (key, label, period)."""
    day = day or today()
    quarter_first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return [
        ("month", _("This month"), Period(day.replace(day=1), day)),
        ("quarter", _("This quarter"), Period(quarter_first, day)),
        ("year", _("This year"), Period(date(day.year, 1, 1), day)),
        ("12m", _("Last 12 months"), Period(add_months(day.replace(day=1), -11), day)),
    ]


def default_period() -> Period:
    return presets()[2][2]


# --- the yearly work report -------------------------------------------------------------------


def report_period(year: int) -> Period:
    """The calendar year; the current one until today (then compared with the same days of
    the year before)."""
    return Period(date(year, 1, 1), min(date(year, 12, 31), today()))


def _honour(figures: dict, key: str) -> int:
    row = next(h for h in figures["honours"] if h["key"] == key)
    return row["lecturers"] + row["courses"]


def _classroom(figures: dict, key: str) -> int:
    return next(c["n"] for c in figures["by_classroom"] if c["key"] == key)


# (label, figure): the headline figures a county reports upward (L18, L19, G1, G7, G8b).
HEADLINES: list[tuple] = [
    (_("Online bookings made"), lambda f: f["bookings"]),
    (_("Sessions held"), lambda f: f["sessions"]),
    (_("Trainee attendances (人次)"), lambda f: f["attendances"]),
    (_("Demands posted"), lambda f: f["demands"]["posted"]),
    (_("Demands taken by a lecturer"), lambda f: f["demands"]["taken"]),
    (_("New courses developed"), lambda f: f["new_courses"]),
    (_("Lecturers who developed new courses"), lambda f: f["new_course_lecturers"]),
    (_("Famous lecturers named (名师)"), lambda f: _honour(f, HonourTitle.FAMOUS_LECTURER)),
    (_("Good courses named (好课)"), lambda f: _honour(f, HonourTitle.GOOD_COURSE)),
    (_("Quality courses named (精品课)"), lambda f: _honour(f, HonourTitle.QUALITY_COURSE)),
    (_("Branches reached"), lambda f: f["coverage"]["covered"]),
    (_("Average trainee score"), lambda f: f["average_score"]),
    (_("Nominations received"), lambda f: f["selection"]["nominations"]),
    (_("Nominations approved and appointed"), lambda f: f["selection"]["approved"]),
    *(
        (
            format_lazy(_("Sessions: {classroom}"), classroom=label),
            lambda f, k=key: _classroom(f, k),
        )
        for key, label in Classroom.choices
    ),
]


def _change(this, before) -> dict:
    if this is None or before is None:
        return {"change": None, "change_pct": None}
    change = round(this - before, 1) if isinstance(this, float) else this - before
    return {"change": change, "change_pct": round(100 * change / before, 1) if before else None}


def year_report(area: Area, year: int) -> dict:
    """The year's figures beside those of the year before, for the report a county (or a
    town) sends upward."""
    period = report_period(year)
    figures = stats(area, period)
    before = stats(area, period.year_before())
    rows = []
    for label, figure in HEADLINES:
        this, last = figure(figures), figure(before)
        rows.append({"label": str(label), "this": this, "last": last, **_change(this, last)})
    return {
        "area": area,
        "year": year,
        "period": period,
        "before": period.year_before(),
        "figures": figures,
        "headlines": rows,
        "made_at": local(timezone.now()),
    }
