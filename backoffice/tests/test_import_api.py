"""The import API end to end: a 5,000-row file through the real task worker with progress
seen moving, the re-import that changes nothing, templates, passwords, access per role."""

import threading
import time

import pytest
from django.contrib.auth.hashers import check_password
from django.db import connection
from django_tasks_db.management.commands.db_worker import Worker
from openpyxl import load_workbook

from accounts.models import User
from backoffice import services
from backoffice.models import ImportJob
from conftest import run_in_threads
from core.errors import Conflict
from courses.models import Course, CourseRevision
from lecturers.models import Lecturer
from orgs.models import Membership, Organisation

from .helpers import XLSX, lecturer_rows, upload, workbook_bytes
from .test_import_files import post


class ThreadWorker(Worker):
    """The task queue's own worker; signals belong to the main thread, so none here."""

    def configure_signals(self) -> None:
        pass


def run_worker() -> threading.Thread:
    """django-tasks-db's worker in a thread, until the queue is empty."""
    worker = ThreadWorker(
        queue_names=["*"], interval=0.05, batch=True, backend_name="default",
        startup_delay=False, max_tasks=None, worker_id="test", excluded_queue_names=[],
    )  # fmt: skip

    def work():
        try:
            worker.run()
        finally:
            connection.close()

    thread = threading.Thread(target=work)
    thread.start()
    return thread


def poll(api, job_id: int, *, seen: list, timeout: float = 150) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = api.get(f"/api/v1/imports/{job_id}").json()
        seen.append((body["status"], body["progress"]))
        if body["status"] in ("done", "invalid", "failed"):
            return body
        time.sleep(0.02)
    raise AssertionError(f"import {job_id} did not finish: {seen[-3:]}")


