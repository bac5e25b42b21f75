"""Runs the periodic jobs of `settings.PERIODIC_JOBS` (expiring unanswered requests, …).

`make run` starts one beside the web server and the task worker. Each job is idempotent and
makes its own compare-and-set changes, so a second scheduler would do no harm.

The jobs of `settings.PERIODIC_JOBS_IN_CHILD` run in a child process forked for the round
(issue 18): widening a demand ranks lecturers, which loads jieba and the recommendation index
(about 120 MB); in the child, that memory is given back when the round ends instead of staying
with the scheduler for good.
"""

import logging
import os
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connections
from django.utils.module_loading import import_string

logger = logging.getLogger("jiangtai.scheduler")


def run(path: str, job) -> bool:
    """One round of a job; False if it failed (logged)."""
    try:
        result = job()
        if result:
            logger.info("%s: %s", path, result)
    except Exception:
        logger.exception("Periodic job %s failed", path)
        return False
    return True


def run_in_child(path: str, job) -> bool:
    """One round in a forked child, waited for; what it loads ends with it. The database
    connections are closed first, so that parent and child never share one."""
    connections.close_all()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the scheduler's loop
        code = 1
        try:
            code = 0 if run(path, job) else 1
        finally:
            connections.close_all()
            logging.shutdown()
            os._exit(code)
    _pid, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0 and code != 1:  # 1: the job's own failure, logged by the child
        logger.error("Periodic job %s ended its process with %s", path, code)
    return code == 0


class Command(BaseCommand):
    help = "Run the periodic jobs until stopped (--once: one round, for cron or tests)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true")

    def handle(self, *args, once, **options):
        jobs = [(seconds, path, import_string(path)) for seconds, path in settings.PERIODIC_JOBS]
        next_run = dict.fromkeys((path for _s, path, _f in jobs), 0.0)
        stopping = False

        def stop(*_args):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        logger.info("Scheduler started with %d jobs", len(jobs))
        while not stopping:
            now = time.monotonic()
            for seconds, path, job in jobs:
                if once or now >= next_run[path]:
                    close_old_connections()
                    if path in settings.PERIODIC_JOBS_IN_CHILD:
                        run_in_child(path, job)
                    else:
                        run(path, job)
                    next_run[path] = now + seconds
            if once:
                return
            time.sleep(1)
