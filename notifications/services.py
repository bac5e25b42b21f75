"""The one way to tell people something.

Call `notify` inside the transaction of the change that causes it: the inbox message and the
outbox rows for SMS, WeChat and e-mail are written with the change, or not at all. After the
commit a delivery task is queued; the scheduler also picks up what is due (retries, leases).
"""

import uuid
from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

import access
from accounts.models import User
from core.audit import audit
from core.errors import Conflict, FieldErrors, Forbidden, InvalidInput, NotAuthenticated
from core.text import clean_mobile, clean_text, mask_email, mask_phone
from lecturers.models import Lecturer

from . import contact_change, outbox, relevance, wechat_web
from .messages import SMS_MAX_CHARS, SMS_SIGNATURE, TEMPLATES
from .models import Event, InboxMessage, NotificationPreference


def render(event: Event, facts: dict) -> tuple[str, str, str]:
    """(title, body, sms) in the platform language; the SMS fits one message."""
    title, body, sms = TEMPLATES[event]
    with translation.override(settings.LANGUAGE_CODE):
        rendered_sms = f"{SMS_SIGNATURE}{sms % facts}"
        return str(title % facts)[:100], str(body % facts)[:500], rendered_sms[:SMS_MAX_CHARS]


_replaying = ContextVar("replaying", default=False)


@contextmanager
def replaying_past():
    """Inside, `notify` files each message in the inbox as read when it is written and sends
    nothing: the events are the past replayed (the demo county's year), not news to anyone."""
    token = _replaying.set(True)
    try:
        yield
    finally:
        _replaying.reset(token)


def _deliver_after_commit() -> None:
    from .tasks import deliver_soon

    transaction.on_commit(deliver_soon)


def notify(
    *,
    recipients: Iterable,
    event: Event,
    facts: dict,
    url: str = "",
    key: str = "",
    county_id: int | None = None,
    subject=None,
    rules=None,
) -> list[InboxMessage]:
    """Tell each distinct active recipient once. `key` names the occurrence (e.g.
    "booking:42:remind:24h"): notifying again with the same key changes nothing.

    `subject` is the object the message is about (a booking, a demand). Before an SMS held
    through quiet hours or a retried message goes out, the app that owns the subject tells
    whether it still matters (`relevance`); one that must be acted on soon is not held.

    Cheap inside the caller's transaction: the text is formatted in memory (a few
    microseconds); recipients read by `selectors.users_with_channels` cost no read for their
    channels, and `rules`, the county's settings when the caller has read them, none for
    quiet hours.
    Delivery (the network) happens after the commit, in a task worker."""
    if key and InboxMessage.objects.filter(key=key).exists():
        return []  # this occurrence was notified already
    key = key or uuid.uuid4().hex
    unique = {user.pk: user for user in recipients if user is not None and user.is_active}
    title, body, sms = render(event, facts)
    about = relevance.subject_of(subject)
    now = timezone.now()
    sms_at = outbox.quiet_until(county_id, now, rules=rules)
    if sms_at > now and about:
        standing = relevance.standings([(event, about)], now).get((event, about))
        if standing and outbox.is_urgent(standing.due_at, now=now, morning=sms_at):
            sms_at = now
    replaying = _replaying.get()
    # Inside the caller's transaction no savepoint is needed: nothing here is retried.
    with transaction.atomic(savepoint=False):
        messages = InboxMessage.objects.bulk_create(
            [
                InboxMessage(
                    recipient=user,
                    event=event,
                    title=title,
                    body=body,
                    url=url,
                    key=key,
                    read_at=now if replaying else None,
                )
                for user in unique.values()
            ],
            ignore_conflicts=True,
        )
        if replaying:
            return messages
        queued = [
            row
            for user in unique.values()
            for row in outbox.enqueue(
                recipient=user,
                county_id=county_id,
                event=event,
                key=f"{key}:{user.pk}",
                title=title,
                body=sms,
                url=url,
                params=_sms_params(facts),
                subject=about,
                sms_at=sms_at,
            )
        ]
        if queued:
            _deliver_after_commit()
    return messages


def _sms_params(facts: dict) -> dict:
    """Template variables for providers whose SMS templates are registered with them."""
    return {name: str(value)[:20] for name, value in facts.items() if isinstance(value, str | int)}


