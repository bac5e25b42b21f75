"""The booking pages: who sees what, the forms' errors on bad input (nothing written), and
the happy paths through the services."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.tests.factories import make_user
from orgs.models import CountySettings
from scheduling import services
from scheduling.calendar import feed_url_for
from scheduling.models import Booking, BookingStatus, Offering, OutsideSession, ReportedSession

from .conftest import at

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def book(world, *, user=None, org=None, days=7, hour=9, course=None, lecturer=None, **change):
    kwargs = {
        "org_id": (org or world.branch).pk,
        "lecturer_id": (lecturer or world.zhang).pk,
        "course_id": (course or world.course).pk,
        "start": at(days, hour),
        "end": at(days, hour + 2),
        "venue": "东村党群服务中心",
        "expected_attendees": 40,
        "classroom": "classroom",
    }
    kwargs.update(change)
    return services.booking_create(actor=user or world.secretary, **kwargs)


def form_data(world, **change):
    day = at(7).date()
    data = {
        "org": world.branch.pk,
        "course": world.course.pk,
        "date": day.isoformat(),
        "start_time": "09:00",
        "end_time": "11:00",
        "venue": "东村党群服务中心",
        "expected_attendees": "40",
        "classroom": "classroom",
        "note": "",
    }
    data.update(change)
    return data


def errors_of(response) -> str:
    """The text of the page's error messages."""
    html = response.content.decode()
    return " ".join(re.findall(r'class="error"[^>]*>([^<]*)<', html)) + " ".join(
        re.findall(r'<div class="form-errors"[^>]*>(.*?)</div>', html, re.S)
    )


def publish(world, *, days=10, hour=9):
    start = at(days, hour)
    offering, _created = services.offering_publish(
        actor=world.lecturer,
        month=f"{timezone.localtime(start):%Y-%m}",
        course_ids=[world.course.pk],
        slots=[{"start": start, "end": start + timedelta(hours=2)}],
    )
    return offering


# --- logins and roles ---------------------------------------------------------------------------


PAGES = [
    "/bookings/",
    "/bookings/new/?lecturer=1",
    "/bookings/1/",
    "/bookings/outside/",
    "/bookings/outside/1/",
    "/bookings/outside/1/letter/",
    "/bookings/reported/",
    "/offerings/",
    "/offerings/publish/",
    "/settings/county/",
    "/inbox/",
]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_needs_a_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_user_without_a_role_gets_403_on_role_pages(world, login):
    nobody = make_user("nobody", world.county)
    client = login(nobody)
    for url in ("/bookings/", "/bookings/outside/", "/bookings/reported/", "/offerings/publish/",
                "/settings/county/"):  # fmt: skip
        assert client.get(url).status_code == 403, url
    assert client.get("/offerings/").status_code == 200
    assert client.get("/inbox/").status_code == 200


@pytest.mark.parametrize(
    ("who", "url", "status"),
    [
        ("secretary", "/offerings/publish/", 403),
        ("county_admin", "/offerings/publish/", 403),
        ("lecturer", "/bookings/reported/", 403),
        ("lecturer", "/settings/county/", 403),
        ("town_admin", "/settings/county/", 403),
        ("secretary", "/settings/county/", 403),
        ("secretary", "/bookings/outside/", 403),
        ("town_admin", "/bookings/outside/", 403),
        ("lecturer", "/bookings/outside/", 200),
        ("county_admin", "/bookings/outside/", 200),
        ("county_admin", "/settings/county/", 200),
        ("town_admin", "/bookings/reported/", 200),
        ("secretary", "/bookings/reported/", 200),
        ("lecturer", "/offerings/publish/", 200),
    ],
)
def test_role_pages(world, login, who, url, status):
    assert login(getattr(world, who)).get(url).status_code == status


# --- my bookings ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["lecturer", "secretary", "town_admin", "county_admin"])
def test_the_booking_list_shows_the_booking_to_every_party(world, login, who):
    booking = book(world)
    html = login(getattr(world, who)).get("/bookings/").content.decode()
    assert f'href="/bookings/{booking.pk}/"' in html
    assert "乡村振兴战略与农村产业发展" in html
    assert feed_url_for(getattr(world, who)) in html


def test_the_booking_list_hides_other_areas_and_counties(world, login):
    booking = book(world)
    for who in (world.other_secretary, world.outsider):
        html = login(who).get("/bookings/").content.decode()
        assert f'href="/bookings/{booking.pk}/"' not in html
        assert 'class="empty"' in html


def test_the_lecturer_answers_right_on_the_list(world, login):
    first = book(world)
    second = book(world, days=8)
    client = login(world.lecturer)
    html = client.get("/bookings/").content.decode()
    assert f'action="/bookings/{first.pk}/accept/"' in html
    assert f'action="/bookings/{second.pk}/decline/"' in html
    assert re.search(r'class="count-pill">2<', html) is None  # one side only: no side tabs

    response = client.post(f"/bookings/{first.pk}/accept/", {"next": "/bookings/?side=lecturer"})
    assert response.status_code == 302 and response["Location"] == "/bookings/?side=lecturer"
    assert Booking.objects.get(pk=first.pk).status == BookingStatus.CONFIRMED

    response = client.post(f"/bookings/{second.pk}/decline/", {"decline-reason": "那天在外县授课"})
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == BookingStatus.DECLINED and second.reason == "那天在外县授课"


