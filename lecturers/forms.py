from django import forms
from django.utils.translation import gettext_lazy as _

from core.widgets import PlainSelect
from courses.models import Category

from .selectors import SORTS

SORT_LABELS = {
    "recommended": _("Recommended"),
    "likes": _("Most liked"),
    "courses": _("Most courses"),
    "name": _("By name"),
    "newest": _("Newest"),
}


class CatalogueFilterForm(forms.Form):
    """The catalogue's search box, category tabs, town filter and sort order."""

    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("All")), *list(Category.choices)], required=False
    )
    # The filter bar shows no visible labels: the selects carry theirs for screen readers.
    town = forms.TypedChoiceField(
        label=_("Town"),
        coerce=int,
        required=False,
        empty_value=None,
        widget=PlainSelect(attrs={"aria-label": _("Town")}),
    )
    sort = forms.ChoiceField(
        label=_("Sort"),
        choices=[(k, SORT_LABELS[k]) for k in SORTS],
        required=False,
        widget=PlainSelect(attrs={"aria-label": _("Sort")}),
    )

    def __init__(self, *args, towns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].choices = [("", _("All towns"))] + [(t.pk, t.name) for t in towns]

    def clean_q(self):
        value = self.cleaned_data["q"]
        if "\x00" in value:
            raise forms.ValidationError(_("Contains an invalid character."))
        return value
