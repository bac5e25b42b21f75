"""A person's data on request: the county admin exports everything held under one mobile
number (page and API) and erases it; afterwards nothing in the database names the person, the
ratings still count, and outsiders can do neither."""

import json

import pytest
from django.apps import apps
from django.db.models import Avg, Count
from django.utils import timezone

from accounts.models import ApiToken, User
from accounts.services import api_token_issue
from classrooms.models import Survey, SurveyAnswer
from core.models import AuditLog
from core.tests.factories import make_member, session
from development.models import Call, Nomination
from evaluation.models import TraineeRating
from notifications.models import NotificationPreference
from orgs.models import Role

pytestmark = pytest.mark.django_db

PHONE = "13712345678"
NAME = "欧阳明远"
EMAIL = "ouyang.mingyuan@example.com"


@pytest.fixture
def person(world):
    """A branch member with a login who rated two sessions, answered a survey, was nominated
    and recommended someone else; another trainee rated the same sessions."""
    user = make_member("ouyang", world.branch, Role.SECRETARY, name=NAME, phone=PHONE)
    User.objects.filter(pk=user.pk).update(email=EMAIL)
    NotificationPreference.objects.create(user=user, wechat_openid="oOUYANG-openid-1")
    api_token_issue(user=user)
    for minutes_ago in (300, 30):
        booking = session(world, started_minutes_ago=minutes_ago)
        for name, phone, score in ((NAME, PHONE, 95), ("旁人", "13698765432", 70)):
            TraineeRating.objects.create(
                booking=booking, name=name, phone=phone, device=f"dev-{phone}",
                client_ip="10.1.2.3", content=score, method=score, effect=score,
                rated_at=timezone.now(), comment="讲得好",
            )  # fmt: skip
    survey = Survey.objects.create(county=world.county, title="需求调研")
    SurveyAnswer.objects.create(survey=survey, org=world.branch, group="rural", phone=PHONE, client_ip="10.1.2.3")  # fmt: skip
    call = Call.objects.create(
        county=world.county, org=world.county, level="county", title="推一批", criteria="…",
        quota=3, deadline=timezone.now() + timezone.timedelta(days=5),
    )  # fmt: skip
    Nomination.objects.create(call=call, county=world.county, channel="self", name=NAME,
                              phone=PHONE, org=world.branch, reason="热心")  # fmt: skip
    Nomination.objects.create(call=call, county=world.county, channel="recommended",
                              name="候选人", phone="13611112222", org=world.branch, reason="好",
                              referee_name=NAME, referee_phone=PHONE)  # fmt: skip
    return user


def _database_text() -> str:
    """Every row of every table as text: what a dump of the database would show."""
    chunks = []
    for model in apps.get_models():
        for row in model.objects.all().values():
            chunks.append(json.dumps(row, default=str, ensure_ascii=False))
    return "\n".join(chunks)


def _aggregates(world) -> dict:
    ratings = TraineeRating.objects.filter(booking__lecturer=world.zhang)
    return {
        "ratings": ratings.aggregate(n=Count("id"), content=Avg("content"), effect=Avg("effect")),
        "answers": SurveyAnswer.objects.count(),
        "nominations": Nomination.objects.count(),
    }


def test_the_export_holds_everything_under_the_number(world, person, login):
    client = login(world.county_admin)
    response = client.get("/manage/privacy/export/", {"phone": PHONE})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert [a["email"] for a in data["accounts"]] == [EMAIL]
    assert len(data["ratings"]) == 2 and {r["content"] for r in data["ratings"]} == {95}
    assert len(data["survey_answers"]) == 1
    assert [n["name"] for n in data["nominations"]] == [NAME]
    assert len(data["recommendations_made"]) == 1
    assert "旁人" not in response.content.decode()  # nobody else's data
    workbook = client.get("/manage/privacy/export/", {"phone": PHONE, "format": "xlsx"})
    assert workbook.status_code == 200 and workbook.content[:2] == b"PK"
    entry = AuditLog.objects.filter(action="person.export").latest("pk")
    assert entry.actor == world.county_admin and entry.after["phone"] == "137****5678"


