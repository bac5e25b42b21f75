"""/manage/orgs/: the organisation tree, adding, editing, deactivating and reactivating, for
county admins over their county and town admins over the branches of their own town."""

import re

import pytest
from django.utils import timezone

from core.models import AuditLog
from core.tests.factories import make_member, make_org, session
from orgs.models import Organisation, OrgLevel, Role

pytestmark = pytest.mark.django_db


def _html(response) -> str:
    return response.content.decode()


def _errors(response) -> dict:
    """The fields marked in red on a re-rendered form, with their messages."""
    html = _html(response)
    found = {}
    for name, body in re.findall(r'class="field has-error" id="field-(\w+)">(.*?)</div>', html, re.S):  # fmt: skip
        found[name] = " ".join(re.findall(r'<p class="error" role="alert">(.*?)</p>', body))
    return found


def _new(**change) -> dict:
    data = {"name": "北山村党支部", "level": "village", "parent": "", "group": "rural",
            "address": "北山村委会", "lat": "36.62", "lng": "118.61", "copy_from": ""}  # fmt: skip
    data.update(change)
    return data


# --- who may use the pages --------------------------------------------------------------------


def test_the_pages_are_for_county_and_town_admins_only(world, client):
    paths = ["/manage/", "/manage/orgs/", "/manage/orgs/new/",
             f"/manage/orgs/{world.branch.pk}/edit/", f"/manage/orgs/{world.branch.pk}/deactivate/"]  # fmt: skip
    for path in paths:
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], path
    for user in (world.secretary, world.lecturer):
        client.force_login(user)
        for path in paths:
            assert client.get(path).status_code == 403, (user, path)
        assert client.post("/manage/orgs/new/", _new(parent=world.town.pk)).status_code == 403
    assert not Organisation.objects.filter(name="北山村党支部").exists()


def test_the_index_shows_a_town_admin_only_their_pages(world, client):
    client.force_login(world.town_admin)
    index = _html(client.get("/manage/"))
    assert "/manage/orgs/" in index and "组织管理" in index
    assert "/manage/import/" not in index and "/manage/audit/" not in index
    # the county's own pages stay the county's
    for path in ("/manage/import/", "/manage/audit/", "/manage/import/template/orgs/"):
        assert client.get(path).status_code == 403, path
    # and the top bar leads there
    assert 'href="/manage/"' in _html(client.get("/"))
    client.force_login(world.county_admin)
    index = _html(client.get("/manage/"))
    assert "/manage/orgs/" in index and "/manage/import/" in index


def test_another_county_s_admin_sees_nothing_of_this_county(world, client):
    client.force_login(world.outsider)
    tree = _html(client.get("/manage/orgs/"))
    assert "北镇" in tree and "东镇" not in tree and "甲县" not in tree
    for path in (f"/manage/orgs/{world.branch.pk}/edit/", f"/manage/orgs/{world.town.pk}/deactivate/"):  # fmt: skip
        assert client.get(path).status_code == 404
        assert client.post(path, {"reason": "x", "name": "改"}).status_code == 404
    response = client.post("/manage/orgs/new/", _new(parent=world.town.pk))
    assert response.status_code == 422 and "parent" in _errors(response)
    assert Organisation.objects.get(pk=world.branch.pk).name == "东村党支部"
    assert Organisation.objects.get(pk=world.town.pk).is_active


# --- the tree ---------------------------------------------------------------------------------


def test_a_county_admin_sees_the_tree_with_counts_and_badges(world, client):
    session(world, started_minutes_ago=-24 * 60)  # a confirmed booking of 东村党支部 tomorrow
    session(world, started_minutes_ago=3 * 24 * 60, status="completed")  # history: not open
    Organisation.objects.filter(pk=world.sibling_branch.pk).update(is_active=False, lat=None, lng=None)  # fmt: skip
    client.force_login(world.county_admin)
    html = _html(client.get("/manage/orgs/"))
    for name in (
        "甲县",
        "东镇",
        "西镇",
        "东村党支部",
        "南村党支部",
        "西村党支部",
        "县财政局党支部",
    ):
        assert name in html
    assert "北镇" not in html
    assert 'data-testid="org-count">2 个乡镇 · 4 个支部 · 1 个已停用' in html
    assert html.count('data-testid="org-group"') == 3  # the county, then each town
    east = html.split(f'id="org-{world.branch.pk}"')[1].split("</li>")[0]
    assert "1 个未完成约课" in east and "1名讲师" in east and "有坐标" in east
    south = html.split(f'id="org-{world.sibling_branch.pk}"')[1].split("</li>")[0]
    assert 'data-testid="inactive-badge"' in south and "无坐标" in south and "重新启用" in south
    assert 'data-testid="add-town"' in html


