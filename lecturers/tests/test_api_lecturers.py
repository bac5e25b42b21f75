import pytest

from accounts.models import User
from core.models import AuditLog
from core.tests.factories import make_course, make_lecturer
from lecturers.models import Lecturer
from orgs.models import Membership

pytestmark = pytest.mark.django_db


def names(response):
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["items"]]


# --- list and search -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("张三丰", {"张三丰"}),
        ("三丰", {"张三丰"}),
        ("zhangsanfeng", {"张三丰"}),
        ("ZhangSan", {"张三丰"}),
        ("zhang san", {"张三丰"}),
        ("zsf", {"张三丰"}),
        ("zs", {"张三丰"}),
        ("lsg", {"李四光"}),
        ("农村产业", {"张三丰"}),  # a course title
        ("红色家书", {"李四光"}),
        ("党史", {"李四光"}),  # a specialty
        ("乡村振兴", {"张三丰"}),  # both title and specialty: listed once
        ("没有这个人", set()),
    ],
)
def test_it_finds_lecturers_by_name_pinyin_initials_course_or_specialty(world, api_as, q, expected):
    found = names(api_as(world.secretary).get("/api/v1/lecturers", {"q": q}))
    assert set(found) == expected
    assert len(found) == len(set(found))


def test_the_list_carries_the_contract_fields(world, api_as):
    items = api_as(world.secretary).get("/api/v1/lecturers", {"q": "张三丰"}).json()["items"]
    item = items[0]
    for key in ("id", "name", "level", "status", "star", "score", "categories", "titles"):
        assert key in item
    assert item["categories"] == ["situation_policy"]
    assert item["course_count"] == 1
    assert "phone" not in item


def test_it_filters_by_category_town_and_status(world, api_as):
    client = api_as(world.county_admin)
    assert names(client.get("/api/v1/lecturers", {"category": "revolutionary_tradition"})) == [
        "李四光"
    ]
    assert names(client.get("/api/v1/lecturers", {"org_id": world.town.pk})) == ["张三丰"]
    assert names(client.get("/api/v1/lecturers", {"org_id": world.branch.pk})) == ["张三丰"]
    assert names(client.get("/api/v1/lecturers", {"status": "candidate"})) == ["王五"]


def test_a_retired_course_does_not_make_a_lecturer_findable(world, api_as):
    make_course(world.li, "已停用的课", status="retired")
    assert names(api_as(world.secretary).get("/api/v1/lecturers", {"q": "已停用"})) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"category": "cooking"}, "category"),
        ({"status": "asleep"}, "status"),
        ({"sort": "random"}, "sort"),
        ({"q": "x" * 101}, "q"),
        ({"q": "a\x00"}, "q"),
        ({"page_size": 1000}, "page_size"),
    ],
)
def test_bad_filters_are_named(world, api_as, params, field):
    response = api_as(world.secretary).get("/api/v1/lecturers", params)
    assert response.status_code == 422
    assert field in response.json()["fields"]


def test_search_with_operator_characters_is_harmless(world, api_as):
    for q in ("%", "_", "' OR 1=1 --", "\\", "*", "😀"):
        assert api_as(world.secretary).get("/api/v1/lecturers", {"q": q}).status_code == 200


def test_the_list_is_scoped_to_the_county(world, api_as):
    assert set(names(api_as(world.outsider).get("/api/v1/lecturers"))) == {"赵六"}
    assert "王五" not in names(api_as(world.secretary).get("/api/v1/lecturers"))
    # Only active lecturers are in the catalogue; the county asks for the others by status.
    assert "王五" not in names(api_as(world.county_admin).get("/api/v1/lecturers"))
    assert "王五" in names(
        api_as(world.county_admin).get("/api/v1/lecturers", {"status": "candidate"})
    )


def test_the_list_sorts(world, api_as):
    client = api_as(world.secretary)
    world.li.likes_count = 5
    world.li.save()
    assert names(client.get("/api/v1/lecturers", {"sort": "likes"}))[0] == "李四光"
    assert names(client.get("/api/v1/lecturers", {"sort": "name"})) == ["李四光", "张三丰"]


def test_the_list_needs_a_login(world, anon_api):
    assert anon_api.get("/api/v1/lecturers").status_code == 401


def test_the_list_does_not_query_per_lecturer(world, api_as, django_assert_max_num_queries):
    for i in range(15):
        lecturer = make_lecturer(world.county, f"测试{i}号")
        make_course(lecturer, f"课{i}")
    client = api_as(world.secretary)
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/lecturers", {"page_size": 50}).json()["count"] == 17


# --- détail --------------------------------------------------------------------------------


def test_the_resume_has_courses_and_a_masked_phone(world, api_as):
    body = api_as(world.secretary).get(f"/api/v1/lecturers/{world.zhang.pk}").json()
    assert body["name"] == "张三丰"
    assert [c["title"] for c in body["courses"]] == ["乡村振兴战略与农村产业发展"]
    assert body["phone"] == world.zhang.phone[:3] + "****" + world.zhang.phone[-4:]
    assert body["recent_comments"] == []
    assert body["liked"] is False


def test_county_admins_and_the_lecturer_see_the_full_phone(world, api_as):
    for user in (world.county_admin, world.lecturer):
        assert (
            api_as(user).get(f"/api/v1/lecturers/{world.zhang.pk}").json()["phone"]
            == world.zhang.phone
        )


