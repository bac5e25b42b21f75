"""The password rules: length, common and all-digit passwords, likeness to the login's own
names, and the demo's published password anywhere outside a demo county; in Chinese."""

import pytest
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.utils import translation

from core.tests.factories import PASSWORD
from orgs.models import Organisation

pytestmark = pytest.mark.django_db

CHANGE = "/api/v1/auth/password"
ZH = {"Accept-Language": "zh-hans"}


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize(
    "new_password",
    ["short-1", "1234567890123", "password123", "demo-pass-2026", " DEMO-PASS-2026 ", "secretary-2026x"],
)  # fmt: skip
def test_weak_passwords_are_refused_in_chinese(world, api_as, new_password):
    api = api_as(world.secretary)
    response = api.post(
        CHANGE, {"old_password": PASSWORD, "new_password": new_password}, headers=ZH
    )
    assert response.status_code == 422, (new_password, response.content)
    message = response.json()["fields"]["new_password"]
    assert _chinese(message), message
    assert world.secretary.__class__.objects.get(pk=world.secretary.pk).check_password(PASSWORD)


def test_the_demo_password_names_itself(world, api_as):
    api = api_as(world.secretary)
    response = api.post(CHANGE, {"old_password": PASSWORD, "new_password": "demo-pass-2026"}, headers=ZH)  # fmt: skip
    assert "演示" in response.json()["fields"]["new_password"]


def test_the_seeded_demo_password_is_refused_too(world, api_as, monkeypatch):
    monkeypatch.setenv("JIANGTAI_DEMO_PASSWORD", "Qingshan-demo-99")
    api = api_as(world.secretary)
    response = api.post(CHANGE, {"old_password": PASSWORD, "new_password": "Qingshan-demo-99"})
    assert response.status_code == 422


def test_a_demo_county_login_may_keep_the_demo_password(world, api_as, settings):
    Organisation.objects.filter(pk=world.county.pk).update(is_demo=True)
    world.secretary.county.refresh_from_db()
    api = api_as(world.secretary)
    response = api.post(CHANGE, {"old_password": PASSWORD, "new_password": "demo-pass-2026"})
    assert response.status_code == 200, response.content
    # …but never in production mode.
    settings.PRODUCTION = True
    api = api_as(world.secretary)
    again = api.post(CHANGE, {"old_password": "demo-pass-2026", "new_password": "demo-pass-2026"})
    assert again.status_code == 422


def test_the_admins_password_form_applies_the_rules(world):
    with translation.override("zh-hans"):
        form = AdminPasswordChangeForm(
            world.town_admin, {"password1": "demo-pass-2026", "password2": "demo-pass-2026"}
        )
        assert not form.is_valid()
        assert any("演示" in e for e in form.errors["password2"])


def test_the_password_page_refuses_the_demo_password(world, login):
    client = login(world.secretary)
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password": "demo-pass-2026", "new_password_again": "demo-pass-2026"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )  # fmt: skip
    assert response.status_code == 422
    assert "演示" in response.content.decode()
