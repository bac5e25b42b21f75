import mimetypes

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import FileResponse, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from openpyxl import Workbook

import access
from core import qr, ratelimit
from core.errors import Forbidden, InvalidInput, NotFound, ServiceError
from core.forms import apply_service_error
from core.http import client_ip, ranged_file_response
from core.pages import filters_from, form_page, paged
from core.text import parse_id
from core.timeutil import local
from core.xlsx import append_row, wants_xlsx, xlsx_list_response, xlsx_response
from courses.models import Classroom
from lecturers.models import Lecturer, LecturerStatus
from orgs.models import Organisation, OrgLevel
from scheduling.selectors import booking_for_user

from . import cases, gaps, selectors, services, videos
from .export import MEETING_COLUMNS
from .forms import (
    AnswerForm,
    CaseFilterForm,
    FieldReportForm,
    GapAssignForm,
    GroupViewingForm,
    IssueForm,
    MeetingForm,
    ResolveForm,
    SurveyForm,
)
from .models import IssueStatus, Meeting, MeetingAttachment, MeetingKind, VideoStatus


def _answering_orgs(survey):
    return (
        Organisation.objects.filter(county_id=survey.county_id)
        .exclude(level=OrgLevel.COUNTY)
        .order_by("level", "name", "id")
    )


def _qr_org(survey, value):
    """The organisation a branch's QR code names (?org=), if it is one of the survey's county."""
    org_id = parse_id(value)
    return _answering_orgs(survey).filter(pk=org_id).first() if org_id else None


def survey_answer_page(request, survey_id):
    """The member's page (no login), opened from a link or QR code; Chinese whatever the phone's
    language, unless the member taps "English"."""
    english = request.GET.get("lang") == "en"
    with translation.override("en" if english else "zh-hans"):
        survey = selectors.public_survey(survey_id)
        org = _qr_org(survey, request.GET.get("org"))
        context = {"survey": survey, "english": english, "is_open": services.survey_is_open(survey)}
        form = AnswerForm(
            request.POST or None, survey=survey, orgs=_answering_orgs(survey), org=org
        )
        status = 200
        if request.method == "POST" and context["is_open"]:
            status = 422
            if form.is_valid():
                data = form.cleaned_data
                try:
                    answer, created = services.survey_answer(
                        survey_id=survey.pk, phone=data["phone"], org_id=data["org"],
                        group=data["group"], topics=data["topics"], categories=data["categories"],
                        classroom=data["classroom"], time_preference=data["time_preference"],
                        comment=data["comment"], client_ip=client_ip(request),
                    )  # fmt: skip
                except ServiceError as exc:
                    if not isinstance(exc, InvalidInput) and exc.status != 409:
                        raise
                    apply_service_error(form, exc, {"org_id": "org"})
                    status = exc.status
                else:
                    context.update(answer=answer, created=created)
                    status = 201 if created else 200
        return render(request, "classrooms/answer.html", {**context, "form": form}, status=status)


def survey_qr(request, survey_id):
    """The QR code of the survey's page, or of one branch's (?org=): it encodes the absolute URL."""
    survey = selectors.public_survey(survey_id)
    org = _qr_org(survey, request.GET.get("org"))
    url = settings.SITE_URL + reverse("classrooms:answer", args=[survey.pk])
    if org is not None:
        url += f"?org={org.pk}"
    return HttpResponse(qr.qr_svg(url, omitsize=True), content_type="image/svg+xml")


@login_required
def survey_list(request):
    if not access.scope_for(request.user).is_county_admin:
        return redirect("classrooms:wishes")
    surveys = selectors.surveys_visible_to(request.user).prefetch_related("topics")
    form = SurveyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                survey = services.survey_create(
                    actor=request.user, title=form.cleaned_data["title"],
                    topics=form.topic_list(), closes_at=form.cleaned_data["closes_at"],
                )  # fmt: skip
            except InvalidInput as exc:
                apply_service_error(form, exc)
            else:
                return redirect("classrooms:survey", survey.pk)
    return render(
        request, "classrooms/surveys.html", {"surveys": surveys, "form": form}, status=status
    )


