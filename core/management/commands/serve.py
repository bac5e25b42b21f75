"""`make run`: prepare the database, load the demo county if it is empty, then serve the site
with gunicorn and run the task worker and the periodic-job scheduler beside it until Ctrl-C."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from orgs.models import Organisation


class Command(BaseCommand):
    help = (
        "Migrate, seed the demo county if the database is empty, run web server, worker, scheduler."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))

    def handle(self, *args, port, host, workers, **options):
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database ready.")
        call_command("collectstatic", interactive=False, verbosity=0)
        if not Organisation.objects.exists():
            self.stdout.write("Empty database: loading the demo county …")
            call_command("seed_demo")
        self._print_logins(host, port)

        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "jiangtai.settings"}
        # QR posters and messages carry absolute links: without SITE_URL, this server's address.
        env.setdefault("SITE_URL", f"http://{host}:{port}")
        web = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "jiangtai.wsgi:application",
                "--bind", f"{host}:{port}",
                "--workers", str(workers),
                "--threads", "4",
                "--access-logfile", "-",
                "--graceful-timeout", "10",
            ],
            env=env,
        )  # fmt: skip
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--no-reload"],
            env=env,
            cwd=settings.BASE_DIR,
        )
        scheduler = subprocess.Popen(
            [sys.executable, "manage.py", "scheduler"], env=env, cwd=settings.BASE_DIR
        )
        children = [web, worker, scheduler]

        def stop(*_args):
            for child in children:
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGTERM, stop)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for child in children:
                try:
                    child.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    child.kill()
        failed = [c for c in children if c.returncode not in (0, -signal.SIGTERM, -signal.SIGINT)]
        if failed:
            sys.exit(1)

    def _print_logins(self, host, port):
        from core.demo import DEMO_USERNAMES, demo_password

        self.stdout.write(
            self.style.SUCCESS(f"\nJiangtai is at http://{host}:{port}/  (Ctrl-C stops it)")
        )
        self.stdout.write(f"API docs: http://{host}:{port}/api/v1/docs")
        self.stdout.write(
            f"Demo logins (password {demo_password()}): {', '.join(DEMO_USERNAMES)}\n"
        )
