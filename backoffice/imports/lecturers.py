"""Importing lecturers: one row per lecturer, matched on the mobile number.

A new lecturer gets what `lecturers.services.lecturer_create` gives one: the login (username =
phone) that must change its password at first use, the lecturer membership, the pinyin keys
of the name and an audit entry. The rows are written in bulk, a chunk per transaction, so that
5,000 lecturers take seconds; the initial passwords are not made here but issued when the
county downloads the list (`services.import_passwords_issue`), so no password is ever stored
in clear. An empty optional cell leaves what is stored as it is."""

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import Conflict
from core.models import AuditLog
from core.pinyin import pinyin_keys
from lecturers.models import Gender, Lecturer, LecturerLevel, LecturerStatus, Source
from orgs.models import Membership, Role

from . import cells
from .common import Plan, chunks, column_of, read_rows
from .places import OrgIndex, check_coordinates

SHEET = "讲师"
CHUNK = 250
# Compared with the stored lecturer (in this order in the audit entry).
FIELDS = (
    "name",
    "source",
    "level",
    "org_id",
    "gender",
    "birth_year",
    "unit",
    "post",
    "specialties",
    "teaching_style",
    "bio",
    "lat",
    "lng",
)
REQUIRED = {"name", "source", "level"}


def columns() -> list[cells.Column]:
    level_aliases = {"县级": "county", "县": "county", "镇级": "town", "镇": "town", "街道": "town"}
    return [
        cells.Column("name", "姓名", cells.text(32), True, ("王红梅", "刘建国"), width=10),
        cells.Column(
            "phone",
            "手机号",
            cells.phone,
            True,
            ("13912340001", "13912340002"),
            "11位手机号，即讲师的登录名",
        ),
        cells.Column(
            "source", "来源", cells.choice(Source), True, ("党校教师", "基层党组织书记"), width=16
        ),
        cells.Column(
            "level",
            "级别",
            cells.choice(LecturerLevel, level_aliases),
            True,
            ("县级讲师", "镇级讲师"),
        ),
        cells.Column(
            "org",
            "所属组织",
            cells.text(200),
            False,
            ("", ""),
            "组织名称；重名时写“镇名/组织名”",
            width=20,
        ),
        cells.Column("gender", "性别", cells.choice(Gender), False, ("女", "男"), width=8),
        cells.Column(
            "birth_year",
            "出生年月",
            cells.birth_year,
            False,
            ("1978-05", "1969"),
            "如 1978-05 或 1978",
        ),
        cells.Column("unit", "工作单位", cells.text(100), False, ("县委党校", "")),
        cells.Column("post", "职务", cells.text(100), False, ("讲师", "村党支部书记")),
        cells.Column(
            "specialties",
            "专长",
            cells.text(300),
            False,
            ("党史、乡村振兴", "基层治理"),
            "用顿号分隔",
            width=20,
        ),
        cells.Column("teaching_style", "授课风格", cells.text(300), False, ("", "")),
        cells.Column(
            "bio",
            "简介",
            cells.text(3000, multiline=True),
            False,
            ("从事党史教学十余年。", ""),
            width=30,
        ),
        cells.Column("lat", "纬度", cells.decimal, False, ("", ""), "如 36.65"),
        cells.Column("lng", "经度", cells.decimal, False, ("", ""), "如 117.12"),
    ]


def examples(county) -> list[list]:
    """The template's example rows; the second names one of the county's branches."""
    cols = columns()
    rows = [[c.example[i] if c.example else "" for c in cols] for i in range(2)]
    index = OrgIndex(county)
    branch = next((o for o in index.by_id.values() if o.level == "village"), None)
    if branch is not None:
        label = branch.name
        if len(index.by_name[branch.name]) > 1 and branch.parent_id in index.by_id:
            label = f"{index.by_id[branch.parent_id].name}/{branch.name}"
        rows[1][[c.key for c in cols].index("org")] = label
    return rows


