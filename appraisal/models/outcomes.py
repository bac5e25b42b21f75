"""What a published year's grades lead to (L17): the list for public commendation (好), the
reminder talks (约谈, 一般) and the help-and-re-education plans (帮教转化) of the lecturers in
cold store (差). Each row can also be made by hand: a talk or a plan is not only the
appraisal's (then `result` is empty)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import TimeStampedModel

from .annual import AppraisalResult, AppraisalRun


class CommendationStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", pgettext_lazy("commendation", "Confirmed")
    NOT_CONFIRMED = "not_confirmed", _("Not confirmed")


class Commendation(models.Model):
    """A 好 lecturer on the year's list for public commendation, with their best course of the
    year; the county confirms the list before the 名师 and 好课 honours are granted."""

    run = models.ForeignKey(AppraisalRun, on_delete=models.CASCADE, related_name="commendations")
    lecturer = models.ForeignKey(
        "lecturers.Lecturer", verbose_name=_("lecturer"), on_delete=models.CASCADE, related_name="+"
    )
    course = models.ForeignKey(
        "courses.Course",
        verbose_name=_("best course of the year"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=CommendationStatus.choices,
        default=CommendationStatus.PROPOSED,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("commendation")
        verbose_name_plural = _("commendations")
        ordering = ["run", "lecturer__name_pinyin", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "lecturer"], name="commendation_once_a_year"),
            models.CheckConstraint(
                condition=Q(status="proposed", decided_at__isnull=True)
                | (~Q(status="proposed") & Q(decided_at__isnull=False)),
                name="commendation_decided_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.run} · {self.lecturer_id}"


class TalkStatus(models.TextChoices):
    TO_SCHEDULE = "to_schedule", _("To schedule")
    SCHEDULED = "scheduled", _("Scheduled")
    DONE = "done", pgettext_lazy("talk", "Held")


class ReminderTalk(TimeStampedModel):
    """A reminder talk (约谈): who talks with the lecturer, when and where, why; once held, the
    notes, the lecturer's commitments and a follow-up date. A scheduled talk whose time has
    passed without a record is overdue."""

    county = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("county"), on_delete=models.CASCADE, related_name="+"
    )
    lecturer = models.ForeignKey(
        "lecturers.Lecturer",
        verbose_name=_("lecturer"),
        on_delete=models.CASCADE,
        related_name="reminder_talks",
    )
    # The 一般 result that asked for the talk; empty for a talk scheduled by hand.
    result = models.ForeignKey(
        AppraisalResult, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300)
    status = models.CharField(
        _("status"), max_length=16, choices=TalkStatus.choices, default=TalkStatus.TO_SCHEDULE
    )
    scheduled_at = models.DateTimeField(_("when"), null=True, blank=True)
    place = models.CharField(_("where"), max_length=100, blank=True)
    held_by = models.CharField(
        _("talked with by"),
        max_length=100,
        blank=True,
        help_text=_("Who holds the talk, with their post."),
    )
    notes = models.TextField(_("notes of the talk"), max_length=3000, blank=True)
    commitments = models.TextField(_("the lecturer's commitments"), max_length=2000, blank=True)
    follow_up_on = models.DateField(_("follow-up date"), null=True, blank=True)
    done_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("reminder talk")
        verbose_name_plural = _("reminder talks")
        ordering = ["status", "scheduled_at", "id"]
        indexes = [models.Index(fields=["county", "status", "scheduled_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["result"], condition=Q(result__isnull=False), name="talk_once_per_result"
            ),
            models.CheckConstraint(
                condition=Q(status="to_schedule") | (Q(scheduled_at__isnull=False) & ~Q(place="")),
                name="talk_scheduled_has_time_and_place",
            ),
            models.CheckConstraint(
                condition=(Q(status="done") & Q(done_at__isnull=False) & ~Q(notes=""))
                | (~Q(status="done") & Q(done_at__isnull=True)),
                name="talk_done_has_notes",
            ),
        ]

    def __str__(self):
        return f"{self.lecturer_id} · {self.scheduled_at or '-'}"


class PlanStatus(models.TextChoices):
    OPEN = "open", _("Under way")
    RELEASED = "released", _("Released back to active")
    REMOVED = "removed", _("Removed from the pool")


class HelpPlan(TimeStampedModel):
    """The help-and-re-education plan (帮教转化) of a lecturer in cold store: a mentor, steps
    with deadlines, the lecturer's progress notes, and the county's decision: released back
    to active, or removed (出库) with the reason. One open plan per lecturer."""

    county = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("county"), on_delete=models.CASCADE, related_name="+"
    )
    lecturer = models.ForeignKey(
        "lecturers.Lecturer",
        verbose_name=_("lecturer"),
        on_delete=models.CASCADE,
        related_name="help_plans",
    )
    result = models.ForeignKey(
        AppraisalResult, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("why in cold store"), max_length=300)
    mentor = models.CharField(
        _("mentor"),
        max_length=64,
        blank=True,
        help_text=_("Who helps the lecturer, with their post."),
    )
    goal = models.TextField(_("goal"), max_length=2000, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.OPEN
    )
    decision_reason = models.CharField(_("reason for the decision"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("help plan")
        verbose_name_plural = _("help plans")
        ordering = ["status", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lecturer"], condition=Q(status="open"), name="help_plan_one_open"
            ),
            models.CheckConstraint(
                condition=Q(status="open", decided_at__isnull=True, decision_reason="")
                | (~Q(status="open") & Q(decided_at__isnull=False) & ~Q(decision_reason="")),
                name="help_plan_decided_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.lecturer_id} · {self.status}"


class HelpStep(models.Model):
    plan = models.ForeignKey(HelpPlan, on_delete=models.CASCADE, related_name="steps")
    title = models.CharField(_("step"), max_length=200)
    due_on = models.DateField(_("deadline"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("help step")
        verbose_name_plural = _("help steps")
        ordering = ["due_on", "id"]

    def __str__(self):
        return self.title


class HelpNote(models.Model):
    """A progress note on a plan: the lecturer's report, or the mentor's or county's remark."""

    plan = models.ForeignKey(HelpPlan, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("progress"), max_length=1000)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.text[:30]
