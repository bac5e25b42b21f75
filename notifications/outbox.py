"""The outbox: messages for SMS, WeChat and e-mail are rows written with the change that
causes them, delivered afterwards by task workers with retries and exponential backoff.

Claiming is safe with several workers: PostgreSQL skips rows another worker has locked
(SKIP LOCKED); SQLite has a single writer, whose IMMEDIATE transaction serialises claims.
A claim is a lease: a worker killed mid-batch leaves its rows `sending` until the lease
ends, then another worker takes them again. Each row carries an idempotency key that is
unique per channel and handed to providers that accept one, so a retried send is not
delivered twice.
"""

import logging
import random
import secrets
from datetime import timedelta
from functools import cache

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from core.timeutil import local

from . import relevance
from .channels.base import Delivery, Outcome
from .models import Channel, DeliveryStatus, OutboxMessage

logger = logging.getLogger("jiangtai.outbox")

MAX_ATTEMPTS = 8
BATCH = 50


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … up to an hour, with ±20 % jitter so retries do not bunch up."""
    seconds = min(30 * 2 ** max(0, attempts - 1), 3600)
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


@cache
def get_channel(name: str):
    """The configured adapter for a channel (settings.NOTIFICATION_CHANNELS)."""
    spec = settings.NOTIFICATION_CHANNELS[name]
    factory = import_string(spec["class"])
    return factory(**spec.get("options", {}))


# A message whose recipient must act before quiet hours end, or soon after, is not held:
# the request that expires at seven, the session this morning, the order whose grab window
# closes at nine. Held until eight, it would arrive too late to act on.
URGENT_LEAD = timedelta(hours=3)


def quiet_until(county_id: int | None, now, *, rules=None):
    """When SMS may go out: now, or the end of the county's quiet hours (held until morning).
    `rules`: the county's settings, when the caller has them already."""
    from orgs.models import CountySettings

    if county_id is None:
        return now
    if rules is None or rules.county_id != county_id:
        rules = CountySettings.for_county(county_id)
    start, end = rules.quiet_hours_start, rules.quiet_hours_end
    if start == end:
        return now
    here = local(now)
    hour = here.hour
    in_quiet = (start <= hour or hour < end) if start > end else (start <= hour < end)
    if not in_quiet:
        return now
    morning = here.replace(hour=end, minute=0, second=0, microsecond=0)
    if morning <= here:
        morning += timedelta(days=1)
    return morning


def is_urgent(due_at, *, now, morning) -> bool:
    """Too urgent to wait for the morning: due today, or soon after quiet hours end."""
    if due_at is None:
        return False
    return local(due_at).date() == local(now).date() or due_at < morning + URGENT_LEAD


def enqueue(
    *, recipient, county_id, event: str, key: str, title: str, body: str, url: str, params: dict,
    subject: str = "", sms_at=None,
) -> list[OutboxMessage]:  # fmt: skip
    """Queue the message on each channel the recipient wants and can be reached by. SMS go
    out at `sms_at` (the end of quiet hours; by default worked out here)."""
    from .models import NotificationPreference

    if getattr(
        recipient, "channels_read", False
    ):  # read with the user (selectors.users_with_channels)
        preference = type(recipient).notification_preference.related.get_cached_value(recipient)
    else:
        preference = NotificationPreference.objects.filter(user=recipient).first()
    preference = preference or NotificationPreference(user_id=recipient.pk)
    now = timezone.now()
    rows = []
    if preference.by_sms and recipient.phone:
        rows.append((Channel.SMS, recipient.phone, sms_at or quiet_until(county_id, now)))
    if preference.by_wechat and preference.wechat_openid:
        rows.append((Channel.WECHAT, preference.wechat_openid, now))
    if preference.by_email and recipient.email:
        rows.append((Channel.EMAIL, recipient.email, now))
    messages = [
        OutboxMessage(
            recipient=recipient,
            county_id=county_id,
            event=event,
            channel=channel,
            key=key,
            address=address,
            title=title,
            body=body,
            url=url,
            params=params,
            subject=subject,
            next_attempt_at=when,
        )
        for channel, address, when in rows
    ]
    # A repeat of the same key (the same event for the same person) is not queued again.
    return OutboxMessage.objects.bulk_create(messages, ignore_conflicts=True)


def claim(*, worker: str, limit: int = BATCH) -> list[OutboxMessage]:
    now = timezone.now()
    lease = timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    due = Q(status=DeliveryStatus.QUEUED, next_attempt_at__lte=now) | Q(
        status=DeliveryStatus.SENDING, lease_until__lt=now
    )
    with transaction.atomic():
        ids = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(due)
            .order_by("next_attempt_at", "id")
            .values_list("pk", flat=True)[:limit]
        )
        OutboxMessage.objects.filter(pk__in=ids).filter(due).update(
            status=DeliveryStatus.SENDING,
            claimed_by=worker,
            lease_until=now + lease,
            attempts=F("attempts") + 1,
        )
    return list(
        OutboxMessage.objects.filter(
            pk__in=ids, claimed_by=worker, status=DeliveryStatus.SENDING
        ).order_by("next_attempt_at", "id")
    )


