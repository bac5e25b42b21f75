from django import forms
from django.utils.translation import gettext_lazy as _

from core.widgets import PlainSelect


def _score(label):
    return forms.IntegerField(
        label=label, min_value=0, max_value=100, initial=90,
        widget=forms.NumberInput(attrs={"type": "range", "min": 0, "max": 100, "step": 1}),
    )  # fmt: skip


def _unset_score(label):
    """A score the trainee must choose: kept in a hidden field that the page's slider fills
    (the slider itself has no name), so that a tap on submit never records a default."""
    return forms.IntegerField(
        label=label, min_value=0, max_value=100, widget=forms.HiddenInput,
        error_messages={"required": _("Slide to choose a score.")},
    )  # fmt: skip


class TraineeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=32)
    phone = forms.CharField(
        label=_("Mobile number"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    content = _unset_score(_("Content"))
    method = _unset_score(_("Method"))
    effect = _unset_score(_("Effect"))
    # A random key per form shown: a retry of the same submission (sent again when the phone
    # is back online) is recognised as the first (evaluation.services.trainee_rate).
    key = forms.CharField(max_length=32, required=False, widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class OrgRatingForm(forms.Form):
    """The lecturer's "1+3" rating of the organisation after the session (L10)."""

    performance = _score(_("Overall performance"))
    discipline = _score(_("Classroom discipline"))
    engagement = _score(_("Member engagement"))
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


YEAR_CHOICES_BACK = 5


class RankingFilterForm(forms.Form):
    """The rankings' filters: category (lecturers only), town and year."""

    category = forms.ChoiceField(label=_("Category"), required=False, widget=PlainSelect)
    town = forms.TypedChoiceField(
        label=_("Town"), coerce=int, required=False, empty_value=None, widget=PlainSelect
    )
    year = forms.TypedChoiceField(
        label=_("Year"), coerce=int, required=False, empty_value=None, widget=PlainSelect
    )

    def __init__(self, *args, towns=(), this_year: int, **kwargs):
        from courses.models import Category

        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("All categories")), *Category.choices]
        self.fields["town"].choices = [("", _("All towns"))] + [(t.pk, t.name) for t in towns]
        self.fields["year"].choices = [("", _("All years"))] + [
            (y, str(y)) for y in range(this_year, this_year - YEAR_CHOICES_BACK, -1)
        ]


class MonthField(forms.CharField):
    """`YYYY-MM` (the value of an <input type=month>) as the first day of that month."""

    widget = forms.TextInput(attrs={"type": "month", "pattern": r"\d{4}-\d{2}"})

    def to_python(self, value):
        import re
        from datetime import date

        value = super().to_python(value)
        if not value:
            return None
        match = re.fullmatch(r"(20\d\d)-(0[1-9]|1[0-2])", value)
        if not match:
            raise forms.ValidationError(_("Enter a month as YYYY-MM."))
        return date(int(match.group(1)), int(match.group(2)), 1)


class PeriodForm(forms.Form):
    """The roll-up's period: `from` and `to` month, both included (named as in the address)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from"] = MonthField(label=_("From month"), required=False)
        self.fields["to"] = MonthField(label=_("To month"), required=False)