def test_declining_without_a_reason_marks_the_field_and_writes_nothing(world, login):
    booking = book(world)
    response = login(world.lecturer).post(
        f"/bookings/{booking.pk}/decline/", {"decline-reason": " "}
    )
    assert response.status_code == 200
    assert "这个字段是必填项" in errors_of(response) or "必填" in errors_of(response)
    assert 'class="field has-error"' in response.content.decode()
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.REQUESTED


def test_an_overlapping_accept_shows_the_conflict(world, login):
    first = book(world)
    second = book(world, user=world.town_admin, org=world.sibling_branch, hour=10)
    client = login(world.lecturer)
    client.post(f"/bookings/{first.pk}/accept/")
    response = client.post(f"/bookings/{second.pk}/accept/", follow=True)
    assert "您在这个时间已有确认的授课" in response.content.decode() or (
        "already" in response.content.decode()
    )
    assert Booking.objects.get(pk=second.pk).status == BookingStatus.REQUESTED


def test_status_tabs_filter_and_bad_parameters_do_not_break(world, login):
    booking = book(world)
    client = login(world.secretary)
    html = client.get("/bookings/", {"status": "confirmed"}).content.decode()
    assert f'href="/bookings/{booking.pk}/"' not in html
    for params in ({"status": "x"}, {"side": "x"}, {"page": "abc"}, {"page": "999"}):
        assert client.get("/bookings/", params).status_code == 200


def test_renewing_the_calendar_link_revokes_the_old_one(world, login, client):
    old = feed_url_for(world.lecturer)
    login(world.lecturer)
    response = client.post("/bookings/calendar/renew/")
    assert response.status_code == 302
    new = feed_url_for(world.lecturer)
    assert new != old
    path = old.split("://", 1)[1].split("/", 1)[1]
    assert client.get("/" + path).status_code == 404
    assert client.get("/" + new.split("://", 1)[1].split("/", 1)[1]).status_code == 200


# --- booking detail ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("lecturer", 200),
        ("secretary", 200),
        ("town_admin", 200),
        ("county_admin", 200),
        ("other_secretary", 404),
        ("outsider", 404),
    ],
)
def test_the_booking_detail_is_for_the_parties_only(world, login, who, status):
    booking = book(world)
    response = login(getattr(world, who)).get(f"/bookings/{booking.pk}/")
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert "东村党群服务中心" in html and "张三丰" in html and "东村党支部" in html


def test_unknown_and_huge_ids_are_404(world, login):
    client = login(world.secretary)
    assert client.get("/bookings/999999/").status_code == 404
    assert client.get("/bookings/99999999999999999999999/").status_code == 404
    assert client.post("/bookings/99999999999999999999999/accept/").status_code == 404


def test_the_detail_shows_time_in_shanghai_with_the_weekday(world, login):
    booking = book(world)
    html = login(world.secretary).get(f"/bookings/{booking.pk}/").content.decode()
    start = timezone.localtime(booking.start_at)
    weekday = "一二三四五六日"[start.weekday()]
    assert f"{start.month}月{start.day}日 周{weekday} 09:00–11:00" in html


def test_each_side_sees_only_its_actions(world, login):
    booking = book(world)
    lecturer_html = login(world.lecturer).get(f"/bookings/{booking.pk}/").content.decode()
    assert f'action="/bookings/{booking.pk}/accept/"' in lecturer_html
    assert f'action="/bookings/{booking.pk}/reschedule/"' not in lecturer_html
    secretary_html = login(world.secretary).get(f"/bookings/{booking.pk}/").content.decode()
    assert f'action="/bookings/{booking.pk}/accept/"' not in secretary_html
    assert f'action="/bookings/{booking.pk}/reschedule/"' in secretary_html
    assert f'action="/bookings/{booking.pk}/cancel/"' in secretary_html
    assert f'action="/bookings/{booking.pk}/complete/"' not in secretary_html


def test_only_the_lecturer_may_accept(world, login):
    booking = book(world)
    assert login(world.secretary).post(f"/bookings/{booking.pk}/accept/").status_code == 403
    assert login(world.outsider).post(f"/bookings/{booking.pk}/accept/").status_code == 404
    assert login(world.lecturer).get(f"/bookings/{booking.pk}/accept/").status_code == 405
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.REQUESTED


def test_cancelling_needs_a_reason(world, login):
    booking = book(world)
    client = login(world.secretary)
    response = client.post(f"/bookings/{booking.pk}/cancel/", {"cancel-reason": ""})
    assert response.status_code == 200 and errors_of(response)
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.REQUESTED
    response = client.post(f"/bookings/{booking.pk}/cancel/", {"cancel-reason": "村里临时有事"})
    assert response.status_code == 302
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CANCELLED


