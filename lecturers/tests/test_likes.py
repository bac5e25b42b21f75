import pytest
from django.test import Client

from accounts.services import api_token_issue
from conftest import run_in_threads
from lecturers.models import Lecturer, Like


@pytest.mark.django_db
def test_a_like_counts_once_per_user(world, api_as):
    client = api_as(world.secretary)
    url = f"/api/v1/lecturers/{world.zhang.pk}/like"
    assert client.post(url).json() == {"likes": 1}
    assert client.post(url).json() == {"likes": 1}
    assert api_as(world.town_admin).post(url).json() == {"likes": 2}
    assert client.get(f"/api/v1/lecturers/{world.zhang.pk}").json()["liked"] is True


@pytest.mark.django_db
def test_likes_are_scoped(world, api_as):
    assert (
        api_as(world.outsider).post(f"/api/v1/lecturers/{world.zhang.pk}/like").status_code == 404
    )
    assert (
        api_as(world.secretary).post(f"/api/v1/lecturers/{world.candidate.pk}/like").status_code
        == 404
    )
    assert api_as(world.secretary).post("/api/v1/lecturers/0/like").status_code == 404
    assert not Like.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_likes_by_one_user_count_once(world):
    token = api_token_issue(user=world.secretary)
    url = f"/api/v1/lecturers/{world.zhang.pk}/like"

    def like(_i):
        return Client().post(url, headers={"Authorization": f"Bearer {token}"}).status_code

    results = run_in_threads(like, 12)
    assert results == [200] * 12, results
    assert Like.objects.filter(lecturer=world.zhang).count() == 1
    assert Lecturer.objects.get(pk=world.zhang.pk).likes_count == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_likes_by_many_users_all_count(world):
    from core.tests.factories import make_member
    from orgs.models import Role

    users = [make_member(f"fan{i}", world.branch, Role.SECRETARY) for i in range(10)]
    tokens = [api_token_issue(user=u) for u in users]
    url = f"/api/v1/lecturers/{world.zhang.pk}/like"

    def like(i):
        return Client().post(url, headers={"Authorization": f"Bearer {tokens[i]}"}).status_code

    assert run_in_threads(like, 10) == [200] * 10
    assert Lecturer.objects.get(pk=world.zhang.pk).likes_count == 10 == Like.objects.count()


def test_a_lecturer_liking_the_own_resume_is_not_counted(world, api_as, client):
    url = f"/api/v1/lecturers/{world.zhang.pk}/like"
    assert api_as(world.lecturer).post(url).json() == {"likes": 0}
    assert not Like.objects.exists()
    client.force_login(world.lecturer)
    html = client.get(f"/lecturers/{world.zhang.pk}/").content.decode()
    assert 'data-testid="own-likes"' in html and "lecturer_like" not in html
    assert f'action="/lecturers/{world.zhang.pk}/like/' not in html
    client.post(f"/lecturers/{world.zhang.pk}/like/")
    assert Lecturer.objects.get(pk=world.zhang.pk).likes_count == 0
    assert api_as(world.secretary).post(url).json() == {"likes": 1}
