"""The annual appraisal (L16): the county's rules, one run per county and year, and one
result per lecturer with the figures and the steps that decided the grade."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import TimeStampedModel


class Grade(models.TextChoices):
    EXCELLENT = "excellent", pgettext_lazy("appraisal grade", "Excellent")
    GOOD = "good", pgettext_lazy("appraisal grade", "Good")
    FAIR = "fair", pgettext_lazy("appraisal grade", "Fair")
    POOR = "poor", pgettext_lazy("appraisal grade", "Poor")


# Best first: a cap keeps whichever of the two grades comes later in this list.
GRADE_ORDER = [Grade.EXCELLENT, Grade.GOOD, Grade.FAIR, Grade.POOR]

# The five metrics of L16, in the order every page and the API show them.
METRICS = ("attitude", "ability", "effect", "satisfaction", "quality")

# The tolerance of "the weights sum to one": the form takes two decimals.
WEIGHT_SUM_TOLERANCE = 0.001


class AppraisalRules(TimeStampedModel):
    """How a county turns its lecturers' year into grades; the defaults until it saves them."""

    county = models.OneToOneField(
        "orgs.Organisation",
        verbose_name=_("county"),
        on_delete=models.CASCADE,
        related_name="appraisal_rules",
    )
    weight_attitude = models.FloatField(_("weight of teaching attitude"), default=0.15)
    weight_ability = models.FloatField(_("weight of teaching ability"), default=0.2)
    weight_effect = models.FloatField(_("weight of teaching effect"), default=0.2)
    weight_satisfaction = models.FloatField(_("weight of satisfaction"), default=0.3)
    weight_quality = models.FloatField(_("weight of teaching quality"), default=0.15)
    threshold_excellent = models.FloatField(_("lowest score for 好"), default=90)
    threshold_good = models.FloatField(_("lowest score for 较好"), default=80)
    threshold_fair = models.FloatField(_("lowest score for 一般"), default=60)
    min_sessions = models.PositiveSmallIntegerField(_("sessions needed to be graded"), default=2)
    # Teaching attitude: the acceptance rate of the requests, less this much for each time
    # the lecturer backed out (cancelled an accepted session, dropped a grabbed order).
    attitude_penalty = models.PositiveSmallIntegerField(
        _("points off attitude per cancellation or dropped order"), default=10
    )
    # Duties (L13): a lecturer who did not do one gets at most this grade (blank: no cap).
    cap_without_grassroots = models.CharField(
        _("best grade without a session at the grassroots"),
        max_length=16,
        choices=Grade.choices,
        blank=True,
        default=Grade.FAIR,
    )
    min_courses_developed = models.PositiveSmallIntegerField(
        _("courses to develop or revise in the year"), default=1
    )
    cap_without_courses = models.CharField(
        _("best grade without enough course development"),
        max_length=16,
        choices=Grade.choices,
        blank=True,
        default=Grade.GOOD,
    )

    class Meta:
        verbose_name = _("appraisal rules")
        verbose_name_plural = _("appraisal rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    weight_attitude__gte=0,
                    weight_ability__gte=0,
                    weight_effect__gte=0,
                    weight_satisfaction__gte=0,
                    weight_quality__gte=0,
                ),
                name="appraisal_weights_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    GreaterThanOrEqual(
                        F("weight_attitude")
                        + F("weight_ability")
                        + F("weight_effect")
                        + F("weight_satisfaction")
                        + F("weight_quality"),
                        1 - WEIGHT_SUM_TOLERANCE,
                    ),
                    LessThanOrEqual(
                        F("weight_attitude")
                        + F("weight_ability")
                        + F("weight_effect")
                        + F("weight_satisfaction")
                        + F("weight_quality"),
                        1 + WEIGHT_SUM_TOLERANCE,
                    ),
                ),
                name="appraisal_weights_sum_to_one",
            ),
            models.CheckConstraint(
                condition=Q(threshold_fair__gte=0, threshold_excellent__lte=100)
                & Q(threshold_good__gt=F("threshold_fair"))
                & Q(threshold_excellent__gt=F("threshold_good")),
                name="appraisal_thresholds_in_order",
            ),
        ]

    def __str__(self):
        return str(self.county)

    @classmethod
    def for_county(cls, county_id: int) -> "AppraisalRules":
        return cls.objects.filter(county_id=county_id).first() or cls(county_id=county_id)

    def weights(self) -> dict[str, float]:
        return {name: getattr(self, f"weight_{name}") for name in METRICS}

    def snapshot(self) -> dict:
        """The rules as a run keeps them: its explanations stay true if the rules change."""
        return {
            "weights": self.weights(),
            "thresholds": {
                Grade.EXCELLENT: self.threshold_excellent,
                Grade.GOOD: self.threshold_good,
                Grade.FAIR: self.threshold_fair,
            },
            "min_sessions": self.min_sessions,
            "attitude_penalty": self.attitude_penalty,
            "cap_without_grassroots": self.cap_without_grassroots,
            "min_courses_developed": self.min_courses_developed,
            "cap_without_courses": self.cap_without_courses,
        }


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Computing")
    # The computation stopped (an error, or the worker was interrupted): run it again.
    FAILED = "failed", pgettext_lazy("appraisal", "Failed")
    DRAFT = "draft", _("Draft, under review")
    PUBLISHED = "published", _("Published")


