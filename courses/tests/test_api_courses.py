import pytest

from core.models import AuditLog
from courses.models import Course, CourseRevision

pytestmark = pytest.mark.django_db


def titles(response):
    assert response.status_code == 200, response.content
    return {item["title"] for item in response.json()["items"]}


def test_the_course_list_is_open_to_the_county(world, api_as):
    for user in (world.secretary, world.town_admin, world.lecturer):
        assert titles(api_as(user).get("/api/v1/courses")) == {
            "乡村振兴战略与农村产业发展",
            "红色家书里的初心",
        }
    assert titles(api_as(world.outsider).get("/api/v1/courses")) == {"乙县的课"}


def test_the_course_list_filters(world, api_as):
    client = api_as(world.secretary)
    assert titles(client.get("/api/v1/courses", {"q": "家书"})) == {"红色家书里的初心"}
    assert titles(client.get("/api/v1/courses", {"q": "产业兴旺"})) == {
        "乡村振兴战略与农村产业发展"
    }
    assert titles(client.get("/api/v1/courses", {"category": "revolutionary_tradition"})) == {
        "红色家书里的初心"
    }
    assert titles(client.get("/api/v1/courses", {"lecturer_id": world.zhang.pk})) == {
        "乡村振兴战略与农村产业发展"
    }
    assert client.get("/api/v1/courses", {"category": "x"}).status_code == 422
    assert client.get("/api/v1/courses", {"lecturer_id": "x"}).status_code == 422


def test_the_course_list_needs_a_login(anon_api):
    assert anon_api.get("/api/v1/courses").status_code == 401


def payload(lecturer, **change):
    data = {
        "lecturer_id": lecturer.pk,
        "title": "党支部标准化建设",
        "category": "practical_work",
        "objectives": "规范组织生活",
        "outline": "一、标准\n二、流程",
        "duration_minutes": 90,
        "audiences": ["rural", "community"],
        "classrooms": ["classroom", "bench"],
    }
    data.update(change)
    return data


@pytest.mark.parametrize("who", ["lecturer", "county_admin"])
def test_the_lecturer_or_a_county_admin_adds_a_course(world, api_as, who):
    response = api_as(getattr(world, who)).post("/api/v1/courses", payload(world.zhang))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["lecturer_id"] == world.zhang.pk and body["audiences"] == ["rural", "community"]
    course = Course.objects.get(pk=body["id"])
    assert course.county_id == world.county.pk
    if who == "county_admin":
        assert body["status"] == "active"
        assert CourseRevision.objects.filter(course=course, kind="created").count() == 1
        assert AuditLog.objects.filter(action="course.create", object_id=str(course.pk)).exists()
    else:
        # The lecturer's course waits for the county; its first revision is the approval.
        assert body["status"] == "proposed"
        assert not CourseRevision.objects.filter(course=course).exists()
        assert AuditLog.objects.filter(action="course.propose", object_id=str(course.pk)).exists()


def test_a_lecturer_cannot_add_a_course_for_a_colleague(world, api_as):
    response = api_as(world.lecturer).post("/api/v1/courses", payload(world.li))
    assert response.status_code == 403
    assert not Course.objects.filter(title="党支部标准化建设").exists()


@pytest.mark.parametrize("who", ["town_admin", "secretary"])
def test_admins_below_the_county_cannot_add_courses(world, api_as, who):
    assert (
        api_as(getattr(world, who)).post("/api/v1/courses", payload(world.zhang)).status_code == 403
    )


def test_an_outsider_gets_404_for_our_lecturer(world, api_as):
    assert api_as(world.outsider).post("/api/v1/courses", payload(world.zhang)).status_code == 404
    assert not Course.objects.filter(title="党支部标准化建设").exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "课\x00"}, "title"),
        ({"title": "乡村振兴战略与农村产业发展"}, "title"),  # the lecturer has it already
        ({"category": "cooking"}, "category"),
        ({"duration_minutes": 5}, "duration_minutes"),
        ({"duration_minutes": 1000}, "duration_minutes"),
        ({"duration_minutes": "long"}, "duration_minutes"),
        ({"audiences": ["aliens"]}, "audiences"),
        ({"audiences": "rural"}, "audiences"),
        ({"classrooms": ["garden"]}, "classrooms"),
        ({"outline": "长" * 5001}, "outline"),
        ({"status": "secret"}, "status"),
    ],
)
def test_bad_course_input_is_named_and_nothing_is_written(world, api_as, change, field):
    before = Course.objects.count()
    response = api_as(world.county_admin).post("/api/v1/courses", payload(world.zhang, **change))
    assert response.status_code == 422, response.content
    assert field in response.json()["fields"]
    assert Course.objects.count() == before
