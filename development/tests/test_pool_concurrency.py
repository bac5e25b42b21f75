"""Double scans and double promotions under real concurrency, on SQLite and PostgreSQL:
threads released together through the API; the database holds one attendance and one
nomination afterwards."""

import pytest
from django.test import Client

from accounts.services import api_token_issue
from conftest import run_in_threads
from development import programme_services
from development.models import Nomination
from development.pool_models import ReserveMember
from development.programme_models import Attendance

from .helpers import open_call
from .pool_helpers import activity, reserve_member


def _post(token, path, body):
    response = Client().post(
        path, body, content_type="application/json", headers={"Authorization": f"Bearer {token}"}
    )
    return response.status_code, response.json().get("code")


@pytest.mark.django_db(transaction=True)
def test_eight_simultaneous_scans_by_one_lecturer_record_one_attendance(world):
    planned = activity(world)
    token = api_token_issue(user=world.lecturer)
    body = {"token": programme_services.checkin_token(planned)}

    def scan(i):
        return _post(token, f"/api/v1/activities/{planned.pk}/checkin", body)

    results = run_in_threads(scan, 8)
    assert results.count((201, None)) == 1, results
    assert results.count((200, None)) == 7, results
    assert Attendance.objects.filter(activity=planned).count() == 1


@pytest.mark.django_db(transaction=True)
def test_six_simultaneous_promotions_of_one_member_make_one_nomination(world):
    call = open_call(world)
    member = reserve_member(world)
    token = api_token_issue(user=world.county_admin)

    def promote(i):
        return _post(token, f"/api/v1/reserve/{member.pk}/promote", {"call_id": call.pk})

    results = run_in_threads(promote, 6)
    assert results.count((201, None)) == 1, results
    assert all(r == (409, "already_promoted") for r in results if r[0] != 201), results
    assert Nomination.objects.filter(call=call, phone=member.phone).count() == 1
    assert ReserveMember.objects.get(pk=member.pk).nomination is not None
