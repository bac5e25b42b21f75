"""Selecting lecturers (L2, G2): a call for nominations, the nominations through the three
channels with their materials, the review in stages and the appointment certificate.

The invariants are the database's: one nomination per phone per call, one review per stage
of a nomination, one certificate number per county. The quota and the stage order are held by
the services (development/services.py) under the call's or the nomination's row lock and by
compare-and-set on the stage.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import TimeStampedModel
from core.storage import private_storage


def _public_key() -> str:
    return secrets.token_urlsafe(16)


class CallLevel(models.TextChoices):
    COUNTY = "county", _("County level")
    TOWN = "town", _("Town level")


class Call(TimeStampedModel):
    """A call for nominations (推一批), published to the county's organisations and members."""

    county = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    # The county itself for a county-level call, the town for a town-level one.
    org = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="nomination_calls",
    )
    level = models.CharField(_("level"), max_length=16, choices=CallLevel.choices)
    title = models.CharField(pgettext_lazy("call", "title"), max_length=100)
    criteria = models.TextField(_("criteria"), max_length=3000)
    quota = models.PositiveIntegerField(_("quota"))
    deadline = models.DateTimeField(_("deadline"))
    materials = models.TextField(
        _("required materials"),
        max_length=1000,
        blank=True,
        help_text=_("One per line, e.g. résumé, recommendation form."),
    )
    term_years = models.PositiveSmallIntegerField(_("term in years"), default=3)
    public_key = models.CharField(max_length=32, unique=True, default=_public_key, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("call for nominations")
        verbose_name_plural = _("calls for nominations")
        ordering = ["-deadline", "-id"]
        indexes = [models.Index(fields=["county", "-deadline"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(quota__gte=1), name="call_quota_positive"),
            models.CheckConstraint(
                condition=models.Q(term_years__gte=1, term_years__lte=10),
                name="call_term_1_to_10_years",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return timezone.now() < self.deadline

    @property
    def material_list(self) -> list[str]:
        return [line.strip() for line in self.materials.splitlines() if line.strip()]


class Channel(models.TextChoices):
    SELF = "self", _("Self-nomination")
    PUBLIC = "public", _("Recommended by members or the public")
    UNIT = "unit", _("Recommended by the unit")


class Stage(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    POLITICAL_PASSED = "political_passed", _("Passed the political review")
    PANEL_PASSED = "panel_passed", _("Passed the panel rating")
    APPROVED = "approved", _("Approved and appointed")
    REJECTED = "rejected", _("Not selected")


class ReviewStage(models.TextChoices):
    POLITICAL = "political", _("Political review")
    PANEL = "panel", _("Panel rating")
    APPROVAL = "approval", _("Organisational approval")


class ReviewResult(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")


class Nomination(TimeStampedModel):
    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="nominations"
    )
    county = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    name = models.CharField(_("name"), max_length=32)
    phone = models.CharField(_("mobile number"), max_length=11)
    org = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The organisation the candidate belongs to."),
    )
    specialties = models.CharField(_("specialties"), max_length=300, blank=True)
    reason = models.TextField(_("reason"), max_length=2000)
    source = models.CharField(_("source"), max_length=32, blank=True)
    # The candidate's own login when they nominated themself logged in.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who recommended, when it came through the public form without a login.
    referee_name = models.CharField(_("recommended by"), max_length=32, blank=True)
    referee_phone = models.CharField(_("recommender's mobile"), max_length=11, blank=True)
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.SUBMITTED
    )
    panel_score = models.FloatField(_("panel score"), null=True, blank=True)
    lecturer = models.OneToOneField(
        "lecturers.Lecturer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    certificate_no = models.CharField(_("certificate number"), max_length=64, blank=True)
    certificate_year = models.PositiveSmallIntegerField(null=True, blank=True)
    certificate_seq = models.PositiveIntegerField(null=True, blank=True)
    appointed_from = models.DateField(_("appointed from"), null=True, blank=True)
    appointed_until = models.DateField(_("appointed until"), null=True, blank=True)
    # The address of the candidate's own page for those who nominated without a login.
    tracking_key = models.CharField(max_length=32, unique=True, default=_public_key, editable=False)

    class Meta:
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["call", "stage"])]
        constraints = [
            models.UniqueConstraint(fields=["call", "phone"], name="nomination_once_per_call"),
            models.UniqueConstraint(
                fields=["county", "certificate_no"],
                condition=~models.Q(certificate_no=""),
                name="certificate_number_unique_in_county",
            ),
        ]

    def __str__(self):
        return self.name


def _material_path(instance, filename):
    return f"nominations/{instance.nomination_id}/{filename}"


class NominationMaterial(TimeStampedModel):
    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="materials")
    label = models.CharField(_("material"), max_length=100)
    file = models.FileField(_("file"), upload_to=_material_path, storage=private_storage)
    file_name = models.CharField(_("file name"), max_length=200)

    class Meta:
        verbose_name = _("nomination material")
        verbose_name_plural = _("nomination materials")
        ordering = ["id"]

    def __str__(self):
        return self.label


class Review(models.Model):
    """One stage of the review, done once by a named reviewer."""

    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="reviews")
    stage = models.CharField(_("stage"), max_length=16, choices=ReviewStage.choices)
    result = models.CharField(_("result"), max_length=8, choices=ReviewResult.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["nomination", "stage"], name="review_once_per_stage")
        ]

    def __str__(self):
        return f"{self.nomination_id} {self.stage} {self.result}"


