"""The per-minute limits: one upsert per request for all its keys, counted together by every
thread and process, on SQLite and PostgreSQL."""

from datetime import timedelta

import pytest

from conftest import run_in_threads
from core import checks, ratelimit
from core.errors import RateLimited
from core.models import RateCounter


def counts() -> dict[str, int]:
    return dict(RateCounter.objects.values_list("key", "count"))


@pytest.mark.django_db
def test_each_key_counts_and_the_first_over_its_limit_refuses():
    for _ in range(3):
        ratelimit.hit(("address", 5), ("phone", 3))
    with pytest.raises(RateLimited):
        ratelimit.hit(("address", 5), ("phone", 3))
    # Refused requests count too; a key of its own is not held back by the others.
    assert counts() == {"address": 4, "phone": 4}
    ratelimit.hit(("other phone", 3))
    assert counts()["other phone"] == 1


@pytest.mark.django_db
def test_a_new_window_starts_the_count_again():
    for _ in range(3):
        ratelimit.hit(("phone", 3))
    with pytest.raises(RateLimited):
        ratelimit.hit(("phone", 3))
    RateCounter.objects.filter(key="phone").update(
        window_start=RateCounter.objects.get(key="phone").window_start - timedelta(minutes=2)
    )
    ratelimit.hit(("phone", 3))
    assert counts() == {"phone": 1}


@pytest.mark.django_db
def test_a_key_named_twice_counts_once_under_the_lower_limit():
    ratelimit.hit(("phone", 5), ("phone", 1))
    with pytest.raises(RateLimited):
        ratelimit.hit(("phone", 1), ("phone", 5))
    assert counts() == {"phone": 2}


@pytest.mark.django_db
def test_long_keys_are_cut_to_the_column():
    ratelimit.hit(("k" * 500, 1))
    assert counts() == {"k" * 190: 1}


@pytest.mark.django_db
def test_counters_whose_window_ended_long_ago_are_pruned():
    ratelimit.hit(("old", 3), ("recent", 3))
    RateCounter.objects.filter(key="old").update(
        window_start=RateCounter.objects.get(key="old").window_start
        - ratelimit.LONGEST_WINDOW
        - timedelta(seconds=1)
    )
    assert ratelimit.prune() == 1
    assert counts() == {"recent": 1}
    assert ratelimit.prune() == 0
    with pytest.raises(ValueError):
        ratelimit.hit(("day", 3), per=timedelta(days=1))


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_are_each_counted_once():
    """24 threads, two shared keys and one own key each: the shared counters end at 24 and
    exactly `limit` requests get through."""

    def request(i):
        try:
            ratelimit.hit(("hall", 10), ("session", 1000), (f"phone {i}", 1))
        except RateLimited:
            return "refused"
        return "allowed"

    results = run_in_threads(request, 24)
    assert sorted(results) == ["allowed"] * 10 + ["refused"] * 14
    stored = counts()
    assert stored["hall"] == 24 and stored["session"] == 24
    assert all(stored[f"phone {i}"] == 1 for i in range(24))


def test_an_sqlite_without_returning_is_refused_by_the_system_checks(monkeypatch):
    on_sqlite = checks.connections["default"].vendor == "sqlite"
    assert checks.sqlite_supports_returning(None, databases=["default"]) == []
    monkeypatch.setattr(checks.sqlite3, "sqlite_version_info", (3, 34, 1))
    monkeypatch.setattr(checks.sqlite3, "sqlite_version", "3.34.1")
    errors = checks.sqlite_supports_returning(None, databases=["default"])
    assert [e.id for e in errors] == (["core.E001"] if on_sqlite else [])
    assert not on_sqlite or "3.34.1" in errors[0].msg