def test_rescheduling_checks_the_times_and_writes_nothing_on_error(world, login):
    booking = book(world)
    client = login(world.secretary)
    url = f"/bookings/{booking.pk}/reschedule/"
    day = at(9).date().isoformat()
    past = at(-1).date().isoformat()
    for data, field in (
        ({"move-date": day, "move-start_time": "11:00", "move-end_time": "09:00"}, "end_time"),
        ({"move-date": past, "move-start_time": "09:00", "move-end_time": "11:00"}, "date"),
        ({"move-date": "", "move-start_time": "09:00", "move-end_time": "11:00"}, "date"),
        ({"move-date": "2026-02-30", "move-start_time": "09:00", "move-end_time": "11:00"}, "date"),
        ({"move-date": "0001-01-01", "move-start_time": "00:00", "move-end_time": "11:00"}, "date"),
    ):
        response = client.post(url, data)
        assert response.status_code == 200, data
        assert f'id="field-move-{field}"' in response.content.decode()
        html = response.content.decode()
        block = html.split(f'id="field-move-{field}"', 1)[1].split("</div>", 1)[0]
        assert 'class="error"' in block, (data, block)
    booking.refresh_from_db()
    assert booking.start_at == at(7, 9)
    response = client.post(
        url,
        {
            "move-date": day,
            "move-start_time": "14:00",
            "move-end_time": "16:00",
            "move-reason": "改到下午",
        },
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.start_at == at(9, 14) and booking.status == BookingStatus.REQUESTED
    html = client.get(f"/bookings/{booking.pk}/").content.decode()
    assert "改到下午" in html


def test_a_session_is_offered_for_completion_once_it_has_ended(world, login):
    booking = book(world)
    services.booking_accept(actor=world.lecturer, booking=booking)
    client = login(world.secretary)
    assert (
        f'action="/bookings/{booking.pk}/complete/"'
        not in client.get(f"/bookings/{booking.pk}/").content.decode()
    )
    early = client.post(f"/bookings/{booking.pk}/complete/", follow=True)
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED
    assert "notice-error" in early.content.decode()
    now = timezone.now()
    Booking.objects.filter(pk=booking.pk).update(
        start_at=now - timedelta(minutes=5), end_at=now + timedelta(minutes=85)
    )
    html = client.get(f"/bookings/{booking.pk}/").content.decode()
    assert f'action="/bookings/{booking.pk}/complete/"' not in html  # still under way
    Booking.objects.filter(pk=booking.pk).update(
        start_at=now - timedelta(minutes=125), end_at=now - timedelta(minutes=5)
    )
    html = client.get(f"/bookings/{booking.pk}/").content.decode()
    assert f'action="/bookings/{booking.pk}/complete/"' in html
    assert client.post(f"/bookings/{booking.pk}/complete/").status_code == 302
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.COMPLETED


def test_late_cancelling_is_left_to_the_admins(world, login):
    booking = book(world, days=2)
    services.booking_accept(actor=world.lecturer, booking=booking)
    Booking.objects.filter(pk=booking.pk).update(
        start_at=timezone.now() + timedelta(hours=3), end_at=timezone.now() + timedelta(hours=5)
    )
    html = login(world.secretary).get(f"/bookings/{booking.pk}/").content.decode()
    assert f'action="/bookings/{booking.pk}/cancel/"' not in html
    html = login(world.town_admin).get(f"/bookings/{booking.pk}/").content.decode()
    assert f'action="/bookings/{booking.pk}/cancel/"' in html


# --- the booking form ----------------------------------------------------------------------------------


def test_the_booking_form_preselects_the_only_organisation(world, login):
    html = login(world.secretary).get(f"/bookings/new/?lecturer={world.zhang.pk}").content.decode()
    assert f'name="org" value="{world.branch.pk}"' in html
    assert "乡村振兴战略与农村产业发展" in html
    assert 'name="date"' in html and 'type="date"' in html


@pytest.mark.parametrize(("days", "deadline_is_start"), [(2, True), (7, False)])
def test_the_confirmation_names_the_real_deadline(world, login, days, deadline_is_start):
    from core.timeutil import when_label

    client = login(world.secretary)
    day = at(days).date().isoformat()
    response = client.post(
        f"/bookings/new/?lecturer={world.zhang.pk}", form_data(world, date=day), follow=True
    )
    booking = Booking.objects.get()
    html = response.content.decode()
    assert (booking.expires_at == booking.start_at) is deadline_is_start
    assert when_label(booking.expires_at) in html and "72小时" not in html


def test_booking_from_the_form_redirects_to_the_detail(world, login):
    client = login(world.secretary)
    response = client.post(f"/bookings/new/?lecturer={world.zhang.pk}", form_data(world))
    booking = Booking.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/bookings/{booking.pk}/"
    assert booking.start_at == at(7, 9) and booking.end_at == at(7, 11)
    assert booking.org == world.branch and booking.requested_by == world.secretary
    html = client.get(response["Location"]).content.decode()
    assert "notice-success" in html


def test_the_venue_defaults_to_the_organisation_address(world, login):
    world.branch.address = "东村村委会二楼"
    world.branch.save()
    client = login(world.secretary)
    assert (
        'value="东村村委会二楼"'
        in client.get(f"/bookings/new/?lecturer={world.zhang.pk}").content.decode()
    )
    client.post(f"/bookings/new/?lecturer={world.zhang.pk}", form_data(world, venue=""))
    assert Booking.objects.get().venue == "东村村委会二楼"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"date": at(-1).date().isoformat()}, "date"),
        ({"start_time": "11:00", "end_time": "09:00"}, "end_time"),
        ({"expected_attendees": "0"}, "expected_attendees"),
        ({"expected_attendees": "abc"}, "expected_attendees"),
        ({"expected_attendees": "999999"}, "expected_attendees"),
        ({"course": "COURSE_LI"}, "course"),
        ({"course": "abc"}, "course"),
        ({"date": "", "start_time": "", "end_time": ""}, "date"),
        ({"end_time": ""}, "end_time"),
        ({"date": "2026-13-45"}, "date"),
        ({"date": "0001-01-01", "start_time": "00:00"}, "date"),
        ({"classroom": "castle"}, "classroom"),
        ({"is_home_delivery": "on"}, "is_home_delivery"),
        ({"classroom": "bench", "is_home_delivery": "on"}, "home_delivery_need"),
        ({"venue": "x" * 201}, "venue"),
        ({"org": "OTHER_BRANCH"}, "org"),
        ({"slot": "123456"}, "slot"),
        ({"date": at(0).date().isoformat(), "start_time": "23:50", "end_time": "23:59"}, "date"),
    ],
)
def test_bad_booking_input_marks_the_field_and_writes_nothing(world, login, change, field):
    change = {
        k: {"COURSE_LI": world.course_li.pk, "OTHER_BRANCH": world.other_branch.pk}.get(v, v)
        for k, v in change.items()
    }
    response = login(world.secretary).post(
        f"/bookings/new/?lecturer={world.zhang.pk}", form_data(world, **change)
    )
    assert response.status_code == 200
    html = response.content.decode()
    block = html.split(f'id="field-{field}"', 1)[1].split("</fieldset>", 1)[0].split("</div>", 1)[0]
    assert "has-error" in html.split(f'id="field-{field}"', 1)[0].rsplit("<", 1)[1], field
    assert 'class="error"' in block
    assert not Booking.objects.exists()


