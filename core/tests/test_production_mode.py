"""Production mode (issue 17, item 1): the settings refuse to start with a demo or weak key,
DEBUG on or a setting missing, each named; with everything set they use Redis and HTTPS only,
and `check --deploy` finds nothing. /readyz names the database, the cache and the task
workers' heartbeat, and answers 503 when one is down."""

import os
import runpy
import secrets
import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from core import health

SETTINGS_FILE = str(settings.BASE_DIR / "jiangtai" / "settings.py")


def production_env(**changes) -> dict[str, str]:
    env = {
        "JIANGTAI_PRODUCTION": "1",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "jiangtai.example.gov.cn",
        "DATABASE_URL": "postgres://jiangtai:secret@db.internal:5432/jiangtai",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "DEBUG": "0",
    }
    env.update(changes)
    return {name: value for name, value in env.items() if value is not None}


def read_settings(monkeypatch, env: dict[str, str]) -> dict:
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "DEBUG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(SETTINGS_FILE)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": "change-me"}, "SECRET_KEY is a demo or weak key"),
        ({"SECRET_KEY": "django-insecure-" + "x1y2z3" * 10}, "SECRET_KEY is a demo or weak key"),
        ({"SECRET_KEY": "short-but-random-Zq8"}, "SECRET_KEY is a demo or weak key"),
        ({"SECRET_KEY": "ab" * 40}, "SECRET_KEY is a demo or weak key"),
        ({"DEBUG": "1"}, "DEBUG is on"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS is not set"),
        ({"ALLOWED_HOSTS": " "}, "ALLOWED_HOSTS is not set"),
        ({"DATABASE_URL": None}, "DATABASE_URL is not set"),
        ({"REDIS_URL": None}, "REDIS_URL is not set"),
    ],
)
def test_production_refuses_to_start_naming_the_setting(monkeypatch, change, named):
    with pytest.raises(ImproperlyConfigured) as refused:
        read_settings(monkeypatch, production_env(**change))
    message = str(refused.value)
    assert "JIANGTAI_PRODUCTION=1" in message and named in message
    # Only what is wrong is named.
    assert message.count("\n- ") == 1


def test_every_problem_is_named_at_once(monkeypatch):
    env = production_env(SECRET_KEY=None, DEBUG="1", ALLOWED_HOSTS=None, REDIS_URL=None)
    with pytest.raises(ImproperlyConfigured) as refused:
        read_settings(monkeypatch, env)
    message = str(refused.value)
    for named in ("SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "REDIS_URL"):
        assert f"- {named} " in message


def test_the_key_file_of_the_checkout_is_never_read_in_production(monkeypatch):
    key_file = settings.BASE_DIR / ".secret_key"
    existed = key_file.exists()
    with pytest.raises(ImproperlyConfigured):
        read_settings(monkeypatch, production_env(SECRET_KEY=None))
    assert key_file.exists() == existed


def test_production_settings_use_redis_and_https_only(monkeypatch):
    env = production_env(REDIS_URL="redis://cache.internal:6379/2")
    read = read_settings(monkeypatch, env)
    assert read["PRODUCTION"] is True and read["DEBUG"] is False
    assert read["SECRET_KEY"] == env["SECRET_KEY"]
    assert read["ALLOWED_HOSTS"] == ["jiangtai.example.gov.cn"]
    cache = read["CACHES"]["default"]
    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert cache["LOCATION"] == "redis://cache.internal:6379/2"
    # The read cache stays in each process, bounded: a flood of questions never evicts a login.
    assert read["CACHES"]["read"]["BACKEND"].endswith("LocMemCache")
    assert read["SESSION_ENGINE"] == "django.contrib.sessions.backends.cache"
    assert read["SESSION_COOKIE_SECURE"] and read["CSRF_COOKIE_SECURE"]
    assert read["SECURE_SSL_REDIRECT"] is True
    assert read["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert read["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert read["DATABASES"]["default"]["HOST"] == "db.internal"


def test_outside_production_nothing_is_required(monkeypatch):
    read = read_settings(monkeypatch, {"JIANGTAI_PRODUCTION": "0"})
    assert read["PRODUCTION"] is False
    assert "SECURE_SSL_REDIRECT" not in read
    assert {alias: c["BACKEND"].rsplit(".", 1)[1] for alias, c in read["CACHES"].items()} == {
        "default": "LocMemCache",
        "read": "LocMemCache",
    }


def _manage(*args, env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR, env={**base, **env}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_check_deploy_is_clean_in_production_mode():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stderr


def test_serve_refuses_to_start_with_debug_on():
    result = _manage("serve", "--no-setup", env=production_env(DEBUG="1"))
    assert result.returncode != 0
    assert "DEBUG is on" in result.stderr
    assert "web server started" not in result.stderr + result.stdout


# --- /readyz ------------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _beat():
    """A real worker runs the queued heartbeat and exits when the queue is empty."""
    health.heartbeat_queue()
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_readyz_is_ready_once_a_worker_has_run_the_heartbeat(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == {"state": "up"} and body["cache"] == {"state": "up"}
    assert body["worker"]["state"] == "down" and body["worker"]["last_heartbeat_at"] is None

    _beat()
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ready"
    assert body["worker"]["state"] == "up" and body["worker"]["age_seconds"] <= 5
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db(transaction=True)
def test_readyz_calls_the_workers_down_when_the_heartbeat_is_stale(client, settings):
    _beat()
    assert client.get("/readyz").status_code == 200
    stale = settings.WORKER_HEARTBEAT_STALE_SECONDS + 1
    DBTaskResult.objects.filter(task_path=health.HEARTBEAT_TASK).update(
        finished_at=timezone.now() - timedelta(seconds=stale)
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    worker = response.json()["worker"]
    assert worker["state"] == "down" and worker["error"] == "heartbeat stale"
    assert worker["age_seconds"] >= stale
    assert response.json()["database"]["state"] == "up"


@pytest.mark.django_db(transaction=True)
def test_heartbeats_do_not_pile_up():
    health.heartbeat_queue()
    health.heartbeat_queue()  # the first still waits: no second one
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 1
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
    old = timezone.now() - timedelta(seconds=settings.WORKER_HEARTBEAT_STALE_SECONDS + 5)
    DBTaskResult.objects.update(finished_at=old)
    _beat()
    # The beat that proved nothing any more is gone; only the fresh one is left.
    beats = DBTaskResult.objects.filter(task_path=health.HEARTBEAT_TASK)
    assert beats.count() == 1 and beats.get().finished_at > old


@pytest.mark.django_db(transaction=True)
def test_readyz_names_the_cache_when_redis_does_not_answer(client, settings):
    _beat()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["cache"]["state"] == "down" and body["cache"]["error"] == "ConnectionError"
    assert body["database"]["state"] == "up" and body["worker"]["state"] == "up"
    # Liveness does not depend on the cache: the process itself is fine.
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_readyz_needs_no_login_and_is_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    assert client.get("/accounts/login/").status_code == 301
    response = client.get("/readyz")
    assert response.status_code == 503  # no heartbeat in this test, but answered as it is
    assert response.json()["database"]["state"] == "up"
