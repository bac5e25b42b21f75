from contextlib import contextmanager
from pathlib import PurePosixPath

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit
from core.errors import Conflict, FieldErrors, Forbidden, InvalidInput
from core.storage import private_storage
from core.text import clean_choice_list, clean_text
from lecturers.models import Lecturer, LecturerStatus
from orgs import rules as access_rules

from .courseware import check_courseware
from .models import (
    Audience,
    Category,
    Classroom,
    Course,
    CourseRevision,
    CourseStatus,
    courseware_name,
)
from .signals import course_reviewed, course_submitted


def _snapshot(course: Course) -> dict:
    return {
        "title": course.title,
        "category": course.category,
        "duration_minutes": course.duration_minutes,
        "audiences": course.audiences,
        "classrooms": course.classrooms,
        "status": course.status,
        "attachment": course.attachment_name,
    }


def _require_may_propose(actor, lecturer: Lecturer) -> None:
    """A cold-stored or removed lecturer proposes no course and no new version (the county
    still may change their courses). Read fresh: a move may have happened since the page."""
    if access_rules.may_manage_catalogue(actor):
        return
    status = Lecturer.objects.filter(pk=lecturer.pk).values_list("status", flat=True).first()
    if status in (LecturerStatus.COLD_STORE, LecturerStatus.REMOVED):
        raise Conflict(
            _(
                "You are “%(status)s” at present, so you cannot propose courses or new versions. "
                "Ask the county organisation department if you think this is wrong."
            )
            % {"status": LecturerStatus(status).label},
            code="lecturer_unavailable",
        )


def _display_name(upload, suffix: str) -> str:
    """The uploader's file name, fit to show and to offer as the download's name."""
    stem = PurePosixPath((upload.name or "").replace("\\", "/")).stem
    stem = "".join(ch for ch in stem if ch.isprintable()).strip() or _("courseware")
    return stem[: 200 - len(suffix)] + suffix


@contextmanager
def _stored_courseware(county_id: int, upload, suffix: str | None):
    """Store a checked upload before the transaction that refers to it (None: no upload);
    yields (stored name, display name). If the transaction fails, the file goes too."""
    if upload is None:
        yield "", ""
        return
    storage = private_storage()
    stored = storage.save(courseware_name(county_id, suffix), upload)
    try:
        yield stored, _display_name(upload, suffix)
    except BaseException:
        storage.delete(stored)
        raise


def _delete_after_commit(*names: str) -> None:
    """Files a committed change no longer refers to."""
    for name in names:
        if name:
            transaction.on_commit(lambda name=name: private_storage().delete(name))


def _changed_summary(template: str, fields) -> str:
    return (template % {"fields": ", ".join(sorted(fields))})[:200]


TEXT_FIELDS = {
    "title": (100, False, True),
    "objectives": (2000, True, False),
    "outline": (5000, True, False),
    "structure": (2000, True, False),
}
EDITABLE = frozenset({*TEXT_FIELDS, "category", "duration_minutes", "audiences", "classrooms"})


def _clean_fields(values: dict, errors: FieldErrors) -> dict:
    """The course's own fields, each checked and named in `errors` when wrong."""
    clean = {}
    for field, value in values.items():
        if field in TEXT_FIELDS:
            max_length, multiline, required = TEXT_FIELDS[field]
            cleaned = errors.check(
                clean_text, value, field=field, max_length=max_length,
                required=required, multiline=multiline,
            )  # fmt: skip
        elif field == "audiences":
            cleaned = errors.check(clean_choice_list, value, field=field, allowed=Audience.values)
        elif field == "classrooms":
            cleaned = errors.check(clean_choice_list, value, field=field, allowed=Classroom.values)
        elif field == "category":
            cleaned = value if value in Category.values else None
            if cleaned is None:
                errors.add("category", _("Unknown category."))
        elif field == "duration_minutes":
            cleaned = value
            if isinstance(value, bool) or not isinstance(value, int) or not 10 <= value <= 480:
                errors.add("duration_minutes", _("Enter a duration between 10 and 480 minutes."))
                cleaned = None
        else:
            errors.add(field, _("Unknown field."))
            continue
        if cleaned is not None:
            clean[field] = cleaned
    return clean


