"""The organisation picker of the booking, demand and reported-session forms: search by name,
pinyin or initials, the town beside each name, the caller's own organisation first, and only
what the caller may book for."""

import re

import pytest

from core.tests.factories import make_org
from orgs.models import OrgLevel


def options(html: str) -> list[str]:
    return re.findall(r'data-testid="org-option"> <span>([^<]*)</span>', html)


def checked(html: str) -> list[str]:
    return re.findall(r'value="(\d+)" checked data-testid="org-option"', html)


@pytest.fixture
def twin(world):
    """A second 东村党支部, in the other town: the picker must tell them apart."""
    return make_org("东村党支部", OrgLevel.VILLAGE, world.other_town)


def test_names_show_their_town_and_initials_find_a_branch(world, login, twin):
    html = login(world.county_admin).get("/orgs/pick/", {"org_q": "dc"}).content.decode()
    assert options(html) == ["东村党支部 · 东镇", "东村党支部 · 西镇"]


@pytest.mark.parametrize("q", ["dongcun", "东村", "DongCun", "xizhen", "西镇"])
def test_full_pinyin_characters_and_town_names_match(world, login, twin, q):
    html = login(world.county_admin).get("/orgs/pick/", {"org_q": q}).content.decode()
    assert "东村党支部 · 西镇" in options(html)


def test_only_what_the_caller_may_book_for_is_listed(world, login, twin):
    town = login(world.town_admin).get("/orgs/pick/", {"org_q": ""}).content.decode()
    assert set(options(town)) == {"东镇", "东村党支部 · 东镇", "南村党支部 · 东镇"}
    secretary = login(world.secretary).get("/orgs/pick/", {"org_q": "c"}).content.decode()
    assert options(secretary) == ["东村党支部 · 东镇"]
    outsider = login(world.outsider).get("/orgs/pick/", {"org_q": "dc"}).content.decode()
    assert options(outsider) == [] and 'data-testid="org-none"' in outsider


def test_a_lecturer_limits_the_list_to_who_may_book_them(world, login):
    # 李四光 is a town-level lecturer of 西镇: 东镇's branches may not book him.
    html = (
        login(world.county_admin)
        .get("/orgs/pick/", {"org_q": "", "lecturer": world.li.pk})
        .content.decode()
    )
    assert "西村党支部 · 西镇" in options(html)
    assert not any("东镇" in label for label in options(html))
    assert login(world.outsider).get("/orgs/pick/", {"lecturer": world.li.pk}).status_code == 404


def test_the_chosen_one_stays_first_while_typing(world, login):
    html = (
        login(world.county_admin)
        .get("/orgs/pick/", {"org_q": "xcd", "org": world.branch.pk})
        .content.decode()
    )
    assert options(html) == ["东村党支部 · 东镇", "西村党支部 · 西镇"]
    assert checked(html) == [str(world.branch.pk)]


def test_the_picker_needs_a_login_and_takes_any_input(world, client, login):
    assert client.get("/orgs/pick/").status_code == 302
    admin = login(world.county_admin)
    for junk in ({"org_q": "x" * 5000}, {"org": "abc"}, {"lecturer": "-1"}, {"org_q": "%"}):
        assert admin.get("/orgs/pick/", junk).status_code in (200, 404)


@pytest.mark.parametrize(
    "path", ["/bookings/new/?lecturer={zhang}", "/demands/new/", "/bookings/reported/"]
)
def test_the_forms_use_the_picker_with_the_own_organisation_chosen(world, login, path):
    html = login(world.town_admin).get(path.format(zhang=world.zhang.pk)).content.decode()
    assert 'data-testid="org-search"' in html
    assert checked(html) == [str(world.town.pk)]
