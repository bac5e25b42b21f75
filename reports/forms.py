from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from core.errors import InvalidInput
from core.widgets import PlainDateInput, PlainSelect

from .selectors import Period, default_period

# The longest period one request may ask for: five years of months.
MAX_DAYS = 5 * 366
EARLIEST = date(2000, 1, 1)


class PeriodForm(forms.Form):
    """The period of the figures: `from` and `to` (YYYY-MM-DD, both included), this year
    until today when neither is given. The dashboard page and `GET /api/v1/stats` both read
    it, so that they refuse the same dates with the same words. For county admins (and town
    admins of several towns) also `org_id`: whose figures."""

    def __init__(self, data=None, *, towns=(), whole_county: str = "", period=None):
        initial = {"from": period.first, "to": period.last} if period else None
        super().__init__(data, initial=initial)
        date_field = {
            "required": False,
            "input_formats": ["%Y-%m-%d"],
            "widget": PlainDateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "error_messages": {"invalid": _("Enter a date such as 2026-03-15.")},
        }
        self.fields["from"] = forms.DateField(label=_("From"), **date_field)
        self.fields["to"] = forms.DateField(label=_("To"), **date_field)
        choices = [(str(town.pk), town.name) for town in towns]
        if whole_county:
            choices.insert(0, ("", whole_county))
        if len(choices) > 1:
            self.fields["org_id"] = forms.ChoiceField(
                label=_("Area"),
                choices=choices,
                required=False,
                widget=PlainSelect,
                error_messages={"invalid_choice": _("Choose the county or one of its towns.")},
            )

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("from"), cleaned.get("to")
        if self.errors:
            return cleaned
        default = default_period()
        first = first or (date(last.year, 1, 1) if last else default.first)
        last = last or max(first, default.last)
        for name, day in (("from", first), ("to", last)):
            if day < EARLIEST or day.year > 9998:
                self.add_error(name, _("Choose a date from the year 2000 on."))
        if self.errors:
            return cleaned
        if first > last:
            self.add_error("to", _("The end must not be before the start."))
        elif (last - first).days >= MAX_DAYS:
            self.add_error("to", _("Choose a period of at most five years."))
        cleaned["period"] = Period(first, last)
        return cleaned

    def period_or_error(self) -> Period:
        """The period, or InvalidInput naming each bad field (for the API)."""
        if not self.is_valid():
            raise InvalidInput(fields={name: errors[0] for name, errors in self.errors.items()})
        return self.cleaned_data["period"]
