"""The one way to tell people something.

Call `notify` inside the transaction of the change that causes it: the inbox message and the
outbox rows for SMS, WeChat and e-mail are written with the change, or not at all. After the
commit a delivery task is queued; the scheduler also picks up what is due (retries, leases).
"""

import uuid
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.audit import audit
from core.errors import Conflict, Forbidden
from orgs import access

from . import outbox
from .messages import SMS_MAX_CHARS, SMS_SIGNATURE, TEMPLATES
from .models import Event, InboxMessage


def render(event: Event, facts: dict) -> tuple[str, str, str]:
    """(title, body, sms) in the platform language; the SMS fits one message."""
    title, body, sms = TEMPLATES[event]
    with translation.override(settings.LANGUAGE_CODE):
        rendered_sms = f"{SMS_SIGNATURE}{sms % facts}"
        return str(title % facts)[:100], str(body % facts)[:500], rendered_sms[:SMS_MAX_CHARS]


def _deliver_after_commit() -> None:
    from .tasks import deliver_outbox

    transaction.on_commit(deliver_outbox.enqueue)


def notify(
    *,
    recipients: Iterable,
    event: Event,
    facts: dict,
    url: str = "",
    key: str = "",
    county_id: int | None = None,
) -> list[InboxMessage]:
    """Tell each distinct active recipient once. `key` names the occurrence (e.g.
    "booking:42:remind:24h"): notifying again with the same key changes nothing."""
    if key and InboxMessage.objects.filter(key=key).exists():
        return []  # this occurrence was notified already
    key = key or uuid.uuid4().hex
    unique = {user.pk: user for user in recipients if user is not None and user.is_active}
    title, body, sms = render(event, facts)
    with transaction.atomic():
        messages = InboxMessage.objects.bulk_create(
            [
                InboxMessage(recipient=user, event=event, title=title, body=body, url=url, key=key)
                for user in unique.values()
            ],
            ignore_conflicts=True,
        )
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
    with transaction.atomic():
        if not outbox.resend(message=message):
            raise Conflict(_("Only failed messages can be sent again."), code="bad_state")
        audit(actor=actor, action="outbox.resend", obj=message, county_id=message.county_id,
              before={"status": "failed", "last_error": message.last_error}, after={"status": "queued"})  # fmt: skip
        _deliver_after_commit()
    return True
