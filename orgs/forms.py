from django import forms
from django.utils.translation import gettext_lazy as _

from .services import SETTINGS_LIMITS


def _hours(label, help_text, name):
    low, high = SETTINGS_LIMITS[name]
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"min": low, "max": high, "inputmode": "numeric"}),
    )


class CountySettingsForm(forms.Form):
    """The county's booking rules; the ranges are checked by orgs.services."""

    booking_notice_hours = _hours(
        _("Book at least this many hours ahead"),
        _("Branches cannot book a session that starts sooner. County admins may."),
        "booking_notice_hours",
    )
    cancel_notice_hours = _hours(
        _("Cancel at least this many hours ahead"),
        _("Later cancellations need a town or county administrator and are recorded as late."),
        "cancel_notice_hours",
    )
    request_expiry_hours = _hours(
        _("A request expires after this many hours"),
        _("A booking the lecturer has not answered by then expires and the branch is told."),
        "request_expiry_hours",
    )
    town_lecturers_county_wide = forms.BooleanField(
        label=_("Town-level lecturers may be booked anywhere in the county"),
        help_text=_("Off: a town-level lecturer is booked only inside the own town."),
        required=False,
    )
    reminder_hours = forms.CharField(
        label=_("Remind both sides this many hours before a session"),
        help_text=_("Up to three, separated by commas, e.g. 24,2."),
        max_length=20,
    )
    quiet_hours_start = _hours(
        _("No SMS from this hour"), _("Messages are held until the morning."), "quiet_hours_start"
    )
    quiet_hours_end = _hours(
        _("No SMS until this hour"), _("Held messages go out at this hour."), "quiet_hours_end"
    )
    publish_reminder_day = _hours(
        _("Remind lecturers to publish on this day of the month"),
        _("Lecturers who have not published the month are reminded that day."),
        "publish_reminder_day",
    )
    rate_reminder_hours = _hours(
        _("Ask the organisation to rate this many hours after a session"),
        _("The branch is reminded to have the trainees scan the code."),
        "rate_reminder_hours",
    )
    rating_burst_per_minute = _hours(
        _("Hold ratings beyond this many a minute from one address"),
        _(
            "A class on one village Wi-Fi shares an address. Ratings of one session beyond this "
            "many a minute from one address are stored but count only once the organisation "
            "confirms its attendance list or a county reviewer accepts them."
        ),
        "rating_burst_per_minute",
    )
    api_token_days = _hours(
        _("API logins last this many days"),
        _("After that the mini-program asks the user to log in again."),
        "api_token_days",
    )
