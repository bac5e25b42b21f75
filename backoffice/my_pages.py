"""The lecturer's own pages (/my/), made for the phone: the résumé fields a lecturer edits
(lecturers.services.OWN_FIELDS), the own courses with their review state and the forms to
propose a course or a new version, and the record: sessions, ratings, honours and status
history, read through the selectors of scheduling and evaluation. A lecturer in any status
sees them; the services refuse proposals of a cold-stored or removed lecturer."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

import access
from core.errors import Forbidden
from core.pages import form_page
from courses import selectors as course_selectors
from courses.models import CourseStatus
from courses.services import course_create, course_update
from development.pool_selectors import lecturer_hours_by_year, lecturer_recent_attendances
from evaluation.reports import comments_of
from evaluation.services import RATEABLE
from lecturers import selectors as lecturer_selectors
from lecturers.models import LecturerStatus
from lecturers.services import lecturer_update
from scheduling.models import BookingStatus
from scheduling.selectors import booking_list_for_user

from .course_forms import CourseForm, OwnProfileForm

RECORD_ROWS = 20
PROPOSALS_CLOSED = (LecturerStatus.COLD_STORE, LecturerStatus.REMOVED)


def _own_lecturer(user):
    """The caller's own lecturer profile in any status; these pages are for lecturers only."""
    lecturer_id = access.scope_for(user).lecturer_id
    if lecturer_id is None:
        raise Forbidden(_("These pages are for lecturers."))
    return lecturer_selectors.lecturer_for_user(user, lecturer_id)


def _base_context(lecturer, tab: str) -> dict:
    return {
        "lecturer": lecturer,
        "tab": tab,
        "may_propose": lecturer.status not in PROPOSALS_CLOSED,
    }


@login_required
def profile(request):
    user = request.user
    lecturer = _own_lecturer(user)
    initial = {
        "specialties": lecturer.specialties,
        "teaching_style": lecturer.teaching_style,
        "bio": lecturer.bio,
        "version": lecturer.version,
    }
    form = OwnProfileForm(request.POST or None, initial=initial)

    def save(data):
        changes = {
            name: data[name] for name in ("specialties", "teaching_style", "bio")
            if name in form.changed_data
        }  # fmt: skip
        if changes:
            lecturer_update(actor=user, lecturer=lecturer, changes=changes, version=data["version"])
            messages.success(request, _("Your résumé has been saved."))
        return redirect("my:profile")

    context = {
        **_base_context(lecturer, "profile"),
        "phone": lecturer_selectors.lecturer_phone_for(user, lecturer),
    }
    return form_page(request, form, save, template="backoffice/my/profile.html", context=context)


@login_required
def courses(request):
    user = request.user
    lecturer = _own_lecturer(user)
    context = {
        **_base_context(lecturer, "courses"),
        "courses": course_selectors.own_courses(user, lecturer),
    }
    return render(request, "backoffice/my/courses.html", context)


@login_required
def course_new(request):
    user = request.user
    lecturer = _own_lecturer(user)
    form = CourseForm(request.POST or None, request.FILES or None)

    def propose(data):
        course_create(
            actor=user, lecturer=lecturer, attachment=data["attachment"], **form.service_values()
        )
        messages.success(request, _("Proposed; the county will review it."))
        return redirect("my:courses")

    context = {**_base_context(lecturer, "courses"), "course": None}
    return form_page(
        request, form, propose, template="backoffice/my/course_form.html", context=context
    )


def _version_initial(course) -> dict:
    """What the form starts from: the offered course with the proposed change on top."""
    values = {
        name: getattr(course, name)
        for name in ("title", "category", "outline", "objectives", "audiences", "duration_minutes")
    }
    if course.change_status:
        values.update({k: v for k, v in course.pending_change.items() if k in values})
    return values


@login_required
def course_change(request, course_id):
    user = request.user
    lecturer = _own_lecturer(user)
    course = access.get_visible(course_selectors.own_courses(user, lecturer), course_id)
    if course.status == CourseStatus.RETIRED:
        return redirect("my:courses")
    form = CourseForm(request.POST or None, request.FILES or None, initial=_version_initial(course))

    def propose(data):
        course_update(
            actor=user, course=course, changes=form.service_values(), attachment=data["attachment"]
        )
        messages.success(request, _("Proposed; the county will review it."))
        return redirect("my:courses")

    context = {**_base_context(lecturer, "courses"), "course": course}
    return form_page(
        request, form, propose, template="backoffice/my/course_form.html", context=context
    )


@login_required
def record(request):
    user = request.user
    lecturer = _own_lecturer(user)
    now = timezone.now()
    sessions = booking_list_for_user(user, side="lecturer")
    upcoming = sessions.filter(
        status__in=(BookingStatus.REQUESTED, BookingStatus.CONFIRMED), end_at__gt=now
    ).order_by("start_at", "id")
    # Held: the sessions that have started, as the quality roll-ups count them (evaluation).
    held = sessions.filter(status__in=RATEABLE, start_at__lte=now)
    context = {
        **_base_context(lecturer, "record"),
        "upcoming": upcoming[:RECORD_ROWS],
        "upcoming_count": upcoming.count(),
        "held": held[:RECORD_ROWS],
        "held_count": held.count(),
        "comments": comments_of(lecturer),
        "honours": lecturer.honours.all(),
        "status_history": lecturer_selectors.lecturer_status_history(user, lecturer),
        # The improvement programme's training hours (development), composed here.
        "training_hours": lecturer_hours_by_year(lecturer),
        "training_recent": lecturer_recent_attendances(lecturer),
    }
    return render(request, "backoffice/my/record.html", context)
