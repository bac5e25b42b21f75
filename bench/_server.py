"""What the benchmarks share: a throw-away database with the demo county, gunicorn serving it on
a free loopback port, a small HTTP client, and cleanup on any exit (see bench/README.md).

    with demo_server(workers=1, threads=1) as server:
        token = get_token(server.port, "secretary", server.password)
        ...

On leaving the block, also through an exception, Ctrl-C or SIGTERM (under `run(main)`),
gunicorn is stopped, a PostgreSQL database created for the run is dropped and the temporary
directory removed.
"""

import argparse
import http.client
import json
import math
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
STARTUP_SECONDS = 30
PG_ADMIN_DB = "postgres"
PG_PREFIX = "jiangtai_bench_"
# Every prefix of a database a benchmark creates; nothing else is ever dropped.
PG_PREFIXES = (PG_PREFIX, "jiangtai_province_")


def throughput_arguments(parser: argparse.ArgumentParser, *, inserts: int, pairs: str) -> None:
    """The options of the throughput benchmarks besides their own workload's: baseline
    inserts, client threads, gunicorn's workers and threads, rounds, warm-up, database."""
    parser.add_argument("--inserts", type=int, default=inserts, help="baseline inserts per phase")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=2, help="gunicorn threads per worker")
    parser.add_argument("--rounds", type=int, default=2, help=f"baseline + {pairs} pairs")
    parser.add_argument("--warmup", type=int, default=20, help="unreported ops of each kind")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres; a new "
        "database jiangtai_bench_<random> is created there and dropped at the end "
        "(default: SQLite in a temporary directory)",
    )


def parse_throughput_arguments(
    parser: argparse.ArgumentParser, own_ranges: dict[str, tuple[int, int]]
) -> argparse.Namespace:
    """Parse, then check every number against its range (the workload's own in
    `own_ranges`) and that --database-url names a loopback PostgreSQL server."""
    args = parser.parse_args()
    ranges = {
        **own_ranges,
        "inserts": (1, 100_000),
        "clients": (1, 64),
        "workers": (1, 16),
        "threads": (1, 16),
        "rounds": (1, 10),
        "warmup": (0, 1_000),
    }
    for name, (low, high) in ranges.items():
        if not low <= getattr(args, name) <= high:
            parser.error(f"--{name} must be {low}..{high}")
    if args.database_url and not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must be a postgres:// URL")
    host = (args.database_url or "").split("@")[-1].split("/")[0].split(":")[0]
    if args.database_url and host not in ("127.0.0.1", "localhost", "::1", "[::1]"):
        parser.error("--database-url must point at a loopback PostgreSQL server")
    return args


def unwind_on_signals() -> None:
    """SIGTERM (and SIGINT, even where a shell started us with it ignored) raise
    KeyboardInterrupt, so `finally` blocks and context managers run."""

    def interrupted(signum, frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)


def run(main: Callable[[], int]) -> None:
    """Run a benchmark's `main` and exit with its status; Ctrl-C or SIGTERM unwind through its
    cleanup (`unwind_on_signals`) and exit with 130."""
    unwind_on_signals()
    try:
        sys.exit(main())
    except KeyboardInterrupt as exc:  # the cleanup has already run
        print(f"\nInterrupted ({exc or 'SIGINT'}).", file=sys.stderr)
        sys.exit(130)


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


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


