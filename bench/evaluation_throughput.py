"""Throughput of trainee submissions (QR evaluation) against a bare one-row insert, in one run.

Run from the repository root:

    .venv/bin/python bench/evaluation_throughput.py [--submissions 600] [--inserts 600]
        [--clients 4] [--workers 2] [--threads 2] [--rounds 2] [--warmup 20]
        [--database-url postgres://postgres@127.0.0.1:5432/postgres]

It builds its own database (SQLite in a temporary directory, or a new PostgreSQL database
jiangtai_bench_<random> on the server of --database-url), runs migrate + seed_demo, adds one
confirmed session of the demo lecturer that started five minutes ago (manage.py shell), serves
it with gunicorn (DEBUG=0, `bench.settings`: the product plus `POST /bench/insert` and a raised
per-address limit) and drives it from K client threads, each with its own keep-alive
connection. Phases alternate: baseline, submissions, baseline, submissions. Every submission
is a different trainee (phone, device cookie, scores). It prints ops/s, median and p99
latency per phase and the ratio submissions ÷ baseline (target ≥ 0.5), checks the stored
rows and aggregates, and cleans up at the end, also on error or Ctrl-C. See bench/README.md.
"""

import argparse
import itertools
import json
import math
import statistics
import subprocess
import sys
import threading
import time

from _server import (
    ROOT,
    Client,
    demo_server,
    parse_throughput_arguments,
    run,
    throughput_arguments,
)
from booking_throughput import OpFailed, Phase, describe, print_errors_and_setup, run_rounds

RATIO_TARGET = 0.5
# Trainees per village hall, sharing one network address (the integrity check reads the
# ratings of one address within a minute around each submission).
HALL_SIZE = 30

# Run in `manage.py shell` with the server's environment: the session every trainee rates.
SETUP = """
import json
from datetime import timedelta
from django.utils import timezone
from accounts.models import User
from courses.models import Course
from evaluation.models import TraineeRating
from evaluation.services import refresh_aggregates, token_for
from lecturers.models import Lecturer
from orgs.models import Membership, Role
from scheduling.models import Booking, BookingStatus

secretary = User.objects.get(username="secretary")
org = Membership.objects.get(user=secretary, role=Role.SECRETARY).org
lecturer = Lecturer.objects.get(user__username="lecturer")
course = Course.objects.filter(lecturer=lecturer).order_by("pk").first()
now = timezone.now()
# A hall's 30 trainees rate within seconds from one address: with the county's default rate
# (10 a minute from one address) they would be held until the attendance list is confirmed,
# which skips the running totals. The rate is raised so that the benchmark measures counted
# submissions, the more expensive path.
from orgs.models import CountySettings
CountySettings.objects.update_or_create(
    county_id=org.county_id, defaults={"rating_burst_per_minute": 32767}
)
# The lecturer's earlier sessions, 40 ratings each: a submission adds to the lecturer's running
# totals without reading them (only a recount after a flag or a review does).
past = Booking.objects.bulk_create(
    Booking(
        county_id=org.county_id, org=org, lecturer=lecturer, course=course,
        start_at=now - timedelta(days=30 + k), end_at=now - timedelta(days=30 + k, hours=-2),
        venue="党群服务中心", expected_attendees=40, classroom="classroom",
        requested_by=secretary, expires_at=now, status=BookingStatus.COMPLETED,
    )
    for k in range(-(-HISTORY // 40))
)
TraineeRating.objects.bulk_create(
    TraineeRating(
        booking=b, county_id=b.county_id, name="往期学员", phone=f"137{k * 40 + j:08d}", content=60 + (k + j) % 41,
        method=70 + j % 31, effect=80 + k % 21, rated_at=b.end_at,
    )
    for k, b in enumerate(past) for j in range(min(40, HISTORY - k * 40))
)
if past:
    refresh_aggregates(past[0])
booking = Booking.objects.create(
    county_id=org.county_id, org=org, lecturer=lecturer, course=course,
    start_at=now - timedelta(minutes=5), end_at=now + timedelta(hours=2),
    venue="县委党校报告厅", expected_attendees=ATTENDEES, classroom="classroom",
    requested_by=secretary, expires_at=now, status=BookingStatus.CONFIRMED,
)
before = TraineeRating.objects.filter(booking__lecturer=lecturer, rated_at__isnull=False).count()
print(json.dumps({"booking": booking.pk, "token": token_for(booking), "lecturer": lecturer.pk,
                  "name": lecturer.name, "course": course.title, "lecturer_ratings": before}))
"""

