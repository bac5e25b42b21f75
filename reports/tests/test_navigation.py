"""The navigation: county admins reach the back office (/manage/) from the desktop top bar."""

import re

import pytest

pytestmark = pytest.mark.django_db


def bars(client, user, path="/"):
    client.force_login(user)
    page = client.get(path).content.decode()
    top = re.search(r'<nav class="topnav">(.*?)</nav>', page, re.S).group(1)
    tabs = re.search(r'<nav class="tabbar"[^>]*>(.*?)</nav>', page, re.S).group(1)
    return top, tabs


def test_county_admins_have_the_back_office_in_the_top_bar(world, client):
    top, tabs = bars(client, world.county_admin)
    assert '<a href="/manage/">管理</a>' in top
    assert "/manage/" not in tabs  # the phone's tab bar is full; the home page links there
    top, _tabs = bars(client, world.county_admin, "/manage/audit/")
    assert '<a href="/manage/" class="active" aria-current="page">管理</a>' in top


@pytest.mark.parametrize("who", ["secretary", "lecturer"])
def test_nobody_else_sees_it(world, client, who):
    top, tabs = bars(client, getattr(world, who))
    assert "/manage/" not in top + tabs
    assert client.get("/manage/").status_code == 403


def test_a_town_admin_reaches_their_organisation_pages(world, client):
    top, tabs = bars(client, world.town_admin, "/manage/orgs/")
    assert '<a href="/manage/" class="active" aria-current="page">管理</a>' in top
    assert "/manage/" not in tabs  # desktop only, as for the county; on phones the home page
    home = client.get("/").content.decode()
    assert 'href="/manage/orgs/" data-testid="open-manage"' in home
