from django.db import transaction
from django.utils.translation import gettext as _

import access
from core.audit import audit
from core.errors import FieldErrors, Forbidden
from core.text import clean_choice_list, clean_text

from .models import Audience, Category, Classroom, Course, CourseRevision, CourseStatus


def _snapshot(course: Course) -> dict:
    return {
        "title": course.title,
        "category": course.category,
        "duration_minutes": course.duration_minutes,
        "audiences": course.audiences,
        "classrooms": course.classrooms,
        "status": course.status,
    }


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
    status: str = CourseStatus.ACTIVE,
) -> Course:
    """Add a course to a lecturer's list; county admins and the lecturer themself may."""
    if not access.may_edit_courses_of(actor, lecturer):
        raise Forbidden()
    errors = FieldErrors()
    title = errors.check(clean_text, title, field="title", max_length=100)
    objectives = errors.check(
        clean_text, objectives, field="objectives", max_length=2000, required=False, multiline=True
    )
    outline = errors.check(
        clean_text, outline, field="outline", max_length=5000, required=False, multiline=True
    )
    structure = errors.check(
        clean_text, structure, field="structure", max_length=2000, required=False, multiline=True
    )
    audiences = errors.check(
        clean_choice_list, audiences, field="audiences", allowed=Audience.values
    )
    classrooms = errors.check(
        clean_choice_list, classrooms, field="classrooms", allowed=Classroom.values
    )
    if category not in Category.values:
        errors.add("category", _("Unknown category."))
    if status not in CourseStatus.values:
        errors.add("status", _("Unknown status."))
    if not isinstance(duration_minutes, int) or not (10 <= duration_minutes <= 480):
        errors.add("duration_minutes", _("Enter a duration between 10 and 480 minutes."))
    errors.raise_if_any()

    with transaction.atomic():
        if Course.objects.filter(lecturer=lecturer, title=title).exists():
            errors.add("title", _("This lecturer already has a course with this title."))
            errors.raise_if_any()
        course = Course.objects.create(
            county_id=lecturer.county_id,
            lecturer=lecturer,
            title=title,
            category=category,
            objectives=objectives,
            outline=outline,
            structure=structure,
            duration_minutes=duration_minutes,
            audiences=audiences,
            classrooms=classrooms,
            status=status,
        )
        CourseRevision.objects.create(
            course=course,
            kind=CourseRevision.Kind.CREATED,
            changed_by=actor,
            snapshot=_snapshot(course),
        )
        audit(
            actor=actor,
            action="course.create",
            obj=course,
            county_id=lecturer.county_id,
            after=_snapshot(course),
        )
    return course
