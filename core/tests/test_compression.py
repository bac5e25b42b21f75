"""Responses are gzipped when the client accepts it, except bodies compressed already; the
API's JSON carries Chinese as UTF-8 bytes, not \\u escapes."""

import gzip

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from core.middleware import CompressionMiddleware
from core.tests.factories import make_lecturer, session

GZIP = {"Accept-Encoding": "gzip, deflate"}


@pytest.mark.django_db
def test_a_long_page_is_gzipped_for_clients_that_accept_it(world, login):
    for i in range(30):
        make_lecturer(world.county, f"讲师{i:02d}号", specialties="乡村振兴、党史学习教育")
    client = login(world.county_admin)

    plain = client.get("/lecturers/")
    packed = client.get("/lecturers/", headers=GZIP)

    assert plain.status_code == packed.status_code == 200
    assert not plain.has_header("Content-Encoding")
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    page = gzip.decompress(packed.content).decode()
    assert "讲师00号" in page
    assert len(packed.content) < len(plain.content) / 3


@pytest.mark.django_db
def test_api_json_is_utf8_with_raw_chinese_and_gzipped(world, api_as):
    api = api_as(world.county_admin)

    plain = api.get("/api/v1/lecturers")
    packed = api.get("/api/v1/lecturers", headers=GZIP)

    assert plain.status_code == 200
    assert plain["Content-Type"] == "application/json; charset=utf-8"
    assert "张三丰".encode() in plain.content
    assert b"\\u" not in plain.content
    assert plain.json()["items"]
    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == plain.content


@pytest.mark.django_db
def test_a_png_is_not_compressed_again(world, api_as):
    booking = session(world)
    response = api_as(world.secretary).get(
        f"/api/v1/bookings/{booking.pk}/qrcode.png", headers=GZIP
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")
    assert not response.has_header("Content-Encoding")


@pytest.mark.parametrize(
    "content_type, compressed",
    [
        ("application/pdf", False),
        ("image/png", False),
        ("image/jpeg", False),
        ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", False),
        ("image/svg+xml", True),
        ("text/html; charset=utf-8", True),
        ("text/csv; charset=utf-8", True),
    ],
)
def test_compressed_types_pass_through_and_text_is_gzipped(content_type, compressed):
    body = b"%PDF-1.7 " + b"stream of many repeated bytes " * 400
    middleware = CompressionMiddleware(lambda request: HttpResponse(body, content_type=ct))
    ct = content_type
    response = middleware(RequestFactory().get("/x", headers=GZIP))
    assert response.has_header("Content-Encoding") is compressed
    assert (response.content == body) is not compressed
