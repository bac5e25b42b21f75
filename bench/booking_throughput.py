"""Throughput of booking creation + acceptance against a bare one-row insert, measured in one run.

Run from the repository root:

    .venv/bin/python bench/booking_throughput.py [--bookings 400] [--inserts 800] [--clients 4]
        [--workers 2] [--threads 2] [--rounds 2] [--warmup 20]
        [--database-url postgres://postgres@127.0.0.1:5432/postgres]

It builds its own database (SQLite in a temporary directory, or a new PostgreSQL database
jiangtai_bench_<random> on the server of --database-url), runs migrate + seed_demo, serves it
with gunicorn (DEBUG=0, `bench.settings`: the product plus `POST /bench/insert`) on a free
loopback port and drives it from K client threads, each with its own keep-alive connection.
Phases alternate: baseline, bookings, baseline, bookings. It stops gunicorn, drops the
PostgreSQL database and removes the directory at the end, also on error or Ctrl-C.
See bench/README.md.
"""

import argparse
import http.client
import itertools
import json
import math
import os
import platform
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from _server import (
    Client,
    demo_server,
    get_token,
    p95,
    parse_throughput_arguments,
    run,
    throughput_arguments,
)

MAX_FAILURE_SHARE = 0.01  # abort when more than 1% of a phase's operations fail
SLOTS_PER_DAY = 8  # 08:00 … 15:00, one hour each
FIRST_DAY = 3  # days from today; the county's default notice is 24 h
CHINA = timezone(timedelta(hours=8))  # the demo county's zone (Asia/Shanghai, no DST)
JOIN_SECONDS = 600  # a phase that takes longer than this is reported as stuck


class OpFailed(Exception):
    """An unexpected status; the message says which request and what the server answered."""


def describe(step: str, status: int, data: bytes) -> str:
    try:
        body = json.loads(data)
        said = body.get("code") or body.get("detail") or str(body)[:120]
        detail = body.get("detail", "")
        said = f"{said}: {detail}" if detail and detail != said else said
        if body.get("fields"):
            said += f" {json.dumps(body['fields'], ensure_ascii=False)[:200]}"
    except ValueError:
        said = data[:120].decode(errors="replace").strip().replace("\n", " ")
    return f"{step} → {status} {said}"


@dataclass
class Phase:
    label: str
    requests_per_op: int
    ops: int
    done: int = 0
    wall: float = 0.0
    latencies: list = field(default_factory=list)  # ms per successful operation
    steps: dict = field(default_factory=dict)  # ms per request kind
    errors: Counter = field(default_factory=Counter)
    closed_by_server: int = 0
    workers: Counter = field(default_factory=Counter)  # worker pid → connections it served

    @property
    def failed(self) -> int:
        return sum(self.errors.values())

    @property
    def ops_per_s(self) -> float:
        return self.done / self.wall if self.wall else 0.0


