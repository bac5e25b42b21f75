from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

import access
from core import read_cache
from core.prepared import Prepared, instance_reader
from core.text import mask_email, mask_phone

from .models import Channel, DeliveryStatus, InboxMessage, NotificationPreference, OutboxMessage


def deliveries_visible_to(user):
    """Outgoing messages of the county, for those who operate them."""
    return access.scoped(OutboxMessage.objects.all(), access.deliveries_q(user))


def delivery_for_user(user, message_id) -> OutboxMessage:
    return access.get_visible(deliveries_visible_to(user), message_id)


def users_with_channels(build: Callable[..., QuerySet], **kinds: type) -> Callable[..., list]:
    """A read of users (`build` returns a queryset of them, `kinds` its parameters as
    core.prepared takes them), each with their notification channels, built once: for
    `notify` to queue their messages without reading a preference per person. Use the list at
    once: a preference changed afterwards is not seen."""
    reader = instance_reader(get_user_model(), "notification_preference")
    read = Prepared(lambda **values: build(**values).values_list(*reader.columns), **kinds)

    def get(**values) -> list:
        found = [reader.instance(row) for row in read.rows(**values)]
        for user in found:
            user.channels_read = True
        return found

    return get


def inbox_for_user(user):
    return InboxMessage.objects.filter(recipient=user)


def unread_count(user) -> int:
    """The badge on every page: kept in core.read_cache until the next commit."""
    unread = InboxMessage.objects.filter(recipient=user, read_at__isnull=True)
    return read_cache.cached(("unread messages", user.pk), unread.count)


def inbox_message_for_user(user, message_id):
    """One of the caller's own messages, or None."""
    from core.text import parse_id

    number = parse_id(message_id)
    return inbox_for_user(user).filter(pk=number).first() if number else None


def notification_preference_for_user(user) -> NotificationPreference:
    """The caller's own choices; the defaults (SMS only) until they save some."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(
        user=user
    )


def delivery_list_for_user(user, *, status: str = "", channel: str = ""):
    """Outgoing messages of the caller's county, newest first (county admins only)."""
    qs = deliveries_visible_to(user).select_related("recipient")
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    return qs.order_by("-created_at", "-id")


def failed_delivery_count(user) -> int:
    return deliveries_visible_to(user).filter(status=DeliveryStatus.FAILED).count()


def masked_address(message) -> str:
    """Where a message went, masked for the operators who are not its recipient."""
    if message.channel == Channel.SMS:
        return mask_phone(message.address)
    if message.channel == Channel.EMAIL:
        return mask_email(message.address)
    return masked_openid(message.address)


def masked_openid(openid: str) -> str:
    """A WeChat openid: an identifier, kept recognisable but short."""
    return f"{openid[:4]}****{openid[-4:]}" if len(openid) > 8 else mask_phone(openid)


FIGURE_STATUSES = [
    DeliveryStatus.QUEUED,
    DeliveryStatus.SENDING,
    DeliveryStatus.SENT,
    DeliveryStatus.DROPPED,
    DeliveryStatus.FAILED,  # last: the one column that calls for action
]


def delivery_figures_for_user(user) -> list[dict]:
    """One row per channel with its counts by status (in FIGURE_STATUSES order)."""
    from .outbox import delivery_figures

    counts = {
        (row["channel"], row["status"]): row["n"]
        for row in delivery_figures(deliveries_visible_to(user))
    }
    rows = []
    for channel, label in Channel.choices:
        figures = [counts.get((channel, status), 0) for status in FIGURE_STATUSES]
        rows.append({"channel": channel, "label": label, "counts": figures, "total": sum(figures)})
    return rows
