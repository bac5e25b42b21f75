"""Importing courses: one row per course, matched on the lecturer (mobile number) and title.

Like `courses.services.course_create`, every new course gets its first CourseRevision
("created") and an audit entry; a changed course gets a "revised" revision and an entry."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict
from core.models import AuditLog
from courses.models import Audience, Category, Classroom, Course, CourseRevision, CourseStatus
from lecturers.models import Lecturer

from . import cells
from .common import Plan, chunks, column_of, read_rows

SHEET = "课程"
CHUNK = 250
FIELDS = (
    "category",
    "duration_minutes",
    "objectives",
    "outline",
    "structure",
    "audiences",
    "classrooms",
)
DEFAULT_DURATION = 90


def columns() -> list[cells.Column]:
    return [
        cells.Column(
            "phone",
            "讲师手机号",
            cells.phone,
            True,
            ("13912340001", "13912340002"),
            "已在库讲师的手机号",
        ),
        cells.Column(
            "title",
            "课程名称",
            cells.text(100),
            True,
            ("百年党史中的初心使命", "村级议事协商实务"),
            width=28,
        ),
        cells.Column("category", "类别", cells.choice(Category), True, ("政治理论", "工作实务")),
        cells.Column(
            "duration_minutes",
            "时长(分钟)",
            cells.whole_number(10, 480),
            False,
            (90, 60),
            "10 至 480",
        ),
        cells.Column(
            "objectives",
            "教学目标",
            cells.text(2000, multiline=True),
            False,
            ("理解初心使命的历史来源", ""),
            width=24,
        ),
        cells.Column(
            "outline",
            "内容提纲",
            cells.text(5000, multiline=True),
            False,
            ("一、建党之初\n二、新时代", "一、议事规则"),
            width=30,
        ),
        cells.Column("structure", "课程结构", cells.text(2000, multiline=True), False, ("", "")),
        cells.Column(
            "audiences",
            "适用对象",
            cells.choice_list(Audience),
            False,
            ("机关事业单位、农村", "农村"),
            "多个用顿号分隔",
            width=20,
        ),
        cells.Column(
            "classrooms",
            "适用课堂",
            cells.choice_list(Classroom),
            False,
            ("教室课堂", "板凳课堂、现场课堂"),
            "多个用顿号分隔",
            width=20,
        ),
    ]


def examples(county) -> list[list]:
    cols = columns()
    return [[c.example[i] for c in cols] for i in range(2)]


def check(sheet, county, errors, progress) -> Plan:
    cols = columns()
    rows = read_rows(sheet, cols, errors, progress)
    plan = Plan()
    if not rows:
        return plan
    phone_at, title_at = column_of(cols, sheet, "phone"), column_of(cols, sheet, "title")
    phones = sorted({r.values["phone"] for r in rows})
    lecturers: dict[str, int] = {}
    courses: dict[tuple[int, str], Course] = {}
    for part in chunks(phones, 500):
        for pk, phone in (
            Lecturer.objects.filter(county_id=county.pk, phone__in=part)
            .order_by("-id")
            .values_list("pk", "phone")
        ):
            lecturers[phone] = pk
    for part in chunks(sorted(set(lecturers.values())), 500):
        for course in Course.objects.filter(lecturer_id__in=part):
            courses[(course.lecturer_id, course.title)] = course
    seen: dict[tuple[str, str], int] = {}
    for done, row in enumerate(rows, start=1):
        if done % 500 == 0:
            progress(50 + done * 50 // len(rows))
        v = row.values
        key = (v["phone"], v["title"])
        if key in seen:
            errors.add(
                row.number,
                *title_at,
                _("This lecturer's course “%(title)s” is already on row %(row)d of this file.")
                % {"title": v["title"][:40], "row": seen[key]},
            )
            continue
        seen[key] = row.number
        lecturer_id = lecturers.get(v["phone"])
        if lecturer_id is None:
            errors.add(
                row.number,
                *phone_at,
                _(
                    "No lecturer of the county has the mobile number %(phone)s: import the lecturers first."
                )
                % {"phone": v["phone"]},
            )
            continue
        v["lecturer_id"] = lecturer_id
        course = courses.get((lecturer_id, v["title"]))
        if course is None:
            v["duration_minutes"] = v["duration_minutes"] or DEFAULT_DURATION
            plan.creates.append(v)
            continue
        changes = {k: v[k] for k in FIELDS if k in row.present and getattr(course, k) != v[k]}
        if changes:
            before = {k: getattr(course, k) for k in changes}
            plan.updates.append((course.pk, course.updated_at, before, changes))
        else:
            plan.unchanged += 1
    return plan


def _snapshot(values: dict, status: str) -> dict:
    return {
        "title": values["title"],
        "category": values["category"],
        "duration_minutes": values["duration_minutes"],
        "audiences": values["audiences"] or [],
        "classrooms": values["classrooms"] or [],
        "status": status,
    }


def write_creates(rows: list[dict], *, county_id: int, actor, job_id: int) -> None:
    keys = [(v["lecturer_id"], v["title"]) for v in rows]
    Course.objects.bulk_create(
        [
            Course(
                county_id=county_id,
                lecturer_id=v["lecturer_id"],
                title=v["title"],
                category=v["category"],
                objectives=v["objectives"] or "",
                outline=v["outline"] or "",
                structure=v["structure"] or "",
                duration_minutes=v["duration_minutes"],
                audiences=v["audiences"] or [],
                classrooms=v["classrooms"] or [],
                status=CourseStatus.ACTIVE,
            )
            for v in rows
        ]
    )
    lecturer_ids = {k[0] for k in keys}
    ids = {
        (lecturer_id, title): pk
        for pk, lecturer_id, title in Course.objects.filter(
            lecturer_id__in=lecturer_ids, title__in={k[1] for k in keys}
        ).values_list("pk", "lecturer_id", "title")
    }
    now = timezone.now()
    CourseRevision.objects.bulk_create(
        [
            CourseRevision(
                course_id=ids[key],
                kind=CourseRevision.Kind.CREATED,
                changed_by=actor,
                snapshot=_snapshot(v, CourseStatus.ACTIVE),
            )
            for key, v in zip(keys, rows, strict=True)
        ]
    )
    AuditLog.objects.bulk_create(
        [
            AuditLog(
                created_at=now,
                actor=actor,
                county_id=county_id,
                action="course.create",
                object_type="courses.course",
                object_id=str(ids[key]),
                after={**_snapshot(v, CourseStatus.ACTIVE), "import_job": job_id},
            )
            for key, v in zip(keys, rows, strict=True)
        ]
    )


def write_updates(updates: list, *, county_id: int, actor, job_id: int) -> None:
    now = timezone.now()
    revisions, entries = [], []
    for course_id, seen_at, before, changes in updates:
        done = Course.objects.filter(pk=course_id, updated_at=seen_at).update(
            **changes, updated_at=now
        )
        if done != 1:
            raise Conflict(
                _(
                    "A course of this file was changed by someone else while the import ran; import the file again."
                ),
                code="bad_state",
            )
        course = Course.objects.get(pk=course_id)
        snapshot = {
            "title": course.title,
            "category": course.category,
            "duration_minutes": course.duration_minutes,
            "audiences": course.audiences,
            "classrooms": course.classrooms,
            "status": course.status,
        }
        revisions.append(
            CourseRevision(
                course_id=course_id,
                kind=CourseRevision.Kind.REVISED,
                changed_by=actor,
                summary=_("Changed by an import"),
                snapshot=snapshot,
            )
        )
        entries.append(
            AuditLog(
                created_at=now,
                actor=actor,
                county_id=county_id,
                action="course.update",
                object_type="courses.course",
                object_id=str(course_id),
                before=before,
                after={**changes, "import_job": job_id},
            )
        )
    CourseRevision.objects.bulk_create(revisions)
    AuditLog.objects.bulk_create(entries)


def write(plan: Plan, *, job, actor, advance) -> None:
    for part in chunks(plan.creates, CHUNK):
        with transaction.atomic():
            write_creates(part, county_id=job.county_id, actor=actor, job_id=job.pk)
            advance(created=len(part))
    for part in chunks(plan.updates, CHUNK):
        with transaction.atomic():
            write_updates(part, county_id=job.county_id, actor=actor, job_id=job.pk)
            advance(updated=len(part))
