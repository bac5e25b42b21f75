"""The improvement programme (G6, L3): activities with their checks, check-in by QR token or
short code within the time window, and the hours per lecturer per year."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from core.errors import Conflict, Forbidden, Gone, InvalidInput, NotFound
from development import pool_selectors, programme_services
from development.programme_models import Activity, Attendance
from evaluation.services import token_for

from .pool_helpers import activity

pytestmark = pytest.mark.django_db


def test_an_activity_credits_its_length_in_hours_by_default(world):
    planned = activity(world, length=150)
    assert planned.hours == Decimal("2.5")
    assert activity(world, hours=4).hours == Decimal("4.0")


def test_it_refuses_an_activity_that_ends_before_it_starts(world):
    with pytest.raises(InvalidInput) as error:
        activity(world, length=-30)
    assert "ends_at" in error.value.fields
    assert not Activity.objects.exists()


def test_outside_training_names_its_need_and_who_asked(world):
    with pytest.raises(InvalidInput) as error:
        activity(world, kind="outside_training")
    assert "need" in error.value.fields
    trip = activity(
        world, kind="outside_training", need="党的二十大精神教学", title="省委党校培训班",
        requested_by_ids=[world.zhang.pk, world.li.pk],
    )  # fmt: skip
    assert set(trip.requested_by.all()) == {world.zhang, world.li}
    with pytest.raises(InvalidInput) as error:
        activity(world, kind="outside_training", need="x", requested_by_ids=[world.lecturer_b.pk])
    assert "requested_by_ids" in error.value.fields


def test_a_town_visit_names_the_visiting_teacher_and_the_town(world):
    with pytest.raises(InvalidInput) as error:
        activity(world, kind="town_visit")
    assert {"visiting_teacher_id", "town_id"} <= set(error.value.fields)
    visit = activity(
        world, kind="town_visit", visiting_teacher_id=world.zhang.pk, town_id=world.town.pk
    )
    assert visit.visiting_teacher == world.zhang and visit.town == world.town
    assert world.zhang in visit.participants.all()


def test_only_admins_plan_activities(world):
    for user in (world.secretary, world.lecturer):
        with pytest.raises(Forbidden):
            activity(world, actor=user)
    mine = activity(world, actor=world.town_admin)
    assert mine.org == world.town


def test_a_lecturer_checks_in_once_by_qr_and_again_is_told_so(world):
    planned = activity(world)
    token = programme_services.checkin_token(planned)
    first, created = programme_services.activity_check_in(actor=world.lecturer, token=token)
    assert created and first.method == "qr"
    again, created = programme_services.activity_check_in(actor=world.lecturer, token=token)
    assert not created and again.pk == first.pk
    assert Attendance.objects.count() == 1


def test_a_lecturer_checks_in_with_the_short_code(world):
    planned = activity(world)
    code = programme_services.checkin_code(planned)
    assert len(code.partition("-")[2]) == 6
    attendance, created = programme_services.activity_check_in(
        actor=world.lecturer, token=code, short=True
    )
    assert created and attendance.method == "code"


def test_a_wrong_or_forged_code_is_not_found(world):
    planned = activity(world)
    token = programme_services.checkin_token(planned)
    for bad in ("", "abc", f"{planned.pk}-0000000000000000", f"{planned.pk + 1}-{token[-16:]}",
                "１-abc", "99999999999999999999-x"):  # fmt: skip
        with pytest.raises(NotFound):
            programme_services.activity_check_in(actor=world.lecturer, token=bad)
    # An evaluation code of a session with the same id does not open it (salts differ), nor
    # does the short code taken for the long one.
    for other in (token_for(SimpleNamespace(pk=planned.pk)), programme_services.checkin_code(planned)):  # fmt: skip
        with pytest.raises(NotFound):
            programme_services.activity_check_in(actor=world.lecturer, token=other)
    assert not Attendance.objects.exists()


def test_check_in_outside_the_time_window_is_refused_with_the_reason(world):
    early = activity(world, minutes_from_now=90)
    with pytest.raises(Conflict) as error:
        programme_services.activity_check_in(
            actor=world.lecturer, token=programme_services.checkin_token(early)
        )
    assert error.value.code == "not_open"
    ended = activity(world, minutes_from_now=-200, length=60)
    with pytest.raises(Gone) as error:
        programme_services.activity_check_in(
            actor=world.lecturer, token=programme_services.checkin_token(ended)
        )
    assert error.value.code == "expired"
    # 20 minutes before the start it is open.
    soon = activity(world, minutes_from_now=20)
    assert programme_services.activity_check_in(
        actor=world.lecturer, token=programme_services.checkin_token(soon)
    )[1]
    assert Attendance.objects.count() == 1


def test_only_the_countys_lecturers_check_in(world):
    planned = activity(world)
    token = programme_services.checkin_token(planned)
    with pytest.raises(Forbidden):
        programme_services.activity_check_in(actor=world.secretary, token=token)
    with pytest.raises(NotFound):
        programme_services.activity_check_in(actor=world.lecturer_b.user, token=token)
    assert not Attendance.objects.exists()


def test_hours_per_lecturer_per_year_add_up_the_attended_activities(world):
    first = activity(world, length=120)
    second = activity(world, length=90, title="师资沙龙", kind="salon")
    for planned in (first, second):
        programme_services.activity_check_in(
            actor=world.lecturer, token=programme_services.checkin_token(planned)
        )
    programme_services.activity_check_in(
        actor=world.li.user, token=programme_services.checkin_token(first)
    )
    year = timezone.localdate().year
    rows = {r["lecturer_id"]: r for r in pool_selectors.hours_by_lecturer(world.county_admin, year)}
    assert rows[world.zhang.pk]["hours"] == Decimal("3.5")
    assert rows[world.zhang.pk]["activities"] == 2
    assert rows[world.li.pk]["hours"] == Decimal("2.0")
    assert not list(pool_selectors.hours_by_lecturer(world.county_admin, year - 1))
    assert not list(pool_selectors.hours_by_lecturer(world.outsider, year))
    own = pool_selectors.lecturer_hours_by_year(world.zhang)
    assert own == [{"year": year, "hours": Decimal("3.5"), "activities": 2}]


def test_an_activity_from_last_year_counts_in_last_years_hours(world):
    last_year = activity(world, minutes_from_now=-60 * 24 * 400)
    Attendance.objects.create(activity=last_year, lecturer=world.zhang, method="qr")
    year = timezone.localdate().year
    own = pool_selectors.lecturer_hours_by_year(world.zhang)
    assert [row["year"] for row in own] == [(timezone.localtime(last_year.starts_at)).year]
    assert own[0]["year"] < year
