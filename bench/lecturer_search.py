"""Latency of the lecturer search API against a one-query Django view, measured in one run.

Run from the repository root:

    .venv/bin/python bench/lecturer_search.py [--requests 300] [--warmup 30] [--seed 1]

It builds its own SQLite database in a temporary directory (migrate + seed_demo), serves it
with gunicorn (1 worker, 1 thread, DEBUG=0) on a free loopback port, and times requests from
one client, sequentially, endpoints shuffled within every round. It stops gunicorn and removes
the directory at the end, also on error or Ctrl-C. See bench/README.md.
"""

import argparse
import http.client
import json
import math
import os
import platform
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
STARTUP_SECONDS = 30
SPECIALTY_WORD = "乡村振兴"
INITIALS = "zs"  # used when it finds someone; otherwise the initials of the looked-for lecturer


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def run_manage(env: dict, *args: str) -> str:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    print(f"  manage.py {' '.join(args)}: {time.perf_counter() - started:.1f} s")
    return done.stdout


class Client:
    """One http.client connection, reused while the server keeps it open."""

    def __init__(self, port: int, token: str | None = None):
        self.conn = http.client.HTTPConnection(HOST, port, timeout=30)
        self.headers = {"Accept": "application/json", "Connection": "keep-alive"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        self.closed_by_server = 0

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        if response.will_close:
            self.closed_by_server += 1
            self.conn.close()  # http.client reconnects on the next request
        return response.status, data

    def get_json(self, path: str) -> dict:
        status, data = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path} → {status}: {data[:300]!r}")
        return json.loads(data)

    def close(self):
        self.conn.close()


def wait_healthy(port: int, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}:\n{log_path.read_text()}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
            conn.close()
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn not healthy after {STARTUP_SECONDS} s:\n{log_path.read_text()}")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=5)


def pad(text: str, width: int) -> str:
    """Left-align in a terminal, where CJK characters take two columns."""
    shown = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - shown)


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


def measure(client: Client, endpoints: dict, n: int, warmup: int, rng: random.Random) -> dict:
    """Sequential requests; every round runs each endpoint once, in a shuffled order."""
    timings = {name: [] for name in endpoints}
    names = list(endpoints)
    for round_no in range(warmup + n):
        rng.shuffle(names)
        for name in names:
            started = time.perf_counter_ns()
            status, body = client.request("GET", endpoints[name])
            elapsed = time.perf_counter_ns() - started
            if status != 200:
                raise RuntimeError(f"{name}: GET {endpoints[name]} → {status}: {body[:300]!r}")
            if round_no >= warmup:
                timings[name].append(elapsed / 1e6)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="measured requests per endpoint")
    parser.add_argument("--warmup", type=int, default=30, help="warm-up requests per endpoint")
    parser.add_argument("--seed", type=int, default=1, help="seed of the request order")
    args = parser.parse_args()
    if not (1 <= args.requests <= 100_000 and 0 <= args.warmup <= 10_000):
        parser.error("--requests must be 1..100000 and --warmup 0..10000")

    # SIGTERM (and SIGINT, even where a shell started us with it ignored) unwind through
    # `finally`, so gunicorn is stopped and the temporary directory removed.
    def interrupted(signum, frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)

    sys.path.insert(0, str(ROOT))
    from lecturers.pinyin import pinyin_keys  # the same keys the catalogue stores

    tmp = Path(tempfile.mkdtemp(prefix="jiangtai-bench-"))
    server = None
    client = None
    try:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "jiangtai.settings",
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "MEDIA_ROOT": str(tmp / "media"),
            "LOG_LEVEL": "WARNING",
        }
        password = env.get("JIANGTAI_DEMO_PASSWORD", "demo-pass-2026")
        print(f"Temporary database: {tmp}/bench.sqlite3")
        run_manage(env, "migrate", "--noinput", "-v", "0")
        run_manage(env, "seed_demo")

        port = free_port()
        log_path = tmp / "gunicorn.log"
        with open(log_path, "wb") as log:
            server = subprocess.Popen(
                [
                    sys.executable, "-m", "gunicorn", "jiangtai.wsgi:application",
                    "--bind", f"{HOST}:{port}", "--workers", "1", "--threads", "1",
                ],
                cwd=ROOT,
                env={**env, "DEBUG": "0"},
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_healthy(port, server, log_path)
        print(f"gunicorn pid {server.pid} on {HOST}:{port} (1 worker, 1 thread, DEBUG=0)")

        login = Client(port)
        status, data = login.request(
            "POST",
            "/api/v1/auth/token",
            json.dumps({"username": "secretary", "password": password}).encode(),
        )
        login.close()
        if status != 200:
            raise RuntimeError(f"token for secretary → {status}: {data[:300]!r}")
        client = Client(port, json.loads(data)["token"])

        # A lecturer to look for: the first by name order; its keys as the catalogue stores them.
        first = client.get_json("/api/v1/lecturers?" + urlencode({"sort": "name", "page_size": 1}))
        name = first["items"][0]["name"]
        pinyin, initials = pinyin_keys(name)
        if client.get_json(f"/api/v1/lecturers?q={INITIALS}")["count"]:
            initials = INITIALS
        endpoints = {
            "healthz (baseline)": "/healthz",
            f"q={pinyin} (pinyin)": f"/api/v1/lecturers?q={quote(pinyin)}",
            f"q={SPECIALTY_WORD} (specialty)": f"/api/v1/lecturers?q={quote(SPECIALTY_WORD)}",
            f"q={initials} (initials)": f"/api/v1/lecturers?q={quote(initials)}",
            "no q (all)": "/api/v1/lecturers",
        }
        print(f"Lecturer looked for: {name} → pinyin {pinyin!r}; initials searched: {initials!r}")
        for label, path in endpoints.items():
            if path.startswith("/api/"):
                found = client.get_json(path)
                print(f"  {label}: {found['count']} found, {len(found['items'])} on the page")
                if not found["items"]:
                    raise RuntimeError(f"{label} finds nothing; the benchmark would be meaningless")

        print(
            f"\n{args.requests} requests per endpoint after {args.warmup} warm-up, sequential, "
            f"one client, order shuffled each round (seed {args.seed})"
        )
        client.closed_by_server = 0
        timings = measure(client, endpoints, args.requests, args.warmup, random.Random(args.seed))
        total = (args.requests + args.warmup) * len(endpoints)

        base = statistics.median(timings["healthz (baseline)"])
        width = 2 + max(len(label) for label in endpoints)
        print(f"\n{pad('endpoint', width)}  {'median ms':>9}  {'p95 ms':>8}  {'× baseline':>10}")
        for label, samples in timings.items():
            median = statistics.median(samples)
            print(f"{pad(label, width)}  {median:9.2f}  {p95(samples):8.2f}  {median / base:10.1f}")
        print(
            f"\nServer closed the connection after {client.closed_by_server} of {total} responses "
            "(gunicorn's sync worker does not keep connections alive, so every request pays "
            "one loopback TCP connect, the same for all endpoints)."
            if client.closed_by_server
            else "\nOne keep-alive connection served every request."
        )
        print(
            f"Python {platform.python_version()}, {platform.system()} {platform.machine()}, "
            f"{os.cpu_count()} CPUs, SQLite, CONN_MAX_AGE={env.get('CONN_MAX_AGE', '0')}"
        )
        return 0
    finally:
        if client is not None:
            client.close()
        if server is not None:
            stop(server)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