def test_the_notice_period_is_explained_on_the_date(world, login):
    # An hour that starts within the county's 24 hours' notice, whatever the time of day.
    start = timezone.localtime().replace(minute=0, second=0, microsecond=0) + timedelta(hours=3)
    if (start + timedelta(hours=1)).date() != start.date():
        start -= timedelta(hours=2)
    response = login(world.secretary).post(
        f"/bookings/new/?lecturer={world.zhang.pk}",
        form_data(
            world,
            date=start.date().isoformat(),
            start_time=f"{start:%H:%M}",
            end_time=f"{start + timedelta(hours=1):%H:%M}",
        ),
    )
    assert "24" in errors_of(response)
    assert not Booking.objects.exists()


def test_booking_a_published_slot(world, login):
    offering = publish(world)
    slot = offering.slots.get()
    client = login(world.secretary)
    html = client.get(f"/bookings/new/?lecturer={world.zhang.pk}&slot={slot.pk}").content.decode()
    assert re.search(rf'value="{slot.pk}"[^>]*checked', html)
    response = client.post(
        f"/bookings/new/?lecturer={world.zhang.pk}",
        form_data(world, slot=slot.pk, date="", start_time="", end_time=""),
    )
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert booking.slot == slot and booking.start_at == slot.start_at


def test_a_taken_slot_is_not_offered(world, login):
    offering = publish(world)
    slot = offering.slots.get()
    other = book(world, user=world.town_admin, org=world.sibling_branch, days=10)
    services.booking_accept(actor=world.lecturer, booking=other)
    client = login(world.secretary)
    response = client.get(f"/bookings/new/?lecturer={world.zhang.pk}&slot={slot.pk}")
    html = response.content.decode()
    assert f'name="slot" value="{slot.pk}"' not in html and "notice-warning" in html
    response = client.post(
        f"/bookings/new/?lecturer={world.zhang.pk}", form_data(world, slot=slot.pk)
    )
    assert response.status_code == 200 and Booking.objects.count() == 1


def test_the_booking_form_for_outsiders_and_roles(world, login):
    assert login(world.outsider).get(f"/bookings/new/?lecturer={world.zhang.pk}").status_code == 404
    assert (
        login(world.secretary).get(f"/bookings/new/?lecturer={world.lecturer_b.pk}").status_code
        == 404
    )
    assert login(world.secretary).get("/bookings/new/?lecturer=abc").status_code == 404
    assert (
        login(world.secretary).get(f"/bookings/new/?lecturer={world.candidate.pk}").status_code
        == 404
    )
    assert login(world.lecturer).get(f"/bookings/new/?lecturer={world.zhang.pk}").status_code == 403
    response = login(world.secretary).get("/bookings/new/")
    assert response.status_code == 302 and response["Location"] == "/lecturers/"


