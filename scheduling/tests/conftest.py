from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from core.timeutil import aware


def at(days: int, hour: int = 9, minute: int = 0) -> datetime:
    """Local (Shanghai) time `days` from today at hour:minute."""
    today = timezone.localdate()
    day = today + timedelta(days=days)
    return aware(datetime(day.year, day.month, day.day, hour, minute))


@pytest.fixture
def booking_payload(world):
    def make(**change):
        payload = {
            "org_id": world.branch.pk,
            "lecturer_id": world.zhang.pk,
            "course_id": world.course.pk,
            "start": at(7, 9).isoformat(),
            "end": at(7, 11).isoformat(),
            "venue": "东村党群服务中心",
            "expected_attendees": 40,
            "classroom": "classroom",
        }
        payload.update(change)
        return payload

    return make
