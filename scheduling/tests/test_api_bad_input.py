"""POST /api/v1/bookings with bad input: every refusal has the shape of API.md, names the
field, and writes nothing (no booking, no history, no message, no audit entry)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from access.services import county_settings_update
from accounts.services import api_token_issue
from api.models import IdempotencyRecord
from conftest import run_in_threads
from core.models import AuditLog
from core.tests.factories import make_course, make_lecturer
from core.timeutil import local
from notifications.models import InboxMessage
from scheduling.models import Booking, BookingEvent

from .conftest import at

pytestmark = pytest.mark.django_db

URL = "/api/v1/bookings"


def counts() -> dict:
    return {
        "bookings": Booking.objects.count(),
        "events": BookingEvent.objects.count(),
        "inbox": InboxMessage.objects.count(),
        "audit": AuditLog.objects.count(),
    }


def assert_error(response, status: int, *, code: str | None = None, field: str | None = None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) <= {"detail", "code", "fields"}, body
    assert isinstance(body["detail"], str) and body["detail"].strip()
    assert isinstance(body["code"], str) and body["code"]
    if code:
        assert body["code"] == code, body
    if status in (400, 422):
        if field:
            assert field in body.get("fields", {}), body
            assert body["fields"][field].strip()
    else:
        assert "fields" not in body, body
    return body


def refused(api, payload, status, *, code=None, field=None, raw=None):
    """POST the payload, check the refusal, and check that nothing at all was written."""
    before = counts()
    response = api.post(URL, payload, raw=raw)
    body = assert_error(response, status, code=code, field=field)
    assert counts() == before
    return body


def soon(hours: float) -> tuple[str, str]:
    """An hour-long session starting `hours` from now, in Shanghai time."""
    start = local(timezone.now() + timedelta(hours=hours)).replace(second=0, microsecond=0)
    return start.isoformat(), (start + timedelta(hours=1)).isoformat()


# --- times -----------------------------------------------------------------------------------


def test_a_time_in_the_past(world, api_as, booking_payload):
    payload = booking_payload(start=at(-1, 9).isoformat(), end=at(-1, 11).isoformat())
    refused(api_as(world.secretary), payload, 422, code="invalid", field="start")


def test_a_past_time_is_refused_even_for_a_county_admin(world, api_as, booking_payload):
    payload = booking_payload(start=at(-3, 9).isoformat(), end=at(-3, 11).isoformat())
    refused(api_as(world.county_admin), payload, 422, field="start")


def test_end_before_start(world, api_as, booking_payload):
    payload = booking_payload(start=at(7, 11).isoformat(), end=at(7, 9).isoformat())
    refused(api_as(world.secretary), payload, 422, field="end")


def test_end_equal_to_start(world, api_as, booking_payload):
    payload = booking_payload(start=at(7, 9).isoformat(), end=at(7, 9).isoformat())
    refused(api_as(world.secretary), payload, 422, field="end")


def test_a_session_longer_than_a_day(world, api_as, booking_payload):
    payload = booking_payload(start=at(7, 9).isoformat(), end=at(8, 9, 1).isoformat())
    refused(api_as(world.secretary), payload, 422, field="end")


def test_a_session_shorter_than_ten_minutes(world, api_as, booking_payload):
    payload = booking_payload(start=at(7, 9).isoformat(), end=at(7, 9, 5).isoformat())
    refused(api_as(world.secretary), payload, 422, field="end")


@pytest.mark.parametrize("value", ["tomorrow", "2026-13-45T09:00:00+08:00", "", None, [], True])
def test_a_start_that_is_not_a_time(world, api_as, booking_payload, value):
    refused(api_as(world.secretary), booking_payload(start=value), 422, field="start")


def test_a_time_without_offset_is_read_as_shanghai(world, api_as, booking_payload):
    day = timezone.localdate() + timedelta(days=7)
    naive_start = f"{day:%Y-%m-%d}T09:00:00"
    naive_end = f"{day:%Y-%m-%d}T11:30:00"
    response = api_as(world.secretary).post(URL, booking_payload(start=naive_start, end=naive_end))
    assert response.status_code == 201, response.content
    assert response.json()["start"] == f"{day:%Y-%m-%d}T09:00:00+08:00"
    booking = Booking.objects.get(pk=response.json()["id"])
    assert booking.start_at == datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)
    assert booking.end_at == datetime(day.year, day.month, day.day, 3, 30, tzinfo=UTC)


def test_a_time_with_another_offset_is_converted(world, api_as, booking_payload):
    day = timezone.localdate() + timedelta(days=7)
    response = api_as(world.secretary).post(
        URL,
        booking_payload(start=f"{day:%Y-%m-%d}T02:00:00+00:00", end=f"{day:%Y-%m-%d}T04:00:00Z"),
    )
    assert response.status_code == 201, response.content
    assert response.json()["start"] == f"{day:%Y-%m-%d}T10:00:00+08:00"
    assert response.json()["end"] == f"{day:%Y-%m-%d}T12:00:00+08:00"


OVERFLOW = (
    "9999-12-31T20:00:00-08:00",  # 10000-01-01 04:00 UTC: past the last datetime Python has
    "9999-12-31T22:00:00-08:00",
)


def test_a_time_beyond_the_last_utc_instant_is_bad_input(world, api_as, booking_payload):
    payload = booking_payload(start=OVERFLOW[0], end=OVERFLOW[1])
    body = refused(api_as(world.county_admin), payload, 422)
    assert {"start", "end"} & set(body["fields"])


def test_a_reschedule_beyond_the_last_utc_instant_is_bad_input(world, api_as, booking_payload):
    api = api_as(world.secretary)
    booking_id = api.post(URL, booking_payload()).json()["id"]
    before = counts()
    response = api.post(
        f"{URL}/{booking_id}/reschedule", {"start": OVERFLOW[0], "end": OVERFLOW[1]}
    )
    assert counts() == before
    assert Booking.objects.get(pk=booking_id).start_at == at(7, 9)
    assert_error(response, 422)


# --- the county's notice rule --------------------------------------------------------------


def test_a_secretary_must_book_the_notice_hours_ahead(world, api_as, booking_payload):
    start, end = soon(3)
    refused(api_as(world.secretary), booking_payload(start=start, end=end), 422, field="start")


def test_a_county_admin_may_book_at_short_notice(world, api_as, booking_payload):
    start, end = soon(3)
    response = api_as(world.county_admin).post(URL, booking_payload(start=start, end=end))
    assert response.status_code == 201, response.content
    booking = Booking.objects.get(pk=response.json()["id"])
    # The lecturer must answer before the session starts.
    assert booking.expires_at == booking.start_at


def test_a_town_admin_may_book_at_short_notice_for_the_town(world, api_as, booking_payload):
    start, end = soon(3)
    response = api_as(world.town_admin).post(URL, booking_payload(start=start, end=end))
    assert response.status_code == 201, response.content


def test_the_notice_hours_follow_the_county_setting(world, api_as, booking_payload):
    county_settings_update(actor=world.county_admin, booking_notice_hours=2)
    start, end = soon(3)
    response = api_as(world.secretary).post(URL, booking_payload(start=start, end=end))
    assert response.status_code == 201, response.content
    start, end = soon(1)
    refused(api_as(world.secretary), booking_payload(start=start, end=end), 422, field="start")


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_refusals_speak_chinese(world, api_as, booking_payload):
    api = api_as(world.secretary)
    forbidden = api.post(URL, booking_payload(org_id=world.sibling_branch.pk)).json()
    invalid = api.post(URL, booking_payload(end=at(7, 8).isoformat())).json()
    assert _has_chinese(forbidden["detail"]), forbidden
    assert _has_chinese(invalid["fields"]["end"]), invalid


# --- attendees, course, classroom, texts ---------------------------------------------------


@pytest.mark.parametrize("value", [0, -1, -40, 10**6, 5001])
def test_attendees_out_of_range(world, api_as, booking_payload, value):
    refused(
        api_as(world.secretary),
        booking_payload(expected_attendees=value),
        422,
        field="expected_attendees",
    )


@pytest.mark.parametrize("value", ["四十人", "", None, 12.5, [40], {"n": 40}])
def test_attendees_that_are_not_a_whole_number(world, api_as, booking_payload, value):
    refused(
        api_as(world.secretary),
        booking_payload(expected_attendees=value),
        422,
        field="expected_attendees",
    )


def test_the_largest_allowed_attendance_is_accepted(world, api_as, booking_payload):
    response = api_as(world.secretary).post(URL, booking_payload(expected_attendees=5000))
    assert response.status_code == 201, response.content
    assert response.json()["expected_attendees"] == 5000


def test_an_unknown_course(world, api_as, booking_payload):
    refused(api_as(world.secretary), booking_payload(course_id=10**9), 422, field="course_id")


@pytest.mark.parametrize("value", [0, -3, 2**63, "abc"])
def test_a_course_id_that_cannot_name_a_row(world, api_as, booking_payload, value):
    refused(api_as(world.secretary), booking_payload(course_id=value), 422, field="course_id")


def test_a_course_of_another_lecturer(world, api_as, booking_payload):
    payload = booking_payload(course_id=world.course_li.pk)
    refused(api_as(world.secretary), payload, 422, field="course_id")


def test_a_course_of_another_county(world, api_as, booking_payload):
    payload = booking_payload(course_id=world.course_b.pk)
    refused(api_as(world.county_admin), payload, 422, field="course_id")


@pytest.mark.parametrize("status", ["retired", "developing"])
def test_a_course_that_is_not_offered(world, api_as, booking_payload, status):
    course = make_course(world.zhang, "已停开的课", status=status)
    refused(api_as(world.secretary), booking_payload(course_id=course.pk), 422, field="course_id")


@pytest.mark.parametrize("value", ["outdoor", "", "CLASSROOM", None])
def test_an_unknown_classroom(world, api_as, booking_payload, value):
    refused(api_as(world.secretary), booking_payload(classroom=value), 422, field="classroom")


def test_home_delivery_without_the_members_need(world, api_as, booking_payload):
    payload = booking_payload(classroom="bench", is_home_delivery=True, home_delivery_need="  ")
    refused(api_as(world.secretary), payload, 422, field="home_delivery_need")


def test_home_delivery_outside_a_bench_classroom(world, api_as, booking_payload):
    payload = booking_payload(
        classroom="classroom", is_home_delivery=True, home_delivery_need="老党员行动不便"
    )
    refused(api_as(world.secretary), payload, 422, field="is_home_delivery")


def test_home_delivery_done_right_is_stored(world, api_as, booking_payload):
    payload = booking_payload(
        classroom="bench", is_home_delivery=True, home_delivery_need="老党员行动不便",
        home_member_name="王大爷", home_member_reason="age",
    )  # fmt: skip
    response = api_as(world.secretary).post(URL, payload)
    assert response.status_code == 201, response.content
    assert response.json()["is_home_delivery"] is True
    assert response.json()["home_delivery_need"] == "老党员行动不便"
    assert response.json()["place_type"] == "home"


@pytest.mark.parametrize("field", ["note", "venue", "home_delivery_need"])
def test_a_nul_byte_in_a_text(world, api_as, booking_payload, field):
    change = {field: "会议室\x00二楼"}
    if field == "home_delivery_need":
        change.update(classroom="bench", is_home_delivery=True)
    refused(api_as(world.secretary), booking_payload(**change), 422, field=field)


@pytest.mark.parametrize("value", ["", "   ", "\n\t", None])
def test_an_empty_venue(world, api_as, booking_payload, value):
    refused(api_as(world.secretary), booking_payload(venue=value), 422, field="venue")


def test_a_venue_that_is_too_long(world, api_as, booking_payload):
    refused(api_as(world.secretary), booking_payload(venue="村" * 201), 422, field="venue")


def test_a_note_that_is_too_long(world, api_as, booking_payload):
    refused(api_as(world.secretary), booking_payload(note="注" * 501), 422, field="note")


def test_several_bad_fields_are_named_in_one_answer(world, api_as, booking_payload):
    payload = booking_payload(venue="", classroom="outdoor", expected_attendees=0)
    body = refused(api_as(world.secretary), payload, 422)
    assert {"venue", "classroom", "expected_attendees"} <= set(body["fields"])


def test_a_missing_field(world, api_as, booking_payload):
    payload = booking_payload()
    del payload["venue"]
    refused(api_as(world.secretary), payload, 422, field="venue")


def test_a_body_that_is_not_json(world, api_as, booking_payload):
    body = refused(api_as(world.secretary), None, 400, raw='{"org_id": ')
    assert "fields" not in body


@pytest.mark.parametrize("raw", ["[1, 2, 3]", "null", '"x"', "{}"])
def test_a_body_that_is_not_an_object(world, api_as, booking_payload, raw):
    body = refused(api_as(world.secretary), None, 422, code="invalid", raw=raw)
    assert {"org_id", "lecturer_id", "start", "end", "venue"} <= set(body["fields"])


# --- whom one may book, and for whom -------------------------------------------------------


@pytest.mark.parametrize("org", ["sibling_branch", "other_branch", "branch_b", "county"])
def test_a_secretary_may_book_only_for_the_own_branch(world, api_as, booking_payload, org):
    payload = booking_payload(org_id=getattr(world, org).pk)
    refused(api_as(world.secretary), payload, 403, code="forbidden")


def test_an_unknown_org_looks_like_one_out_of_scope(world, api_as, booking_payload):
    api = api_as(world.secretary)
    unknown = refused(api, booking_payload(org_id=10**9), 403)
    other_county = refused(api, booking_payload(org_id=world.branch_b.pk), 403)
    assert unknown == other_county  # nothing tells the two apart


def test_a_town_admin_may_not_book_for_another_town(world, api_as, booking_payload):
    payload = booking_payload(org_id=world.other_branch.pk)
    refused(api_as(world.town_admin), payload, 403, code="forbidden")


def test_a_county_admin_books_for_units_not_for_the_county_itself(world, api_as, booking_payload):
    api = api_as(world.county_admin)
    refused(api, booking_payload(org_id=world.county.pk), 403, code="forbidden")
    response = api.post(URL, booking_payload(org_id=world.unit.pk))
    assert response.status_code == 201, response.content


def test_the_outsider_may_not_book_in_county_a(world, api_as, booking_payload):
    refused(api_as(world.outsider), booking_payload(), 403, code="forbidden")


def test_a_lecturer_may_not_book(world, api_as, booking_payload):
    refused(api_as(world.lecturer), booking_payload(), 403, code="forbidden")


def test_anonymous_may_not_book(world, anon_api, booking_payload):
    refused(anon_api, booking_payload(), 401, code="not_authenticated")


@pytest.mark.parametrize("status", ["cold_store", "removed", "candidate"])
def test_a_county_admin_cannot_book_a_lecturer_who_is_not_active(
    world, api_as, booking_payload, status
):
    """The county sees the lecturer, so it is told why: 409 lecturer_unavailable."""
    lecturer = make_lecturer(world.county, f"{status}讲师", status=status)
    course = make_course(lecturer, "不可约的课")
    payload = booking_payload(lecturer_id=lecturer.pk, course_id=course.pk)
    refused(api_as(world.county_admin), payload, 409, code="lecturer_unavailable")


@pytest.mark.parametrize("status", ["cold_store", "removed", "candidate"])
def test_a_secretary_does_not_see_a_lecturer_who_is_not_active(
    world, api_as, booking_payload, status
):
    """Non-active lecturers are hidden from everyone but county admins (the access module), so a
    secretary is told 'unknown lecturer' (422), not 403 lecturer_not_bookable."""
    lecturer = make_lecturer(world.county, f"{status}讲师", status=status)
    course = make_course(lecturer, "不可约的课")
    payload = booking_payload(lecturer_id=lecturer.pk, course_id=course.pk)
    api = api_as(world.secretary)
    hidden = refused(api, payload, 422, field="lecturer_id")
    unknown = refused(api, booking_payload(lecturer_id=10**9), 422, field="lecturer_id")
    assert hidden == unknown


def test_a_lecturer_of_another_county_is_unknown(world, api_as, booking_payload):
    api = api_as(world.county_admin)
    other = refused(
        api,
        booking_payload(lecturer_id=world.lecturer_b.pk, course_id=world.course_b.pk),
        422,
        field="lecturer_id",
    )
    unknown = refused(api, booking_payload(lecturer_id=10**9), 422, field="lecturer_id")
    assert other == unknown  # no leak across counties


def test_a_town_lecturer_is_not_bookable_from_another_town(world, api_as, booking_payload):
    payload = booking_payload(lecturer_id=world.li.pk, course_id=world.course_li.pk)
    refused(api_as(world.secretary), payload, 403, code="lecturer_not_bookable")
    refused(api_as(world.town_admin), payload, 403, code="lecturer_not_bookable")


def test_a_town_lecturer_is_bookable_inside_the_own_town(world, api_as, booking_payload):
    payload = booking_payload(
        org_id=world.other_branch.pk, lecturer_id=world.li.pk, course_id=world.course_li.pk
    )
    response = api_as(world.other_secretary).post(URL, payload)
    assert response.status_code == 201, response.content


def test_a_town_lecturer_is_bookable_county_wide_once_the_county_allows(
    world, api_as, booking_payload
):
    payload = booking_payload(lecturer_id=world.li.pk, course_id=world.course_li.pk)
    refused(api_as(world.secretary), payload, 403, code="lecturer_not_bookable")
    county_settings_update(actor=world.county_admin, town_lecturers_county_wide=True)
    response = api_as(world.secretary).post(URL, payload)
    assert response.status_code == 201, response.content
    assert response.json()["lecturer_id"] == world.li.pk
    assert InboxMessage.objects.filter(recipient=world.li.user, event="booking_requested").count()


def test_the_county_wide_setting_of_county_b_does_not_open_county_a(world, api_as, booking_payload):
    county_settings_update(actor=world.outsider, town_lecturers_county_wide=True)
    payload = booking_payload(lecturer_id=world.li.pk, course_id=world.course_li.pk)
    refused(api_as(world.secretary), payload, 403, code="lecturer_not_bookable")


# --- what a good request writes --------------------------------------------------------------


def test_a_good_request_writes_the_booking_its_history_a_message_and_an_audit_entry(
    world, api_as, booking_payload
):
    before = counts()
    response = api_as(world.secretary).post(URL, booking_payload())
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "requested"
    after = counts()
    assert {k: after[k] - before[k] for k in after} == {
        "bookings": 1,
        "events": 1,
        "inbox": 1,
        "audit": 1,
    }


# --- Idempotency-Key -------------------------------------------------------------------------


def test_the_same_key_twice_gives_the_same_booking(world, api_as, booking_payload):
    api = api_as(world.secretary)
    headers = {"Idempotency-Key": "book-zhang-1"}
    first = api.post(URL, booking_payload(), headers=headers)
    before = counts()
    second = api.post(URL, booking_payload(), headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert counts() == before
    assert Booking.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(world, api_as, booking_payload):
    api = api_as(world.secretary)
    headers = {"Idempotency-Key": "book-zhang-2"}
    assert api.post(URL, booking_payload(), headers=headers).status_code == 201
    before = counts()
    other = api.post(URL, booking_payload(venue="另一个会场"), headers=headers)
    assert_error(other, 409, code="idempotency_key_reused")
    assert counts() == before


def test_a_refused_booking_does_not_burn_its_key(world, api_as, booking_payload):
    api = api_as(world.secretary)
    headers = {"Idempotency-Key": "book-zhang-3"}
    refused_first = api.post(URL, booking_payload(venue=""), headers=headers)
    assert refused_first.status_code == 422
    assert not IdempotencyRecord.objects.filter(key="book-zhang-3").exists()
    fixed = api.post(URL, booking_payload(venue="村委会"), headers=headers)
    assert fixed.status_code == 201, fixed.content
    assert Booking.objects.get().venue == "村委会"


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_bookings_with_one_key_make_one_row(world, booking_payload):
    token = api_token_issue(user=world.secretary)
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "parallel-booking"}
    payload = booking_payload(venue="并发会场")

    def post(_i):
        response = Client().post(URL, payload, content_type="application/json", headers=headers)
        return response.status_code, response.json().get("id")

    results = run_in_threads(post, 20)
    assert all(not isinstance(r, Exception) for r in results), results
    assert {status for status, _ in results} == {201}, results
    ids = {booking_id for _, booking_id in results}
    assert len(ids) == 1 and None not in ids
    assert Booking.objects.filter(venue="并发会场").count() == 1
    assert BookingEvent.objects.filter(booking_id=ids.pop()).count() == 1
    assert InboxMessage.objects.filter(recipient=world.lecturer).count() == 1
