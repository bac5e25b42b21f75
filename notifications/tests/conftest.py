import pytest

from scheduling.tests.conftest import at


@pytest.fixture
def booking_payload_obj(world):
    """Arguments for scheduling.services.booking_create."""
    return {
        "org_id": world.branch.pk,
        "lecturer_id": world.zhang.pk,
        "course_id": world.course.pk,
        "start": at(7, 9),
        "end": at(7, 11),
        "venue": "东村党群服务中心",
        "expected_attendees": 40,
        "classroom": "classroom",
    }