class Client:
    """One http.client connection, reused while the server keeps it open. After the server
    closes it, or after a failed request, the next request opens a new one."""

    def __init__(self, port: int, token: str | None = None):
        self.conn = http.client.HTTPConnection(HOST, port, timeout=30)
        self.headers = {"Accept": "application/json", "Connection": "keep-alive"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        self.closed_by_server = 0
        self.last_response: http.client.HTTPResponse | None = None  # for its headers

    def request(
        self, method: str, path: str, body: bytes | None = None, *, token: str | None = None
    ) -> tuple[int, bytes]:
        """`token` overrides the client's own for this request."""
        headers = dict(self.headers)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
            self.last_response = response
        except (OSError, http.client.HTTPException):
            self.conn.close()  # a clean connection for the next request
            raise
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


def sequential_timings(clients: dict, endpoints: dict, n: int, warmup: int, rng) -> dict:
    """Milliseconds of each endpoint (name → (client kind, path)), one request at a time:
    `warmup` unreported rounds, then `n`, every endpoint once a round in a shuffled order."""
    timings = {name: [] for name in endpoints}
    names = list(endpoints)
    for round_no in range(warmup + n):
        rng.shuffle(names)
        for name in names:
            kind, path = endpoints[name]
            for attempt in (1, 2):
                started = time.perf_counter_ns()
                try:
                    status, body = clients[kind].request("GET", path)
                except (http.client.RemoteDisconnected, ConnectionResetError):
                    if attempt == 2:
                        raise
                    continue  # the server closed the idle connection (gunicorn keeps it 2 s)
                break
            elapsed = time.perf_counter_ns() - started
            if status != 200:
                raise RuntimeError(f"{name}: GET {path} → {status}: {body[:300]!r}")
            if round_no >= warmup:
                timings[name].append(elapsed / 1e6)
    return timings


BASELINE_READ = "GET /healthz (bare)"


def county_reads(lecturer_id: int, trainee_token: str) -> dict:
    """What issue 18's table times on a county, as `sequential_timings` takes it: the bare
    view (kind "base"), the API lists ("api"), the pages ("page", a signed-in browser) and
    the trainee page ("trainee")."""
    return {
        BASELINE_READ: ("base", "/healthz"),
        "GET /api/v1/lecturers": ("api", "/api/v1/lecturers"),
        "GET /api/v1/lecturers?q=乡村振兴": ("api", "/api/v1/lecturers?q=" + quote("乡村振兴")),
        "GET /api/v1/courses": ("api", "/api/v1/courses"),
        "GET /api/v1/bookings": ("api", "/api/v1/bookings"),
        "GET /api/v1/rankings/lecturers": ("api", "/api/v1/rankings/lecturers"),
        "GET / (home)": ("page", "/"),
        "GET /lecturers/": ("page", "/lecturers/"),
        "GET /lecturers/<id>/": ("page", f"/lecturers/{lecturer_id}/"),
        "GET /courses/": ("page", "/courses/"),
        "GET /bookings/": ("page", "/bookings/"),
        "GET /rankings/": ("page", "/rankings/"),
        "GET /e/<token> (trainee page)": ("trainee", f"/e/{trainee_token}"),
    }


def get_token(port: int, username: str, password: str) -> str:
    """An API token for a login (POST /api/v1/auth/token)."""
    login = Client(port)
    try:
        status, data = login.request(
            "POST",
            "/api/v1/auth/token",
            json.dumps({"username": username, "password": password}).encode(),
        )
    finally:
        login.close()
    if status != 200:
        raise RuntimeError(f"token for {username} → {status}: {data[:300]!r}")
    return json.loads(data)["token"]


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


def gunicorn_extra_args() -> list[str]:
    """gunicorn 25+ opens a control socket in ~/.gunicorn/ by default, shared by every instance
    of the user; the benchmarks do not need it."""
    from gunicorn.config import KNOWN_SETTINGS

    if any(s.name == "control_socket_disable" for s in KNOWN_SETTINGS):
        return ["--no-control-socket"]
    return []


def stop(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=5)


# --- PostgreSQL -----------------------------------------------------------------------------


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _shown(url: str) -> str:
    """The URL without its password, for printing."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _pg_admin(url: str):
    import psycopg

    return psycopg.connect(_with_database(url, PG_ADMIN_DB), autocommit=True, connect_timeout=10)


def pg_create(url: str, name: str) -> None:
    from psycopg import sql

    with _pg_admin(url) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def pg_drop(url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    if not name.startswith(PG_PREFIXES):  # never anything a benchmark did not create
        raise ValueError(name)
    with _pg_admin(url) as conn:
        try:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        except psycopg.errors.SyntaxError:  # PostgreSQL before 13
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


@contextmanager
def in_process_django(
    database_url: str | None,
    *,
    prefix: str = PG_PREFIX,
    keep: bool = False,
    settings_module: str = "jiangtai.settings",
) -> Iterator[tuple[Path, str]]:
    """Django set up in this process on a temporary database: SQLite in a temporary directory,
    or a new PostgreSQL database `<prefix><random>` on the server of `database_url`. Yields the
    directory (media files go there too) and a description of the database; drops both on the
    way out, also on an error or a signal (after `unwind_on_signals`), unless `keep`.
    Migrating is left to the caller; the environment it sets (os.environ) is the one to give
    a server of the same database (`gunicorn_server`)."""
    if prefix not in PG_PREFIXES:
        raise ValueError(prefix)
    tmp = Path(tempfile.mkdtemp(prefix="jiangtai-bench-"))
    pg_name = None
    try:
        if database_url:
            pg_name = prefix + secrets.token_hex(4)
            pg_create(database_url, pg_name)
            url = _with_database(database_url, pg_name)
            end = "kept at the end" if keep else "dropped at the end"
            database = f"PostgreSQL ({_shown(url)}, {end})"
        else:
            url = f"sqlite:///{tmp}/bench.sqlite3"
            end = "kept at the end" if keep else "removed at the end"
            database = f"SQLite ({tmp}/bench.sqlite3, {end})"
        print(f"Temporary database: {database}")
        os.environ.update(
            DJANGO_SETTINGS_MODULE=settings_module, DATABASE_URL=url, DEBUG="0",
            SECRET_KEY=secrets.token_urlsafe(50), MEDIA_ROOT=str(tmp / "media"),
            PRIVATE_MEDIA_ROOT=str(tmp / "private"), LOG_LEVEL="WARNING",
        )  # fmt: skip
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        yield tmp, database
        from django.db import connection

        connection.close()
    finally:
        if keep:
            print(f"Kept: {database.split(' (')[1].split(',')[0]} and {tmp}.")
        else:
            try:
                if pg_name is not None:
                    pg_drop(database_url, pg_name)
                    print(f"Dropped database {pg_name}.")
            finally:
                shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def gunicorn_server(
    env: dict, tmp: Path, *, workers: int, threads: int
) -> Iterator[tuple[int, subprocess.Popen, Path]]:
    """gunicorn serving `env`'s database on a free loopback port with DEBUG=0 and
    jiangtai/gunicorn_conf.py (preload_app and the workers' warm-up, as `manage.py serve`),
    its output in `tmp`/gunicorn.log. Yields (port, process, log path) once /healthz answers;
    stops it on the way out."""
    port = free_port()
    log_path = tmp / "gunicorn.log"
    server = None
    try:
        with open(log_path, "wb") as log:
            server = subprocess.Popen(
                [
                    sys.executable, "-m", "gunicorn", "jiangtai.wsgi:application",
                    "--bind", f"{HOST}:{port}",
                    "--workers", str(workers), "--threads", str(threads),
                    # as `manage.py serve` runs it: preload_app, the warm-up in each worker
                    "--config", "python:jiangtai.gunicorn_conf",
                    *gunicorn_extra_args(),
                ],
                cwd=ROOT,
                env={**env, "DEBUG": "0"},
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_healthy(port, server, log_path)
        print(
            f"gunicorn pid {server.pid} on {HOST}:{port} "
            f"({_plural(workers, 'worker')}, {_plural(threads, 'thread')}, DEBUG=0)"
        )
        yield port, server, log_path
    finally:
        if server is not None:
            stop(server)


# --- the served demo county -----------------------------------------------------------------


@dataclass
class Served:
    port: int
    pid: int
    env: dict
    password: str
    tmp: Path
    database: str  # for printing: a SQLite path or a PostgreSQL URL without password
    engine: str  # "SQLite" or "PostgreSQL"
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@contextmanager
def demo_server(
    *,
    workers: int = 1,
    threads: int = 1,
    settings_module: str = "jiangtai.settings",
    database_url: str | None = None,
    collectstatic: bool = False,
) -> Iterator[Served]:
    """A fresh database (SQLite in a temporary directory, or a new PostgreSQL database on the
    server of `database_url`) with migrate + seed_demo, served by gunicorn with DEBUG=0.
    `collectstatic`: also collect the static files into the temporary directory (pages)."""
    tmp = Path(tempfile.mkdtemp(prefix="jiangtai-bench-"))
    pg_name = None
    try:
        if database_url:
            pg_name = PG_PREFIX + secrets.token_hex(4)
            url = _with_database(database_url, pg_name)
            shown, engine = _shown(url), "PostgreSQL"
            pg_create(database_url, pg_name)
            print(f"Temporary database: {shown} (created now, dropped at the end)")
        else:
            url = f"sqlite:///{tmp}/bench.sqlite3"
            shown, engine = f"{tmp}/bench.sqlite3", "SQLite"
            print(f"Temporary database: {shown}")
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": settings_module,
            "DATABASE_URL": url,
            "SECRET_KEY": secrets.token_urlsafe(50),
            "MEDIA_ROOT": str(tmp / "media"),
            "LOG_LEVEL": "WARNING",
        }
        password = env.get("JIANGTAI_DEMO_PASSWORD", "demo-pass-2026")
        run_manage(env, "migrate", "--noinput", "-v", "0")
        run_manage(env, "seed_demo")
        if collectstatic:  # pages: with DEBUG=0 their {% static %} needs the manifest
            env["STATIC_ROOT"] = str(tmp / "static")
            run_manage(env, "collectstatic", "--noinput", "-v", "0")

        with gunicorn_server(env, tmp, workers=workers, threads=threads) as (port, server, log):
            yield Served(port, server.pid, env, password, tmp, shown, engine, log)
    finally:
        try:
            if pg_name is not None:
                try:
                    pg_drop(database_url, pg_name)
                    print(f"Dropped database {pg_name}.")
                except Exception as exc:  # keep the original error, if any, in view
                    print(f"COULD NOT DROP database {pg_name}: {exc}", file=sys.stderr)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
