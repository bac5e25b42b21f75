"""A province's figures: each of its counties side by side, a ranking of the counties and the
best-rated lecturers across them (province admins, read-only).

A province holds ~140 counties, so the figures are not `stats` run once per county: each
headline is one grouped query over the province's rows (GROUP BY county, on the indexes that
lead with the county), a handful of queries whatever the number of counties. Each count means
what the county dashboard's of the same name means (see selectors.py; the tests hold the two
equal), so that a county reads the same number on both pages.

Even so a province's figures are seconds of aggregation over millions of rows, too long to
run on every visit of a busy server: they are kept (ProvinceSnapshot, one a province and
period) and shown with the time they were computed, never older than SNAPSHOT_MAX_AGE; a
worker computes the period chooser's presets again before then, and any other period, or one
whose snapshot is too old, is computed on the request that asks for it.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import access
from core.errors import Forbidden
from evaluation.services import RATEABLE
from lecturers.models import Lecturer, LecturerStatus
from matching.models import Demand, DemandStatus
from orgs.models import Organisation, OrgLevel
from scheduling.models import Booking

from .models import ProvinceSnapshot
from .selectors import (
    ATTENDED,
    POINTS,
    RATED,
    Period,
    best_rated,
    mean_score,
    named,
    presets,
    today,
)

TOP_LECTURERS = 20
# A province's figures are at most this old when shown; the scheduler has a worker compute the
# presets' again every ten minutes (reports.tasks, jiangtai/settings.py's PERIODIC_JOBS).
SNAPSHOT_MAX_AGE = timedelta(minutes=15)

# The figures of each county, in the order of the table, the workbook and the API; the
# ranking may sort by any of them.
FIGURES = (
    ("sessions", _("Sessions held")),
    ("attendances", _("Trainee attendances")),
    ("active_lecturers", _("Active lecturers")),
    ("bookings", _("Bookings made")),
    ("demands_taken", _("Demands taken")),
    ("demands_expired", _("Demands expired")),
    ("average_score", _("Average trainee score")),
    ("coverage", _("Branches reached")),
)
RANK_BY = ("sessions", "attendances", "active_lecturers", "bookings", "average_score", "coverage")


@dataclass(frozen=True)
class ProvinceFigures:
    province: Organisation
    period: Period
    counties: list[dict]  # one row per county, ranked
    totals: dict
    top_lecturers: list[dict]
    rank_by: str
    as_of: datetime  # when they were computed (a snapshot's time)


def may_see_province(user) -> bool:
    return access.is_province_admin(user)


def province_for_user(user) -> Organisation:
    if not may_see_province(user):
        raise Forbidden(_("The provincial figures are for province administrators."))
    return access.province_for_user(user)


def _held(county_ids, period: Period):
    start, end = period.bounds
    return Booking.objects.filter(
        county_id__in=county_ids,
        status__in=RATEABLE,
        start_at__gte=start,
        start_at__lt=min(end, timezone.now()),
    )


def _per_county(queryset, field: str = "county_id") -> dict:
    return dict(queryset.values_list(field).annotate(n=Count("id")).order_by())


def county_rows(counties: list[Organisation], period: Period) -> list[dict]:
    """The headline figures of each county in the period, in the order given."""
    return _county_figures(counties, period)[0]


def _county_figures(
    counties: list[Organisation], period: Period
) -> tuple[list[dict], dict[int, tuple[int, int]]]:
    """The rows of `county_rows`, and each county's summed points and ratings (by county id;
    none for a county without a session held), kept out of the rows so that the page, the
    workbook and the API show none of them: the province's average is theirs summed."""
    ids = [c.pk for c in counties]
    start, end = period.bounds
    held = {
        county_id: (n, attended, points, rated)
        for county_id, n, attended, points, rated in _held(ids, period)
        .values_list("county_id")
        .annotate(n=Count("id"), attended=ATTENDED, points=POINTS, rated=RATED)
        .order_by()
    }
    lecturers = _per_county(
        Lecturer.objects.filter(county_id__in=ids, status=LecturerStatus.ACTIVE)
    )
    made = Booking.objects.filter(county_id__in=ids, created_at__gte=start, created_at__lt=end)
    bookings = _per_county(made)
    demands: dict = defaultdict(dict)
    posted = Demand.objects.filter(county_id__in=ids, created_at__gte=start, created_at__lt=end)
    for county_id, status, n in (
        posted.values_list("county_id", "status").annotate(n=Count("id")).order_by()
    ):
        demands[county_id][status] = n
    branches = _per_county(Organisation.objects.filter(county_id__in=ids, level=OrgLevel.VILLAGE))
    # The branches with a session held: distinct organisations of the held sessions (a
    # filter "id IN (held organisations)" over the branches made PostgreSQL scan the held
    # sessions once a branch, minutes for a province).
    covered = dict(
        _held(ids, period)
        .filter(org__level=OrgLevel.VILLAGE)
        .values_list("org__county_id")
        .annotate(n=Count("org_id", distinct=True))
        .order_by()
    )
    rows = []
    for county in counties:
        sessions, attendances, points, rated = held.get(county.pk, (0, 0, 0, 0))
        score = mean_score(points, rated)
        n, reached = branches.get(county.pk, 0), covered.get(county.pk, 0)
        rows.append(
            {
                "county_id": county.pk,
                "name": county.name,
                "sessions": sessions,
                "attendances": attendances,
                "active_lecturers": lecturers.get(county.pk, 0),
                "bookings": bookings.get(county.pk, 0),
                "demands_posted": sum(demands[county.pk].values()),
                "demands_taken": demands[county.pk].get(DemandStatus.TAKEN, 0),
                "demands_expired": demands[county.pk].get(DemandStatus.EXPIRED, 0),
                "average_score": round(score, 1) if score is not None else None,
                "branches": n,
                "branches_covered": reached,
                "coverage": round(reached / n, 3) if n else None,
            }
        )
    sums = {county_id: (points, rated) for county_id, (_n, _a, points, rated) in held.items()}
    return rows, sums


