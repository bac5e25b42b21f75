"""`manage.py serve` as operators run it (issue 10, item 7): kill -9 the task worker under it;
the site goes on answering, the worker is started again (a new process) and delivers an
outbox message queued after the crash. A real subprocess on a free port, on the test's own
database, which is migrated already (--no-setup: no migrate, collectstatic or demo)."""

import os
import signal

import pytest

from notifications.models import DeliveryStatus, Event, OutboxMessage
from notifications.services import notify

from .served import (
    STARTUP_SECONDS,
    WORKER_STARTED,
    Http,
    alive,
    database_url,
    free_port,
    pids,
    serving,
    until,
)


@pytest.mark.django_db(transaction=True)
def test_a_killed_task_worker_is_restarted_and_the_site_stays_up(world, tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    site = Http(port, https=False)
    env = {"DATABASE_URL": database_url(), "DEBUG": "0"}
    with serving(log, "--port", str(port), "--workers", "1", env=env) as serve:
        until(lambda: site.status("/healthz") == 200, STARTUP_SECONDS, "the site did not answer", log)  # fmt: skip
        [first] = until(lambda: pids(WORKER_STARTED, log), STARTUP_SECONDS, "no task worker", log)
        os.kill(first, signal.SIGKILL)

        restarted = until(lambda: len(pids(WORKER_STARTED, log)) >= 2 and pids(WORKER_STARTED, log), 15,
                          "the task worker was not started again", log)  # fmt: skip
        second = restarted[1]
        assert second != first and alive(second) and not alive(first)
        assert f"task worker (pid {first}) ended with signal SIGKILL" in log.read_text()
        assert site.status("/healthz") == 200 and serve.poll() is None

        # Queued after the crash: only the new worker can deliver it (the log channel).
        notify(recipients=[world.secretary], event=Event.BOOKING_ACCEPTED,
               facts={"org": "东村党支部", "lecturer": "张三丰", "course": "乡村振兴",
                      "when": "12月3日 09:00"})  # fmt: skip
        message = OutboxMessage.objects.get(recipient=world.secretary)
        assert message.status == DeliveryStatus.QUEUED

        def delivered():
            message.refresh_from_db()
            return message.status == DeliveryStatus.SENT

        until(delivered, 30, "the restarted worker did not deliver the outbox", log)
        assert site.status("/healthz") == 200 and serve.poll() is None