def inbox_mark_read(*, user, message_ids: list[int] | None = None) -> int:
    """Mark the user's messages read (all unread ones when no ids are given)."""
    qs = InboxMessage.objects.filter(recipient=user, read_at__isnull=True)
    if message_ids is not None:
        qs = qs.filter(pk__in=message_ids)
    return qs.update(read_at=timezone.now())


def delivery_resend(*, actor, message) -> bool:
    """A county admin queues a failed message again (the resend button)."""
    if not access.may_operate_notifications(actor):
        raise Forbidden()
    if message.has_secrets:
        # Its password was forgotten when it failed; a new one must be issued instead.
        raise Conflict(
            _(
                "This message carried an initial password and cannot be sent again; give the lecturer a new password instead."
            ),
            code="bad_state",
        )
    with transaction.atomic():
        if not outbox.resend(message=message):
            raise Conflict(_("Only failed messages can be sent again."), code="bad_state")
        audit(actor=actor, action="outbox.resend", obj=message, county_id=message.county_id,
              before={"status": "failed", "last_error": message.last_error}, after={"status": "queued"})  # fmt: skip
        _deliver_after_commit()
    return True


def _clean_email(value, *, required: bool) -> str:
    value = clean_text(value, field="email", max_length=254, required=required)
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise InvalidInput.field("email", _("Enter a valid e-mail address.")) from None
    return value


def _phone_taken(phone: str, *, by_other_than) -> bool:
    """Someone else has the number as their phone or as their login name (which the login
    accepts in place of the phone), so giving it to this account would make logins ambiguous."""
    others = User.objects.exclude(pk=by_other_than.pk)
    return others.filter(Q(phone=phone) | Q(username=phone)).exists()


def _preference_facts(preference: NotificationPreference, user) -> dict:
    """What the audit log keeps of a preference: the channels and the addresses, masked."""
    return {
        "by_sms": preference.by_sms,
        "by_wechat": preference.by_wechat,
        "by_email": preference.by_email,
        "phone": mask_phone(user.phone),
        "email": mask_email(user.email),
    }


def notification_preference_update(
    *,
    actor,
    by_sms: bool,
    by_wechat: bool,
    by_email: bool,
    phone: str | None = None,
    email: str | None = None,
) -> NotificationPreference:
    """A person chooses their own channels (the in-app inbox is always on). `phone` and
    `email` change the account's addresses when given: "" removes one at once, a new one is
    sent a code and replaces the old once the code is entered (notifications.contact_change;
    the returned preference lists them in `pending_contacts`). SMS needs a mainland mobile,
    e-mail an address and WeChat an account bound by `wechat_bind`."""
    if actor is None or not actor.is_authenticated:
        raise NotAuthenticated()
    errors = FieldErrors()
    for name, value in (("by_sms", by_sms), ("by_wechat", by_wechat), ("by_email", by_email)):
        if not isinstance(value, bool):
            errors.add(name, _("Enter true or false."))
    if phone is not None:
        phone = errors.check(clean_mobile, phone, required=False)
    if email is not None:
        email = errors.check(_clean_email, email, required=False)

    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=actor.pk)
        preference, _created = NotificationPreference.objects.select_for_update().get_or_create(
            user=user
        )
        before = _preference_facts(preference, user)
        new_phone = user.phone if phone is None else phone
        new_email = user.email if email is None else email
        if "phone" not in errors.fields:
            is_new = bool(new_phone) and new_phone != user.phone
            if is_new and _phone_taken(new_phone, by_other_than=user):
                errors.add("phone", _("This mobile number already has an account."))
            if by_sms is True and not new_phone:
                errors.add("phone", _("Enter your mobile number to get messages by SMS."))
            elif by_sms is True and phone is None:
                # The number on the account was never checked here; an old one may be invalid.
                errors.check(clean_mobile, new_phone)
        if "email" not in errors.fields and by_email is True:
            if not new_email:
                errors.add("email", _("Enter your e-mail address to get messages by e-mail."))
            elif email is None:
                errors.check(_clean_email, new_email, required=True)
        if by_wechat is True and not preference.wechat_openid:
            errors.add(
                "by_wechat",
                _(
                    "WeChat is not bound yet: open these settings inside WeChat and tap "
                    "“Bind WeChat” first."
                )
                if wechat_web.config()
                else _("The county has not enabled WeChat notifications."),
            )
        errors.raise_if_any()

        changed = {
            name: value
            for name, value in (("phone", new_phone), ("email", new_email))
            if getattr(user, name) != value
        }
        # Removing a number or address takes effect now; a new one waits for its code.
        to_confirm = {name: value for name, value in changed.items() if value}
        user_changes = [name for name, value in changed.items() if not value]
        for name in user_changes:
            setattr(user, name, "")
        preference.by_sms, preference.by_wechat, preference.by_email = by_sms, by_wechat, by_email
        after = _preference_facts(preference, user)
        if user_changes:
            try:
                with transaction.atomic():
                    user.save(update_fields=user_changes)
            except IntegrityError:
                # Another account took the number between our check and our write.
                errors.add("phone", _("This mobile number already has an account."))
                errors.raise_if_any()
            if "phone" in user_changes:
                # A lecturer's résumé carries the same number as the login.
                Lecturer.objects.filter(user=user).update(phone=user.phone)
        if after != before or user_changes:
            preference.save(update_fields=["by_sms", "by_wechat", "by_email"])
            audit(actor=user, action="notification_preference.update", obj=preference,
                  county_id=user.county_id, before=before, after=after)  # fmt: skip
        for name, value in to_confirm.items():
            contact_change.contact_change_request(user=user, kind=name, value=value)
    actor.phone, actor.email = user.phone, user.email
    preference.pending_contacts = sorted(to_confirm)
    return preference