def test_a_town_lecturer_of_another_town_is_explained_not_offered(world, login):
    response = login(world.secretary).get(f"/bookings/new/?lecturer={world.li.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="course"' not in html and 'class="empty"' in html
    assert (
        "约课"
        not in login(world.secretary)
        .get(f"/lecturers/{world.li.pk}/")
        .content.decode()
        .split('class="like-row"')[1]
        .split("</section>")[0]
    )
    CountySettings.objects.create(county=world.county, town_lecturers_county_wide=True)
    html = login(world.secretary).get(f"/bookings/new/?lecturer={world.li.pk}").content.decode()
    assert 'name="course"' in html


def test_the_resume_has_a_book_button_and_the_free_times(world, login):
    offering = publish(world)
    slot = offering.slots.get()
    html = login(world.secretary).get(f"/lecturers/{world.zhang.pk}/").content.decode()
    assert f'href="/bookings/new/?lecturer={world.zhang.pk}"' in html
    assert f'href="/bookings/new/?lecturer={world.zhang.pk}&amp;slot={slot.pk}"' in html
    lecturer_html = login(world.lecturer).get(f"/lecturers/{world.zhang.pk}/").content.decode()
    assert 'data-testid="book"' not in lecturer_html


# --- this month's menu and publishing ------------------------------------------------------------------


def test_the_menu_lists_published_slots_with_a_booking_link(world, login):
    offering = publish(world)
    slot = offering.slots.get()
    month = f"{offering.month:%Y-%m}"
    html = login(world.secretary).get("/offerings/", {"month": month}).content.decode()
    assert "张三丰" in html and "乡村振兴战略与农村产业发展" in html
    assert f"/bookings/new/?lecturer={world.zhang.pk}&amp;slot={slot.pk}" in html
    html = (
        login(world.secretary)
        .get("/offerings/", {"month": month, "category": "revolutionary_tradition"})
        .content.decode()
    )
    assert "张三丰" not in html and 'class="empty"' in html
    html = (
        login(world.secretary)
        .get("/offerings/", {"month": month, "town": world.other_town.pk})
        .content.decode()
    )
    assert "张三丰" not in html
    lecturer_view = login(world.lecturer).get("/offerings/", {"month": month}).content.decode()
    assert "张三丰" in lecturer_view and 'data-testid="book-slot"' not in lecturer_view
    assert (
        "张三丰" not in login(world.outsider).get("/offerings/", {"month": month}).content.decode()
    )


@pytest.mark.parametrize("month", ["", "x", "0000-01", "9999-12", "2026-13", "2026-1"])
def test_the_menu_takes_any_month_parameter(world, login, month):
    for params in ({"month": month}, {"month": month, "town": "x", "category": "y", "page": "z"}):
        assert login(world.secretary).get("/offerings/", params).status_code == 200


def test_the_lecturer_publishes_a_month_from_the_page(world, login):
    client = login(world.lecturer)
    start = at(10, 9)
    month = f"{timezone.localtime(start):%Y-%m}"
    html = client.get("/offerings/publish/", {"month": month}).content.decode()
    assert html.count('data-testid="slot-row"') == 8
    data = {
        "month": month,
        "courses": [world.course.pk],
        "note": "晚上也可以",
        "slots-TOTAL_FORMS": "8",
        "slots-INITIAL_FORMS": "0",
        "slots-0-date": start.date().isoformat(),
        "slots-0-start_time": "09:00",
        "slots-0-end_time": "11:00",
    }
    response = client.post("/offerings/publish/", data)
    assert response.status_code == 302
    offering = Offering.objects.get()
    assert offering.note == "晚上也可以" and offering.slots.get().start_at == start
    html = client.get(response["Location"]).content.decode()
    assert "notice-success" in html and f'value="{start.date().isoformat()}"' in html


@pytest.mark.parametrize(
    ("change", "marker"),
    [
        ({"slots-0-end_time": "08:00"}, "slot-row has-error"),
        ({"slots-0-date": at(-2).date().isoformat()}, "slot-row has-error"),
        ({"slots-0-end_time": ""}, "slot-row has-error"),
        ({"courses": []}, 'id="field-courses"'),
        ({"courses": ["COURSE_LI"]}, 'id="field-courses"'),
        (
            {"slots-1-date": "SAME", "slots-1-start_time": "10:00", "slots-1-end_time": "12:00"},
            "form-errors",
        ),
        ({"slots-0-date": "NEXT_MONTH"}, "slot-row has-error"),
    ],
)
def test_bad_publishing_input_is_marked_and_writes_nothing(world, login, change, marker):
    start = at(10, 9)
    month = f"{timezone.localtime(start):%Y-%m}"
    data = {
        "month": month,
        "courses": [world.course.pk],
        "slots-TOTAL_FORMS": "8",
        "slots-INITIAL_FORMS": "0",
        "slots-0-date": start.date().isoformat(),
        "slots-0-start_time": "09:00",
        "slots-0-end_time": "11:00",
    }
    swaps = {
        "SAME": start.date().isoformat(),
        "NEXT_MONTH": (
            timezone.localtime(start).date().replace(day=28) + timedelta(days=10)
        ).isoformat(),
    }
    for key, value in change.items():
        if isinstance(value, list):
            value = [world.course_li.pk if v == "COURSE_LI" else v for v in value]
        data[key] = swaps.get(value, value) if isinstance(value, str) else value
    response = login(world.lecturer).post("/offerings/publish/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert marker in html
    if marker.startswith("id="):
        assert "has-error" in html.split(marker, 1)[0].rsplit("<", 1)[1]
    assert not Offering.objects.exists()


def test_copy_last_month_without_one_says_so(world, login):
    response = login(world.lecturer).post("/offerings/publish/copy/", {"month": "x"}, follow=True)
    assert "notice-error" in response.content.decode()
    assert not Offering.objects.exists()
    assert (
        login(world.secretary).post("/offerings/publish/copy/", {"month": "x"}).status_code == 403
    )


# --- out-of-county sessions -----------------------------------------------------------------------------


def letter(name="邀请函.pdf", content=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def outside_data(**change):
    data = {
        "host": "乙县委党校",
        "topic": "乡村振兴专题",
        "date": at(14).date().isoformat(),
        "start_time": "09:00",
        "end_time": "11:00",
        "venue": "乙县委党校报告厅",
        "letter": letter(),
    }
    data.update(change)
    return data


@pytest.fixture
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


def test_filing_and_approving_an_out_of_county_session(world, login, private_media):
    client = login(world.lecturer)
    response = client.post("/bookings/outside/", outside_data())
    session = OutsideSession.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/bookings/outside/{session.pk}/"
    )
    assert "乡村振兴专题" in client.get("/bookings/outside/").content.decode()

    admin = login(world.county_admin)
    html = admin.get("/bookings/outside/").content.decode()
    assert f'href="/bookings/outside/{session.pk}/"' in html
    response = admin.post(
        f"/bookings/outside/{session.pk}/decide/", {"decision": "reject", "note": ""}
    )
    assert response.status_code == 200 and 'id="field-note"' in response.content.decode()
    assert "请填写不批准的理由" in errors_of(response)
    session.refresh_from_db()
    assert session.status == "pending"
    response = admin.post(f"/bookings/outside/{session.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == "approved" and session.decided_by == world.county_admin
    assert (
        login(world.lecturer)
        .post(f"/bookings/outside/{session.pk}/decide/", {"decision": "approve"})
        .status_code
        == 403
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"letter": ""}, "letter"),
        ({"letter": "EXE"}, "letter"),
        ({"letter": "BIG"}, "letter"),
        ({"host": ""}, "host"),
        ({"date": at(-3).date().isoformat()}, "date"),
        ({"end_time": "08:00"}, "end_time"),
    ],
)
def test_bad_out_of_county_input_is_marked(world, login, private_media, change, field):
    swaps = {
        "EXE": letter("x.exe", b"MZ", "application/octet-stream"),
        "BIG": letter("big.pdf", PDF + b"0" * (5 * 1024 * 1024), "application/pdf"),
    }
    change = {k: swaps.get(v, v) if isinstance(v, str) else v for k, v in change.items()}
    data = {k: v for k, v in outside_data(**change).items() if v != ""}
    response = login(world.lecturer).post("/bookings/outside/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "has-error" in html.split(f'id="field-{field}"', 1)[0].rsplit("<", 1)[1]
    assert not OutsideSession.objects.exists()


def test_the_invitation_letter_is_only_for_the_lecturer_and_county_admins(
    world, login, private_media, client
):
    services.outside_session_file(
        actor=world.lecturer, host="乙县委党校", topic="专题", start=at(14), end=at(14, 11),
        venue="乙县", letter=letter(),
    )  # fmt: skip
    session = OutsideSession.objects.get()
    url = f"/bookings/outside/{session.pk}/letter/"
    for who in (world.lecturer, world.county_admin):
        response = login(who).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
    for who in (world.secretary, world.town_admin, world.outsider, world.li.user):
        assert login(who).get(url).status_code == 404
        assert login(who).get(f"/bookings/outside/{session.pk}/").status_code == 404
    media_path = "/media/" + session.letter.name
    assert session.letter.name.startswith("invitations/")
    for path in (media_path, media_path.replace("invitations/", "./invitations/"),
                 media_path.replace("invitations/", "x/../invitations/"), "/media/Invitations/"):  # fmt: skip
        assert login(world.lecturer).get(path).status_code == 404, path
    client.logout()
    assert client.get(media_path).status_code == 404


# --- reported sessions --------------------------------------------------------------------------------------


def test_reported_sessions_match_bookings_or_are_flagged(world, login):
    booking = book(world)
    services.booking_accept(actor=world.lecturer, booking=booking)
    held = timezone.localtime(booking.start_at).date()
    Booking.objects.filter(pk=booking.pk).update(
        start_at=booking.start_at - timedelta(days=8), end_at=booking.end_at - timedelta(days=8)
    )
    held = held - timedelta(days=8)
    client = login(world.secretary)
    response = client.post(
        "/bookings/reported/",
        {
            "org": world.branch.pk,
            "lecturer_name": "张三丰",
            "topic": "乡村振兴",
            "held_on": held.isoformat(),
        },
    )
    assert response.status_code == 302
    response = client.post(
        "/bookings/reported/",
        {
            "org": world.branch.pk,
            "lecturer_name": "路人甲",
            "topic": "自行安排",
            "held_on": held.isoformat(),
        },
    )
    assert response.status_code == 302
    html = client.get("/bookings/reported/").content.decode()
    assert f'href="/bookings/{booking.pk}/"' in html, html
    assert "未经平台约课" in html
    html = client.get("/bookings/reported/", {"unmatched": "1"}).content.decode()
    assert "路人甲" in html and "乡村振兴" not in html.split("<h1>")[1].split("report-form")[1]
    town_html = login(world.town_admin).get("/bookings/reported/").content.decode()
    assert "路人甲" in town_html
    assert "路人甲" not in login(world.other_secretary).get("/bookings/reported/").content.decode()
    assert "路人甲" not in login(world.outsider).get("/bookings/reported/").content.decode()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"held_on": (timezone.localdate() + timedelta(days=2)).isoformat()}, "held_on"),
        ({"held_on": "0001-01-01"}, "held_on"),
        ({"lecturer_name": ""}, "lecturer_name"),
        ({"org": "OTHER"}, "org"),
    ],
)
def test_bad_reports_are_marked(world, login, change, field):
    data = {
        "org": world.branch.pk,
        "lecturer_name": "张三丰",
        "topic": "乡村振兴",
        "held_on": timezone.localdate().isoformat(),
    }
    data.update({k: world.other_branch.pk if v == "OTHER" else v for k, v in change.items()})
    response = login(world.secretary).post("/bookings/reported/", data)
    assert response.status_code == 200
    assert (
        "has-error"
        in response.content.decode().split(f'id="field-{field}"', 1)[0].rsplit("<", 1)[1]
    )
    assert not ReportedSession.objects.exists()


