"""Annual appraisal of a province-sized year: build the year in bulk, then time the background
task's computation of the run and measure its worker's peak memory.

Run from the repository root:

    .venv/bin/python bench/appraisal_year.py [--scale 0.05] [--lecturers 40000]
        [--sessions 500000] [--ratings 5000000] [--year 2025] [--database-url postgres://…]

It builds its own database (SQLite in a temporary directory, or a new PostgreSQL database on
the server of --database-url), generates the year with INSERT … SELECT statements over a
numbers table (no row passes through Python), starts the year's run as a county
administrator would (`appraisal_run_start`), and then computes it in a fresh child process
with the function the background task calls (`appraisal.services.appraisal_compute`), so that
the build's memory does not count: the peak RSS is the child's
(`getrusage(RUSAGE_CHILDREN).ru_maxrss`). It prints sizes, build time, appraisal time, peak
RSS and the grades given, and removes what it created at the end, also on error or Ctrl-C.
See bench/README.md.
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime

from _server import ROOT, in_process_django, run

FULL = {"lecturers": 40_000, "sessions": 500_000, "ratings": 5_000_000}
SLOTS_A_YEAR = 365 * 4  # four session times a day: 08:00, 10:00, 14:00, 16:00
SLOT_MINUTES = (480, 600, 840, 960)
TEACHING_SHARE = 0.85  # the other lecturers hold no session in the year (not graded)
# Booking states over the year, per mille of the sessions: (status, up to).
STATES = (("completed", 670), ("confirmed", 750), ("cancelled", 830), ("declined", 930),
          ("expired", 1000))  # fmt: skip
HELD_SHARE = 0.75  # completed, or confirmed and over: the year is past


# --- SQL that both databases understand, with a few per-vendor spellings -----------------------


class Sql:
    """Expression builders for INSERT … SELECT on PostgreSQL and SQLite."""

    def __init__(self, vendor: str):
        self.pg = vendor == "postgresql"

    def h(self, expr: str, salt: int, mod: int) -> str:
        """A deterministic pseudo-random 0..mod-1 from a non-negative whole number."""
        return f"((({expr}) * 2654435761 + {salt * 7919 + 13}) % 4294967291 % {mod})"

    def pick(self, expr: str, values) -> str:
        whens = " ".join(f"WHEN {n} THEN {self.lit(v)}" for n, v in enumerate(values))
        return f"(CASE ({expr}) % {len(values)} {whens} END)"

    def lit(self, value) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return ("true" if value else "false") if self.pg else str(int(value))
        if isinstance(value, int | float):
            return repr(value)
        if isinstance(value, datetime):
            text = value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
            return f"'{text}+00'" if self.pg else f"'{text}'"
        if isinstance(value, dict | list):
            value = json.dumps(value)
        return "'" + str(value).replace("'", "''") + "'"

    def ts(self, base: datetime, minutes: str) -> str:
        """base + `minutes` minutes, as the column stores it."""
        if self.pg:
            return f"({self.lit(base)}::timestamptz + ({minutes}) * INTERVAL '1 minute')"
        return f"datetime({self.lit(base)}, ({minutes}) || ' minutes')"

    def shift(self, column: str, minutes: int) -> str:
        if self.pg:
            return f"({column} + INTERVAL '{minutes} minutes')"
        return f"datetime({column}, '{minutes} minutes')"

    def text(self, expr: str) -> str:
        return f"CAST({expr} AS TEXT)"


def insert_select(cursor, sql: Sql, model, values: dict[str, str], source: str, now) -> int:
    """INSERT INTO the model's table every column: the given SQL expressions, else the field's
    default as a literal (auto_now fields: `now`), else NULL where allowed."""
    columns, exprs = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        if field.name in values or field.attname in values:
            expr = values.get(field.name, values.get(field.attname))
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            expr = sql.lit(now)
        elif field.has_default():
            expr = sql.lit(field.get_default())
        elif field.null:
            continue
        elif field.empty_strings_allowed and field.blank:
            expr = "''"
        else:
            raise ValueError(f"{model.__name__}.{field.name} needs a value")
        columns.append(f'"{field.column}"')
        exprs.append(expr)
    cursor.execute(
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(exprs)} {source}"
    )
    return cursor.rowcount


def id_range(cursor, model, where: str = "") -> tuple[int, int]:
    """(first id, count) of rows just inserted, which must have consecutive ids."""
    cursor.execute(f"SELECT MIN(id), MAX(id), COUNT(*) FROM {model._meta.db_table} {where}")
    low, high, n = cursor.fetchone()
    if n and high - low + 1 != n:
        raise RuntimeError(f"{model.__name__}: ids are not consecutive ({low}..{high}, {n})")
    return low, n


# --- the year ------------------------------------------------------------------------------------


def build(sizes: dict, year: int) -> dict:
    """Generate the county standing for the province and its year; returns what was made."""
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from courses.models import Category, Classroom, Course, CourseRevision
    from evaluation.models import OrgRating, TraineeRating
    from lecturers.models import Lecturer, Source
    from matching.models import Demand, DemandNotice
    from orgs.models import CountySettings, Membership, Organisation, OrgLevel, Role
    from scheduling.models import Booking, BookingEvent

    sql = Sql(connection.vendor)
    now = timezone.now().replace(microsecond=0)
    start = datetime(year, 1, 1, tzinfo=timezone.get_default_timezone())
    n_lecturers, n_sessions = sizes["lecturers"], sizes["sessions"]
    teaching = int(n_lecturers * TEACHING_SHARE)
    n_towns = max(12, n_lecturers // 100)
    n_villages = max(60, n_lecturers // 4)
    n_units = max(3, n_villages // 20)  # the county's own units, directly under the county
    n_courses = n_lecturers + n_lecturers // 5
    n_demands = max(10, n_sessions // 100)
    per_held = max(1, round(sizes["ratings"] / (n_sessions * HELD_SHARE)))
    made = {}
    steps = []

    def step(name, fn):
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            made[name] = fn(cursor)
        steps.append((name, time.perf_counter() - started))
        print(f"  {name}: {made[name]:,} rows, {steps[-1][1]:.1f} s", flush=True)

    with transaction.atomic():
        county = Organisation.objects.create(
            name="基准省（一县代表全省）", level=OrgLevel.COUNTY, lat=32.0, lng=118.0
        )
        Organisation.objects.filter(pk=county.pk).update(county=county)
        CountySettings.objects.create(county=county)
        admin = User.objects.create_user(username="bench_admin", name="考核管理员", county=county)
        Membership.objects.create(user=admin, org=county, role=Role.COUNTY_ADMIN)
    cid = county.pk

    def numbers(cursor):
        top = max(n_lecturers, n_sessions, n_courses, n_villages, per_held * 2, 1)
        cursor.execute("CREATE TABLE bench_n (i integer PRIMARY KEY)")
        if sql.pg:
            cursor.execute(f"INSERT INTO bench_n SELECT generate_series(1, {top})")
        else:
            cursor.execute(
                "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c "
                f"WHERE i < {top}) INSERT INTO bench_n SELECT i FROM c"
            )
        return top

    step("numbers", numbers)

    def orgs(cursor):
        common = {"county": str(cid), "lat": "32.0", "lng": "118.0", "created_at": sql.lit(now),
                  "updated_at": sql.lit(now)}  # fmt: skip
        n = insert_select(
            cursor, sql, Organisation,
            {**common, "name": f"'第' || {sql.text('i')} || '镇'", "level": sql.lit("town"),
             "parent": str(cid)},
            f"FROM bench_n WHERE i <= {n_towns} ORDER BY i", now,
        )  # fmt: skip
        made["town0"], _n = id_range(cursor, Organisation, "WHERE level = 'town'")
        # Villages and units: the first n_units under the county, the others under a town.
        parent = f"CASE WHEN i <= {n_units} THEN {cid} ELSE {made['town0']} + i % {n_towns} END"
        group = f"CASE WHEN i <= {n_units} THEN 'government' ELSE 'rural' END"
        n += insert_select(
            cursor, sql, Organisation,
            {**common, "name": f"'第' || {sql.text('i')} || '支部'", "level": sql.lit("village"),
             "parent": parent, "group": group},
            f"FROM bench_n WHERE i <= {n_villages} ORDER BY i", now,
        )  # fmt: skip
        made["village0"], _n = id_range(cursor, Organisation, "WHERE level = 'village'")
        return n

    step("organisations", orgs)
    town0, village0 = made["town0"], made["village0"]

    def org_of(expr: str, salt: int, units: int, towns: int) -> str:
        """An organisation for row `expr`: per mille `units` county units, `towns` towns, the
        rest village branches under towns."""
        roll = sql.h(expr, salt, 1000)
        return (
            f"(CASE WHEN {roll} < {units} THEN {village0} + {sql.h(expr, salt + 1, n_units)} "
            f"WHEN {roll} < {units + towns} THEN {town0} + {sql.h(expr, salt + 2, n_towns)} "
            f"ELSE {village0} + {n_units} + {sql.h(expr, salt + 3, n_villages - n_units)} END)"
        )

    def users(cursor):
        n = insert_select(
            cursor, sql, User,
            {"password": "'!'", "username": f"'bench_l' || {sql.text('i')}",
             "name": f"'讲师' || {sql.text('i')}", "county": str(cid), "date_joined": sql.lit(now)},
            f"FROM bench_n WHERE i <= {n_lecturers} ORDER BY i", now,
        )  # fmt: skip
        made["user0"], _n = id_range(cursor, User, "WHERE username LIKE 'bench_l%'")
        return n

    step("users", users)

    def lecturers(cursor):
        status_roll = sql.h("i", 21, 1000)
        status = (
            f"CASE WHEN {status_roll} < 930 THEN 'active' WHEN {status_roll} < 970 "
            f"THEN 'cold_store' WHEN {status_roll} < 990 THEN 'candidate' ELSE 'removed' END"
        )
        n = insert_select(
            cursor, sql, Lecturer,
            {"county": str(cid), "user": f"{made['user0']} + i - 1",
             "org": org_of("i", 30, 150, 400), "name": f"'讲师' || {sql.text('i')}",
             "name_pinyin": f"'jiangshi' || {sql.text('i')}",
             "name_initials": f"'js' || {sql.text('i')}",
             "source": sql.pick(sql.h("i", 22, 97), Source.values),
             "level": f"CASE WHEN {sql.h('i', 23, 10)} < 3 THEN 'county' ELSE 'town' END",
             "status": status, "created_at": sql.lit(now), "updated_at": sql.lit(now)},
            f"FROM bench_n WHERE i <= {n_lecturers} ORDER BY i", now,
        )  # fmt: skip
        made["lecturer0"], _n = id_range(cursor, Lecturer)
        return n

    step("lecturers", lecturers)
    lecturer0 = made["lecturer0"]

    def courses(cursor):
        owner = f"CASE WHEN i <= {n_lecturers} THEN i ELSE 1 + {sql.h('i', 41, n_lecturers)} END"
        n = insert_select(
            cursor, sql, Course,
            {"county": str(cid), "lecturer": f"{lecturer0} - 1 + ({owner})",
             "title": f"'课程' || {sql.text('i')}",
             "category": sql.pick(sql.h("i", 42, 97), Category.values),
             "objectives": "'帮助党员联系实际，学以致用。'", "duration_minutes": "90",
             "created_at": sql.lit(now), "updated_at": sql.lit(now)},
            f"FROM bench_n WHERE i <= {n_courses} ORDER BY i", now,
        )  # fmt: skip
        made["course0"], _n = id_range(cursor, Course)
        return n

    step("courses", courses)
    course0 = made["course0"]

    def revisions(cursor):
        roll = sql.h("i", 51, 100)
        n = 0
        for kind, share, salt in (("created", 12, 52), ("revised", 5, 53)):
            n += insert_select(
                cursor, sql, CourseRevision,
                {"course": f"{course0} + i - 1", "kind": sql.lit(kind),
                 "changed_at": sql.ts(start, f"{sql.h('i', salt, 365)} * 1440 + 600"),
                 "summary": sql.lit("基准")},
                f"FROM bench_n WHERE i <= {n_courses} AND {roll} < {share}", now,
            )  # fmt: skip
        return n

    step("course revisions", revisions)

    # Sessions: booking j (0-based) takes slot j % SLOTS_A_YEAR of the year and lecturer
    # (j // SLOTS_A_YEAR + slot × 7919) mod `teaching`: within one slot every lecturer differs,
    # so no lecturer's confirmed sessions overlap (PostgreSQL's exclusion constraint).
    def bookings(cursor):
        j, slot = "(i - 1)", f"((i - 1) % {SLOTS_A_YEAR})"
        who = f"(({j} / {SLOTS_A_YEAR} + {slot} * 7919) % {teaching})"
        minute = (
            f"({slot} / 4) * 1440 + (CASE {slot} % 4 "
            + " ".join(f"WHEN {k} THEN {m}" for k, m in enumerate(SLOT_MINUTES))
            + " END)"
        )
        roll = sql.h("i", 61, 1000)
        whens = [f"WHEN {roll} < {high} THEN '{status}'" for status, high in STATES]
        status = f"(CASE {' '.join(whens)} END)"
        answered = f"{roll} < {STATES[-2][1]}"  # all but the expired ones
        n = insert_select(
            cursor, sql, Booking,
            {"county": str(cid), "org": org_of("i", 70, 80, 120),
             "lecturer": f"{lecturer0} + {who}", "course": f"{course0} + {who}",
             "start_at": sql.ts(start, minute), "end_at": sql.ts(start, f"{minute} + 90"),
             "venue": sql.lit("党员活动室"),
             "expected_attendees": f"20 + {sql.h('i', 62, 41)}",
             "classroom": sql.pick(sql.h("i", 63, 89), Classroom.values), "status": status,
             "expires_at": sql.ts(start, f"{minute} - 1440"),
             "decided_at": f"CASE WHEN {answered} THEN {sql.ts(start, f'{minute} - 2880')} END",
             "is_late_cancel": f"({roll} >= 750 AND {roll} < 830 AND {sql.h('i', 64, 3)} = 0)",
             "completed_at": f"CASE WHEN {roll} < 670 THEN {sql.ts(start, f'{minute} + 120')} "
                             "END",
             "created_at": sql.ts(start, f"{minute} - 10080"),
             "updated_at": sql.ts(start, f"{minute} + 120")},
            f"FROM bench_n WHERE i <= {n_sessions} ORDER BY i", now,
        )  # fmt: skip
        made["booking0"], _n = id_range(cursor, Booking)
        return n

    step("sessions", bookings)

    def events(cursor):
        lecturer_user = f"(SELECT user_id FROM {Lecturer._meta.db_table} WHERE id = b.lecturer_id)"
        rows = [
            ("", "requested", "NULL", "b.created_at", "1=1"),
            ("requested", "confirmed", lecturer_user, "b.decided_at",
             "b.status IN ('confirmed', 'completed', 'cancelled')"),
            ("requested", "declined", lecturer_user, "b.decided_at", "b.status = 'declined'"),
            ("requested", "expired", "NULL", "b.expires_at", "b.status = 'expired'"),
            ("confirmed", "cancelled",
             f"CASE WHEN {sql.h('b.id', 81, 10)} < 6 THEN {lecturer_user} END",
             sql.shift("b.start_at", -600), "b.status = 'cancelled'"),
            ("confirmed", "completed", "NULL", "b.completed_at", "b.status = 'completed'"),
        ]  # fmt: skip
        n = 0
        for from_status, to_status, actor, at, where in rows:
            n += insert_select(
                cursor, sql, BookingEvent,
                {"booking": "b.id", "at": at, "actor": actor, "from_status": sql.lit(from_status),
                 "to_status": sql.lit(to_status)},
                f"FROM {Booking._meta.db_table} b WHERE b.county_id = {cid} AND {where}", now,
            )  # fmt: skip
        return n

    step("booking events", events)

    held = "b.status IN ('completed', 'confirmed')"

    def ratings(cursor):
        # Each held session gets 1 .. 2 × per_held − 1 ratings; each lecturer has a level of
        # quality (60..94) around which their ratings fall.
        count = f"(1 + {sql.h('b.id', 91, 2 * per_held - 1)})"
        base = f"(60 + {sql.h('b.lecturer_id', 92, 35)})"

        def score(salt):
            value = f"({base} + {sql.h('b.id * 64 + n.i', salt, 15)} - 5)"
            return f"(CASE WHEN {value} > 100 THEN 100 ELSE {value} END)"

        at = sql.shift("b.start_at", 80)
        return insert_select(
            cursor, sql, TraineeRating,
            {"booking": "b.id", "name": sql.lit("学员"),
             "phone": sql.text("13900000000 + n.i"), "checked_in_at": at,
             "content": score(93), "method": score(94), "effect": score(95), "rated_at": at,
             "is_flagged": f"({sql.h('b.id * 64 + n.i', 96, 100)} = 0)"},
            f"FROM {Booking._meta.db_table} b JOIN bench_n n ON n.i <= {count} "
            f"WHERE b.county_id = {cid} AND {held}", now,
        )  # fmt: skip

    step("trainee ratings", ratings)

    def org_ratings(cursor):
        mark = f"(70 + {sql.h('b.id', 101, 31)})"
        return insert_select(
            cursor, sql, OrgRating,
            {"booking": "b.id", "performance": mark, "discipline": mark, "engagement": mark,
             "created_at": sql.shift("b.end_at", 60)},
            f"FROM {Booking._meta.db_table} b "
            f"WHERE b.county_id = {cid} AND {held} AND {sql.h('b.id', 102, 10)} < 6", now,
        )  # fmt: skip

    step("org ratings", org_ratings)

    def running_totals(cursor):
        n = 0
        for model, key in ((Lecturer, "lecturer_id"), (Course, "course_id")):
            cursor.execute(
                f"UPDATE {model._meta.db_table} SET rating_count = a.n, rating_total = a.t, "
                "score = ROUND(a.t * 1.0 / (3 * a.n), 2) FROM ("
                f"SELECT b.{key} AS owner, COUNT(*) AS n, "
                "SUM(r.content + r.method + r.effect) AS t "
                f"FROM {TraineeRating._meta.db_table} r "
                f"JOIN {Booking._meta.db_table} b ON b.id = r.booking_id "
                "WHERE r.rated_at IS NOT NULL AND NOT r.is_flagged "
                f"GROUP BY b.{key}) a WHERE a.owner = {model._meta.db_table}.id"
            )
            n += cursor.rowcount
        return n

    step("running totals", running_totals)

    def demands(cursor):
        minute = f"{sql.h('i', 111, 360)} * 1440 + 480"
        n = insert_select(
            cursor, sql, Demand,
            {"county": str(cid), "org": org_of("i", 112, 0, 100), "venue": sql.lit("村委会"),
             "expected_attendees": "30", "classroom": sql.lit("classroom"),
             "topic": f"'需求' || {sql.text('i')}", "window_start": sql.ts(start, minute),
             "window_end": sql.ts(start, f"{minute} + 10080"), "duration_minutes": "90",
             "lat": "32.0", "lng": "118.0", "status": sql.lit("expired"),
             "created_at": sql.ts(start, minute), "updated_at": sql.ts(start, minute)},
            f"FROM bench_n WHERE i <= {n_demands} ORDER BY i", now,
        )  # fmt: skip
        demand0, _n = id_range(cursor, Demand)
        # Four lecturers told of each; the first grabbed it, and dropped it one time in five.
        outcome = (
            f"CASE WHEN k.i = 1 AND {sql.h('d.i', 113, 5)} = 0 THEN 'dropped' "
            "WHEN k.i = 1 THEN 'grabbed' ELSE 'too_late' END"
        )
        n += insert_select(
            cursor, sql, DemandNotice,
            {"demand": f"{demand0} + d.i - 1",
             "lecturer": f"{lecturer0} + ({sql.h('d.i', 114, n_lecturers)} + k.i * 1009) "
                         f"% {n_lecturers}",
             "round": "1", "rank": "k.i", "score": "0.5", "outcome": outcome,
             "notified_at": sql.ts(start, f"{sql.h('d.i', 111, 360)} * 1440 + 490")},
            f"FROM bench_n d JOIN bench_n k ON k.i <= 4 WHERE d.i <= {n_demands}", now,
        )  # fmt: skip
        return n

    step("demands and notices", demands)

    def analyse(cursor):
        cursor.execute("DROP TABLE bench_n")
        cursor.execute("ANALYZE")
        return 0

    # Statistics as a database in service has them (autovacuum on PostgreSQL; SQLite's
    # ANALYZE): the planner otherwise guesses on tables it has never seen filled.
    if sql.pg:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE bench_n")
            cursor.execute("ANALYZE")
        steps.append(("analyze", 0.0))
    else:
        step("analyze", analyse)
    made["county_id"], made["admin_id"] = cid, admin.pk
    made["build_seconds"] = sum(seconds for _name, seconds in steps)
    return made


# --- the measured phase: the background task's computation in a fresh process -------------------


def compute_in_child(run_id: int, attempt: int, profile: bool) -> dict:
    """Run the computation in a new Python process (the worker's situation: Django loaded,
    nothing else) and return its timing and the peak RSS of that process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            __file__,
            "--compute",
            str(run_id),
            str(attempt),
            "profile" if profile else "-",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"the computation failed:\n{done.stdout}\n{done.stderr}")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if peak_kb < before:
        raise RuntimeError("an earlier child used more memory: the peak would not be this one's")
    if profile:
        print(done.stderr)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result.update(process_seconds=wall, peak_rss_mb=peak_kb / 1024)
    return result


