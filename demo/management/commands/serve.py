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
`kill -9`), the seed leaves nothing, and the next `serve` loads the demo again from the start.

Once ready, `serve` replaces itself (same process id) with demo/supervisor.py, which runs and
watches the processes above without Django loaded (about 10 MB instead of 90)."""

import contextlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from demo import progress as demo_progress
from demo.setup_page import SetupPage
from demo.supervisor import describe_exit
from orgs.models import Organisation


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
        manage = [sys.executable, "manage.py"]
        # The plan goes on the command line, where anyone may read it: no environment in it
        # (secrets live there); the supervisor passes its own on to every process.
        plan = {
            "cwd": str(settings.BASE_DIR),
            "host": host,
            "port": port,
            "pythonpath": os.environ.get("PYTHONPATH"),
            "web_env": {},
            "web": [
                sys.executable, "-m", "gunicorn", "jiangtai.wsgi:application",
                # preload_app and the search index's warm-up in every worker (issue 18)
                "--config", "python:jiangtai.gunicorn_conf",
                "--bind", f"{host}:{port}",
                "--workers", str(workers),
                "--threads", "4",
                "--access-logfile", "-",
                "--graceful-timeout", "10",
            ],
            "helpers": [
                *(
                    {"name": "task worker",
                     "argv": [*manage, "db_worker", "--queue-name", "*", "--no-reload"]}
                    for _ in range(task_workers)
                ),
                {"name": "scheduler", "argv": [*manage, "scheduler"]},
            ],
        }  # fmt: skip
        if seed_demo:
            progress_file = Path(tempfile.mkdtemp(prefix="jiangtai-demo-")) / "progress.json"
            demo_progress.write(progress_file, demo_progress.LOADING, 0)
            plan["web_env"] = {demo_progress.ENV: str(progress_file)}
            plan["progress_file"] = str(progress_file)
            plan["seed"] = [*manage, "seed_demo", "--progress-file", str(progress_file)]
        # The rest of serve's life without Django (demo/supervisor.py): the same process.
        sys.stdout.flush()
        sys.stderr.flush()
        supervisor = [sys.executable, "-m", "demo.supervisor", json.dumps(plan)]
        # From wherever serve was started, `-m demo.supervisor` finds the checkout.
        path = os.pathsep.join(
            p for p in (str(settings.BASE_DIR), os.environ.get("PYTHONPATH")) if p
        )
        os.execve(sys.executable, supervisor, {**env, "PYTHONPATH": path})  # noqa: S606

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
                            f"{name} failed with {describe_exit(process.returncode)}"
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
