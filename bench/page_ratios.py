"""Throughput of the API lists, the list pages and the trainee page against /healthz, the
ranking's cost with ten times the ratings, compression and memory, measured in one run
(issue 18's table).

Run from the repository root:

    .venv/bin/python bench/page_ratios.py [--requests 100] [--warmup 10] [--seed 1]

It builds its own SQLite database in a temporary directory (migrate + seed_demo), serves it
with gunicorn (1 worker, 1 thread, DEBUG=0, jiangtai/gunicorn_conf.py as `manage.py serve`
uses it) and times sequential requests from one client, every endpoint once per round in a
shuffled order. Each endpoint's throughput ÷ /healthz's is median(healthz) ÷ median(it). See
bench/README.md.
"""

import argparse
import http.client
import json
import platform
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from _server import (
    BASELINE_READ,
    HOST,
    ROOT,
    Client,
    county_reads,
    demo_server,
    get_token,
    p95,
    run,
    sequential_timings,
)

# The goals: throughput ÷ /healthz's at least this, p95 under 50 ms for the API.
GOALS = {"api": 0.35, "page": 0.3, "trainee": 0.6}
# What the issue measured before (throughput ÷ /healthz), quoted beside today's figures.
BASELINE = {"api": "0.13–0.21", "page": "0.07–0.14", "trainee": "0.32"}

# A confirmed session under way, its trainee page's token; then 9× the demo's ratings.
SESSION = """
import json
from datetime import timedelta
from django.utils import timezone
from accounts.models import User
from courses.models import Course
from evaluation.services import token_for
from lecturers.models import Lecturer
from scheduling.models import Booking, BookingStatus
secretary = User.objects.get(username="secretary")
org = secretary.memberships.first().org
lecturer = Lecturer.objects.get(user__username="lecturer")
course = Course.objects.filter(lecturer=lecturer).order_by("pk").first()
now = timezone.now()
booking = Booking.objects.create(
    county_id=org.county_id, org=org, lecturer=lecturer, course=course,
    start_at=now - timedelta(minutes=5), end_at=now + timedelta(hours=2),
    venue="党群服务中心", expected_attendees=50, classroom="classroom",
    requested_by=secretary, expires_at=now, status=BookingStatus.CONFIRMED,
)
print(json.dumps({"token": token_for(booking), "lecturer": lecturer.pk}))
"""

MORE_RATINGS = """
import json
from evaluation.models import TraineeRating
from evaluation.services import counted_ratings, refresh_aggregates
from scheduling.models import Booking
before = counted_ratings().count()
rows, touched = [], set()
for k, r in enumerate(counted_ratings().iterator()):
    for j in range(FACTOR - 1):
        rows.append(TraineeRating(
            booking_id=r.booking_id, county_id=r.county_id, name=r.name, phone=f"1{k:07d}{j:02d}"[:11].ljust(11, "0"),
            content=r.content, method=r.method, effect=r.effect, rated_at=r.rated_at,
        ))
    touched.add(r.booking_id)
TraineeRating.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
for booking in Booking.objects.filter(pk__in=touched):
    refresh_aggregates(booking)
print(json.dumps({"before": before, "after": counted_ratings().count()}))
"""


def shell(env: dict, code: str) -> dict:
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"manage.py shell failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


class PageClient(Client):
    """A logged-in browser: the session and CSRF cookies of a form login."""

    def __init__(self, port: int, username: str, password: str):
        super().__init__(port)
        self.headers = {"Accept": "text/html", "Connection": "keep-alive"}
        self.cookies: dict[str, str] = {}
        self._get_cookies("GET", "/accounts/login/")
        status, page = self.request("GET", "/accounts/login/")
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if found is None:
            raise RuntimeError(f"login page: {status} {self.last_response.headers} {page[:300]!r}")
        csrf = found.group(1).decode()
        form = urlencode({"username": username, "password": password,
                          "csrfmiddlewaretoken": csrf}).encode()  # fmt: skip
        self._get_cookies("POST", "/accounts/login/", form)
        if "sessionid" not in self.cookies:
            raise RuntimeError("page login failed")

    def _get_cookies(self, method, path, body=None):
        headers = {**self.headers, "Cookie": self._cookie_header()}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{HOST}/accounts/login/"
        conn = http.client.HTTPConnection(HOST, self.conn.port, timeout=30)
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";")[0]
        conn.close()

    def _cookie_header(self):
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(self, method, path, body=None, *, token=None):
        self.headers["Cookie"] = self._cookie_header()
        return super().request(method, path, body)


