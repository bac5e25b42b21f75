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
from core.prepared import Prepared, by_pk

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
