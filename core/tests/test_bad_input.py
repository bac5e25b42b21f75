"""Input that used to reach a 500 without logging in, or a second record for one phone:
digits of other scripts, NUL characters, surrogates, oversized bodies (both databases)."""

import json

import pytest

from access.services import county_settings_update
from core.errors import InvalidInput
from core.text import ascii_digits, clean_mobile, parse_digits, parse_id
from scheduling.calendar import feed_url_for


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("13912345678", "13912345678"), ("１３９１２３４５６７８", "13912345678"),
     ("١٣٩١٢٣٤٥٦٧٨", "13912345678"), ("＋86 139 1234 5678", "13912345678")],
)  # fmt: skip
def test_a_phone_in_any_scripts_digits_is_the_same_phone(typed, stored):
    assert clean_mobile(typed) == stored


@pytest.mark.parametrize("typed", ["139123456７²", "¹3912345678", "1391234567①"])
def test_superscripts_and_circled_numbers_are_not_digits(typed):
    with pytest.raises(InvalidInput):
        clean_mobile(typed)


def test_parsers_read_decimal_digits_only():
    assert ascii_digits("２０２６-１２") == "2026-12"
    assert parse_id("１２") == 12 and parse_id(" 7 ") == 7 and parse_id(7) == 7
    for value in (
        "²",
        "1_000",
        "+5",
        "-1",
        "0",
        "9" * 5000,
        "",
        None,
        1.5,
        True,
        "99999999999999999999",
    ):
        assert parse_id(value) is None, value
    assert parse_digits("²") is None


def test_a_full_width_phone_cannot_make_a_second_lecturer(world, api_as):
    api = api_as(world.county_admin)
    payload = {"name": "钱七", "source": "party_school", "level": "county"}
    first = api.post("/api/v1/lecturers", {**payload, "phone": "13812345670"})
    assert first.status_code == 201
    second = api.post("/api/v1/lecturers", {**payload, "phone": "１３８１２３４５６７０"})
    assert second.status_code == 422 and "phone" in second.json()["fields"]


def test_logging_in_with_a_full_width_phone_is_the_same_account(world, anon_api):
    response = anon_api.post(
        "/api/v1/auth/token", {"username": "１３９０００００００１", "password": "test-pass-2026"}
    )
    assert response.status_code == 200 and response.json()["token"]


@pytest.mark.parametrize("feed_id", ["²", "1_0", "+1", "9" * 30])
def test_a_calendar_token_with_odd_digits_is_not_found(world, client, feed_id):
    signature = feed_url_for(world.county_admin).rsplit("-", 1)[1].removesuffix(".ics")
    assert client.get(f"/calendar/{feed_id}-{signature}.ics").status_code == 404


def test_a_full_width_calendar_token_is_the_same_feed(world, client):
    token = feed_url_for(world.county_admin).rsplit("/", 1)[1]
    feed_id, rest = token.split("-", 1)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in feed_id)
    assert client.get(f"/calendar/{full_width}-{rest}").status_code == 200


@pytest.mark.parametrize("hours", ["²", "24,²", "1_0", "２4"])
def test_reminder_hours_take_decimal_digits(world, hours):
    if hours == "２4":
        settings = county_settings_update(actor=world.county_admin, reminder_hours=hours)
        assert settings.reminder_hours == "24"
        return
    with pytest.raises(InvalidInput):
        county_settings_update(actor=world.county_admin, reminder_hours=hours)


# --- NUL characters and surrogates: one refusal before any query (PostgreSQL cannot store them)


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/orgs", {"level": "town\x00"}, "level"),
        ("/api/v1/lecturers", {"q": "张\x00"}, "q"),
        ("/api/v1/bookings", {"status": "\x00"}, "status"),
        ("/api/v1/offerings", {"month": "2026-1\x00"}, "month"),
    ],
)
def test_nul_in_an_api_query_is_422_naming_the_parameter(world, api_as, path, params, field):
    response = api_as(world.county_admin).get(path, params)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid" and field in response.json()["fields"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"username": "a\\u0000", "password": "x"}', "username"),
        ('{"username": "x", "password": "\\ud800"}', "password"),
        ('{"username": ["a", {"b": "\\u0000"}], "password": "x"}', "username"),
        ('{"a\\u0000": 1}', "__all__"),
    ],
)
def test_nul_or_half_a_surrogate_in_a_json_body_is_422_naming_the_field(db, anon_api, body, field):
    response = anon_api.post("/api/v1/auth/token", raw=body)
    assert response.status_code == 422 and field in response.json()["fields"]


def test_nul_in_an_api_path_or_header_is_400(world, api_as):
    api = api_as(world.county_admin)
    assert api.get("/api/v1/evaluations/1\x00-abc").status_code == 400
    response = api.get("/api/v1/me", headers={"X-Anything": "a\x00"})
    assert response.status_code == 400 and response.json()["code"] == "invalid_character"


