"""A lecturer proposes a course or a new version of one; the county approves it (a new
CourseRevision each time) or returns it with a reason. Until approved it is not bookable,
publishable or matchable."""

import pytest
from django.test import Client

from accounts.services import api_token_issue
from conftest import run_in_threads
from core.models import AuditLog
from core.tests.factories import make_member
from courses.models import Course, CourseRevision
from matching.tests.test_flow import demand_payload
from notifications.models import InboxMessage
from orgs.models import Role
from scheduling.tests.conftest import at

pytestmark = pytest.mark.django_db

PROPOSAL = {
    "title": "基层党组织标准化建设",
    "category": "practical_work",
    "outline": "乡村振兴 产业发展 标准化",
    "duration_minutes": 90,
}


@pytest.fixture
def proposed(world, api_as):
    response = api_as(world.lecturer).post(
        "/api/v1/courses", {"lecturer_id": world.zhang.pk, **PROPOSAL}
    )
    assert response.status_code == 201 and response.json()["status"] == "proposed"
    return Course.objects.get(pk=response.json()["id"])


def catalogue(api) -> set[int]:
    return {c["id"] for c in api.get("/api/v1/courses").json()["items"]}


def test_a_proposed_course_is_nowhere_until_approved(world, api_as, proposed, booking_payload):
    secretary = api_as(world.secretary)
    assert proposed.pk not in catalogue(secretary)
    assert proposed.pk not in catalogue(api_as(world.county_admin))
    assert secretary.get(f"/api/v1/courses/{proposed.pk}").status_code in (404, 405)
    response = secretary.post("/api/v1/bookings", booking_payload(course_id=proposed.pk))
    assert response.status_code == 422 and "course_id" in response.json()["fields"]
    month = f"{at(40).date():%Y-%m}"
    response = api_as(world.lecturer).post(
        "/api/v1/offerings", {"month": month, "course_ids": [proposed.pk], "slots": []}
    )
    assert response.status_code == 422 and "course_ids" in response.json()["fields"]
    demand = secretary.post("/api/v1/demands", demand_payload(world, topic="标准化建设")).json()
    recs = secretary.get(f"/api/v1/demands/{demand['id']}/recommendations").json()
    assert all(r["course_id"] != proposed.pk for r in recs)
    # The lecturer sees it in the own list; the county in its approval queue.
    mine = api_as(world.lecturer).get("/api/v1/courses", {"lecturer_id": world.zhang.pk}).json()
    assert proposed.pk in {c["id"] for c in mine["items"]}
    queue = api_as(world.county_admin).get("/api/v1/courses", {"status": "proposed"}).json()
    assert [c["id"] for c in queue["items"]] == [proposed.pk]

    response = api_as(world.county_admin).post(f"/api/v1/courses/{proposed.pk}/approve")
    assert response.status_code == 200 and response.json()["status"] == "active"
    [revision] = CourseRevision.objects.filter(course=proposed)
    assert (revision.kind, revision.changed_by) == ("created", world.county_admin)
    assert InboxMessage.objects.filter(recipient=world.lecturer, event="course_approved").exists()
    assert AuditLog.objects.filter(action="course.approve", object_id=str(proposed.pk)).exists()
    assert proposed.pk in catalogue(secretary)
    assert (
        secretary.post("/api/v1/bookings", booking_payload(course_id=proposed.pk)).status_code
        == 201
    )


def test_a_returned_course_is_changed_and_proposed_again(world, api_as, proposed):
    admin, lecturer = api_as(world.county_admin), api_as(world.lecturer)
    response = admin.post(f"/api/v1/courses/{proposed.pk}/return", {"reason": "提纲过于简单"})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["review_note"]) == (
        "returned",
        "提纲过于简单",
    )
    message = InboxMessage.objects.get(recipient=world.lecturer, event="course_returned")
    assert "提纲过于简单" in message.body
    assert admin.post(f"/api/v1/courses/{proposed.pk}/approve").status_code == 409
    response = lecturer.patch(
        f"/api/v1/courses/{proposed.pk}", {"outline": "一、标准\n二、流程\n三、案例"}
    )
    assert response.status_code == 200 and response.json()["status"] == "proposed"
    assert admin.post(f"/api/v1/courses/{proposed.pk}/approve").status_code == 200
    assert Course.objects.get(pk=proposed.pk).outline == "一、标准\n二、流程\n三、案例"
    assert CourseRevision.objects.filter(course=proposed).count() == 1


