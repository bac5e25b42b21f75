"""Shared test set-up: fast password hashing, plain static files, personas and an API client."""

import json
import logging
import os
import shutil
import socket
import threading
from pathlib import Path

import pytest
from django.db import connection


def pytest_configure(config):
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The failed-login throttle's delays, shrunk (not removed) so that tests that fail logins
    # stay fast; accounts/tests/test_throttle.py sets its own to measure them.
    settings.LOGIN_DELAY_SECONDS = 0.001
    settings.LOGIN_DELAY_MAX_SECONDS = 0.004
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    # WhiteNoise warns when the collectstatic folder is missing, as on a fresh checkout.
    Path(settings.STATIC_ROOT).mkdir(exist_ok=True)


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests skip cleanly on SQLite; browser tests skip without Chromium, PDF
    tests without pango (which WeasyPrint needs) or pdftotext (which reads the PDFs back) and
    video tests without ffmpeg, unless JIANGTAI_REQUIRE_BROWSER is set (CI sets it, so there
    they must run). Production-mode tests run on PostgreSQL with REDIS_URL naming a Redis that
    answers, or wherever JIANGTAI_REQUIRE_PRODUCTION is set (CI's own step)."""
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    require_production = os.environ.get("JIANGTAI_REQUIRE_PRODUCTION") == "1"
    if not require_production and any("production" in i.keywords for i in items):
        can_serve_production = on_postgres and _redis_answers(os.environ.get("REDIS_URL", ""))
        for item in items:
            if "production" in item.keywords and not can_serve_production:
                item.add_marker(
                    pytest.mark.skip(reason="needs DATABASE_URL=postgres://… and REDIS_URL")
                )
    has_chromium = bool(shutil.which("chromium") or os.path.exists("/usr/bin/chromium"))
    require_browser = os.environ.get("JIANGTAI_REQUIRE_BROWSER") == "1"
    has_ffmpeg = bool(shutil.which("ffmpeg") and shutil.which("ffprobe"))
    has_pdf = any("pdf" in i.keywords for i in items) and bool(
        shutil.which("pdftotext") and _weasyprint_works()
    )
    for item in items:
        if "postgres_only" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs DATABASE_URL=postgres://…"))
        if "ffmpeg" in item.keywords and not has_ffmpeg and not require_browser:
            item.add_marker(
                pytest.mark.skip(reason="ffmpeg is not installed (apt-get install ffmpeg)")
            )
        if "browser" in item.keywords and not has_chromium and not require_browser:
            item.add_marker(
                pytest.mark.skip(reason="Chromium is not installed (apt-get install chromium)")
            )
        if "pdf" in item.keywords and not has_pdf and not require_browser:
            item.add_marker(
                pytest.mark.skip(reason="needs pango and pdftotext (apt-get install poppler-utils)")
            )


def _redis_answers(url: str) -> bool:
    from urllib.parse import urlsplit

    if not url:
        return False
    address = urlsplit(url)
    try:
        with socket.create_connection((address.hostname, address.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def _weasyprint_works() -> bool:
    try:
        import weasyprint  # noqa: F401  (loads pango when imported)
    except (ImportError, OSError):
        return False
    return True


@pytest.fixture
def allow_orm_beside_playwright(monkeypatch):
    """Playwright's sync API keeps an event loop on the main thread, where Django would then
    refuse the test's own ORM calls (SynchronousOnlyOperation)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _no_cached_results_from_other_tests():
    """core.read_cache's entries of one test are never another's: a test's rolled-back
    transaction takes the data generation back, and SQLite may give its ids again. The
    in-process caches only (the production tests' Redis also holds their logins)."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    caches["read"].clear()
    if isinstance(caches["default"], LocMemCache):
        caches["default"].clear()


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    """Uploaded files of a test land in its own temporary folder, never in the checkout."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


class ApiClient:
    """A Django test client that speaks JSON with a bearer token."""

    def __init__(self, client, token: str | None = None):
        self.client = client
        self.token = token

    def _headers(self, headers):
        merged = dict(headers or {})
        if self.token:
            merged["Authorization"] = f"Bearer {self.token}"
        return merged

    def get(self, path, params=None, headers=None):
        return self.client.get(path, params or {}, headers=self._headers(headers))

    def _send(self, method, path, data, headers, raw):
        body = raw if raw is not None else json.dumps(data if data is not None else {})
        return getattr(self.client, method)(
            path, body, content_type="application/json", headers=self._headers(headers)
        )

    def post(self, path, data=None, headers=None, raw: str | None = None):
        return self._send("post", path, data, headers, raw)

    def patch(self, path, data=None, headers=None, raw: str | None = None):
        return self._send("patch", path, data, headers, raw)

    def put(self, path, data=None, headers=None, raw: str | None = None):
        return self._send("put", path, data, headers, raw)


@pytest.fixture
def login(client):
    """login(user) → the test client, logged in as that user (and only that user)."""

    def as_user(user):
        client.logout()
        client.force_login(user)
        return client

    return as_user


@pytest.fixture
def anon_api(client):
    return ApiClient(client)


@pytest.fixture
def api_as(client):
    """api_as(user) → an ApiClient logged in as that user through a real token."""
    from accounts.services import api_token_issue

    def make(user):
        return ApiClient(client, api_token_issue(user=user))

    return make


@pytest.fixture
def world(db):
    from core.tests.factories import build_world

    return build_world()


def run_in_threads(fn, n: int, *args) -> list:
    """Run fn(i, *args) in n real threads released together; return results or exceptions."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def target(i):
        try:
            barrier.wait()
            results[i] = fn(i, *args)
        except Exception as exc:  # collected and asserted by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


@pytest.fixture
def quiet_request_log():
    """For tests that send thousands of refused requests: Django logs each 4xx with its
    request attached, and pytest keeps every record of a test, bodies and all, until the test
    ends (gigabytes over a fuzzing run). 5xx answers are still logged."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)