def test_the_page_finds_the_person_and_says_what_is_held(world, person, login):
    page = login(world.county_admin).get("/manage/privacy/", {"phone": PHONE}).content.decode()
    assert 'data-testid="privacy-found"' in page and "137****5678" in page
    assert 'data-testid="privacy-erase"' in page
    nothing = login(world.county_admin).get("/manage/privacy/", {"phone": "13511110000"})
    assert 'data-testid="privacy-nothing"' in nothing.content.decode()
    odd = login(world.county_admin).get("/manage/privacy/export/", {"phone": "１２３"})
    assert odd.status_code == 302 and odd["Location"].startswith("/manage/privacy/?phone=")
    index = login(world.county_admin).get("/manage/").content.decode()
    assert 'data-testid="manage-privacy"' in index


def test_erasure_leaves_nothing_personal_and_the_figures_unchanged(world, person, login):
    before = _aggregates(world)
    assert PHONE in _database_text() and NAME in _database_text()
    client = login(world.county_admin)
    response = client.post(
        "/manage/privacy/erase/", {"phone": PHONE, "reason": "本人书面申请", "confirm": "on"}
    )
    assert response.status_code == 302
    text = _database_text()
    for trace in (PHONE, NAME, EMAIL, "oOUYANG-openid-1", "ouyang", "dev-13712345678"):
        assert trace not in text, trace
    assert _aggregates(world) == before
    assert "13698765432" in text and "旁人" in text  # the other trainee is untouched
    user = User.objects.get(pk=person.pk)
    assert not user.is_active and not user.has_usable_password()
    assert not ApiToken.objects.filter(user=user).exists()
    entry = AuditLog.objects.get(action="person.erase")
    assert entry.after["reason"] == "本人书面申请" and entry.after["counts"]["ratings"] == 2
    assert client.post("/accounts/login/", {"username": PHONE, "password": "test-pass-2026"}).status_code != 302  # fmt: skip


def test_the_api_exports_and_erases_for_county_admins_only(world, person, api_as):
    admin = api_as(world.county_admin)
    exported = admin.get("/api/v1/privacy/person", {"phone": PHONE})
    assert exported.status_code == 200 and len(exported.json()["ratings"]) == 2
    for outsider in (world.town_admin, world.secretary, world.lecturer):
        api = api_as(outsider)
        assert api.get("/api/v1/privacy/person", {"phone": PHONE}).status_code == 403
        refused = api.post("/api/v1/privacy/erase", {"phone": PHONE, "reason": "x"})
        assert refused.status_code == 403
    assert PHONE in _database_text()
    bad = admin.post("/api/v1/privacy/erase", {"phone": "123", "reason": "x"})
    assert bad.status_code == 422 and "phone" in bad.json()["fields"]
    no_reason = admin.post("/api/v1/privacy/erase", {"phone": PHONE, "reason": " "})
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["fields"]
    done = admin.post("/api/v1/privacy/erase", {"phone": PHONE, "reason": "本人申请"})
    assert done.status_code == 200 and done.json()["ratings"] == 2
    assert PHONE not in _database_text()


def test_another_countys_admin_finds_and_erases_nothing(world, person, api_as):
    api = api_as(world.outsider)  # a county admin of county B
    data = api.get("/api/v1/privacy/person", {"phone": PHONE}).json()
    assert all(data[key] == [] for key in ("accounts", "ratings", "survey_answers", "nominations"))
    erased = api.post("/api/v1/privacy/erase", {"phone": PHONE, "reason": "x"})
    assert erased.status_code == 200 and set(erased.json().values()) == {0}
    assert PHONE in _database_text() and User.objects.get(pk=person.pk).is_active


def test_an_active_lecturer_is_removed_from_the_pool_first(world, api_as):
    admin = api_as(world.county_admin)
    response = admin.post("/api/v1/privacy/erase", {"phone": world.zhang.phone, "reason": "申请"})
    assert response.status_code == 409
    assert User.objects.get(pk=world.lecturer.pk).is_active


def test_pages_refuse_outsiders(world, person, login):
    for user in (world.town_admin, world.secretary, world.lecturer):
        client = login(user)
        assert client.get("/manage/privacy/", {"phone": PHONE}).status_code == 403
        assert client.get("/manage/privacy/export/", {"phone": PHONE}).status_code == 403
        erase = client.post("/manage/privacy/erase/", {"phone": PHONE, "reason": "x", "confirm": "on"})  # fmt: skip
        assert erase.status_code == 403
    assert User.objects.get(pk=person.pk).is_active
