"""The quota, the stage order and the certificate numbers under real concurrency, on SQLite
and PostgreSQL: threads released together through the API."""

import pytest
from django.test import Client

from accounts.services import api_token_issue
from conftest import run_in_threads
from development import services
from development.models import Nomination, Review

from .helpers import PANEL, nominate, open_call


def _post(token, path, body):
    response = Client().post(
        path, body, content_type="application/json", headers={"Authorization": f"Bearer {token}"}
    )
    return response.status_code, response.json().get("code")


@pytest.mark.django_db(transaction=True)
def test_twelve_parallel_nominations_fill_a_quota_of_five_exactly(world):
    call = open_call(world, quota=5)
    token = api_token_issue(user=world.secretary)

    def submit(i):
        body = {"channel": "public", "name": f"候选{i}", "phone": f"137000001{i:02d}",
                "org_id": world.branch.pk, "reason": "表现突出"}  # fmt: skip
        return _post(token, f"/api/v1/calls/{call.pk}/nominations", body)

    results = run_in_threads(submit, 12)
    assert results.count((201, None)) == 5, results
    assert all(r == (422, "quota_full") for r in results if r[0] != 201), results
    assert Nomination.objects.filter(call=call).count() == 5


@pytest.mark.django_db(transaction=True)
def test_eight_parallel_reviews_of_one_stage_record_it_once(world):
    nomination = nominate(world, open_call(world))
    token = api_token_issue(user=world.county_admin)

    def review(i):
        path = f"/api/v1/nominations/{nomination.pk}/review"
        return _post(token, path, {"stage": "political", "result": "pass", "note": str(i)})

    results = run_in_threads(review, 8)
    assert results.count((200, None)) == 1, results
    assert all(r == (409, "bad_state") for r in results if r[0] != 200), results
    assert Review.objects.filter(nomination=nomination).count() == 1


@pytest.mark.django_db(transaction=True)
def test_six_parallel_approvals_take_six_different_certificate_numbers(world):
    call = open_call(world)
    nominations = []
    for i in range(6):
        n = nominate(world, call, phone=f"1370000020{i}", name=f"候选{i}")
        for stage, extra in (("political", {}), ("panel", {"scores": PANEL})):
            services.nomination_review(
                actor=world.county_admin, nomination=n, stage=stage, result="pass", **extra
            )
        nominations.append(n)
    token = api_token_issue(user=world.county_admin)

    def approve(i):
        path = f"/api/v1/nominations/{nominations[i].pk}/review"
        body = {"stage": "approval", "result": "pass", "source": "party_worker"}
        return _post(token, path, body)

    results = run_in_threads(approve, 6)
    assert results == [(200, None)] * 6, results
    numbers = set(Nomination.objects.values_list("certificate_seq", flat=True))
    assert numbers == {1, 2, 3, 4, 5, 6}
