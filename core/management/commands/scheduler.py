"""Runs the periodic jobs of `settings.PERIODIC_JOBS` (expiring unanswered requests, …).

`make run` starts one beside the web server and the task worker. Each job is idempotent and
makes its own compare-and-set changes, so a second scheduler would do no harm.
"""

import logging
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.module_loading import import_string

logger = logging.getLogger("jiangtai.scheduler")


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
                    try:
                        result = job()
                        if result:
                            logger.info("%s: %s", path, result)
                    except Exception:
                        logger.exception("Periodic job %s failed", path)
                    next_run[path] = now + seconds
            if once:
                return
            time.sleep(1)
