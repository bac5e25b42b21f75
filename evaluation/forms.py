from django import forms
from django.utils.translation import gettext_lazy as _


def _score(label):
    return forms.IntegerField(
        label=label, min_value=0, max_value=100, initial=90,
        widget=forms.NumberInput(attrs={"type": "range", "min": 0, "max": 100, "step": 1}),
    )  # fmt: skip


class TraineeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=32)
    phone = forms.CharField(
        label=_("Mobile number"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    content = _score(_("Content"))
    method = _score(_("Method"))
    effect = _score(_("Effect"))
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
