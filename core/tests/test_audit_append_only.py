"""The audit log is append-only in the database: UPDATE and DELETE are refused by a trigger on
SQLite and PostgreSQL, whoever sends the SQL; only entries past the retention may be pruned."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core import audit as audit_log
from core.models import AuditLog

pytestmark = pytest.mark.django_db


def _entry(**kwargs) -> AuditLog:
    return AuditLog.objects.create(action="test.entry", object_type="test", object_id="1", **kwargs)


def _insert_old(days: int) -> AuditLog:
    # auto_now_add sets the time on insert; an old entry is inserted with raw SQL.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_auditlog (created_at, action, object_type, object_id, result)"
            " VALUES (%s, %s, %s, %s, %s)",
            [timezone.now() - timedelta(days=days), "test.old", "test", "2", "ok"],
        )
    return AuditLog.objects.get(object_id="2")


def _refused(sql: str, params=()) -> None:
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, list(params))


def test_update_is_refused_by_the_database():
    entry = _entry(after={"grade": "good"})
    _refused("UPDATE core_auditlog SET action = 'forged' WHERE id = %s", [entry.pk])
    _refused("UPDATE core_auditlog SET actor_id = NULL")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditLog.objects.filter(pk=entry.pk).update(after={"grade": "excellent"})
    assert AuditLog.objects.get(pk=entry.pk).after == {"grade": "good"}


def test_delete_of_a_young_entry_is_refused_by_the_database():
    entry = _entry()
    _refused("DELETE FROM core_auditlog WHERE id = %s", [entry.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditLog.objects.all().delete()
    assert AuditLog.objects.filter(pk=entry.pk).exists()


def test_an_entry_170_days_old_is_still_kept():
    old = _insert_old(days=170)
    _refused("DELETE FROM core_auditlog WHERE id = %s", [old.pk])


def test_prune_deletes_only_entries_past_the_retention(settings):
    settings.AUDIT_RETENTION_DAYS = 200
    young = _entry()
    kept = _insert_old(days=190)  # past the database's floor, inside the setting
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_auditlog (created_at, action, object_type, object_id, result)"
            " VALUES (%s, %s, %s, %s, %s)",
            [timezone.now() - timedelta(days=400), "test.old", "test", "3", "ok"],
        )
    assert audit_log.prune() == 1
    assert set(AuditLog.objects.values_list("pk", flat=True)) == {young.pk, kept.pk}


def test_a_retention_under_six_months_is_raised_to_six_months(settings):
    settings.AUDIT_RETENTION_DAYS = 30
    _insert_old(days=100)
    assert audit_log.prune() == 0
    assert AuditLog.objects.filter(object_id="2").exists()


def test_the_rule_cannot_be_lifted_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's trigger")
    entry = _entry()
    with audit_log.sqlite_unlocked():
        _refused("DELETE FROM core_auditlog WHERE id = %s", [entry.pk])
