"""The improvement programme (一项工程, G6, L3): the county's training of its lecturers —
group study, outside training chosen by need, salons, training classes, on-site teaching and
city teachers' visits to towns — with attendance checked in by QR code and the hours each
lecturer earns in a year.

One attendance per lecturer per activity is the database's (unique constraint), so a double
scan records one; an activity's hours are credited to each lecturer who attended.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import TimeStampedModel


class ActivityKind(models.TextChoices):
    GROUP_STUDY = "group_study", _("Group study")
    OUTSIDE_TRAINING = "outside_training", _("Outside training")
    SALON = "salon", _("Teachers' salon")
    TRAINING_CLASS = "training_class", _("Training class")
    ONSITE_TEACHING = "onsite_teaching", _("On-site teaching")
    TOWN_VISIT = "town_visit", _("City teacher's visit to a town")


class Activity(TimeStampedModel):
    county = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    org = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("organised by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    title = models.CharField(pgettext_lazy("activity", "title"), max_length=100)
    starts_at = models.DateTimeField(_("start"))
    ends_at = models.DateTimeField(_("end"))
    place = models.CharField(_("place"), max_length=200)
    hours = models.DecimalField(_("hours credited"), max_digits=4, decimal_places=1)
    # Outside training is chosen by need (缺什么、补什么): the need, and who asked for it.
    need = models.CharField(_("need it answers"), max_length=300, blank=True)
    requested_by = models.ManyToManyField(
        "lecturers.Lecturer", verbose_name=_("asked for by"), blank=True, related_name="+"
    )
    participants = models.ManyToManyField(
        "lecturers.Lecturer", verbose_name=_("participants"), blank=True, related_name="+"
    )
    # A city teacher's visit to a town: who visits which town.
    visiting_teacher = models.ForeignKey(
        "lecturers.Lecturer", verbose_name=_("visiting teacher"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    town = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("town visited"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("training activity")
        verbose_name_plural = _("training activities")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["county", "-starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="activity_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(hours__gt=Decimal("0")), name="activity_hours_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="town_visit")
                | models.Q(visiting_teacher__isnull=False, town__isnull=False),
                name="town_visit_names_teacher_and_town",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="outside_training") | ~models.Q(need=""),
                name="outside_training_names_its_need",
            ),
        ]

    def __str__(self):
        return self.title


class CheckInMethod(models.TextChoices):
    QR = "qr", _("QR code")
    CODE = "code", _("Short code")
    HAND = "hand", _("Marked by the organiser")


class Attendance(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attendances")
    lecturer = models.ForeignKey(
        "lecturers.Lecturer", verbose_name=_("lecturer"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    checked_in_at = models.DateTimeField(_("checked in at"), auto_now_add=True)
    method = models.CharField(_("checked in by"), max_length=8, choices=CheckInMethod.choices)
    # Marked present by hand (a lecturer without a phone): who marked it and why.
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["checked_in_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "lecturer"], name="attendance_once")
        ]

    def __str__(self):
        return f"{self.activity_id} {self.lecturer_id}"
