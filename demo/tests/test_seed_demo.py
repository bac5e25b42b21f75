import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from accounts.models import User
from courses.models import Category, Course, CourseHonour
from demo.demo import seed_demo
from lecturers.models import HonourTitle, Lecturer, LecturerHonour, Source
from orgs.models import Organisation

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        list(Organisation.objects.order_by("id").values_list("name", "level", "lat", "lng")),
        list(
            Lecturer.objects.order_by("id").values_list(
                "name", "source", "level", "status", "phone"
            )
        ),
        list(Course.objects.order_by("id").values_list("title", "category", "lecturer__name")),
    )


def test_it_builds_the_reference_county(django_assert_max_num_queries):
    with django_assert_max_num_queries(60):
        result = seed_demo()
    county = result.county
    assert Organisation.objects.filter(county=county, level="town").count() == 12
    assert Organisation.objects.filter(county=county, level="village").count() == 300
    lecturers = Lecturer.objects.filter(county=county)
    assert lecturers.count() == 260
    assert set(lecturers.values_list("source", flat=True)) == set(Source.values)
    assert Course.objects.filter(county=county).count() == 278
    assert set(Course.objects.values_list("category", flat=True)) == set(Category.values)
    assert LecturerHonour.objects.filter(title=HonourTitle.FAMOUS_LECTURER).count() == 6
    assert CourseHonour.objects.filter(title=HonourTitle.GOOD_COURSE).count() == 6
    # Every branch has coordinates inside the county's area.
    for lat, lng in Organisation.objects.filter(county=county).values_list("lat", "lng"):
        assert abs(lat - county.lat) < 0.5 and abs(lng - county.lng) < 0.6


def test_the_demo_logins_have_their_roles(client):
    seed_demo()
    for username in ("county_admin", "town_admin", "secretary", "lecturer"):
        response = client.post(
            "/api/v1/auth/token",
            {"username": username, "password": "demo-pass-2026"},
            content_type="application/json",
        )
        assert response.status_code == 200, username
    lecturer = Lecturer.objects.get(user__username="lecturer")
    assert lecturer.status == "active" and lecturer.courses.count() >= 3
    secretary = User.objects.get(username="secretary")
    assert secretary.memberships.get().org.level == "village"


def test_it_is_deterministic():
    with transaction.atomic():
        seed_demo()
        first = snapshot()
        transaction.set_rollback(True)
    assert not Organisation.objects.exists()
    seed_demo()
    assert snapshot() == first


def test_a_second_county_with_a_prefix(monkeypatch):
    monkeypatch.setenv("JIANGTAI_DEMO_PASSWORD", "other-pass-2026")
    seed_demo()
    result = seed_demo(county_name="绿水县", prefix="b_")
    assert result.usernames == ["b_county_admin", "b_town_admin", "b_secretary", "b_lecturer"]
    assert User.objects.get(username="b_secretary").check_password("other-pass-2026")
    assert Lecturer.objects.filter(county=result.county).count() == 260
    with pytest.raises(CommandError):
        call_command("seed_demo", "--county", "绿水县", "--username-prefix", "c_")


def test_it_refuses_a_database_with_real_data(world):
    with pytest.raises(CommandError, match="non-demo"):
        call_command("seed_demo")
    assert not Organisation.objects.filter(is_demo=True).exists()


def test_the_demo_province_admin_reads_the_province(client):
    """The first seed hangs the county under the demo province with its admin; a second
    county joins the same province, whose admin then sees both counties' figures."""
    first = seed_demo(history_days=0)
    assert first.usernames[-1] == "province_admin"
    second = seed_demo(county_name="绿水县", prefix="b_")
    assert "b_province_admin" not in second.usernames
    assert first.county.parent == second.county.parent
    assert first.county.parent.level == "province"
    token = client.post(
        "/api/v1/auth/token",
        {"username": "province_admin", "password": "demo-pass-2026"},
        content_type="application/json",
    ).json()["token"]
    body = client.get("/api/v1/province/stats", headers={"Authorization": f"Bearer {token}"}).json()
    assert {c["name"] for c in body["counties"]} == {"青山县", "绿水县"}
    assert body["totals"]["active_lecturers"] >= 2 * 250
    client.force_login(User.objects.get(username="province_admin"))
    assert "county-table" in client.get("/").content.decode()
    assert client.get("/lecturers/").context["page"].paginator.count == 0
