"""The province level: a root above counties that belongs to no county, and its admin role,
whose login belongs to no county so that every county rule refuses it."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.tests.factories import make_user
from orgs import rules
from orgs.models import Membership, Organisation, OrgLevel, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def province(world):
    p = Organisation.objects.create(name="甲省", level=OrgLevel.PROVINCE)
    Organisation.objects.filter(pk=world.county.pk).update(parent=p)
    admin = make_user("province_admin")
    Membership.objects.create(user=admin, org=p, role=Role.PROVINCE_ADMIN)
    world.province, world.province_admin = p, admin
    return world


def _refused(**fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(**fields)


def test_the_tree_keeps_provinces_at_the_root_and_out_of_every_county(province):
    _refused(name="乙省", level=OrgLevel.PROVINCE, parent=province.province)
    _refused(name="丙省", level=OrgLevel.PROVINCE, county=province.county)
    _refused(name="孤镇", level=OrgLevel.TOWN)
    # A county with no province stays valid, as every county before this level was.
    assert province.county_b.parent is None
    province.county_b.full_clean()


def test_a_county_hangs_under_a_province_only(province):
    county = province.county_b
    county.parent = province.town
    with pytest.raises(ValidationError) as refused:
        county.clean()
    assert "parent" in refused.value.message_dict
    county.parent = province.province
    county.clean()


def test_a_province_admin_login_belongs_to_no_county(province):
    county_user = make_user("someone", province.county)
    membership = Membership(user=county_user, org=province.province, role=Role.PROVINCE_ADMIN)
    with pytest.raises(ValidationError):
        membership.clean()
    Membership.objects.get(user=province.province_admin).clean()
    misplaced = Membership(
        user=province.province_admin, org=province.county, role=Role.PROVINCE_ADMIN
    )
    with pytest.raises(ValidationError):
        misplaced.clean()


def test_every_county_rule_refuses_a_province_admin(province):
    admin = province.province_admin
    assert rules.scope_for(admin) == rules.NO_SCOPE
    assert not rules.orgs_visible_to(admin).exists()
    assert not rules.towns_in_county(admin).exists()
    assert rules.org_scope_q(rules.scope_for(admin)) is None
    assert not rules.may_book_for(admin, province.branch)
    assert not rules.may_manage_lecturer(admin, province.zhang)
    assert not rules.may_configure_county(admin)
    with pytest.raises(rules.NotFound):
        rules.org_for_user(admin, province.county.pk)


def test_the_province_scope_holds_its_counties_only(province):
    scope = rules.province_scope_for(province.province_admin)
    assert scope.province_id == province.province.pk
    assert scope.county_ids == {province.county.pk}
    assert rules.province_scope_for(province.county_admin) is None
    assert list(rules.counties_of_province(province.county_admin)) == []
    assert rules.county_of_province(province.province_admin, province.county.pk) == province.county
    for other in (province.county_b.pk, province.town.pk, province.province.pk, "x", None):
        with pytest.raises(rules.NotFound):
            rules.county_of_province(province.province_admin, other)
