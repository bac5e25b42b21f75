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
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbox message")
        verbose_name_plural = _("inbox messages")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        return self.title