def _existing(phones: list[str], county_id: int):
    lecturers, takers, elsewhere = {}, {}, set()
    for part in chunks(phones, 500):
        for lecturer in Lecturer.objects.filter(county_id=county_id, phone__in=part).order_by("id"):
            lecturers.setdefault(lecturer.phone, lecturer)
        for pk, phone, username in User.objects.filter(
            Q(phone__in=part) | Q(username__in=part)
        ).values_list("pk", "phone", "username"):
            for taken in {phone, username} & set(part):
                takers.setdefault(taken, set()).add(pk)
        elsewhere.update(
            Lecturer.objects.filter(phone__in=part)
            .exclude(county_id=county_id)
            .values_list("phone", flat=True)
        )
    return lecturers, takers, elsewhere


def check(sheet, county, errors, progress) -> Plan:
    cols = columns()
    rows = read_rows(sheet, cols, errors, progress)
    plan = Plan()
    if not rows:
        return plan
    at = {key: column_of(cols, sheet, key) for key in ("phone", "org", "lat", "lng")}
    index = OrgIndex(county)
    lecturers, takers, elsewhere = _existing([r.values["phone"] for r in rows], county.pk)
    seen: dict[str, int] = {}
    for done, row in enumerate(rows, start=1):
        if done % 500 == 0:
            progress(50 + done * 50 // len(rows))
        ok = check_coordinates(row, errors, at["lat"], at["lng"])
        v = row.values
        phone = v["phone"]
        if phone in seen:
            errors.add(
                row.number,
                *at["phone"],
                _("The mobile number %(phone)s is already on row %(row)d of this file.")
                % {"phone": phone, "row": seen[phone]},
            )
            ok = False
        else:
            seen[phone] = row.number
        lecturer = lecturers.get(phone)
        others = takers.get(phone, set()) - ({lecturer.user_id} if lecturer else set())
        if phone in elsewhere and lecturer is None:
            errors.add(
                row.number,
                *at["phone"],
                _("The mobile number %(phone)s belongs to a lecturer of another county.")
                % {"phone": phone},
            )
            ok = False
        elif others:
            errors.add(
                row.number,
                *at["phone"],
                _("The mobile number %(phone)s already belongs to another person's account.")
                % {"phone": phone},
            )
            ok = False
        v["org_id"] = None
        if "org" in row.present:
            org, why = index.resolve(v["org"])
            if org is None:
                errors.add(row.number, *at["org"], why)
                ok = False
            else:
                v["org_id"] = org.pk
        if not ok:
            continue
        if lecturer is None:
            plan.creates.append(v)
            continue
        present = REQUIRED | {
            k for k in FIELDS if k in row.present or (k == "org_id" and "org" in row.present)
        }
        changes = {k: v[k] for k in FIELDS if k in present and getattr(lecturer, k) != v[k]}
        if changes:
            before = {k: getattr(lecturer, k) for k in changes}
            plan.updates.append(
                (lecturer.pk, lecturer.updated_at, lecturer.user_id, before, changes)
            )
        else:
            plan.unchanged += 1
    return plan


def _audit_row(*, actor, county_id, lecturer_id, action, before, after, job_id, now):
    return AuditLog(
        created_at=now,
        actor=actor,
        county_id=county_id,
        action=action,
        object_type="lecturers.lecturer",
        object_id=str(lecturer_id),
        before=before,
        after={**(after or {}), "import_job": job_id},
    )


def write_creates(rows: list[dict], *, county_id: int, actor, job_id: int) -> list[int]:
    """Create one chunk of lecturers with their logins; returns the new users' ids."""
    phones = [v["phone"] for v in rows]
    with transaction.atomic():
        if User.objects.filter(Q(phone__in=phones) | Q(username__in=phones)).exists():
            raise Conflict(
                _(
                    "A mobile number of this file was given to someone else while the import ran; import the file again."
                )
            )
        unusable = make_password(None)  # no password until the county issues the list
        User.objects.bulk_create(
            [
                User(
                    username=v["phone"],
                    phone=v["phone"],
                    name=v["name"],
                    county_id=county_id,
                    password=unusable,
                    must_change_password=True,
                )
                for v in rows
            ]
        )
        user_ids = dict(User.objects.filter(username__in=phones).values_list("username", "pk"))
        new = []
        for v in rows:
            pinyin, initials = pinyin_keys(v["name"])
            new.append(
                Lecturer(
                    county_id=county_id,
                    user_id=user_ids[v["phone"]],
                    org_id=v["org_id"],
                    name=v["name"],
                    name_pinyin=pinyin,
                    name_initials=initials,
                    phone=v["phone"],
                    source=v["source"],
                    level=v["level"],
                    status=LecturerStatus.ACTIVE,
                    specialties=v["specialties"] or "",
                    teaching_style=v["teaching_style"] or "",
                    bio=v["bio"] or "",
                    lat=v["lat"],
                    lng=v["lng"],
                    gender=v["gender"] or "",
                    birth_year=v["birth_year"],
                    unit=v["unit"] or "",
                    post=v["post"] or "",
                )
            )
        Lecturer.objects.bulk_create(new)
        ids = dict(
            Lecturer.objects.filter(user_id__in=user_ids.values()).values_list("user_id", "pk")
        )
        Membership.objects.bulk_create(
            [
                Membership(
                    user_id=user_ids[v["phone"]],
                    org_id=v["org_id"] or county_id,
                    role=Role.LECTURER,
                )
                for v in rows
            ]
        )
        now = timezone.now()
        AuditLog.objects.bulk_create(
            [
                _audit_row(
                    actor=actor,
                    county_id=county_id,
                    lecturer_id=ids[user_ids[v["phone"]]],
                    action="lecturer.create",
                    before=None,
                    now=now,
                    job_id=job_id,
                    after={
                        "name": v["name"],
                        "source": v["source"],
                        "level": v["level"],
                        "status": LecturerStatus.ACTIVE,
                    },
                )
                for v in rows
            ]
        )
    return list(user_ids.values())


def write_updates(updates: list, *, county_id: int, actor, job_id: int) -> None:
    """Change one chunk of lecturers, each only if nobody changed it since the check."""
    with transaction.atomic():
        now = timezone.now()
        entries = []
        for lecturer_id, seen_at, user_id, before, changes in updates:
            fields = dict(changes)
            if "name" in changes:
                fields["name_pinyin"], fields["name_initials"] = pinyin_keys(changes["name"])
            # A new version, so that an edit of the résumé begun before the import is refused
            # (lecturers.services.lecturer_update) instead of overwriting it.
            done = Lecturer.objects.filter(pk=lecturer_id, updated_at=seen_at).update(
                **fields, updated_at=now, version=F("version") + 1
            )
            if done != 1:
                raise Conflict(
                    _(
                        "A lecturer of this file was changed by someone else while the import ran; import the file again."
                    ),
                    code="bad_state",
                )
            if "name" in changes and user_id:
                User.objects.filter(pk=user_id).update(name=changes["name"])
            entries.append(
                _audit_row(
                    actor=actor,
                    county_id=county_id,
                    lecturer_id=lecturer_id,
                    action="lecturer.update",
                    before=before,
                    after=changes,
                    job_id=job_id,
                    now=now,
                )
            )
        AuditLog.objects.bulk_create(entries)


def write(plan: Plan, *, job, actor, advance) -> None:
    """Write the plan a chunk at a time; `advance` records the progress in the same
    transaction as the chunk, so what the job says was written was written."""
    new_user_ids: list[int] = []
    for part in chunks(plan.creates, CHUNK):
        with transaction.atomic():
            new_user_ids += write_creates(part, county_id=job.county_id, actor=actor, job_id=job.pk)
            advance(created=len(part), new_user_ids=new_user_ids)
    for part in chunks(plan.updates, CHUNK):
        with transaction.atomic():
            write_updates(part, county_id=job.county_id, actor=actor, job_id=job.pk)
            advance(updated=len(part))