def test_a_town_admin_sees_only_their_own_town(world, client):
    client.force_login(world.town_admin)
    html = _html(client.get("/manage/orgs/"))
    assert "东镇" in html and "东村党支部" in html and "南村党支部" in html
    for name in ("西镇", "西村党支部", "县财政局党支部", "甲县"):
        assert name not in html, name
    assert 'data-testid="add-town"' not in html
    # the branches are theirs to change, the town itself is the county's
    assert f"/manage/orgs/{world.branch.pk}/edit/" in html
    assert f"/manage/orgs/{world.town.pk}/edit/" not in html
    assert f'href="/manage/orgs/new/?level=village&amp;parent={world.town.pk}"' in html


def test_the_search_finds_branches_by_name_or_pinyin_with_their_town(world, client):
    client.force_login(world.county_admin)
    for query in ("南村", "nancun"):
        html = _html(client.get("/manage/orgs/", {"q": query}))
        assert "南村党支部" in html and "东镇" in html, query
        assert "东村党支部" not in html and "西镇" not in html, query
    html = _html(client.get("/manage/orgs/", {"q": "西镇"}))
    assert "西村党支部" in html and "东村党支部" not in html
    html = _html(client.get("/manage/orgs/", {"q": "没有这个"}))
    assert "没有符合搜索的组织" in html


def test_an_empty_county_is_told_to_add_its_first_town(db, client):
    county = make_org("丙县", OrgLevel.COUNTY)
    client.force_login(make_member("c_admin", county, Role.COUNTY_ADMIN))
    html = _html(client.get("/manage/orgs/"))
    assert 'data-testid="org-empty"' in html and "添加第一个乡镇" in html
    assert 'href="/manage/orgs/new/?level=town"' in html


# --- adding -----------------------------------------------------------------------------------


def test_a_county_admin_adds_a_town_and_a_branch_copying_a_place(world, client):
    client.force_login(world.county_admin)
    form = _html(client.get("/manage/orgs/new/", {"level": "town"}))
    assert f'<option value="{world.county.pk}" selected>' in form
    # the place picker offers the county's points by town
    assert (
        '<optgroup label="东镇">' in form
        and f'<option value="{world.branch.pk}">东村党支部' in form
    )
    response = client.post("/manage/orgs/new/", _new(name="北山镇", level="town", parent=world.county.pk, group=""))  # fmt: skip
    assert response.status_code == 302, _errors(response)
    town = Organisation.objects.get(name="北山镇")
    assert (town.level, town.parent_id, town.county_id, town.lat) == ("town", world.county.pk, world.county.pk, 36.62)  # fmt: skip
    assert response["Location"] == f"/manage/orgs/#org-{town.pk}"
    # a branch of the new town takes 东村党支部's place, whatever was typed
    data = _new(parent=town.pk, lat="", lng="", copy_from=world.branch.pk)
    assert client.post("/manage/orgs/new/", data).status_code == 302
    branch = Organisation.objects.get(name="北山村党支部")
    assert (branch.parent_id, branch.lat, branch.lng) == (town.pk, world.branch.lat, world.branch.lng)  # fmt: skip
    assert AuditLog.objects.filter(action="org.create", object_id=str(branch.pk), actor=world.county_admin).exists()  # fmt: skip


