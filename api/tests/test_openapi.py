import re

import pytest

pytestmark = pytest.mark.django_db

# Endpoints of API.md that exist so far, with the error statuses each must document.
CONTRACT = {
    ("post", "/api/v1/auth/token"): {401, 422, 429},
    ("get", "/api/v1/me"): {401},
    ("get", "/api/v1/orgs"): {401, 422},
    ("post", "/api/v1/orgs"): {401, 403, 422},
    ("get", "/api/v1/lecturers"): {401, 422},
    ("post", "/api/v1/lecturers"): {401, 403, 422},
    ("get", "/api/v1/lecturers/{lecturer_id}"): {401, 404},
    ("post", "/api/v1/lecturers/{lecturer_id}/like"): {401, 404},
    ("get", "/api/v1/courses"): {401, 422},
    ("post", "/api/v1/courses"): {401, 403, 404, 422},
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
