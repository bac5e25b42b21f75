"""One lecturer's management pages (/manage/lecturers/<id>/): the overview, the edit form,
honours and lifecycle moves, for county admins over the county's lecturers and town admins
over their town's town-level lecturers (backoffice.selectors.lecturer_managed_by)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

import access
from core.errors import Conflict, Forbidden
from core.pages import form_page
from courses.services import course_create
from lecturers import services
from lecturers.lifecycle import lecturer_status_change

from . import selectors
from .course_forms import CourseForm
from .forms import HonourGrantForm, LecturerEditForm, ReasonForm, StatusMoveForm


@login_required
def lecturer_manage(request, lecturer_id):
    lecturer = selectors.lecturer_managed_by(request.user, lecturer_id)
    context = {"lecturer": lecturer, **selectors.lecturer_management(request.user, lecturer)}
    return render(request, "backoffice/lecturers/manage.html", context)


@login_required
def lecturer_edit(request, lecturer_id):
    user = request.user
    lecturer = selectors.lecturer_managed_by(user, lecturer_id)
    is_county = access.may_set_county_terms(user, lecturer)
    form = LecturerEditForm(
        request.POST or None,
        request.FILES or None,
        lecturer=lecturer,
        orgs=access.orgs_visible_to(user),
        is_county=is_county,
    )
    context = {"lecturer": lecturer, "is_county": is_county}

    def save(data):
        changes, photo = form.changes(), data["photo"]
        if not changes and photo is None:
            messages.info(request, _("Nothing was changed."))
            return redirect("backoffice:lecturer_manage", lecturer.pk)
        try:
            services.lecturer_update(
                actor=user, lecturer=lecturer, changes=changes, version=data["version"], photo=photo
            )
        except Conflict as exc:
            # Keep what this person typed, show what the other change saved, and base the
            # next save on it: saving again is then a deliberate overwrite, never a silent one.
            current = selectors.lecturer_managed_by(user, lecturer.pk)
            context["edit_conflict"] = True
            context["saved_values"] = _differences(form, current)
            form.data = form.data.copy()
            form.data["version"] = current.version
            raise Conflict(
                _("Someone else changed this lecturer while you were editing."), code=exc.code
            ) from exc
        messages.success(request, _("The lecturer's résumé is saved."))
        return redirect("backoffice:lecturer_manage", lecturer.pk)

    return form_page(
        request,
        form,
        save,
        template="backoffice/lecturers/edit.html",
        context=context,
        field_map=form.field_map,
    )


def _differences(form: LecturerEditForm, current) -> list[tuple[str, str]]:
    """(label, value now saved) of each field where the saved lecturer differs from the form."""
    rows = []
    for name, field in form.fields.items():
        if name in ("version", "photo"):
            continue
        saved = current.org_id if name == "org" else getattr(current, name)
        if field.has_changed(saved, form.data.get(name)):
            shown = current.org.name if name == "org" and current.org else saved
            if name in ("gender", "source", "level") and saved:
                shown = getattr(current, f"get_{name}_display")()
            rows.append((str(field.label), "—" if shown in (None, "") else str(shown)))
    return rows


@login_required
def lecturer_honours(request, lecturer_id):
    user = request.user
    lecturer = selectors.lecturer_managed_by(user, lecturer_id)
    may_grant = access.may_set_county_terms(user, lecturer)
    if request.method == "POST" and not may_grant:
        raise Forbidden(_("Only the county grants honours."))
    form = HonourGrantForm(request.POST or None, initial={"year": timezone.localdate().year})

    def grant(data):
        honour = services.lecturer_honour_grant(actor=user, lecturer=lecturer, **data)
        messages.success(
            request,
            _("Granted: %(year)d %(title)s.")
            % {"year": honour.year, "title": honour.get_title_display()},
        )
        return redirect("backoffice:lecturer_honours", lecturer.pk)

    context = {
        "lecturer": lecturer,
        "honours": selectors.lecturer_honour_list(lecturer),
        "may_grant": may_grant,
    }
    return form_page(
        request, form, grant, template="backoffice/lecturers/honours.html", context=context
    )


@login_required
def lecturer_honour_withdraw(request, lecturer_id, honour_id):
    user = request.user
    lecturer = selectors.lecturer_managed_by(user, lecturer_id)
    honour = selectors.lecturer_honour_of(lecturer, honour_id)
    if not access.may_set_county_terms(user, lecturer):
        raise Forbidden(_("Only the county grants honours."))
    form = ReasonForm(request.POST or None)

    def withdraw(data):
        services.lecturer_honour_withdraw(actor=user, honour=honour, reason=data["reason"])
        messages.success(
            request,
            _("Withdrawn: %(year)d %(title)s.")
            % {"year": honour.year, "title": honour.get_title_display()},
        )
        return redirect("backoffice:lecturer_honours", lecturer.pk)

    context = {"lecturer": lecturer, "honour": honour}
    return form_page(
        request,
        form,
        withdraw,
        template="backoffice/lecturers/honour_withdraw.html",
        context=context,
    )


@login_required
def lecturer_status(request, lecturer_id):
    """The moves the lifecycle allows from the current status, with a reason. The lecturer's
    future bookings are listed before a move out of the catalogue and after it, until each is
    decided on its own page: a move never cancels them."""
    user = request.user
    lecturer = selectors.lecturer_managed_by(user, lecturer_id)
    facts = selectors.lecturer_moves(user, lecturer)
    form = StatusMoveForm(request.POST or None, moves=facts["moves"])

    def move(data):
        lecturer_status_change(
            actor=user, lecturer=lecturer, status=data["status"], reason=data["reason"]
        )
        messages.success(
            request,
            _("%(name)s is now “%(status)s”; the lecturer has been told.")
            % {"name": lecturer.name, "status": lecturer.get_status_display()},
        )
        return redirect("backoffice:lecturer_status", lecturer.pk)

    context = {"lecturer": lecturer, **facts}
    return form_page(
        request, form, move, template="backoffice/lecturers/status.html", context=context
    )


@login_required
def lecturer_course_new(request, lecturer_id):
    """The county adds a course to a lecturer's list: offered at once, with its first
    CourseRevision (a lecturer's own proposals wait for review instead: /my/courses/)."""
    user = request.user
    lecturer = selectors.lecturer_managed_by(user, lecturer_id)
    if not access.may_edit_courses_of(user, lecturer):
        raise Forbidden()
    form = CourseForm(request.POST or None, request.FILES or None)

    def add(data):
        course = course_create(
            actor=user, lecturer=lecturer, attachment=data["attachment"], **form.service_values()
        )
        messages.success(request, _("“%(title)s” is added and offered.") % {"title": course.title})
        return redirect("backoffice:lecturer_manage", lecturer.pk)

    return form_page(
        request,
        form,
        add,
        template="backoffice/lecturers/course_new.html",
        context={"lecturer": lecturer},
    )
