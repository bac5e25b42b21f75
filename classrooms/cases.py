"""Bench classroom (板凳课堂, G7c): after an outreach session the lecturer files a short field
report with photos; the reports make the county's case list. Writes and reads, scoped to the
caller through the access module."""

from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

import access
from core.audit import audit
from core.errors import Conflict, FieldErrors, Forbidden, NotFound
from core.images import clean_photo
from core.text import clean_text
from core.timeutil import aware
from courses.models import Classroom
from scheduling.models import Booking, BookingStatus
from scheduling.services import MAX_ATTENDEES

from .models import FieldPhoto, FieldReport

MAX_PHOTOS = 6
# A field report's photos: what a phone takes, kept large enough to show the place.
MAX_PHOTO_BYTES = 15 * 1024 * 1024
PHOTO_LONG_SIDE = 1600
REPORTABLE = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED)


def may_file_report(user, booking: Booking) -> bool:
    """The session's lecturer, once a bench-classroom session has begun and is not cancelled."""
    return (
        access.is_booking_lecturer(user, booking)
        and booking.classroom == Classroom.BENCH
        and booking.status in REPORTABLE
        and booking.start_at <= timezone.now()
    )


def field_report_create(
    *, actor, booking: Booking, attendees, summary: str, feedback: str = "", photos=()
) -> FieldReport:
    if not access.is_booking_lecturer(actor, booking):
        raise Forbidden(_("Only the session's lecturer files its field report."))
    if not may_file_report(actor, booking):
        raise Conflict(
            _("A field report is filed for a bench-classroom session once it has taken place."),
            code="bad_state",
        )
    if FieldReport.objects.filter(booking=booking).exists():
        raise Conflict(_("The field report of this session is filed already."), code="filed")
    errors = FieldErrors()
    summary = errors.check(clean_text, summary, field="summary", max_length=2000, multiline=True)
    feedback = errors.check(
        clean_text, feedback, field="feedback", max_length=2000, required=False, multiline=True
    )
    if (
        isinstance(attendees, bool)
        or not isinstance(attendees, int)
        or not 1 <= attendees <= MAX_ATTENDEES
    ):
        errors.add("attendees", _("Enter between 1 and %(n)d members.") % {"n": MAX_ATTENDEES})
    photos = list(photos)
    if len(photos) > MAX_PHOTOS:
        errors.add("photos", _("At most %(n)d photos.") % {"n": MAX_PHOTOS})
        photos = []
    cleaned = [
        errors.check(
            clean_photo, photo, field="photos", max_bytes=MAX_PHOTO_BYTES, side=PHOTO_LONG_SIDE
        )
        for photo in photos
    ]
    errors.raise_if_any()
    try:
        with transaction.atomic():
            report = FieldReport.objects.create(
                booking=booking, county_id=booking.county_id, lecturer_id=booking.lecturer_id,
                attendees=attendees, summary=summary, feedback=feedback,
            )  # fmt: skip
            for content in cleaned:
                FieldPhoto.objects.create(report=report, image=content)
            audit(actor=actor, action="field_report.create", obj=report,
                  county_id=booking.county_id,
                  after={"booking": booking.pk, "photos": len(cleaned)})  # fmt: skip
    except IntegrityError:  # the same session, a moment earlier
        raise Conflict(
            _("The field report of this session is filed already."), code="filed"
        ) from None
    return report


# --- reads ------------------------------------------------------------------------------------


def field_reports_visible_to(user) -> QuerySet[FieldReport]:
    """The county's admins see every report of the county, a town its own, a branch the reports
    of its sessions, a lecturer their own."""
    q = access.org_records_q(user, org_field="booking__org", lecturer_field="lecturer_id")
    return access.scoped(FieldReport.objects.all(), q)


def field_report_of(user, booking: Booking) -> FieldReport | None:
    return field_reports_visible_to(user).filter(booking=booking).first()


def photo_for_user(user, photo_id) -> FieldPhoto:
    photo = FieldPhoto.objects.filter(
        report__in=field_reports_visible_to(user), pk=photo_id
    ).first()
    if photo is None:
        raise NotFound()
    return photo


def case_list(
    user,
    *,
    town: int | None = None,
    place_type: str = "",
    lecturer: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[FieldReport]:
    """The case list: reports the caller may see, newest session first, filtered."""
    qs = field_reports_visible_to(user)
    if town:
        qs = qs.filter(Q(booking__org_id=town) | Q(booking__org__parent_id=town))
    if place_type:
        qs = qs.filter(booking__place_type=place_type)
    if lecturer:
        qs = qs.filter(lecturer__name__icontains=lecturer)
    if since:
        qs = qs.filter(booking__start_at__gte=aware(datetime.combine(since, time.min)))
    if until:
        qs = qs.filter(
            booking__start_at__lt=aware(datetime.combine(until + timedelta(days=1), time.min))
        )
    return (
        qs.select_related(
            "booking", "booking__org", "booking__org__parent", "booking__course", "lecturer"
        )
        .annotate(photo_count=Count("photos"))
        .prefetch_related("photos")
        .order_by("-booking__start_at", "-id")
    )
