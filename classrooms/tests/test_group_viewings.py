"""A branch's group viewing of a cloud lesson (G7b): logged on the lesson's page, it becomes a
completed cloud-classroom session of the course's lecturer, counts in the lecturer's record and
figures, and its QR code lets the members rate it like any session."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from appraisal.figures import county_figures
from appraisal.grading import Figures
from classrooms.models import GroupViewing, VideoLesson, VideoStatus
from core.models import AuditLog
from core.timeutil import local
from evaluation.services import token_for, trainee_rate
from lecturers.models import Lecturer
from scheduling.models import Booking, BookingStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson(world):
    return VideoLesson.objects.create(
        course=world.course, county=world.county, title="乡村振兴第一讲",
        external_url="https://video.example.cn/v/1", status=VideoStatus.READY,
    )  # fmt: skip


def form(world, *, ago=timedelta(hours=1), attendees="23", group="", org=None):
    held = local(timezone.now() - ago)
    return {"org": (org or world.branch).pk, "held_at": held.strftime("%Y-%m-%dT%H:%M"),
            "attendees": attendees, "group": group}  # fmt: skip


def log(client, lesson, data):
    return client.post(f"/lessons/{lesson.pk}/group-viewing/", data)


def test_a_branch_logs_a_viewing_that_becomes_a_rated_session_of_the_lecturer(world, login, lesson):
    year = local(timezone.now()).year
    before = county_figures(world.county.pk, year).get(world.zhang.pk, Figures()).held
    client = login(world.secretary)
    page = client.get(f"/lessons/{lesson.pk}/").content.decode()
    assert 'data-testid="group-viewing-new"' in page
    response = log(client, lesson, form(world))
    assert response.status_code == 302, response.content.decode()
    viewing = GroupViewing.objects.get()
    booking = viewing.booking
    assert response["Location"] == f"/bookings/{booking.pk}/"
    assert (viewing.org, viewing.attendees, viewing.group) == (world.branch, 23, "rural")
    assert booking.status == BookingStatus.COMPLETED and booking.classroom == "cloud"
    assert (booking.lecturer, booking.course, booking.org) == (
        world.zhang,
        world.course,
        world.branch,
    )
    assert booking.expected_attendees == 23
    assert booking.end_at - booking.start_at == timedelta(minutes=45)  # a linked lesson
    assert booking.events.get().to_status == BookingStatus.COMPLETED
    assert AuditLog.objects.filter(action="video.group_viewing", actor=world.secretary).count() == 1
    # On the lesson's page, the branch sees what it logged.
    assert "东村党支部" in client.get(f"/lessons/{lesson.pk}/").content.decode()

    # The lecturer's record and the year's figures count it.
    assert county_figures(world.county.pk, year)[world.zhang.pk].held == before + 1
    record = login(world.lecturer).get("/my/record/").content.decode()
    held = re.search(r'data-testid="held-count"><b>(\d+)</b>', record)
    assert (
        held
        and int(held.group(1))
        == Booking.objects.filter(
            lecturer=world.zhang, status__in=("confirmed", "completed")
        ).count()
        >= 1
    )

    # Its QR code is printed by the branch and rated by the members like any session's.
    poster = login(world.secretary).get(f"/bookings/{booking.pk}/poster/")
    assert poster.status_code == 200 and token_for(booking) in poster.content.decode()
    for i, scores in enumerate(({"content": 90, "method": 80, "effect": 100},
                                {"content": 70, "method": 70, "effect": 70})):  # fmt: skip
        record, created = trainee_rate(
            token=token_for(booking), name=f"党员{i}", phone=f"1380000000{i}", scores=scores
        )
        assert created and not record.is_flagged
    zhang = Lecturer.objects.get(pk=world.zhang.pk)
    assert zhang.rating_count == 2 and zhang.rating_total == 270 + 210
    assert float(zhang.score) == pytest.approx(round(480 / 6, 2))


def test_a_viewing_takes_the_member_group_given_and_the_lessons_length(world, login, lesson):
    lesson.duration_seconds = 1800.4
    lesson.save()
    response = log(login(world.town_admin), lesson, form(world, group="retired",
                                                         org=world.sibling_branch))  # fmt: skip
    assert response.status_code == 302
    viewing = GroupViewing.objects.get()
    assert viewing.group == "retired" and viewing.org == world.sibling_branch
    assert viewing.booking.end_at - viewing.booking.start_at == timedelta(seconds=1800)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"ago": -timedelta(hours=2)}, "held_at"),  # in the future
        ({"ago": timedelta(days=45)}, "held_at"),  # too long ago
        ({"attendees": "0"}, "attendees"),
        ({"attendees": "-5"}, "attendees"),
        ({"attendees": "100000"}, "attendees"),
        ({"group": "aliens"}, "group"),
    ],
)
def test_bad_input_is_refused_with_the_field_named_and_nothing_written(
    world, login, lesson, data, field
):
    response = log(login(world.secretary), lesson, form(world, **data))
    assert response.status_code == 422
    html = response.content.decode()
    assert re.search(
        rf'id="id_{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="id_{field}"', html
    ), html
    assert not GroupViewing.objects.exists() and not Booking.objects.exists()


def test_others_may_not_log_a_viewing(world, login, lesson):
    # Another branch's secretary cannot log for this branch.
    response = log(login(world.other_secretary), lesson, form(world))
    assert response.status_code in (403, 422)
    # Another county's admin sees no way to log, and cannot log for its own branches either.
    outsider = login(world.outsider)
    assert (
        'data-testid="group-viewing-new"'
        not in outsider.get(f"/lessons/{lesson.pk}/").content.decode()
    )
    assert outsider.get(f"/lessons/{lesson.pk}/group-viewing/").status_code == 403
    assert log(outsider, lesson, form(world, org=world.branch_b)).status_code == 403
    # A lecturer (no organisation to book for) neither; nor someone not logged in.
    assert login(world.lecturer).get(f"/lessons/{lesson.pk}/group-viewing/").status_code == 403
    assert (
        'data-testid="group-viewing-new"'
        not in login(world.lecturer).get(f"/lessons/{lesson.pk}/").content.decode()
    )
    assert not GroupViewing.objects.exists() and not Booking.objects.exists()


def test_without_login_the_page_asks_to_log_in(client, world, lesson):
    assert (
        'data-testid="group-viewing-new"'
        not in client.get(f"/lessons/{lesson.pk}/").content.decode()
    )
    response = log(client, lesson, form(world))
    assert response.status_code == 302 and "/login" in response["Location"]
    assert not GroupViewing.objects.exists()


def test_the_service_refuses_an_organisation_of_another_branch_or_county(world, lesson):
    from classrooms.videos import group_viewing_log
    from core.errors import Forbidden, InvalidInput

    held = timezone.now() - timedelta(hours=1)
    with pytest.raises((Forbidden, InvalidInput)):
        group_viewing_log(actor=world.other_secretary, lesson=lesson, org_id=world.branch.pk,
                          held_at=held, attendees=10)  # fmt: skip
    with pytest.raises(Forbidden):
        group_viewing_log(actor=world.outsider, lesson=lesson, org_id=world.branch_b.pk,
                          held_at=held, attendees=10)  # fmt: skip
    with pytest.raises(InvalidInput) as refused:
        group_viewing_log(actor=world.secretary, lesson=lesson, org_id=world.branch.pk,
                          held_at=held, attendees=0)  # fmt: skip
    assert "attendees" in refused.value.fields
    assert not Booking.objects.exists()


def test_the_course_page_lists_its_lessons_and_leads_to_logging_a_viewing(world, login, lesson):
    VideoLesson.objects.create(
        course=world.course, county=world.county, title="未传完的课", size_bytes=10,
    )  # fmt: skip
    html = login(world.secretary).get(f"/courses/{world.course.pk}/").content.decode()
    assert f'href="/lessons/{lesson.pk}/"' in html and "未传完的课" not in html
    # A course without lessons shows no such section.
    other = login(world.secretary).get(f"/courses/{world.course_li.pk}/").content.decode()
    assert 'data-testid="course-lessons"' not in other
