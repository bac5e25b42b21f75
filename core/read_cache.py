"""A cache of read-only results that is never stale: entries are keyed by the data generation,
a number the database keeps and every committed write moves on.

Every INSERT, UPDATE and DELETE that goes through Django's connection, the ORM's and raw SQL
alike, passes an execute wrapper installed on each new connection (`track_writes`). Outside a
transaction the generation moves on right after the statement; inside one, once it has
committed, never before: a reader that took the old generation and then read rows a
transaction was still writing stores what it read under a generation nobody asks for any
more. One UPDATE of one row in autocommit after the commit, so writers never wait for each
other on it (a counter bumped inside the writing transactions would hold its row until they
commit, one writer after another). The tables of settings.READ_CACHE_UNTRACKED_TABLES
(sessions, rate counters, the tokens' last use, the audit log, the outbox, the task queue)
do not move it: no cached result reads them.

A connection that has written in its open transaction reads around the cache until that
transaction ends, since what it wrote is in no generation yet; so the tests, which run inside
one transaction, see each change at once. Keys also hold the language, the day and this
server (another release or database never shares an entry). Writes that bypass Django's
connections (psql by hand, a bulk COPY) are not seen: they show once the entries expire
(TIMEOUT) or the next tracked write commits.
"""

import hashlib
import json
import logging
import re
import secrets
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

log = logging.getLogger(__name__)

TABLE = "core_datageneration"
TIMEOUT = 300  # seconds an entry is kept (a bound on memory, not on staleness)
# A statement that writes one table: the table. SQLite writes `bulk_create(ignore_conflicts)`
# and many-to-many adds as INSERT OR IGNORE.
_WRITE = re.compile(
    r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)',
    re.IGNORECASE,
)
# Statements that write nothing; any other (DDL, COPY, TRUNCATE, a CTE that writes, …) is
# taken for a write of an unknown table: the check fails closed.
_READ = re.compile(  # PostgreSQL's compound queries begin "(SELECT …) UNION (…"
    r"[\s(]*(?:SELECT|SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT|PRAGMA|SET|SHOW|EXPLAIN)\b",
    re.IGNORECASE,
)
_WRITING_CTE = re.compile(r"\b(?:INSERT|DELETE|MERGE)\b|\bUPDATE\s+\S+\s+SET\b", re.IGNORECASE)
# What no server of another release or another database can have stored: a key of this
# server only (drawn when the code is imported: in gunicorn's master, which preloads the app,
# so its workers share their entries; a deploy starts afresh, a restore moves the generation).
_SERVER = secrets.token_hex(8)
_WROTE = "_read_cache_wrote"  # on the connection: a tracked write in the open transaction
_MOVED_ON = "_read_cache_moved_on"  # on the connection: the last commit has moved it on


def track_writes(sender, connection, **kwargs) -> None:
    """connection_created: watch the connection's writes (once: a DatabaseWrapper that
    reconnects, every request with CONN_MAX_AGE=0, is created again on the same object)."""
    if _watch not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch)


def _watch(execute, sql, params, many, context):
    db = context["connection"]
    if not db.in_atomic_block:
        setattr(db, _WROTE, False)  # whatever transaction wrote has ended
    result = execute(sql, params, many, context)
    if not _tracked_write(sql):
        return result
    if db.in_atomic_block:
        setattr(db, _WROTE, True)
        setattr(db, _MOVED_ON, False)
        # One callback a write, one UPDATE a commit: the first that runs moves it on.
        transaction.on_commit(lambda: _commit_moves_on(db), using=db.alias)
    else:
        _move_on(db)
    return result


def _tracked_write(sql: str) -> bool:
    written = _WRITE.match(sql)
    if written is not None:
        return written[1] not in (TABLE, *settings.READ_CACHE_UNTRACKED_TABLES)
    if sql.lstrip().upper().startswith("WITH"):
        return _WRITING_CTE.search(sql) is not None
    return _READ.match(sql) is None


def _commit_moves_on(db) -> None:
    setattr(db, _WROTE, False)
    if not getattr(db, _MOVED_ON, False):
        setattr(db, _MOVED_ON, True)
        _move_on(db)


def _move_on(db) -> None:
    """The write has committed: whatever fails here is logged, never raised to its caller
    (nor does it stop the other after-commit work)."""
    read = _request_generation.get()
    if read is not None:
        read.clear()
    try:
        with db.cursor() as cursor:
            cursor.execute(f"UPDATE {TABLE} SET value = value + 1 WHERE id = 1")  # noqa: S608
    except Exception:
        try:
            exists = TABLE in db.introspection.table_names()
        except Exception:
            exists = True  # the connection itself has failed
        if exists:  # not a migration before the table's
            log.exception("the data generation could not move on; cached results may be stale")


