"""A province's figures: each of its counties side by side, a ranking of the counties and the
best-rated lecturers across them (province admins, read-only).

A province holds ~140 counties, so the figures are not `stats` run once per county: each
headline is one grouped query over the province's rows (GROUP BY county, on the indexes that
lead with the county), a handful of queries whatever the number of counties. Each count means
what the county dashboard's of the same name means (see selectors.py; the tests hold the two
equal), so that a county reads the same number on both pages.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Avg, Count, F, FloatField, Q
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import access
from core.errors import Forbidden
from core.scoring import bayesian_average
from evaluation.models import TraineeRating
from evaluation.services import RATEABLE
from lecturers.models import Lecturer, LecturerStatus
from matching.models import Demand, DemandStatus
from orgs.models import Organisation, OrgLevel
from scheduling.models import Booking

from .selectors import Period

TOP_LECTURERS = 20

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


def _score():
    return Cast(F("content") + F("method") + F("effect"), FloatField()) / 3.0


def county_rows(counties: list[Organisation], period: Period) -> list[dict]:
    """The headline figures of each county in the period, in the order given."""
    ids = [c.pk for c in counties]
    start, end = period.bounds
    held = _held(ids, period)
    sessions = _per_county(held)
    counted = TraineeRating.objects.filter(booking__in=held, is_flagged=False)
    attendances = _per_county(counted, "booking__county_id")
    scores = dict(
        counted.filter(rated_at__isnull=False)
        .values_list("booking__county_id")
        .annotate(avg=Avg(_score()))
        .order_by()
    )
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
    branches = (
        Organisation.objects.filter(county_id__in=ids, level=OrgLevel.VILLAGE)
        .values_list("county_id")
        .annotate(
            n=Count("id"),
            covered=Count("id", filter=Q(pk__in=held.values("org_id"))),
        )
        .order_by()
    )
    coverage = {county_id: (n, covered) for county_id, n, covered in branches}
    rows = []
    for county in counties:
        n, covered = coverage.get(county.pk, (0, 0))
        score = scores.get(county.pk)
        rows.append(
            {
                "county_id": county.pk,
                "name": county.name,
                "sessions": sessions.get(county.pk, 0),
                "attendances": attendances.get(county.pk, 0),
                "active_lecturers": lecturers.get(county.pk, 0),
                "bookings": bookings.get(county.pk, 0),
                "demands_posted": sum(demands[county.pk].values()),
                "demands_taken": demands[county.pk].get(DemandStatus.TAKEN, 0),
                "demands_expired": demands[county.pk].get(DemandStatus.EXPIRED, 0),
                "average_score": round(score, 1) if score is not None else None,
                "branches": n,
                "branches_covered": covered,
                "coverage": round(covered / n, 3) if n else None,
            }
        )
    return rows


def _totals(rows: list[dict], held, ids) -> dict:
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
    average = TraineeRating.objects.filter(
        booking__in=held, is_flagged=False, rated_at__isnull=False
    ).aggregate(avg=Avg(_score()))["avg"]
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
    counted = TraineeRating.objects.filter(
        booking__in=_held(county_ids, period), is_flagged=False, rated_at__isnull=False
    )
    rows = (
        counted.values(
            "booking__lecturer_id", "booking__lecturer__name", "booking__lecturer__county__name"
        )
        .annotate(avg=Avg(_score()), n=Count("id"))
        .order_by()
    )
    items = [
        {
            "id": r["booking__lecturer_id"],
            "name": r["booking__lecturer__name"],
            "county": r["booking__lecturer__county__name"],
            "score": round(bayesian_average(r["avg"], r["n"]), 1),
            "average": round(r["avg"], 1),
            "ratings": r["n"],
        }
        for r in rows
    ]
    items.sort(key=lambda item: (-item["score"], item["id"]))
    return items[:limit]


def province_figures(user, period: Period, *, rank_by: str = "sessions") -> ProvinceFigures:
    """Every county of the caller's province side by side (403 for anyone but its admins)."""
    province = province_for_user(user)
    if rank_by not in RANK_BY:
        rank_by = RANK_BY[0]
    counties = list(access.counties_of_province(user))
    ids = [c.pk for c in counties]
    rows = county_rows(counties, period)
    return ProvinceFigures(
        province=province,
        period=period,
        counties=_ranked(rows, rank_by),
        totals=_totals(rows, _held(ids, period), ids),
        top_lecturers=top_lecturers(ids, period),
        rank_by=rank_by,
    )
