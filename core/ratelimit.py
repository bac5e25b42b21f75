from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .errors import RateLimited
from .models import RateCounter


def hit(key: str, *, limit: int, per: timedelta = timedelta(minutes=1)) -> None:
    """Count one request for `key`; raise RateLimited past `limit` in the current window."""
    now = timezone.now()
    key = key[:190]
    with transaction.atomic():
        fresh = RateCounter.objects.filter(key=key, window_start__gt=now - per).update(
            count=F("count") + 1
        )
        if not fresh:
            updated = RateCounter.objects.filter(key=key).update(window_start=now, count=1)
            if not updated:
                try:
                    with transaction.atomic():
                        RateCounter.objects.create(key=key, window_start=now, count=1)
                except IntegrityError:
                    RateCounter.objects.filter(key=key).update(count=F("count") + 1)
        count = RateCounter.objects.filter(key=key).values_list("count", flat=True).first() or 0
    if count > limit:
        raise RateLimited()