def course_create(
    *,
    actor,
    lecturer,
    title: str,
    category: str,
    objectives: str = "",
    outline: str = "",
    structure: str = "",
    duration_minutes: int = 90,
    audiences: list[str] | None = None,
    classrooms: list[str] | None = None,
    status: str | None = None,
    attachment=None,
) -> Course:
    """Add a course to a lecturer's list, with its courseware (`attachment`, an upload) if
    given. A county admin's course is offered at once (or in the status given); the
    lecturer's own starts `proposed` and waits for the county's approval (course_approve),
    which writes its first CourseRevision."""
    if not access_rules.may_edit_courses_of(actor, lecturer):
        raise Forbidden()
    _require_may_propose(actor, lecturer)
    by_county = access_rules.may_manage_catalogue(actor)
    errors = FieldErrors()
    fields = _clean_fields(
        {
            "title": title, "category": category, "objectives": objectives, "outline": outline,
            "structure": structure, "duration_minutes": duration_minutes,
            "audiences": audiences, "classrooms": classrooms,
        },
        errors,
    )  # fmt: skip
    if not by_county:
        status = CourseStatus.PROPOSED
    elif status is None:
        status = CourseStatus.ACTIVE
    elif status not in CourseStatus.values:
        errors.add("status", _("Unknown status."))
    suffix = errors.check(check_courseware, attachment) if attachment is not None else None
    errors.raise_if_any()

    with (
        _stored_courseware(lecturer.county_id, attachment, suffix) as (stored, name),
        transaction.atomic(),
    ):
        if Course.objects.filter(lecturer=lecturer, title=fields["title"]).exists():
            errors.add("title", _("This lecturer already has a course with this title."))
            errors.raise_if_any()
        course = Course.objects.create(
            county_id=lecturer.county_id, lecturer=lecturer, status=status, **fields,
            attachment=stored, attachment_name=name,
        )  # fmt: skip
        if status != CourseStatus.PROPOSED:
            CourseRevision.objects.create(
                course=course,
                kind=CourseRevision.Kind.CREATED,
                changed_by=actor,
                snapshot=_snapshot(course),
            )
        audit(
            actor=actor,
            action="course.propose" if status == CourseStatus.PROPOSED else "course.create",
            obj=course,
            county_id=lecturer.county_id,
            after=_snapshot(course),
        )
        if status == CourseStatus.PROPOSED:
            course_submitted.send(Course, course=course, actor=actor, is_change=False)
    return course


def _require_reviewer(actor, course: Course) -> None:
    if not access_rules.may_review_courses(actor, course):
        raise Forbidden(_("Only the county approves courses."))


def _nothing_to_review() -> Conflict:
    return Conflict(_("Nothing of this course awaits approval."), code="bad_state")


def course_approve(*, actor, course: Course) -> Course:
    """A proposed course becomes offered (its first revision, `created`); a proposed change of
    an offered course is applied (a `revised` revision). Compare-and-set: of two admins
    approving at once one wins, the other gets 409 `bad_state`."""
    _require_reviewer(actor, course)
    now = timezone.now()
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=course.pk)
        if course.status == CourseStatus.PROPOSED:
            won = Course.objects.filter(pk=course.pk, status=CourseStatus.PROPOSED).update(
                status=CourseStatus.ACTIVE, review_note="", updated_at=now
            )
            kind, is_change, summary = CourseRevision.Kind.CREATED, False, _("Approved")
        elif course.change_status == CourseStatus.PROPOSED:
            change = {k: v for k, v in course.pending_change.items() if k in EDITABLE}
            replaced = ""
            if course.pending_attachment:
                replaced = course.attachment.name
                change.update(
                    attachment=course.pending_attachment.name,
                    attachment_name=course.pending_attachment_name,
                    pending_attachment="",
                    pending_attachment_name="",
                )
            title = change.get("title", course.title)
            if (
                Course.objects.filter(lecturer_id=course.lecturer_id, title=title)
                .exclude(pk=course.pk)
                .exists()
            ):
                raise Conflict(
                    _("The lecturer already has another course with this title."),
                    code="title_taken",
                )
            won = Course.objects.filter(pk=course.pk, change_status=CourseStatus.PROPOSED).update(
                **change, pending_change={}, change_status="", review_note="", updated_at=now
            )
            kind, is_change = CourseRevision.Kind.REVISED, True
            fields = [k for k in change if k in EDITABLE or k == "attachment"]
            summary = _changed_summary(_("Approved change: %(fields)s"), fields)
            _delete_after_commit(replaced)
        else:
            raise _nothing_to_review()
        if won != 1:
            raise _nothing_to_review()
        course.refresh_from_db()
        CourseRevision.objects.create(
            course=course, kind=kind, changed_by=actor, summary=summary,
            snapshot=_snapshot(course),
        )  # fmt: skip
        audit(actor=actor, action="course.approve", obj=course, county_id=course.county_id,
              after={**_snapshot(course), "change": is_change})  # fmt: skip
        course_reviewed.send(
            sender=Course, course=course, actor=actor, approved=True, reason="", is_change=is_change
        )
    return course