def _totals(rows: list[dict], sums: dict[int, tuple[int, int]], ids) -> dict:
    summed = (
        "sessions",
        "attendances",
        "active_lecturers",
        "bookings",
        "demands_posted",
        "demands_taken",
        "demands_expired",
        "branches",
        "branches_covered",
    )
    totals = {key: sum(row[key] for row in rows) for key in summed}
    # The province's average from its counties' summed points and ratings (the counties
    # partition the province's held sessions), not one more pass over all of them.
    points = sum(p for p, _r in sums.values())
    rated = sum(r for _p, r in sums.values())
    average = mean_score(points, rated)
    totals["average_score"] = round(average, 1) if average is not None else None
    totals["coverage"] = (
        round(totals["branches_covered"] / totals["branches"], 3) if totals["branches"] else None
    )
    totals["counties"] = len(ids)
    return totals


def _ranked(rows: list[dict], rank_by: str) -> list[dict]:
    """The counties best first by `rank_by` (those without a value last), numbered; equal
    values share a rank."""
    ordered = sorted(
        rows,
        key=lambda r: (r[rank_by] is None, -(r[rank_by] or 0), r["name"], r["county_id"]),
    )
    rank, previous = 0, object()
    for position, row in enumerate(ordered, start=1):
        if row[rank_by] != previous:
            rank, previous = position, row[rank_by]
        row["rank"] = rank if row[rank_by] is not None else None
    return ordered


def top_lecturers(county_ids, period: Period, *, limit: int = TOP_LECTURERS) -> list[dict]:
    """The best-rated lecturers of the province's sessions in the period, by the Bayesian
    score the rankings use, with their county."""
    best = best_rated(_held(county_ids, period), "lecturer_id")[:limit]
    return named(best, Lecturer, name="name", county="county__name")


def _computed(province: Organisation, period: Period) -> dict:
    """What a snapshot keeps: each county's row (unranked), the totals, the best-rated."""
    counties = list(access.counties_in_province(province.pk).order_by("name", "id"))
    ids = [c.pk for c in counties]
    rows, sums = _county_figures(counties, period)
    totals = _totals(rows, sums, ids)
    return {"counties": rows, "totals": totals, "top_lecturers": top_lecturers(ids, period)}


def store_snapshot(province: Organisation, period: Period) -> ProvinceSnapshot:
    """Compute the province's figures for the period and keep them (one row a period: the
    last computation wins, whoever computed it at the same time)."""
    snapshot = ProvinceSnapshot(
        province=province,
        first=period.first,
        last=period.last,
        figures=_computed(province, period),
        computed_at=timezone.now(),
    )
    ProvinceSnapshot.objects.bulk_create(
        [snapshot],
        update_conflicts=True,
        unique_fields=["province", "first", "last"],
        update_fields=["figures", "computed_at"],
    )
    return snapshot


def province_figures(
    user, period: Period, *, rank_by: str = "sessions", max_age: timedelta = SNAPSHOT_MAX_AGE
) -> ProvinceFigures:
    """Every county of the caller's province side by side (403 for anyone but its admins), as
    computed at most `max_age` ago (then computed now)."""
    province = province_for_user(user)
    if rank_by not in RANK_BY:
        rank_by = RANK_BY[0]
    snapshot = ProvinceSnapshot.objects.filter(
        province=province,
        first=period.first,
        last=period.last,
        computed_at__gt=timezone.now() - max_age,
    ).first() or store_snapshot(province, period)
    return ProvinceFigures(
        province=province,
        period=period,
        counties=_ranked(snapshot.figures["counties"], rank_by),
        totals=snapshot.figures["totals"],
        top_lecturers=snapshot.figures["top_lecturers"],
        rank_by=rank_by,
        as_of=snapshot.computed_at,
    )


def refresh_snapshots() -> None:
    """A worker's job (reports.tasks, queued by the scheduler): every province's figures for
    each of the period chooser's presets computed again, so that no province admin waits for
    them; snapshots of periods that ended before yesterday removed (asked again, they are
    computed again)."""
    for province in Organisation.objects.filter(level=OrgLevel.PROVINCE).order_by("id"):
        for _key, _label, period in presets():
            store_snapshot(province, period)
    ProvinceSnapshot.objects.filter(last__lt=today() - timedelta(days=1)).delete()
