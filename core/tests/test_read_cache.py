"""core.read_cache: every committed write moves the data generation on, once a transaction,
after the commit; bookkeeping tables and rolled-back work do not; a connection that has
written in its open transaction reads around the cache. On real commits (transactional
tests), SQLite and PostgreSQL alike."""

import threading
from functools import partial

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from core import read_cache
from core.models import RateCounter
from core.tests.factories import make_lecturer
from lecturers.models import Lecturer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def moves(monkeypatch) -> list:
    """The times this thread moves the generation on (other threads' work, a notification
    delivered in the background, may move it too)."""
    moved = []
    move_on = read_cache._move_on

    def counted(db):
        if threading.get_ident() == me:
            moved.append(db.alias)
        move_on(db)

    me = threading.get_ident()
    monkeypatch.setattr(read_cache, "_move_on", counted)
    return moved


def test_a_commit_moves_the_generation_on_once_and_only_after_it(world, moves):
    before = read_cache.generation()
    with transaction.atomic():
        Lecturer.objects.filter(pk=world.zhang.pk).update(name="张新")
        Lecturer.objects.filter(pk=world.li.pk).update(name="李新")
        assert moves == []  # nothing committed yet
    assert moves == ["default"] and read_cache.generation() > before

    # Raw SQL and autocommit count too, a statement each.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE lecturers_lecturer SET likes_count = 3 WHERE id = %s", [world.zhang.pk])  # fmt: skip
    assert moves == ["default", "default"]


def test_rolled_back_work_and_bookkeeping_leave_it_alone(world, moves):
    with pytest.raises(RuntimeError), transaction.atomic():
        make_lecturer(world.county, "王回滚")
        raise RuntimeError("rolled back")
    RateCounter.objects.create(key="k", window_start=world.zhang.created_at)
    assert moves == []


def test_a_connection_reads_around_the_cache_once_it_has_written(world):
    calls = []

    def compute():
        calls.append(1)
        return Lecturer.objects.get(pk=world.zhang.pk).name

    assert read_cache.cached(("name", world.zhang.pk), compute) == world.zhang.name
    assert read_cache.cached(("name", world.zhang.pk), compute) == world.zhang.name
    assert len(calls) == 1
    with transaction.atomic():
        Lecturer.objects.filter(pk=world.zhang.pk).update(name="张未提交")
        # Its own write, not yet in any generation, is what it reads.
        assert read_cache.cached(("name", world.zhang.pk), compute) == "张未提交"
    assert read_cache.cached(("name", world.zhang.pk), compute) == "张未提交"
    assert len(calls) == 3


def test_an_emptied_table_starts_again_where_no_old_entry_is(world):
    """A test database's flush empties the generation's table too."""
    kept = read_cache.cached(("k",), lambda: "old")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_datageneration")
    assert read_cache.cached(("k",), lambda: "new") == "new" != kept


def test_a_connection_opened_again_is_watched_once(world):
    """CONN_MAX_AGE=0 closes the connection after each request; the next one opens it again
    on the same wrapper (a wrapper per opening grew without end, then overflowed the stack)."""
    for _ in range(3):
        connection.close()
        connection.ensure_connection()
    assert connection.execute_wrappers.count(read_cache._watch) == 1


def test_a_restored_copy_starts_afresh(world):
    before = read_cache.generation()
    read_cache.start_afresh()
    assert read_cache.generation() != before


def _in_a_request(view, *, logged_in: bool = True):
    """`view()` run as the middleware runs a request (with a session cookie, or none)."""
    request = RequestFactory().get("/")  # a GET: a write reads it only if it asks
    if logged_in:
        request.COOKIES[settings.SESSION_COOKIE_NAME] = "some-session"
    return read_cache.RequestGenerationMiddleware(lambda request: view())(request)


def test_a_callers_request_reads_the_generation_before_anything_else(world):
    """What a request computes from its caller's roles (read right after the session) is
    kept under a generation read before them: a role taken away in between moved it on."""

    def view():
        scope_read = list(Lecturer.objects.filter(pk=world.zhang.pk))
        return scope_read, read_cache.cached(("k",), lambda: 1)

    read_cache.generation()  # the table's row is there (a flush before this test empties it)
    with CaptureQueriesContext(connection) as queries:
        _in_a_request(view)
    assert "core_datageneration" in queries.captured_queries[0]["sql"]
    assert len([q for q in queries.captured_queries if "core_datageneration" in q["sql"]]) == 1
    # A visitor without a session or a token (a trainee, a probe) reads it only if it asks.
    with CaptureQueriesContext(connection) as queries:
        _in_a_request(lambda: None, logged_in=False)
    assert len(queries) == 0


def test_a_request_reads_the_generation_once_and_again_after_its_own_commit(world):
    def name():
        return Lecturer.objects.get(pk=world.zhang.pk).name

    def view():
        with CaptureQueriesContext(connection) as queries:
            first = read_cache.cached(("name", world.zhang.pk), name)
            read_cache.cached(("other",), lambda: 1)
        generations = [q for q in queries.captured_queries if "core_datageneration" in q["sql"]]
        assert generations == []  # read as the request began
        Lecturer.objects.filter(pk=world.zhang.pk).update(name="张新")  # commits: moves it on
        return first, read_cache.cached(("name", world.zhang.pk), name)

    read_cache.generation()  # the table's row is there (a flush before this test empties it)
    assert _in_a_request(view) == (world.zhang.name, "张新")
    # Outside a request (a task, a shell) every result reads it afresh.
    with CaptureQueriesContext(connection) as queries:
        read_cache.cached(("other",), lambda: 1)
        read_cache.cached(("other",), lambda: 1)
    assert len([q for q in queries.captured_queries if "core_datageneration" in q["sql"]]) == 2


def test_a_result_kept_for_its_key_alone_outlives_a_write(world):
    """`per_generation=False` (a render of a stored snapshot, whose key names it): a committed
    write moves the generation on, which the usual entries follow and this one does not."""
    computed = []

    def compute(tag: bool) -> bool:
        computed.append(tag)
        return tag

    def ask_both():
        for per_generation in (True, False):
            key = ("kept for the test", per_generation)
            read_cache.cached(key, partial(compute, per_generation), per_generation=per_generation)

    ask_both()
    make_lecturer(world.county, "新讲师")  # a committed write
    ask_both()
    assert computed == [True, False, True]
