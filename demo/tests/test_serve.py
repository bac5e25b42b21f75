"""`manage.py serve` as operators run it (issue 10, item 7): kill -9 the task worker under it;
the site goes on answering, the worker is started again (a new process) and delivers an
outbox message queued after the crash. A real subprocess on a free port, on the test's own
database, which is migrated already (--no-setup: no migrate, collectstatic or demo)."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from notifications.models import DeliveryStatus, Event, OutboxMessage
from notifications.services import notify

WORKER_STARTED = re.compile(r"task worker started \(pid (\d+)\)")
STARTUP_SECONDS = 40


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{db['USER']}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def _status(port: int) -> int | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status
    except OSError:
        return None


def _until(condition, seconds: float, what: str, log: Path):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} within {seconds} s; serve's output:\n{log.read_text()}")


def _worker_pids(log: Path) -> list[int]:
    return [int(pid) for pid in WORKER_STARTED.findall(log.read_text())]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.django_db(transaction=True)
def test_a_killed_task_worker_is_restarted_and_the_site_stays_up(world, tmp_path):
    port = _free_port()
    log = tmp_path / "serve.log"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "PYTHONUNBUFFERED": "1",
        "DEBUG": "0",
    }
    with log.open("w") as out:
        serve = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(port), "--workers", "1",
             "--no-setup"],
            cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        _until(lambda: _status(port) == 200, STARTUP_SECONDS, "the site did not answer", log)
        [first] = _until(lambda: _worker_pids(log), STARTUP_SECONDS, "no task worker", log)
        os.kill(first, signal.SIGKILL)

        pids = _until(lambda: len(_worker_pids(log)) >= 2 and _worker_pids(log), 15,
                      "the task worker was not started again", log)  # fmt: skip
        second = pids[1]
        assert second != first and _alive(second) and not _alive(first)
        assert f"task worker (pid {first}) ended with signal SIGKILL" in log.read_text()
        assert _status(port) == 200 and serve.poll() is None

        # Queued after the crash: only the new worker can deliver it (the log channel).
        notify(recipients=[world.secretary], event=Event.BOOKING_ACCEPTED,
               facts={"org": "东村党支部", "lecturer": "张三丰", "course": "乡村振兴",
                      "when": "12月3日 09:00"})  # fmt: skip
        message = OutboxMessage.objects.get(recipient=world.secretary)
        assert message.status == DeliveryStatus.QUEUED

        def delivered():
            message.refresh_from_db()
            return message.status == DeliveryStatus.SENT

        _until(delivered, 30, "the restarted worker did not deliver the outbox", log)
        assert _status(port) == 200 and serve.poll() is None
    finally:
        if serve.poll() is None:
            serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()
    assert serve.returncode == 0, log.read_text()