def test_a_town_admin_adds_branches_to_their_town_only(world, client):
    client.force_login(world.town_admin)
    form = _html(client.get("/manage/orgs/new/"))
    assert 'value="town"' not in form and world.other_town.name not in form
    assert client.post("/manage/orgs/new/", _new(parent=world.town.pk)).status_code == 302
    assert Organisation.objects.get(name="北山村党支部").parent_id == world.town.pk
    for bad in (_new(name="新镇", level="town", parent=world.county.pk), _new(name="西山村", parent=world.other_town.pk)):  # fmt: skip
        response = client.post("/manage/orgs/new/", bad)
        assert response.status_code == 422
        assert set(_errors(response)) & {"level", "parent"}
    assert not Organisation.objects.filter(name__in=["新镇", "西山村"]).exists()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"lat": "36.6", "lng": ""}, "lng", "纬度和经度须同时填写或同时留空。"),
        ({"lat": "", "lng": "118.6"}, "lat", "纬度和经度须同时填写或同时留空。"),
        ({"lat": "95"}, "lat", "必须位于中国境内（3.5至53.6）。"),
        ({"lng": "200"}, "lng", "必须位于中国境内（73.4至135.1）。"),
        ({"lat": "北纬"}, "lat", "请输入数字。"),
        ({"lat": "nan"}, "lat", "请输入数字。"),
        ({"name": "南村党支部"}, "name", "该上级组织下已有同名组织。"),
        ({"name": "  "}, "name", "此项为必填项。"),
        ({"parent": ""}, "parent", "此项为必填项。"),
        ({"parent": "999999"}, "parent", "选择一个有效的选项"),
        ({"group": "martians"}, "group", "选择一个有效的选项"),
        ({"copy_from": "999999"}, "copy_from", "选择一个有效的选项"),
        ({"level": "county"}, "level", "选择一个有效的选项"),
    ],
)
def test_bad_input_is_marked_on_its_field_and_writes_nothing(world, client, change, field, message):
    client.force_login(world.county_admin)
    before = Organisation.objects.count()
    response = client.post("/manage/orgs/new/", _new(**{"parent": world.town.pk, **change}))
    assert response.status_code == 422
    assert message in _errors(response).get(field, ""), _errors(response)
    assert Organisation.objects.count() == before
    assert not AuditLog.objects.filter(action="org.create").exists()


def test_a_branch_cannot_be_added_under_a_deactivated_town(world, client):
    Organisation.objects.filter(pk=world.other_town.pk).update(is_active=False)
    client.force_login(world.county_admin)
    # not offered, and refused when sent anyway
    assert f'<option value="{world.other_town.pk}"' not in _html(client.get("/manage/orgs/new/"))
    response = client.post("/manage/orgs/new/", _new(parent=world.other_town.pk))
    assert response.status_code == 422 and "parent" in _errors(response)


# --- editing ----------------------------------------------------------------------------------


def _edit_data(client, org) -> dict:
    """The edit form as the page fills it in."""
    form = client.get(f"/manage/orgs/{org.pk}/edit/")
    assert form.status_code == 200
    html = _html(form)
    seen = re.search(r'name="seen_at" value="([^"]+)"', html).group(1)
    data = {"name": org.name, "group": org.group, "address": org.address, "lat": org.lat or "",
            "lng": org.lng or "", "copy_from": "", "seen_at": seen}  # fmt: skip
    if org.level == OrgLevel.VILLAGE:
        data["parent"] = org.parent_id
    return data


def test_a_county_admin_edits_and_moves_a_branch_with_the_change_audited(world, client):
    client.force_login(world.county_admin)
    data = _edit_data(client, world.branch)
    data.update(name="东村联合党支部", parent=world.other_town.pk, address="东村路1号", lat="", lng="")  # fmt: skip
    response = client.post(f"/manage/orgs/{world.branch.pk}/edit/", data)
    assert response.status_code == 302, _errors(response)
    branch = Organisation.objects.get(pk=world.branch.pk)
    assert (branch.name, branch.parent_id, branch.address, branch.lat, branch.lng) == ("东村联合党支部", world.other_town.pk, "东村路1号", None, None)  # fmt: skip
    entry = AuditLog.objects.get(action="org.update", object_id=str(branch.pk))
    assert entry.before == {"name": "东村党支部", "parent_id": world.town.pk, "address": "", "lat": 36.5, "lng": 118.5}  # fmt: skip
    assert entry.after == {"name": "东村联合党支部", "parent_id": world.other_town.pk, "address": "东村路1号", "lat": None, "lng": None}  # fmt: skip
    # a town's form has no parent to change; the town keeps the county
    assert 'name="parent"' not in _html(client.get(f"/manage/orgs/{world.town.pk}/edit/"))


