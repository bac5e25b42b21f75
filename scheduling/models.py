from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import TimeStampedModel
from core.storage import private_storage
from courses.models import Classroom


class Offering(TimeStampedModel):
    """A lecturer's monthly publication (晒课, L7): courses offered and free time slots."""

    county = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    lecturer = models.ForeignKey(
        "lecturers.Lecturer",
        verbose_name=_("lecturer"),
        on_delete=models.CASCADE,
        related_name="offerings",
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    courses = models.ManyToManyField(
        "courses.Course", verbose_name=_("courses"), related_name="offerings"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("monthly offering")
        verbose_name_plural = _("monthly offerings")
        ordering = ["-month", "lecturer_id"]
        constraints = [
            models.UniqueConstraint(fields=["lecturer", "month"], name="offering_once_a_month"),
            models.CheckConstraint(
                condition=models.Q(month__day=1), name="offering_month_is_first_day"
            ),
        ]
        indexes = [models.Index(fields=["county", "month"])]

    def __str__(self):
        return f"{self.lecturer} {self.month:%Y-%m}"


class OfferingSlot(models.Model):
    """A time the lecturer promises to be free: availability, not a booking. [start, end)."""

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="slots")
    start_at = models.DateTimeField(_("start"))
    end_at = models.DateTimeField(_("end"))

    class Meta:
        verbose_name = _("offered time slot")
        verbose_name_plural = _("offered time slots")
        ordering = ["start_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_at__gt=models.F("start_at")), name="slot_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.start_at:%Y-%m-%d %H:%M}"


class BookingStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")
    COMPLETED = "completed", _("Completed")
    EXPIRED = "expired", pgettext_lazy("booking status", "Expired")


class PlaceType(models.TextChoices):
    """Where a bench-classroom session (板凳课堂, G7c) goes out to."""

    COMMUNITY = "community", _("Community")
    FIRM = "firm", _("Firm")
    FIELD = "field", _("Field or farm")
    HOME = "home", _("A member's home (送教上门)")


class HomeReason(models.TextChoices):
    """Why the member served at home cannot attend."""

    ILLNESS = "illness", _("Illness")
    AGE = "age", _("Old age")
    DISTANCE = "distance", _("Lives far away")


class VenueRequest(TimeStampedModel):
    """What an organisation asks for a session, be it a booking of one lecturer or a demand
    that lecturers grab: in which county, where, for how many, in which classroom."""

    county = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    venue = models.CharField(_("venue"), max_length=200)
    expected_attendees = models.PositiveIntegerField(_("expected attendees"))
    classroom = models.CharField(_("classroom"), max_length=16, choices=Classroom.choices)

    class Meta:
        abstract = True


class Booking(VenueRequest):
    """An organisation books a lecturer for a course at a time (约课, L7, L8).

    A lecturer's confirmed bookings never overlap: on PostgreSQL an exclusion constraint holds
    it (migration 0002), on SQLite the accepting service inside its IMMEDIATE transaction.
    """

    org = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("booking organisation"),
        on_delete=models.PROTECT,
        related_name="bookings",
    )
    lecturer = models.ForeignKey(
        "lecturers.Lecturer",
        verbose_name=_("lecturer"),
        on_delete=models.PROTECT,
        related_name="bookings",
    )
    course = models.ForeignKey(
        "courses.Course",
        verbose_name=_("course"),
        on_delete=models.PROTECT,
        related_name="bookings",
    )
    slot = models.ForeignKey(
        OfferingSlot,
        verbose_name=_("offered slot"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bookings",
    )
    start_at = models.DateTimeField(_("start"))
    end_at = models.DateTimeField(_("end"))
    place_type = models.CharField(
        _("place type"), max_length=16, choices=PlaceType.choices, blank=True
    )
    is_home_delivery = models.BooleanField(_("home delivery (送教上门)"), default=False)
    home_delivery_need = models.CharField(_("member's need"), max_length=300, blank=True)
    # The member served at home and why they cannot come: private to the booking organisation
    # and its superiors (access.may_see_home_member), never shown to the lecturer or elsewhere.
    home_member_name = models.CharField(_("member served"), max_length=32, blank=True)
    home_member_reason = models.CharField(
        _("why the member cannot attend"), max_length=16, choices=HomeReason.choices, blank=True
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=BookingStatus.choices, default=BookingStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    expires_at = models.DateTimeField(_("answer by"))
    decided_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    is_late_cancel = models.BooleanField(_("cancelled late"), default=False)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["-start_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_at__gt=models.F("start_at")), name="booking_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(expected_attendees__gte=1), name="booking_has_attendees"
            ),
            models.CheckConstraint(
                condition=models.Q(is_home_delivery=True, place_type=PlaceType.HOME)
                | (models.Q(is_home_delivery=False) & ~models.Q(place_type=PlaceType.HOME)),
                name="booking_home_delivery_is_a_home_place",
            ),
        ]
        indexes = [
            models.Index(fields=["lecturer", "status", "start_at"]),
            # The overlap check (services.lecturer_is_busy) seeks the lecturer's bookings that
            # end after a start: their future, not their whole history; start_at makes the
            # index cover the check, which so reads no row.
            models.Index(
                fields=["lecturer", "status", "end_at", "start_at"], name="booking_lecturer_busy"
            ),
            models.Index(fields=["org", "status", "start_at"]),
            models.Index(fields=["county", "status", "expires_at"]),
            # The figures of a county (and a province's per county) by when sessions start.
            models.Index(fields=["county", "start_at"], name="booking_county_start"),
        ]

    def __str__(self):
        return f"{self.lecturer} · {self.org} · {self.start_at:%Y-%m-%d %H:%M}"


class BookingEvent(models.Model):
    """Every transition and reschedule of a booking, so that its history is kept."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("booking event")
        verbose_name_plural = _("booking events")
        ordering = ["at", "id"]


class OutsideSessionStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class OutsideSession(TimeStampedModel):
    """Teaching outside the county (L14): only with an invitation letter the county approves."""

    county = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    lecturer = models.ForeignKey(
        "lecturers.Lecturer",
        verbose_name=_("lecturer"),
        on_delete=models.PROTECT,
        related_name="outside_sessions",
    )
    host = models.CharField(_("inviting organisation"), max_length=200)
    topic = models.CharField(_("topic"), max_length=200)
    start_at = models.DateTimeField(_("start"))
    end_at = models.DateTimeField(_("end"))
    venue = models.CharField(_("venue"), max_length=200)
    letter = models.FileField(
        _("invitation letter"), upload_to="invitations/%Y/%m/", storage=private_storage
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=OutsideSessionStatus.choices,
        default=OutsideSessionStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("out-of-county session")
        verbose_name_plural = _("out-of-county sessions")
        ordering = ["-start_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_at__gt=models.F("start_at")), name="outside_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.lecturer} · {self.host}"


class ReportedSession(TimeStampedModel):
    """A session held in an organisation, reported by its secretary or town (L15): the platform
    matches it with a booking; the unmatched ones show teaching that bypassed the platform."""

    county = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    org = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="reported_sessions",
    )
    lecturer = models.ForeignKey(
        "lecturers.Lecturer",
        verbose_name=_("lecturer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lecturer_name = models.CharField(_("lecturer's name"), max_length=32)
    topic = models.CharField(_("topic"), max_length=200)
    held_on = models.DateField(_("held on"))
    booking = models.ForeignKey(
        Booking,
        verbose_name=_("matching booking"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("reported session")
        verbose_name_plural = _("reported sessions")
        ordering = ["-held_on", "-id"]


class CalendarFeed(models.Model):
    """A private iCalendar feed of one user's sessions. The URL carries a signature of
    (id, version); bumping the version revokes every earlier URL."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
