"""The product's settings plus the benchmark-only URL `bench/insert`, a response header
naming the worker process (bench/urls.py) and a raised per-address limit on trainee
submissions (for bench/evaluation_throughput.py, see below).

Only for benchmarks: `DJANGO_SETTINGS_MODULE=bench.settings`. The product never loads it.
"""

import ipaddress

from django.apps import AppConfig

from jiangtai.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
MIDDLEWARE = ["bench.urls.worker_pid", *MIDDLEWARE]  # noqa: F405


# --- evaluation_throughput.py ---------------------------------------------------------------
# Every client of the benchmark is 127.0.0.1, so the product's per-address limit on trainee
# submissions (evaluation.services.LIMIT_PER_ADDRESS, 600 a minute: one hall behind one
# network) would answer 429 after the first 600. Here, and only here, it is raised; the
# per-phone and per-device limits stay (the benchmark sends distinct phones and devices).
EVALUATION_LIMIT_PER_ADDRESS = 1_000_000_000
# The clients stand for trainees in village halls behind the county's nginx: they send
# X-Forwarded-For with their hall's address (HALL_SIZE trainees share one, see
# evaluation_throughput.py), believed from the loopback proxy as the product believes nginx.
TRUSTED_PROXY_NETWORKS = [ipaddress.ip_network("127.0.0.1/32")]


class BenchConfig(AppConfig):
    """Applies the benchmark-only overrides once the apps are loaded, in every process."""

    name = "bench"
    label = "bench"

    def ready(self):
        from evaluation import services

        services.LIMIT_PER_ADDRESS = EVALUATION_LIMIT_PER_ADDRESS


INSTALLED_APPS = [*INSTALLED_APPS, "bench.settings.BenchConfig"]  # noqa: F405
