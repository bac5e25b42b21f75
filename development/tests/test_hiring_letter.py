"""The hired practitioner's appointment letter (聘任书): the hiring's page, the printable A4
letter and its PDF (page and API), for the admins over the hiring and the lecturer themself;
others get 404."""

import io

import pytest

from development import pool_services

pytestmark = pytest.mark.django_db


def _hire(world, *, actor=None, **kw):
    actor = actor or world.county_admin
    if "lecturer_id" not in kw:
        kw.update(name="王致富", phone="13500000001", source="skills_talent")
    return pool_services.hiring_create(actor=actor, kind="rural_entrepreneur", **kw)


def test_the_hiring_page_and_the_printable_letter(world, login):
    hiring = _hire(world, lecturer_id=world.zhang.pk)
    client = login(world.county_admin)
    listing = client.get("/selection/hired/").content.decode()
    assert f"/selection/hired/{hiring.pk}/" in listing
    page = client.get(f"/selection/hired/{hiring.pk}/").content.decode()
    assert hiring.letter_no in page and f"/selection/hired/{hiring.pk}/letter/" in page
    assert 'data-testid="initial-password"' not in page
    letter = client.get(f"/selection/hired/{hiring.pk}/letter/").content.decode()
    assert 'data-testid="hiring-letter"' in letter
    for fact in ("张三丰", hiring.letter_no, "甲县", "致富能手", hiring.hired_from.isoformat(),
                 hiring.hired_until.isoformat()):  # fmt: skip
        assert fact in letter, fact


def test_a_new_hire_sees_the_password_once_then_the_hiring_page(world, login):
    client = login(world.county_admin)
    response = client.post(
        "/selection/hired/new/",
        {"kind": "leading_cadre", "name": "刘书记", "phone": "13500000009", "source": "party_worker",
         "term_years": 3},
    )  # fmt: skip
    assert response.status_code == 200, response.content.decode()[:500]
    assert 'data-testid="initial-password"' in response.content.decode()
    assert 'data-testid="hiring-letter-page"' in response.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [("county_admin", 200), ("town_admin", 200), ("self", 200), ("lecturer", 404),
     ("other_secretary", 404), ("outsider", 404)],
)  # fmt: skip
def test_who_sees_a_towns_hiring_and_its_letter(world, login, who, status):
    hiring = _hire(world, actor=world.town_admin, org_id=world.town.pk)
    user = hiring.lecturer.user if who == "self" else getattr(world, who)
    if who == "self":  # past the first login's password change
        type(user).objects.filter(pk=user.pk).update(must_change_password=False)
        user.refresh_from_db()
    client = login(user)
    for path in (f"/selection/hired/{hiring.pk}/", f"/selection/hired/{hiring.pk}/letter/"):
        assert client.get(path).status_code == status, (path, who)


def test_a_town_admin_does_not_see_another_towns_hiring(world, login, api_as):
    hiring = _hire(world, lecturer_id=world.li.pk)  # a county hiring
    assert login(world.town_admin).get(f"/selection/hired/{hiring.pk}/letter/").status_code == 404  # fmt: skip
    assert api_as(world.town_admin).get(f"/api/v1/hirings/{hiring.pk}/letter.pdf").status_code == 404  # fmt: skip
    assert api_as(world.outsider).get(f"/api/v1/hirings/{hiring.pk}/letter.pdf").status_code == 404  # fmt: skip
    assert api_as(world.secretary).get(f"/api/v1/hirings/{hiring.pk}/letter.pdf").status_code == 404  # fmt: skip


def test_the_openapi_document_describes_the_letter(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/hirings/{hiring_id}/letter.pdf" in paths


@pytest.mark.pdf
def test_the_letter_pdf_holds_the_name_and_number(world, login, client, api_as):
    from pypdf import PdfReader

    hiring = _hire(world)
    login(world.county_admin)
    page = client.get(f"/selection/hired/{hiring.pk}/letter.pdf")
    api = api_as(world.county_admin).get(f"/api/v1/hirings/{hiring.pk}/letter.pdf")
    own_user = hiring.lecturer.user
    type(own_user).objects.filter(pk=own_user.pk).update(must_change_password=False)
    own_user.refresh_from_db()
    own = api_as(own_user).get(f"/api/v1/hirings/{hiring.pk}/letter.pdf")
    for response in (page, api, own):
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        reader = PdfReader(io.BytesIO(response.content))
        text = reader.pages[0].extract_text()
        assert len(reader.pages) == 1
        assert hiring.letter_no in text and "王致富" in text
        assert round(float(reader.pages[0].mediabox.width)) == 595  # A4
