"""The pool's and the programme's pages: every role and an outsider county per page, empty
states, forms that re-show bad input on the field, the lecturer's check-in page and their
hours on /my/, and every list's workbook reopened with openpyxl."""

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from core.tests.factories import session
from development import pool_services, programme_services
from development.programme_models import Activity, Attendance

from .helpers import open_call
from .pool_helpers import activity, invitation, reserve_member

pytestmark = pytest.mark.django_db

LISTS = [
    "/selection/invitations/",
    "/selection/hired/",
    "/selection/campaigns/",
    "/selection/reserve/",
    "/selection/activities/",
    "/selection/hours/",
]
FORMS = [
    "/selection/invitations/new/",
    "/selection/hired/new/",
    "/selection/campaigns/new/",
    "/selection/reserve/new/",
    "/selection/activities/new/",
]


def _world_with_records(world):
    today = timezone.localdate()
    records = {
        "invitation": invitation(world),
        "campaign": pool_services.campaign_create(
            actor=world.county_admin,
            title="我来讲党课",
            starts_on=today - timedelta(days=3),
            ends_on=today + timedelta(days=3),
        ),
        "member": reserve_member(world, org=world.unit),
        "activity": activity(world),
    }
    return records


@pytest.mark.parametrize(
    ("role", "lists", "forms", "details"),
    [
        ("county_admin", 200, 200, 200),
        ("town_admin", 200, 200, 404),  # the records are the county's, not the town's
        ("secretary", 403, 403, 404),
        ("lecturer", 403, 403, None),
        ("outsider", 200, 200, 404),
    ],
)
def test_pages_by_role_and_outsider(world, login, role, lists, forms, details):
    records = _world_with_records(world)
    client = login(getattr(world, role))
    for path in LISTS:
        assert client.get(path).status_code == lists, path
    for path in FORMS:
        assert client.get(path).status_code == forms, path
    detail_pages = [
        f"/selection/invitations/{records['invitation'].pk}/",
        f"/selection/campaigns/{records['campaign'].pk}/",
        f"/selection/reserve/{records['member'].pk}/",
        f"/selection/activities/{records['activity'].pk}/qr.svg",
    ]
    for path in detail_pages:
        expected = details
        if details is None:  # a lecturer: the county's activities are theirs to see, not the code
            expected = 403 if path.endswith("qr.svg") else 404
        assert client.get(path).status_code == expected, path
    activity_page = client.get(f"/selection/activities/{records['activity'].pk}/")
    # Lecturers see the county's activities (without the code); others as the details.
    assert activity_page.status_code == (200 if role == "lecturer" else details)
    if role == "lecturer":
        assert b"short-code" not in activity_page.content


def test_a_town_admin_sees_and_promotes_their_towns_reserve_members(world, login):
    call = open_call(world, level="town", actor=world.town_admin)
    mine = reserve_member(world, actor=world.town_admin)
    theirs = reserve_member(world, phone="13600000005", org=world.other_branch)
    client = login(world.town_admin)
    assert client.get(f"/selection/reserve/{theirs.pk}/").status_code == 404
    response = client.post(f"/selection/reserve/{mine.pk}/", {"call_id": call.pk})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.nomination.call == call and mine.nomination.channel == "unit"


def test_an_outsiders_lists_do_not_show_the_countys_records(world, login):
    _world_with_records(world)
    client = login(world.outsider)
    for path in LISTS[:-1]:
        assert not re.search(rb'data-testid="[a-z]+-row"', client.get(path).content), path
        assert b"-empty" in client.get(path).content, path


def test_empty_lists_say_what_to_do_next(world, login):
    client = login(world.county_admin)
    for path, testid in (("/selection/invitations/", "invitation"), ("/selection/hired/", "hiring"),
                         ("/selection/campaigns/", "campaign"), ("/selection/reserve/", "reserve"),
                         ("/selection/activities/", "activity"), ("/selection/hours/", "hours")):  # fmt: skip
        content = client.get(path).content.decode()
        assert f'data-testid="{testid}-empty"' in content, path


def test_the_back_office_links_to_the_new_pages(world, login):
    content = login(world.county_admin).get("/manage/").content.decode()
    assert "/selection/invitations/" in content and "/selection/activities/" in content


def test_an_activity_ending_before_it_starts_is_reshown_with_the_field_marked(world, login):
    client = login(world.county_admin)
    start = timezone.localtime() + timedelta(days=1)
    response = client.post("/selection/activities/new/", {
        "kind": "group_study", "title": "集中学习", "place": "党校",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    })  # fmt: skip
    assert response.status_code == 422
    assert 'id="field-ends_at"' in response.content.decode()
    assert "has-error" in response.content.decode()
    assert not Activity.objects.exists()
    response = client.post("/selection/activities/new/", {
        "kind": "group_study", "title": "集中学习", "place": "党校",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
    })  # fmt: skip
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="short-code"' in page and "qr.svg" in page