def test_an_escaped_backslash_before_u0000_is_only_text(world, api_as):
    response = api_as(world.county_admin).get("/api/v1/lecturers", {"q": "\\u0000"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("path", "params"),
    [("/lecturers/", {"q": "\x00"}), ("/offerings/", {"month": "2026-12\x00"}),
     ("/bookings/", {"status": "\x00", "page": "2"})],
)  # fmt: skip
def test_nul_in_a_pages_query_drops_that_filter(world, client, path, params):
    client.force_login(world.county_admin)
    assert client.get(path, params).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [("post", "/accounts/login/", {"username": "county_admin\x00", "password": "x"}),
     ("post", "/bookings/calendar/renew/", {"next": "/\x00"}),
     ("get", "/e/1\x00-abc", {}), ("get", "/calendar/1\x00.ics", {})],
)  # fmt: skip
def test_nul_in_a_pages_path_or_form_is_a_chinese_400_page(world, client, method, path, data):
    client.force_login(world.county_admin)
    response = getattr(client, method)(path, data)
    assert response.status_code == 400
    assert "无效字符" in response.content.decode()


def test_nul_in_the_session_cookie_is_400(world, client):
    assert (
        client.get("/lecturers/", headers={"Cookie": "sessionid=abcdefgh\x00"}).status_code == 400
    )


def test_a_malformed_multipart_body_is_400(world, client):
    client.force_login(world.county_admin)
    response = client.post(
        "/offerings/publish/", b"--x\r\nnope", content_type="multipart/form-data"
    )
    assert response.status_code == 400


# --- other 500s the fuzz test found


def test_a_next_that_is_not_a_path_goes_to_the_default(world, client):
    client.force_login(world.county_admin)
    response = client.post("/bookings/calendar/renew/", {"next": "１２３"})
    assert response.status_code == 302 and response["Location"].startswith("/")


def test_a_media_name_too_long_for_the_file_system_is_404(db, client):
    assert client.get("/media/" + "x" * 5000).status_code == 404


def test_inviting_for_the_year_9999_is_refused_not_a_crash(world, client):
    from datetime import timedelta

    from django.utils import timezone

    from matching.services import demand_create

    now = timezone.now()
    demand = demand_create(
        actor=world.county_admin, org_id=world.branch.pk, topic="乡村振兴", venue="村委会",
        window_start=now + timedelta(days=5), window_end=now + timedelta(days=20),
        duration_minutes=90, lat=36.5, lng=118.5,
    )  # fmt: skip
    client.force_login(world.county_admin)
    response = client.post(
        f"/demands/{demand.pk}/invite/",
        {
            "lecturer": world.zhang.pk,
            "course": world.course.pk,
            "start": "9999-12-31T23:59:59-14:00",
        },
    )
    assert response.status_code == 302


# --- bodies too large


def test_a_json_body_over_the_endpoints_limit_is_413_in_the_error_shape(world, api_as):
    api = api_as(world.county_admin)
    body = json.dumps({"name": "x" * 100_000, "level": "town"})
    response = api.post("/api/v1/orgs", raw=body)
    assert response.status_code == 413
    assert response.json()["code"] == "too_large" and response.json()["detail"]


def test_a_body_of_several_mb_is_413_before_anyone_reads_it(db, anon_api):
    body = json.dumps({"username": "x" * (7 * 1024 * 1024), "password": "x"})
    response = anon_api.post("/api/v1/auth/token", raw=body)
    assert response.status_code == 413 and response.json()["code"] == "too_large"


def test_an_upload_endpoint_takes_more_than_the_json_limit(world, api_as, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.services import api_token_issue

    letter = SimpleUploadedFile("letter.pdf", b"%PDF-1.4\n" + b"0" * 1_000_000, "application/pdf")
    response = client.post(
        "/api/v1/outside-sessions",
        {"host": "外县党校", "topic": "党课", "start": "2030-01-01T09:00", "end": "2030-01-01T11:00",
         "venue": "外县", "letter": letter},
        headers={"Authorization": f"Bearer {api_token_issue(user=world.lecturer)}"},
    )  # fmt: skip
    assert response.status_code != 413


def test_a_page_post_of_several_mb_is_a_413_page(world, client):
    client.force_login(world.county_admin)
    response = client.post(
        "/bookings/new/", b"x" * (7 * 1024 * 1024), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413 and "过大" in response.content.decode()


def test_the_openapi_document_lists_413_for_every_operation(db, anon_api):
    schema = anon_api.get("/api/v1/openapi.json").json()
    for operations in schema["paths"].values():
        for operation in operations.values():
            assert "413" in operation["responses"], operation["operationId"]