@pytest.mark.django_db(transaction=True)
def test_5000_lecturers_import_with_progress_then_reimport_changes_nothing(world, api_as):
    api = api_as(world.county_admin)
    content = workbook_bytes(lecturer_rows(5000, org="东镇/东村党支部"), title="讲师")
    response = post(api, content)
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    assert response.json()["status"] == "checking"
    seen: list = []
    worker = run_worker()
    body = poll(api, job_id, seen=seen)
    worker.join(timeout=60)
    assert body["status"] == "done", body["errors"][:3]
    assert (body["created"], body["updated"], body["unchanged"], body["progress"]) == (5000, 0, 0, 100)  # fmt: skip
    running = [p for status, p in seen if status == "running"]
    assert any(0 < p < 100 for p in running), seen[:: max(1, len(seen) // 40)]
    assert running == sorted(running)  # it only moves forward
    new = Lecturer.objects.filter(phone__startswith="137")
    assert new.count() == 5000 and set(new.values_list("org_id", flat=True)) == {world.branch.pk}
    assert User.objects.filter(phone__startswith="137", must_change_password=True).count() == 5000
    assert Membership.objects.filter(user__phone__startswith="137", role="lecturer").count() == 5000
    one = new.get(phone="13700000042")
    assert (one.name, one.name_pinyin, one.birth_year, one.lat) == ("讲师00042", "jiangshi", 1975, 36.5)  # fmt: skip

    again = post(api, content)
    assert again.status_code == 202
    seen = []
    worker = run_worker()
    body = poll(api, again.json()["id"], seen=seen)
    worker.join(timeout=60)
    assert (body["status"], body["created"], body["updated"], body["unchanged"]) == ("done", 0, 0, 5000)  # fmt: skip
    assert Lecturer.objects.filter(phone__startswith="137").count() == 5000


@pytest.mark.django_db(transaction=True)
def test_each_template_downloads_and_reimports_cleanly(world, api_as):
    api = api_as(world.county_admin)
    for kind, sheet_title in (("orgs", "组织"), ("lecturers", "讲师"), ("courses", "课程")):
        response = api.get("/api/v1/imports/template", {"kind": kind})
        assert response.status_code == 200 and response["Content-Type"] == XLSX
        book = load_workbook(__import__("io").BytesIO(response.content))
        assert book.sheetnames == [sheet_title, "填写说明"]
        headers = [c.value for c in book[sheet_title][1]]
        assert headers[0].rstrip("*") in ("名称", "姓名", "讲师手机号") and headers[0].endswith("*")
        assert book[sheet_title].max_row == 3
        job = services.import_start(actor=world.county_admin, kind=kind, upload=upload(response.content))  # fmt: skip
        services.import_run(job_id=job.pk)
        job.refresh_from_db()
        assert (job.status, job.created, job.errors) == ("done", 2, []), (kind, job.errors)
    assert Organisation.objects.filter(name="示例村党支部", parent__name="示例镇").exists()
    assert Course.objects.filter(title="村级议事协商实务", lecturer__phone="13912340002").exists()
    assert CourseRevision.objects.filter(course__title="村级议事协商实务", kind="created").count() == 1  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_the_initial_password_list_is_made_on_download_and_works_once_per_login(world, client):
    from .test_import_check import run_import

    job = run_import(world.county_admin, "lecturers", workbook_bytes(lecturer_rows(3)))
    assert job.status == "done" and len(job.new_user_ids) == 3
    client.force_login(world.county_admin)
    response = client.post(f"/manage/import/{job.pk}/passwords/")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    sheet = load_workbook(__import__("io").BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 3
    _name, phone, username, password = rows[0]
    user = User.objects.get(username=username)
    assert phone == username and check_password(password, user.password)
    assert user.must_change_password
    # the lecturer logs in: that login is no longer on a later list
    client.logout()
    assert client.post("/accounts/login/", {"username": phone, "password": password}).status_code == 302  # fmt: skip
    client.force_login(world.county_admin)
    second = load_workbook(__import__("io").BytesIO(client.post(f"/manage/import/{job.pk}/passwords/").content)).active  # fmt: skip
    assert [r[0] for r in second.iter_rows(min_row=2, values_only=True)] == [r[0] for r in rows[1:]]  # fmt: skip
    job.refresh_from_db()
    assert job.passwords_issued_at is not None


def test_import_access_per_role_and_outsider(world, api_as, anon_api, django_capture_on_commit_callbacks):  # fmt: skip
    content = workbook_bytes(lecturer_rows(2))
    with django_capture_on_commit_callbacks(execute=False):
        job = services.import_start(actor=world.county_admin, kind="lecturers", upload=upload(content))  # fmt: skip
    for user in (world.town_admin, world.secretary, world.lecturer):
        api = api_as(user)
        assert post(api, content).status_code == 403
        assert api.get(f"/api/v1/imports/{job.pk}").status_code == 403
        assert api.get("/api/v1/imports/template", {"kind": "lecturers"}).status_code == 403
    outsider = api_as(world.outsider)
    assert outsider.get(f"/api/v1/imports/{job.pk}").status_code == 404
    assert outsider.get("/api/v1/imports/999999").status_code == 404
    assert anon_api.get(f"/api/v1/imports/{job.pk}").status_code == 401
    assert anon_api.client.post("/api/v1/imports", {"kind": "lecturers"}).status_code == 401
    admin = api_as(world.county_admin)
    body = admin.get(f"/api/v1/imports/{job.pk}").json()
    assert (body["status"], body["progress"], body["errors"]) == ("checking", 0, [])
    assert admin.get("/api/v1/imports/template", {"kind": "bananas"}).status_code == 422
    # one import at a time per county: 409 while this one waits; another county is free
    assert post(admin, content).status_code == 409
    assert post(admin, content).json()["code"] == "import_running"
    with django_capture_on_commit_callbacks(execute=False):
        assert post(outsider, content).status_code == 202
    bad_kind = post(admin, content, kind="bananas")
    assert bad_kind.status_code == 422 and "kind" in bad_kind.json()["fields"]


@pytest.mark.django_db(transaction=True)
def test_two_uploads_at_once_start_one_import(world):
    content = workbook_bytes(lecturer_rows(2))

    def start(i):
        return services.import_start(actor=world.county_admin, kind="lecturers", upload=upload(content))  # fmt: skip

    results = run_in_threads(start, 4)
    started = [r for r in results if isinstance(r, ImportJob)]
    assert len(started) == 1, results
    assert all(isinstance(r, Conflict) and r.code == "import_running" for r in results if r not in started)  # fmt: skip
    assert ImportJob.objects.filter(county=world.county).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_stale_open_import_does_not_block_the_county_forever(world):
    from datetime import timedelta

    from django.utils import timezone

    job = services.import_start(actor=world.county_admin, kind="lecturers", upload=upload(workbook_bytes(lecturer_rows(1))))  # fmt: skip
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=3))
    services.import_start(actor=world.county_admin, kind="lecturers", upload=upload(workbook_bytes(lecturer_rows(1))))  # fmt: skip
    job.refresh_from_db()
    assert job.status == "failed" and job.errors
    assert services.import_run(job_id=job.pk) == "skipped"
