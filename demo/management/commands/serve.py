"""`make run`: prepare the database, load the demo county if it is empty, then serve the site
with gunicorn and run the task worker and the periodic-job scheduler beside it until Ctrl-C.

`serve` supervises the three. A task worker or scheduler that dies (a crash, the OOM killer,
`kill -9`) is logged and started again after a pause that doubles with each quick failure
(1 s, 2 s, 4 s … at most a minute; one that ran a minute or more counts as healthy again),
while the web server goes on answering: nothing is lost meanwhile, the outbox and the task
queue wait in the database. If gunicorn itself ends, `serve` stops the others and exits
non-zero: gunicorn's master already replaces its own dead workers, so the master ending means
something a restart loop would only hide (the port taken, a broken configuration); the
service manager (systemd `Restart=on-failure`) restarts the whole command.

A first start (issue 18) answers early: while the database is migrated (the static files are
collected beside it, in a second process) a small page in `serve` answers on the port
(demo/setup_page.py; never in production). Then gunicorn starts, and an empty database gets
the demo county in the background (`seed_demo --progress-file`, one transaction): the pages
show how far it is (demo/progress.py) until it is committed; then gunicorn's workers are
started again (SIGHUP: they warm up on the demo) and the task worker and the scheduler start,
which would only wait on the seed's write lock before. Stopped half-way (Ctrl-C, a crash,
`kill -9`), the seed leaves nothing, and the next `serve` loads the demo again from the start."""

import contextlib
import http.client
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from demo import progress as demo_progress
from demo.setup_page import SetupPage
from orgs.models import Organisation

logger = logging.getLogger("jiangtai.serve")

RESTART_FIRST_DELAY = 1.0  # seconds before the first restart of a dead helper process
RESTART_MAX_DELAY = 60.0  # the doubling pause never grows past this
HEALTHY_AFTER = 60.0  # a helper that ran this long starts again from the first delay
POLL_SECONDS = 0.2
WEB_READY_SECONDS = 60  # the demo's seed starts once gunicorn answers, or after this


@dataclass
class Helper:
    """A process `serve` keeps running: started again with backoff whenever it ends."""

    name: str
    argv: list[str]
    env: dict
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    quick_failures: int = 0
    restart_at: float | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv, env=self.env, cwd=settings.BASE_DIR)
        self.started_at = time.monotonic()
        self.restart_at = None
        logger.info("%s started (pid %d)", self.name, self.process.pid)

    def check(self, now: float) -> None:
        """Start again when due; notice an unexpected end and schedule the restart."""
        if self.restart_at is not None:
            if now >= self.restart_at:
                self.start()
            return
        code = self.process.poll()
        if code is None:
            return
        ran = now - self.started_at
        self.quick_failures = 1 if ran >= HEALTHY_AFTER else self.quick_failures + 1
        delay = min(RESTART_FIRST_DELAY * 2 ** (self.quick_failures - 1), RESTART_MAX_DELAY)
        self.restart_at = now + delay
        logger.error(
            "%s (pid %d) ended with %s after %.1f s; starting it again in %.0f s",
            self.name, self.process.pid, _describe_exit(code), ran, delay,
        )  # fmt: skip

    def stop(self) -> None:
        self.restart_at = None
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