def course_return(*, actor, course: Course, reason: str) -> Course:
    """Send a proposed course or change back to the lecturer with a reason; they change it
    and propose it again (course_update). An offered course stays offered meanwhile."""
    _require_reviewer(actor, course)
    reason = clean_text(reason, field="reason", max_length=300)
    now = timezone.now()
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=course.pk)
        if course.status == CourseStatus.PROPOSED:
            won = Course.objects.filter(pk=course.pk, status=CourseStatus.PROPOSED).update(
                status=CourseStatus.RETURNED, review_note=reason, updated_at=now
            )
            is_change = False
        elif course.change_status == CourseStatus.PROPOSED:
            won = Course.objects.filter(pk=course.pk, change_status=CourseStatus.PROPOSED).update(
                change_status=CourseStatus.RETURNED, review_note=reason, updated_at=now
            )
            is_change = True
        else:
            raise _nothing_to_review()
        if won != 1:
            raise _nothing_to_review()
        course.refresh_from_db()
        audit(actor=actor, action="course.return", obj=course, county_id=course.county_id,
              after={"reason": reason, "change": is_change})  # fmt: skip
        course_reviewed.send(
            sender=Course, course=course, actor=actor, approved=False, reason=reason,
            is_change=is_change,
        )  # fmt: skip
    return course


def course_update(*, actor, course: Course, changes: dict, attachment=None) -> Course:
    """Change a course and/or its courseware (`attachment`, an upload). The county's change
    applies at once (a `revised` revision when the course is offered). The lecturer's change
    of a proposed or returned course edits it and proposes it again; of an offered course it
    is kept as a proposed change (a new file waits as `pending_attachment`) that the county
    approves or returns, while the offered version stays bookable."""
    if not access_rules.may_edit_courses_of(actor, course.lecturer):
        raise Forbidden()
    _require_may_propose(actor, course.lecturer)
    errors = FieldErrors()
    clean = _clean_fields(changes, errors)
    suffix = errors.check(check_courseware, attachment) if attachment is not None else None
    errors.raise_if_any()
    if not clean and attachment is None:
        raise InvalidInput(_("Send at least one field to change."), code="nothing_to_change")
    by_county = access_rules.may_manage_catalogue(actor)
    now = timezone.now()
    with (
        _stored_courseware(course.county_id, attachment, suffix) as (stored, name),
        transaction.atomic(),
    ):
        course = Course.objects.select_for_update().get(pk=course.pk)
        if course.status == CourseStatus.RETIRED:
            raise Conflict(_("A retired course cannot be changed."), code="bad_state")
        if (
            "title" in clean
            and Course.objects.filter(lecturer_id=course.lecturer_id, title=clean["title"])
            .exclude(pk=course.pk)
            .exists()
        ):
            raise InvalidInput.field(
                "title", _("This lecturer already has a course with this title.")
            )
        before = _snapshot(course)
        changed = sorted(clean) + (["attachment"] if stored else [])
        if by_county or course.status in (CourseStatus.PROPOSED, CourseStatus.RETURNED):
            extra = {}
            if not by_county:
                extra = {"status": CourseStatus.PROPOSED, "review_note": ""}
            if stored:
                extra.update(attachment=stored, attachment_name=name)
                _delete_after_commit(course.attachment.name)
            Course.objects.filter(pk=course.pk).update(**clean, **extra, updated_at=now)
            course.refresh_from_db()
            if course.status == CourseStatus.ACTIVE:
                CourseRevision.objects.create(
                    course=course, kind=CourseRevision.Kind.REVISED, changed_by=actor,
                    summary=_changed_summary(_("Changed: %(fields)s"), changed),
                    snapshot=_snapshot(course),
                )  # fmt: skip
            action = "course.update"
        else:
            pending = course.pending_change if course.change_status else {}
            extra = {}
            if stored:
                extra = {"pending_attachment": stored, "pending_attachment_name": name}
                _delete_after_commit(course.pending_attachment.name)
            Course.objects.filter(pk=course.pk).update(
                pending_change={**pending, **clean}, change_status=CourseStatus.PROPOSED,
                review_note="", updated_at=now, **extra,
            )  # fmt: skip
            course.refresh_from_db()
            action = "course.propose_change"
        after = {**_snapshot(course), "change": clean}
        if stored:
            after["new_attachment"] = name
        audit(actor=actor, action=action, obj=course, county_id=course.county_id,
              before=before, after=after)  # fmt: skip
        if not by_county:
            is_change = action == "course.propose_change"
            course_submitted.send(Course, course=course, actor=actor, is_change=is_change)
    return course
