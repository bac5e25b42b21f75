"""The access module for every role, and an outsider from a second county."""

import pytest

import access
from core.errors import NotFound
from courses.selectors import courses_visible_to
from lecturers.selectors import lecturers_visible_to

pytestmark = pytest.mark.django_db


def visible(user):
    return set(access.orgs_visible_to(user).values_list("name", flat=True))


def test_a_county_admin_sees_the_whole_county_and_nothing_else(world):
    names = visible(world.county_admin)
    assert {"甲县", "东镇", "西镇", "东村党支部", "西村党支部", "县财政局党支部"} <= names
    assert not names & {"乙县", "北镇", "北村党支部"}


def test_a_town_admin_sees_the_town_and_its_branches(world):
    assert visible(world.town_admin) == {"东镇", "东村党支部", "南村党支部"}


def test_a_secretary_sees_the_own_branch(world):
    assert visible(world.secretary) == {"东村党支部"}


def test_a_lecturer_holds_no_organisation_records(world):
    assert visible(world.lecturer) == set()


def test_an_outsider_sees_only_the_own_county(world):
    assert visible(world.outsider) == {"乙县", "北镇", "北村党支部"}
    with pytest.raises(NotFound):
        access.org_for_user(world.outsider, world.branch.pk)


def test_a_user_without_county_sees_nothing(world):
    from core.tests.factories import make_user

    nobody = make_user("nobody")
    assert visible(nobody) == set()
    assert not lecturers_visible_to(nobody).exists()
    assert not courses_visible_to(nobody).exists()


def test_org_for_user_refuses_out_of_scope_and_junk_ids(world):
    assert access.org_for_user(world.town_admin, world.branch.pk) == world.branch
    for bad in (world.other_branch.pk, world.county.pk, "abc", None, 10**9):
        with pytest.raises(NotFound):
            access.org_for_user(world.town_admin, bad)


def test_the_catalogue_is_open_to_the_whole_county(world):
    for user in (
        world.county_admin,
        world.town_admin,
        world.secretary,
        world.other_secretary,
        world.lecturer,
    ):
        names = set(lecturers_visible_to(user).values_list("name", flat=True))
        assert {"张三丰", "李四光"} <= names
        assert "赵六" not in names
    assert set(lecturers_visible_to(world.outsider).values_list("name", flat=True)) == {"赵六"}


def test_candidates_are_visible_to_county_admins_and_to_themselves(world):
    from core.tests.factories import make_member
    from orgs.models import Role

    assert lecturers_visible_to(world.county_admin).filter(pk=world.candidate.pk).exists()
    assert not lecturers_visible_to(world.secretary).filter(pk=world.candidate.pk).exists()
    world.candidate.user = make_member("cand", world.county, Role.LECTURER)
    world.candidate.save()
    assert lecturers_visible_to(world.candidate.user).filter(pk=world.candidate.pk).exists()


def test_only_county_admins_manage_the_catalogue(world):
    assert access.may_manage_catalogue(world.county_admin)
    for user in (world.town_admin, world.secretary, world.lecturer):
        assert not access.may_manage_catalogue(user)
    # The outsider is a county admin, but of another county: never of our lecturers.
    assert access.may_edit_courses_of(world.outsider, world.lecturer_b)
    assert not access.may_edit_courses_of(world.outsider, world.zhang)
    assert access.may_edit_courses_of(world.lecturer, world.zhang)
    assert not access.may_edit_courses_of(world.lecturer, world.li)


def test_roles_of_lists_memberships(world):
    assert access.roles_of(world.town_admin) == [{"role": "town_admin", "org_id": world.town.pk}]


def test_a_membership_must_match_the_roles_level_and_county(world):
    from django.core.exceptions import ValidationError

    from orgs.models import Membership, Role

    with pytest.raises(ValidationError):
        Membership(user=world.secretary, org=world.town, role=Role.SECRETARY).full_clean()
    with pytest.raises(ValidationError):
        Membership(user=world.outsider, org=world.branch, role=Role.SECRETARY).full_clean()
    Membership(user=world.town_admin, org=world.other_town, role=Role.TOWN_ADMIN).full_clean()


def test_the_catalogue_count_matches_the_active_pool(world, api_as):
    from lecturers.models import Lecturer

    world.li.status = "cold_store"
    world.li.save()
    assert not lecturers_visible_to(world.secretary).filter(pk=world.li.pk).exists()
    active = Lecturer.objects.filter(county=world.county, status="active").count()
    assert api_as(world.secretary).get("/api/v1/lecturers").json()["count"] == active


def test_county_admins_set_reminders_and_quiet_hours(world):
    from access.services import county_settings_update
    from core.errors import Forbidden, InvalidInput
    from orgs.models import CountySettings

    rules = county_settings_update(
        actor=world.county_admin, reminder_hours="2，24", quiet_hours_start=22
    )
    assert rules.reminder_hours == "24,2" and rules.reminder_hour_list == [24, 2]
    assert CountySettings.objects.get(county=world.county).quiet_hours_start == 22
    for bad in (
        {"reminder_hours": "0"},
        {"reminder_hours": "1,2,3,4"},
        {"quiet_hours_end": 24},
        {"publish_reminder_day": 31},
    ):
        with pytest.raises(InvalidInput):
            county_settings_update(actor=world.county_admin, **bad)
    with pytest.raises(Forbidden):
        county_settings_update(actor=world.town_admin, quiet_hours_start=20)