class Workload:
    """What one operation does. Slots are handed out once per run, so no two bookings overlap."""

    def __init__(self, sec_token, lec_token, org_id, lecturer_id, course_id):
        self.sec_token, self.lec_token = sec_token, lec_token
        self.org_id, self.lecturer_id, self.course_id = org_id, lecturer_id, course_id
        today = datetime.now(CHINA).date()
        self.first = datetime(today.year, today.month, today.day, tzinfo=CHINA) + timedelta(
            days=FIRST_DAY
        )
        self.slots = itertools.count()
        self.lock = threading.Lock()

    def next_slot(self) -> tuple[datetime, datetime]:
        with self.lock:
            i = next(self.slots)
        start = self.first + timedelta(days=i // SLOTS_PER_DAY, hours=8 + i % SLOTS_PER_DAY)
        return start, start + timedelta(hours=1)

    def booking(self, client: Client) -> dict:
        start, end = self.next_slot()
        body = {
            "org_id": self.org_id,
            "lecturer_id": self.lecturer_id,
            "course_id": self.course_id,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "venue": "党群服务中心二楼会议室",
            "expected_attendees": 30,
            "classroom": "classroom",
        }
        t0 = time.perf_counter_ns()
        status, data = client.request(
            "POST", "/api/v1/bookings", json.dumps(body).encode(), token=self.sec_token
        )
        t1 = time.perf_counter_ns()
        if status != 201:
            raise OpFailed(describe("POST /api/v1/bookings", status, data))
        booking_id = json.loads(data)["id"]
        status, data = client.request(
            "POST", f"/api/v1/bookings/{booking_id}/accept", token=self.lec_token
        )
        t2 = time.perf_counter_ns()
        if status != 200:
            raise OpFailed(describe("POST /api/v1/bookings/{id}/accept", status, data))
        if json.loads(data).get("status") != "confirmed":
            raise OpFailed(f"accept → 200 but status {json.loads(data).get('status')!r}")
        return {"create": (t1 - t0) / 1e6, "accept": (t2 - t1) / 1e6}


class Spread:
    """Deals the phase's keep-alive connections evenly over the gunicorn workers, as a proxy
    in front of them does over time: a gthread worker serves only the connections it
    accepted, and which worker accepts one is the kernel's choice, so a phase may otherwise
    run on one worker (4+0) while the next runs on both (2+2), each at its own speed."""

    ATTEMPTS = 50

    def __init__(self, clients: int, workers: int):
        self.share = math.ceil(clients / workers)
        self.taken = Counter()
        self.lock = threading.Lock()

    def place(self, client: Client) -> None:
        """Reconnects `client` until its worker has fewer than its share of connections
        (after ATTEMPTS tries it keeps the last one; the table's conns/worker shows it)."""
        for _attempt in range(self.ATTEMPTS):
            status, _data = client.request("GET", "/healthz")
            pid = client.last_response.getheader("X-Bench-Worker")
            if status != 200 or pid is None:
                raise RuntimeError(f"GET /healthz → {status} without a worker's pid")
            with self.lock:
                if self.taken[pid] < self.share:
                    self.taken[pid] += 1
                    return
            client.close()  # the next request opens a new connection
        with self.lock:
            self.taken[pid] += 1


def run_phase(
    port: int,
    clients: int,
    phase: Phase,
    op: Callable[[Client], dict],
    spread: Callable[[], Spread | None] = lambda: None,
) -> Phase:
    """`phase.ops` operations from `clients` threads, each with its own connection, dealt
    over the workers by a fresh `spread()` when it gives one."""
    counter = itertools.count()
    lock = threading.Lock()
    stop = threading.Event()
    barrier = threading.Barrier(clients + 1)
    dealer = spread()

    def worker():
        client = Client(port)
        pids = set()
        try:
            if dealer is not None:
                dealer.place(client)
            barrier.wait(timeout=30)
            while not stop.is_set():
                with lock:
                    index = next(counter)
                if index >= phase.ops:
                    break
                started = time.perf_counter_ns()
                try:
                    steps = op(client)
                except OpFailed as exc:
                    with lock:
                        phase.errors[str(exc)] += 1
                    continue
                except (OSError, http.client.HTTPException) as exc:
                    with lock:
                        phase.errors[f"connection: {type(exc).__name__}: {exc}"] += 1
                    continue
                elapsed = (time.perf_counter_ns() - started) / 1e6
                pids.add(client.last_response.getheader("X-Bench-Worker"))
                with lock:
                    phase.done += 1
                    phase.latencies.append(elapsed)
                    for name, ms in steps.items():
                        phase.steps.setdefault(name, []).append(ms)
        except Exception as exc:  # a bug in the benchmark itself: show it, do not hang
            with lock:
                phase.errors[f"client thread: {type(exc).__name__}: {exc}"] += 1
        finally:
            with lock:
                phase.closed_by_server += client.closed_by_server
                phase.workers.update(pids)
            client.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    try:
        barrier.wait(timeout=30)
        started = time.perf_counter()
        deadline = time.monotonic() + JOIN_SECONDS
        for t in threads:
            t.join(timeout=max(0.0, deadline - time.monotonic()))
        phase.wall = time.perf_counter() - started
        if any(t.is_alive() for t in threads):
            raise RuntimeError(f"{phase.label}: client threads still busy after {JOIN_SECONDS} s")
    finally:
        stop.set()  # also on Ctrl-C: the threads stop after their current request
    return phase


def split(phase: Phase, workers: int) -> str:
    """Client connections per gunicorn worker, e.g. 2+2 (a worker's threads serve only the
    connections that worker accepted)."""
    counts = sorted(phase.workers.values(), reverse=True)
    return "+".join(str(n) for n in counts + [0] * (workers - len(counts)))


def print_table(phases: list[Phase], workers: int) -> None:
    print(
        f"\n{'phase':<5}  {'workload':<28}  {'ops':>5}  {'errors':>6}  {'time s':>6}  "
        f"{'ops/s':>7}  {'req/s':>7}  {'median ms':>9}  {'p95 ms':>7}  conns/worker"
    )
    for number, ph in enumerate(phases, 1):
        median = statistics.median(ph.latencies) if ph.latencies else float("nan")
        tail = p95(ph.latencies) if ph.latencies else float("nan")
        print(
            f"{number:<5}  {ph.label:<28}  {ph.ops:>5}  {ph.failed:>6}  {ph.wall:6.2f}  "
            f"{ph.ops_per_s:7.1f}  {ph.ops_per_s * ph.requests_per_op:7.1f}  "
            f"{median:9.1f}  {tail:7.1f}  {split(ph, workers)}"
        )


def report_errors(phase: Phase, server) -> None:
    print(f"\n{phase.label}: {phase.failed} of {phase.ops} operations failed:")
    for message, n in phase.errors.most_common(10):
        print(f"  {n:>5} × {message}")
    tail = server.log_tail(40)
    if tail.strip():
        print(f"\nLast lines of the gunicorn log ({server.log_path.name}):\n{tail}")


BASELINE_LABEL = "baseline: POST /bench/insert"


def baseline_insert(client: Client) -> dict:
    """The baseline operation of every throughput benchmark: one bare row (bench/urls.py)."""
    started = time.perf_counter_ns()
    status, data = client.request("POST", "/bench/insert", b"{}")
    if status != 200:
        raise OpFailed(describe("POST /bench/insert", status, data))
    return {"insert": (time.perf_counter_ns() - started) / 1e6}


@dataclass
class Rounds:
    warmup: Phase | None  # the workload's unreported warm-up phase
    phases: list[Phase]  # baseline, workload, baseline, workload, …


def run_rounds(args, server, workload: Phase, op, intro: str, show) -> Rounds | None:
    """--warmup unreported operations of each kind, then `intro`, then --rounds pairs of
    phases: --inserts baseline inserts, then the `workload` phase of `op`. `show(phases)`
    prints the table. None when a phase failed too often (its errors and the end of the
    server's log are printed)."""
    port, clients = server.port, args.clients
    # A sync worker (one thread) closes the connection after each response: nothing to deal.
    spread = (lambda: Spread(clients, args.workers)) if args.threads > 1 else (lambda: None)
    warm = None
    if args.warmup:
        base = run_phase(port, clients, Phase(BASELINE_LABEL, 1, args.warmup), baseline_insert, spread)  # fmt: skip
        warm = run_phase(port, clients, Phase(workload.label, workload.requests_per_op, args.warmup), op, spread)  # fmt: skip
        print(f"Warm-up (not reported): {args.warmup} ops of each kind")
        for ph in (base, warm):
            if ph.failed > MAX_FAILURE_SHARE * ph.ops:
                report_errors(ph, server)
                return None
    print(intro)
    phases: list[Phase] = []
    for _round in range(args.rounds):
        for phase, phase_op in (
            (Phase(BASELINE_LABEL, 1, args.inserts), baseline_insert),
            (Phase(workload.label, workload.requests_per_op, workload.ops), op),
        ):
            ph = run_phase(port, clients, phase, phase_op, spread)
            phases.append(ph)
            if ph.failed > MAX_FAILURE_SHARE * ph.ops:
                show(phases)
                report_errors(ph, server)
                print(f"\nAborted: more than {MAX_FAILURE_SHARE:.0%} of the operations failed.")
                return None
    show(phases)
    return Rounds(warm, phases)


def print_errors_and_setup(args, server, phases: list[Phase]) -> None:
    """The most common errors of each phase, then what the run ran on."""
    for ph in phases:
        for message, n in ph.errors.most_common(5):
            print(f"  {ph.label}: {n} × {message}")
    worker_class = "gthread" if args.threads > 1 else "sync"
    print(
        f"Python {platform.python_version()}, {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs shared by server and clients, {server.engine}, "
        f"CONN_MAX_AGE={server.env.get('CONN_MAX_AGE', '0')}, gunicorn {args.workers} workers "
        f"× {args.threads} threads ({worker_class}), {args.clients} client threads"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=400, help="booking ops per phase")
    throughput_arguments(parser, inserts=800, pairs="bookings")
    args = parse_throughput_arguments(parser, {"bookings": (1, 20_000)})

    with demo_server(
        workers=args.workers,
        threads=args.threads,
        settings_module="bench.settings",
        database_url=args.database_url,
    ) as server:
        return measure(args, server)


def measure(args, server) -> int:
    port = server.port
    sec_token = get_token(port, "secretary", server.password)
    lec_token = get_token(port, "lecturer", server.password)
    sec, lec = Client(port, sec_token), Client(port, lec_token)
    try:
        roles = sec.get_json("/api/v1/me")["roles"]
        org_id = next(r["org_id"] for r in roles if r["role"] == "secretary")
        lecturer_id = lec.get_json("/api/v1/me")["lecturer_id"]
        courses = lec.get_json(f"/api/v1/courses?lecturer_id={lecturer_id}")["items"]
        confirmed_path = "/api/v1/bookings?status=confirmed&side=lecturer&page_size=1"
        confirmed_before = lec.get_json(confirmed_path)["count"]
    finally:
        sec.close()
        lec.close()
    if lecturer_id is None or not courses:
        raise RuntimeError("the demo lecturer has no lecturer record or no course")
    work = Workload(sec_token, lec_token, org_id, lecturer_id, courses[0]["id"])
    print(
        f"Booking as secretary for org {org_id}: lecturer {lecturer_id}, course "
        f"{courses[0]['id']} ({courses[0]['title']}); slots from "
        f"{work.first:%Y-%m-%d} 08:00 +08:00, {SLOTS_PER_DAY} one-hour slots a day"
    )

    intro = (
        f"\n{args.rounds} rounds of {args.inserts} baseline inserts then {args.bookings} booking "
        f"ops (one op = POST /api/v1/bookings → 201, then POST /api/v1/bookings/{{id}}/accept "
        f"→ 200), {args.clients} client threads, one keep-alive connection each"
    )
    workload = Phase("bookings: create+accept", 2, args.bookings)
    rounds = run_rounds(
        args,
        server,
        workload,
        work.booking,
        intro,
        lambda phases: print_table(phases, args.workers),
    )
    if rounds is None:
        return 1
    phases = rounds.phases

    baselines, bookings = phases[0::2], phases[1::2]
    print("\nbooking steps, per request (ms):")
    for number, ph in enumerate(bookings, 1):
        parts = [
            f"{name} median {statistics.median(ms):.1f}, p95 {p95(ms):.1f}"
            for name, ms in ph.steps.items()
        ]
        print(f"  round {number}: {'; '.join(parts)}")

    print(f"\n{'bookings ÷ baseline':<20}  {'ops/s':>7}  {'requests/s':>10}")
    for number, (b, k) in enumerate(zip(baselines, bookings, strict=True), 1):
        ratio = k.ops_per_s / b.ops_per_s
        print(f"{'round ' + str(number):<20}  {ratio:7.3f}  {2 * ratio:10.3f}")
    base_rate = sum(p.done for p in baselines) / sum(p.wall for p in baselines)
    book_rate = sum(p.done for p in bookings) / sum(p.wall for p in bookings)
    print(f"{'all rounds':<20}  {book_rate / base_rate:7.3f}  {2 * book_rate / base_rate:10.3f}")
    print(
        f"One booking op is two requests: {book_rate:.1f} booking ops/s = "
        f"{2 * book_rate:.1f} requests/s against {base_rate:.1f} baseline requests/s."
    )

    failed = sum(p.failed for p in phases)
    ok_bookings = sum(p.done for p in bookings) + (rounds.warmup.done if rounds.warmup else 0)
    lec = Client(port, lec_token)
    try:
        confirmed = lec.get_json(confirmed_path)["count"] - confirmed_before
    finally:
        lec.close()
    total_requests = sum(p.done * p.requests_per_op for p in phases)
    closed = sum(p.closed_by_server for p in phases)
    print(
        f"\nErrors: {failed} of {sum(p.ops for p in phases)} measured ops. Confirmed bookings "
        f"created: {confirmed} (expected {ok_bookings}). The server closed the connection "
        f"after {closed} of about {total_requests} responses."
    )
    print_errors_and_setup(args, server, phases)
    if confirmed != ok_bookings:
        print("MISMATCH: confirmed bookings differ from the successful booking ops.")
        return 1
    return 0


if __name__ == "__main__":
    run(main)
