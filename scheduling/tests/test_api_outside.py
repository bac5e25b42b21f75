"""Out-of-county sessions (L14): a lecturer files one with the invitation letter, the county
organisation department approves or rejects it."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.services import api_token_issue
from core.models import AuditLog
from notifications.models import InboxMessage
from scheduling.models import OutsideSession
from scheduling.services import MAX_LETTER_BYTES

from .conftest import at

pytestmark = pytest.mark.django_db

URL = "/api/v1/outside-sessions"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Where letters are stored: the private folder, never the public MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


def stored_files(media) -> list[Path]:
    return [p for p in Path(media).rglob("*") if p.is_file()] if Path(media).exists() else []


def form(**change):
    data = {
        "host": "邻县委组织部",
        "topic": "乡村振兴专题讲座",
        "start": at(10, 9).isoformat(),
        "end": at(10, 11).isoformat(),
        "venue": "邻县党校报告厅",
        "letter": SimpleUploadedFile("邀请函.pdf", PDF, content_type="application/pdf"),
    }
    data.update(change)
    return {k: v for k, v in data.items() if v is not None}


def file_as(client, user, data, headers=None):
    auth = {"Authorization": f"Bearer {api_token_issue(user=user)}"} if user else {}
    return client.post(URL, data, headers={**auth, **(headers or {})})


def written() -> tuple:
    return (OutsideSession.objects.count(), InboxMessage.objects.count(), AuditLog.objects.count())


def assert_error(response, status, *, code=None, field=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) <= {"detail", "code", "fields"} and body["detail"]
    if code:
        assert body["code"] == code, body
    if field:
        assert field in body["fields"], body
    if status not in (400, 422):
        assert "fields" not in body
    return body


def refused(client, user, data, status, *, code=None, field=None, media=None):
    before = written()
    response = file_as(client, user, data)
    assert_error(response, status, code=code, field=field)
    assert written() == before
    if media is not None:
        assert stored_files(media) == []
    return response


@pytest.fixture
def filed(world, client):
    response = file_as(client, world.lecturer, form())
    assert response.status_code == 201, response.content
    return OutsideSession.objects.get(pk=response.json()["id"])


# --- filing ------------------------------------------------------------------------------------


def test_a_lecturer_files_a_session_and_the_county_admins_are_told(world, client, media):
    response = file_as(client, world.lecturer, form())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and body["lecturer_id"] == world.zhang.pk
    assert body["host"] == "邻县委组织部" and body["venue"] == "邻县党校报告厅"
    assert body["start"] == at(10, 9).isoformat() and body["start"].endswith("+08:00")
    session = OutsideSession.objects.get(pk=body["id"])
    assert session.county_id == world.county.pk
    assert session.letter.read() == PDF
    assert Path(session.letter.path).resolve().is_relative_to(Path(media).resolve())
    told = InboxMessage.objects.filter(event="outside_session_filed")
    assert [m.recipient for m in told] == [world.county_admin]
    assert told[0].url == f"/bookings/outside/{session.pk}/"
    assert AuditLog.objects.filter(
        action="outside_session.file", object_id=str(session.pk)
    ).exists()


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("letter.JPG", "image/jpeg"), ("letter.png", "image/png"), ("LETTER.PDF", "application/pdf")],
)
def test_photos_and_pdfs_are_accepted(world, client, name, content_type):
    if name.lower().endswith(".pdf"):
        content = PDF
    else:
        picture = io.BytesIO()
        Image.new("RGB", (40, 30), "white").save(picture, "PNG" if name.endswith("png") else "JPEG")
        content = picture.getvalue()
    letter = SimpleUploadedFile(name, content, content_type=content_type)
    assert file_as(client, world.lecturer, form(letter=letter)).status_code == 201


@pytest.mark.parametrize(
    "name",
    ["setup.exe", "letter.pdf.exe", "letter", "letter.docx", "letter.html", "pdf", "letter.pdf"],
)
def test_a_letter_of_another_type(world, client, media, name):
    """By name or by content: an executable is refused as setup.exe and as letter.pdf."""
    letter = SimpleUploadedFile(name, b"MZ\x90\x00binary", content_type="application/pdf")
    refused(client, world.lecturer, form(letter=letter), 422, field="letter", media=media)


def test_a_letter_over_five_megabytes(world, client, media):
    letter = SimpleUploadedFile("big.pdf", PDF + b"0" * (MAX_LETTER_BYTES + 1 - len(PDF)))
    refused(client, world.lecturer, form(letter=letter), 422, field="letter", media=media)


def test_a_letter_of_exactly_five_megabytes_is_fine(world, client):
    letter = SimpleUploadedFile("big.pdf", PDF + b"0" * (MAX_LETTER_BYTES - len(PDF)))
    assert file_as(client, world.lecturer, form(letter=letter)).status_code == 201


def test_a_missing_letter(world, client, media):
    data = form()
    del data["letter"]
    refused(client, world.lecturer, data, 422, field="letter", media=media)


def test_a_letter_name_cannot_escape_the_media_folder(world, client, media):
    letter = SimpleUploadedFile("../../../etc/evil.pdf", PDF, content_type="application/pdf")
    response = file_as(client, world.lecturer, form(letter=letter))
    assert response.status_code == 201, response.content
    path = Path(OutsideSession.objects.get().letter.path).resolve()
    assert path.is_relative_to((Path(media) / "invitations").resolve())


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"host": ""}, "host"),
        ({"host": "   "}, "host"),
        ({"host": "邻县\x00组织部"}, "host"),
        ({"topic": "题" * 201}, "topic"),
        ({"venue": ""}, "venue"),
        ({"start": at(-1, 9).isoformat(), "end": at(-1, 11).isoformat()}, "start"),
        ({"end": at(10, 8).isoformat()}, "end"),
        # Two days after the start: worked out when the test runs, as the start is (a value
        # made at collection is a day short when the suite crosses midnight in Shanghai).
        ({"end": lambda: at(12, 9).isoformat()}, "end"),
        ({"start": "下周一"}, "start"),
    ],
)
def test_bad_fields(world, client, media, change, field):
    change = {k: v() if callable(v) else v for k, v in change.items()}
    refused(client, world.lecturer, form(**change), 422, field=field, media=media)


def test_a_time_beyond_the_last_utc_instant(world, client, media):
    change = {"start": "9999-12-31T20:00:00-08:00", "end": "9999-12-31T22:00:00-08:00"}
    before = written()
    response = file_as(client, world.lecturer, form(**change))
    assert written() == before
    assert stored_files(media) == []
    assert_error(response, 422)


@pytest.mark.parametrize("who", ["secretary", "town_admin", "county_admin", "outsider"])
def test_only_lecturers_file(world, client, media, who):
    refused(client, getattr(world, who), form(), 403, code="forbidden", media=media)


def test_anonymous_cannot_file(world, client, media):
    refused(client, None, form(), 401, code="not_authenticated", media=media)


def test_the_same_key_files_once(world, client):
    headers = {"Idempotency-Key": "outside-1"}
    first = file_as(client, world.lecturer, form(), headers)
    second = file_as(client, world.lecturer, form(), headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert OutsideSession.objects.count() == 1


# --- listing -----------------------------------------------------------------------------------


def test_who_sees_the_filed_sessions(world, client, api_as, filed):
    def listed(user):
        response = api_as(user).get(URL)
        assert response.status_code == 200, response.content
        return [s["id"] for s in response.json()]

    assert listed(world.lecturer) == [filed.pk]
    assert listed(world.county_admin) == [filed.pk]
    assert listed(world.li.user) == []
    assert listed(world.secretary) == []
    assert listed(world.town_admin) == []
    assert listed(world.outsider) == []


def test_the_status_filter(world, api_as, filed):
    api = api_as(world.county_admin)
    assert [s["id"] for s in api.get(URL, {"status": "pending"}).json()] == [filed.pk]
    assert api.get(URL, {"status": "approved"}).json() == []


def test_a_nul_byte_in_the_status_filter_is_not_a_server_error(world, api_as, filed):
    response = api_as(world.county_admin).get(URL, {"status": "pend\x00ing"})
    assert response.status_code in (200, 422), response.content
    if response.status_code == 200:
        assert response.json() == []


# --- deciding --------------------------------------------------------------------------------------


def decide(api_as, user, session, **body):
    return api_as(user).post(f"{URL}/{session.pk}/decide", body)


def test_the_county_admin_approves_and_the_lecturer_is_told(world, api_as, filed):
    response = decide(api_as, world.county_admin, filed, approve=True, note="同意")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    assert response.json()["decision_note"] == "同意"
    filed.refresh_from_db()
    assert filed.status == "approved" and filed.decided_by == world.county_admin
    assert filed.decided_at is not None
    told = InboxMessage.objects.get(event="outside_session_decided")
    assert told.recipient == world.lecturer
    assert AuditLog.objects.filter(action="outside_session.approved").count() == 1


def test_approving_needs_no_note(world, api_as, filed):
    response = decide(api_as, world.county_admin, filed, approve=True)
    assert response.status_code == 200 and response.json()["status"] == "approved"


def test_a_rejection_needs_a_note(world, api_as, filed):
    before = written()
    for note in ("", "   "):
        response = decide(api_as, world.county_admin, filed, approve=False, note=note)
        assert_error(response, 422, field="note")
    filed.refresh_from_db()
    assert filed.status == "pending"
    assert written() == before
    rejected = decide(api_as, world.county_admin, filed, approve=False, note="时间冲突")
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert rejected.json()["decision_note"] == "时间冲突"
    assert InboxMessage.objects.filter(recipient=world.lecturer).count() == 1


@pytest.mark.parametrize("second", [{"approve": True}, {"approve": False, "note": "改主意了"}])
def test_deciding_twice_is_a_conflict(world, api_as, filed, second):
    assert decide(api_as, world.county_admin, filed, approve=True).status_code == 200
    before = written()
    response = decide(api_as, world.county_admin, filed, **second)
    assert_error(response, 409, code="bad_state")
    filed.refresh_from_db()
    assert filed.status == "approved"
    assert written() == before


@pytest.mark.parametrize("who", ["town_admin", "secretary", "outsider", "other_secretary"])
def test_others_cannot_decide_and_learn_nothing(world, api_as, filed, who):
    before = written()
    response = decide(api_as, getattr(world, who), filed, approve=True)
    assert_error(response, 404, code="not_found")
    missing = api_as(getattr(world, who)).post(f"{URL}/999999999/decide", {"approve": True})
    assert response.json() == missing.json()
    filed.refresh_from_db()
    assert filed.status == "pending"
    assert written() == before


def test_the_lecturer_cannot_approve_the_own_session(world, api_as, filed):
    response = decide(api_as, world.lecturer, filed, approve=True)
    assert_error(response, 403, code="forbidden")
    filed.refresh_from_db()
    assert filed.status == "pending"


def test_another_lecturer_cannot_see_or_decide(world, api_as, filed):
    response = decide(api_as, world.li.user, filed, approve=True)
    assert_error(response, 404, code="not_found")


def test_anonymous_cannot_decide(world, anon_api, filed):
    response = anon_api.post(f"{URL}/{filed.pk}/decide", {"approve": True})
    assert_error(response, 401, code="not_authenticated")
    filed.refresh_from_db()
    assert filed.status == "pending"


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "approve"), ({"approve": "maybe"}, "approve"), ({"approve": None}, "approve")],
)
def test_a_malformed_decision(world, api_as, filed, body, field):
    response = api_as(world.county_admin).post(f"{URL}/{filed.pk}/decide", body)
    assert_error(response, 422, field=field)
    filed.refresh_from_db()
    assert filed.status == "pending"


def test_the_same_key_decides_once(world, api_as, filed):
    api = api_as(world.county_admin)
    headers = {"Idempotency-Key": "decide-1"}
    first = api.post(f"{URL}/{filed.pk}/decide", {"approve": True}, headers=headers)
    second = api.post(f"{URL}/{filed.pk}/decide", {"approve": True}, headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert InboxMessage.objects.filter(event="outside_session_decided").count() == 1