def test_the_resume_is_404_outside_the_county_and_for_hidden_candidates(world, api_as):
    assert api_as(world.outsider).get(f"/api/v1/lecturers/{world.zhang.pk}").status_code == 404
    response = api_as(world.secretary).get(f"/api/v1/lecturers/{world.candidate.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert api_as(world.secretary).get("/api/v1/lecturers/999999").status_code == 404


# --- create --------------------------------------------------------------------------------


def valid_payload(world, **change):
    payload = {
        "name": "陈新讲",
        "phone": "13712345678",
        "source": "grassroots_secretary",
        "level": "town",
        "org_id": world.branch.pk,
        "specialties": "基层治理、乡村振兴",
        "bio": "长期从事村级工作。",
        "lat": 36.6,
        "lng": 118.6,
    }
    payload.update(change)
    return payload


def test_a_county_admin_creates_a_lecturer_with_a_login(world, api_as, anon_api):
    response = api_as(world.county_admin).post("/api/v1/lecturers", valid_payload(world))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["username"] == "13712345678"
    lecturer = Lecturer.objects.get(pk=body["id"])
    assert (lecturer.name_pinyin, lecturer.name_initials) == ("chenxinjiang", "cxj")
    assert Membership.objects.filter(user=lecturer.user, role="lecturer", org=world.branch).exists()
    assert AuditLog.objects.filter(action="lecturer.create", object_id=str(lecturer.pk)).exists()
    login = anon_api.post(
        "/api/v1/auth/token", {"username": "13712345678", "password": body["initial_password"]}
    )
    assert login.status_code == 200
    assert login.json()["password_change_required"] is True
    anon_api.token = login.json()["token"]
    # The generated password must be changed before anything else.
    assert anon_api.get("/api/v1/me").json()["code"] == "password_change_required"
    changed = anon_api.post(
        "/api/v1/auth/password",
        {"old_password": body["initial_password"], "new_password": "mY-own-pass-2026"},
    )
    assert changed.status_code == 200, changed.content
    anon_api.token = changed.json()["token"]
    assert anon_api.get("/api/v1/me").json()["lecturer_id"] == lecturer.pk


@pytest.mark.parametrize("who", ["secretary", "lecturer"])
def test_only_admins_create_lecturers(world, api_as, who):
    response = api_as(getattr(world, who)).post("/api/v1/lecturers", valid_payload(world))
    assert response.status_code == 403
    assert not Lecturer.objects.filter(name="陈新讲").exists()


def test_a_town_admin_creates_only_town_level_lecturers_of_the_own_town(world, api_as):
    api = api_as(world.town_admin)
    county_level = api.post("/api/v1/lecturers", valid_payload(world, level="county"))
    assert county_level.status_code == 422 and "level" in county_level.json()["fields"]
    other_town = api.post("/api/v1/lecturers", valid_payload(world, org_id=world.other_branch.pk))
    assert other_town.status_code == 422 and "org_id" in other_town.json()["fields"]
    no_org = api.post("/api/v1/lecturers", valid_payload(world, org_id=None))
    assert no_org.status_code == 422 and "org_id" in no_org.json()["fields"]
    assert not Lecturer.objects.filter(name="陈新讲").exists()
    response = api.post("/api/v1/lecturers", valid_payload(world))
    assert response.status_code == 201, response.content
    lecturer = Lecturer.objects.get(pk=response.json()["id"])
    assert (lecturer.level, lecturer.org) == ("town", world.branch)


def test_an_outsider_cannot_place_a_lecturer_in_another_county(world, api_as):
    response = api_as(world.outsider).post("/api/v1/lecturers", valid_payload(world))
    assert response.status_code == 422
    assert "org_id" in response.json()["fields"]
    assert not Lecturer.objects.filter(name="陈新讲").exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"name": "陈\x00讲"}, "name"),
        ({"phone": "137123456789"}, "phone"),  # 12 digits
        ({"phone": "1371234567"}, "phone"),
        ({"phone": "23712345678"}, "phone"),
        ({"phone": 13712345678}, "phone"),
        ({"source": "internet"}, "source"),
        ({"level": "province"}, "level"),
        ({"lat": 91}, "lat"),
        ({"lat": 10.0, "lng": 10.0}, "lng"),
        ({"lng": "east"}, "lng"),
        ({"org_id": 10**9}, "org_id"),
        ({"bio": "长" * 3001}, "bio"),
        ({"specialties": "a\x00"}, "specialties"),
        ({"birth_year": 1800}, "birth_year"),
        ({"status": "vip"}, "status"),
    ],
)
def test_bad_lecturer_input_is_named_and_nothing_is_written(world, api_as, change, field):
    before = (Lecturer.objects.count(), User.objects.count())
    payload = valid_payload(world, **change)
    if change.get("name") is None and "name" in change:
        del payload["name"]
    response = api_as(world.county_admin).post("/api/v1/lecturers", payload)
    assert response.status_code == 422, response.content
    body = response.json()
    assert field in body["fields"], body
    assert body["code"] == "invalid"
    assert (Lecturer.objects.count(), User.objects.count()) == before


def test_a_phone_that_already_has_an_account_is_rejected(world, api_as):
    response = api_as(world.county_admin).post(
        "/api/v1/lecturers", valid_payload(world, phone="13900000002")
    )
    assert response.status_code == 422
    assert "phone" in response.json()["fields"]


def test_every_field_error_is_reported_at_once(world, api_as):
    response = api_as(world.county_admin).post(
        "/api/v1/lecturers", valid_payload(world, name="", phone="1", source="x", lat=999)
    )
    assert {"name", "phone", "source", "lat"} <= set(response.json()["fields"])
