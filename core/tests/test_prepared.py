"""core.prepared: a read built once answers exactly as its queryset does, for every value of
its parameters, on both databases; a query that would freeze a hidden value is refused."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.db.models.functions import Now
from django.test.utils import CaptureQueriesContext

from conftest import run_in_threads
from core.models import AuditLog
from core.prepared import Prepared, by_pk, instance_reader

pytestmark = pytest.mark.django_db(transaction=True)

BASE = datetime(2026, 3, 1, 8, tzinfo=UTC)


def _sessions():
    for i in range(12):
        Session.objects.create(
            session_key=f"key-{i:02d}",
            session_data=f"data-{i % 3}",
            expire_date=BASE + timedelta(hours=i),
        )


def _expiring(data, after, before):
    return (
        Session.objects.filter(session_data=data, expire_date__gt=after, expire_date__lt=before)
        .order_by("expire_date")
        .values_list("session_key", "expire_date")
    )


def test_rows_match_the_queryset_for_every_value():
    _sessions()
    prepared = Prepared(_expiring, data=str, after=datetime, before=datetime)
    for data in ("data-0", "data-1", "data-2", "none"):
        for start in range(-1, 12, 3):
            after, before = BASE + timedelta(hours=start), BASE + timedelta(hours=start + 7)
            expected = list(_expiring(data, after, before))
            assert prepared.rows(data=data, after=after, before=before) == expected
    # The datetimes come back as the ORM gives them: aware, on SQLite too (its converter).
    got = prepared.first(data="data-1", after=BASE, before=BASE + timedelta(days=1))
    assert got == ("key-01", BASE + timedelta(hours=1)) and got[1].tzinfo is not None
    assert prepared.first(data="nothing", after=BASE, before=BASE) is None


def test_int_parameters_and_converted_columns():
    rows = [
        AuditLog.objects.create(action="test.prepared", object_type="t", after={"n": i, "名": "值"})
        for i in range(5)
    ]
    prepared = Prepared(
        lambda pk, action: (
            AuditLog.objects.filter(pk__gte=pk, action=action)
            .order_by("pk")
            .values_list("pk", "after")
        ),
        pk=int,
        action=str,
    )
    for row in rows:
        expected = list(
            AuditLog.objects.filter(pk__gte=row.pk, action="test.prepared")
            .order_by("pk")
            .values_list("pk", "after")
        )
        assert prepared.rows(pk=row.pk, action="test.prepared") == expected
    assert prepared.first(pk=rows[2].pk, action="test.prepared")[1] == {"n": 2, "名": "值"}


def test_it_is_built_once_and_runs_one_statement():
    _sessions()
    prepared = Prepared(_expiring, data=str, after=datetime, before=datetime)
    prepared.rows(data="data-0", after=BASE, before=BASE + timedelta(days=1))
    with CaptureQueriesContext(connection) as queries:
        for i in range(3):
            prepared.rows(data=f"data-{i}", after=BASE, before=BASE + timedelta(days=1))
    assert len(queries.captured_queries) == 3


def test_a_hidden_changing_value_is_refused():
    """`timezone.now()` inside the queryset would be frozen at the first call: refused."""
    from django.utils import timezone

    prepared = Prepared(
        lambda data: Session.objects.filter(session_data=data, expire_date__gt=timezone.now()),
        data=str,
    )
    with pytest.raises(ValueError, match="more than its parameters"):
        prepared.rows(data="x")
    # The database's own clock is part of the SQL, not a value: that is fine.
    _sessions()
    in_sql = Prepared(
        lambda data: Session.objects.filter(session_data=data, expire_date__lt=Now()).values_list(
            "session_key"
        ),
        data=str,
    )
    assert len(in_sql.rows(data="data-0")) == 4


def test_a_parameter_that_does_not_reach_the_sql_is_refused():
    prepared = Prepared(
        lambda data, unused: Session.objects.filter(session_data=data), data=str, unused=int
    )
    with pytest.raises(ValueError, match="does not reach"):
        prepared.rows(data="x", unused=1)


def test_wrong_arguments_and_kinds_are_refused():
    with pytest.raises(TypeError):
        Prepared(lambda ids: Session.objects.filter(pk__in=ids), ids=list)
    prepared = Prepared(lambda data: Session.objects.filter(session_data=data), data=str)
    with pytest.raises(TypeError):
        prepared.rows(other="x")


def test_threads_building_it_at_once_agree():
    _sessions()
    prepared = Prepared(_expiring, data=str, after=datetime, before=datetime)
    expected = list(_expiring("data-2", BASE, BASE + timedelta(days=1)))

    def read(_i):
        return prepared.rows(data="data-2", after=BASE, before=BASE + timedelta(days=1))

    assert all(result == expected for result in run_in_threads(read, 6))


def test_by_pk_reads_the_whole_row_as_an_instance():
    row = AuditLog.objects.create(action="test.by_pk", object_type="t", after={"名": "值"})
    get = by_pk(AuditLog)
    found = get(row.pk)
    fields = [field.attname for field in AuditLog._meta.concrete_fields]
    assert [getattr(found, f) for f in fields] == [
        getattr(AuditLog.objects.get(pk=row.pk), f) for f in fields
    ]
    assert found._state.adding is False and get(row.pk + 1000) is None


def _entries(n: int) -> list[int]:
    return [
        AuditLog.objects.create(action="test.prepared", object_type="t", object_id=str(i)).pk
        for i in range(n)
    ]


def test_bools_and_tuple_lengths_shape_their_own_statements():
    pks = _entries(6)

    def build(ids, newest_first):
        qs = AuditLog.objects.filter(pk__in=ids)
        return qs.order_by("-pk" if newest_first else "pk").values_list("object_id")

    prepared = Prepared(build, ids=tuple, newest_first=bool)
    for ids in ((), (pks[3],), (pks[5], pks[0]), (pks[4], pks[1], pks[2])):
        for newest_first in (False, True):
            assert prepared.rows(ids=ids, newest_first=newest_first) == list(
                build(ids, newest_first)
            )
    # A set's order does not matter; each shape, once built, is one statement.
    with CaptureQueriesContext(connection) as queries:
        assert prepared.rows(ids={pks[4], pks[2]}, newest_first=True) == [("4",), ("2",)]
        assert prepared.rows(ids=(), newest_first=False) == []  # matches nothing: no read
    assert len(queries.captured_queries) == 1


def test_a_tuple_reaches_the_sql_whole_or_not_at_all():
    pks = _entries(4)
    ignored = Prepared(
        lambda ids, everyone: (
            AuditLog.objects.filter(action="test.prepared")
            if everyone
            else AuditLog.objects.filter(pk__in=ids)
        ),
        ids=tuple,
        everyone=bool,
    )
    assert len(ignored.rows(ids=pks[:2], everyone=True)) == 4  # ignored whole: fine
    assert len(ignored.rows(ids=pks[:2], everyone=False)) == 2
    partly = Prepared(lambda ids: AuditLog.objects.filter(pk=ids[0]), ids=tuple)
    with pytest.raises(ValueError, match="only part of ids"):
        partly.rows(ids=pks[:2])


def test_instance_reader_attaches_the_related_rows():
    from accounts.models import User

    user = User.objects.create(username="reader", county_id=None)
    with_actor = AuditLog.objects.create(action="test.reader", object_type="t", actor=user)
    without = AuditLog.objects.create(action="test.reader", object_type="t")
    reader = instance_reader(AuditLog, "actor")
    prepared = Prepared(
        lambda pk: AuditLog.objects.filter(pk=pk).values_list(*reader.columns), pk=int
    )
    found = reader.instance(prepared.first(pk=with_actor.pk))
    alone = reader.instance(prepared.first(pk=without.pk))
    with CaptureQueriesContext(connection) as queries:
        assert found.actor.username == "reader" and found.actor._state.adding is False
        assert alone.actor is None
        assert (found.pk, found.action, found._state.adding) == (
            with_actor.pk,
            "test.reader",
            False,
        )
    assert queries.captured_queries == []


def test_instance_reader_reads_only_what_it_is_asked_like_only():
    from accounts.models import User

    user = User.objects.create(username="only-reader", first_name="名")
    entry = AuditLog.objects.create(action="test.only", object_type="t", actor=user)
    reader = instance_reader(AuditLog, "actor", only=("action", "actor__username"))
    assert reader.columns == ("id", "actor_id", "action", "actor__id", "actor__username")
    prepared = Prepared(
        lambda pk: AuditLog.objects.filter(pk=pk).values_list(*reader.columns), pk=int
    )
    found = reader.instance(prepared.first(pk=entry.pk))
    with CaptureQueriesContext(connection) as queries:
        assert (found.action, found.actor.username) == ("test.only", "only-reader")
    assert queries.captured_queries == []
    assert found.get_deferred_fields() >= {"object_type", "created_at"}
    assert found.actor.first_name == "名"  # a deferred field is read when asked, as with only()
