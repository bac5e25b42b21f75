"""Logging in (slowed, then locked, after repeated failures), passwords and API tokens.

The failed-login throttle counts under two keys per attempt:
- the account the name resolves to (`acct:<id>`; its username and its phone are one account),
  or, for a name that matches no account, a digest of the name (`name:<sha256>`), which
  behaves exactly like an account so that the answers do not reveal which names exist;
- the client's address (`ip:<address>`, from core.http.client_ip, i.e. the address nginx
  forwards when the request comes from a trusted proxy).

An account (or unknown name) is slowed from its first failure and locked (429 `locked_out`)
after LOGIN_MAX_FAILURES within LOGIN_LOCKOUT_SECONDS, or the numbers its county saved in its
rules (`login_policy`). An address is never locked: behind
nginx a whole county may share one. From LOGIN_MAX_FAILURES failures on, every attempt from it
is slowed (a few seconds at most), and past LOGIN_ADDRESS_MAX_FAILURES its failed attempts
answer 429 `rate_limited` instead of 401; a correct password for a real account still logs in.
"""

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.audit import audit
from core.errors import FieldErrors, NotAuthenticated, RateLimited
from core.http import client_ip
from core.prepared import Prepared, instance_reader

from .backends import user_for_login_name
from .models import ApiToken, LoginThrottle, User

# Doubling stops here long before any delay could overflow; LOGIN_DELAY_MAX_SECONDS caps it.
_MAX_DOUBLINGS = 16


def _window() -> timedelta:
    return timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int
    lockout: timedelta  # how long a lock lasts, and the window failures are counted in


# The longest lock a county may choose (access.services.SETTINGS_LIMITS): counters younger
# than this may still matter and are not pruned.
LONGEST_LOCKOUT = timedelta(minutes=1440)


def login_policy(user: User | None) -> LoginPolicy:
    """The lock rule for a login: its county's, once the county saved its rules; the site's
    (settings) for a login without a county, an unknown name, or a county on the defaults."""
    if user is not None and user.county_id:
        from orgs.models import CountySettings  # orgs sits beside accounts and imports it

        rules = CountySettings.for_county(user.county_id)
        if rules.pk is not None:
            return LoginPolicy(
                rules.login_max_failures, timedelta(minutes=rules.login_lockout_minutes)
            )
    return LoginPolicy(settings.LOGIN_MAX_FAILURES, _window())


def shortest_idle_seconds() -> int:
    """No login's browser session may sit idle for less than this (no county reads needed
    while a session was active more recently)."""
    from orgs.models import SESSION_IDLE_MINUTES_MIN

    return min(SESSION_IDLE_MINUTES_MIN, settings.SESSION_IDLE_MINUTES) * 60


def session_idle_seconds(user: User) -> int:
    """How long a browser session of this login may sit idle, by the same rule."""
    if user.county_id:
        from orgs.models import CountySettings

        rules = CountySettings.for_county(user.county_id)
        if rules.pk is not None:
            return rules.session_idle_minutes * 60
    return settings.SESSION_IDLE_MINUTES * 60


def _account_key(account: User | None, username: str) -> str:
    if account is not None:
        return f"acct:{account.pk}"
    # A digest: an invented name may hold anything (NUL, a stranger's phone, 10 kB of text).
    digest = hashlib.sha256(username.strip().lower().encode("utf-8", "replace")).hexdigest()
    return f"name:{digest[:40]}"


def _address_key(address: str | None) -> str | None:
    return f"ip:{address[:180]}" if address else None


def _live_failures(throttle: LoginThrottle | None, now, window: timedelta) -> int:
    if throttle is None or throttle.first_failure_at <= now - window:
        return 0
    return throttle.failures


def login_delay(*, account_failures: int, address_failures: int) -> float:
    """Seconds to wait before checking a password, from the recent failures of the account
    (or name) and of the address: it doubles with each failure and stops at
    LOGIN_DELAY_MAX_SECONDS."""
    base = settings.LOGIN_DELAY_SECONDS
    delays = []
    if account_failures >= 1:
        delays.append(base * 2 ** min(account_failures - 1, _MAX_DOUBLINGS))
    free = settings.LOGIN_MAX_FAILURES  # an address shared by many people fails more often
    if address_failures >= free:
        delays.append(base * 2 ** min(address_failures - free, _MAX_DOUBLINGS))
    return min(max(delays, default=0.0), settings.LOGIN_DELAY_MAX_SECONDS)


