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
