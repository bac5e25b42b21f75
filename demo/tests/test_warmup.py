"""The search dictionaries (pypinyin, jieba) are loaded where they are needed and only there
(issue 18): the web application loads both before any request, without opening a database
connection (gunicorn forks its workers from it); the scheduler's jobs import neither."""

import subprocess
import sys

from django.conf import settings

PROBE = """
import os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "jiangtai.settings"
{body}
"""


def _run(body: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(body=body)],
        cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip().splitlines()[-1]


def test_the_web_application_preloads_the_dictionaries_without_a_connection():
    answer = _run(
        "import jiangtai.wsgi\n"
        "from django.db import connections\n"
        "from matching.text import _jieba\n"
        "open_ = [a for a in connections if connections[a].connection is not None]\n"
        "print('pypinyin' in sys.modules, _jieba.cache_info().currsize, open_)"
    )
    assert answer == "True 1 []"


def test_the_scheduler_and_its_jobs_import_no_dictionary():
    answer = _run(
        "import django\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        "from django.utils.module_loading import import_string\n"
        "import core.management.commands.scheduler\n"
        "for _interval, job in settings.PERIODIC_JOBS:\n"
        "    import_string(job)\n"
        "print('pypinyin' in sys.modules, 'jieba' in sys.modules)"
    )
    assert answer == "False False"


def test_the_scheduler_widens_demands_in_a_child_that_takes_the_dictionaries_with_it():
    """Widening a demand ranks lecturers (jieba, the index): the scheduler runs that job in a
    forked child, so the scheduler itself never holds the dictionaries (issue 18)."""
    scheduled = {path for _s, path in settings.PERIODIC_JOBS}
    assert settings.PERIODIC_JOBS_IN_CHILD.issubset(scheduled)
    answer = _run(
        "import django\n"
        "django.setup()\n"
        "from core.management.commands.scheduler import run_in_child\n"
        "def widen():\n"
        "    import jieba\n"
        "    return 'widened'\n"
        "def broken():\n"
        "    raise RuntimeError('boom')\n"
        "print(run_in_child('widen', widen), run_in_child('broken', broken),\n"
        "      'jieba' in sys.modules)"
    )
    assert answer == "True False False"
