"""Rankings (智能排位, L11) by Bayesian-averaged score (core.scoring), by category, town, year."""

from datetime import datetime

from django.db.models import Avg, Count, F, FloatField, Q, Sum
from django.db.models.functions import Cast

import access
from core import read_cache
from core.scoring import bayesian_average
from core.timeutil import aware
from lecturers.selectors import lecturers_visible_to
from orgs.models import CountySettings

from .models import SessionScore


def _year_bounds(year: int):
    return aware(datetime(year, 1, 1)), aware(datetime(year + 1, 1, 1))


def lecturer_ranking(
    user, *, year: int | None = None, category: str = "", town_id: int | None = None
) -> list[dict]:
    """Read from the sessions' running totals (SessionScore), never from the ratings: one
    row per rated session, summed per lecturer in the database, so a ranking costs the same
    however many trainees rated; kept for the caller and the filters until the data changes
    (core.read_cache)."""
    return read_cache.cached(
        ("lecturer-ranking", user.pk, year, category, town_id),
        lambda: _lecturer_ranking(user, year=year, category=category, town_id=town_id),
    )


def _lecturer_ranking(user, *, year, category, town_id) -> list[dict]:
    scope = access.scope_for(user)
    if scope.county_id is None:
        return []
    # Only lecturers the caller may see in the catalogue (non-admins: active ones).
    sessions = SessionScore.objects.filter(
        rating_count__gt=0,
        booking__county_id=scope.county_id,
        booking__lecturer__in=lecturers_visible_to(user),
    )
    if year:
        start, end = _year_bounds(year)
        sessions = sessions.filter(booking__start_at__gte=start, booking__start_at__lt=end)
    if category:
        sessions = sessions.filter(booking__course__category=category)
    if town_id:
        sessions = sessions.filter(
            Q(booking__lecturer__org_id=town_id) | Q(booking__lecturer__org__parent_id=town_id)
        )
    rows = [
        # The mean of (content + method + effect) / 3 over the ratings, as a rating's overall.
        {**r, "total": r["points"] / (3 * r["n"])}
        for r in sessions.values("booking__lecturer_id", "booking__lecturer__name")
        .annotate(points=Sum("rating_total"), n=Sum("rating_count"), sessions=Count("pk"))
        .order_by()
    ]
    return _rank(
        rows, scope.county_id, id_key="booking__lecturer_id", name_key="booking__lecturer__name"
    )


def org_ranking(
    user, *, year: int | None = None, category: str = "", town_id: int | None = None
) -> list[dict]:
    """The trained organisations by the lecturers' ratings; kept as `lecturer_ranking`."""
    return read_cache.cached(
        ("org-ranking", user.pk, year, category, town_id),
        lambda: _org_ranking(user, year=year, category=category, town_id=town_id),
    )


def _org_ranking(user, *, year, category, town_id) -> list[dict]:
    from .models import OrgRating

    scope = access.scope_for(user)
    if scope.county_id is None:
        return []
    ratings = OrgRating.objects.filter(booking__county_id=scope.county_id)
    if year:
        start, end = _year_bounds(year)
        ratings = ratings.filter(booking__start_at__gte=start, booking__start_at__lt=end)
    if category:
        ratings = ratings.filter(booking__course__category=category)
    if town_id:
        ratings = ratings.filter(Q(booking__org_id=town_id) | Q(booking__org__parent_id=town_id))
    overall = Cast(F("performance") + F("discipline") + F("engagement"), FloatField()) / 3.0
    rows = list(
        ratings.values("booking__org_id", "booking__org__name").annotate(
            total=Avg(overall), n=Count("id"), sessions=Count("booking", distinct=True)
        )
    )
    return _rank(rows, scope.county_id, id_key="booking__org_id", name_key="booking__org__name")


def _rank(rows: list[dict], county_id: int, *, id_key: str, name_key: str) -> list[dict]:
    rules = CountySettings.for_county(county_id)
    ranked = []
    for r in rows:
        score = bayesian_average(r["total"], r["n"])
        # Ordered by the Bayesian score; the stars are those of the plain average, as on résumés.
        ranked.append({"id": r[id_key], "name": r[name_key], "score": round(score, 2), "star": rules.star_for(r["total"]),
                       "sessions": r["sessions"], "ratings": r["n"]})  # fmt: skip
    ranked.sort(key=lambda item: (-item["score"], item["id"]))
    for position, item in enumerate(ranked, start=1):
        item["rank"] = position
    return ranked
