import pytest
from django.test import override_settings

from accounts.models import ApiToken, LoginThrottle
from core.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_it_issues_a_token_that_opens_me(world, anon_api):
    response = anon_api.post("/api/v1/auth/token", {"username": "secretary", "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    anon_api.token = token
    me = anon_api.get("/api/v1/me").json()
    assert me["username"] == "secretary"
    assert me["county_id"] == world.county.pk
    assert me["roles"] == [{"role": "secretary", "org_id": world.branch.pk}]
    assert me["lecturer_id"] is None
    # Only a digest is stored, never the token itself.
    assert not ApiToken.objects.filter(digest=token).exists()


def test_it_logs_in_by_phone_number(world, anon_api):
    response = anon_api.post(
        "/api/v1/auth/token", {"username": "13900000002", "password": PASSWORD}
    )
    assert response.status_code == 200


def test_me_reports_the_lecturer_profile(world, api_as):
    me = api_as(world.lecturer).get("/api/v1/me").json()
    assert me["lecturer_id"] == world.zhang.pk
    assert me["roles"] == [{"role": "lecturer", "org_id": world.branch.pk}]


def test_it_rejects_wrong_credentials_in_chinese(world, anon_api):
    response = anon_api.post(
        "/api/v1/auth/token",
        {"username": "secretary", "password": "wrong"},
        headers={"Accept-Language": "zh-hans"},
    )
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "bad_credentials"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"]), body


def test_it_rejects_a_missing_field(anon_api):
    response = anon_api.post("/api/v1/auth/token", {"username": "x"})
    assert response.status_code == 422
    assert "password" in response.json()["fields"]


def test_it_rejects_broken_json(anon_api):
    response = anon_api.post("/api/v1/auth/token", raw="{not json")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_json"


@override_settings(LOGIN_MAX_FAILURES=3)
def test_it_locks_an_account_after_repeated_failures(world, anon_api):
    for _ in range(3):
        assert (
            anon_api.post(
                "/api/v1/auth/token", {"username": "secretary", "password": "nope"}
            ).status_code
            == 401
        )
    locked = anon_api.post("/api/v1/auth/token", {"username": "secretary", "password": PASSWORD})
    assert locked.status_code == 429
    assert locked.json()["code"] == "locked_out"
    # Another account from the same address is not locked by these three failures.
    assert (
        anon_api.post(
            "/api/v1/auth/token", {"username": "town_admin", "password": PASSWORD}
        ).status_code
        == 200
    )


@override_settings(LOGIN_MAX_FAILURES=3)
def test_a_successful_login_resets_the_count(world, anon_api):
    for _ in range(2):
        anon_api.post("/api/v1/auth/token", {"username": "secretary", "password": "nope"})
    assert (
        anon_api.post(
            "/api/v1/auth/token", {"username": "secretary", "password": PASSWORD}
        ).status_code
        == 200
    )
    assert not LoginThrottle.objects.filter(key="user:secretary").exists()


def test_an_invalid_or_missing_token_is_401(anon_api):
    assert anon_api.get("/api/v1/me").status_code == 401
    anon_api.token = "forged"
    response = anon_api.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_the_login_page_logs_in_and_out(world, client):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    response = client.post(
        "/accounts/login/", {"username": "secretary", "password": PASSWORD, "next": "/lecturers/"}
    )
    assert response.status_code == 302 and response["Location"] == "/lecturers/"
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_the_login_page_ignores_an_outside_next(world, client):
    response = client.post(
        "/accounts/login/",
        {"username": "secretary", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


@override_settings(LOGIN_MAX_FAILURES=2)
def test_the_login_page_shows_errors_and_lockout(world, client):
    wrong = client.post(
        "/accounts/login/",
        {"username": "secretary", "password": "x"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert wrong.status_code == 401
    assert "form-errors" in wrong.content.decode()
    client.post("/accounts/login/", {"username": "secretary", "password": "x"})
    locked = client.post("/accounts/login/", {"username": "secretary", "password": PASSWORD})
    assert locked.status_code == 429
    empty = client.post("/accounts/login/", {"username": "", "password": ""})
    assert empty.status_code == 400
    assert "has-error" in empty.content.decode()
