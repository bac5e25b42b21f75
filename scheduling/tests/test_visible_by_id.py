"""Reads by id built once for each shape of the caller's roles (orgs.rules.visible_by_id)
answer exactly as the scoped querysets they stand for: the same rows found, the same ones
refused, for every persona and for callers holding several roles at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import access
from core.errors import NotFound
from core.tests.factories import make_lecturer, make_member
from lecturers.selectors import lecturer_for_user, lecturers_visible_to
from orgs.models import Membership, Role
from scheduling.models import Booking
from scheduling.selectors import booking_to_change, bookings_visible_to

from .conftest import at

pytestmark = pytest.mark.django_db


def _bookings(world) -> list[Booking]:
    """One request in each corner of the two counties."""
    made = []
    for n, (org, lecturer, course) in enumerate(
        [
            (world.branch, world.zhang, world.course),
            (world.sibling_branch, world.zhang, world.course),
            (world.other_branch, world.li, world.course_li),
            (world.unit, world.li, world.course_li),
            (world.branch_b, world.lecturer_b, world.course_b),
        ]
    ):
        made.append(
            Booking.objects.create(
                county_id=org.county_id,
                org=org,
                lecturer=lecturer,
                course=course,
                start_at=at(5 + n),
                end_at=at(5 + n, 11),
                venue="会议室",
                expected_attendees=20,
                classroom="classroom",
                requested_by=world.secretary,
                expires_at=at(4 + n),
            )
        )
    return made


def _callers(world) -> list:
    both_towns = make_member("both_towns", world.town, Role.TOWN_ADMIN)
    Membership.objects.create(user=both_towns, org=world.other_town, role=Role.TOWN_ADMIN)
    Membership.objects.create(user=both_towns, org=world.unit, role=Role.SECRETARY)
    admin_lecturer = make_lecturer(world.county, "钱七", org=world.county).user
    Membership.objects.create(user=admin_lecturer, org=world.county, role=Role.COUNTY_ADMIN)
    Membership.objects.create(user=admin_lecturer, org=world.branch, role=Role.SECRETARY)
    return [
        world.county_admin, world.town_admin, world.secretary, world.other_secretary,
        world.lecturer, world.li.user, world.candidate.user, world.outsider,
        world.lecturer_b.user, both_towns, admin_lecturer,
    ]  # fmt: skip


def _found(read, *args):
    try:
        return read(*args)
    except NotFound:
        return None


def test_bookings_by_id_as_the_scoped_queryset_finds_them(world):
    bookings = _bookings(world)
    ids = [b.pk for b in bookings] + [max(b.pk for b in bookings) + 1]
    for user in _callers(world):
        for booking_id in ids:
            expected = _found(
                access.get_visible,
                bookings_visible_to(user).select_related("org"),
                booking_id,
            )
            got = _found(booking_to_change, user, booking_id)
            assert (got and got.pk) == (expected and expected.pk), (user.username, booking_id)
            if got is not None:
                with CaptureQueriesContext(connection) as queries:
                    assert got.org.name == expected.org.name
                    assert got.start_at == expected.start_at and got.status == expected.status
                assert queries.captured_queries == []  # the organisation came with it


def test_lecturers_by_id_as_the_scoped_queryset_finds_them(world):
    lecturers = [world.zhang, world.li, world.candidate, world.lecturer_b]
    for user in _callers(world):
        for lecturer in lecturers:
            expected = _found(access.get_visible, lecturers_visible_to(user), lecturer.pk)
            got = _found(lecturer_for_user, user, lecturer.pk)
            assert (got and got.pk) == (expected and expected.pk), (user.username, lecturer.name)
            if got is not None:
                assert [getattr(got, f.attname) for f in got._meta.concrete_fields] == [
                    getattr(expected, f.attname) for f in expected._meta.concrete_fields
                ]


def test_bad_ids_and_callers_without_a_scope_are_not_found(world):
    from django.contrib.auth.models import AnonymousUser

    booking = _bookings(world)[0]
    for bad in ("x", "", None, -1, "1; DROP TABLE"):
        with pytest.raises(NotFound):
            booking_to_change(world.county_admin, bad)
    with pytest.raises(NotFound):
        booking_to_change(AnonymousUser(), booking.pk)
    assert booking_to_change(world.county_admin, str(booking.pk)).pk == booking.pk
