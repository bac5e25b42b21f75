"""The migration that introduced running rating totals fills them from the ratings already
stored (a county upgrading with months of evaluations behind it)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from courses.models import Course
from evaluation.models import TraineeRating
from evaluation.tests.test_aggregates import make_session
from lecturers.models import Lecturer

BEFORE_TOTALS = [
    ("lecturers", "0002_lecturer_rating_count"),
    ("courses", "0002_course_rating_count"),
]


def migrate(targets) -> None:
    MigrationExecutor(connection).migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_the_running_totals_are_filled_from_the_stored_ratings(world):
    booking = make_session(world, world.zhang, world.course, world.branch, hours_ago=3, attendees=40)  # fmt: skip
    rows = [((60, 70, 80), False), ((90, 95, 100), False), ((10, 10, 10), True)]  # last: flagged
    for k, ((content, method, effect), flagged) in enumerate(rows):
        TraineeRating.objects.create(
            booking=booking, name="学员", phone=f"1370000000{k}", content=content, method=method,
            effect=effect, rated_at=booking.end_at, is_flagged=flagged,
        )  # fmt: skip
    TraineeRating.objects.create(booking=booking, name="只签到", phone="13700000009")  # no scores
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()

    migrate(BEFORE_TOTALS)  # drops rating_total
    migrate(latest)

    # The two counted ratings, whatever count the old code had stored (here none).
    for stored in (Lecturer.objects.get(pk=world.zhang.pk), Course.objects.get(pk=world.course.pk)):
        assert (stored.rating_total, stored.rating_count) == (210 + 285, 2)
    assert Lecturer.objects.get(pk=world.li.pk).rating_total == 0
