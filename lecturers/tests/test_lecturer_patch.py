"""PATCH /api/v1/lecturers/{id}: who may change which field, bad input named with nothing
written, and no lost update when two admins edit at once."""

from datetime import date

import pytest
from django.test import Client

from accounts.services import api_token_issue
from conftest import run_in_threads
from core.models import AuditLog
from core.tests.factories import make_lecturer, make_member
from lecturers.models import Lecturer
from orgs.models import Role


def url(lecturer):
    return f"/api/v1/lecturers/{lecturer.pk}"


def row(lecturer) -> dict:
    values = Lecturer.objects.filter(pk=lecturer.pk).values().get()
    values.pop("updated_at")
    return values


@pytest.fixture
def town_lecturer(world):
    return make_lecturer(world.county, "钱七", org=world.sibling_branch, level="town")


@pytest.mark.django_db
def test_a_county_admin_changes_the_resume_and_the_terms(world, api_as):
    response = api_as(world.county_admin).patch(
        url(world.zhang),
        {
            "name": "张三",
            "bio": "长期从事农村工作。\n善于讲案例。",
            "appointed_from": "2026-01-01",
            "appointed_until": "2028-12-31",
            "level": "town",
            "version": 1,
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["name"], body["level"], body["version"]) == ("张三", "town", 2)
    assert (body["appointed_from"], body["appointed_until"]) == ("2026-01-01", "2028-12-31")
    zhang = Lecturer.objects.get(pk=world.zhang.pk)
    assert (zhang.name_pinyin, zhang.name_initials) == ("zhangsan", "zs")
    assert zhang.appointed_until == date(2028, 12, 31)
    assert zhang.specialties == "乡村振兴、产业发展"  # untouched: a partial update
    assert zhang.user.name == "张三"
    entry = AuditLog.objects.get(action="lecturer.update", object_id=str(zhang.pk))
    assert entry.before["name"] == "张三丰" and entry.after["name"] == "张三"
    assert entry.after["appointed_until"] == "2028-12-31"


@pytest.mark.django_db
def test_the_terms_show_on_the_resume_page_for_the_county(world, api_as, client):
    api_as(world.county_admin).patch(
        url(world.zhang), {"appointed_from": "2026-01-01", "appointed_until": "2028-12-31"}
    )
    client.force_login(world.county_admin)
    html = client.get(f"/lecturers/{world.zhang.pk}/").content.decode()
    assert "2026-01-01 – 2028-12-31" in html
    client.force_login(world.secretary)
    assert (
        'data-testid="appointment"'
        not in client.get(f"/lecturers/{world.zhang.pk}/").content.decode()
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "target", "change", "status", "field"),
    [
        ("town_admin", "town_lecturer", {"bio": "新简介", "unit": "镇党校"}, 200, None),
        ("town_admin", "town_lecturer", {"org_id": "town"}, 200, None),
        ("town_admin", "town_lecturer", {"level": "county"}, 422, "level"),
        ("town_admin", "town_lecturer", {"appointed_until": "2030-01-01"}, 422, "appointed_until"),
        ("town_admin", "town_lecturer", {"org_id": "other_branch"}, 422, "org_id"),
        ("town_admin", "zhang", {"bio": "新简介"}, 403, None),  # a county-level lecturer
        ("town_admin", "li", {"bio": "新简介"}, 403, None),  # another town's
        ("secretary", "zhang", {"bio": "新简介"}, 403, None),
        ("lecturer", "zhang", {"bio": "新简介", "specialties": "党史", "teaching_style": "互动"}, 200, None),
        ("lecturer", "zhang", {"name": "张三"}, 422, "name"),
        ("lecturer", "zhang", {"appointed_until": "2030-01-01"}, 422, "appointed_until"),
        ("lecturer", "li", {"bio": "新简介"}, 403, None),
        ("outsider", "zhang", {"bio": "新简介"}, 404, None),
    ],
)  # fmt: skip
def test_who_may_change_what(world, api_as, town_lecturer, who, target, change, status, field):
    lecturer = town_lecturer if target == "town_lecturer" else getattr(world, target)
    if "org_id" in change:
        change = {"org_id": getattr(world, change["org_id"]).pk}
    before = row(lecturer)
    response = api_as(getattr(world, who)).patch(url(lecturer), change)
    assert response.status_code == status, response.content
    if field:
        assert field in response.json()["fields"]
    if status == 200:
        assert response.json()["version"] == before["version"] + 1
    else:
        assert row(lecturer) == before


