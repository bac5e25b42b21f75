"""A first `make run` answers early (issue 18): the setup page while the database is migrated,
then the platform while the demo county loads in the background, with its progress on every
page; a seed stopped half-way leaves nothing, and the next one starts again cleanly."""

import io
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.core.management import call_command

from accounts.models import User
from demo import progress
from demo.setup_page import SetupPage
from lecturers.models import Lecturer
from orgs.models import Organisation

from .served import STARTUP_SECONDS, Http, database_url, free_port, serving, until


@pytest.fixture
def progress_file(tmp_path, monkeypatch):
    path = tmp_path / "progress.json"
    monkeypatch.setenv(progress.ENV, str(path))
    progress.reset()
    yield path
    progress.reset()


def test_pages_show_the_demo_loading_until_it_is_ready(client, progress_file):
    progress.write(progress_file, progress.LOADING, 45)
    html = client.get("/accounts/login/").content.decode()
    assert "演示县正在生成" in html and "<span data-demo-percent>45</span>%" in html
    assert "js/demo-progress.js" in html
    assert client.get("/demo/progress").json() == {"state": "loading", "percent": 45}

    progress.write(progress_file, progress.READY, 100)
    assert "演示县正在生成" not in client.get("/accounts/login/").content.decode()
    assert client.get("/demo/progress").json() == {"state": "ready", "percent": 100}
    # Seen ready once, the file is never read again in this process.
    progress.write(progress_file, progress.LOADING, 3)
    assert progress.current() is None


def test_a_failed_demo_is_said_so(client, progress_file):
    progress.write(progress_file, progress.FAILED, 0)
    html = client.get("/accounts/login/").content.decode()
    assert "演示县生成失败" in html and "data-demo-percent" not in html


def test_without_a_loading_demo_nothing_is_shown(client, monkeypatch):
    monkeypatch.delenv(progress.ENV, raising=False)
    progress.reset()
    assert 'data-testid="demo-progress"' not in client.get("/accounts/login/").content.decode()
    assert client.get("/demo/progress").json()["state"] == "ready"
    progress.reset()


def test_the_setup_page_answers_without_a_database_and_gives_the_port_back():
    port = free_port()
    with SetupPage("127.0.0.1", port):
        site = Http(port, https=False)
        status, headers, body = site.get("/", headers={"Accept": "text/html"})
        assert status == 200 and "讲台正在准备" in body.decode()
        assert 'http-equiv="refresh"' in body.decode() and headers["Cache-Control"] == "no-store"
        assert site.status("/healthz") == 503 and site.status("/readyz") == 503
        assert site.status("/lecturers/") == 503
    assert site.status("/") is None  # closed: gunicorn can bind the port


@pytest.mark.django_db
def test_the_seed_reports_its_progress_and_ends_ready(tmp_path):
    path = tmp_path / "progress.json"
    seen = []
    report = progress.reporter(path)

    def watching(fraction):
        report(fraction)
        seen.append(progress.read(path)["percent"])

    from demo.demo import seed_demo

    seed_demo(history_days=7, progress=watching)
    assert seen[0] == 0 and seen == sorted(seen) and max(seen) <= 99
    assert progress.read(path) == {"state": "loading", "percent": max(seen)}

    call_command("seed_demo", "--county", "绿水县", "--username-prefix", "b_",
                 "--no-history", "--progress-file", str(path), stdout=io.StringIO())  # fmt: skip
    assert progress.read(path) == {"state": "ready", "percent": 100}


def _seed_process(path, env_url: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "seed_demo", "--progress-file", str(path)],
        cwd=settings.BASE_DIR, env={**_base_env(), "DATABASE_URL": env_url},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _base_env() -> dict:
    return {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}


@pytest.mark.django_db(transaction=True)
def test_a_seed_killed_half_way_leaves_nothing_and_the_next_one_starts_clean(tmp_path):
    path = tmp_path / "progress.json"
    seed = _seed_process(path, database_url())
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline and seed.poll() is None:
            state = progress.read(path)
            if state and state["percent"] >= 10:  # well into the replayed year
                break
            time.sleep(0.1)
        assert seed.poll() is None, "the seed ended before it could be stopped"
        seed.send_signal(signal.SIGKILL)
    finally:
        seed.wait()
    assert progress.read(path)["state"] == progress.LOADING  # killed: nobody said otherwise
    assert not Organisation.objects.exists()
    assert not User.objects.exists() and not Lecturer.objects.exists()

    call_command("seed_demo", "--no-history", stdout=io.StringIO())
    assert Organisation.objects.filter(name="青山县").exists()
    assert User.objects.filter(username="secretary").exists()


@pytest.mark.django_db(transaction=True)
def test_serve_answers_while_the_demo_loads_and_a_stop_half_way_keeps_nothing(tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    site = Http(port, https=False)
    env = {
        "DATABASE_URL": database_url(),
        "DEBUG": "1",  # static files copied, not compressed: this test is about the demo
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
    }
    with serving(log, "--port", str(port), "--workers", "1", setup=True, env=env) as serve:

        def banner():
            try:
                status, _h, body = site.get("/accounts/login/", headers={"Accept": "text/html"})
            except OSError:
                return None
            return status == 200 and "演示县正在生成" in body.decode() and body.decode()

        until(banner, STARTUP_SECONDS, "no page with the demo's progress", log)
        status, _h, body = site.get("/demo/progress")
        assert status == 200 and json.loads(body)["state"] == "loading"
        text = log.read_text()
        assert "Loading the demo county in the background" in text
        # The task worker and the scheduler wait for the seed's one transaction.
        assert "task worker started" not in text and "scheduler started" not in text
        assert serve.poll() is None and not Organisation.objects.exists()
    # Stopped half-way (serving() checked the clean exit): nothing of the demo stays.
    assert not Organisation.objects.exists() and not User.objects.exists()


def test_the_progress_file_is_replaced_whole(tmp_path):
    path = tmp_path / "p.json"
    progress.write(path, progress.LOADING, 12)
    assert json.loads(path.read_text()) == {"state": "loading", "percent": 12}
    assert [p.name for p in tmp_path.iterdir()] == ["p.json"]
    path.write_text("{broken")
    assert progress.read(path) is None
    assert progress.read(tmp_path / "missing.json") is None
