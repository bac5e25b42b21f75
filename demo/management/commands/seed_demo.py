import time

from django.core.management.base import BaseCommand, CommandError

from demo import progress as demo_progress
from demo.demo import DEFAULT_COUNTY, DEFAULT_PROVINCE, DemoRefused, demo_password, seed_demo
from demo.history import YEAR_DAYS


class Command(BaseCommand):
    help = "Create a demo county at the reference scale with the demo logins (API.md)."

    def add_arguments(self, parser):
        parser.add_argument("--county", default=DEFAULT_COUNTY, help="name of the demo county")
        parser.add_argument(
            "--province",
            default=DEFAULT_PROVINCE,
            help="the demo province the county joins (made, with province_admin, if new)",
        )
        parser.add_argument("--username-prefix", default="", help="prefix for the demo logins")
        parser.add_argument(
            "--seed", type=int, default=2026, help="random seed (same seed, same county)"
        )
        parser.add_argument(
            "--no-history",
            action="store_true",
            help="only the county, its people and courses: no replayed year of sessions",
        )
        parser.add_argument(
            "--progress-file",
            help="write how far it is to this JSON file (demo/progress.py), for `serve`",
        )

    def handle(
        self, *args, county, province, username_prefix, seed, no_history, progress_file, **options
    ):
        started = time.monotonic()
        try:
            result = seed_demo(
                county_name=county,
                province_name=province,
                prefix=username_prefix,
                seed=seed,
                history_days=0 if no_history else YEAR_DAYS,
                appraise=not no_history,
                progress=demo_progress.reporter(progress_file) if progress_file else None,
            )
        except BaseException as exc:  # rolled back: nothing of the county was written
            if progress_file:
                demo_progress.write(progress_file, demo_progress.FAILED, 0)
            if isinstance(exc, DemoRefused):
                raise CommandError(str(exc)) from exc
            raise
        if progress_file:  # committed: the whole county is there
            demo_progress.write(progress_file, demo_progress.READY, 100)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo county {result.county.name}: {result.towns} towns, {result.branches} branches, "
                f"{result.lecturers} lecturers, {result.courses} courses "
                f"({time.monotonic() - started:.1f} s)."
            )
        )
        if result.history:
            facts = ", ".join(f"{k} {v}" for k, v in result.history.items())
            self.stdout.write(f"The last twelve months: {facts}.")
        self.stdout.write(f"Logins (password {demo_password()}): {', '.join(result.usernames)}")
