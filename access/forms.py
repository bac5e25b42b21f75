"""The county's rules form and the organisation picker; both need the access module, which sits
above `orgs`."""

from django import forms
from django.utils.translation import gettext_lazy as _

import access
from core.text import parse_id
from orgs.selectors import org_label, org_search

from .services import SETTINGS_LIMITS


def _hours(label, help_text, name):
    low, high = SETTINGS_LIMITS[name]
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"min": low, "max": high, "inputmode": "numeric"}),
    )


class CountySettingsForm(forms.Form):
    """The county's booking rules; the ranges are checked by access.services."""

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
    login_max_failures = _hours(
        _("Lock an account after this many failed logins"),
        _(
            "Counted within the lock time below; the person waits, or an administrator resets the password."
        ),
        "login_max_failures",
    )
    login_lockout_minutes = _hours(
        _("Minutes an account stays locked"),
        _("Also how long failed logins are remembered."),
        "login_lockout_minutes",
    )
    session_idle_minutes = _hours(
        _("Log a browser out after this many idle minutes"),
        _(
            "Whoever leaves a page open longer logs in again; the mini-program's logins are not affected."
        ),
        "session_idle_minutes",
    )
    rating_open_hours = _hours(
        _("Trainees may rate until this many hours after a session"),
        _("The QR code opens 30 minutes before the start and closes then."),
        "rating_open_hours",
    )
    star_thresholds = forms.CharField(
        label=_("Lowest score for 5, 4, 3 and 2 stars"),
        help_text=_(
            "Four scores, each lower than the one before, e.g. 90,80,70,60. A change re-stars "
            "every lecturer and course of the county at once."
        ),
        max_length=20,
    )


class OrgPicker(forms.Widget):
    """Choose an organisation by typing its name, pinyin or initials; each shows its town.

    The options are radio buttons: the chosen one first, then the matches, fetched again from
    `search_url` (htmx) as the person types. Without scripts the first options still work."""

    template_name = "orgs/widgets/org_picker.html"

    def __init__(self, *, orgs=(), search_url: str = "", attrs=None):
        super().__init__(attrs)
        self.orgs = list(orgs)
        self.search_url = search_url

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        selected = parse_id(value)
        options, more = org_search(self.orgs, selected_id=selected)
        context["widget"].update(
            options=[(org.pk, org_label(org)) for org in options],
            selected=selected,
            more=more,
            search_url=self.search_url,
        )
        return context


def use_org_picker(form: forms.Form, *, user, orgs, search_url: str, name: str = "org") -> None:
    """Show `form`'s choice field `name` (its choices: `orgs`, those the user may use here) as
    a picker, preselecting the user's own organisation."""
    field = form.fields[name]
    field.widget = OrgPicker(orgs=orgs, search_url=search_url)
    if field.initial is None and name not in form.initial:
        own = access.own_org_ids(user)
        field.initial = next((org.pk for org in orgs if org.pk in own), None)
