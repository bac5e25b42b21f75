"""A course's courseware (课件): checked by content, stored privately, handed out only to
those who may see the course; a lecturer's new file waits with the proposed change until the
county approves it, which records a new CourseRevision."""

from pathlib import Path

import pytest
from django.conf import settings

from accounts.services import api_token_issue
from core.models import AuditLog
from core.tests.factories import make_lecturer, make_member
from courses.courseware import MAX_COURSEWARE_BYTES
from courses.models import Course, CourseRevision, CourseStatus
from courses.services import course_approve, course_create, course_update
from lecturers.lifecycle import lecturer_status_change
from orgs.models import Role

from .courseware_files import DOC, DOCX, EXE, HTML, PDF, PPT, PPTX, ooxml, upload

pytestmark = pytest.mark.django_db


def stored_files() -> list[Path]:
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def post_file(client, user, course_id, name, content):
    headers = {"Authorization": f"Bearer {api_token_issue(user=user)}"} if user else {}
    data = {"file": upload(name, content)} if name else {}
    return client.post(f"/api/v1/courses/{course_id}/attachment", data, headers=headers)


def get_as(client, user, path):
    headers = {"Authorization": f"Bearer {api_token_issue(user=user)}"} if user else {}
    return client.get(path, headers=headers)


def written() -> tuple:
    return (
        list(
            Course.objects.values_list(
                "attachment", "pending_attachment", "change_status", "status"
            ).order_by("pk")
        ),
        CourseRevision.objects.count(),
        AuditLog.objects.count(),
        len(stored_files()),
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("讲稿.pdf", PDF),
        ("课件.pptx", PPTX),
        ("讲稿.docx", DOCX),
        ("旧课件.ppt", PPT),
        ("旧讲稿.doc", DOC),
    ],
)
def test_the_county_attaches_courseware_of_every_kind_at_once(world, client, name, content):
    response = post_file(client, world.county_admin, world.course.pk, name, content)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["attachment_name"] == name
    assert body["attachment_url"] == f"/api/v1/courses/{world.course.pk}/attachment"
    world.course.refresh_from_db()
    assert world.course.attachment.name.startswith(f"courseware/{world.county.pk}/")
    assert not world.course.attachment.name.endswith(name)  # stored under a name of our own
    [revision] = CourseRevision.objects.filter(course=world.course, kind="revised")
    assert revision.snapshot["attachment"] == name
    download = get_as(client, world.secretary, body["attachment_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == content
    assert "attachment;" in download["Content-Disposition"]
    assert download["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("课件.pdf", EXE, "不是真正的 PDF"),
        ("课件.pdf", HTML, "不是真正的 PDF"),
        ("讲稿.docx", HTML, "不是真正的 DOCX"),
        ("讲稿.docx", PPTX, "不是真正的 DOCX"),
        ("课件.pptx", b"PK\x03\x04 not really a zip", "不是真正的 PPTX"),
        ("旧讲稿.doc", PPT, "不是真正的 DOC"),
        ("讲稿.docx", ooxml("word/document.xml", macros=True), "宏"),
        ("病毒.exe", EXE, "PDF、PowerPoint"),
        ("讲稿.html", HTML, "PDF、PowerPoint"),
        ("空.pdf", b"", "空"),
    ],
)
def test_a_disguised_or_unwanted_file_is_refused_by_name_and_nothing_written(
    world, client, name, content, words
):
    before = written()
    for user in (world.lecturer, world.county_admin):
        response = post_file(client, user, world.course.pk, name, content)
        assert response.status_code == 422, response.content
        body = response.json()
        assert body["code"] == "invalid" and words in body["fields"]["file"]
    assert written() == before


def test_a_30_mb_file_is_refused_with_the_limit_named(world, client):
    before = written()
    big = PDF + b"0" * (30 * 1024 * 1024)
    response = post_file(client, world.lecturer, world.course.pk, "大课件.pdf", big)
    assert response.status_code == 422
    assert "20 MB" in response.json()["fields"]["file"]
    # Far beyond: refused before the body is read, in the error shape.
    huge = post_file(client, world.lecturer, world.course.pk, "巨大.pdf", b"0" * (2 * MAX_COURSEWARE_BYTES + 128 * 1024))  # fmt: skip
    assert huge.status_code == 413 and huge.json()["code"] == "too_large"
    assert written() == before


def test_the_upload_needs_a_file(world, client):
    response = post_file(client, world.county_admin, world.course.pk, None, None)
    assert response.status_code == 422 and "file" in response.json()["fields"]


def test_who_may_upload_courseware(world, client):
    """The owner lecturer and the county admin; everyone else is refused, outsiders do not
    even learn the course exists."""
    town_lecturer = make_lecturer(world.county, "钱七", org=world.branch, level="town")
    town_course = Course.objects.create(county=world.county, lecturer=town_lecturer, title="村务公开", category="practical_work")  # fmt: skip
    before = written()
    cases = [
        (world.town_admin, town_course.pk, 403),  # manages the lecturer, yet the county decides
        (world.secretary, world.course.pk, 403),
        (world.li.user, world.course.pk, 403),  # another lecturer
        (world.outsider, world.course.pk, 404),  # another county's admin
        (None, world.course.pk, 401),
        (world.lecturer, world.course_b.pk, 404),
    ]
    for user, course_id, status in cases:
        response = post_file(client, user, course_id, "讲稿.pdf", PDF)
        assert response.status_code == status, (user, response.content)
        assert set(response.json()) <= {"detail", "code", "fields"}
    assert written() == before


def test_the_lecturer_s_file_waits_for_approval_and_then_is_a_revision(
    world, client, django_capture_on_commit_callbacks
):
    course = world.course
    course_create(actor=world.county_admin, lecturer=world.zhang, title="旧版课", category="political_theory")  # fmt: skip
    first = post_file(client, world.county_admin, course.pk, "第一版.pdf", PDF)
    assert first.status_code == 200
    response = post_file(client, world.lecturer, course.pk, "第二版.pptx", PPTX)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "active" and body["change_status"] == "proposed"
    assert body["attachment_name"] == "第一版.pdf"  # the offered version is unchanged
    assert body["pending_attachment_name"] == "第二版.pptx"
    pending_url = body["pending_attachment_url"]
    assert pending_url == f"/api/v1/courses/{course.pk}/attachment/proposed"
    # Organisations still get the first version, and never the proposed one.
    secretary_view = get_as(client, world.secretary, f"/api/v1/courses?q={course.title[:4]}").json()
    [item] = [c for c in secretary_view["items"] if c["id"] == course.pk]
    assert item["pending_attachment_url"] is None and item["pending_attachment_name"] == ""
    assert get_as(client, world.secretary, pending_url).status_code == 404
    assert b"".join(get_as(client, world.secretary, item["attachment_url"]).streaming_content) == PDF  # fmt: skip
    assert get_as(client, world.county_admin, pending_url).status_code == 200
    old_file = Course.objects.get(pk=course.pk).attachment.name
    revisions = CourseRevision.objects.filter(course=course).count()

    with django_capture_on_commit_callbacks(execute=True):
        approved = client.post(f"/api/v1/courses/{course.pk}/approve", headers={"Authorization": f"Bearer {api_token_issue(user=world.county_admin)}"})  # fmt: skip
    assert approved.status_code == 200, approved.content
    body = approved.json()
    assert body["attachment_name"] == "第二版.pptx" and body["change_status"] == ""
    assert body["pending_attachment_url"] is None
    assert CourseRevision.objects.filter(course=course).count() == revisions + 1
    revision = CourseRevision.objects.filter(course=course).first()
    assert revision.kind == "revised" and revision.snapshot["attachment"] == "第二版.pptx"
    download = get_as(client, world.secretary, body["attachment_url"])
    assert b"".join(download.streaming_content) == PPTX
    # The replaced file is gone from the disk; one file is left for the course.
    assert old_file.endswith(".pdf") and not (Path(settings.PRIVATE_MEDIA_ROOT) / old_file).exists()
    assert [p.suffix for p in stored_files()] == [".pptx"]


def test_the_download_is_for_those_who_see_the_course(world, client):
    proposal = course_create(actor=world.lecturer, lecturer=world.zhang, title="新课", category="practical_work", attachment=upload("新课.pdf", PDF))  # fmt: skip
    assert proposal.status == CourseStatus.PROPOSED and proposal.attachment
    url = f"/api/v1/courses/{proposal.pk}/attachment"
    page = f"/courses/{proposal.pk}/courseware/"
    for user, status in [(world.lecturer, 200), (world.county_admin, 200), (world.secretary, 404),
                         (world.town_admin, 404), (world.li.user, 404), (world.outsider, 404)]:  # fmt: skip
        assert get_as(client, user, url).status_code == status, user
        client.force_login(user)
        assert client.get(page).status_code == status, user
        client.logout()
    assert get_as(client, None, url).status_code == 401
    assert client.get(page).status_code == 302  # to the login page
    # Never under /media/.
    stored = Course.objects.get(pk=proposal.pk).attachment.name
    assert client.get(f"/media/{stored}").status_code == 404
    # Offered: the county sees it in the catalogue and so do organisations.
    course_approve(actor=world.county_admin, course=proposal)
    assert get_as(client, world.secretary, url).status_code == 200
    assert get_as(client, world.outsider, url).status_code == 404
    # A course without courseware has none to download.
    assert get_as(client, world.secretary, f"/api/v1/courses/{world.course.pk}/attachment").status_code == 404  # fmt: skip


def test_a_cold_stored_or_removed_lecturer_proposes_nothing(world, client):
    lecturer_status_change(actor=world.county_admin, lecturer=world.zhang, status="cold_store", reason="年度考核不合格")  # fmt: skip
    before = written()
    response = post_file(client, world.lecturer, world.course.pk, "讲稿.pdf", PDF)
    assert response.status_code == 409 and response.json()["code"] == "lecturer_unavailable"
    assert "冷库" in response.json()["detail"]
    api = client.post("/api/v1/courses", {"lecturer_id": world.zhang.pk, "title": "又一门课", "category": "practical_work"}, content_type="application/json", headers={"Authorization": f"Bearer {api_token_issue(user=world.lecturer)}"})  # fmt: skip
    assert api.status_code == 409 and api.json()["code"] == "lecturer_unavailable"
    assert written() == before and not Course.objects.filter(title="又一门课").exists()
    # The county still keeps the lecturer's courses up to date.
    assert (
        post_file(client, world.county_admin, world.course.pk, "讲稿.pdf", PDF).status_code == 200
    )
    # A candidate proposes.
    candidate_user = make_member("candidate_login", world.county, Role.LECTURER)
    world.candidate.user = candidate_user
    world.candidate.save(update_fields=["user"])
    course = course_create(actor=candidate_user, lecturer=world.candidate, title="候选人的课", category="practical_work")  # fmt: skip
    assert course.status == CourseStatus.PROPOSED


def test_a_failed_write_leaves_no_file_behind(world):
    """The title clash is found inside the transaction, after the file was stored."""
    from core.errors import InvalidInput

    course_create(actor=world.lecturer, lecturer=world.zhang, title="重名的课", category="practical_work")  # fmt: skip
    files = len(stored_files())
    with pytest.raises(InvalidInput):
        course_create(actor=world.lecturer, lecturer=world.zhang, title="重名的课", category="practical_work", attachment=upload("a.pdf", PDF))  # fmt: skip
    assert len(stored_files()) == files


def test_a_new_pending_file_replaces_the_previous_pending_one(
    world, django_capture_on_commit_callbacks
):
    course_update(actor=world.lecturer, course=world.course, changes={}, attachment=upload("一.pdf", PDF))  # fmt: skip
    first = Course.objects.get(pk=world.course.pk).pending_attachment.name
    with django_capture_on_commit_callbacks(execute=True):
        course_update(actor=world.lecturer, course=world.course, changes={"outline": "新的提纲"}, attachment=upload("二.docx", DOCX))  # fmt: skip
    course = Course.objects.get(pk=world.course.pk)
    assert course.pending_attachment_name == "二.docx" and course.pending_change == {"outline": "新的提纲"}  # fmt: skip
    assert not (Path(settings.PRIVATE_MEDIA_ROOT) / first).exists()
    assert len(stored_files()) == 1


def test_the_openapi_document_describes_the_upload(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/courses/{course_id}/attachment"]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert {"200", "401", "403", "404", "409", "413", "422"} <= set(operation["responses"])
    course = schema["components"]["schemas"]["CourseOut"]["properties"]
    assert {"attachment_name", "attachment_url", "pending_attachment_url"} <= set(course)


def test_a_repeated_upload_with_an_idempotency_key_changes_nothing(world, client):
    headers = {"Authorization": f"Bearer {api_token_issue(user=world.lecturer)}", "Idempotency-Key": "upload-1"}  # fmt: skip
    url = f"/api/v1/courses/{world.course.pk}/attachment"
    first = client.post(url, {"file": upload("讲稿.pdf", PDF)}, headers=headers)
    assert first.status_code == 200, first.content
    before = written()
    again = client.post(url, {"file": upload("讲稿.pdf", PDF)}, headers=headers)
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and written() == before
    other = client.post(url, {"file": upload("讲稿.pdf", PDF + b"%")}, headers=headers)
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"


@pytest.mark.django_db(transaction=True)
def test_approving_while_the_lecturer_sends_new_files_loses_no_file(world):
    """The county approves a proposed file while the lecturer sends more: whatever the order,
    every file the course refers to is on the disk, no file is left that none refers to, and
    each approval is one revision."""
    from conftest import run_in_threads
    from core.errors import Conflict

    course_update(actor=world.lecturer, course=world.course, changes={}, attachment=upload("第一版.pdf", PDF))  # fmt: skip

    def act(i):
        course = Course.objects.get(pk=world.course.pk)
        try:
            if i % 2 == 0:
                course_approve(actor=world.county_admin, course=course)
                return "approved"
            course_update(actor=world.lecturer, course=course, changes={}, attachment=upload(f"第{i}版.pptx", PPTX))  # fmt: skip
            return "proposed"
        except Conflict as exc:
            return exc.code

    results = run_in_threads(act, 6)
    assert set(results) <= {"approved", "proposed", "bad_state"}, results
    course = Course.objects.get(pk=world.course.pk)
    referenced = {name for name in (course.attachment.name, course.pending_attachment.name) if name}  # fmt: skip
    on_disk = {p.relative_to(settings.PRIVATE_MEDIA_ROOT).as_posix() for p in stored_files()}
    assert referenced == on_disk
    assert course.attachment  # at least the first approval found a proposed file
    revisions = CourseRevision.objects.filter(course=course, kind="revised").count()
    assert revisions == results.count("approved") >= 1