def _masked_openid(openid: str) -> str:
    return f"{openid[:4]}****{openid[-4:]}" if len(openid) > 8 else "****"


def wechat_bind(*, actor, openid: str) -> NotificationPreference:
    """Bind the WeChat account WeChat vouched for (the web authorisation's openid) to the
    caller's own account, and turn WeChat messages on. One WeChat account, one account here:
    messages for one person must not reach another's phone."""
    if actor is None or not actor.is_authenticated:
        raise NotAuthenticated()
    if not isinstance(openid, str) or not 1 <= len(openid) <= 64:
        raise InvalidInput(_("WeChat sent an answer we cannot use; please try again."))
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=actor.pk)
        preference, _created = NotificationPreference.objects.select_for_update().get_or_create(
            user=user
        )
        taken = (
            NotificationPreference.objects.filter(wechat_openid=openid).exclude(user=user).exists()
        )
        if taken:
            raise Conflict(
                _(
                    "This WeChat account is already bound to another account here; unbind it "
                    "there first."
                ),
                code="wechat_taken",
            )
        before = {"wechat": _masked_openid(preference.wechat_openid) if preference.wechat_openid else "",
                  "by_wechat": preference.by_wechat}  # fmt: skip
        preference.wechat_openid, preference.by_wechat = openid, True
        preference.save(update_fields=["wechat_openid", "by_wechat"])
        audit(actor=user, action="notification_preference.wechat_bind", obj=preference,
              county_id=user.county_id, before=before,
              after={"wechat": _masked_openid(openid), "by_wechat": True})  # fmt: skip
    return preference


def wechat_unbind(*, actor) -> NotificationPreference:
    """Forget the caller's WeChat account; WeChat messages stop."""
    if actor is None or not actor.is_authenticated:
        raise NotAuthenticated()
    with transaction.atomic():
        preference, _created = NotificationPreference.objects.select_for_update().get_or_create(
            user_id=actor.pk
        )
        if not preference.wechat_openid:
            raise Conflict(_("No WeChat account is bound."), code="bad_state")
        before = {"wechat": _masked_openid(preference.wechat_openid),
                  "by_wechat": preference.by_wechat}  # fmt: skip
        preference.wechat_openid, preference.by_wechat = "", False
        preference.save(update_fields=["wechat_openid", "by_wechat"])
        audit(actor=actor, action="notification_preference.wechat_unbind", obj=preference,
              county_id=actor.county_id, before=before, after={"wechat": "", "by_wechat": False})  # fmt: skip
    return preference
