"""Reading a ranking costs the same however many trainees rated (issue 18): the lecturers'
ranking sums the sessions' running totals (SessionScore) and never reads the ratings; the
totals follow every submission, hold, review and confirmation."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Avg, Count, F, FloatField
from django.db.models.functions import Cast
from django.test.utils import CaptureQueriesContext

from core.scoring import bayesian_average
from core.tests.factories import session
from evaluation import services
from evaluation.models import SessionScore, TraineeRating
from evaluation.selectors import lecturer_ranking
from evaluation.services import counted_ratings, token_for

pytestmark = pytest.mark.django_db

RATINGS_TABLE = TraineeRating._meta.db_table


def _sessions(world):
    first = session(world, started_minutes_ago=60 * 24 * 40)
    second = session(world, started_minutes_ago=60 * 24 * 20)
    third = session(world, started_minutes_ago=60 * 24 * 10)
    third.lecturer, third.course = world.li, world.course_li
    third.save(update_fields=["lecturer", "course"])
    return [first, second, third]


def _add_ratings(booking, count: int, start: int) -> None:
    """`count` rated, counted ratings of the session, then the recount a hold or a review
    would run (what keeps SessionScore in step with rows written outside a submission)."""
    at = booking.start_at + timedelta(minutes=5)
    TraineeRating.objects.bulk_create(
        TraineeRating(
            booking=booking, county_id=booking.county_id, name="学员", phone=f"139{start + i:08d}", rated_at=at,
            content=60 + (start + i) * 7 % 41, method=70 + (start + i) * 3 % 31,
            effect=50 + (start + i) * 11 % 51,
        )
        for i in range(count)
    )  # fmt: skip
    services.refresh_aggregates(booking)


def _ranking_from_the_ratings(county_id) -> list[tuple[int, float, int, int]]:
    """The ranking as it was computed before SessionScore: straight from the ratings."""
    overall = Cast(F("content") + F("method") + F("effect"), FloatField()) / 3.0
    rows = (
        counted_ratings()
        .filter(booking__county_id=county_id)
        .values("booking__lecturer_id")
        .annotate(mean=Avg(overall), n=Count("id"), sessions=Count("booking", distinct=True))
    )
    ranked = [
        (r["booking__lecturer_id"], round(bayesian_average(r["mean"], r["n"]), 2),
         r["sessions"], r["n"])
        for r in rows
    ]  # fmt: skip
    return sorted(ranked, key=lambda item: (-item[1], item[0]))


def _read(world, client, api):
    """Queries of the selector, the page and the API, and the selector's answer."""
    reads = {}
    with CaptureQueriesContext(connection) as selector:
        items = lecturer_ranking(world.secretary)
    with CaptureQueriesContext(connection) as page:
        assert client.get("/rankings/").status_code == 200
    with CaptureQueriesContext(connection) as endpoint:
        assert api.get("/api/v1/rankings/lecturers").status_code == 200
    for name, captured in (("selector", selector), ("page", page), ("api", endpoint)):
        sql = [q["sql"] for q in captured.captured_queries]
        assert not [s for s in sql if RATINGS_TABLE in s], name  # never the ratings
        reads[name] = len(sql)
    return reads, items


def test_a_ranking_reads_the_same_with_ten_times_the_ratings(world, login, api_as):
    sessions = _sessions(world)
    client, api = login(world.secretary), api_as(world.secretary)
    for i, booking in enumerate(sessions):
        _add_ratings(booking, 4, start=i * 1000)
    _read(world, client, api)  # warm: per-process caches (county rules, the user's scope)
    small, small_items = _read(world, client, api)
    for i, booking in enumerate(sessions):
        _add_ratings(booking, 36, start=i * 1000 + 4)
    large, large_items = _read(world, client, api)

    assert small == large
    assert len(small_items) == len(large_items) == 2  # one row per lecturer, both times
    assert [i["ratings"] for i in large_items] != [i["ratings"] for i in small_items]
    # Same order, scores, ties and counts as computed from the ratings themselves.
    assert [(i["id"], i["score"], i["sessions"], i["ratings"]) for i in large_items] == (
        _ranking_from_the_ratings(world.county.pk)
    )
    assert sum(i["ratings"] for i in large_items) == 120


def test_session_scores_follow_submissions_holds_and_reviews(world):
    booking = session(world)

    def rate(phone, scores, device=""):
        services.trainee_rate(
            token=token_for(booking), name="学员", phone=phone, device=device,
            scores=dict(zip(("content", "method", "effect"), scores, strict=True)),
        )  # fmt: skip

    def stored():
        row = SessionScore.objects.filter(booking=booking).first()
        return (row.rating_total, row.rating_count) if row else (0, 0)

    def counted():
        sums = [r.content + r.method + r.effect for r in counted_ratings().filter(booking=booking)]
        return sum(sums), len(sums)

    rate("13900000101", (90, 80, 70))
    rate("13900000102", (60, 70, 80))
    assert stored() == counted() == (450, 2)
    # A second phone from the same device is held: it does not count.
    rate("13900000103", (100, 100, 100), device="d1")
    rate("13900000104", (95, 95, 95), device="d1")
    held = TraineeRating.objects.get(phone="13900000104")
    assert held.is_flagged
    assert stored() == counted() == (750, 3)
    services.rating_review(actor=world.county_admin, rating=held, keep=True)
    assert stored() == counted() == (1035, 4)
    services.rating_review(
        actor=world.county_admin,
        rating=TraineeRating.objects.get(phone="13900000101"),
        keep=False,
    )
    assert stored() == counted() == (795, 3)
