"""`manage.py serve` as a real subprocess on a free port, on the test's own database (which
pytest has migrated already), for the tests that drive the served site over HTTP."""

import contextlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.db import connection

STARTUP_SECONDS = 120  # a loaded 2-core CI machine takes most of a minute to import
WORKER_STARTED = re.compile(r"task worker started \(pid (\d+)\)")
WEB_STARTED = re.compile(r"web server started \(pid (\d+)\)")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{db['USER']}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def redis_url() -> str:
    return os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def production_env(tmp_path: Path) -> dict[str, str]:
    """What an operator sets for production mode; a cache key prefix of its own, so that the
    test shares no keys with anything else using the same Redis."""
    (tmp_path / "static").mkdir(exist_ok=True)
    return {
        "JIANGTAI_PRODUCTION": "1",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url(),
        "CACHE_KEY_PREFIX": f"test-{secrets.token_hex(4)}",
        "SITE_URL": "https://jiangtai.example.gov.cn",
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
        "DEBUG": "0",
    }


def until(condition, seconds: float, what: str, log: Path):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} within {seconds} s; serve's output:\n{log.read_text()}")


def pids(pattern: re.Pattern, log: Path) -> list[int]:
    return [int(pid) for pid in pattern.findall(log.read_text())]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@contextlib.contextmanager
def serving(log: Path, *args: str, env: dict[str, str], setup: bool = False):
    """`manage.py serve --no-setup ARGS` (with `setup`, without --no-setup: migrate,
    collectstatic and the demo) until the block ends; then SIGTERM, and it must exit cleanly.
    Yields the process."""
    base = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    with log.open("w") as out:
        serve = subprocess.Popen(
            [sys.executable, "manage.py", "serve", *([] if setup else ["--no-setup"]), *args],
            cwd=settings.BASE_DIR, env={**base, "PYTHONUNBUFFERED": "1", **env},
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        yield serve
    finally:
        if serve.poll() is None:
            serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()
    assert serve.returncode == 0, log.read_text()


def zbar(png: bytes, tmp_path: Path) -> str:
    """What a phone's scanner reads from a QR code image."""
    path = tmp_path / "code.png"
    path.write_bytes(png)
    result = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(path)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


class Http:
    """JSON over HTTP to a served site, as nginx would forward it (X-Forwarded-Proto)."""

    def __init__(self, port: int, token: str | None = None, *, https: bool = True):
        self.base = f"http://127.0.0.1:{port}"
        self.token = token
        self.https = https

    def request(self, method: str, path: str, data=None, headers=None, timeout=15):
        """(status, headers, body bytes); a refused or cut connection raises OSError."""
        sent = {"Accept": "application/json", **(headers or {})}
        if self.https:
            sent["X-Forwarded-Proto"] = "https"
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        body = None
        if data is not None:
            body = json.dumps(data).encode()
            sent["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base + path, data=body, headers=sent, method=method)
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=timeout) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, data=None, **kwargs):
        return self.request("POST", path, data, **kwargs)

    def status(self, path: str) -> int | None:
        try:
            return self.get(path, timeout=3)[0]
        except OSError:
            return None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