# Afterwards: what the database holds for that session and lecturer.
CHECK = """
import json
from django.db.models import F, Sum
from evaluation.models import TraineeRating
from evaluation.services import counted_ratings
from lecturers.models import Lecturer

rows = TraineeRating.objects.filter(booking_id=BOOKING)
lecturer = Lecturer.objects.get(pk=LECTURER)
print(json.dumps({
    "rows": rows.count(),
    "phones": rows.values("phone").distinct().count(),
    "flagged": rows.filter(is_flagged=True).count(),
    "counted": counted_ratings().filter(booking__lecturer=lecturer).count(),
    "counted_total": counted_ratings().filter(booking__lecturer=lecturer).aggregate(
        total=Sum(F("content") + F("method") + F("effect")))["total"],
    "rating_count": lecturer.rating_count,
    "rating_total": lecturer.rating_total,
    "score": lecturer.score,
}))
"""


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[math.ceil(0.99 * len(ordered)) - 1]


def shell(env: dict, code: str) -> dict:
    """Run `code` in `manage.py shell` with the server's environment; its last line of output
    is JSON."""
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py shell failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def scores(i: int) -> dict:
    """A different triple for each of the first 96,186 trainees (41, 46 and 51 are pairwise
    coprime), so the "identical scores in a burst" rule never fires."""
    return {"content": 60 + i % 41, "method": 55 + i % 46, "effect": 50 + i % 51}


class Workload:
    def __init__(self, token: str):
        self.path = f"/api/v1/evaluations/{token}"
        self.trainees = itertools.count()
        self.lock = threading.Lock()

    def submission(self, client: Client) -> dict:
        with self.lock:
            i = next(self.trainees)
        body = {"name": f"学员{i:05d}", "phone": f"139{i:08d}", "comment": "", **scores(i)}
        # The client belongs to this thread alone: its own phone's device cookie per request,
        # and its hall's address as nginx would forward it (HALL_SIZE trainees per hall).
        client.headers["Cookie"] = f"jt_device=bench-{i:08d}"
        hall = i // HALL_SIZE
        client.headers["X-Forwarded-For"] = f"10.{hall // 256 % 256}.{hall % 256}.1"
        started = time.perf_counter_ns()
        status, data = client.request("POST", self.path, json.dumps(body).encode())
        if status != 201:
            raise OpFailed(describe("POST /api/v1/evaluations/{token}", status, data))
        return {"submit": (time.perf_counter_ns() - started) / 1e6}


