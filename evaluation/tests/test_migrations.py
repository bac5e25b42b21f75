"""The migration that introduced running rating totals fills them from the ratings already
stored (a county upgrading with months of evaluations behind it).

Its function runs with the models as they stood at that migration, on totals emptied as the
column's default left them; migrating the whole schema back and forth to get there would
cost half a minute and test Django's migration machinery rather than ours."""

from datetime import timedelta
from importlib import import_module

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from courses.models import Course
from evaluation.models import SessionScore, TraineeRating
from evaluation.tests.test_aggregates import make_session
from lecturers.models import Lecturer

BACKFILL = ("evaluation", "0002_backfill_rating_totals")


@pytest.mark.django_db
def test_the_running_totals_are_filled_from_the_stored_ratings(world):
    booking = make_session(world, world.zhang, world.course, world.branch, hours_ago=3, attendees=40)  # fmt: skip
    rows = [((60, 70, 80), False), ((90, 95, 100), False), ((10, 10, 10), True)]  # last: flagged
    for k, ((content, method, effect), flagged) in enumerate(rows):
        TraineeRating.objects.create(
            booking=booking, name="学员", phone=f"1370000000{k}", content=content, method=method,
            effect=effect, rated_at=booking.end_at, is_flagged=flagged,
        )  # fmt: skip
    TraineeRating.objects.create(booking=booking, name="只签到", phone="13700000009")  # no scores
    Lecturer.objects.update(rating_total=0, rating_count=0)
    Course.objects.update(rating_total=0, rating_count=0)
    migration = import_module("evaluation.migrations." + BACKFILL[1])
    historical = MigrationLoader(connection).project_state(BACKFILL, at_end=False).apps
    migration.backfill(historical, schema_editor=None)

    # The two counted ratings, whatever count the old code had stored (here none).
    for stored in (Lecturer.objects.get(pk=world.zhang.pk), Course.objects.get(pk=world.course.pk)):
        assert (stored.rating_total, stored.rating_count) == (210 + 285, 2)
    assert Lecturer.objects.get(pk=world.li.pk).rating_total == 0


@pytest.mark.django_db
def test_the_latest_comments_are_filled_from_the_stored_ratings(world):
    booking = make_session(world, world.zhang, world.course, world.branch, hours_ago=3, attendees=40)  # fmt: skip
    rows = [("讲得实在", False), ("", False), ("案例鲜活", False), ("刷的", True), ("很受用", False), ("再来", False)]  # fmt: skip
    for k, (comment, flagged) in enumerate(rows):
        TraineeRating.objects.create(
            booking=booking, name="学员", phone=f"1370000000{k}", content=60 + k, method=70,
            effect=80, rated_at=booking.end_at + timedelta(minutes=k % 3), is_flagged=flagged,
            comment=comment,
        )  # fmt: skip
    migration = import_module("evaluation.migrations.0007_backfill_latest_comments")
    historical = (
        MigrationLoader(connection)
        .project_state(("evaluation", "0007_backfill_latest_comments"), at_end=False)
        .apps
    )
    migration.backfill(historical, schema_editor=None)

    # Newest first by time, then by id among equal times; empty and held comments left out.
    stored = Lecturer.objects.get(pk=world.zhang.pk).latest_comments
    assert [e["comment"] for e in stored] == ["再来", "案例鲜活", "很受用"]
    assert stored[0]["overall"] == round((65 + 70 + 80) / 3, 2)
    assert Lecturer.objects.get(pk=world.li.pk).latest_comments == []