@login_required
def survey_detail(request, survey_id):
    survey = selectors.survey_managed_by(request.user, survey_id)
    lecturers = Lecturer.objects.filter(
        county_id=survey.county_id, status=LecturerStatus.ACTIVE
    ).order_by("name")
    rows = gaps.survey_gaps(survey)
    form = GapAssignForm(request.POST or None, lecturers=lecturers)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            gap = next((g for g in rows if g.topic_id == form.cleaned_data["topic_id"]), None)
            if gap is None:
                raise NotFound()
            try:
                services.gap_assign(
                    actor=request.user, gap=gap, lecturer_id=form.cleaned_data["lecturer"],
                    note=form.cleaned_data["note"],
                )  # fmt: skip
            except InvalidInput as exc:
                apply_service_error(form, exc, {"lecturer_id": "lecturer"})
            else:
                return redirect("classrooms:survey", survey.pk)
    context = {
        "survey": survey,
        "figures": selectors.survey_figures(survey),
        "gaps": rows,
        "form": form,
        "orgs": _answering_orgs(survey),
        "answer_url": reverse("classrooms:answer", args=[survey.pk]),
    }
    return render(request, "classrooms/survey.html", context, status=status)


@login_required
def wishes(request):
    """For branches and towns: what their own members asked for, and the courses that answer it."""
    surveys = selectors.surveys_visible_to(request.user)[:5]
    sections = [(s, selectors.own_wishes(request.user, s)) for s in surveys]
    return render(request, "classrooms/wishes.html", {"sections": sections})


@login_required
def issues(request):
    """Open meeting issues: the county sees its own, an owner those they own; overdue first."""
    rows = selectors.issues_visible_to(request.user).filter(status="open")
    overdue = selectors.overdue_issues(request.user)
    return render(
        request,
        "classrooms/issues.html",
        {
            "overdue": overdue,
            "open": rows.exclude(pk__in=overdue.values("pk")),
            "is_county_admin": access.scope_for(request.user).is_county_admin,
        },
    )


# --- Bench classroom: field reports and the case list (G7c) ----------------------------------

CASES_PAGE_SIZE = 20


@login_required
def field_report_new(request, booking_id):
    booking = booking_for_user(request.user, booking_id)
    if not cases.may_file_report(request.user, booking):
        raise Forbidden(
            _("A field report is filed by the lecturer after a bench-classroom session.")
        )
    form = FieldReportForm(request.POST or None, request.FILES or None)

    def act(data):
        cases.field_report_create(actor=request.user, booking=booking, **data)
        messages.success(request, _("Thank you: the field report is filed."))
        return redirect("booking_detail", booking.pk)

    return form_page(
        request, form, act, template="classrooms/field_report_form.html",
        context={"booking": booking},
    )  # fmt: skip


@login_required
def case_list(request):
    towns = access.towns_in_county(request.user)
    filter_form = CaseFilterForm(request.GET or None, towns=towns)
    rows = cases.case_list(request.user, **filters_from(filter_form))
    if request.GET.get("format") == "xlsx":
        return _cases_workbook(rows)
    context = {**paged(request, rows, CASES_PAGE_SIZE), "filter_form": filter_form}
    return render(request, "classrooms/cases.html", context)


def _cases_workbook(rows):
    book = Workbook()
    sheet = book.active
    append_row(sheet, [_("Date"), _("Organisation"), _("Town"), _("Lecturer"), _("Course"),
                       _("Place"), _("Members present"), _("What was taught and how it went"),
                       _("What the members said"), _("Photos")])  # fmt: skip
    for r in rows:
        org = r.booking.org
        town = org.parent.name if org.parent and org.parent.level == OrgLevel.TOWN else ""
        append_row(sheet, [local(r.booking.start_at).strftime("%Y-%m-%d"), org.name, town,
                           r.lecturer.name, r.booking.course.title,
                           r.booking.get_place_type_display(), r.attendees, r.summary,
                           r.feedback, r.photo_count])  # fmt: skip
    return xlsx_response(book, filename="板凳课堂案例.xlsx", fallback="cases.xlsx")


@login_required
def field_photo(request, photo_id):
    """A field report's photo, to those who may see the report (never from /media/)."""
    photo = cases.photo_for_user(request.user, photo_id)
    try:
        handle = photo.image.open("rb")
    except OSError:
        raise NotFound() from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


