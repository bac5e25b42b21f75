"""The organisation tree's writes many at once (the back office's import): access asked
again for every row, compare-and-set changes, one audit entry per organisation."""

import pytest

from access import services
from core.errors import Conflict, Forbidden, InvalidInput
from core.models import AuditLog
from orgs.models import Organisation

pytestmark = pytest.mark.django_db


def row(name, level, parent, **fields):
    return {"name": name, "level": level, "parent_id": parent.pk, "group": "", "address": "",
            "lat": None, "lng": None, **fields}  # fmt: skip


def test_a_county_admin_creates_under_the_own_county_and_each_is_audited(world):
    made = services.orgs_create_many(
        actor=world.county_admin,
        rows=[row("新镇", "town", world.county), row("新村", "village", world.town, group="rural")],
        note={"import_job": 7},
    )
    village = Organisation.objects.get(name="新村")
    assert made[(world.town.pk, "新村")] == village.pk
    assert (village.county_id, village.group) == (world.county.pk, "rural")
    entry = AuditLog.objects.get(action="org.create", object_id=str(village.pk))
    assert entry.after == {"name": "新村", "level": "village", "parent_id": world.town.pk, "import_job": 7}  # fmt: skip
    assert entry.county_id == world.county.pk and entry.actor == world.county_admin


@pytest.mark.parametrize("who", ["town_admin", "secretary", "lecturer", "outsider"])
def test_nobody_else_creates_and_nothing_of_the_call_is_written(world, who):
    # a town admin may add branches to their own town only (one row of the call is another's)
    rows = [row("新村", "village", world.town), row("又一村", "village", world.other_town)]
    with pytest.raises(Forbidden):
        services.orgs_create_many(actor=getattr(world, who), rows=rows)
    assert not Organisation.objects.filter(name__in=["新村", "又一村"]).exists()


def test_a_parent_of_another_county_or_the_wrong_level_is_refused(world):
    with pytest.raises(Forbidden):
        services.orgs_create_many(actor=world.county_admin, rows=[row("新村", "village", world.town_b)])  # fmt: skip
    with pytest.raises(InvalidInput):
        services.orgs_create_many(actor=world.county_admin, rows=[row("错镇", "town", world.town)])
    assert not Organisation.objects.filter(name__in=["新村", "错镇"]).exists()


def test_changes_are_compare_and_set_and_audited(world):
    seen = world.branch.updated_at
    services.orgs_update_many(
        actor=world.county_admin,
        updates=[(world.branch.pk, seen, {"address": ""}, {"address": "村委会"})],
        note={"import_job": 3},
    )
    world.branch.refresh_from_db()
    assert world.branch.address == "村委会" and world.branch.updated_at > seen
    entry = AuditLog.objects.get(action="org.update")
    assert (entry.before, entry.after) == ({"address": ""}, {"address": "村委会", "import_job": 3})
    # read before that change: a conflict, and the other row of the call is not written either
    with pytest.raises(Conflict):
        services.orgs_update_many(
            actor=world.county_admin,
            updates=[
                (world.unit.pk, world.unit.updated_at, {"address": ""}, {"address": "财政局"}),
                (world.branch.pk, seen, {"address": "村委会"}, {"address": "旧址"}),
            ],
        )
    world.unit.refresh_from_db()
    world.branch.refresh_from_db()
    assert (world.unit.address, world.branch.address) == ("", "村委会")
    with pytest.raises(Forbidden):
        services.orgs_update_many(
            actor=world.town_admin,  # another town's branch
            updates=[
                (world.other_branch.pk, world.other_branch.updated_at, {}, {"address": "镇里改的"})
            ],
        )
    with pytest.raises(Forbidden):  # another county's organisation is not found for this admin
        services.orgs_update_many(
            actor=world.county_admin,
            updates=[(world.branch_b.pk, world.branch_b.updated_at, {}, {"address": "外县"})],
        )
