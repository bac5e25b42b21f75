"""The dashboard answers in under a second for the demo county with its replayed year
(reference scale: 300 branches, 260 lecturers; some 700 bookings and 7,000 ratings)."""

import time

import pytest
from django.db.models import Count

from accounts.models import User
from demo.demo import seed_demo
from reports.selectors import Area, presets, stats
from scheduling.models import Booking

pytestmark = pytest.mark.django_db

BUDGET_SECONDS = 1.0


def _best_of(n: int, fn) -> float:
    """The fastest of n runs: the figure of the code, not of a busy machine's worst moment."""
    times = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def test_the_dashboard_of_the_demo_county_answers_in_under_a_second(client, api_as):
    result = seed_demo(history_days=365)
    assert Booking.objects.aggregate(n=Count("id"))["n"] > 500
    county = Area(county=result.county)
    town = Area(
        county=result.county, town=User.objects.get(username="town_admin").memberships.get().org
    )
    year = presets()[3][2]  # the last 12 months: the whole replayed year
    figures = stats(county, year)
    assert figures["sessions"] > 400 and figures["attendances"] > 4000

    timings = {
        "stats, county": _best_of(3, lambda: stats(county, year)),
        "stats, town": _best_of(3, lambda: stats(town, year)),
    }
    admin = User.objects.get(username="county_admin")
    client.force_login(admin)
    params = {"from": year.first.isoformat(), "to": year.last.isoformat()}
    timings["page, county"] = _best_of(3, lambda: client.get("/dashboard/", params))
    api = api_as(admin)
    timings["api, county"] = _best_of(3, lambda: api.get("/api/v1/stats", params))
    print("dashboard of the demo county, last 12 months:",
          ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in timings.items()))  # fmt: skip
    assert all(seconds < BUDGET_SECONDS for seconds in timings.values()), timings