def booking_page_part(sender, *, user, booking, **kwargs) -> dict:
    """What the booking page shows of the bench classroom: the field report and its photos, or
    the lecturer's way to file it (connected to scheduling's `booking_page`)."""
    if booking.classroom != Classroom.BENCH:
        return {}
    report = cases.field_report_of(user, booking)
    may_file = report is None and cases.may_file_report(user, booking)
    if report is None and not may_file:
        return {}
    return {"field_report": {"report": report, "may_file": may_file}}


def course_page_part(sender, *, user, course, **kwargs) -> dict:
    """What the course page shows of the cloud classroom: its ready video lessons, each opening
    the lesson's page (where a branch also logs a group viewing); connected to courses'
    `course_page`."""
    lessons = [
        lesson for lesson in videos.videos_of(user, course) if lesson.status == VideoStatus.READY
    ]
    return {"video_lessons": lessons} if lessons else {}


# --- Coordination: meetings and their issues (G8a) ------------------------------------------

MEETINGS_PAGE_SIZE = 20


def _require_county_admin(user) -> None:
    if not access.scope_for(user).is_county_admin:
        raise NotFound()


@login_required
def meeting_list(request):
    """The county's meetings, of one kind if asked (?kind=); `?format=xlsx` the same as a
    workbook."""
    _require_county_admin(request.user)
    kind = request.GET.get("kind", "")
    if kind not in MeetingKind.values:
        kind = ""
    rows = (
        selectors.meetings_visible_to(request.user)
        .annotate(
            open_issues=Count("issues", filter=Q(issues__status=IssueStatus.OPEN)),
            issue_count=Count("issues"),
        )
        .order_by("-held_at", "-id")
    )
    if kind:
        rows = rows.filter(kind=kind)
    if wants_xlsx(request):
        return xlsx_list_response(rows, MEETING_COLUMNS, title=_("Meetings"), name="meetings")
    context = {
        **paged(request, rows, MEETINGS_PAGE_SIZE),
        "kind": kind,
        "kinds": MeetingKind.choices,
    }
    return render(request, "classrooms/meetings.html", context)


def _meeting_values(meeting: Meeting) -> dict:
    return {
        "kind": meeting.kind, "title": meeting.title, "held_at": local(meeting.held_at),
        "place": meeting.place, "agenda": meeting.agenda, "attendees": meeting.attendees,
        "minutes": meeting.minutes,
    }  # fmt: skip


@login_required
def meeting_new(request):
    _require_county_admin(request.user)
    form = MeetingForm(request.POST or None, request.FILES or None)

    def act(data):
        meeting = services.meeting_create(actor=request.user, **data)
        return redirect("classrooms:meeting", meeting.pk)

    return form_page(request, form, act, template="classrooms/meeting_form.html")


@login_required
def meeting_edit(request, meeting_id):
    meeting = selectors.meeting_for_user(request.user, meeting_id)
    form = MeetingForm(
        request.POST or None, request.FILES or None, initial=_meeting_values(meeting)
    )

    def act(data):
        services.meeting_update(actor=request.user, meeting=meeting, **data)
        return redirect("classrooms:meeting", meeting.pk)

    return form_page(
        request, form, act, template="classrooms/meeting_form.html", context={"meeting": meeting}
    )


@login_required
def meeting_detail(request, meeting_id):
    """The meeting, its attachments and issues; the county raises an issue here."""
    meeting = selectors.meeting_for_user(request.user, meeting_id)
    form = IssueForm(request.POST or None, owners=selectors.issue_owner_choices(request.user))

    def act(data):
        services.meeting_issue_raise(
            actor=request.user, meeting=meeting, title=data["title"], owner_id=data["owner"],
            due_on=data["due_on"],
        )  # fmt: skip
        messages.success(request, _("The issue is on the list; its owner will be reminded."))
        return redirect("classrooms:meeting", meeting.pk)

    context = {
        "meeting": meeting,
        "issues": meeting.issues.select_related("owner").order_by("status", "due_on", "id"),
        "attachments": meeting.attachments.all(),
    }
    return form_page(
        request, form, act, template="classrooms/meeting.html", context=context,
        field_map={"owner_id": "owner"},
    )  # fmt: skip


