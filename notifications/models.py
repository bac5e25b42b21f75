import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    """Everything that tells a person something; each has its templates in `messages.py`."""

    BOOKING_REQUESTED = "booking_requested", _("New booking request")
    BOOKING_ACCEPTED = "booking_accepted", _("Booking accepted")
    BOOKING_DECLINED = "booking_declined", _("Booking declined")
    BOOKING_CANCELLED = "booking_cancelled", _("Booking cancelled")
    BOOKING_EXPIRED = "booking_expired", _("Booking request expired")
    BOOKING_RESCHEDULED = "booking_rescheduled", _("Booking rescheduled")
    OUTSIDE_SESSION_FILED = "outside_session_filed", _("Out-of-county session to approve")
    OUTSIDE_SESSION_DECIDED = "outside_session_decided", _("Out-of-county session decided")
    SESSION_REMINDER = "session_reminder", _("Session reminder")
    PUBLISH_REMINDER = "publish_reminder", _("Publish reminder")
    RATE_REMINDER = "rate_reminder", _("Rate reminder")
    DEMAND_BROADCAST = "demand_broadcast", _("Order to grab")
    DEMAND_TAKEN = "demand_taken", _("Demand taken")
    DEMAND_GONE = "demand_gone", _("Order taken by another lecturer")
    DEMAND_UNANSWERED = "demand_unanswered", _("No lecturer for the demand")
    DEMAND_WITHDRAWN = "demand_withdrawn", _("Demand withdrawn")
    LECTURER_STATUS_CHANGED = "lecturer_status_changed", _("Lecturer status changed")
    COURSE_APPROVED = "course_approved", _("Course approved")
    COURSE_RETURNED = "course_returned", _("Course returned")
    COURSE_SUBMITTED = "course_submitted", _("Course awaiting review")
    APPRAISAL_PUBLISHED = "appraisal_published", _("Appraisal published")
    COURSE_TO_DEVELOP = "course_to_develop", _("A course to develop")
    MEETING_ISSUE_DUE = "meeting_issue_due", _("Meeting issue due")
    LECTURER_ACCOUNT_OPENED = "lecturer_account_opened", _("Lecturer account opened")
    COMMENDED = "commended", _("Commended")
    REMINDER_TALK = "reminder_talk", _("Reminder talk")
    HELP_PLAN = "help_plan", _("Help plan")
    TERM_RENEWED = "term_renewed", _("Term renewed")
    NOMINATION_REVIEWED = "nomination_reviewed", _("Nomination reviewed")
    LECTURER_APPOINTED = "lecturer_appointed", _("Appointed a lecturer")
    COMPETITION_RESULT = "competition_result", _("Competition result")
    CONTACT_CODE = "contact_code", _("Confirmation code")


def uuid_key() -> str:
    return uuid.uuid4().hex


