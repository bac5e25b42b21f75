import re

import pytest

pytestmark = pytest.mark.django_db

# Endpoints of API.md that exist so far, with the error statuses each must document.
CONTRACT = {
    ("post", "/api/v1/auth/token"): {401, 422, 429},
    ("post", "/api/v1/auth/password"): {401, 422, 429},
    ("post", "/api/v1/auth/logout"): {401},
    ("get", "/api/v1/me"): {401, 403},
    ("get", "/api/v1/orgs"): {401, 422},
    ("post", "/api/v1/orgs"): {401, 403, 422},
    ("patch", "/api/v1/orgs/{org_id}"): {401, 403, 404, 409, 422},
    ("post", "/api/v1/orgs/{org_id}/deactivate"): {401, 403, 404, 409, 422},
    ("post", "/api/v1/orgs/{org_id}/reactivate"): {401, 403, 404, 409, 422},
    ("get", "/api/v1/lecturers"): {401, 422},
    ("post", "/api/v1/lecturers"): {401, 403, 422},
    ("get", "/api/v1/lecturers/{lecturer_id}"): {401, 404},
    ("post", "/api/v1/lecturers/{lecturer_id}/like"): {401, 404},
    ("get", "/api/v1/courses"): {401, 422},
    ("post", "/api/v1/courses"): {401, 403, 404, 422},
    ("patch", "/api/v1/lecturers/{lecturer_id}"): {401, 403, 404, 409, 422},
    ("post", "/api/v1/lecturers/{lecturer_id}/status"): {401, 403, 404, 409, 422},
    ("patch", "/api/v1/courses/{course_id}"): {401, 403, 404, 409, 422},
    ("post", "/api/v1/courses/{course_id}/approve"): {401, 403, 404, 409},
    ("post", "/api/v1/courses/{course_id}/return"): {401, 403, 404, 409, 422},
    ("get", "/api/v1/province/stats"): {401, 403, 422},
}


def test_the_openapi_document_describes_the_contract(client):
    spec = client.get("/api/v1/openapi.json").json()
    for (method, path), statuses in CONTRACT.items():
        operation = spec["paths"][path][method]
        documented = {int(code) for code in operation["responses"]}
        assert statuses <= documented, (method, path, documented)


def test_the_docs_page_loads_nothing_from_outside(client):
    html = client.get("/api/v1/docs").content.decode()
    assert "swagger" in html.lower()
    assert not re.search(r'(src|href)=["\']https?://', html)


def test_ids_beyond_64_bits_are_refused_not_crashed(world, api_as, client):
    huge = 2**70
    api = api_as(world.county_admin)
    assert api.get(f"/api/v1/lecturers/{huge}").status_code == 404
    assert api.post(f"/api/v1/lecturers/{huge}/like").status_code == 404
    assert api.get("/api/v1/orgs", {"parent": huge}).status_code == 422
    assert api.get("/api/v1/lecturers", {"org_id": huge}).status_code == 422
    assert api.get("/api/v1/courses", {"lecturer_id": huge}).status_code == 422
    response = api.post(
        "/api/v1/courses", {"lecturer_id": huge, "title": "课", "category": "political_theory"}
    )
    assert response.status_code == 422 and "lecturer_id" in response.json()["fields"]
    client.force_login(world.secretary)
    assert client.get(f"/lecturers/{huge}/").status_code == 404
    assert client.get(f"/courses/{huge}/").status_code == 404


def test_every_endpoint_behind_a_login_documents_the_forced_password_change(client):
    """A login still on its initial password gets 403 password_change_required everywhere
    but the change itself (and logging out)."""
    spec = client.get("/api/v1/openapi.json").json()
    exempt = {"/api/v1/auth/password", "/api/v1/auth/logout"}
    missing = [
        (method, path)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if operation.get("security") and path not in exempt and "403" not in operation["responses"]
    ]
    assert missing == []
