"""Logging in (with lockout after repeated failures) and API tokens."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import NotAuthenticated, RateLimited

from .models import ApiToken, LoginThrottle, User


def _throttle_keys(username: str, client_ip: str | None) -> list[str]:
    keys = [f"user:{username.strip().lower()[:150]}"]
    if client_ip:
        keys.append(f"ip:{client_ip}")
    return keys


def _locked_message(until) -> str:
    minutes = max(1, int((until - timezone.now()).total_seconds() // 60) + 1)
    return _("Too many failed logins. Try again in %(minutes)d minutes.") % {"minutes": minutes}


def login_check_locked(*, username: str, client_ip: str | None) -> None:
    now = timezone.now()
    for throttle in LoginThrottle.objects.filter(
        key__in=_throttle_keys(username, client_ip), locked_until__gt=now
    ):
        raise RateLimited(_locked_message(throttle.locked_until), code="locked_out")


def _record_failure(*, username: str, client_ip: str | None) -> None:
    now = timezone.now()
    window = timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
    # An address may try more accounts than one person mistyping one password.
    limits = {"user": settings.LOGIN_MAX_FAILURES, "ip": settings.LOGIN_MAX_FAILURES * 4}
    with transaction.atomic():
        for key in _throttle_keys(username, client_ip):
            throttle, _created = LoginThrottle.objects.select_for_update().get_or_create(
                key=key, defaults={"first_failure_at": now}
            )
            if throttle.first_failure_at < now - window:
                throttle.failures, throttle.first_failure_at = 0, now
            throttle.failures += 1
            if throttle.failures >= limits[key.split(":", 1)[0]]:
                throttle.locked_until = now + window
            throttle.save()


def _clear_failures(*, username: str) -> None:
    LoginThrottle.objects.filter(key=_throttle_keys(username, None)[0]).delete()


def login_authenticate(*, request, username: str, password: str, client_ip: str | None) -> User:
    """Check the credentials; raise RateLimited while locked, NotAuthenticated when wrong."""
    username = (username or "").strip()
    login_check_locked(username=username, client_ip=client_ip)
    user = authenticate(request, username=username, password=password or "")
    if user is None:
        _record_failure(username=username, client_ip=client_ip)
        raise NotAuthenticated(_("Wrong username or password."), code="bad_credentials")
    _clear_failures(username=username)
    return user


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_issue(*, user: User) -> str:
    raw = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        digest=_digest(raw),
        expires_at=timezone.now() + timedelta(days=settings.API_TOKEN_DAYS),
    )
    return raw


def api_token_user(raw: str) -> User | None:
    if not raw or len(raw) > 200:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(raw), expires_at__gt=now, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
