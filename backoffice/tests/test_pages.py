"""/manage/ pages, the audit trail (page and API), and the admin kept for operators."""

from datetime import timedelta
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from backoffice import services
from core.audit import audit
from core.models import AuditLog

from .helpers import XLSX, lecturer_rows, upload, workbook_bytes


def test_manage_pages_are_for_county_admins(world, client):
    for user in (world.town_admin, world.secretary, world.lecturer):
        client.force_login(user)
        for path in ("/manage/import/", "/manage/audit/", "/manage/import/template/lecturers/"):
            assert client.get(path).status_code == 403, (user, path)
        # the index lets town admins in to their own pages (test_org_pages.py)
        expected = 200 if user == world.town_admin else 403
        assert client.get("/manage/").status_code == expected, user
    client.logout()
    assert client.get("/manage/").status_code == 302
    client.force_login(world.county_admin)
    page = client.get("/manage/").content.decode()
    assert "/manage/import/" in page and "/manage/audit/" in page
    assert client.get("/manage/import/template/lecturers/")["Content-Type"] == XLSX


def test_the_import_page_shows_a_bad_file_on_the_form_and_a_job_polls(world, client, django_capture_on_commit_callbacks):  # fmt: skip
    client.force_login(world.county_admin)
    bad = client.post("/manage/import/", {"kind": "lecturers", "file": SimpleUploadedFile("a.xlsx", b"a,b\n1,2", content_type=XLSX)})  # fmt: skip
    assert bad.status_code == 422
    assert "CSV" in bad.content.decode() and 'class="field has-error"' in bad.content.decode()
    with django_capture_on_commit_callbacks(execute=False):
        ok = client.post("/manage/import/", {"kind": "lecturers", "file": upload(workbook_bytes(lecturer_rows(2)))})  # fmt: skip
    assert ok.status_code == 302
    detail = client.get(ok["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in detail and "<progress" in detail
    job_id = int(ok["Location"].rstrip("/").split("/")[-1])
    services.import_run(job_id=job_id)
    status = client.get(f"/manage/import/{job_id}/status/").content.decode()
    assert "hx-trigger" not in status and 'data-status="done"' in status
    assert "下载初始密码名单" in status
    client.force_login(world.outsider)
    assert client.get(f"/manage/import/{job_id}/").status_code == 404


def test_the_audit_trail_is_the_county_s_own_filtered_and_paginated(world, client, api_as):
    audit(actor=world.county_admin, action="org.create", obj=world.town, county_id=world.county.pk, before=None, after={"name": "东镇"})  # fmt: skip
    audit(actor=world.lecturer, action="course.create", obj=world.course, county_id=world.county.pk, after={"title": "乡村振兴"})  # fmt: skip
    audit(actor=world.outsider, action="org.create", obj=world.town_b, county_id=world.county_b.pk)
    # The log is append-only: the old entry is written 40 days ago rather than moved there.
    forty_days_ago = timezone.now() - timedelta(days=40)
    with mock.patch("django.utils.timezone.now", return_value=forty_days_ago):
        audit(actor=world.county_admin, action="lecturer.create", obj=world.zhang, county_id=world.county.pk)  # fmt: skip

    api = api_as(world.county_admin)
    body = api.get("/api/v1/audit").json()
    assert body["count"] == 3 and {i["action"] for i in body["items"]} == {"org.create", "course.create", "lecturer.create"}  # fmt: skip
    assert api.get("/api/v1/audit", {"actor": world.lecturer.pk}).json()["count"] == 1
    assert api.get("/api/v1/audit", {"actor": "county_admin"}).json()["count"] == 2
    assert api.get("/api/v1/audit", {"action": "org.create"}).json()["items"][0]["after"] == {"name": "东镇"}  # fmt: skip
    since = (timezone.localtime() - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%S")
    assert api.get("/api/v1/audit", {"since": since}).json()["count"] == 2
    assert api.get("/api/v1/audit", {"until": since}).json()["count"] == 1
    assert api.get("/api/v1/audit", {"since": "not a date"}).status_code == 422
    assert api.get("/api/v1/audit", {"page_size": 1, "page": 2}).json()["count"] == 3
    outsider = api_as(world.outsider).get("/api/v1/audit").json()
    assert outsider["count"] == 1 and outsider["items"][0]["object_id"] == str(world.town_b.pk)
    for user in (world.town_admin, world.secretary, world.lecturer):
        assert api_as(user).get("/api/v1/audit").status_code == 403
    # no path edits or deletes an entry
    for method in ("post", "put", "patch", "delete"):
        response = getattr(api.client, method)("/api/v1/audit", headers={"Authorization": f"Bearer {api.token}"})  # fmt: skip
        assert response.status_code in (404, 405)
    client.force_login(world.county_admin)
    page = client.get("/manage/audit/", {"action": "course.create"}).content.decode()
    assert "course.create" in page and "乡村振兴" in page and page.count('data-testid="audit-entry"') == 1  # fmt: skip
    assert client.get("/manage/audit/", {"since": "bogus", "page": "x"}).status_code == 200


def test_an_import_leaves_per_object_and_summary_audit_entries(world, api_as):
    job = services.import_start(actor=world.county_admin, kind="lecturers", upload=upload(workbook_bytes(lecturer_rows(3))))  # fmt: skip
    services.import_run(job_id=job.pk)
    body = api_as(world.county_admin).get("/api/v1/audit", {"action": "lecturer.create"}).json()
    assert body["count"] == 3 and all(i["after"]["import_job"] == job.pk for i in body["items"])
    done = AuditLog.objects.get(action="import.done")
    assert done.after["created"] == 3 and done.actor == world.county_admin


def test_the_admin_is_for_operators_and_tells_county_admins_where_to_go(world, client):
    client.force_login(world.county_admin)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    text = response.content.decode()
    assert "/manage/" in text and "运维" in text
    world.county_admin.is_staff = True  # staff is not enough: superusers only
    world.county_admin.save(update_fields=["is_staff"])
    assert client.get("/admin/", follow=True).status_code == 403
    client.force_login(world.secretary)
    refused = client.get("/admin/login/").content.decode()
    assert "/manage/" not in refused and "运维" in refused
    client.logout()
    assert client.get("/admin/login/").status_code == 200  # the operators' login form
    world.county_admin.is_superuser = True
    world.county_admin.save(update_fields=["is_superuser"])
    client.force_login(world.county_admin)
    assert client.get("/admin/").status_code == 200


def test_the_home_page_points_county_admins_to_manage(world, client):
    client.force_login(world.county_admin)
    page = client.get("/").content.decode()
    assert 'href="/manage/"' in page and "/admin/" not in page


def test_audit_filters_at_the_edges_of_the_calendar_answer(world, client, api_as):
    """Bounds with no UTC equivalent, or an offset PostgreSQL does not store, filter as the
    calendar's edge instead of failing."""
    audit(actor=world.county_admin, action="org.create", obj=world.town, county_id=world.county.pk)
    client.force_login(world.county_admin)
    for query, shown in (
        ({"until": "9999-12-31"}, 1),
        ({"since": "0001-01-01"}, 1),
        ({"until": "0001-01-01"}, 0),
        ({"since": "9999-12-31"}, 0),
    ):
        page = client.get("/manage/audit/", query)
        assert page.status_code == 200, query
        assert page.content.decode().count('data-testid="audit-entry"') == shown, query
    api = api_as(world.county_admin)
    for query, count in (
        ({"since": "0389-03-09T18:57:32+19:39"}, 1),
        ({"until": "9999-12-31T23:59:59-10:00"}, 1),
        ({"since": "0001-01-01T00:00:00+05:00"}, 1),
        ({"until": "0001-01-01T00:00:00+05:00"}, 0),
    ):
        response = api.get("/api/v1/audit", query)
        assert response.status_code == 200, query
        assert response.json()["count"] == count, query
