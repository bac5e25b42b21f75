"""The reads every signed-in request makes, built once (core.prepared): the session, the
signed-in user and the API token answer as Django's own reads do, and refuse what they
refuse."""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.utils import timezone

from accounts.backends import UsernameOrPhoneBackend
from accounts.models import ApiToken, User
from accounts.services import api_token_find, api_token_issue
from accounts.sessions import SessionStore
from core.tests.factories import make_user

pytestmark = pytest.mark.django_db


def _fields(user) -> dict:
    return {field.attname: getattr(user, field.attname) for field in User._meta.concrete_fields}


def test_a_session_loads_as_djangos_and_an_expired_one_does_not():
    store = SessionStore()
    store["_auth_user_id"] = "42"
    store["note"] = "讲台"
    store.save()
    key = store.session_key
    assert (
        SessionStore(key).load()
        == DjangoSessionStore(key).load()
        == {
            "_auth_user_id": "42",
            "note": "讲台",
        }
    )
    store.set_expiry(timezone.now() - timedelta(seconds=1))
    store.save()
    expired = SessionStore(key)
    assert expired.load() == {} and expired.session_key is None
    unknown = SessionStore("x" * 32)
    assert unknown.load() == {} and unknown.session_key is None
    assert SessionStore(None).load() == {}


def test_the_signed_in_user_is_read_whole_and_only_if_active():
    user = make_user("reader", name="读者", phone="13800000001")
    backend = UsernameOrPhoneBackend()
    found = backend.get_user(user.pk)
    assert _fields(found) == _fields(User.objects.get(pk=user.pk))
    assert found._state.adding is False and found._state.db == "default"
    assert backend.get_user(user.pk + 1000) is None
    assert backend.get_user("1") is None  # Django's login gives the key as the pk's type
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert backend.get_user(user.pk) is None


def test_an_api_token_carries_its_whole_user_and_lapses_as_before():
    user = make_user("token-user", name="持令牌者")
    raw = api_token_issue(user=user)
    token = api_token_find(raw)
    assert token.user_id == user.pk and token.pk == ApiToken.objects.get(user=user).pk
    assert _fields(token.user) == _fields(User.objects.get(pk=user.pk))
    assert api_token_find(raw + "x") is None
    ApiToken.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api_token_find(raw) is None
    ApiToken.objects.filter(user=user).update(expires_at=timezone.now() + timedelta(days=1))
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert api_token_find(raw) is None