def test_an_edit_refuses_a_duplicate_name_and_a_stale_form(world, client):
    client.force_login(world.county_admin)
    data = _edit_data(client, world.branch)
    response = client.post(f"/manage/orgs/{world.branch.pk}/edit/", {**data, "name": "南村党支部"})
    assert response.status_code == 422 and "该上级组织下已有同名组织。" in _errors(response)["name"]
    # someone else saves first: the form begun before is refused, nothing of it written
    Organisation.objects.filter(pk=world.branch.pk).update(address="别人改的", updated_at=timezone.now())  # fmt: skip
    response = client.post(f"/manage/orgs/{world.branch.pk}/edit/", {**data, "address": "我的"})
    assert response.status_code == 409 and "该组织刚被他人修改，请刷新后重试。" in _html(response)
    assert Organisation.objects.get(pk=world.branch.pk).address == "别人改的"
    assert not AuditLog.objects.filter(action="org.update").exists()


def test_a_town_admin_edits_their_town_s_branches_only(world, client):
    client.force_login(world.town_admin)
    data = _edit_data(client, world.branch)
    assert client.post(f"/manage/orgs/{world.branch.pk}/edit/", {**data, "group": "community"}).status_code == 302  # fmt: skip
    assert Organisation.objects.get(pk=world.branch.pk).group == "community"
    # moving the branch to another town is outside their area
    response = client.post(f"/manage/orgs/{world.branch.pk}/edit/", {**_edit_data(client, world.branch), "parent": world.other_town.pk})  # fmt: skip
    assert response.status_code == 422 and "parent" in _errors(response)
    assert client.get(f"/manage/orgs/{world.town.pk}/edit/").status_code == 403
    assert client.post(f"/manage/orgs/{world.town.pk}/edit/", {"name": "改"}).status_code == 403
    assert client.get(f"/manage/orgs/{world.other_branch.pk}/edit/").status_code == 404
    assert client.get(f"/manage/orgs/{world.unit.pk}/deactivate/").status_code == 404
    assert Organisation.objects.get(pk=world.town.pk).name == "东镇"


# --- deactivating -----------------------------------------------------------------------------


def test_deactivation_is_refused_while_bookings_are_open_and_names_them(world, client):
    session(world, started_minutes_ago=-24 * 60, status="requested")
    client.force_login(world.county_admin)
    page = _html(client.get(f"/manage/orgs/{world.branch.pk}/deactivate/"))
    assert 'data-testid="open-work"' in page
    for org in (world.branch, world.town):  # a town: its branches count
        response = client.post(f"/manage/orgs/{org.pk}/deactivate/", {"reason": "撤并"})
        assert response.status_code == 409
        assert "还有 1 个未完成的约课和 0 个未结束的需求" in _html(response)
        assert Organisation.objects.get(pk=org.pk).is_active
    assert not AuditLog.objects.filter(action="org.deactivate").exists()


def test_deactivation_is_refused_while_a_demand_is_open(world, client, api_as):
    from matching.tests.test_flow import demand_payload

    assert api_as(world.secretary).post("/api/v1/demands", demand_payload(world)).status_code == 201
    client.force_login(world.town_admin)
    response = client.post(f"/manage/orgs/{world.branch.pk}/deactivate/", {"reason": "撤并"})
    assert response.status_code == 409 and "0 个未完成的约课和 1 个未结束的需求" in _html(response)
    assert Organisation.objects.get(pk=world.branch.pk).is_active