def child_main(run_id: int, attempt: int, profile: bool) -> int:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    from appraisal.services import appraisal_compute

    spent: dict[str, list] = {}
    first: dict[str, tuple] = {}  # the first statement of each kind, for --profile's plans

    def timed(execute, sql, params, many, context):
        """Time per kind of statement (its verb and first table, e.g. SELECT
        scheduling_booking): executing it and fetching its rows."""
        words = sql.replace('"', "").split()
        table = next(
            (w for i, w in enumerate(words[1:], 1)
             if words[i - 1].upper() in ("FROM", "INTO", "UPDATE")), ""
        )  # fmt: skip
        kind = f"{words[0].upper()} {table}".strip()
        row = spent.setdefault(kind, [0, 0.0])
        first.setdefault(kind, (sql, params))
        row[0] += 1
        cursor = context["cursor"]
        for name in ("fetchone", "fetchmany", "fetchall"):
            vars(cursor).pop(name, None)  # the cursor wrapper may be reused

        def counted(fetch):
            def fetching(*args):
                began = time.perf_counter()
                try:
                    return fetch(*args)
                finally:
                    row[1] += time.perf_counter() - began

            return fetching

        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            row[1] += time.perf_counter() - started
            for name in ("fetchone", "fetchmany", "fetchall"):
                setattr(cursor, name, counted(getattr(cursor.cursor, name)))

    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with connection.execute_wrapper(timed):
        if profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            status = profiler.runcall(appraisal_compute, run_id=run_id, attempt=attempt)
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(15)
        else:
            status = appraisal_compute(run_id=run_id, attempt=attempt)
    seconds = time.perf_counter() - started
    top = sorted(spent.items(), key=lambda kv: -kv[1][1])[:6]
    if profile:  # the plans of the costliest reads, for their first chunk
        with connection.cursor() as cursor:
            for kind, _row in [item for item in top if item[0].startswith("SELECT")][:3]:
                sql, params = first[kind]
                prefix = (
                    "EXPLAIN ANALYZE "
                    if connection.vendor == "postgresql"
                    else "EXPLAIN QUERY PLAN "
                )
                cursor.execute(prefix + sql, params)
                plan = "\n    ".join(" ".join(map(str, r)) for r in cursor.fetchall())
                print(f"{kind}:\n    {sql[:300]} …\n    {plan}\n", file=sys.stderr)
    print(
        json.dumps(
            {"status": str(status), "seconds": seconds, "ready_rss_mb": rss_kb / 1024,
             "queries": [[name, n, t] for name, (n, t) in top]}
        )
    )  # fmt: skip
    return 0


