from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.text import mask_phone

SCORE = [MinValueValidator(0), MaxValueValidator(100)]

# The score bands of the trainee ratings the dashboards count (reports.selectors), lowest
# first: (label, the least sum of the three 0-100 scores in the band, the SessionScore field
# that counts the session's counted ratings in it). A band ends where the next one begins.
RATING_BANDS = (
    ("0-59", 0, "band_0_59"),
    ("60-69", 180, "band_60_69"),
    ("70-79", 210, "band_70_79"),
    ("80-89", 240, "band_80_89"),
    ("90-100", 270, "band_90_100"),
)
BAND_FIELDS = tuple(field for _label, _least, field in RATING_BANDS)


def band_of(points: int) -> str:
    """The field of the band a rating whose three scores sum to `points` falls in."""
    return next(field for _label, least, field in reversed(RATING_BANDS) if points >= least)


class TraineeRating(models.Model):
    """A trainee's check-in and "1+3" rating of a session (L10): content, method, effect.

    One per phone per session, held by the database. Created at check-in; the scores come
    with the rating (the API does both at once)."""

    booking = models.ForeignKey(
        "scheduling.Booking",
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="trainee_ratings",
        db_index=False,  # the indexes below all start with the session
    )
    # The session's county, copied when the rating is stored (save() fills it; a bulk insert
    # must give it): the county admin's count and list of the ratings held for review read
    # their county's alone, not every held rating of a province (issue 18). A copy of a
    # column the session never changes, so no constraint: one would make deleting any
    # organisation look through every rating.
    county = models.ForeignKey(
        "orgs.Organisation",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # the index of the held ratings starts with it
        related_name="+",
        editable=False,
    )
    name = models.CharField(_("name"), max_length=32)
    phone = models.CharField(_("mobile number"), max_length=11)
    device = models.CharField(max_length=64, blank=True)
    # The device's network address (core.http.client_ip): a class on one Wi-Fi shares it.
    client_ip = models.CharField(max_length=45, blank=True)
    # The random key of the trainee page's form that sent it: a retry of the same submission
    # (sent again when a phone comes back online) is recognised as this record, not a repeat.
    submission_key = models.CharField(max_length=32, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), auto_now_add=True)
    content = models.PositiveSmallIntegerField(
        _("content"), null=True, blank=True, validators=SCORE
    )
    method = models.PositiveSmallIntegerField(_("method"), null=True, blank=True, validators=SCORE)
    effect = models.PositiveSmallIntegerField(_("effect"), null=True, blank=True, validators=SCORE)
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    # Held (stored, not counted) until the organisation confirms the attendance list or a
    # county reviewer keeps it; flag_reason then records who decided (CONFIRMED, REVIEWED).
    is_flagged = models.BooleanField(_("held for review"), default=False)
    flag_reason = models.CharField(_("why held"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("trainee rating")
        verbose_name_plural = _("trainee ratings")
        ordering = ["-checked_in_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["booking", "phone"], name="rating_once_per_phone"),
            models.CheckConstraint(
                condition=(
                    models.Q(content__isnull=True, method__isnull=True, effect__isnull=True)
                    | models.Q(content__lte=100, method__lte=100, effect__lte=100)
                ),
                name="rating_scores_0_to_100",
            ),
        ]
        # What a submission's integrity check reads (evaluation.services._flag_new): the
        # session's ratings in order, those of one device, those with the same three scores,
        # those from one address within a minute.
        indexes = [
            models.Index(fields=["booking", "rated_at", "id"], name="rating_session_order"),
            models.Index(fields=["booking", "device", "rated_at"], name="rating_session_device"),
            models.Index(
                fields=["booking", "content", "method", "effect", "rated_at"],
                name="rating_session_scores",
            ),
            models.Index(
                fields=["booking", "client_ip", "rated_at"], name="rating_session_address"
            ),
            # The ratings held for review, few among millions: the county admin's home counts
            # its county's on every visit (evaluation.reports.flagged_count), the review page
            # lists them newest first.
            models.Index(
                fields=["county", "rated_at", "id"],
                condition=models.Q(is_flagged=True),
                name="rating_held_in_county",
            ),
        ]

    def __str__(self):
        return f"{self.name} {mask_phone(self.phone)}"

    def save(self, *args, **kwargs):
        if self.county_id is None:
            self.county_id = self.booking.county_id
        super().save(*args, **kwargs)

    @property
    def overall(self) -> float | None:
        if self.content is None:
            return None
        return (self.content + self.method + self.effect) / 3


class OrgRating(models.Model):
    """The lecturer's "1+3" rating of the organisation trained: performance, discipline,
    member engagement."""

    booking = models.OneToOneField(
        "scheduling.Booking", on_delete=models.CASCADE, related_name="org_rating"
    )
    performance = models.PositiveSmallIntegerField(_("overall performance"), validators=SCORE)
    discipline = models.PositiveSmallIntegerField(_("classroom discipline"), validators=SCORE)
    engagement = models.PositiveSmallIntegerField(_("member engagement"), validators=SCORE)
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisation rating")
        verbose_name_plural = _("organisation ratings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(performance__lte=100, discipline__lte=100, engagement__lte=100),
                name="org_rating_0_to_100",
            )
        ]

    @property
    def overall(self) -> float:
        return (self.performance + self.discipline + self.engagement) / 3


class SessionScore(models.Model):
    """The running totals of one session's trainee records: its counted ratings (rated, not
    held), what the rankings sum, their number in each score band (RATING_BANDS), and its
    attendances (check-ins not held, rated or not), what the dashboards count; so that
    neither reads the ratings themselves.

    Kept with the lecturer's and the course's totals (evaluation.services): a check-in or a
    counted rating adds to it in its transaction, a hold, a review or a confirmation recounts
    it."""

    booking = models.OneToOneField(
        "scheduling.Booking",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="score_tally",
    )
    rating_total = models.PositiveBigIntegerField(default=0)  # sum of the three scores
    rating_count = models.PositiveIntegerField(default=0)
    attendance_count = models.PositiveIntegerField(default=0)
    # The counted ratings by band (RATING_BANDS): they add up to rating_count. A default in
    # the database too, so that SQL written before them (an earlier migration's) still inserts.
    band_0_59 = models.PositiveIntegerField(default=0, db_default=0)
    band_60_69 = models.PositiveIntegerField(default=0, db_default=0)
    band_70_79 = models.PositiveIntegerField(default=0, db_default=0)
    band_80_89 = models.PositiveIntegerField(default=0, db_default=0)
    band_90_100 = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        verbose_name = _("session score")
        verbose_name_plural = _("session scores")
