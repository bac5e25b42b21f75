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


@pytest.mark.django_db(transaction=True)
def test_eight_parallel_pairings_of_one_mentor_stop_at_the_limit(world):
    from datetime import timedelta

    from django.utils import timezone

    from core.errors import Conflict
    from core.tests.factories import make_lecturer
    from development.models import Pairing

    start = timezone.localdate()
    plan = {s: start + timedelta(days=7 * (i + 1)) for i, s in enumerate(
        ["topic", "preparation", "talk", "trial", "teaching"])}  # fmt: skip
    mentees = [make_lecturer(world.county, f"新人{i}", status="candidate") for i in range(8)]

    def create(i):
        pairing = services.pairing_create(
            actor=world.county_admin, mentor_id=world.zhang.pk, mentee_id=mentees[i].pk,
            starts_on=start, planned=plan,
        )  # fmt: skip
        return pairing.pk

    results = run_in_threads(create, 8)
    made = [r for r in results if isinstance(r, int)]
    assert len(made) == services.MENTEES_AT_ONCE, results
    assert all(
        isinstance(r, Conflict) and r.code == "mentor_limit" for r in results if r not in made
    )
    assert Pairing.objects.filter(mentor=world.zhang).count() == services.MENTEES_AT_ONCE


@pytest.mark.django_db(transaction=True)
def test_eight_parallel_records_of_one_stage_move_it_once(world):
    from datetime import timedelta

    from django.utils import timezone

    from core.errors import Conflict
    from development.models import Pairing, PairingStep

    start = timezone.localdate() - timedelta(days=30)
    plan = {s: start + timedelta(days=i + 1) for i, s in enumerate(
        ["topic", "preparation", "talk", "trial", "teaching"])}  # fmt: skip
    pairing = services.pairing_create(
        actor=world.county_admin, mentor_id=world.zhang.pk, mentee_id=world.candidate.pk,
        starts_on=start, planned=plan,
    )  # fmt: skip

    def record(i):
        services.pairing_stage_done(
            actor=world.lecturer, pairing=Pairing.objects.get(pk=pairing.pk), stage="topic",
            done_on=start + timedelta(days=i), comment=f"第{i}次",
        )  # fmt: skip
        return i

    results = run_in_threads(record, 8)
    winners = [r for r in results if isinstance(r, int)]
    assert len(winners) == 1, results
    assert all(
        isinstance(r, Conflict) and r.code == "bad_state" for r in results if r not in winners
    )
    step = PairingStep.objects.get(pairing=pairing, stage="topic")
    assert Pairing.objects.get(pk=pairing.pk).reached == 1
    assert step.comment == f"第{winners[0]}次" and step.done_on == start + timedelta(
        days=winners[0]
    )
