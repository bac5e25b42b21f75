from datetime import timedelta

from django.db import connection
from django.utils import timezone

from .errors import RateLimited
from .models import RateCounter

# No limit counts over a longer window; counters older than this are dead (`prune`).
LONGEST_WINDOW = timedelta(hours=1)


def hit(*limits: tuple[str, int], per: timedelta = timedelta(minutes=1)) -> None:
    """Count one request under each (key, limit); raise RateLimited if any key is past its
    limit in its current fixed window. Refused requests count too, unless the caller's
    transaction rolls the count back.

    One INSERT … ON CONFLICT DO UPDATE … RETURNING for all keys (SQLite ≥ 3.35 and
    PostgreSQL): a counter row is created, bumped, or restarted when its window has passed,
    atomically, so concurrent requests from every server process count together. Rows are
    written in key order, so two requests sharing keys cannot deadlock on PostgreSQL."""
    if not limits:
        return
    if per > LONGEST_WINDOW:
        raise ValueError(f"windows longer than {LONGEST_WINDOW} are pruned before they end")
    now = timezone.now()
    limit_of: dict[str, int] = {}
    for key, limit in limits:
        key = key[:190]
        limit_of[key] = min(limit, limit_of.get(key, limit))
    keys = sorted(limit_of)
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    key_col, start_col, count_col = (connection.ops.quote_name(c) for c in ("key", "window_start", "count"))  # fmt: skip
    field = RateCounter._meta.get_field("window_start")
    stamp = field.get_db_prep_value(now, connection)
    window_open = field.get_db_prep_value(now - per, connection)
    rows = ", ".join(["(%s, %s, 1)"] * len(keys))
    # Only quoted identifiers and placeholders are interpolated; the values are parameters.
    sql = (
        f"INSERT INTO {table} ({key_col}, {start_col}, {count_col}) VALUES {rows} "  # noqa: S608
        f"ON CONFLICT ({key_col}) DO UPDATE SET "
        f"{count_col} = CASE WHEN {table}.{start_col} > %s THEN {table}.{count_col} + 1 ELSE 1 END, "
        f"{start_col} = CASE WHEN {table}.{start_col} > %s THEN {table}.{start_col} "
        f"ELSE EXCLUDED.{start_col} END "
        f"RETURNING {key_col}, {count_col}"
    )
    params = [value for key in keys for value in (key, stamp)] + [window_open, window_open]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        counts = cursor.fetchall()
    if any(count > limit_of[key] for key, count in counts):
        raise RateLimited()


def prune() -> int:
    """Delete the counters whose window ended long ago (a trainee's submission leaves two, its
    phone's and its device's) and return how many; the scheduler runs this hourly."""
    deleted, _by_model = RateCounter.objects.filter(
        window_start__lt=timezone.now() - LONGEST_WINDOW
    ).delete()
    return deleted
