"""What the web server loads before it serves anyone (issue 18), so that no request waits
for it and its workers share it.

`preload()`: the dictionaries of pypinyin (about 50 MB) and of jieba (about 85 MB, a second
to load), without touching the database. jiangtai/wsgi.py calls it; under `manage.py serve`
gunicorn loads the application once in its master (`preload_app`, jiangtai/gunicorn_conf.py)
and forks the workers from it, so the workers share these pages instead of each loading its
own copy. The task worker and the scheduler never load the WSGI application: they import
pypinyin and jieba only if a job of theirs needs them (both are imported lazily).

`warm_worker()`: in each web worker after the fork (gunicorn's post_worker_init), a daemon
thread builds the recommendation engine's index of every county (matching.engine), which
needs the database, so that the first secretary asking for recommendations does not wait for
it. Its database connection is its own and is closed when it is done."""

import logging
import threading

logger = logging.getLogger("jiangtai.warmup")


def preload() -> None:
    from core.pinyin import pinyin_keys
    from matching.text import terms

    pinyin_keys("讲台预热")  # loads pypinyin's phrase dictionaries
    terms("乡村振兴战略预热")  # loads jieba's dictionary


def _build_indexes() -> None:
    from django.db import connection

    from matching.engine import county_index
    from orgs.models import Organisation, OrgLevel

    try:
        for county_id in Organisation.objects.filter(level=OrgLevel.COUNTY).values_list(
            "pk", flat=True
        ):
            county_index(county_id)
    except Exception:  # a warm-up that fails only means the first request builds it
        logger.exception("warming the recommendation index failed")
    finally:
        connection.close()


def warm_worker() -> threading.Thread:
    thread = threading.Thread(target=_build_indexes, name="warm-recommendations", daemon=True)
    thread.start()
    return thread
