import pytest
from django.test import Client

from accounts.services import api_token_issue
from conftest import run_in_threads
from lecturers.models import Lecturer
from orgs.models import Organisation


def lecturer_payload(world, phone="13712345678"):
    return {"name": "陈新讲", "phone": phone, "source": "expert", "level": "county"}


@pytest.mark.django_db
def test_a_repeat_with_the_same_key_returns_the_first_result(world, api_as):
    client = api_as(world.county_admin)
    headers = {"Idempotency-Key": "create-chen-1"}
    first = client.post("/api/v1/lecturers", lecturer_payload(world), headers=headers)
    second = client.post("/api/v1/lecturers", lecturer_payload(world), headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Lecturer.objects.filter(name="陈新讲").count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_a_conflict(world, api_as):
    client = api_as(world.county_admin)
    headers = {"Idempotency-Key": "k1"}
    assert (
        client.post("/api/v1/lecturers", lecturer_payload(world), headers=headers).status_code
        == 201
    )
    other = client.post(
        "/api/v1/lecturers", lecturer_payload(world, "13712340000"), headers=headers
    )
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"
    assert Lecturer.objects.filter(name="陈新讲").count() == 1


@pytest.mark.django_db
def test_a_failed_request_does_not_burn_the_key(world, api_as):
    client = api_as(world.county_admin)
    headers = {"Idempotency-Key": "k2"}
    bad = {"name": "好村", "level": "village", "parent_id": 10**9}
    assert client.post("/api/v1/orgs", bad, headers=headers).status_code == 422
    good = {"name": "好村", "level": "village", "parent_id": world.town.pk}
    assert client.post("/api/v1/orgs", good, headers=headers).status_code == 201


@pytest.mark.django_db
def test_keys_belong_to_one_user(world, api_as):
    headers = {"Idempotency-Key": "shared"}
    assert api_as(world.secretary).post(
        f"/api/v1/lecturers/{world.zhang.pk}/like", headers=headers
    ).json() == {"likes": 1}
    assert api_as(world.town_admin).post(
        f"/api/v1/lecturers/{world.zhang.pk}/like", headers=headers
    ).json() == {"likes": 2}


@pytest.mark.django_db
def test_a_malformed_key_is_rejected(world, api_as):
    response = api_as(world.county_admin).post(
        "/api/v1/lecturers", lecturer_payload(world), headers={"Idempotency-Key": "x" * 101}
    )
    assert response.status_code == 400
    assert not Lecturer.objects.filter(name="陈新讲").exists()


@pytest.mark.django_db(transaction=True)
def test_parallel_posts_with_one_key_create_one_row(world):
    token = api_token_issue(user=world.county_admin)
    body = {"name": "并发村党支部", "level": "village", "parent_id": world.town.pk}
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "parallel-1"}

    def create(_i):
        response = Client().post(
            "/api/v1/orgs", body, content_type="application/json", headers=headers
        )
        return response.status_code, response.json()["id"]

    results = run_in_threads(create, 20)
    assert all(not isinstance(r, Exception) for r in results), results
    assert {status for status, _ in results} == {201}
    assert len({org_id for _, org_id in results}) == 1
    assert Organisation.objects.filter(name="并发村党支部").count() == 1