def test_a_new_version_of_an_offered_course_is_its_own_revision(world, api_as):
    admin, lecturer = api_as(world.county_admin), api_as(world.lecturer)
    course = world.course
    response = lecturer.patch(
        f"/api/v1/courses/{course.pk}", {"title": "乡村振兴（2027修订版）", "duration_minutes": 120}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    # The offered version stays as it is, bookable, until the county approves the change.
    assert (body["status"], body["title"], body["change_status"]) == (
        "active", "乡村振兴战略与农村产业发展", "proposed",
    )  # fmt: skip
    assert body["pending_change"] == {"title": "乡村振兴（2027修订版）", "duration_minutes": 120}
    assert course.pk in catalogue(api_as(world.secretary))
    assert (
        admin.post(f"/api/v1/courses/{course.pk}/return", {"reason": "时长不变"}).json()[
            "change_status"
        ]
        == "returned"
    )
    lecturer.patch(f"/api/v1/courses/{course.pk}", {"duration_minutes": 90})
    response = admin.post(f"/api/v1/courses/{course.pk}/approve")
    assert response.status_code == 200, response.content
    course.refresh_from_db()
    assert (course.title, course.duration_minutes, course.pending_change, course.change_status) == (
        "乡村振兴（2027修订版）", 90, {}, "",
    )  # fmt: skip
    [revision] = CourseRevision.objects.filter(course=course, kind="revised")
    assert revision.snapshot["title"] == "乡村振兴（2027修订版）"
    assert admin.post(f"/api/v1/courses/{course.pk}/approve").status_code == 409


@pytest.mark.parametrize(
    ("who", "status"),
    [("town_admin", 404), ("secretary", 404), ("lecturer", 403), ("outsider", 404)],
)
def test_only_the_county_reviews(world, api_as, proposed, who, status):
    api = api_as(getattr(world, who))
    for action, body in (("approve", {}), ("return", {"reason": "不行"})):
        response = api.post(f"/api/v1/courses/{proposed.pk}/{action}", body)
        assert response.status_code == status, (action, response.content)
    proposed.refresh_from_db()
    assert (
        proposed.status == "proposed"
        and not CourseRevision.objects.filter(course=proposed).exists()
    )


def test_an_active_course_seen_by_others_is_still_not_theirs_to_review(world, api_as):
    """A proposal is hidden from all but the lecturer and the county (404 above); an offered
    course is visible to everyone, and reviewing it is the county's alone."""
    for who in ("secretary", "town_admin", "lecturer"):
        response = api_as(getattr(world, who)).post(f"/api/v1/courses/{world.course.pk}/approve")
        assert response.status_code == 403, who


def test_anonymous_callers_are_refused(world, anon_api, proposed):
    assert anon_api.post(f"/api/v1/courses/{proposed.pk}/approve").status_code == 401
    assert (
        anon_api.post(f"/api/v1/courses/{proposed.pk}/return", {"reason": "x"}).status_code == 401
    )


@pytest.mark.parametrize("body", [{}, {"reason": "  "}, {"reason": "长" * 301}, {"reason": 5}])
def test_a_return_needs_a_reason(world, api_as, proposed, body):
    response = api_as(world.county_admin).post(f"/api/v1/courses/{proposed.pk}/return", body)
    assert response.status_code == 422 and "reason" in response.json()["fields"]
    proposed.refresh_from_db()
    assert (proposed.status, proposed.review_note) == ("proposed", "")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": " "}, "title"),
        ({"category": "cooking"}, "category"),
        ({"duration_minutes": 5}, "duration_minutes"),
        ({"audiences": ["aliens"]}, "audiences"),
        ({"title": "乡村振兴战略与农村产业发展"}, "title"),  # the lecturer's other course
    ],
)
def test_bad_course_changes_are_named_and_nothing_is_written(
    world, api_as, proposed, change, field
):
    before = Course.objects.filter(pk=proposed.pk).values().get()
    response = api_as(world.lecturer).patch(f"/api/v1/courses/{proposed.pk}", change)
    assert response.status_code == 422 and field in response.json()["fields"], response.content
    assert Course.objects.filter(pk=proposed.pk).values().get() == before


def test_a_lecturer_cannot_change_a_colleagues_course(world, api_as):
    response = api_as(world.lecturer).patch(
        f"/api/v1/courses/{world.course_li.pk}", {"title": "改"}
    )
    assert response.status_code == 403


@pytest.mark.django_db(transaction=True)
def test_two_admins_approving_at_once_write_one_revision(world, api_as):
    response = api_as(world.lecturer).post(
        "/api/v1/courses", {"lecturer_id": world.zhang.pk, **PROPOSAL}
    )
    course_id = response.json()["id"]
    tokens = [
        api_token_issue(user=make_member(f"admin{i}", world.county, Role.COUNTY_ADMIN))
        for i in range(6)
    ]

    def approve(i):
        response = Client().post(
            f"/api/v1/courses/{course_id}/approve",
            headers={"Authorization": f"Bearer {tokens[i]}"},
        )
        return response.status_code, response.json().get("code")

    results = run_in_threads(approve, 6)
    assert sorted(results, key=str).count((200, None)) == 1, results
    assert all(r == (409, "bad_state") for r in results if r[0] != 200), results
    assert CourseRevision.objects.filter(course_id=course_id).count() == 1


def test_the_county_admins_hear_of_each_proposal_and_only_of_proposals(world, api_as, proposed):
    def submitted():
        return list(
            InboxMessage.objects.filter(event="course_submitted").values_list(
                "recipient__username", "url"
            )
        )

    url = f"/manage/courses/{proposed.pk}/"
    assert submitted() == [(world.county_admin.username, url)]
    # A new version of an offered course is a proposal too; the county's own edit is not.
    api_as(world.county_admin).post(f"/api/v1/courses/{proposed.pk}/approve")
    response = api_as(world.lecturer).patch(
        f"/api/v1/courses/{proposed.pk}", {"outline": "新版提纲：标准化建设十项要求"}
    )
    assert response.status_code == 200
    assert len(submitted()) == 2
    [newest] = InboxMessage.objects.filter(event="course_submitted").order_by("-pk")[:1]
    assert "新版本" in newest.body or "new version" in newest.body
    api_as(world.county_admin).patch(f"/api/v1/courses/{proposed.pk}", {"duration_minutes": 60})
    assert len(submitted()) == 2
    # Admins of another county hear nothing.
    assert not InboxMessage.objects.filter(recipient=world.outsider).exists()