# How many requests of one server process may wait at once (LOGIN_DELAY_MAX_WAITING, default
# 2 of the 4 threads `serve` gives each gunicorn worker): a flood of parallel attempts must
# not put every thread to sleep and so take the site down. Beyond it an attempt is checked at
# once; the account's lock and the address's 429 still hold.
_waiting = 0
_waiting_lock = threading.Lock()


def _pause(seconds: float) -> bool:
    """Wait before a password check; False when it did not (no delay, or too many waiting)."""
    global _waiting
    if seconds <= 0:
        return False
    with _waiting_lock:
        if _waiting >= getattr(settings, "LOGIN_DELAY_MAX_WAITING", 2):
            return False
        _waiting += 1
    try:
        time.sleep(seconds)
    finally:
        with _waiting_lock:
            _waiting -= 1
    return True


def _locked_message(until) -> str:
    minutes = max(1, int((until - timezone.now()).total_seconds() // 60) + 1)
    return _("Too many failed logins. Try again in %(minutes)d minutes.") % {"minutes": minutes}


def _check_and_slow(*, account_key: str, address_key: str | None, policy: LoginPolicy) -> None:
    """Refuse a locked account (or name); otherwise wait as long as the failures so far say."""
    now = timezone.now()
    keys = [k for k in (account_key, address_key) if k]
    throttles = {t.key: t for t in LoginThrottle.objects.filter(key__in=keys)}
    account = throttles.get(account_key)
    if account is not None and account.locked_until and account.locked_until > now:
        raise RateLimited(_locked_message(account.locked_until), code="locked_out")
    _pause(
        login_delay(
            account_failures=_live_failures(account, now, policy.lockout),
            address_failures=_live_failures(throttles.get(address_key), now, _window()),
        )
    )


def _record_failure(*, account_key: str, address_key: str | None, policy: LoginPolicy) -> int:
    """Count one failure under both keys; returns the address's failures in its window."""
    now = timezone.now()
    address_failures = 0
    with transaction.atomic():
        # Always the same order, so that two attempts sharing keys cannot deadlock.
        for key in sorted(k for k in (account_key, address_key) if k):
            throttle, _created = LoginThrottle.objects.select_for_update().get_or_create(
                key=key, defaults={"first_failure_at": now}
            )
            window = policy.lockout if key == account_key else _window()
            if throttle.first_failure_at <= now - window:
                throttle.failures, throttle.first_failure_at = 0, now
                throttle.locked_until = None
            throttle.failures += 1
            if key == account_key and throttle.failures >= policy.max_failures:
                throttle.locked_until = now + window
            throttle.save()
            if key == address_key:
                address_failures = throttle.failures
    return address_failures


def _refuse(*, account_key: str, address_key: str | None, policy: LoginPolicy):
    """Count a failed attempt and return the error to raise (the same whether the name exists
    or not)."""
    address_failures = _record_failure(
        account_key=account_key, address_key=address_key, policy=policy
    )
    if address_failures > settings.LOGIN_ADDRESS_MAX_FAILURES:
        return RateLimited(
            _(
                "Too many failed logins from your network. "
                "Check the name and password and try again later."
            )
        )
    return NotAuthenticated(_("Wrong username or password."), code="bad_credentials")


def login_authenticate(*, request, username: str, password: str) -> User:
    """Check the credentials; raise RateLimited while locked, NotAuthenticated when wrong."""
    username = username.strip() if isinstance(username, str) else ""
    password = password if isinstance(password, str) else ""
    account = user_for_login_name(username)
    account_key = _account_key(account, username)
    address_key = _address_key(client_ip(request))
    policy = login_policy(account)
    _check_and_slow(account_key=account_key, address_key=address_key, policy=policy)
    user = authenticate(request, username=username, password=password)
    if user is None:
        raise _refuse(account_key=account_key, address_key=address_key, policy=policy)
    LoginThrottle.objects.filter(key=f"acct:{user.pk}").delete()
    return user


def password_change(*, request, user: User, old_password: str, new_password: str) -> None:
    """The person changes their own password. The old password is checked like a login (a
    locked account is refused, a wrong one counts as a failed login); every API token of the
    user is revoked (User.save) and the change is audited there."""
    account_key = _account_key(user, "")
    address_key = _address_key(client_ip(request))
    policy = login_policy(user)
    _check_and_slow(account_key=account_key, address_key=address_key, policy=policy)
    errors = FieldErrors()
    old_ok = isinstance(old_password, str) and bool(old_password)
    old_ok = old_ok and user.check_password(old_password)
    if not old_ok:
        _record_failure(account_key=account_key, address_key=address_key, policy=policy)
        errors.add("old_password", _("The current password is not correct."))
    if not isinstance(new_password, str) or not new_password:
        errors.add("new_password", _("This field is required."))
    elif len(new_password) > 128:
        errors.add("new_password", _("At most %(limit)s characters.") % {"limit": 128})
    elif "\x00" in new_password:
        errors.add("new_password", _("Contains an invalid character."))
    elif old_ok and new_password == old_password:
        errors.add("new_password", _("The new password must differ from the current one."))
    else:
        try:
            validate_password(new_password, user)
        except ValidationError as exc:
            errors.add("new_password", _password_problems(exc))
    errors.raise_if_any()
    with transaction.atomic():
        user.set_password(new_password)
        user.must_change_password = False
        user.changed_by = user
        user.save(update_fields=["password", "must_change_password"])
    LoginThrottle.objects.filter(key=account_key).delete()


def _password_problems(exc: ValidationError) -> str:
    """The password validators' verdict, in the user's language (Django's own catalogue has
    no Chinese for the length rule)."""
    messages = []
    for error in exc.error_list:
        if error.code == "password_too_short":
            n = (error.params or {}).get("min_length", 0)
            messages.append(
                ngettext(
                    "This password is too short: it needs at least %(n)d character.",
                    "This password is too short: it needs at least %(n)d characters.",
                    n,
                )
                % {"n": n}
            )
        else:
            messages.extend(str(m) for m in error.messages)
    return " ".join(messages)


def login_throttles_prune() -> int:
    """Delete failure counters whose window and lock have both passed, and expired tokens;
    returns how many rows went. The scheduler runs this hourly."""
    now = timezone.now()
    # An address counts in the site's window; an account in its county's, at most a day.
    stale = Q(key__startswith="ip:", first_failure_at__lte=now - _window()) | Q(
        first_failure_at__lte=now - max(_window(), LONGEST_LOCKOUT)
    )
    throttles, _by_model = (
        LoginThrottle.objects.filter(stale).exclude(locked_until__gt=now).delete()
    )
    tokens, _by_model = ApiToken.objects.filter(expires_at__lte=now).delete()
    return throttles + tokens


def sessions_prune() -> int:
    """Delete the browser sessions past their expiry (the database's session store; Redis
    forgets its own in production mode); returns how many. The scheduler runs it hourly."""
    engine = import_module(settings.SESSION_ENGINE)
    store = engine.SessionStore
    model = getattr(store, "get_model_class", None)
    if model is None:  # cache-backed sessions expire by themselves
        store.clear_expired()
        return 0
    deleted, _by_model = model().objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_days(user: User) -> int:
    """How long a new API login lasts: the county's setting, else API_TOKEN_DAYS."""
    if user.county_id:
        from orgs.models import CountySettings  # orgs sits beside accounts and imports it

        return CountySettings.for_county(user.county_id).api_token_days
    return settings.API_TOKEN_DAYS


def api_token_issue(*, user: User) -> str:
    raw = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        digest=_digest(raw),
        expires_at=timezone.now() + timedelta(days=api_token_days(user)),
    )
    return raw


_TOKEN = instance_reader(ApiToken, "user")


def _live_token(digest: str, now: datetime):
    return ApiToken.objects.filter(
        digest=digest, expires_at__gt=now, user__is_active=True
    ).values_list(*_TOKEN.columns)[:1]


# Read on every API request: built once (core.prepared).
_LIVE_TOKEN = Prepared(_live_token, digest=str, now=datetime)


def api_token_find(raw) -> ApiToken | None:
    """The live token (not expired, its user active) for a raw bearer value, or None. The
    token carries its user."""
    if not isinstance(raw, str) or not raw or len(raw) > 200:
        return None
    now = timezone.now()
    row = _LIVE_TOKEN.first(digest=_digest(raw), now=now)
    if row is None:
        return None
    token = _TOKEN.instance(row)
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def api_token_user(raw) -> User | None:
    token = api_token_find(raw)
    return token.user if token is not None else None


def api_token_revoke(*, actor: User, token_id: int) -> None:
    """Log out of the API: the token stops working at once."""
    with transaction.atomic():
        revoked, _by_model = ApiToken.objects.filter(pk=token_id, user=actor).delete()
        if revoked:
            audit(
                actor=actor,
                action="user.tokens_revoke",
                obj=actor,
                county_id=actor.county_id,
                after={"reason": "logout", "tokens": revoked},
            )