def test_an_invitation_without_a_topic_is_reshown(world, login):
    response = login(world.county_admin).post("/selection/invitations/new/", {
        "expert_name": "孙教授", "kind": "institute_expert", "affiliation": "省社科院", "topic": "",
    })  # fmt: skip
    assert response.status_code == 422
    assert "has-error" in response.content.decode()


def test_promoting_from_the_page_twice_is_refused(world, login):
    call = open_call(world)
    member = reserve_member(world)
    client = login(world.county_admin)
    response = client.post(f"/selection/reserve/{member.pk}/", {"call_id": call.pk})
    assert response.status_code == 302 and "/selection/nominations/" in response["Location"]
    again = client.post(f"/selection/reserve/{member.pk}/", {"call_id": call.pk})
    assert again.status_code == 409
    assert member.phone and call.nominations.filter(phone=member.phone).count() == 1


def test_a_campaign_session_outside_its_dates_is_refused_on_the_page(world, login):
    today = timezone.localdate()
    campaign = pool_services.campaign_create(
        actor=world.county_admin, title="身边榜样讲党课", starts_on=today + timedelta(days=2),
        ends_on=today + timedelta(days=9),
    )  # fmt: skip
    booking = session(world)
    response = login(world.county_admin).post(
        f"/selection/campaigns/{campaign.pk}/", {"booking_id": booking.pk}
    )
    # The form only offers sessions within the dates: this one is not even a choice.
    assert response.status_code == 422
    assert not campaign.sessions.exists()


def test_the_lecturer_checks_in_on_the_page_once(world, login):
    planned = activity(world)
    token = programme_services.checkin_token(planned)
    client = login(world.lecturer)
    page = client.get(f"/selection/checkin/{token}/")
    assert page.status_code == 200 and 'data-testid="checkin-submit"' in page.content.decode()
    first = client.post(f"/selection/checkin/{token}/")
    assert first.status_code == 201 and 'data-testid="checkin-done"' in first.content.decode()
    again = client.post(f"/selection/checkin/{token}/")
    assert again.status_code == 200
    assert Attendance.objects.count() == 1
    code_client = login(world.li.user)
    assert code_client.get("/selection/checkin/").status_code == 200
    code = programme_services.checkin_code(planned)
    by_code = code_client.post("/selection/checkin/", {"code": code})
    assert by_code.status_code == 201 and 'data-testid="checkin-done"' in by_code.content.decode()
    assert code_client.post("/selection/checkin/", {"code": code}).status_code == 200
    assert Attendance.objects.filter(method="code").count() == 1
    record = login(world.lecturer).get("/my/record/").content.decode()
    assert 'data-testid="training-year"' in record


def test_a_wrong_or_expired_code_is_explained_on_the_page(world, login):
    client = login(world.lecturer)
    wrong = client.post("/selection/checkin/1-0000000000000000/")
    assert wrong.status_code == 404 and 'data-testid="checkin-error"' in wrong.content.decode()
    ended = activity(world, minutes_from_now=-300, length=60)
    token = programme_services.checkin_token(ended)
    shown = client.get(f"/selection/checkin/{token}/").content.decode()
    assert 'data-testid="checkin-error"' in shown and 'data-testid="checkin-submit"' not in shown
    assert client.post(f"/selection/checkin/{token}/").status_code == 410
    assert not Attendance.objects.exists()


def _sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def test_every_list_exports_to_excel(world, login):
    records = _world_with_records(world)
    pool_services.hiring_create(
        actor=world.county_admin, kind="leading_cadre", lecturer_id=world.li.pk
    )
    programme_services.activity_check_in(
        actor=world.lecturer, token=programme_services.checkin_token(records["activity"])
    )
    client = login(world.county_admin)
    expected = {
        "/selection/invitations/": "孙教授",
        "/selection/hired/": "李四光",
        "/selection/campaigns/": "我来讲党课",
        "/selection/reserve/": "青年小刘",
        "/selection/activities/": "党的理论集中学习",
        "/selection/hours/": "张三丰",
    }
    for path, first_cell in expected.items():
        rows = _sheet(client.get(path, {"format": "xlsx"}))
        assert len(rows) == 2, (path, rows)
        assert rows[1][0] == first_cell, (path, rows)
    reserve_rows = _sheet(client.get("/selection/reserve/", {"format": "xlsx"}))
    assert "****" in reserve_rows[1][1]  # the phone is masked
    hours = _sheet(client.get("/selection/hours/", {"format": "xlsx"}))
    assert hours[1][1] == 2.0
    # A town admin's workbook holds the town's rows only; the outsider's none.
    assert len(_sheet(login(world.outsider).get("/selection/activities/", {"format": "xlsx"}))) == 1
