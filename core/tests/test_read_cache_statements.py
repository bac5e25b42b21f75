"""core.read_cache tells the statements that may write from those that only read, failing
closed: what is neither a known read nor a write of an untracked table counts as a write."""

import pytest

from core import read_cache


@pytest.mark.parametrize(
    ("sql", "tracked"),
    [
        ('INSERT INTO "lecturers_lecturer" ("name") VALUES (%s)', True),
        ('INSERT OR IGNORE INTO "scheduling_offering_courses" ("offering_id") VALUES (%s)', True),
        ('UPDATE "lecturers_lecturer" SET "name" = %s', True),
        ('DELETE FROM "lecturers_like" WHERE "id" = %s', True),
        ('UPDATE "django_session" SET "session_data" = %s', False),
        ('INSERT INTO "core_ratecounter" ("key") VALUES (%s)', False),
        ('SELECT "id" FROM "lecturers_lecturer" WHERE "id" = %s FOR UPDATE', False),
        ("WITH t AS (SELECT 1) SELECT * FROM t", False),
        ('(SELECT "org_id" FROM "orgs_membership") UNION (SELECT "org_id" FROM "x")', False),
        ("WITH t AS (UPDATE lecturers_lecturer SET name = %s RETURNING id) SELECT * FROM t", True),
        ("SAVEPOINT s1", False),
        ("BEGIN IMMEDIATE", False),
        ("TRUNCATE lecturers_lecturer", True),
        ("CREATE TABLE t (id int)", True),
    ],
)
def test_every_statement_that_may_write_counts(sql, tracked):
    """Fail closed: what is neither a known read nor an untracked table's write counts."""
    assert read_cache._tracked_write(sql) is tracked
