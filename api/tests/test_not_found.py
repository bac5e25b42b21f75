"""Unknown paths under /api/v1/ answer the API's error shape, for every method and caller."""

import pytest

pytestmark = pytest.mark.django_db

UNKNOWN = [
    "/api/v1/nothing-here",
    "/api/v1/bookings/abc",
    "/api/v1/lecturers/1/unknown/deeper",
    "/api/v1/bookings/",  # the real path has no trailing slash
    "/api/v1/",
    "/api/v1",
]


def _assert_json_404(response):
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "not_found" and body["detail"]


@pytest.mark.parametrize("path", UNKNOWN)
@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete", "head", "options"])
def test_an_unknown_api_path_is_a_json_404(client, path, method):
    response = getattr(client, method)(path)
    if method == "head":
        assert response.status_code == 404
    else:
        _assert_json_404(response)


def test_an_unknown_api_path_is_a_json_404_when_logged_in_too(world, api_as):
    api = api_as(world.secretary)
    _assert_json_404(api.get("/api/v1/nothing-here"))
    _assert_json_404(api.post("/api/v1/nothing-here", {"a": 1}))


def test_a_post_to_an_unknown_path_with_a_session_is_a_404_not_a_csrf_failure(world, client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.secretary)
    _assert_json_404(strict.post("/api/v1/nothing-here", {}))


def test_known_paths_and_pages_are_unchanged(world, api_as, client):
    assert api_as(world.secretary).get("/api/v1/me").status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/no-such-page/").status_code == 404
    assert not client.get("/no-such-page/")["Content-Type"].startswith("application/json")
