"""Attendance marked by hand: the organiser marks a lecturer without a phone present, with a
note, audited; one attendance per lecturer and activity, as with the QR check-in, and the
hours follow. Page, API (every role, an outsider county) and real threads."""

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from accounts.services import api_token_issue
from conftest import run_in_threads
from core.models import AuditLog
from development import pool_selectors, programme_services
from development.programme_models import Attendance

from .pool_helpers import activity

pytestmark = pytest.mark.django_db


def _path(planned):
    return f"/api/v1/activities/{planned.pk}/attendance"


def test_a_mark_by_hand_is_audited_and_credits_the_hours(world):
    planned = activity(world, hours=3)
    attendance, created = programme_services.attendance_mark(
        actor=world.county_admin, activity=planned, lecturer_id=world.li.pk, note="手机没电"
    )
    assert created and attendance.method == "hand" and attendance.note == "手机没电"
    assert attendance.recorded_by == world.county_admin
    entry = AuditLog.objects.get(action="attendance.mark")
    assert entry.after["lecturer"] == world.li.pk
    year = timezone.localdate().year
    rows = {r["lecturer_id"]: r for r in pool_selectors.hours_by_lecturer(world.county_admin, year)}  # fmt: skip
    assert rows[world.li.pk]["hours"] == Decimal("3.0")


@pytest.mark.parametrize(
    ("role", "status"),
    [("county_admin", 201), ("town_admin", 404), ("secretary", 404), ("lecturer", 403),
     ("outsider", 404)],
)  # fmt: skip
def test_who_marks_attendance_on_a_county_activity(world, api_as, role, status):
    planned = activity(world)
    response = api_as(getattr(world, role)).post(
        _path(planned), {"lecturer_id": world.zhang.pk, "note": "无手机"}
    )
    assert response.status_code == status, response.json()
    assert Attendance.objects.count() == (1 if status == 201 else 0)


def test_a_town_admin_marks_their_towns_activity_and_a_second_mark_answers_200(world, api_as):
    planned = activity(world, actor=world.town_admin)
    client = api_as(world.town_admin)
    first = client.post(_path(planned), {"lecturer_id": world.zhang.pk, "note": "无手机"})
    assert first.status_code == 201 and first.json()["method"] == "hand"
    assert first.json()["recorded_by_id"] == world.town_admin.pk
    again = api_as(world.county_admin).post(_path(planned), {"lecturer_id": world.zhang.pk})
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["checked_in_at"] == first.json()["checked_in_at"]
    assert Attendance.objects.count() == 1
    assert AuditLog.objects.filter(action="attendance.mark").count() == 1


def test_a_lecturer_who_scanned_is_not_marked_again(world, api_as):
    planned = activity(world)
    programme_services.activity_check_in(
        actor=world.lecturer, token=programme_services.checkin_token(planned)
    )
    response = api_as(world.county_admin).post(_path(planned), {"lecturer_id": world.zhang.pk})
    assert response.status_code == 200 and response.json()["method"] == "qr"
    assert Attendance.objects.count() == 1


def test_a_lecturer_of_another_county_or_none_is_refused_on_the_field(world, api_as):
    planned = activity(world)
    client = api_as(world.county_admin)
    for lecturer_id in (world.lecturer_b.pk, 999999):
        response = client.post(_path(planned), {"lecturer_id": lecturer_id})
        assert response.status_code == 422 and "lecturer_id" in response.json()["fields"]
    response = client.post(_path(planned), {"lecturer_id": world.zhang.pk, "note": "长" * 201})
    assert response.status_code == 422
    assert not Attendance.objects.exists()


def test_the_organiser_marks_on_the_activity_page(world, login):
    planned = activity(world)
    client = login(world.county_admin)
    page = client.get(f"/selection/activities/{planned.pk}/").content.decode()
    assert 'data-testid="attendance-mark-form"' in page
    done = client.post(
        f"/selection/activities/{planned.pk}/", {"lecturer_id": world.li.pk, "note": "忘带手机"},
        follow=True,
    )  # fmt: skip
    text = done.content.decode()
    assert done.status_code == 200 and "李四光" in text and "忘带手机" in text
    again = client.post(
        f"/selection/activities/{planned.pk}/", {"lecturer_id": world.li.pk}, follow=True
    ).content.decode()
    assert "已" in again and Attendance.objects.count() == 1
    missing = client.post(f"/selection/activities/{planned.pk}/", {"note": "x"})
    assert missing.status_code == 422 and 'data-testid="attendance-mark-form"' in missing.content.decode()  # fmt: skip


def test_others_cannot_mark_on_the_page(world, login):
    planned = activity(world)
    # A town admin sees nothing of a county activity (404); a lecturer sees it, no form.
    lecturer_page = login(world.lecturer).get(f"/selection/activities/{planned.pk}/")
    assert 'data-testid="attendance-mark-form"' not in lecturer_page.content.decode()
    body = {"lecturer_id": world.zhang.pk}
    assert login(world.lecturer).post(f"/selection/activities/{planned.pk}/", body).status_code == 403  # fmt: skip
    assert login(world.outsider).post(f"/selection/activities/{planned.pk}/", body).status_code == 404  # fmt: skip
    assert login(world.town_admin).post(f"/selection/activities/{planned.pk}/", body).status_code == 404  # fmt: skip
    assert not Attendance.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_six_simultaneous_marks_and_a_scan_record_one_attendance(world):
    planned = activity(world)
    admin_token = api_token_issue(user=world.county_admin)
    lecturer_token = api_token_issue(user=world.lecturer)

    def act(i):
        if i == 0:
            path, body, token = (
                f"/api/v1/activities/{planned.pk}/checkin",
                {"token": programme_services.checkin_token(planned)},
                lecturer_token,
            )
        else:
            path, body, token = _path(planned), {"lecturer_id": world.zhang.pk}, admin_token
        response = Client().post(
            path, body, content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )  # fmt: skip
        return response.status_code

    results = run_in_threads(act, 7)
    assert sorted(results) == [200] * 6 + [201], results
    assert Attendance.objects.filter(activity=planned).count() == 1