def appraise(made: dict, year: int, profile: bool) -> dict:
    from django.db import connection
    from django.db.models import Count

    from accounts.models import User
    from appraisal.models import AppraisalResult
    from appraisal.services import appraisal_run_start

    admin = User.objects.get(pk=made["admin_id"])
    run, started = appraisal_run_start(actor=admin, year=year)
    if not started:
        raise RuntimeError("the run did not start")
    connection.close()  # the child has the database to itself
    out = compute_in_child(run.pk, run.attempt, profile)
    grades = dict(
        AppraisalResult.objects.filter(run=run)
        .values_list("grade")
        .annotate(n=Count("id"))
        .order_by()
    )
    out["grades"] = grades
    out["results"] = sum(grades.values())
    return out


def report(sizes: dict, made: dict, out: dict, database: str, year: int) -> None:
    graded = {g: n for g, n in out["grades"].items() if g}
    labels = {"excellent": "好", "good": "较好", "fair": "一般", "poor": "差"}
    spread = ", ".join(f"{label} {graded.get(g, 0):,}" for g, label in labels.items())
    rows = [
        ("database", database),
        ("year", str(year)),
        ("lecturers", f"{made['lecturers']:,} ({made['organisations']:,} organisations, "
                      f"{made['courses']:,} courses, {made['course revisions']:,} revisions)"),
        ("sessions", f"{made['sessions']:,} ({made['booking events']:,} booking events)"),
        ("trainee ratings", f"{made['trainee ratings']:,}"),
        ("org ratings", f"{made['org ratings']:,}"),
        ("demand notices", f"{made['demands and notices']:,} demands and notices"),
        ("build", f"{made['build_seconds']:.1f} s"),
        ("appraisal", f"{out['seconds']:.1f} s ({out['process_seconds']:.1f} s with the "
                      "process start)"),
        ("peak RSS", f"{out['peak_rss_mb']:.0f} MB (Django loaded: {out['ready_rss_mb']:.0f} MB)"),
        ("status", out["status"]),
        ("results", f"{out['results']:,}, graded {sum(graded.values()):,}: {spread}; "
                    f"not graded {out['grades'].get('', 0):,}"),
    ]  # fmt: skip
    print()
    width = max(len(name) for name, _v in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    print("\nThe appraisal's statements by verb and first table (executing and fetching):")
    for name, n, seconds in out["queries"]:
        print(f"  {seconds:7.2f} s  {n:>6,} × {name}")
    print(
        f"\nPython {platform.python_version()}, {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end."
    )


def main() -> int:
    if len(sys.argv) == 5 and sys.argv[1] == "--compute":
        return child_main(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "profile")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0,
                        help="a share of the province's sizes (default 1: 40,000 lecturers, "
                        "500,000 sessions, 5,000,000 ratings)")  # fmt: skip
    for name, full in FULL.items():
        parser.add_argument(f"--{name}", type=int, help=f"default {full:,} × --scale")
    parser.add_argument("--year", type=int, help="the year appraised (default: last year)")
    parser.add_argument("--database-url", help="a PostgreSQL server to use instead of SQLite")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="run the computation under cProfile and print its 15 costliest functions "
        "(slower; the timings are then not the product's)",
    )
    args = parser.parse_args()
    if not 0.0001 <= args.scale <= 10:
        parser.error("--scale must be 0.0001..10")
    sizes = {
        name: getattr(args, name) if getattr(args, name) is not None else round(full * args.scale)
        for name, full in FULL.items()
    }
    if not 10 <= sizes["lecturers"] <= 1_000_000:
        parser.error("--lecturers must be 10..1000000")
    if not 10 <= sizes["sessions"] <= SLOTS_A_YEAR * int(sizes["lecturers"] * TEACHING_SHARE):
        parser.error("--sessions must be 10..1460 × 85% of the lecturers (4 a day each)")
    if not 0 <= sizes["ratings"] <= 200 * sizes["sessions"]:
        parser.error("--ratings must be 0..200 × the sessions")
    year = args.year or datetime.now().year - 1
    if not 2000 <= year < datetime.now().year:
        parser.error("--year must be a past year")

    with in_process_django(args.database_url) as (_tmp, database):
        from django.core.management import call_command

        started = time.perf_counter()
        call_command("migrate", "--noinput", verbosity=0)
        print(f"  migrate: {time.perf_counter() - started:.1f} s")
        print(f"Building {year}: " + ", ".join(f"{n:,} {k}" for k, n in sizes.items()))
        made = build(sizes, year)
        print(f"Computing the run in a child process (load {os.getloadavg()[0]:.1f}) …")
        out = appraise(made, year, args.profile)
        report(sizes, made, out, database.split(" (")[0], year)
    return 0 if out["status"] == "draft" else 1


if __name__ == "__main__":
    run(main)
