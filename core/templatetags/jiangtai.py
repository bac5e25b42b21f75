from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def stars(star):
    """★★★★☆ for a 1-5 star level; a plain note when there are no ratings yet."""
    if not star:
        return format_html('<span class="muted small">{}</span>', _("Not yet rated"))
    star = max(1, min(5, int(star)))
    return format_html(
        '<span class="stars" title="{}">{}{}</span>',
        _("%(n)d stars") % {"n": star},
        "★" * star,
        "☆" * (5 - star),
    )


@register.filter
def first_char(name: str) -> str:
    return (name or "?")[:1]


@register.filter
def has_field_errors(form) -> bool:
    """Errors on a named field (not only the form-wide ones)."""
    return any(name != "__all__" for name in form.errors)


@register.simple_tag
def when(start, end=None) -> str:
    """{% when booking.start_at booking.end_at %} → 12月3日 周四 09:00–11:00"""
    from core.timeutil import when_label

    return when_label(start, end) if start else ""


@register.filter
def day(value) -> str:
    from datetime import datetime

    from core.timeutil import day_label, local

    if isinstance(value, datetime):
        value = local(value).date()
    return day_label(value) if value else ""


STATUS_CLASSES = {
    "requested": "gold",
    "pending": "gold",
    "confirmed": "green",
    "approved": "green",
    "rejected": "grey",
    # outgoing messages (notifications.DeliveryStatus); the plain badge is red
    "queued": "gold",
    "sending": "gold",
    "sent": "green",
    "failed": "",
    # demands and who was told of them (matching.DemandStatus, NoticeOutcome)
    "open": "gold",
    "taken": "green",
    "notified": "gold",
    "grabbed": "green",
    "dropped": "",
    # Excel imports (backoffice.ImportStatus)
    "checking": "gold",
    "running": "gold",
    "done": "green",
    "invalid": "",
    # lecturers (lecturers.LecturerStatus)
    "candidate": "gold",
    "active": "green",
    "cold_store": "grey",
    "removed": "",
}


@register.filter
def status_class(status: str) -> str:
    """The badge colour of a booking, approval, delivery, demand or notice status."""
    return STATUS_CLASSES.get(status, "grey")