class PanelScore(models.Model):
    """One named panel member's scores of a candidate: the criteria and the trial lecture."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="panel_scores")
    member = models.CharField(_("panel member"), max_length=32)
    political = models.PositiveSmallIntegerField(_("political quality"))
    exemplary = models.PositiveSmallIntegerField(_("exemplary role"))
    practical = models.PositiveSmallIntegerField(_("practical experience"))
    trial = models.PositiveSmallIntegerField(_("trial lecture"))
    total = models.FloatField(_("total"))

    class Meta:
        verbose_name = _("panel score")
        verbose_name_plural = _("panel scores")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "member"], name="panel_score_once_per_member"
            ),
            models.CheckConstraint(
                condition=models.Q(political__lte=100, exemplary__lte=100, practical__lte=100)
                & models.Q(trial__lte=100),
                name="panel_scores_at_most_100",
            ),
        ]

    def __str__(self):
        return f"{self.member}: {self.total}"


# --- Old-new pairing (结对, L3, G6) -----------------------------------------------------------


class PairingStage(models.TextChoices):
    """The five stages of a pairing, in this order."""

    TOPIC = "topic", pgettext_lazy("pairing stage", "Topic")
    PREPARATION = "preparation", pgettext_lazy("pairing stage", "Preparation")
    TALK = "talk", pgettext_lazy("pairing stage", "Lesson talk")
    TRIAL = "trial", pgettext_lazy("pairing stage", "Trial lecture")
    TEACHING = "teaching", pgettext_lazy("pairing stage", "Teaching")


PAIRING_STAGES = list(PairingStage)


class Pairing(TimeStampedModel):
    """A mentor (an active lecturer) and a new lecturer going through the stages together.
    `reached` counts the stages done (0-5); a stage moves by compare-and-set on it."""

    county = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    mentor = models.ForeignKey(
        "lecturers.Lecturer", verbose_name=_("mentor"), on_delete=models.PROTECT, related_name="+"
    )
    mentee = models.ForeignKey(
        "lecturers.Lecturer",
        verbose_name=_("new lecturer"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    reached = models.PositiveSmallIntegerField(_("stages done"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["mentor", "starts_on"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(mentor=models.F("mentee")), name="pairing_not_with_oneself"
            ),
            models.CheckConstraint(
                condition=models.Q(reached__lte=len(PAIRING_STAGES)), name="pairing_reached_0_to_5"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="pairing_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.mentor} → {self.mentee}"

    @property
    def finished(self) -> bool:
        return self.reached >= len(PAIRING_STAGES)

    @property
    def current_stage(self) -> PairingStage | None:
        """The stage to do next; None once all are done."""
        return None if self.finished else PAIRING_STAGES[self.reached]


def _pairing_material_path(instance, filename):
    return f"pairings/{instance.pairing_id}/{filename}"


class PairingStep(models.Model):
    """One stage of a pairing: planned for a day, done on a day with the mentor's comment, and
    the mentee's material."""

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="steps")
    index = models.PositiveSmallIntegerField()
    stage = models.CharField(_("stage"), max_length=16, choices=PairingStage.choices)
    planned_on = models.DateField(_("planned for"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    comment = models.CharField(_("mentor's comment"), max_length=1000, blank=True)
    material = models.FileField(
        _("material"), upload_to=_pairing_material_path, storage=private_storage, blank=True
    )
    material_name = models.CharField(_("file name"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("pairing stage")
        verbose_name_plural = _("pairing stages")
        ordering = ["pairing", "index"]
        constraints = [
            models.UniqueConstraint(fields=["pairing", "index"], name="pairing_step_once"),
            models.UniqueConstraint(fields=["pairing", "stage"], name="pairing_stage_once"),
        ]

    def __str__(self):
        return f"{self.pairing_id} {self.stage}"


# The pool beyond the calls (G3-G5) and the improvement programme (G6), in their own modules.
from .pool_models import (  # noqa: E402, F401
    Campaign,
    CampaignSession,
    HireKind,
    Hiring,
    Invitation,
    InvitedSession,
    InviteeKind,
    ReserveFeed,
    ReserveMember,
)
from .programme_models import Activity, ActivityKind, Attendance, CheckInMethod  # noqa: E402, F401
