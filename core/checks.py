"""System checks (`manage.py check`, run before migrate, runserver and the test suite)."""

import sqlite3

from django.core.checks import Error, register
from django.db import connections

# UPDATE/INSERT … RETURNING (core.ratelimit, evaluation.services) arrived in SQLite 3.35.
SQLITE_MINIMUM = (3, 35, 0)


@register("database")
def sqlite_supports_returning(app_configs, databases=None, **kwargs):
    uses_sqlite = any(connections[alias].vendor == "sqlite" for alias in databases or ())
    if uses_sqlite and sqlite3.sqlite_version_info < SQLITE_MINIMUM:
        needed = ".".join(map(str, SQLITE_MINIMUM))
        return [
            Error(
                f"SQLite {sqlite3.sqlite_version} is too old: Jiangtai needs {needed} or newer.",
                hint="Use a Python built with a newer SQLite, or PostgreSQL (DATABASE_URL).",
                id="core.E001",
            )
        ]
    return []