# --- county settings ------------------------------------------------------------------------------------------

# The reminder and security fields of the settings form, unchanged from the defaults.
REMINDER_RULES = {
    "reminder_hours": "24,2",
    "quiet_hours_start": "21",
    "quiet_hours_end": "8",
    "publish_reminder_day": "1",
    "rate_reminder_hours": "1",
    "rating_burst_per_minute": "10",
    "api_token_days": "30",
    "rating_open_hours": "24",
    "star_thresholds": "90,80,70,60",
    "login_max_failures": "5",
    "login_lockout_minutes": "15",
    "session_idle_minutes": "120",
}


def test_county_admins_change_the_rules(world, login):
    client = login(world.county_admin)
    data = {
        "booking_notice_hours": "48",
        "cancel_notice_hours": "12",
        "request_expiry_hours": "24",
        "town_lecturers_county_wide": "on",
        **REMINDER_RULES,
        "reminder_hours": "48, 3",
    }
    assert client.post("/settings/county/", data).status_code == 302
    rules = CountySettings.for_county(world.county.pk)
    assert (rules.booking_notice_hours, rules.cancel_notice_hours, rules.request_expiry_hours) == (
        48,
        12,
        24,
    )
    assert rules.town_lecturers_county_wide
    assert rules.reminder_hour_list == [48, 3]
    html = client.get("/settings/county/").content.decode()
    assert 'value="48"' in html


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("booking_notice_hours", "-1"),
        ("request_expiry_hours", "0"),
        ("cancel_notice_hours", "9999"),
        ("booking_notice_hours", "abc"),
        ("reminder_hours", "0,500"),
        ("quiet_hours_start", "24"),
        ("publish_reminder_day", "30"),
    ],
)
def test_bad_rules_are_marked_and_not_saved(world, login, field, value):
    data = {
        "booking_notice_hours": "48",
        "cancel_notice_hours": "12",
        "request_expiry_hours": "24",
        **REMINDER_RULES,
        field: value,
    }
    response = login(world.county_admin).post("/settings/county/", data)
    assert response.status_code == 200
    assert (
        "has-error"
        in response.content.decode().split(f'id="field-{field}"', 1)[0].rsplit("<", 1)[1]
    )
    assert not CountySettings.objects.exists()


