"""/manage/orgs/: the organisation tree, adding, editing, deactivating and reactivating, for
county admins over their county and town admins over their own town's branches."""

import pytest
from django.utils import timezone

from core.models import AuditLog
from core.tests.factories import make_member
from matching.models import Demand
from orgs.models import Organisation, Role
from scheduling.models import Booking


def test_smoke(world, login):
    c = login(world.county_admin)
    r = c.get("/manage/orgs/")
    assert r.status_code == 200, r.content.decode()[:3000]
    print(r.content.decode())
    r = c.get("/manage/orgs/new/?level=town")
    assert r.status_code == 200
    print(r.content.decode())
