"""Latency of the lecturer search API against a one-query Django view, measured in one run.

Run from the repository root:

    .venv/bin/python bench/lecturer_search.py [--requests 300] [--warmup 30] [--seed 1]

It builds its own SQLite database in a temporary directory (migrate + seed_demo), serves it
with gunicorn (1 worker, 1 thread, DEBUG=0) on a free loopback port, and times requests from
one client, sequentially, endpoints shuffled within every round. It stops gunicorn and removes
the directory at the end, also on error or Ctrl-C. See bench/README.md.
"""

import argparse
import os
import platform
import random
import statistics
import sys
import unicodedata
from urllib.parse import quote, urlencode

from _server import ROOT, Client, demo_server, get_token, p95, run, sequential_timings

SPECIALTY_WORD = "乡村振兴"
INITIALS = "zs"  # used when it finds someone; otherwise the initials of the looked-for lecturer


def pad(text: str, width: int) -> str:
    """Left-align in a terminal, where CJK characters take two columns."""
    shown = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - shown)


def report(args, server, client: Client, pinyin_keys) -> None:
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
    timings = sequential_timings(
        {"client": client},
        {name: ("client", path) for name, path in endpoints.items()},
        args.requests,
        args.warmup,
        random.Random(args.seed),
    )
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
        f"{os.cpu_count()} CPUs, SQLite, CONN_MAX_AGE={server.env.get('CONN_MAX_AGE', '0')}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="measured requests per endpoint")
    parser.add_argument("--warmup", type=int, default=30, help="warm-up requests per endpoint")
    parser.add_argument("--seed", type=int, default=1, help="seed of the request order")
    args = parser.parse_args()
    if not (1 <= args.requests <= 100_000 and 0 <= args.warmup <= 10_000):
        parser.error("--requests must be 1..100000 and --warmup 0..10000")

    sys.path.insert(0, str(ROOT))
    from core.pinyin import pinyin_keys  # the same keys the catalogue stores

    with demo_server(workers=1, threads=1) as server:
        client = Client(server.port, get_token(server.port, "secretary", server.password))
        try:
            report(args, server, client, pinyin_keys)
        finally:
            client.close()
    return 0


if __name__ == "__main__":
    run(main)