class InboxMessage(models.Model):
    """The in-app inbox: every notification lands here, whatever other channels follow."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="inbox",
    )
    event = models.CharField(_("event"), max_length=32, choices=Event.choices)
    title = models.CharField(_("title"), max_length=100)
    body = models.CharField(_("message"), max_length=500)
    url = models.CharField(_("link"), max_length=200, blank=True)
    key = models.CharField(_("idempotency key"), max_length=120, default=uuid_key)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbox message")
        verbose_name_plural = _("inbox messages")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="inbox_once_per_key")
        ]

    def __str__(self):
        return self.title


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", _("E-mail")


class NotificationPreference(models.Model):
    """Which channels a person wants besides the in-app inbox (always on)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    by_sms = models.BooleanField(_("by SMS"), default=True)
    by_wechat = models.BooleanField(_("by WeChat"), default=False)
    by_email = models.BooleanField(_("by e-mail"), default=False)
    wechat_openid = models.CharField(_("WeChat openid"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    DROPPED = "dropped", _("Dropped")


class DropReason(models.TextChoices):
    """Why a message was not sent after all: by the time it could go out (after quiet hours,
    or on a retry) what it announced was no longer true, or a later message replaced it."""

    SUPERSEDED = "superseded", _("A later message about the same thing replaced it")
    STATE_CHANGED = "state_changed", _("What it announced has changed meanwhile")
    STARTED = "started", _("The session has already begun")
    CLOSED = "closed", _("The order is no longer open")
    GONE = "gone", _("What it was about no longer exists")
    NEVER_TOLD = "never_told", _("The person was never sent the message this one follows up")


# Template variables that carry a secret (the initial password a new lecturer gets by SMS):
# the message needs them until it is delivered; nothing keeps them afterwards, and logs and
# pages never show them.
SECRET_PARAMS = frozenset({"password", "code"})
HIDDEN = "******"


def hide_secrets(*, title: str, body: str, params: dict) -> dict:
    """`title`, `body` and `params` with the value of every secret parameter hidden."""
    params = dict(params)
    for name in SECRET_PARAMS & params.keys():
        value = str(params[name])
        if value and value != HIDDEN:
            title, body = title.replace(value, HIDDEN), body.replace(value, HIDDEN)
        params[name] = HIDDEN
    return {"title": title, "body": body, "params": params}


class OutboxMessage(models.Model):
    """One message for one channel, written in the same transaction as the change that
    causes it; workers deliver it with retries. `key` is unique per channel, so the same
    message is never queued twice and providers that take an idempotency key get it."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    county = models.ForeignKey(
        "orgs.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    event = models.CharField(_("event"), max_length=32, choices=Event.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    key = models.CharField(_("idempotency key"), max_length=120)
    address = models.CharField(_("address"), max_length=120)
    title = models.CharField(_("title"), max_length=100)
    body = models.CharField(_("message"), max_length=500)
    url = models.CharField(_("link"), max_length=200, blank=True)
    params = models.JSONField(default=dict, blank=True)
    # What the message is about ("scheduling.booking:42"): messages for one subject and one
    # recipient collapse into the latest, and the subject's app tells whether it still matters.
    subject = models.CharField(_("about"), max_length=60, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), db_index=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=40, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    dropped_reason = models.CharField(
        _("why it was not sent"), max_length=16, choices=DropReason.choices, blank=True
    )
    provider_id = models.CharField(_("provider's id"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["key", "channel"], name="outbox_once_per_channel")
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["county", "status"]),
            models.Index(fields=["subject", "recipient", "channel"], name="outbox_by_subject"),
        ]

    def __str__(self):
        return f"{self.channel} {self.key}"

    @property
    def has_secrets(self) -> bool:
        return bool(SECRET_PARAMS & self.params.keys())

    def without_secrets(self) -> dict:
        """The title, body and params the row keeps once the message is sent or has failed."""
        return hide_secrets(title=self.title, body=self.body, params=self.params)

    @property
    def shown_body(self) -> str:
        return self.without_secrets()["body"]


class ContactKind(models.TextChoices):
    PHONE = "phone", _("mobile number")
    EMAIL = "email", _("e-mail address")


class ContactChangeStatus(models.TextChoices):
    PENDING = "pending", _("waiting for the code")
    CONFIRMED = "confirmed", _("confirmed")
    SUPERSEDED = "superseded", _("replaced by a later request")
    FAILED = "failed", _("too many wrong codes")


class ContactChange(models.Model):
    """A person's new mobile number or e-mail address, applied only once they enter the code
    sent to it (notifications.contact_change). Only a digest of the code is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact_changes"
    )
    kind = models.CharField(_("what changes"), max_length=8, choices=ContactKind.choices)
    new_value = models.CharField(_("new value"), max_length=254)
    code_digest = models.CharField(max_length=64)
    attempts = models.PositiveSmallIntegerField(_("wrong codes entered"), default=0)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ContactChangeStatus.choices,
        default=ContactChangeStatus.PENDING,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("contact change")
        verbose_name_plural = _("contact changes")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"],
                condition=models.Q(status="pending"),
                name="contact_change_one_pending_per_kind",
            )
        ]
