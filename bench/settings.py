"""The product's settings plus the benchmark-only URL `bench/insert` and a response header
naming the worker process (bench/urls.py).

Only for benchmarks: `DJANGO_SETTINGS_MODULE=bench.settings`. The product never loads it.
"""

from jiangtai.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
MIDDLEWARE = ["bench.urls.worker_pid", *MIDDLEWARE]  # noqa: F405