@pytest.mark.django_db
def test_the_attendances_are_filled_from_the_stored_ratings(world):
    rated = make_session(world, world.zhang, world.course, world.branch, hours_ago=3, attendees=40)  # fmt: skip
    checked_in = make_session(world, world.li, world.course_li, world.branch, hours_ago=6, attendees=40)  # fmt: skip
    for k, flagged in enumerate([False, False, True]):
        TraineeRating.objects.create(
            booking=rated, name="学员", phone=f"1370000000{k}", content=80, method=80, effect=80,
            rated_at=rated.end_at, is_flagged=flagged,
        )  # fmt: skip
    TraineeRating.objects.create(booking=rated, name="只签到", phone="13700000009")
    TraineeRating.objects.create(booking=checked_in, name="只签到", phone="13700000009")
    SessionScore.objects.create(booking=rated, rating_total=480, rating_count=2)  # as 0006 left it
    migration = import_module("evaluation.migrations.0008_session_attendance_count")
    with connection.cursor() as cursor:
        for statement in migration.BACKFILL:
            cursor.execute(statement)

    # Rated or only checked in, held ones left out; a session with check-ins alone gets a row.
    totals = SessionScore.objects.values_list("booking_id", "rating_total", "rating_count", "attendance_count")  # fmt: skip
    assert sorted(totals) == sorted([(rated.pk, 480, 2, 3), (checked_in.pk, 0, 0, 1)])


@pytest.mark.django_db
def test_the_rating_bands_are_filled_from_the_stored_ratings(world):
    rated = make_session(world, world.zhang, world.course, world.branch, hours_ago=3, attendees=40)  # fmt: skip
    checked_in = make_session(world, world.li, world.course_li, world.branch, hours_ago=6, attendees=40)  # fmt: skip
    unscored = make_session(world, world.li, world.course_li, world.unit, hours_ago=9, attendees=40)  # fmt: skip
    # Each band's edges, a held one (not counted) and a check-in without scores.
    rows = [((60, 60, 59), False), ((60, 60, 60), False), ((70, 70, 69), False),
            ((70, 70, 70), False), ((100, 100, 100), False), ((0, 0, 0), False),
            ((90, 90, 90), True)]  # fmt: skip
    for k, (triple, flagged) in enumerate(rows):
        content, method, effect = triple
        TraineeRating.objects.create(
            booking=rated, name="学员", phone=f"1370000000{k}", content=content, method=method,
            effect=effect, rated_at=rated.end_at, is_flagged=flagged,
        )  # fmt: skip
    TraineeRating.objects.create(booking=rated, name="只签到", phone="13700000009")
    TraineeRating.objects.create(booking=checked_in, name="只签到", phone="13700000009")
    TraineeRating.objects.create(
        booking=unscored, name="学员", phone="13700000009", content=80, method=80, effect=81,
        rated_at=unscored.end_at,
    )  # fmt: skip
    # As 0008 left them (bands empty); `unscored` lost its row (none should).
    SessionScore.objects.create(booking=rated, rating_total=1078, rating_count=6, attendance_count=7)  # fmt: skip
    SessionScore.objects.create(booking=checked_in, attendance_count=1)
    migration = import_module("evaluation.migrations.0009_session_rating_bands")
    with connection.cursor() as cursor:
        cursor.execute(migration.BACKFILL)

    fields = ("rating_total", "rating_count", "attendance_count", "band_0_59", "band_60_69",
              "band_70_79", "band_80_89", "band_90_100")  # fmt: skip
    totals = SessionScore.objects.values_list("booking_id", *fields)
    assert sorted(totals) == sorted([
        (rated.pk, 1078, 6, 7, 2, 2, 1, 0, 1),
        (checked_in.pk, 0, 0, 1, 0, 0, 0, 0, 0),
        (unscored.pk, 241, 1, 1, 0, 0, 0, 1, 0),
    ])  # fmt: skip


@pytest.mark.django_db
def test_each_rating_gets_its_sessions_county(world):
    ours = make_session(world, world.zhang, world.course, world.branch, hours_ago=3, attendees=40)  # fmt: skip
    theirs = make_session(world, world.lecturer_b, world.course_b, world.branch_b, hours_ago=3, attendees=40)  # fmt: skip
    for k, booking in enumerate([ours, ours, theirs]):
        TraineeRating.objects.create(booking=booking, name="学员", phone=f"1370000000{k}")
    # As if none had one yet: the column is required now, so every rating gets a wrong one.
    TraineeRating.objects.update(county_id=world.town.pk)
    migration = import_module("evaluation.migrations.0011_rating_county")
    with connection.cursor() as cursor:
        cursor.execute(migration.BACKFILL)

    counties = TraineeRating.objects.values_list("booking__county_id", "county_id")
    assert sorted(counties) == sorted(
        [(world.county.pk,) * 2, (world.county.pk,) * 2, (world.county_b.pk,) * 2]
    )
