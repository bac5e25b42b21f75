"""Importing organisations: towns under the county, branches under the county or a town,
matched on the name within the parent. A branch may hang under a town of the same file:
towns are written first."""

from django.db import transaction
from django.utils.translation import gettext as _

from access import services as access_services
from orgs.models import MemberGroup, Organisation, OrgLevel

from . import cells
from .common import Plan, chunks, column_of, read_rows
from .places import OrgIndex, check_coordinates

SHEET = "组织"
CHUNK = 250
FIELDS = ("group", "address", "lat", "lng")


def columns() -> list[cells.Column]:
    levels = [
        (OrgLevel.TOWN.value, OrgLevel.TOWN.label),
        (OrgLevel.VILLAGE.value, OrgLevel.VILLAGE.label),
    ]
    aliases = {a: "town" for a in ("镇", "乡", "街道", "镇街", "乡镇", "镇(街道)")}
    aliases |= {a: "village" for a in ("村", "社区", "单位", "支部", "村(社区、单位)", "党支部")}
    return [
        cells.Column("name", "名称", cells.text(100), True, ("示例镇", "示例村党支部"), width=20),
        cells.Column(
            "level",
            "层级",
            cells.choice(levels, aliases),
            True,
            ("镇（街道）", "村（社区、单位）党组织"),
            "镇（街道）或 村（社区、单位）党组织",
            width=20,
        ),
        cells.Column(
            "parent",
            "上级组织",
            cells.text(100),
            True,
            ("", "示例镇"),
            "县名或镇（街道）名",
            width=16,
        ),
        cells.Column("group", "党员群体", cells.choice(MemberGroup), False, ("", "农村"), width=14),
        cells.Column("address", "地址", cells.text(200), False, ("", ""), width=24),
        cells.Column("lat", "纬度", cells.decimal, False, ("", ""), "如 36.65"),
        cells.Column("lng", "经度", cells.decimal, False, ("", ""), "如 117.12"),
    ]


def examples(county) -> list[list]:
    cols = columns()
    rows = [[c.example[i] for c in cols] for i in range(2)]
    rows[0][[c.key for c in cols].index("parent")] = county.name
    return rows


def check(sheet, county, errors, progress) -> Plan:
    cols = columns()
    rows = read_rows(sheet, cols, errors, progress)
    plan = Plan()
    if not rows:
        return plan
    at = {key: column_of(cols, sheet, key) for key in ("name", "level", "parent", "lat", "lng")}
    index = OrgIndex(county)
    new_towns = {r.values["name"] for r in rows if r.values["level"] == OrgLevel.TOWN}
    existing = {(o.parent_id, o.name): o for o in Organisation.objects.filter(county_id=county.pk)}
    seen: dict[tuple, int] = {}
    for done, row in enumerate(rows, start=1):
        if done % 500 == 0:
            progress(50 + done * 50 // len(rows))
        ok = check_coordinates(row, errors, at["lat"], at["lng"])
        v = row.values
        parent_name = v["parent"]
        parent = None  # ("id", pk) or ("new town", name)
        if parent_name == county.name:
            parent = ("id", county.pk)
        elif v["level"] == OrgLevel.TOWN:
            errors.add(
                row.number,
                *at["parent"],
                _("A town hangs directly under the county: write “%(county)s”.")
                % {"county": county.name},
            )
            ok = False
        else:
            towns = index.towns_named(parent_name)
            if len(towns) == 1:
                parent = ("id", towns[0].pk)
            elif parent_name in new_towns:
                parent = ("new town", parent_name)
            else:
                errors.add(
                    row.number,
                    *at["parent"],
                    _("No town “%(name)s” in the county or in this file.")
                    % {"name": parent_name[:40]},
                )
                ok = False
        if parent is not None:
            key = (parent, v["name"])
            if key in seen:
                errors.add(
                    row.number,
                    *at["name"],
                    _("“%(name)s” under the same parent is already on row %(row)d of this file.")
                    % {"name": v["name"][:40], "row": seen[key]},
                )
                ok = False
            else:
                seen[key] = row.number
        if not ok:
            continue
        v["parent_ref"] = parent
        org = existing.get((parent[1], v["name"])) if parent[0] == "id" else None
        if org is None:
            plan.creates.append(v)
            continue
        if org.level != v["level"]:
            errors.add(
                row.number,
                *at["level"],
                _("“%(name)s” exists already as %(level)s.")
                % {"name": org.name, "level": OrgLevel(org.level).label},
            )
            continue
        changes = {k: v[k] for k in FIELDS if k in row.present and getattr(org, k) != v[k]}
        if changes:
            before = {k: getattr(org, k) for k in changes}
            plan.updates.append((org.pk, org.updated_at, before, changes))
        else:
            plan.unchanged += 1
    return plan


def _create(rows: list[dict], parent_ids: dict, *, actor, job_id: int) -> None:
    access_services.orgs_create_many(
        actor=actor,
        rows=[{**v, "parent_id": parent_ids[v["parent_ref"]]} for v in rows],
        note={"import_job": job_id},
    )


def write(plan: Plan, *, job, actor, advance) -> None:
    """Towns first, then the branches (some under those towns), then the changes; every write
    goes through the access app's services, which own the organisation tree's writes."""
    county_id = job.county_id
    towns = [v for v in plan.creates if v["level"] == OrgLevel.TOWN]
    branches = [v for v in plan.creates if v["level"] != OrgLevel.TOWN]
    parent_ids = {
        ("id", pk): pk
        for _kind, pk in {v["parent_ref"] for v in plan.creates if v["parent_ref"][0] == "id"}
    }
    for part in chunks(towns, CHUNK):
        with transaction.atomic():
            _create(part, parent_ids, actor=actor, job_id=job.pk)
            advance(created=len(part))
    for pk, name in Organisation.objects.filter(
        county_id=county_id, level=OrgLevel.TOWN
    ).values_list("pk", "name"):
        parent_ids[("new town", name)] = pk
    for part in chunks(branches, CHUNK):
        with transaction.atomic():
            _create(part, parent_ids, actor=actor, job_id=job.pk)
            advance(created=len(part))
    for part in chunks(plan.updates, CHUNK):
        with transaction.atomic():
            access_services.orgs_update_many(actor=actor, updates=part, note={"import_job": job.pk})
            advance(updated=len(part))