@login_required
def meeting_attachment(request, attachment_id):
    attachment = MeetingAttachment.objects.filter(
        pk=attachment_id, meeting__in=selectors.meetings_visible_to(request.user)
    ).first()
    if attachment is None:
        raise NotFound()
    try:
        handle = attachment.file.open("rb")
    except OSError:
        raise NotFound() from None
    content_type = mimetypes.guess_type(attachment.name)[0] or "application/octet-stream"
    response = FileResponse(
        handle, content_type=content_type, as_attachment=True, filename=attachment.name
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def issue_resolve(request, issue_id):
    """The owner, or a county admin, closes an open issue with what was done."""
    issue = selectors.issue_for_user(request.user, issue_id)
    form = ResolveForm(request.POST or None)

    def act(data):
        services.meeting_issue_resolve(
            actor=request.user, issue=issue, resolution=data["resolution"]
        )
        messages.success(request, _("The issue is resolved."))
        return redirect("classrooms:issues")

    return form_page(
        request, form, act, template="classrooms/issue_resolve.html", context={"issue": issue}
    )


# --- Cloud classroom: the watch page, the video with seeking, the beacon (G7b) ---------------

BEACONS_PER_MINUTE = 120


def lesson_watch(request, lesson_id):
    """The lesson's page (no login: members open it from a branch's link, ?org=). A branch's
    secretary sees here the way to log a group viewing, and the viewings logged."""
    lesson = videos.ready_lesson(lesson_id)
    org = parse_id(request.GET.get("org"))
    context = {"lesson": lesson, "org": org or ""}
    if videos.group_viewing_orgs(request.user, lesson):
        context["may_log_viewing"] = True
        context["viewings"] = videos.group_viewings_of(request.user, lesson)[:20]
    return render(request, "classrooms/lesson.html", context)


@login_required
def group_viewing_new(request, lesson_id):
    """A branch logs that its members watched the lesson together: a session of the lecturer,
    with the QR code the members rate it by."""
    lesson = videos.ready_lesson(lesson_id)
    orgs = videos.group_viewing_orgs(request.user, lesson)
    if not orgs:
        raise Forbidden(_("Only the branch, or an administrator above it, logs its viewings."))
    form = GroupViewingForm(request.POST or None, orgs=orgs)

    def act(data):
        viewing = videos.group_viewing_log(
            actor=request.user, lesson=lesson, org_id=data["org"], held_at=data["held_at"],
            attendees=data["attendees"], group=data["group"],
        )  # fmt: skip
        messages.success(
            request,
            _("The viewing is a session of the lecturer now: print its QR code for the members "
              "to rate it."),
        )  # fmt: skip
        return redirect("booking_detail", viewing.booking_id)

    return form_page(
        request, form, act, template="classrooms/group_viewing_form.html",
        context={"lesson": lesson},
    )  # fmt: skip


def lesson_file(request, lesson_id):
    """The video, in part when the player asks for a range (seeking): 206 with Content-Range."""
    lesson = videos.ready_lesson(lesson_id)
    if not lesson.file:
        raise NotFound()
    try:
        path = lesson.file.path
        response = ranged_file_response(request, path, videos.CONTENT_TYPES[lesson.container])
    except OSError:
        raise NotFound() from None
    response["Cache-Control"] = "private, max-age=3600"
    return response


def lesson_poster(request, lesson_id):
    lesson = videos.ready_lesson(lesson_id)
    if not lesson.poster:
        raise NotFound()
    try:
        handle = lesson.poster.open("rb")
    except OSError:
        raise NotFound() from None
    return FileResponse(handle, content_type="image/jpeg")


@csrf_exempt  # no login and nothing but a count: the page's beacon (navigator.sendBeacon)
@require_POST
def lesson_beacon(request, lesson_id):
    lesson = videos.ready_lesson(lesson_id)
    ratelimit.hit((f"lesson-beacon:{client_ip(request)}", BEACONS_PER_MINUTE))
    try:
        view = videos.view_record(
            lesson=lesson, view_id=request.POST.get("view"),
            seconds=request.POST.get("seconds", 0), org_id=request.POST.get("org"),
        )  # fmt: skip
    except InvalidInput as exc:
        return JsonResponse({"detail": str(exc.message), "fields": exc.fields}, status=422)
    return JsonResponse({"view": view.pk, "seconds": view.seconds})
