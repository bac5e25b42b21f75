"""The quality-course competition (精品课评选, G8b): a round of the county with its criteria,
the entered courses (each with its lecturer), a panel of named judges and their points.

A round moves draft → open (entries taken) → judging (the panel scores) → published (ranked,
winners named). The database holds one entry per course and round, one judge per user and
round, and one score per judge, entry and criterion; the points' range (0 to the criterion's
maximum) and the conflicts of interest are checked by the services."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import TimeStampedModel


class RoundStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("competition", "Draft")
    OPEN = "open", pgettext_lazy("competition", "Open for entries")
    JUDGING = "judging", _("Judging")
    PUBLISHED = "published", pgettext_lazy("competition", "Published")


ROUND_ORDER = [RoundStatus.DRAFT, RoundStatus.OPEN, RoundStatus.JUDGING, RoundStatus.PUBLISHED]


class Competition(TimeStampedModel):
    county = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("county"), on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(pgettext_lazy("competition", "title"), max_length=100)
    year = models.PositiveSmallIntegerField(_("year"))
    winners = models.PositiveSmallIntegerField(
        _("number of winners"),
        default=3,
        help_text=_("The best-ranked entries up to this number win; a tie at the cut wins too."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=RoundStatus.choices, default=RoundStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("quality-course competition")
        verbose_name_plural = _("quality-course competitions")
        ordering = ["-year", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["county", "title"], name="competition_title_unique"),
            models.CheckConstraint(
                condition=Q(winners__gte=1, winners__lte=50), name="competition_winners_range"
            ),
            models.CheckConstraint(
                condition=Q(status="published", published_at__isnull=False)
                | (~Q(status="published") & Q(published_at__isnull=True)),
                name="competition_published_has_time",
            ),
        ]

    def __str__(self):
        return self.title


class Criterion(models.Model):
    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("criterion"), max_length=40)
    max_points = models.PositiveSmallIntegerField(_("maximum points"))
    weight = models.DecimalField(_("weight"), max_digits=4, decimal_places=2)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["competition", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["competition", "name"], name="criterion_name_unique"),
            models.CheckConstraint(
                condition=Q(max_points__gte=1, max_points__lte=100), name="criterion_max_range"
            ),
            models.CheckConstraint(
                condition=Q(weight__gt=0, weight__lte=10), name="criterion_weight_range"
            ),
        ]

    def __str__(self):
        return self.name


class Entry(models.Model):
    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="entries")
    course = models.ForeignKey(
        "courses.Course", verbose_name=_("course"), on_delete=models.PROTECT, related_name="+"
    )
    lecturer = models.ForeignKey(
        "lecturers.Lecturer", verbose_name=_("lecturer"), on_delete=models.PROTECT, related_name="+"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now_add=True)
    # Set at publication.
    score = models.FloatField(_("score"), null=True, blank=True)
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)
    is_winner = models.BooleanField(_("winner"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("competition entry")
        verbose_name_plural = _("competition entries")
        ordering = ["competition", "rank", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["competition", "course"], name="competition_course_once"
            ),
        ]

    def __str__(self):
        return f"{self.competition_id} · {self.course_id}"


class Judge(models.Model):
    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="judges")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("judge"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("judge")
        verbose_name_plural = _("judges")
        ordering = ["competition", "id"]
        constraints = [
            models.UniqueConstraint(fields=["competition", "user"], name="competition_judge_once")
        ]

    def __str__(self):
        return f"{self.competition_id} · {self.user_id}"


class Score(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="scores")
    judge = models.ForeignKey(Judge, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    points = models.PositiveSmallIntegerField(_("points"))
    scored_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["entry", "judge", "criterion"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "judge", "criterion"], name="score_once_per_judge"
            ),
            models.CheckConstraint(condition=Q(points__lte=100), name="score_points_range"),
        ]

    def __str__(self):
        return f"{self.entry_id} · {self.judge_id} · {self.criterion_id}: {self.points}"