def deliver(message: OutboxMessage, *, worker: str) -> str:
    """Send one claimed message and record the outcome, if the claim is still ours."""
    delivery = Delivery(
        key=f"{message.key}:{message.channel}", event=message.event, address=message.address,
        title=message.title, body=message.body, url=message.url, params=message.params,
    )  # fmt: skip
    try:
        result = get_channel(message.channel).send(delivery)
    except Exception as exc:  # an adapter bug must not stop the batch
        logger.exception("Channel %s raised", message.channel)
        from .channels.base import DeliveryResult

        result = DeliveryResult(Outcome.RETRY, f"{type(exc).__name__}: {exc}"[:300])
    now = timezone.now()
    mine = OutboxMessage.objects.filter(
        pk=message.pk, claimed_by=worker, status=DeliveryStatus.SENDING
    )
    # A secret (an initial password) is kept only while a retry may still need it.
    forget = message.without_secrets() if message.has_secrets else {}
    if result.outcome == Outcome.SENT:
        mine.update(
            status=DeliveryStatus.SENT,
            sent_at=now,
            provider_id=result.provider_id[:100],
            last_error="",
            lease_until=None,
            **forget,
        )
        return DeliveryStatus.SENT
    if result.outcome == Outcome.RETRY and message.attempts < MAX_ATTEMPTS:
        mine.update(status=DeliveryStatus.QUEUED, next_attempt_at=now + backoff(message.attempts),
                    last_error=result.detail[:300], lease_until=None)  # fmt: skip
        return "retry"
    mine.update(
        status=DeliveryStatus.FAILED, last_error=result.detail[:300], lease_until=None, **forget
    )
    return DeliveryStatus.FAILED


def screen(batch: list[OutboxMessage], *, worker: str, now=None) -> list[OutboxMessage]:
    """Drop the claimed messages that no longer matter, with the reason; return the rest.

    A message is dropped when a later message for the same subject, recipient and channel
    exists (it said the newer thing), when its subject's app says what it announced is no
    longer so, or when it only closes something the recipient was never sent. A few queries
    for the whole batch: one for the siblings, one per event for the standings."""
    from .models import DropReason

    now = now or timezone.now()
    about = [m for m in batch if m.subject]
    if not about:
        return batch
    siblings: dict[tuple, list[tuple[int, str]]] = {}
    for pk, subject, recipient_id, channel, status in OutboxMessage.objects.filter(
        subject__in={m.subject for m in about}, recipient_id__in={m.recipient_id for m in about}
    ).values_list("pk", "subject", "recipient_id", "channel", "status"):
        siblings.setdefault((subject, recipient_id, channel), []).append((pk, status))
    standing = relevance.standings({(m.event, m.subject) for m in about}, now)
    drops: dict[str, list[int]] = {}
    dropped: set[int] = set()
    for message in sorted(about, key=lambda m: m.pk):
        family = siblings.get((message.subject, message.recipient_id, message.channel), [])
        # Told already, or being told: sent, or in flight (ours unless dropped just now).
        earlier_told = [
            status == DeliveryStatus.SENT
            or (status == DeliveryStatus.SENDING and pk not in dropped)
            for pk, status in family
            if pk < message.pk
        ]
        mine = standing.get((message.event, message.subject))
        if any(pk > message.pk for pk, _status in family):
            reason = DropReason.SUPERSEDED
        elif mine and mine.drop:
            reason = mine.drop
        elif relevance.is_follow_up(message.event) and earlier_told and not any(earlier_told):
            reason = DropReason.NEVER_TOLD
        else:
            continue
        drops.setdefault(reason, []).append(message.pk)
        dropped.add(message.pk)
    for reason, ids in drops.items():
        OutboxMessage.objects.filter(
            pk__in=ids, claimed_by=worker, status=DeliveryStatus.SENDING
        ).update(status=DeliveryStatus.DROPPED, dropped_reason=reason, lease_until=None)
    return [m for m in batch if m.pk not in dropped]


def deliver_due(*, limit: int = BATCH * 4) -> dict:
    """Claim and deliver what is due, batch by batch; returns counts by outcome."""
    worker = secrets.token_hex(8)
    counts: dict = {}
    handled = 0
    while handled < limit:
        batch = claim(worker=worker, limit=min(BATCH, limit - handled))
        if not batch:
            break
        still = screen(batch, worker=worker)
        if len(still) < len(batch):
            dropped = counts.get(DeliveryStatus.DROPPED, 0)
            counts[DeliveryStatus.DROPPED] = dropped + len(batch) - len(still)
        for message in still:
            outcome = deliver(message, worker=worker)
            counts[outcome] = counts.get(outcome, 0) + 1
        handled += len(batch)
    return counts


def resend(*, message: OutboxMessage) -> bool:
    """Queue a failed message again now (the admins' resend button)."""
    return bool(
        OutboxMessage.objects.filter(pk=message.pk, status=DeliveryStatus.FAILED).update(
            status=DeliveryStatus.QUEUED, next_attempt_at=timezone.now(), attempts=0, last_error=""
        )
    )


def delivery_figures(queryset) -> list[dict]:
    """Counts by channel and status, for the operations page and the command."""
    from django.db.models import Count

    return list(
        queryset.values("channel", "status").annotate(n=Count("id")).order_by("channel", "status")
    )
