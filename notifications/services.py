"""The one way to tell people something. Call `notify` inside the transaction of the change
that causes it: the message is written with the change, or not at all."""

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from .models import Event, InboxMessage


def notify(*, recipients: Iterable, event: Event, title, body, url: str = "") -> list[InboxMessage]:
    """`title` and `body` are lazy translations (or callables of no argument) rendered in the
    platform language; one inbox message per distinct recipient."""
    unique = {user.pk: user for user in recipients if user is not None and user.is_active}
    with translation.override(settings.LANGUAGE_CODE):
        rendered_title = str(title() if callable(title) else title)[:100]
        rendered_body = str(body() if callable(body) else body)[:500]
    with transaction.atomic():
        return InboxMessage.objects.bulk_create(
            [
                InboxMessage(
                    recipient=user, event=event, title=rendered_title, body=rendered_body, url=url
                )
                for user in unique.values()
            ]
        )


def inbox_mark_read(*, user, message_ids: list[int] | None = None) -> int:
    """Mark the user's messages read (all unread ones when no ids are given)."""
    qs = InboxMessage.objects.filter(recipient=user, read_at__isnull=True)
    if message_ids is not None:
        qs = qs.filter(pk__in=message_ids)
    return qs.update(read_at=timezone.now())