# The generation a request has read: it reads it once, however many results it takes from the
# cache. A result computed later in the request may then hold newer data under the older
# generation, which no request that starts later asks for; its own commits clear it.
_request_generation: ContextVar[dict | None] = ContextVar("read_cache_generation", default=None)


class RequestGenerationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        read = {}
        caller = (
            settings.SESSION_COOKIE_NAME in request.COOKIES or "HTTP_AUTHORIZATION" in request.META
        )
        if caller and request.method in ("GET", "HEAD"):
            # Before the session and the caller's roles are read: a kept result is computed
            # from what the request reads, which must be no older than its generation. (A
            # write, which answers with a redirect or JSON, reads it only if it asks.)
            read["value"] = generation()
        token = _request_generation.set(read)
        try:
            return self.get_response(request)
        finally:
            _request_generation.reset(token)


def _current_generation() -> int:
    read = _request_generation.get()
    if read is None:
        return generation()
    if "value" not in read:
        read["value"] = generation()
    return read["value"]


def generation() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {TABLE} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
        if row is None:  # the table was emptied (a test database's flush)
            start_afresh()
            cursor.execute(f"SELECT value FROM {TABLE} WHERE id = 1")  # noqa: S608
            row = cursor.fetchone()
        return row[0]


def start_afresh() -> None:
    """Move the generation to a random value, where no entry kept from before can be found
    (after a restore has brought an old value back, or a flush has removed it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (id, value) VALUES (1, %s) "  # noqa: S608
            "ON CONFLICT (id) DO UPDATE SET value = excluded.value",
            [secrets.randbelow(2**62)],
        )


def cached(key: tuple, compute: Callable[[], object], *, per_generation: bool = True):
    """`compute()`, or what it returned before in this data generation for the same `key` (a
    tuple of JSON values: what the result depends on, the caller's identity included), in the
    same language on the same day (a text may say which day is today). `per_generation=False`
    for a result that depends on nothing but its key (a render of a stored snapshot, whose
    key names the snapshot and when it was computed): kept across writes."""
    if connection.in_atomic_block and getattr(connection, _WROTE, False):
        return compute()
    key = (*key, translation.get_language(), timezone.localdate().isoformat(), _SERVER)
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()
    name = f"read:{_current_generation() if per_generation else 'key'}:{digest}"
    cache = caches["read"]
    found = cache.get(name)
    if found is None:
        found = compute()
        cache.set(name, found, TIMEOUT)
    return found


# What a kept fragment holds in place of the CSRF token: the token is the browser's (its
# secret changes at each login), so each request fills in its own.
CSRF_SLOT = "csrf-slot-" + _SERVER


def _live_slot(name: str) -> str:
    return f"live-slot-{name}-{_SERVER}"


def render_to_keep(template: str, context: dict, request=None, *, live=()) -> SafeString:
    """`template` rendered with `context` alone (and the request, for its path), not with the
    context processors: what is kept holds nothing of the caller's but what the key names.
    `{% csrf_token %}` writes CSRF_SLOT, `{{ live.<name> }}` a slot for each name of `live`."""
    slots = {name: mark_safe(_live_slot(name)) for name in live}  # noqa: S308 (plain text)
    # Of the request only its path: nothing of the caller's (cookies, session, user) goes in.
    path = {"path": request.path, "get_full_path": request.get_full_path()} if request else None
    context = {**context, "request": path, "csrf_token": CSRF_SLOT, "live": slots}
    return render_to_string(template, context)


def fill_csrf_slot(request, html: str) -> SafeString:
    """A kept render (markup) with this request's CSRF token, a masked token: no two alike."""
    if CSRF_SLOT in html:
        html = html.replace(CSRF_SLOT, get_token(request))
    return mark_safe(html)  # noqa: S308 (rendered markup and a token)


def cached_fragment(
    request,
    template: str,
    context: Callable[[], dict],
    *,
    live: dict | None = None,
    vary: tuple = (),
) -> SafeString:
    """`template` rendered with `context()`, kept for the caller, the path and the query
    string (a list's results, for the page and for htmx alike), its forms' CSRF token this
    request's. `live`: name → a function that renders, on every request, what the template
    shows at `{{ live.<name> }}` (what changes with the clock, not only with the data).
    `vary`: what else the render depends on (JSON values), as a kept result's own key."""
    live = live or {}
    html = cached(
        (request.get_full_path(), template, request.user.pk, sorted(live), *vary),
        lambda: render_to_keep(template, context(), request, live=live),
    )
    for name, render in live.items():
        html = html.replace(_live_slot(name), conditional_escape(render()))
    return fill_csrf_slot(request, html)
