"""API tokens: their lifetime, logging out, and revocation when the password changes or the
login is deactivated."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services import api_token_issue
from core.models import AuditLog
from core.tests.factories import PASSWORD, make_user
from orgs.models import CountySettings

pytestmark = pytest.mark.django_db


def _days_left(token_raw_user) -> float:
    token = ApiToken.objects.filter(user=token_raw_user).latest("pk")
    return (token.expires_at - timezone.now()) / timedelta(days=1)


def test_a_token_lasts_the_days_the_county_set(world, anon_api):
    CountySettings.objects.create(county=world.county, api_token_days=7)
    response = anon_api.post("/api/v1/auth/token", {"username": "secretary", "password": PASSWORD})
    assert response.status_code == 200
    assert 6.9 < _days_left(world.secretary) <= 7
    # Another county keeps the default of 30 days.
    api_token_issue(user=world.outsider)
    assert 29.9 < _days_left(world.outsider) <= 30


def test_a_login_without_a_county_takes_the_site_setting(db, settings):
    settings.API_TOKEN_DAYS = 3
    root = make_user("root")
    api_token_issue(user=root)
    assert 2.9 < _days_left(root) <= 3


def test_an_expired_token_is_refused(world, anon_api):
    anon_api.token = api_token_issue(user=world.secretary)
    assert anon_api.get("/api/v1/me").status_code == 200
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = anon_api.get("/api/v1/me")
    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


def test_logout_revokes_only_the_token_it_carries(world, api_as):
    phone = api_as(world.secretary)
    desktop = api_as(world.secretary)
    assert phone.post("/api/v1/auth/logout").status_code == 204
    assert phone.get("/api/v1/me").status_code == 401
    assert phone.post("/api/v1/auth/logout").status_code == 401  # already gone
    assert desktop.get("/api/v1/me").status_code == 200
    entry = AuditLog.objects.get(action="user.tokens_revoke")
    assert entry.actor == world.secretary and entry.after == {"reason": "logout", "tokens": 1}


def test_logout_without_a_token_is_401(anon_api):
    response = anon_api.post("/api/v1/auth/logout")
    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")
    anon_api.token = "forged"
    assert anon_api.post("/api/v1/auth/logout").status_code == 401


def test_one_user_cannot_log_another_out(world, api_as):
    victim = api_as(world.secretary)
    api_as(world.outsider).post("/api/v1/auth/logout")
    assert victim.get("/api/v1/me").status_code == 200


def test_set_password_anywhere_revokes_every_token(world, api_as):
    apis = [api_as(world.secretary), api_as(world.secretary)]
    bystander = api_as(world.town_admin)
    world.secretary.set_password("another-pass-2026")
    world.secretary.save()
    assert [api.get("/api/v1/me").status_code for api in apis] == [401, 401]
    assert bystander.get("/api/v1/me").status_code == 200
    assert not ApiToken.objects.filter(user=world.secretary).exists()
    change = AuditLog.objects.get(action="user.password_change")
    assert change.object_id == str(world.secretary.pk) and change.after["tokens_revoked"] == 2
    revoke = AuditLog.objects.get(action="user.tokens_revoke")
    assert revoke.after == {"reason": "password_changed", "tokens": 2}


def test_saving_other_fields_keeps_the_tokens(world, api_as):
    api = api_as(world.secretary)
    world.secretary.name = "新名字"
    world.secretary.save()
    world.secretary.save(update_fields=["last_login"])
    assert api.get("/api/v1/me").status_code == 200


def test_deactivation_revokes_the_tokens_for_good(world, api_as):
    api = api_as(world.secretary)
    world.secretary.is_active = False
    world.secretary.save(update_fields=["is_active"])
    assert not ApiToken.objects.filter(user=world.secretary).exists()
    world.secretary.is_active = True
    world.secretary.save()
    assert api.get("/api/v1/me").status_code == 401  # reactivating does not bring them back
    entry = AuditLog.objects.get(action="user.tokens_revoke")
    assert entry.after == {"reason": "deactivated", "tokens": 1}


def test_expired_tokens_are_pruned(world):
    from accounts.services import login_throttles_prune

    api_token_issue(user=world.secretary)
    api_token_issue(user=world.town_admin)
    ApiToken.objects.filter(user=world.secretary).update(expires_at=timezone.now())
    assert login_throttles_prune() == 1
    assert list(ApiToken.objects.values_list("user", flat=True)) == [world.town_admin.pk]
