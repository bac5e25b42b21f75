import pytest

from core.models import AuditLog
from orgs.models import Organisation

pytestmark = pytest.mark.django_db


def names(response):
    assert response.status_code == 200, response.content
    return {item["name"] for item in response.json()["items"]}


def test_the_list_follows_the_callers_scope(world, api_as):
    assert names(api_as(world.secretary).get("/api/v1/orgs")) == {"东村党支部"}
    assert names(api_as(world.town_admin).get("/api/v1/orgs")) == {
        "东镇",
        "东村党支部",
        "南村党支部",
    }
    assert "北镇" not in names(api_as(world.county_admin).get("/api/v1/orgs"))
    assert names(api_as(world.outsider).get("/api/v1/orgs")) == {"乙县", "北镇", "北村党支部"}


def test_the_list_filters_by_parent_and_level(world, api_as):
    client = api_as(world.county_admin)
    assert names(client.get("/api/v1/orgs", {"level": "town"})) == {"东镇", "西镇"}
    assert names(client.get("/api/v1/orgs", {"parent": world.town.pk})) == {
        "东村党支部",
        "南村党支部",
    }


def test_the_list_pages(world, api_as):
    client = api_as(world.county_admin)
    first = client.get("/api/v1/orgs", {"page": 1, "page_size": 2}).json()
    second = client.get("/api/v1/orgs", {"page": 2, "page_size": 2}).json()
    assert first["count"] == second["count"] == 7
    assert len(first["items"]) == 2
    assert {i["id"] for i in first["items"]}.isdisjoint({i["id"] for i in second["items"]})
    for bad in ({"page_size": 101}, {"page_size": 0}, {"page": 0}, {"page": "x"}):
        response = client.get("/api/v1/orgs", bad)
        assert response.status_code == 422
        assert set(response.json()["fields"]) <= {"page", "page_size"}


def test_a_county_admin_creates_a_branch(world, api_as):
    payload = {
        "name": "新村党支部",
        "level": "village",
        "parent_id": world.town.pk,
        "group": "rural",
        "lat": 36.61,
        "lng": 118.62,
        "address": "东镇新村",
    }
    response = api_as(world.county_admin).post("/api/v1/orgs", payload)
    assert response.status_code == 201, response.content
    body = response.json()
    org = Organisation.objects.get(pk=body["id"])
    assert (org.county_id, org.parent_id, org.level) == (world.county.pk, world.town.pk, "village")
    assert AuditLog.objects.filter(
        action="org.create", object_id=str(org.pk), actor=world.county_admin
    ).exists()


@pytest.mark.parametrize("who", ["secretary", "lecturer"])
def test_others_may_not_create(world, api_as, who):
    payload = {"name": "X村党支部", "level": "village", "parent_id": world.town.pk}
    response = api_as(getattr(world, who)).post("/api/v1/orgs", payload)
    # They do not even see the parent.
    assert response.status_code == 422
    assert not Organisation.objects.filter(name="X村党支部").exists()


def test_a_town_admin_adds_branches_to_their_own_town_only(world, api_as):
    api = api_as(world.town_admin)
    mine = api.post("/api/v1/orgs", {"name": "X村党支部", "level": "village", "parent_id": world.town.pk})  # fmt: skip
    assert mine.status_code == 201 and mine.json()["parent_id"] == world.town.pk
    # another town is outside their area; a town is the county's to add
    other = api.post("/api/v1/orgs", {"name": "Y村党支部", "level": "village", "parent_id": world.other_town.pk})  # fmt: skip
    assert other.status_code == 422 and "parent_id" in other.json()["fields"]
    town = api.post("/api/v1/orgs", {"name": "新镇", "level": "town", "parent_id": world.county.pk})
    assert town.status_code == 403 and town.json()["detail"] == "只有县里可以添加乡镇。"
    assert not Organisation.objects.filter(name__in=["Y村党支部", "新镇"]).exists()


def test_an_outsider_cannot_create_inside_another_county(world, api_as):
    response = api_as(world.outsider).post(
        "/api/v1/orgs", {"name": "X村党支部", "level": "village", "parent_id": world.town.pk}
    )
    assert response.status_code == 422
    assert "parent_id" in response.json()["fields"]
    assert not Organisation.objects.filter(name="X村党支部").exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "a\x00b"}, "name"),
        ({"name": "长" * 101}, "name"),
        ({"level": "province"}, "level"),
        ({"level": "county"}, "level"),
        ({"group": "martians"}, "group"),
        ({"lat": 95.0}, "lat"),
        ({"lng": 200.0}, "lng"),
        ({"lat": "north"}, "lat"),
        ({"parent_id": None}, "parent_id"),
        ({"parent_id": 10**9}, "parent_id"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(world, api_as, change, field):
    payload = {
        "name": "好村党支部",
        "level": "village",
        "parent_id": world.town.pk,
        "lat": 36.6,
        "lng": 118.6,
    }
    payload.update(change)
    before = Organisation.objects.count()
    response = api_as(world.county_admin).post("/api/v1/orgs", payload)
    assert response.status_code == 422, response.content
    assert field in response.json()["fields"]
    assert Organisation.objects.count() == before


def test_a_nan_coordinate_is_rejected(world, api_as):
    payload = {"name": "好村党支部", "level": "village", "parent_id": world.town.pk}
    response = api_as(world.county_admin).post(
        "/api/v1/orgs", {**payload, "lat": float("nan"), "lng": 118.6}
    )
    assert response.status_code in (400, 422)
    assert not Organisation.objects.filter(name="好村党支部").exists()


def test_a_village_cannot_hang_under_a_village(world, api_as):
    response = api_as(world.county_admin).post(
        "/api/v1/orgs", {"name": "组", "level": "village", "parent_id": world.branch.pk}
    )
    assert response.status_code == 422
    assert "parent_id" in response.json()["fields"]


def test_a_duplicate_name_under_the_same_parent_is_rejected(world, api_as):
    response = api_as(world.county_admin).post(
        "/api/v1/orgs", {"name": "东村党支部", "level": "village", "parent_id": world.town.pk}
    )
    assert response.status_code == 422
    assert "name" in response.json()["fields"]
