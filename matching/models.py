from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from courses.models import Audience, Category
from scheduling.models import VenueRequest


class DemandStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("demand status", "Open")
    TAKEN = "taken", _("Taken")
    EXPIRED = "expired", pgettext_lazy("demand status", "Expired")
    CANCELLED = "cancelled", pgettext_lazy("demand status", "Cancelled")


class Demand(VenueRequest):
    """An organisation's posted need (需求邀约, L9): the platform recommends lecturers and the
    first notified lecturer to grab it gets a confirmed booking."""

    org = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="demands",
    )
    topic = models.CharField(_("topic"), max_length=200)
    category = models.CharField(_("category"), max_length=32, choices=Category.choices, blank=True)
    window_start = models.DateTimeField(_("from"))
    window_end = models.DateTimeField(_("until"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    # Inside the window, the session must fall on these weekdays and hours (Shanghai time):
    # "weekday afternoons" is weekdays 0b0011111 with 14:00–17:30. No hours: all day.
    daily_from = models.TimeField(_("daily from"), null=True, blank=True)
    daily_until = models.TimeField(_("daily until"), null=True, blank=True)
    weekdays = models.PositiveSmallIntegerField(
        _("weekdays"), default=0b1111111, help_text=_("Bit 0 is Monday, bit 6 Sunday.")
    )
    lat = models.FloatField(_("latitude"))
    lng = models.FloatField(_("longitude"))
    audience = models.CharField(
        _("member group"), max_length=16, choices=Audience.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=DemandStatus.choices, default=DemandStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    booking = models.OneToOneField(
        "scheduling.Booking",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="demand",
    )
    broadcast_round = models.PositiveSmallIntegerField(_("broadcast round"), default=0)
    last_broadcast_at = models.DateTimeField(null=True, blank=True)
    unmatched_terms = models.JSONField(_("words that matched no course"), default=list, blank=True)

    class Meta:
        verbose_name = _("demand")
        verbose_name_plural = _("demands")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(window_end__gt=models.F("window_start")),
                name="demand_window_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(weekdays__gte=1, weekdays__lte=0b1111111),
                name="demand_weekdays_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(daily_from__isnull=True)
                | models.Q(daily_until__isnull=True)
                | models.Q(daily_until__gt=models.F("daily_from")),
                name="demand_daily_range_valid",
            ),
        ]
        indexes = [models.Index(fields=["county", "status", "window_start"])]

    def __str__(self):
        return self.topic


class NoticeOutcome(models.TextChoices):
    NOTIFIED = "notified", _("Notified")
    GRABBED = "grabbed", _("Grabbed")
    TOO_LATE = "too_late", _("Taken by another")
    DROPPED = "dropped", _("Dropped after grabbing")


class DemandNotice(models.Model):
    """A lecturer told of a demand in one broadcast round; only they may grab it."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="notices")
    lecturer = models.ForeignKey(
        "lecturers.Lecturer", on_delete=models.CASCADE, related_name="demand_notices"
    )
    round = models.PositiveSmallIntegerField()
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField()
    notified_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(
        max_length=16, choices=NoticeOutcome.choices, default=NoticeOutcome.NOTIFIED
    )

    class Meta:
        verbose_name = _("demand notice")
        verbose_name_plural = _("demand notices")
        constraints = [
            models.UniqueConstraint(fields=["demand", "lecturer"], name="notice_once_per_lecturer")
        ]


class DemandInvite(models.Model):
    """A booking request sent straight to one lecturer from a demand: when the lecturer
    accepts it, it takes the demand as a grab would (or is refused if the demand was taken)."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="invites")
    booking = models.OneToOneField(
        "scheduling.Booking", on_delete=models.CASCADE, related_name="demand_invite"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("demand invitation")
        verbose_name_plural = _("demand invitations")


class Synonym(models.Model):
    """Words the county treats as the same topic (乡村振兴 / 三农), editable by county admins."""

    county = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="+")
    words = models.CharField(
        _("words"), max_length=300, help_text=_("Separated by spaces, e.g. 乡村振兴 三农 农业农村")
    )

    class Meta:
        verbose_name = _("synonym group")
        verbose_name_plural = _("synonym groups")

    def __str__(self):
        return self.words

    @property
    def word_list(self) -> list[str]:
        return [w for w in self.words.replace("，", " ").replace(",", " ").split() if w]
