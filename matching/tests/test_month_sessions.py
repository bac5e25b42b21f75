"""A recommendation's "sessions this month" counts the candidate's confirmed and completed
sessions of this calendar month in Shanghai time, none of a later month; counting them costs
a warm request no statement."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext as _

from core.timeutil import local, month_bounds
from matching import engine

from .test_properties import confirmed, demand_for, recommended

pytestmark = pytest.mark.django_db


def this_month():
    return month_bounds(local(timezone.now()).date().replace(day=1))


def far_demand(world, month_end):
    """A demand whose window lies well after every session of these tests, so that none of
    them makes the lecturer busy in it."""
    return demand_for(world, start=month_end + timedelta(days=40))


def add_sessions(world, *starts, minutes: int = 90):
    for start in starts:
        confirmed(world, start, minutes).save()


def test_sessions_of_next_month_are_not_this_months(world):
    month_start, month_end = this_month()
    # A minute each, so that the last minute's and the next month's first do not overlap (a
    # lecturer's confirmed sessions never do: PostgreSQL's exclusion constraint).
    add_sessions(
        world,
        month_start + timedelta(hours=3),  # this month
        month_end - timedelta(minutes=1),  # its last minute
        month_end,  # the first instant of next month
        month_end + timedelta(days=2),  # next month
        minutes=1,
    )
    zhang = recommended(far_demand(world, month_end))[world.zhang.pk]
    assert _("%(n)d sessions this month") % {"n": 2} in zhang.reason
    # The fairness component still counts every session since RECENT_DAYS ago.
    assert zhang.components["fairness"] == engine.fairness_component(4)


def test_a_lecturer_booked_only_next_month_has_no_session_this_month(world):
    _month_start, month_end = this_month()
    add_sessions(world, month_end + timedelta(hours=10), month_end + timedelta(days=3))
    zhang = recommended(far_demand(world, month_end))[world.zhang.pk]
    assert _("no session this month yet") in zhang.reason


def test_a_warm_request_runs_two_statements(world):
    """The county's state and one scoring batch: the month's count rides in the batch."""
    month_start, month_end = this_month()
    add_sessions(world, month_start + timedelta(hours=3), month_end + timedelta(days=2))
    demand = far_demand(world, month_end)
    recommended(demand)  # builds the county's index
    with CaptureQueriesContext(connection) as captured:
        zhang = recommended(demand)[world.zhang.pk]
    assert len(captured.captured_queries) == 2, [q["sql"] for q in captured.captured_queries]
    assert _("%(n)d sessions this month") % {"n": 1} in zhang.reason