def test_an_outsider_admin_changes_only_the_own_county(world, login):
    data = {
        "booking_notice_hours": "1",
        "cancel_notice_hours": "1",
        "request_expiry_hours": "1",
        **REMINDER_RULES,
    }
    assert login(world.outsider).post("/settings/county/", data).status_code == 302
    assert CountySettings.for_county(world.county.pk).booking_notice_hours == 24
    assert CountySettings.for_county(world.county_b.pk).booking_notice_hours == 1


# --- home page -------------------------------------------------------------------------------------------------


def test_the_home_page_shows_each_role_its_work(world, login, private_media):
    booking = book(world)
    html = login(world.lecturer).get("/").content.decode()
    assert re.search(r'data-testid="waiting-orders">\s*<span>待接单</span><b>1</b>', html)
    html = login(world.secretary).get("/").content.decode()
    assert 'data-testid="upcoming"' in html and f'href="/bookings/{booking.pk}/"' in html
    services.outside_session_file(
        actor=world.lecturer, host="乙县委党校", topic="专题", start=at(14), end=at(14, 11),
        venue="乙县", letter=letter(),
    )  # fmt: skip
    html = login(world.county_admin).get("/").content.decode()
    assert re.search(r'data-testid="pending-outside">\s*<span>[^<]+</span><b>1</b>', html)


def test_the_403_page_says_why(world, login):
    response = login(world.secretary).get("/offerings/publish/")
    assert response.status_code == 403
    assert "只有讲师可以进行此操作" in response.content.decode()


def test_a_tampered_slot_table_is_an_error_not_a_crash(world, login):
    client = login(world.lecturer)
    month = f"{timezone.localtime(at(10)):%Y-%m}"
    for extra in ({}, {"slots-TOTAL_FORMS": "x"}, {"slots-TOTAL_FORMS": "100000"}):
        data = {"month": month, "courses": [world.course.pk], "slots-INITIAL_FORMS": "0", **extra}
        assert client.post("/offerings/publish/", data).status_code == 200, extra
    assert not Offering.objects.exists()


# --- month end (晒课 pages open on the month people plan) -------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        ("2026-11-01", "2026-11-01"),
        ("2026-11-19", "2026-11-01"),
        ("2026-11-20", "2026-12-01"),
        ("2026-11-30", "2026-12-01"),
        ("2026-12-31", "2027-01-01"),
    ],
)
def test_the_menu_opens_on_next_month_from_the_20th(today, expected):
    from datetime import date

    from scheduling.views import default_menu_month

    assert default_menu_month(date.fromisoformat(today)) == date.fromisoformat(expected)


@pytest.mark.parametrize("path", ["/offerings/", "/offerings/publish/"])
def test_on_the_30th_both_menu_pages_open_next_month_with_this_month_a_tap_away(
    world, login, monkeypatch, path
):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    client = login(world.lecturer)  # log in before time is moved
    the_30th = datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    monkeypatch.setattr(timezone, "now", lambda: the_30th)
    html = client.get(path).content.decode()
    assert "2026年12月" in html.split("</h1>", 1)[0] or 'value="2026-12"' in html
    assert "?month=2026-11" in html  # the current month, one tap away