def pss_mib(pid: int) -> float:
    """Proportional set size of gunicorn's master and workers (shared pages split among
    them), from /proc; 0 where /proc has no smaps_rollup."""
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
        total = 0
        for p in pids:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        return total / 1024
    except OSError:
        return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100, help="measured rounds")
    parser.add_argument("--warmup", type=int, default=10, help="warm-up rounds")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--factor", type=int, default=10, help="ratings multiplied by this")
    args = parser.parse_args()
    if not (1 <= args.requests <= 10_000 and 0 <= args.warmup <= 1_000 and 2 <= args.factor <= 50):
        parser.error("--requests 1..10000, --warmup 0..1000, --factor 2..50")
    rng = random.Random(args.seed)
    with demo_server(workers=1, threads=1, collectstatic=True) as server:
        made = shell(server.env, SESSION)
        token, lecturer = made["token"], made["lecturer"]
        api = Client(server.port, get_token(server.port, "secretary", server.password))
        pages = PageClient(server.port, "secretary", server.password)
        anonymous = Client(server.port)
        anonymous.headers["Accept"] = "text/html"
        clients = {"api": api, "page": pages, "trainee": anonymous, "base": anonymous}
        endpoints = county_reads(lecturer, token)
        timings = sequential_timings(clients, endpoints, args.requests, args.warmup, rng)
        base = statistics.median(timings[BASELINE_READ])
        print(
            f"\n{args.requests} rounds, {args.warmup} warm-up; Python {platform.python_version()}"
        )
        print(
            f"{'request':34} {'median':>8} {'p95':>8} {'÷ healthz':>10} {'goal':>6} {'issue':>10}"
        )
        for name, (kind, _path) in endpoints.items():
            median = statistics.median(timings[name])
            ratio = base / median
            goal = GOALS.get(kind)
            flag = "" if goal is None or ratio >= goal else "  BELOW GOAL"
            print(f"{name:34} {median:7.1f}ms {p95(timings[name]):7.1f}ms {ratio:10.2f} "
                  f"{(f'≥{goal}' if goal else ''):>6} {BASELINE.get(kind, ''):>10}{flag}")  # fmt: skip

        # Compression: the same list page with and without Accept-Encoding.
        plain = pages.request("GET", "/lecturers/")[1]
        pages.headers["Accept-Encoding"] = "gzip"
        packed = pages.request("GET", "/lecturers/")[1]
        encoding = pages.last_response.getheader("Content-Encoding")
        del pages.headers["Accept-Encoding"]
        if encoding == "gzip":
            print(f"\n/lecturers/: {len(plain):,} bytes, gzipped {len(packed):,} "
                  f"({len(packed) / len(plain):.0%})")  # fmt: skip
        else:
            print(f"\n/lecturers/: NOT COMPRESSED (Content-Encoding {encoding})")
        # The stylesheets the page waits for before its first render, as a phone receives them.
        sheets = re.findall(rb'<link rel="stylesheet" href="([^"]+)"', plain)
        sizes = []
        for href in sheets:
            anonymous.headers["Accept-Encoding"] = "gzip"
            sizes.append(len(anonymous.request("GET", href.decode())[1]))
            del anonymous.headers["Accept-Encoding"]
        print(f"Render-blocking stylesheets of /lecturers/: {len(sheets)}, {sum(sizes):,} bytes "
              f"as sent gzipped ({', '.join(h.decode().rsplit('/', 1)[-1] for h in sheets)})")  # fmt: skip
        body = api.request("GET", "/api/v1/lecturers")[1]
        escaped = "NO (\\u escapes)" if b"\\u" in body else "yes"
        print(f"/api/v1/lecturers: Chinese as raw UTF-8: {escaped}")

        # Rankings: the same request before and after multiplying the ratings.
        ranking = {"r": ("api", "/api/v1/rankings/lecturers")}
        before = statistics.median(sequential_timings(clients, ranking, args.requests, 5, rng)["r"])
        started = time.perf_counter()
        counts = shell(server.env, MORE_RATINGS.replace("FACTOR", str(args.factor)))
        added = time.perf_counter() - started
        after = statistics.median(sequential_timings(clients, ranking, args.requests, 5, rng)["r"])
        print(f"\nRanking with {counts['before']:,} counted ratings: {before:.1f} ms; with "
              f"{counts['after']:,} ({added:.0f} s to add): {after:.1f} ms; "
              f"after ÷ before = {after / before:.2f} (goal: flat)")  # fmt: skip
        print(f"gunicorn master + 1 worker, proportional memory: {pss_mib(server.pid):.0f} MiB")
        for client in (api, pages, anonymous):
            client.close()
    return 0


if __name__ == "__main__":
    run(main)