def print_table(phases: list[Phase]) -> None:
    print(
        f"\n{'phase':<5}  {'workload':<34}  {'ops':>5}  {'errors':>6}  {'time s':>6}  "
        f"{'ops/s':>7}  {'median ms':>9}  {'p99 ms':>7}"
    )
    for number, ph in enumerate(phases, 1):
        median = statistics.median(ph.latencies) if ph.latencies else float("nan")
        tail = p99(ph.latencies) if ph.latencies else float("nan")
        print(
            f"{number:<5}  {ph.label:<34}  {ph.ops:>5}  {ph.failed:>6}  {ph.wall:6.2f}  "
            f"{ph.ops_per_s:7.1f}  {median:9.1f}  {tail:7.1f}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=600, help="submissions per phase")
    parser.add_argument(
        "--history",
        type=int,
        default=2000,
        help="earlier ratings of the lecturer (sessions of 40)",
    )
    throughput_arguments(parser, inserts=600, pairs="submissions")
    args = parse_throughput_arguments(
        parser, {"submissions": (1, 40_000), "history": (0, 1_000_000)}
    )

    with demo_server(
        workers=args.workers,
        threads=args.threads,
        settings_module="bench.settings",
        database_url=args.database_url,
    ) as server:
        return measure(args, server)


def measure(args, server) -> int:
    total = args.warmup + args.rounds * args.submissions
    # Room for every submission: the "more ratings than expected attendees" rule stays quiet.
    setup = SETUP.replace("ATTENDEES", str(total + 10)).replace("HISTORY", str(args.history))
    session = shell(server.env, setup)
    print(
        f"Session {session['booking']} of lecturer {session['lecturer']} ({session['name']}, "
        f"{session['course']}), started 5 minutes ago; the lecturer has "
        f"{session['lecturer_ratings']} earlier ratings (--history)"
    )
    work = Workload(session["token"])

    intro = (
        f"\n{args.rounds} rounds of {args.inserts} baseline inserts then {args.submissions} "
        f"trainee submissions (each a new phone and device → 201), {args.clients} client "
        f"threads, one keep-alive connection each"
    )
    workload = Phase("submissions: POST /evaluations/{t}", 1, args.submissions)
    rounds = run_rounds(args, server, workload, work.submission, intro, print_table)
    if rounds is None:
        return 1
    phases = rounds.phases

    baselines, submissions = phases[0::2], phases[1::2]
    print(f"\n{'submissions ÷ baseline':<24}  {'ratio':>6}")
    for number, (b, s) in enumerate(zip(baselines, submissions, strict=True), 1):
        print(f"{'round ' + str(number):<24}  {s.ops_per_s / b.ops_per_s:6.3f}")
    base_rate = sum(p.done for p in baselines) / sum(p.wall for p in baselines)
    eval_rate = sum(p.done for p in submissions) / sum(p.wall for p in submissions)
    ratio = eval_rate / base_rate
    eval_ms = [ms for p in submissions for ms in p.latencies]
    base_ms = [ms for p in baselines for ms in p.latencies]
    print(f"{'all rounds':<24}  {ratio:6.3f}  (target ≥ {RATIO_TARGET})")
    print(
        f"Submissions: {eval_rate:.1f}/s, median {statistics.median(eval_ms):.1f} ms, "
        f"p99 {p99(eval_ms):.1f} ms. Baseline: {base_rate:.1f}/s, median "
        f"{statistics.median(base_ms):.1f} ms, p99 {p99(base_ms):.1f} ms."
    )

    failed = sum(p.failed for p in phases)
    ok = sum(p.done for p in submissions) + (rounds.warmup.done if rounds.warmup else 0)
    stored = shell(
        server.env,
        CHECK.replace("BOOKING", str(session["booking"])).replace(
            "LECTURER", str(session["lecturer"])
        ),
    )
    print(
        f"\nErrors: {failed} of {sum(p.ops for p in phases)} measured ops. Stored for the "
        f"session: {stored['rows']} ratings from {stored['phones']} phones (expected {ok}), "
        f"{stored['flagged']} flagged. Lecturer: rating_count {stored['rating_count']} "
        f"(counted ratings {stored['counted']}), rating_total {stored['rating_total']} "
        f"(their sum {stored['counted_total']}), score {stored['score']}."
    )
    print_errors_and_setup(args, server, phases)
    mismatch = (
        stored["rows"] != ok
        or stored["phones"] != ok
        or stored["flagged"]
        or stored["rating_count"] != stored["counted"]
        or stored["rating_total"] != stored["counted_total"]
    )
    if mismatch:
        print("MISMATCH: the stored ratings or the lecturer's totals differ from the submissions.")
        return 1
    if ratio < RATIO_TARGET:
        print(f"BELOW TARGET: ratio {ratio:.3f} < {RATIO_TARGET}.")
    return 0


if __name__ == "__main__":
    run(main)
