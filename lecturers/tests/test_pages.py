import pytest

from lecturers.models import Like

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["county_admin", "town_admin", "secretary", "lecturer", "outsider"])
def test_the_home_page_renders_for_every_role(world, login, who):
    response = login(getattr(world, who)).get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/lecturers/"' in html
    if who == "lecturer":
        assert f'href="/lecturers/{world.zhang.pk}/"' in html


def test_pages_need_a_login(client):
    for url in ("/", "/lecturers/", "/courses/", "/lecturers/1/", "/courses/1/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_catalogue_searches_by_initials(world, login):
    html = login(world.secretary).get("/lecturers/", {"q": "zsf"}).content.decode()
    assert "张三丰" in html and "李四光" not in html


def test_the_catalogue_filters_by_category_and_town(world, login):
    client = login(world.secretary)
    html = client.get("/lecturers/", {"category": "revolutionary_tradition"}).content.decode()
    assert "李四光" in html and "张三丰" not in html
    html = client.get("/lecturers/", {"town": world.other_town.pk}).content.decode()
    assert "李四光" in html and "张三丰" not in html


def test_htmx_gets_only_the_results(world, login):
    response = login(world.secretary).get(
        "/lecturers/", {"q": "李"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results">')
    assert "<html" not in html


def test_an_empty_result_says_what_to_do(world, login):
    html = login(world.secretary).get("/lecturers/", {"q": "没有这个人"}).content.decode()
    assert 'class="empty"' in html and 'href="/lecturers/"' in html


def test_bad_filters_do_not_break_the_page(world, login):
    client = login(world.secretary)
    for params in (
        {"town": "abc"},
        {"category": "x"},
        {"sort": "x"},
        {"q": "a\x00"},
        {"page": "999"},
    ):
        assert client.get("/lecturers/", params).status_code == 200
        assert client.get("/courses/", params).status_code == 200


def test_the_resume_page_masks_the_phone_for_a_secretary(world, login):
    html = login(world.secretary).get(f"/lecturers/{world.zhang.pk}/").content.decode()
    assert "张三丰" in html and "乡村振兴战略与农村产业发展" in html
    assert world.zhang.phone not in html
    assert world.zhang.phone[:3] + "****" + world.zhang.phone[-4:] in html


def test_resume_and_course_pages_are_404_outside_the_county(world, login):
    client = login(world.outsider)
    assert client.get(f"/lecturers/{world.zhang.pk}/").status_code == 404
    assert client.get(f"/courses/{world.course.pk}/").status_code == 404
    assert client.post(f"/lecturers/{world.zhang.pk}/like/").status_code == 404
    assert not Like.objects.exists()


def test_liking_from_the_page_counts_once(world, login):
    client = login(world.secretary)
    url = f"/lecturers/{world.zhang.pk}/like/"
    response = client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "disabled" in response.content.decode()
    assert client.post(url).status_code == 302
    assert Like.objects.filter(lecturer=world.zhang).count() == 1
    assert client.get(url).status_code == 405


def test_the_course_pages_render(world, login):
    client = login(world.secretary)
    html = client.get("/courses/", {"q": "家书"}).content.decode()
    assert "红色家书里的初心" in html and "乡村振兴战略" not in html
    detail = client.get(f"/courses/{world.course.pk}/").content.decode()
    assert "产业兴旺" in detail and "张三丰" in detail
