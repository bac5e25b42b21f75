"""A province under load: build a province on PostgreSQL with COPY, serve it with gunicorn and run
a headless locust scenario against it, endpoint by endpoint beside a bare view (issue 18).

Run from the repository root (locust comes with the `bench` extra, see bench/README.md):

    .venv/bin/python bench/province.py [--scale 0.05] [--years 5] [--run-time 60] [--users 24]
        [--workers 2] [--threads 4] [--load-counties 10] [--keep]
        [--database-url postgres://postgres@127.0.0.1:5432/postgres]

1. Creates a database jiangtai_province_<random> on the server of --database-url, migrates it
   and fills it with PostgreSQL COPY (psycopg's `cursor.copy`), every row valid for the
   application: a province of 140 counties (--scale takes a share of the counties; each county
   keeps its size), 40,000 organisations (county, 14 towns, 271 branches each), 40,000
   lecturers with their logins and 48,000 courses, a secretary login per branch, five years
   (--years) of bookings with their events and the next month's, trainee ratings (35,700 a
   county a year, as DESIGN.md's scale plan: 5 million a year for the province), the
   lecturers' ratings of organisations and expired demands with their notices. The big
   tables' secondary indexes and constraints are dropped for the load and built again after
   it; the running totals (SessionScore, the lecturers', courses' and organisations' scores
   and stars) are then computed from the rows in SQL, as the services would have kept them.
2. Serves it with gunicorn as `make run` does (jiangtai/gunicorn_conf.py, 2 workers × 4
   threads, DEBUG=0) under `bench.settings` (the product plus the bare `POST /bench/insert`,
   the trusted loopback proxy and the raised per-address limit of trainee submissions), waits
   until the workers have built their recommendation indexes, times the reads one request at
   a time as bench/page_ratios.py times the county's (--quiet-rounds rounds, each endpoint
   beside GET /healthz; the ratio is the work a request costs at this size), then runs
   bench/province_locust.py headless for --run-time seconds: secretaries of --load-counties
   counties browse the catalogue, search (Chinese words, pinyin, initials), book and have
   the lecturer accept, post demands, ask for recommendations, broadcast and grab; trainees
   of village halls open the rating page and rate; county admins and the province admin read
   their dashboards; one user times the bare views `GET /healthz` and `POST /bench/insert`.
3. Prints per endpoint: requests, failures, requests/s, p50/p95/p99 and the ratio
   median(bare) ÷ median(endpoint) (GET /healthz for reads, POST /bench/insert for writes),
   the failures by kind and the end of the gunicorn log when a request answered 5xx.

The database is dropped at the end (DROP DATABASE … WITH (FORCE)), also on an error or
Ctrl-C, unless --keep. See bench/README.md.
"""

import argparse
import contextlib
import csv
import http.client
import itertools
import json
import math
import os
import platform
import random
import re
import secrets
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path

from _server import (
    BASELINE_READ,
    HOST,
    ROOT,
    Client,
    county_reads,
    gunicorn_server,
    in_process_django,
    p95,
    run,
    run_manage,
    sequential_timings,
)

CHINA = dt_timezone(timedelta(hours=8))
COUNTIES = 140
TOWNS = 14  # per county
BRANCHES = 271  # per county: 1 + 14 + 271 = 286 organisations, 40,040 in the province
LECTURERS = 40_000  # in the province, spread evenly over its counties
SESSIONS_A_YEAR = 500_000  # in the province
RATINGS_A_YEAR = 5_000_000  # in the province (DESIGN.md's scale plan)
FUTURE_DAYS = 30  # bookings already made for the coming month
SLOT_MINUTES = (480, 600, 840, 960)  # 08:00, 10:00, 14:00, 16:00, 90 minutes each
PASSWORD = "province-pass-2026"
SHARE_HELD = 0.75  # completed, or confirmed and over

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌晓云海波宁林辉鹏飞"
TOPICS = (
    "乡村振兴", "基层治理", "党史学习教育", "党的二十大精神", "红色文化传承", "生态文明建设",
    "共同富裕", "法治乡村建设", "数字乡村", "农村电商", "党建引领", "廉洁文化建设",
    "民族团结进步", "安全生产", "新时代文明实践", "集体经济发展", "社区网格化管理", "志愿服务",
    "家风家训", "优秀传统文化", "理想信念教育", "群众路线", "产业振兴", "人才振兴",
)  # fmt: skip
ANGLES = ("的实践与思考", "专题党课", "案例解析", "十讲", "与党员责任", "的基层探索", "入门")
COUNTY_WORDS = "青绿云松石竹梅兰清明安平永宁长乐丰泰和顺兴华"
PLACE_WORDS = "东西南北上下前后新老大小金银山河湖桥溪岭塘坪岗湾洲"
COMMENTS = ("讲得很实在，受益匪浅", "案例贴近村里实际", "希望再来讲一次", "内容丰富，通俗易懂",
            "时间有点短", "联系实际，很有启发")  # fmt: skip


def h(n: int, salt: int, mod: int) -> int:
    """A deterministic pseudo-random 0..mod-1 (the same hash as appraisal_year.py's SQL)."""
    return (n * 2654435761 + salt * 7919 + 13) % 4294967291 % mod


def spread(total: int, parts: int, i: int) -> int:
    """Part i of `total` split as evenly as whole numbers allow."""
    return round(total * (i + 1) / parts) - round(total * i / parts)


