"""Changing one's mobile number or e-mail address: the new one is used only after its owner
enters the six-digit code sent to it, so nobody can point an account (and its logins by
phone, its messages) at a number or address they do not hold.

A request stores a digest of the code and sends the code through the outbox (SMS to the new
number, e-mail to the new address); the code is a secret parameter, hidden once delivered.
It expires after CODE_MINUTES and fails after MAX_ATTEMPTS wrong entries; a new request
replaces an earlier one. Confirming is compare-and-set on the pending row, so a code is used
once even when entered twice at the same moment.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.audit import audit
from core.errors import Conflict, InvalidInput, NotAuthenticated
from core.text import ascii_digits, mask_email, mask_phone
from lecturers.models import Lecturer

from .messages import SMS_MAX_CHARS, SMS_SIGNATURE, TEMPLATES
from .models import (
    Channel,
    ContactChange,
    ContactChangeStatus,
    ContactKind,
    Event,
    OutboxMessage,
)

CODE_MINUTES = 10
MAX_ATTEMPTS = 5
# Finished or expired requests are kept this long (the audit log has the change), then pruned.
KEEP_AFTER_EXPIRY = timedelta(days=1)


def _digest(change_user_id: int, kind: str, value: str, code: str) -> str:
    message = f"{change_user_id}:{kind}:{value}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def masked(kind: str, value: str) -> str:
    return mask_phone(value) if kind == ContactKind.PHONE else mask_email(value)


def contact_change_request(*, user: User, kind: str, value: str) -> ContactChange:
    """Inside the caller's transaction: replace any pending request of this kind, store the new
    one and queue its code to `value`. The caller checked `value` (format, not taken)."""
    from django.utils import translation

    now = timezone.now()
    ContactChange.objects.filter(user=user, kind=kind, status=ContactChangeStatus.PENDING).update(
        status=ContactChangeStatus.SUPERSEDED
    )
    code = f"{secrets.randbelow(10**6):06d}"
    change = ContactChange.objects.create(
        user=user, kind=kind, new_value=value, code_digest=_digest(user.pk, kind, value, code),
        expires_at=now + timedelta(minutes=CODE_MINUTES),
    )  # fmt: skip
    title, body, sms = TEMPLATES[Event.CONTACT_CODE]
    facts = {"code": code, "minutes": CODE_MINUTES}
    with translation.override(settings.LANGUAGE_CODE):
        text = (f"{SMS_SIGNATURE}{sms % facts}")[:SMS_MAX_CHARS] if kind == ContactKind.PHONE else str(body % facts)  # fmt: skip
        title = str(title)
    OutboxMessage.objects.create(
        recipient=user, county_id=user.county_id, event=Event.CONTACT_CODE,
        channel=Channel.SMS if kind == ContactKind.PHONE else Channel.EMAIL,
        key=f"contact:{change.pk}", address=value, title=title, body=text,
        params={"code": code, "minutes": str(CODE_MINUTES)}, next_attempt_at=now,
    )  # fmt: skip
    audit(actor=user, action="user.contact_change_request", obj=user, county_id=user.county_id,
          after={"kind": kind, "to": masked(kind, value)})  # fmt: skip
    from .tasks import deliver_soon

    transaction.on_commit(deliver_soon)
    return change


def pending_changes(user) -> dict[str, str]:
    """{kind: masked new value} of the person's live requests."""
    live = ContactChange.objects.filter(
        user=user, status=ContactChangeStatus.PENDING, expires_at__gt=timezone.now()
    )
    return {c.kind: masked(c.kind, c.new_value) for c in live}


def contact_change_confirm(*, actor, kind, code) -> User:
    """The person enters the code: the new number or address replaces the old one."""
    if actor is None or not actor.is_authenticated:
        raise NotAuthenticated()
    if kind not in ContactKind.values:
        raise InvalidInput.field("kind", _("Choose the mobile number or the e-mail address."))
    code = ascii_digits(code.strip()) if isinstance(code, str) else ""
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        raise InvalidInput.field("code", _("Enter the six digits you received."))
    now = timezone.now()
    change = (
        ContactChange.objects.filter(
            user_id=actor.pk, kind=kind, status=ContactChangeStatus.PENDING
        )
        .order_by("-pk")
        .first()
    )
    if change is None or change.expires_at <= now:
        raise InvalidInput.field("code", _("No code is waiting or it has expired; ask for a new one."))  # fmt: skip
    if not hmac.compare_digest(change.code_digest, _digest(actor.pk, kind, change.new_value, code)):
        # Counted in its own transaction: the refusal must not roll the count back.
        with transaction.atomic():
            ContactChange.objects.filter(pk=change.pk, status=ContactChangeStatus.PENDING).update(
                attempts=F("attempts") + 1
            )
            ContactChange.objects.filter(
                pk=change.pk, status=ContactChangeStatus.PENDING, attempts__gte=MAX_ATTEMPTS
            ).update(status=ContactChangeStatus.FAILED)
        left = MAX_ATTEMPTS - change.attempts - 1
        if left <= 0:
            raise InvalidInput.field("code", _("Too many wrong codes; ask for a new one."))
        raise InvalidInput.field("code", _("The code is not correct."))
    with transaction.atomic():
        taken = ContactChange.objects.filter(
            pk=change.pk, status=ContactChangeStatus.PENDING, expires_at__gt=now
        ).update(status=ContactChangeStatus.CONFIRMED)
        if taken != 1:
            raise Conflict(_("This code was already used; ask for a new one."), code="bad_state")
        user = User.objects.select_for_update().get(pk=actor.pk)
        before = getattr(user, kind)
        if kind == ContactKind.PHONE:
            others = User.objects.exclude(pk=user.pk)
            if others.filter(Q(phone=change.new_value) | Q(username=change.new_value)).exists():
                raise InvalidInput.field("code", _("This mobile number already has an account."))
        setattr(user, kind, change.new_value)
        try:
            with transaction.atomic():
                user.save(update_fields=[kind])
        except IntegrityError:
            raise InvalidInput.field("code", _("This mobile number already has an account.")) from None  # fmt: skip
        if kind == ContactKind.PHONE:
            # A lecturer's résumé carries the same number as the login.
            Lecturer.objects.filter(user=user).update(phone=user.phone)
        audit(actor=user, action="user.contact_change", obj=user, county_id=user.county_id,
              before={kind: masked(kind, before)}, after={kind: masked(kind, change.new_value)})  # fmt: skip
    setattr(actor, kind, change.new_value)
    return user


def prune() -> int:
    """Delete requests dead for a day (expired, confirmed, replaced or failed); returns how
    many. The scheduler runs it hourly."""
    cutoff = timezone.now() - KEEP_AFTER_EXPIRY
    deleted, _by_model = ContactChange.objects.filter(expires_at__lt=cutoff).delete()
    return deleted