def _wait(process: subprocess.Popen | None) -> None:
    if process is None:
        return
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_answering(host: str, port: int, web: subprocess.Popen) -> None:
    """Until gunicorn answers /healthz (or ends, or WEB_READY_SECONDS pass)."""
    deadline = time.monotonic() + WEB_READY_SECONDS
    while time.monotonic() < deadline and web.poll() is None:
        try:
            conn = http.client.HTTPConnection(host, port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except (OSError, http.client.HTTPException):
            pass
        finally:
            conn.close()
        time.sleep(POLL_SECONDS)


class Command(BaseCommand):
    help = (
        "Migrate, seed the demo county if the database is empty, run web server, worker, scheduler."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        # The demo: one worker with four threads (each worker holds its own recommendation
        # index and the pages it has touched; issue 18's memory bound is for the whole stack).
        web_default = 2 * (os.cpu_count() or 1) + 1 if settings.PRODUCTION else 1
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("WEB_WORKERS", web_default)),
            help="gunicorn worker processes (WEB_WORKERS)",
        )
        parser.add_argument(
            "--task-workers",
            type=int,
            default=int(os.environ.get("TASK_WORKERS", "2" if settings.PRODUCTION else "1")),
            help="task worker processes (TASK_WORKERS); 0 on a machine that only serves pages",
        )
        parser.add_argument(
            "--no-demo",
            action="store_true",
            help="never load the demo county, even into an empty database",
        )
        parser.add_argument(
            "--no-setup",
            action="store_true",
            help="serve at once: the database is migrated and the static files are collected "
            "already (no migrate, collectstatic or demo)",
        )

    def handle(self, *args, port, host, workers, task_workers, no_demo, no_setup, **options):
        no_demo = no_demo or settings.PRODUCTION
        seed_demo = False
        if not no_setup:
            seed_demo = self._setup(host, port, no_demo)
        self._print_logins(host, port)

        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "jiangtai.settings"}
        # QR posters and messages carry absolute links: without SITE_URL, this server's address.
        env.setdefault("SITE_URL", f"http://{host}:{port}")
        progress_dir = progress_file = None
        if seed_demo:
            progress_dir = Path(tempfile.mkdtemp(prefix="jiangtai-demo-"))
            progress_file = progress_dir / "progress.json"
            demo_progress.write(progress_file, demo_progress.LOADING, 0)
        web_env = {**env, demo_progress.ENV: str(progress_file)} if progress_file else env
        web = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "jiangtai.wsgi:application",
                # preload_app and the search index's warm-up in every worker (issue 18)
                "--config", "python:jiangtai.gunicorn_conf",
                "--bind", f"{host}:{port}",
                "--workers", str(workers),
                "--threads", "4",
                "--access-logfile", "-",
                "--graceful-timeout", "10",
            ],
            env=web_env,
        )  # fmt: skip
        logger.info("web server started (pid %d)", web.pid)
        manage = [sys.executable, "manage.py"]
        helpers = [
            *(
                Helper(
                    "task worker", [*manage, "db_worker", "--queue-name", "*", "--no-reload"], env
                )
                for _ in range(task_workers)
            ),
            Helper("scheduler", [*manage, "scheduler"], env),
        ]
        seed = None
        if seed_demo:
            # The first page before the demo: the seed waits until gunicorn answers.
            _wait_answering(host, port, web)
            self.stdout.write("Loading the demo county in the background …")
            seed = subprocess.Popen(
                [*manage, "seed_demo", "--progress-file", str(progress_file)],
                env=env,
                cwd=settings.BASE_DIR,
            )
            logger.info("demo county's seed started (pid %d)", seed.pid)
        else:
            for helper in helpers:
                helper.start()

        stopping = False

        def stop(*_args):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and web.poll() is None:
                now = time.monotonic()
                if seed is not None and seed.poll() is not None:
                    self._seeded(seed, progress_file, web)
                    seed = None
                    for helper in helpers:
                        helper.start()
                if seed is None:
                    for helper in helpers:
                        helper.check(now)
                time.sleep(POLL_SECONDS)
        except KeyboardInterrupt:
            stopping = True
        web_failed = not stopping and web.poll() is not None
        if web_failed:
            logger.error(
                "web server (pid %d) ended with %s; stopping", web.pid, _describe_exit(web.poll())
            )
        if seed is not None and seed.poll() is None:
            seed.terminate()  # its transaction is never committed: nothing of it stays
        for helper in helpers:
            helper.stop()
        if web.poll() is None:
            web.terminate()
        for process in [web, seed, *(helper.process for helper in helpers)]:
            _wait(process)
        if progress_dir is not None:
            shutil.rmtree(progress_dir, ignore_errors=True)
        if web_failed:
            sys.exit(1)

    def _setup(self, host: str, port: int, no_demo: bool) -> bool:
        """Migrate and collect the static files, each in a process of its own, side by side,
        while the setup page answers on the port (not in production). Their memory goes with
        them: `serve` stays small for the rest of its life. True if the demo is to be loaded:
        allowed and the database has no organisation."""
        manage = [sys.executable, "manage.py"]
        steps = {
            "migrate": [*manage, "migrate", "--noinput", "--verbosity", "0"],
            "collectstatic": [*manage, "collectstatic", "--noinput", "--verbosity", "0"],
        }
        page = SetupPage(host, port) if not settings.PRODUCTION else contextlib.nullcontext()
        with page:
            running = {
                name: subprocess.Popen(argv, cwd=settings.BASE_DIR) for name, argv in steps.items()
            }
            try:
                for name, process in running.items():
                    if process.wait() != 0:
                        raise CommandError(
                            f"{name} failed with {_describe_exit(process.returncode)}"
                        )
            finally:
                for process in running.values():
                    if process.poll() is None:
                        process.terminate()
                        process.wait()
        self.stdout.write("Database ready.")
        try:
            return not no_demo and not Organisation.objects.exists()
        finally:
            connection.close()  # serve itself keeps no connection

    def _seeded(self, seed: subprocess.Popen, progress_file: Path, web: subprocess.Popen):
        """The demo's seed ended: committed, the web workers start again to warm up on it;
        failed, the pages say so (the site works without the demo)."""
        if seed.returncode == 0:
            logger.info("demo county loaded; restarting the web workers to warm up on it")
            demo_progress.write(progress_file, demo_progress.READY, 100)
            web.send_signal(signal.SIGHUP)
            return
        logger.error(
            "loading the demo county failed (%s); nothing of it was kept: the site runs "
            "without it, and the next start loads it again",
            _describe_exit(seed.returncode),
        )
        state = demo_progress.read(progress_file)
        if state is None or state["state"] != demo_progress.FAILED:
            demo_progress.write(progress_file, demo_progress.FAILED, 0)

    def _print_logins(self, host, port):
        from demo.demo import DEMO_USERNAMES, demo_password

        self.stdout.write(
            self.style.SUCCESS(f"\nJiangtai is at http://{host}:{port}/  (Ctrl-C stops it)")
        )
        self.stdout.write(f"API docs: http://{host}:{port}/api/v1/docs")
        if settings.PRODUCTION:
            return
        self.stdout.write(
            f"Demo logins (password {demo_password()}): {', '.join(DEMO_USERNAMES)}\n"
        )