@pytest.mark.django_db
def test_anonymous_callers_are_refused(world, anon_api):
    assert (
        anon_api.client.patch(url(world.zhang), "{}", content_type="application/json").status_code
        == 401
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": " "}, "name"),
        ({"name": None}, "name"),
        ({"name": "长" * 33}, "name"),
        ({"bio": "x\x00"}, "bio"),
        ({"birth_year": 1800}, "birth_year"),
        ({"birth_year": "old"}, "birth_year"),
        ({"source": "internet"}, "source"),
        ({"level": "province"}, "level"),
        ({"gender": "x"}, "gender"),
        ({"lat": 999}, "lat"),
        ({"lat": 30.0, "lng": None}, "lng"),
        ({"org_id": 10**9}, "org_id"),
        ({"appointed_from": "2026-13-01"}, "appointed_from"),
        ({"appointed_from": "2027-01-01", "appointed_until": "2026-01-01"}, "appointed_until"),
        ({"status": "active"}, "status"),
        ({"phone": "13800009999"}, "phone"),
        ({"version": "new"}, "version"),
        ({}, None),
    ],
)
def test_bad_input_is_named_and_nothing_is_written(world, api_as, change, field):
    before = row(world.zhang)
    response = api_as(world.county_admin).patch(
        url(world.zhang), {"bio": "新简介", **change} if field else change
    )
    assert response.status_code == 422, response.content
    if field:
        assert field in response.json()["fields"]
    assert row(world.zhang) == before
    assert not AuditLog.objects.filter(action="lecturer.update").exists()


@pytest.mark.django_db
def test_an_edit_from_an_older_version_is_refused(world, api_as):
    api = api_as(world.county_admin)
    assert api.patch(url(world.zhang), {"bio": "第一版", "version": 1}).status_code == 200
    before = row(world.zhang)
    response = api.patch(url(world.zhang), {"bio": "第二版", "version": 1})
    assert (response.status_code, response.json()["code"]) == (409, "edit_conflict")
    assert row(world.zhang) == before and before["bio"] == "第一版"
    # A status move is a change too: an edit started before it is refused.
    api.post(f"{url(world.zhang)}/status", {"status": "cold_store", "reason": "考核"})
    response = api.patch(url(world.zhang), {"bio": "第三版", "version": 2})
    assert response.status_code == 409


@pytest.mark.django_db(transaction=True)
def test_admins_editing_at_once_lose_no_update(world):
    """Eight admins edit the same résumé from the same version: exactly one edit lands, the
    others get 409 edit_conflict, and the stored biography is the winner's, whole."""
    tokens = [
        api_token_issue(user=make_member(f"admin{i}", world.county, Role.COUNTY_ADMIN))
        for i in range(8)
    ]

    def patch(i):
        response = Client().patch(
            f"/api/v1/lecturers/{world.zhang.pk}",
            {"bio": f"第{i}位管理员的简介", "unit": f"单位{i}", "version": 1},
            content_type="application/json",
            headers={"Authorization": f"Bearer {tokens[i]}"},
        )
        return response.status_code, response.json().get("code"), i

    results = run_in_threads(patch, 8)
    assert all(not isinstance(r, Exception) for r in results), results
    winners = [i for status, _code, i in results if status == 200]
    assert len(winners) == 1, results
    assert all(r[:2] == (409, "edit_conflict") for r in results if r[0] != 200), results
    zhang = Lecturer.objects.get(pk=world.zhang.pk)
    assert (zhang.bio, zhang.unit, zhang.version) == (
        f"第{winners[0]}位管理员的简介", f"单位{winners[0]}", 2,
    )  # fmt: skip
    assert AuditLog.objects.filter(action="lecturer.update").count() == 1