def test_deactivate_and_reactivate_with_a_reason(world, client):
    session(world, started_minutes_ago=3 * 24 * 60, status="completed")  # history stays
    booking = session(world, started_minutes_ago=-24 * 60)
    booking.status = "cancelled"
    booking.save()
    client.force_login(world.town_admin)
    path = f"/manage/orgs/{world.branch.pk}/deactivate/"
    response = client.post(path, {"reason": "  "})
    assert response.status_code == 422 and "reason" in _errors(response)
    assert client.post(path, {"reason": "村居合并"}).status_code == 302
    assert not Organisation.objects.get(pk=world.branch.pk).is_active
    entry = AuditLog.objects.get(action="org.deactivate")
    assert entry.after == {"is_active": False, "reason": "村居合并"} and entry.actor == world.town_admin  # fmt: skip
    html = _html(client.get("/manage/orgs/"))
    assert html.split(f'id="org-{world.branch.pk}"')[1].count('data-testid="inactive-badge"') >= 1
    # the page now offers the way back
    assert "重新启用" in _html(client.get(path))
    assert client.post(path, {"reason": "恢复"}).status_code == 302
    assert Organisation.objects.get(pk=world.branch.pk).is_active
    assert AuditLog.objects.get(action="org.reactivate").after == {"is_active": True, "reason": "恢复"}  # fmt: skip


def test_a_county_cannot_be_deactivated_and_a_town_admin_not_their_own_town(world, client):
    client.force_login(world.county_admin)
    assert f"/manage/orgs/{world.county.pk}/deactivate/" not in _html(client.get("/manage/orgs/"))
    response = client.post(f"/manage/orgs/{world.county.pk}/deactivate/", {"reason": "x"})
    assert response.status_code == 409 and "县不能停用。" in _html(response)
    client.force_login(world.town_admin)
    assert client.post(f"/manage/orgs/{world.town.pk}/deactivate/", {"reason": "x"}).status_code == 403  # fmt: skip
    assert Organisation.objects.filter(is_active=False).count() == 0


# --- what a deactivated organisation can no longer do ---------------------------------------


def test_a_deactivated_organisation_cannot_book_or_post_and_leaves_the_pickers(world, client, api_as):  # fmt: skip
    from matching.tests.test_flow import demand_payload
    from scheduling.tests.conftest import at

    booking = {"org_id": world.branch.pk, "lecturer_id": world.zhang.pk, "course_id": world.course.pk,
               "start": at(7, 9).isoformat(), "end": at(7, 11).isoformat(), "venue": "会议室",
               "expected_attendees": 30, "classroom": "classroom"}  # fmt: skip
    Organisation.objects.filter(pk=world.branch.pk).update(is_active=False)
    for user in (world.secretary, world.county_admin):
        api = api_as(user)
        for path, payload in (("/api/v1/bookings", booking), ("/api/v1/demands", demand_payload(world))):  # fmt: skip
            response = api.post(path, payload)
            assert response.status_code == 409, (user, path, response.content)
            body = response.json()
            assert body["code"] == "org_inactive" and body["detail"] == "该组织已停用，不能再约课或发布需求。"  # fmt: skip
    # the secretary's pages say why; the admins' pickers no longer offer it
    client.force_login(world.secretary)
    response = client.get("/demands/new/")
    assert response.status_code == 403 and "该组织已停用" in _html(response)
    response = client.get("/bookings/new/", {"lecturer": world.zhang.pk})
    assert response.status_code == 403 and "该组织已停用" in _html(response)
    client.force_login(world.county_admin)
    picker = _html(client.get("/demands/new/"))
    assert "东村党支部" not in picker and "南村党支部" in picker
    # a branch of a deactivated town neither
    Organisation.objects.filter(pk=world.branch.pk).update(is_active=True)
    Organisation.objects.filter(pk=world.town.pk).update(is_active=False)
    response = api_as(world.secretary).post("/api/v1/bookings", booking)
    assert response.status_code == 409 and response.json()["code"] == "org_inactive"
    # history stays visible
    old = session(world, started_minutes_ago=3 * 24 * 60, status="completed")
    assert api_as(world.secretary).get(f"/api/v1/bookings/{old.pk}").status_code == 200


def test_the_open_work_counts_only_what_is_still_to_come(world):
    from backoffice.selectors import org_open_work

    session(world, started_minutes_ago=-180)  # confirmed, in three hours
    session(world, started_minutes_ago=30)  # confirmed, under way: still open
    session(world, started_minutes_ago=5 * 60)  # confirmed but over
    session(world, started_minutes_ago=-120, status="declined")
    assert org_open_work(world.branch) == (2, 0)
    assert org_open_work(world.town) == (2, 0)
    assert org_open_work(world.other_town) == (0, 0)
