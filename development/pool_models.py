"""The pool beyond the call for nominations (G3-G5): outside experts invited (邀一批) with
their sessions, local practitioners hired with an appointment letter (聘一批) and the
campaigns that group their sessions, and the reserve (备一批) fed by docent contests and the
youth forum, whose members enter the pool through a call's review.

Invited experts stay outside the county's pool (branches do not book them: the county
invites them on a schedule), so their sessions are their own rows and every figure counts
them apart from the pool's bookings. Hired practitioners are lecturers of the pool with a
hiring record and a certificate number from the shared sequence.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import TimeStampedModel


class InviteeKind(models.TextChoices):
    PARTY_SCHOOL_PROFESSOR = (
        "party_school_professor",
        _("Provincial or city party-school professor"),
    )
    INSTITUTE_EXPERT = "institute_expert", _("Expert of an institute or university")
    MODEL_ELSEWHERE = "model_elsewhere", _("Model figure from another region")


class Invitation(TimeStampedModel):
    """An outside expert invited to teach in the county, on one topic (邀一批, G3)."""

    county = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    # The county itself, or the town that invites.
    org = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("invited by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    expert_name = models.CharField(_("expert"), max_length=32)
    kind = models.CharField(_("kind of expert"), max_length=32, choices=InviteeKind.choices)
    affiliation = models.CharField(_("institution"), max_length=100)
    expert_title = models.CharField(_("post or title"), max_length=100, blank=True)
    topic = models.CharField(_("topic"), max_length=200)
    letter_no = models.CharField(_("invitation letter number"), max_length=64, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("invited expert")
        verbose_name_plural = _("invited experts")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(topic=""), name="invitation_has_topic"),
            models.CheckConstraint(
                condition=~models.Q(expert_name=""), name="invitation_names_the_expert"
            ),
        ]

    def __str__(self):
        return f"{self.expert_name}: {self.topic}"


class InvitedSession(models.Model):
    """One session an invited expert gave: counted apart from the pool's bookings."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="sessions")
    county = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField(_("start"))
    ends_at = models.DateTimeField(_("end"))
    place = models.CharField(_("place"), max_length=200)
    attendees = models.PositiveIntegerField(_("attendees"), default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("invited expert's session")
        verbose_name_plural = _("invited experts' sessions")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="invited_session_ends_after_start",
            )
        ]

    def __str__(self):
        return f"{self.invitation_id} {self.starts_at}"


class HireKind(models.TextChoices):
    LEADING_CADRE = "leading_cadre", _("Leading cadre")
    RURAL_ENTREPRENEUR = "rural_entrepreneur", _("Rural entrepreneur (致富能手)")
    SENIOR_TECHNICIAN = "senior_technician", _("Senior technician")
    OUTSTANDING_MEMBER = "outstanding_member", _("Outstanding party member")
    VILLAGE_SECRETARY = "village_secretary", _("Secretary of an advanced village or community")


class Hiring(TimeStampedModel):
    """A local practitioner hired into the pool with an appointment letter (聘一批, G4)."""

    county = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    org = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("hired by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    lecturer = models.OneToOneField(
        "lecturers.Lecturer", verbose_name=_("lecturer"), on_delete=models.PROTECT,
        related_name="hiring",
    )  # fmt: skip
    kind = models.CharField(_("kind of practitioner"), max_length=32, choices=HireKind.choices)
    letter_no = models.CharField(_("appointment letter number"), max_length=64)
    hired_from = models.DateField(_("hired from"))
    hired_until = models.DateField(_("hired until"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("hired practitioner")
        verbose_name_plural = _("hired practitioners")
        ordering = ["-hired_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hired_until__gt=models.F("hired_from")),
                name="hiring_ends_after_start",
            )
        ]

    def __str__(self):
        return f"{self.lecturer_id} {self.letter_no}"


class Campaign(TimeStampedModel):
    """A campaign such as 我来讲党课 or 身边榜样讲党课 that groups sessions and counts them."""

    county = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    org = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("organised by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    title = models.CharField(pgettext_lazy("campaign", "title"), max_length=100)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    description = models.TextField(_("description"), max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_start",
            )
        ]

    def __str__(self):
        return self.title


class CampaignSession(models.Model):
    """A booking (a session of the pool) counted in a campaign; once per campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="sessions")
    booking = models.ForeignKey(
        "scheduling.Booking", verbose_name=_("session"), on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("campaign session")
        verbose_name_plural = _("campaign sessions")
        ordering = ["campaign", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "booking"], name="campaign_session_once")
        ]

    def __str__(self):
        return f"{self.campaign_id} {self.booking_id}"


class ReserveFeed(models.TextChoices):
    DOCENT_CONTEST = "docent_contest", _("Docent selection contest")
    YOUTH_FORUM = "youth_forum", _("Youth Pioneer forum")


class ReserveMember(TimeStampedModel):
    """A young member in reserve (备一批, G5), found at a docent contest or the youth forum;
    promoted into the pool through a call's staged review (`nomination`)."""

    county = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    org = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=32)
    phone = models.CharField(_("mobile number"), max_length=11)
    feed = models.CharField(_("found at"), max_length=16, choices=ReserveFeed.choices)
    event = models.CharField(_("contest or forum"), max_length=100)
    event_on = models.DateField(_("held on"))
    specialties = models.CharField(_("specialties"), max_length=300, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    nomination = models.OneToOneField(
        "development.Nomination", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="reserve_member",
    )  # fmt: skip
    promoted_at = models.DateTimeField(_("promoted at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("reserve member")
        verbose_name_plural = _("reserve members")
        ordering = ["-event_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["county", "phone"], name="reserve_member_once")
        ]

    def __str__(self):
        return self.name