# --- booking from a course ----------------------------------------------------------------------


def _selected_course(html: str) -> str | None:
    match = re.search(r'<option value="(\d+)"[^>]*selected', html.split('name="course"', 1)[1])
    return match.group(1) if match else None


def test_a_course_page_offers_to_book_that_course(world, login):
    from core.tests.factories import make_course

    make_course(world.zhang, "第二门课")
    html = login(world.secretary).get(f"/courses/{world.course.pk}/").content.decode()
    link = re.search(r'href="([^"]+)"[^>]*data-testid="book-course"', html).group(1)
    form = login(world.secretary).get(link.replace("&amp;", "&")).content.decode()
    assert _selected_course(form) == str(world.course.pk)


@pytest.mark.parametrize("persona", ["lecturer", "outsider_view"])
def test_the_course_page_button_is_only_for_those_who_may_book(world, login, persona):
    if persona == "lecturer":
        html = login(world.lecturer).get(f"/courses/{world.course.pk}/").content.decode()
        assert 'data-testid="book-course"' not in html
    else:  # a branch may not book a town-level lecturer of another town
        html = login(world.secretary).get(f"/courses/{world.course_li.pk}/").content.decode()
        assert 'data-testid="book-course"' not in html


def test_a_slot_of_a_month_with_one_course_preselects_it(world, login):
    from core.tests.factories import make_course

    make_course(world.zhang, "第二门课")  # offered in general, not published this month
    slot = publish(world).slots.get()
    html = (
        login(world.secretary)
        .get(f"/bookings/new/?lecturer={world.zhang.pk}&slot={slot.pk}")
        .content.decode()
    )
    assert _selected_course(html) == str(world.course.pk)


def test_a_course_from_elsewhere_is_not_preselected(world, login):
    from core.tests.factories import make_course

    make_course(world.zhang, "第二门课")
    html = (
        login(world.secretary)
        .get(f"/bookings/new/?lecturer={world.zhang.pk}&course={world.course_li.pk}")
        .content.decode()
    )
    assert _selected_course(html) is None


# --- a clashing time is flagged while the form is filled in ------------------------------------------


def test_the_booking_form_warns_at_once_of_a_clash(world, login):
    confirmed = book(world, user=world.town_admin, org=world.sibling_branch, days=7)
    services.booking_accept(actor=world.lecturer, booking=confirmed)
    client = login(world.secretary)
    form = client.get(f"/bookings/new/?lecturer={world.zhang.pk}").content.decode()
    assert 'hx-get="/bookings/new/clash/?lecturer=' in form and 'id="clash"' in form
    day = at(7).date().isoformat()

    def check(start, end, lecturer=world.zhang.pk):
        params = {"lecturer": lecturer, "date": day, "start_time": start, "end_time": end}
        return client.get("/bookings/new/clash/", params, headers={"HX-Request": "true"})

    assert 'data-testid="clash"' in check("10:00", "12:00").content.decode()  # overlaps 9-11
    assert 'data-testid="clash"' not in check("11:00", "12:00").content.decode()  # back to back
    assert 'data-testid="clash"' not in check("", "").content.decode()  # not filled in yet
    assert check("10:00", "12:00", lecturer=world.lecturer_b.pk).status_code == 404
    assert check("10:00", "12:00", lecturer="x").status_code == 404


def test_new_star_thresholds_re_star_the_county_at_once(world, login):
    from courses.models import Course
    from lecturers.models import Lecturer

    Lecturer.objects.filter(pk=world.zhang.pk).update(score=85, star=4)
    Course.objects.filter(pk=world.course.pk).update(score=75, star=3)
    Lecturer.objects.filter(pk=world.lecturer_b.pk).update(score=85, star=4)  # another county
    data = {
        "booking_notice_hours": "24", "cancel_notice_hours": "24", "request_expiry_hours": "72",
        **REMINDER_RULES, "star_thresholds": "95，85，75，65",
    }  # fmt: skip
    assert login(world.county_admin).post("/settings/county/", data).status_code == 302
    assert CountySettings.for_county(world.county.pk).star_thresholds == "95,85,75,65"
    assert Lecturer.objects.get(pk=world.zhang.pk).star == 4  # 85: now exactly 4 stars
    assert Course.objects.get(pk=world.course.pk).star == 3
    data["star_thresholds"] = "96,86,76,66"
    login(world.county_admin).post("/settings/county/", data)
    assert Lecturer.objects.get(pk=world.zhang.pk).star == 3
    assert Course.objects.get(pk=world.course.pk).star == 2
    assert Lecturer.objects.get(pk=world.lecturer_b.pk).star == 4  # not this county's


@pytest.mark.parametrize(
    "value", ["90,95,70,60", "90,80,70", "90,80,70,60,50", "abc", "101,80,70,60"]
)
def test_bad_star_thresholds_are_marked_and_change_nothing(world, login, value):
    data = {
        "booking_notice_hours": "24", "cancel_notice_hours": "24", "request_expiry_hours": "72",
        **REMINDER_RULES, "star_thresholds": value,
    }  # fmt: skip
    response = login(world.county_admin).post("/settings/county/", data)
    assert response.status_code == 200
    assert "has-error" in response.content.decode().split('id="field-star_thresholds"', 1)[0]
    assert not CountySettings.objects.exists()