def ts(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S+00")


# --- COPY ------------------------------------------------------------------------------------


def copy_literal(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return ts(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


class Loader:
    """COPY into the models' tables, every column filled (the field's default, `now` for
    auto_now fields, NULL where allowed for the columns a table's rows do not name), with
    rows per table and seconds printed."""

    def __init__(self, connection, now: datetime):
        self.connection = connection
        self.now = now
        self.steps: list[tuple[str, int, float]] = []

    def copy(self, model, columns: list[str], lines, *, label: str | None = None) -> int:
        """`lines`: text rows (tab-separated, without newline) of `columns`, in that order."""
        label = label or model._meta.db_table
        rest, suffix = [], []
        for f in model._meta.concrete_fields:
            if f.column in columns:
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = self.now
            elif f.has_default():
                value = f.get_default()
            elif f.null:
                value = None
            elif f.empty_strings_allowed and f.blank:
                value = ""
            else:
                raise ValueError(f"{model.__name__}.{f.name} needs a value")
            rest.append(f.column)
            suffix.append(copy_literal(value))
        tail = ("\t" + "\t".join(suffix) if suffix else "") + "\n"
        names = ", ".join(f'"{c}"' for c in [*columns, *rest])
        started = last = time.perf_counter()
        n = 0
        with (
            self.connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {model._meta.db_table} ({names}) FROM STDIN") as copy,
        ):
            batch = []
            for line in lines:
                batch.append(line)
                if len(batch) >= 20_000:
                    copy.write(tail.join(batch) + tail)
                    n += len(batch)
                    batch.clear()
                    if time.perf_counter() - last > 30:
                        last = time.perf_counter()
                        print(f"    … {label}: {n:,} rows, {last - started:.0f} s", flush=True)
            if batch:
                copy.write(tail.join(batch) + tail)
                n += len(batch)
        self.done(label, n, time.perf_counter() - started)
        return n

    def done(self, label: str, n: int, seconds: float) -> None:
        self.steps.append((label, n, seconds))
        print(f"  {label}: {n:,} rows, {seconds:.1f} s", flush=True)

    def sql(self, label: str, *statements: str) -> int:
        """Rows written, or for DDL the statements run."""
        started = time.perf_counter()
        n = 0
        with self.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
                n += cursor.rowcount if cursor.rowcount >= 0 else 1
        self.done(label, n, time.perf_counter() - started)
        return n


BIG_TABLES = ("scheduling_booking", "scheduling_bookingevent", "evaluation_traineerating",
              "evaluation_orgrating", "matching_demandnotice")  # fmt: skip


def drop_secondary(cursor, tables) -> list[str]:
    """Drop the tables' indexes and constraints other than their primary keys and checks (a
    COPY into indexed tables maintains every index row by row); returns the statements that
    make them again."""
    again = []
    for table in tables:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('u', 'x', 'f') ORDER BY contype DESC",
            [table],
        )
        constraints = cursor.fetchall()
        for name, definition, _kind in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            again.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND NOT "
            "EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname "
            "AND c.conrelid = %s::regclass)",
            [table, table],
        )
        for name, definition in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
            again.insert(0, definition)  # indexes before the foreign keys
    return again


# --- the province ------------------------------------------------------------------------------


def names_for(n: int, salt: int) -> list[str]:
    """n Chinese personal names, two or three characters."""
    out = []
    for i in range(n):
        k = h(i, salt, 1_000_000)
        name = SURNAMES[k % len(SURNAMES)] + GIVEN[k // 7 % len(GIVEN)]
        if k % 3:
            name += GIVEN[k // 101 % len(GIVEN)]
        out.append(name)
    return out


def build(sizes: dict, loader: Loader) -> dict:
    """The province's rows; returns what the load scenario needs to know of them."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from accounts.models import User
    from core.pinyin import pinyin_keys
    from courses.models import Category, Course, CourseRevision
    from evaluation import models as evaluation_models
    from evaluation.models import OrgRating, SessionScore, TraineeRating
    from lecturers.models import Lecturer, Source
    from matching.models import Demand, DemandNotice
    from orgs.models import CountySettings, Membership, Organisation
    from scheduling.models import Booking, BookingEvent

    now = loader.now
    n_counties, years = sizes["counties"], sizes["years"]
    today = datetime.now(CHINA).replace(hour=0, minute=0, second=0, microsecond=0)
    first_day = today - timedelta(days=365 * years)
    days = 365 * years + FUTURE_DAYS
    n_slots = days * 4
    per_county_bookings = round(SESSIONS_A_YEAR / COUNTIES * days / 365)
    per_held = max(1, round(RATINGS_A_YEAR / (SESSIONS_A_YEAR * SHARE_HELD)))
    # Each slot's times, as COPY text, the same for every county.
    slot_at = [first_day + timedelta(days=s // 4, minutes=SLOT_MINUTES[s % 4]) for s in range(n_slots)]  # fmt: skip
    past = [at + timedelta(hours=2) < now for at in slot_at]
    t_start = [ts(at) for at in slot_at]
    t_end = [ts(at + timedelta(minutes=90)) for at in slot_at]
    t_made = [ts(at - timedelta(days=7)) for at in slot_at]
    t_expires = [ts(at - timedelta(days=4)) for at in slot_at]
    t_decided = [ts(at - timedelta(days=6)) for at in slot_at]
    t_cancel = [ts(at - timedelta(hours=10)) for at in slot_at]
    t_done = [ts(at + timedelta(minutes=120)) for at in slot_at]
    t_rated = [ts(at + timedelta(minutes=80)) for at in slot_at]
    # The next month's bookings are never past their answer time.
    t_expires = [e if p else ts(max(at - timedelta(days=1), now + timedelta(days=1)))
                 for e, p, at in zip(t_expires, past, slot_at, strict=True)]  # fmt: skip
    now_s = ts(now)
    password = make_password(PASSWORD)

    with connection.cursor() as cursor:
        for table in (
            "orgs_organisation", "accounts_user", "lecturers_lecturer", "courses_course",
            "scheduling_booking", "evaluation_traineerating", "scheduling_bookingevent",
            "evaluation_orgrating", "matching_demand", "matching_demandnotice",
            "orgs_membership", "courses_courserevision",
        ):  # fmt: skip
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            if cursor.fetchone()[0]:
                raise RuntimeError(f"{table} is not empty after migrate")
        cursor.execute("SET maintenance_work_mem = '1GB'")
        started = time.perf_counter()
        rebuild = drop_secondary(cursor, BIG_TABLES)
        loader.done("drop secondary indexes", len(rebuild), time.perf_counter() - started)

    # --- organisations ---------------------------------------------------------------------
    counties = []
    org_lines = [f"1\t{now_s}\t{now_s}\t云岭省\tprovince\t\\N\t\\N\t\t25.0\t102.7\t省府路1号"]
    next_org = 2
    for c in range(n_counties):
        lat0, lng0 = 23.0 + (c % 12) * 0.5, 98.0 + (c // 12) * 0.5
        name = COUNTY_WORDS[c % len(COUNTY_WORDS)] + COUNTY_WORDS[(c // len(COUNTY_WORDS) + c * 7 + 3) % len(COUNTY_WORDS)] + f"{c + 1}县"  # fmt: skip
        county = {"id": next_org, "name": name, "towns": [], "branches": [], "town_of": {},
                  "at": {}}  # fmt: skip
        org_lines.append(
            f"{next_org}\t{now_s}\t{now_s}\t{name}\tcounty\t1\t{next_org}\tgovernment\t{lat0}\t{lng0}\t{name}人民路1号"
        )  # fmt: skip
        county["at"][next_org] = (lat0, lng0)
        next_org += 1
        for t in range(TOWNS):
            tlat, tlng = lat0 + (t % 4 - 1.5) * 0.06, lng0 + (t // 4 - 1.5) * 0.06
            tname = PLACE_WORDS[t] + PLACE_WORDS[(t * 5 + 7) % len(PLACE_WORDS)] + "镇"
            org_lines.append(
                f"{next_org}\t{now_s}\t{now_s}\t{tname}\ttown\t{county['id']}\t{county['id']}\trural\t{tlat:.5f}\t{tlng:.5f}\t{tname}政府"
            )  # fmt: skip
            county["towns"].append(next_org)
            county["at"][next_org] = (tlat, tlng)
            next_org += 1
        for b in range(BRANCHES):
            town = county["towns"][b % TOWNS]
            k = b // TOWNS
            bname = PLACE_WORDS[k % len(PLACE_WORDS)] + PLACE_WORDS[(k * 3 + b) % len(PLACE_WORDS)] + f"{k + 1}村党支部"  # fmt: skip
            tlat, tlng = county["at"][town]
            blat, blng = tlat + (h(b, 1, 200) - 100) / 4000, tlng + (h(b, 2, 200) - 100) / 4000
            group = ("rural", "community", "new_sectors", "government", "retired")[h(b, 3, 5)]
            org_lines.append(
                f"{next_org}\t{now_s}\t{now_s}\t{bname}\tvillage\t{town}\t{county['id']}\t{group}\t{blat:.5f}\t{blng:.5f}\t{bname}活动室"
            )  # fmt: skip
            county["branches"].append(next_org)
            county["town_of"][next_org] = town
            county["at"][next_org] = (blat, blng)
            next_org += 1
        counties.append(county)
    loader.copy(
        Organisation,
        ["id", "created_at", "updated_at", "name", "level", "parent_id", "county_id", "group",
         "lat", "lng", "address"],
        org_lines, label="organisations",
    )  # fmt: skip
    CountySettings.objects.bulk_create([CountySettings(county_id=c["id"]) for c in counties])

    # --- logins, lecturers, courses, memberships -----------------------------------------------
    user_lines, member_lines, lecturer_lines, course_lines, revision_lines = [], [], [], [], []
    next_user, next_member = 1, 1
    user_cols = ["id", "password", "is_superuser", "username", "first_name", "last_name", "email",
                 "is_staff", "is_active", "date_joined", "name", "phone", "county_id",
                 "must_change_password"]  # fmt: skip

    def user(username: str, name: str, county_id) -> int:
        nonlocal next_user
        cid = "\\N" if county_id is None else county_id
        user_lines.append(f"{next_user}\t{password}\tf\t{username}\t\t\t\tf\tt\t{now_s}\t{name}\t\t{cid}\tf")  # fmt: skip
        next_user += 1
        return next_user - 1

    def member(user_id: int, org_id: int, role: str) -> None:
        nonlocal next_member
        member_lines.append(f"{next_member}\t{now_s}\t{now_s}\t{user_id}\t{org_id}\t{role}")
        next_member += 1

    province_admin = user("p_province_admin", "省委组织部管理员", None)
    member(province_admin, 1, "province_admin")
    names = names_for(LECTURERS * n_counties // COUNTIES + n_counties, 5)
    next_lecturer, next_course, name_i = 1, 1, 0
    categories = Category.values
    sources = Source.values
    for c, county in enumerate(counties):
        cid = county["id"]
        county["admin"] = user(f"p{c}_county_admin", "组织部管理员", cid)
        member(county["admin"], cid, "county_admin")
        county["town_admin"] = {}
        for t in county["towns"]:
            county["town_admin"][t] = user(f"p{c}_town{t}", "镇党委组织委员", cid)
            member(county["town_admin"][t], t, "town_admin")
        county["secretary"] = {}
        for b in county["branches"]:
            county["secretary"][b] = user(f"p{c}_sec{b}", "支部书记", cid)
            member(county["secretary"][b], b, "secretary")
        county["lecturers"] = []  # (id, user, org, town or None, level, status, courses)
        for i in range(spread(LECTURERS, COUNTIES, c)):
            name = names[name_i]
            name_i += 1
            full, initials = pinyin_keys(name)
            roll = h(next_lecturer, 21, 1000)
            status = ("active" if roll < 930 else "cold_store" if roll < 970
                      else "candidate" if roll < 990 else "removed")  # fmt: skip
            at_county = i % 12 == 0
            org = cid if at_county else county["branches"][h(next_lecturer, 22, BRANCHES)]
            level = "county" if at_county or h(next_lecturer, 23, 10) < 3 else "town"
            town = None if at_county else county["town_of"][org]
            uid = user(f"p{c}_lec{next_lecturer}", name, cid)
            member(uid, org, "lecturer")
            lat, lng = county["at"][org]
            topic_a = h(next_lecturer, 24, len(TOPICS))
            topic_b = (topic_a + 1 + h(next_lecturer, 25, len(TOPICS) - 1)) % len(TOPICS)
            specialties = f"{TOPICS[topic_a]}、{TOPICS[topic_b]}"
            lecturer_lines.append(
                f"{next_lecturer}\t{now_s}\t{now_s}\t{cid}\t{uid}\t{org}\t{name}\t{full}\t{initials}"
                f"\t{sources[h(next_lecturer, 26, len(sources))]}\t{level}\t{status}\t{specialties}"
                f"\t{lat}\t{lng}\t长期从事{TOPICS[topic_a]}工作，善于结合身边事讲道理。"
            )  # fmt: skip
            courses = []
            for k, topic in enumerate((topic_a, topic_b)[: 1 + (h(next_lecturer, 27, 5) == 0)]):
                title = TOPICS[topic] + ANGLES[h(next_lecturer + k, 28, len(ANGLES))]
                category = categories[h(next_lecturer + k, 29, len(categories))]
                course_lines.append(
                    f"{next_course}\t{now_s}\t{now_s}\t{cid}\t{next_lecturer}\t{title}\t{category}"
                    f"\t帮助党员理解{TOPICS[topic]}，联系实际学以致用。"
                    f"\t一、{TOPICS[topic]}的由来；二、本地案例；三、我们怎么做"
                )  # fmt: skip
                revision_lines.append(f"{next_course}\t{next_course}\tcreated\t{now_s}\t新建课程")
                courses.append(next_course)
                next_course += 1
            county["lecturers"].append((next_lecturer, uid, org, town, level, status, courses))
            next_lecturer += 1
    loader.copy(User, user_cols, user_lines, label="users")
    loader.copy(
        Lecturer,
        ["id", "created_at", "updated_at", "county_id", "user_id", "org_id", "name",
         "name_pinyin", "name_initials", "source", "level", "status", "specialties", "lat",
         "lng", "bio"],
        lecturer_lines, label="lecturers",
    )  # fmt: skip
    loader.copy(Membership, ["id", "created_at", "updated_at", "user_id", "org_id", "role"],
                member_lines, label="memberships")  # fmt: skip
    loader.copy(
        Course,
        ["id", "created_at", "updated_at", "county_id", "lecturer_id", "title", "category",
         "objectives", "outline"],
        course_lines, label="courses",
    )  # fmt: skip
    loader.copy(CourseRevision, ["id", "course_id", "kind", "changed_at", "summary"],
                revision_lines, label="course revisions")  # fmt: skip

    # --- five years of bookings ---------------------------------------------------------------
    def bookings():
        """(booking id, county, slot, lecturer tuple, org, status, roll) in id order, the same
        on every call. Booking j of a county takes slot j mod n_slots and, within a slot,
        different lecturers, so that no lecturer's sessions overlap."""
        bid = 1
        for county in counties:
            teaching = [lec for lec in county["lecturers"] if lec[5] == "active"]
            by_town: dict = {}
            for b in county["branches"]:
                by_town.setdefault(county["town_of"][b], []).append(b)
            for j in range(per_county_bookings):
                slot = j % n_slots
                lec = teaching[(j // n_slots + slot * 7919) % len(teaching)]
                choices = by_town[lec[3]] if lec[4] == "town" else county["branches"]
                org = choices[h(bid, 31, len(choices))]
                roll = h(bid, 32, 1000)
                if past[slot]:
                    status = ("completed" if roll < 670 else "confirmed" if roll < 750
                              else "cancelled" if roll < 830 else "declined" if roll < 930
                              else "expired")  # fmt: skip
                else:
                    status = "confirmed" if roll < 700 else "requested"
                yield bid, county, slot, lec, org, status, roll
                bid += 1

    def booking_lines():
        for bid, county, s, lec, org, status, roll in bookings():
            answered = status not in ("requested", "expired")
            decided = t_decided[s] if answered else "\\N"
            completed = t_done[s] if status == "completed" else "\\N"
            late = "t" if status == "cancelled" and roll % 3 == 0 else "f"
            reason = "时间冲突，另行安排" if status in ("cancelled", "declined") else ""
            classroom = ("classroom", "classroom", "onsite", "cloud")[roll % 4]
            yield (
                f"{bid}\t{t_made[s]}\t{t_done[s] if past[s] else t_made[s]}\t{county['id']}"
                f"\t党员活动室\t{20 + roll % 41}\t{classroom}\t{org}\t{lec[0]}"
                f"\t{lec[6][bid % len(lec[6])]}\t{t_start[s]}\t{t_end[s]}\t{status}"
                f"\t{county['secretary'][org]}\t{t_expires[s]}\t{decided}\t{reason}\t{late}"
                f"\t{completed}"
            )

    loader.copy(
        Booking,
        ["id", "created_at", "updated_at", "county_id", "venue", "expected_attendees",
         "classroom", "org_id", "lecturer_id", "course_id", "start_at", "end_at", "status",
         "requested_by_id", "expires_at", "decided_at", "reason", "is_late_cancel",
         "completed_at"],
        booking_lines(), label="bookings",
    )  # fmt: skip

    def event_lines():
        eid = 1
        for bid, county, s, lec, org, status, roll in bookings():
            rows = [("", "requested", county["secretary"][org], t_made[s])]
            if status in ("confirmed", "completed", "cancelled"):
                rows.append(("requested", "confirmed", lec[1], t_decided[s]))
            if status == "declined":
                rows.append(("requested", "declined", lec[1], t_decided[s]))
            if status == "expired":
                rows.append(("requested", "expired", "\\N", t_expires[s]))
            if status == "cancelled":
                who = lec[1] if roll % 10 < 6 else county["secretary"][org]
                rows.append(("confirmed", "cancelled", who, t_cancel[s]))
            if status == "completed":
                rows.append(("confirmed", "completed", "\\N", t_done[s]))
            for before, after, actor, at in rows:
                yield f"{eid}\t{bid}\t{at}\t{actor}\t{before}\t{after}"
                eid += 1

    loader.copy(BookingEvent, ["id", "booking_id", "at", "actor_id", "from_status", "to_status"],
                event_lines(), label="booking events")  # fmt: skip

    # Scores: each lecturer rates around a quality of their own (60..94).
    triples = {
        base: [
            "\t".join(str(min(100, base + h(k, salt, 15) - 5)) for salt in (41, 42, 43))
            for k in range(97)
        ]
        for base in range(60, 95)
    }
    phones = [f"139{k:08d}" for k in range(2 * per_held + 1)]

    def rating_lines():
        rid = 1
        for bid, county, s, lec, _org, status, _roll in bookings():
            if not past[s] or status not in ("completed", "confirmed"):
                continue
            scores = triples[60 + h(lec[0], 40, 35)]
            at = t_rated[s]
            for k in range(1 + h(bid, 44, 2 * per_held - 1)):
                flagged = rid % 100 == 0
                comment = COMMENTS[rid % len(COMMENTS)] if rid % 23 == 0 else ""
                yield (
                    f"{rid}\t{bid}\t{county['id']}\t学员\t{phones[k]}\t\t\t\t{at}\t{scores[rid % 97]}\t{comment}"
                    f"\t{at}\t{'t' if flagged else 'f'}"
                    f"\t{'一分钟内同一地址的评价过多' if flagged else ''}"
                )
                rid += 1

    loader.copy(
        TraineeRating,
        ["id", "booking_id", "county_id", "name", "phone", "device", "client_ip", "submission_key",
         "checked_in_at", "content", "method", "effect", "comment", "rated_at", "is_flagged",
         "flag_reason"],
        rating_lines(), label="trainee ratings",
    )  # fmt: skip

    def org_rating_lines():
        for bid, _county, s, _lec, _org, status, roll in bookings():
            if past[s] and status in ("completed", "confirmed") and roll % 10 < 6:
                mark = 70 + h(bid, 45, 31)
                yield f"{bid}\t{bid}\t{mark}\t{mark}\t{mark}\t{t_done[s]}"

    loader.copy(
        OrgRating,
        ["id", "booking_id", "performance", "discipline", "engagement", "created_at"],
        org_rating_lines(), label="org ratings",
    )  # fmt: skip

    n_past = sum(past)  # the past slots come first

    def demand_lines():
        """A demand per 100 sessions, past and expired, with four lecturers notified."""
        did = 1
        for county in counties:
            teaching = [lec for lec in county["lecturers"] if lec[5] == "active"]
            for j in range(per_county_bookings // 100):
                slot = h(did, 51, n_past)
                org = county["branches"][h(did, 53, BRANCHES)]
                lat, lng = county["at"][org]
                topic = TOPICS[h(did, 54, len(TOPICS))]
                notices = [teaching[(j * 4 + k * 7) % len(teaching)][0] for k in range(4)]
                yield did, county, slot, org, lat, lng, topic, dict.fromkeys(notices)
                did += 1

    def demand_rows():
        for did, county, s, org, lat, lng, topic, _notices in demand_lines():
            yield (
                f"{did}\t{t_made[s]}\t{t_start[s]}\t{county['id']}\t{topic}培训\t30\tclassroom"
                f"\t{org}\t{topic}\t{t_start[s]}\t{t_done[s]}\t90\t{lat}\t{lng}\texpired"
                f"\t{county['secretary'][org]}\t1\t{t_made[s]}"
            )

    loader.copy(
        Demand,
        ["id", "created_at", "updated_at", "county_id", "venue", "expected_attendees",
         "classroom", "org_id", "topic", "window_start", "window_end", "duration_minutes",
         "lat", "lng", "status", "created_by_id", "broadcast_round", "last_broadcast_at"],
        demand_rows(), label="demands",
    )  # fmt: skip

    def notice_rows():
        nid = 1
        for did, _county, s, _org, _lat, _lng, _topic, notices in demand_lines():
            for rank, lecturer_id in enumerate(notices, 1):
                yield f"{nid}\t{did}\t{lecturer_id}\t1\t{rank}\t{0.9 - rank / 10:.2f}\t{t_made[s]}"
                nid += 1

    loader.copy(DemandNotice,
                ["id", "demand_id", "lecturer_id", "round", "rank", "score", "notified_at"],
                notice_rows(), label="demand notices")  # fmt: skip

    # --- indexes again, sequences, running totals -------------------------------------------------
    loader.sql("indexes and constraints again", *rebuild)
    sequences = [
        f"SELECT setval(pg_get_serial_sequence('{m._meta.db_table}', 'id'), "
        f"(SELECT COALESCE(MAX(id), 1) FROM {m._meta.db_table}))"
        for m in (Organisation, User, Membership, Lecturer, Course, CourseRevision, Booking,
                  BookingEvent, TraineeRating, OrgRating, Demand, DemandNotice)
    ]  # fmt: skip
    loader.sql("sequences", *sequences)
    star = ("CASE WHEN {s} >= 90 THEN 5 WHEN {s} >= 80 THEN 4 WHEN {s} >= 70 THEN 3 "
            "WHEN {s} >= 60 THEN 2 ELSE 1 END")  # fmt: skip
    if CountySettings().star_thresholds != "90,80,70,60":
        raise RuntimeError("the county's default star thresholds changed: update `star`")
    points = "content + method + effect"
    rated = "FILTER (WHERE rated_at IS NOT NULL)"
    session_totals = {
        "rating_total": f"COALESCE(SUM({points}) {rated}, 0)",
        "rating_count": f"COUNT(*) {rated}",
    }
    if any(f.name == "attendance_count" for f in SessionScore._meta.concrete_fields):
        session_totals["attendance_count"] = "COUNT(*)"  # check-ins, rated or not
    # The counted ratings by score band, where the sessions keep them (not a checkout from
    # before): each band from its least sum of the three scores up to the next band's.
    bands = getattr(evaluation_models, "RATING_BANDS", ())
    for (_label, least, field), above in itertools.zip_longest(bands, bands[1:]):
        below = f" AND {points} < {above[1]}" if above else ""
        session_totals[field] = (
            f"COUNT(*) FILTER (WHERE rated_at IS NOT NULL AND {points} >= {least}{below})"
        )
    loader.sql(
        "session scores",
        f"INSERT INTO evaluation_sessionscore (booking_id, {', '.join(session_totals)}) "
        f"SELECT booking_id, {', '.join(session_totals.values())} "
        "FROM evaluation_traineerating WHERE NOT is_flagged GROUP BY booking_id",
    )
    totals = []
    for table, key in (("lecturers_lecturer", "lecturer_id"), ("courses_course", "course_id")):
        totals.append(
            f"UPDATE {table} SET rating_total = a.t, rating_count = a.n, "
            "score = ROUND(a.t * 1.0 / NULLIF(3 * a.n, 0), 2) FROM ("
            f"SELECT b.{key} AS owner, SUM(s.rating_total) AS t, SUM(s.rating_count) AS n "
            "FROM evaluation_sessionscore s JOIN scheduling_booking b ON b.id = s.booking_id "
            f"GROUP BY b.{key}) a WHERE a.owner = {table}.id"
        )
        totals.append(f"UPDATE {table} SET star = {star.format(s='score')} WHERE score IS NOT NULL")
    loader.sql("lecturer and course totals", *totals)
    if any(f.name == "latest_comments" for f in Lecturer._meta.concrete_fields):
        # The résumés' latest comments, kept as a running value where the model has them
        # (evaluation.services.comment_entry: newest first, UTC times to the microsecond).
        from evaluation import services

        keep = getattr(services, "LATEST_COMMENTS", 3)
        loader.sql(
            "latest comments",
            "UPDATE lecturers_lecturer l SET latest_comments = c.entries FROM ("
            "SELECT lecturer_id, jsonb_agg(jsonb_build_object('id', id, 'comment', comment, "
            "'rated_at', to_char(rated_at AT TIME ZONE 'UTC', "
            "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"'), 'overall', ROUND(points / 3.0, 2)) "
            "ORDER BY rated_at DESC, id DESC) AS entries FROM ("
            "SELECT b.lecturer_id, r.id, r.comment, r.rated_at, "
            "r.content + r.method + r.effect AS points, ROW_NUMBER() OVER ("
            "PARTITION BY b.lecturer_id ORDER BY r.rated_at DESC, r.id DESC) AS n "
            "FROM evaluation_traineerating r JOIN scheduling_booking b ON b.id = r.booking_id "
            "WHERE r.rated_at IS NOT NULL AND NOT r.is_flagged AND r.comment <> '') x "
            f"WHERE n <= {keep} GROUP BY lecturer_id) c WHERE c.lecturer_id = l.id",
        )
    mean = "ROUND(AVG((r.performance + r.discipline + r.engagement) / 3.0), 2)"
    loader.sql(
        "organisation scores",
        "INSERT INTO orgs_orgscore (org_id, score, star, rating_count) "
        f"SELECT b.org_id, {mean}, {star.format(s=mean)}, COUNT(*) FROM evaluation_orgrating r "
        "JOIN scheduling_booking b ON b.id = r.booking_id GROUP BY b.org_id",
    )
    # VACUUM too, as autovacuum does after inserts on a province's running server: without
    # the visibility map an index-only scan reads every row it finds from the table as well
    # (the county admin's count of the ratings held for review: 0.5 s instead of 35 ms).
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    loader.done("vacuum analyze", 0, time.perf_counter() - started)
    return {"counties": counties, "province_admin": province_admin}


# --- what the load scenario needs ---------------------------------------------------------------


def load_setup(made: dict, n_load: int, tmp: Path) -> Path:
    """Tokens, browser sessions and sessions under way for the counties under load; the
    scenario's data as JSON in `tmp`."""
    from django.db import IntegrityError, transaction
    from django.test import Client
    from django.utils import timezone

    from accounts.models import ApiToken, User
    from accounts.services import _digest
    from evaluation.services import token_for
    from orgs.models import CountySettings
    from scheduling.models import Booking, BookingStatus

    counties = made["counties"]
    step = max(1, len(counties) // n_load)
    chosen = counties[::step][:n_load]
    tokens: dict[int, str] = {}
    expires = timezone.now() + timedelta(days=30)

    def token(user_id: int) -> str:
        tokens[user_id] = secrets.token_urlsafe(32)
        return tokens[user_id]

    def session(user_id: int) -> str:
        browser = Client()
        browser.force_login(User.objects.get(pk=user_id))
        return browser.cookies["sessionid"].value

    data = {"counties": [], "province": {}}
    province_admin = made["province_admin"]
    data["province"] = {"token": token(province_admin), "session": session(province_admin)}
    now = timezone.now()
    for county in chosen:
        active = [lec for lec in county["lecturers"] if lec[5] == "active"]
        lecturers = {lec[0]: {"token": token(lec[1]), "course_id": lec[6][0]} for lec in active}
        secretaries = []
        for t in county["towns"][:5]:
            branch = next(b for b in county["branches"] if county["town_of"][b] == t)
            bookable = [[lec[0], lec[6][0]] for lec in active
                        if lec[4] == "county" or lec[3] == t][:60]  # fmt: skip
            uid = county["secretary"][branch]
            lat, lng = county["at"][branch]
            secretaries.append({"org_id": branch, "token": token(uid), "session": session(uid),
                                "lat": lat, "lng": lng, "bookable": bookable})  # fmt: skip
        # Sessions under way for the trainees, at the first branch; halls of 30 trainees
        # rate within seconds, so the county's rate from one address is raised (as in
        # evaluation_throughput.py) and they are counted, the dearer path.
        CountySettings.objects.filter(county_id=county["id"]).update(rating_burst_per_minute=32767)
        trainee_tokens = []
        branch = secretaries[0]["org_id"]
        for lec in active:
            if len(trainee_tokens) == 2:
                break
            try:
                with transaction.atomic():
                    booking = Booking.objects.create(
                        county_id=county["id"], org_id=branch, lecturer_id=lec[0],
                        course_id=lec[6][0], start_at=now - timedelta(minutes=5),
                        end_at=now + timedelta(hours=2), venue="党群服务中心",
                        expected_attendees=1_000_000, classroom="classroom",
                        requested_by_id=county["secretary"][branch], expires_at=now,
                        status=BookingStatus.CONFIRMED, decided_at=now,
                    )  # fmt: skip
            except IntegrityError:  # the lecturer teaches now already
                continue
            trainee_tokens.append(token_for(booking))
        data["counties"].append({
            "id": county["id"], "name": county["name"],
            "admin": {"token": token(county["admin"]), "session": session(county["admin"])},
            "secretaries": secretaries, "lecturers": lecturers,
            "trainee_tokens": trainee_tokens,
        })  # fmt: skip
    ApiToken.objects.bulk_create(
        [ApiToken(user_id=u, digest=_digest(raw), expires_at=expires) for u, raw in tokens.items()],
        batch_size=2000,
    )
    surnames = sorted({lec_name[0] for lec_name in names_for(200, 5)})
    data["search"] = {
        "chinese": ["乡村振兴", "基层治理", "党史", "红色文化", "共同富裕", *surnames[:6]],
        "pinyin": ["wang", "zhang", "li", "liu", "chen", "zw", "lm", "wj", "xiangcun"],
    }
    path = tmp / "province_load.json"
    path.write_text(json.dumps(data, ensure_ascii=False))
    print(
        f"Load: {len(chosen)} counties ({', '.join(c['name'] for c in chosen)}), "
        f"{len(tokens):,} API tokens, {sum(len(c['trainee_tokens']) for c in data['counties'])}"
        " sessions under way"
    )
    return path


# --- serving and measuring -------------------------------------------------------------------


def cpu_ticks(pid: int) -> int:
    """CPU time (clock ticks) of a process and its children."""
    total = 0
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total


def wait_warm(pid: int, limit: float = 900) -> float:
    """Until gunicorn's workers have built their recommendation indexes (jiangtai.warmup):
    their CPU use falls below a tenth of a core over two seconds."""
    started = time.perf_counter()
    hz = os.sysconf("SC_CLK_TCK")
    before = cpu_ticks(pid)
    while time.perf_counter() - started < limit:
        time.sleep(2)
        after = cpu_ticks(pid)
        if (after - before) / hz < 0.2:
            break
        before = after
    return time.perf_counter() - started


def run_locust(port: int, data: Path, tmp: Path, args) -> Path:
    prefix = tmp / "locust"
    command = [
        sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "province_locust.py"),
        "--headless", "--users", str(args.users), "--spawn-rate", str(args.users),
        "--run-time", f"{args.run_time}s", "--stop-timeout", "30",
        "--host", f"http://{HOST}:{port}", "--csv", str(prefix), "--only-summary",
        "--loglevel", "WARNING",
    ]  # fmt: skip
    print(f"\nlocust: {args.users} users, {args.run_time} s …", flush=True)
    done = subprocess.run(
        command,
        cwd=ROOT / "bench",
        env={**os.environ, "PROVINCE_LOAD_DATA": str(data)},
        capture_output=True,
        text=True,
        timeout=args.run_time + 300,
    )
    (tmp / "locust.log").write_text(done.stdout + done.stderr)
    if not (tmp / "locust_stats.csv").exists():
        raise RuntimeError(f"locust failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    if "Traceback" in done.stderr:
        print("locust reported exceptions:\n" + done.stderr[-3000:])
    return prefix


BARE_READ, BARE_WRITE = "GET /healthz (bare)", "POST /bench/insert (bare)"
# Every endpoint of province_locust.py, so that one without a finished request is reported.
SCENARIO = {
    BARE_READ, BARE_WRITE, "GET /lecturers/ (page)", "GET /courses/ (page)",
    "GET /lecturers/<id>/ (page)", "GET /lecturers/?q= (page)", "GET /api/v1/lecturers",
    "GET /api/v1/courses", "GET /api/v1/lecturers/<id>", "GET /api/v1/lecturers?q=<汉字>",
    "GET /api/v1/lecturers?q=<pinyin>", "GET /api/v1/courses?q=<汉字>", "POST /api/v1/bookings",
    "POST /api/v1/bookings/<id>/accept", "POST /api/v1/demands",
    "GET /api/v1/demands/<id>/recommendations", "POST /api/v1/demands/<id>/broadcast",
    "POST /api/v1/demands/<id>/grab", "GET /e/<token> (trainee page)",
    "POST /api/v1/evaluations/<token>", "GET /api/v1/stats", "GET /dashboard/ (page)",
    "GET /api/v1/province/stats", "GET /province/ (page)",
}  # fmt: skip


def report(prefix: Path, server_log: Path, run_time: int) -> int:
    with open(f"{prefix}_stats.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["Name"] != "Aggregated"]
    stats = {f"{r['Type']} {r['Name']}": r for r in rows}

    def num(row, key) -> float:
        try:
            return float(row[key])
        except (KeyError, ValueError):
            return math.nan

    bare = {kind: num(stats.get(name, {}), "50%") for kind, name in (("read", BARE_READ),
                                                                      ("write", BARE_WRITE))}  # fmt: skip
    print(
        f"\n{'endpoint':<46} {'requests':>8} {'failed':>6} {'req/s':>6} {'p50 ms':>7} "
        f"{'p95 ms':>7} {'p99 ms':>7} {'÷ bare':>7}"
    )
    for name in sorted(stats, key=lambda n: (not n.endswith("(bare)"), n.split(" ", 1)[1])):
        r = stats[name]
        p50 = num(r, "50%")
        base = bare["read"] if name.startswith("GET") else bare["write"]
        ratio = base / p50 if p50 else math.nan
        print(
            f"{name:<46} {int(num(r, 'Request Count')):>8} {int(num(r, 'Failure Count')):>6} "
            f"{num(r, 'Requests/s'):6.1f} {p50:7.0f} {num(r, '95%'):7.0f} {num(r, '99%'):7.0f} "
            f"{ratio:7.2f}"
        )
    for name in sorted(SCENARIO - set(stats)):  # every request of it still waiting at the end
        print(f"{name:<46} {'NO REQUEST FINISHED IN THE RUN':>40}")
    total = sum(int(num(r, "Request Count")) for r in rows)
    failed = sum(int(num(r, "Failure Count")) for r in rows) + len(SCENARIO - set(stats))
    print(
        f"{'all':<46} {total:>8} {failed:>6} {total / run_time:6.1f}\n"
        "÷ bare: median of the bare view ÷ the endpoint's median (GET /healthz for reads, "
        "POST /bench/insert for writes); locust rounds times above 100 ms to two digits."
    )
    with open(f"{prefix}_failures.csv", newline="") as f:
        failures = list(csv.DictReader(f))
    if failures:
        print("\nFailures:")
        for r in sorted(failures, key=lambda r: -int(r["Occurrences"])):
            print(f"  {int(r['Occurrences']):>6} × {r['Method']} {r['Name']}: {r['Error'][:200]}")
    errors = [line for line in server_log.read_text(errors="replace").splitlines()
              if "Traceback" in line or "ERROR" in line]  # fmt: skip
    if errors or any(re.search(r"\b5\d\d\b", r["Error"]) for r in failures):
        tail = "\n".join(server_log.read_text(errors="replace").splitlines()[-40:])
        print(f"\nEnd of the gunicorn log:\n{tail}")
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0,
                        help="share of the 140 counties (each keeps its size); default 1")  # fmt: skip
    parser.add_argument("--years", type=int, default=5, help="years of bookings and ratings")
    parser.add_argument("--run-time", type=int, default=60, help="seconds of load")
    parser.add_argument("--users", type=int, default=24, help="concurrent locust users")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (make run: 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (make run: 4)")
    parser.add_argument("--load-counties", type=int, default=10,
                        help="counties whose users the scenario logs in as")  # fmt: skip
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/postgres",
                        help="the PostgreSQL server (a loopback one)")  # fmt: skip
    parser.add_argument("--quiet-rounds", type=int, default=30,
                        help="rounds of one request at a time before the load")  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    parser.add_argument("--build-only", action="store_true", help="build, then stop")
    args = parser.parse_args()
    if not 0.001 <= args.scale <= 1:
        parser.error("--scale must be 0.001..1")
    if not (1 <= args.years <= 20 and 5 <= args.run_time <= 3600 and 2 <= args.users <= 500
            and 1 <= args.workers <= 16 and 1 <= args.threads <= 32
            and 1 <= args.quiet_rounds <= 1000):  # fmt: skip
        parser.error("--years 1..20, --run-time 5..3600, --users 2..500, --workers 1..16, "
                     "--threads 1..32, --quiet-rounds 1..1000")  # fmt: skip
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must be a postgres:// URL")
    host = args.database_url.split("@")[-1].split("/")[0].split(":")[0]
    if host not in ("127.0.0.1", "localhost", "::1", "[::1]"):
        parser.error("--database-url must point at a loopback PostgreSQL server")
    n_counties = max(2, round(COUNTIES * args.scale))
    sizes = {"counties": n_counties, "years": args.years}
    n_load = max(1, min(args.load_counties, n_counties))

    started = time.perf_counter()
    with in_process_django(args.database_url, prefix="jiangtai_province_", keep=args.keep,
                           settings_module="bench.settings") as (tmp, database):  # fmt: skip
        from django.core.management import call_command
        from django.db import connection
        from django.utils import timezone

        loader = Loader(connection, timezone.now().replace(microsecond=0))
        t0 = time.perf_counter()
        call_command("migrate", "--noinput", verbosity=0)
        loader.done("migrate", 0, time.perf_counter() - t0)
        print(
            f"Building a province of {n_counties} counties ({args.scale:g} of {COUNTIES}), "
            f"{args.years} years of bookings and ratings, with COPY:"
        )
        made = build(sizes, loader)
        t0 = time.perf_counter()
        os.environ["STATIC_ROOT"] = str(tmp / "static")  # pages with DEBUG=0 need the manifest
        run_manage(dict(os.environ), "collectstatic", "--noinput", "-v", "0")
        loader.done("collectstatic", 0, time.perf_counter() - t0)
        data = load_setup(made, n_load, tmp)
        connection.close()
        build_seconds = time.perf_counter() - started
        print_build(loader, build_seconds)
        if args.build_only:
            return 0
        env = dict(os.environ)
        with gunicorn_server(env, tmp, workers=args.workers, threads=args.threads) as (
            port, server, log
        ):  # fmt: skip
            warm = wait_warm(server.pid)
            print(f"Workers warm (recommendation indexes of {n_counties} counties) after "
                  f"{warm:.0f} s")  # fmt: skip
            check_pages(port)
            quiet_ratios(port, json.loads(data.read_text()), args.quiet_rounds)
            load = os.getloadavg()[0]
            prefix = run_locust(port, data, tmp, args)
            failed = report(prefix, log, args.run_time)
        print(
            f"\n{database.split(' (')[0]}, gunicorn {args.workers} workers × {args.threads} "
            f"threads (DEBUG=0, bench.settings), locust {args.users} users on the same machine; "
            f"Python {platform.python_version()}, {os.cpu_count()} CPUs, load average "
            f"{load:.1f} before the run, {os.getloadavg()[0]:.1f} after."
        )
    return 1 if failed else 0


# Issue 18's goals (throughput ÷ /healthz's), as bench/page_ratios.py holds the county to them.
QUIET_GOALS = {"api": 0.35, "page": 0.3, "trainee": 0.6}


def quiet_ratios(port: int, data: dict, rounds: int) -> None:
    """The county's measure at the province's size, before the load: one request at a time,
    every endpoint once a round in a shuffled order (bench/page_ratios.py's method), as a
    secretary, the county admin and the province admin of the first county under load."""
    county = data["counties"][0]
    secretary = county["secretaries"][0]

    def browser(session: str | None) -> Client:
        client = Client(port)
        client.headers["Accept"] = "text/html"
        if session:
            client.headers["Cookie"] = f"sessionid={session}"
        return client

    clients = {
        "base": Client(port),
        "api": Client(port, secretary["token"]),
        "page": browser(secretary["session"]),
        "trainee": browser(None),
        "admin api": Client(port, county["admin"]["token"]),
        "admin page": browser(county["admin"]["session"]),
        "province api": Client(port, data["province"]["token"]),
        "province page": browser(data["province"]["session"]),
    }
    endpoints = {
        **county_reads(next(iter(county["lecturers"])), county["trainee_tokens"][0]),
        "GET /api/v1/stats (county admin)": ("admin api", "/api/v1/stats"),
        "GET /dashboard/ (county admin)": ("admin page", "/dashboard/"),
        "GET /api/v1/province/stats": ("province api", "/api/v1/province/stats"),
        "GET /province/": ("province page", "/province/"),
    }
    print(f"\nOne request at a time, {rounds} rounds after 5 warm-up rounds ({county['name']}):")
    try:
        timings = sequential_timings(clients, endpoints, rounds, 5, random.Random(1))
    finally:
        for client in clients.values():
            client.close()
    base = statistics.median(timings[BASELINE_READ])
    print(f"{'request':40} {'median':>9} {'p95':>9} {'÷ healthz':>10} {'goal':>6}")
    for name, (kind, _path) in endpoints.items():
        median = statistics.median(timings[name])
        ratio = base / median
        goal = QUIET_GOALS.get(kind.split()[-1]) if kind != "base" else None
        flag = "" if goal is None or ratio >= goal else "  BELOW GOAL"
        print(f"{name:40} {median:7.1f}ms {p95(timings[name]):7.1f}ms {ratio:10.2f} "
              f"{(f'≥{goal}' if goal else ''):>6}{flag}")  # fmt: skip


def check_pages(port: int) -> None:
    """The bare view answers before the load starts (the scenario reports the rest)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", "/healthz")
    if conn.getresponse().status != 200:
        raise RuntimeError("/healthz does not answer 200")
    conn.close()


def print_build(loader: Loader, seconds: float) -> None:
    print(f"\n{'build step':<34} {'rows':>12} {'seconds':>8}")
    for label, n, spent in loader.steps:
        print(f"{label:<34} {n:>12,} {spent:8.1f}")
    print(f"{'build in all (with the setup)':<34} {'':>12} {seconds:8.1f}")


if __name__ == "__main__":
    run(main)