class AppraisalRun(models.Model):
    """The appraisal of one county's year: computed in the background, reviewed as a draft,
    published once."""

    county = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("county"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    # Each start of the computation is a new attempt; a worker writes only for the attempt it
    # claimed, so that one still busy with an abandoned attempt changes nothing.
    attempt = models.PositiveIntegerField(default=1, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    lecturers = models.PositiveIntegerField(_("lecturers appraised"), default=0)
    rules = models.JSONField(_("rules applied"), default=dict, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # What the published grades led to (appraisal.outcomes), applied once by the county.
    outcomes_applied_at = models.DateTimeField(_("outcomes applied at"), null=True, blank=True)
    outcomes_applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("outcomes applied by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("appraisal")
        verbose_name_plural = _("appraisals")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["county", "year"], name="appraisal_once_a_year"),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="appraisal_progress_at_most_100"
            ),
            models.CheckConstraint(
                condition=Q(status="published", published_at__isnull=False)
                | (~Q(status="published") & Q(published_at__isnull=True)),
                name="appraisal_published_has_time",
            ),
            models.CheckConstraint(
                condition=Q(outcomes_applied_at__isnull=True) | Q(status="published"),
                name="appraisal_outcomes_after_publication",
            ),
        ]

    def __str__(self):
        return f"{self.county} {self.year}"

    @property
    def is_finished(self) -> bool:
        return self.status != RunStatus.RUNNING


class AppraisalResult(models.Model):
    """One lecturer's year: the five metrics (0-100), the counts they came from, the composite
    score, the grade the rules gave and the one the county set instead (with its reason)."""

    run = models.ForeignKey(AppraisalRun, on_delete=models.CASCADE, related_name="results")
    lecturer = models.ForeignKey(
        "lecturers.Lecturer",
        verbose_name=_("lecturer"),
        on_delete=models.CASCADE,
        related_name="appraisal_results",
    )
    # The lecturer's town when the year was computed (None: a county-level unit).
    town = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("town"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    attempt = models.PositiveIntegerField(default=1, editable=False)
    attitude = models.FloatField(_("teaching attitude"), null=True, blank=True)
    ability = models.FloatField(_("teaching ability"), null=True, blank=True)
    effect = models.FloatField(_("teaching effect"), null=True, blank=True)
    satisfaction = models.FloatField(_("satisfaction"), null=True, blank=True)
    quality = models.FloatField(_("teaching quality"), null=True, blank=True)
    invitations = models.PositiveIntegerField(_("sessions held"), default=0)
    grassroots_sessions = models.PositiveIntegerField(_("sessions at the grassroots"), default=0)
    courses_developed = models.PositiveIntegerField(_("courses developed or revised"), default=0)
    # The counts and means behind each metric (requests, answers, ratings, …).
    inputs = models.JSONField(_("inputs"), default=dict)
    score = models.FloatField(_("score"), null=True, blank=True)
    computed_grade = models.CharField(
        _("computed grade"), max_length=16, choices=Grade.choices, blank=True
    )
    not_graded_reason = models.CharField(_("why not graded"), max_length=200, blank=True)
    # The steps that decided the computed grade, as data (appraisal.explain renders them).
    steps = models.JSONField(_("steps"), default=list)
    override_grade = models.CharField(
        _("grade set by the county"), max_length=16, choices=Grade.choices, blank=True
    )
    override_reason = models.CharField(_("reason for the change"), max_length=300, blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    overridden_at = models.DateTimeField(null=True, blank=True)
    # The grade that counts: the county's if it set one, else the computed one; blank: none.
    grade = models.CharField(_("grade"), max_length=16, choices=Grade.choices, blank=True)

    class Meta:
        verbose_name = _("appraisal result")
        verbose_name_plural = _("appraisal results")
        ordering = ["-score", "lecturer_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "lecturer"], name="appraisal_result_once"),
            models.CheckConstraint(
                condition=(
                    Q(override_grade="") & Q(override_reason="") & Q(grade=F("computed_grade"))
                )
                | (~Q(override_grade="") & ~Q(override_reason="") & Q(grade=F("override_grade"))),
                name="appraisal_override_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(computed_grade="") | Q(not_graded_reason=""),
                name="appraisal_graded_or_reason",
            ),
        ]
        indexes = [models.Index(fields=["run", "grade"]), models.Index(fields=["run", "town"])]

    def __str__(self):
        return f"{self.run} · {self.lecturer_id}"
