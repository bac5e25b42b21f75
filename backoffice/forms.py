from django import forms
from django.utils.translation import gettext_lazy as _

from .imports.files import MAX_UPLOAD_BYTES
from .models import ImportKind


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What to import"), choices=ImportKind.choices)
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        help_text=_("At most %(mb)d MB and 10,000 rows; start from the template below.")
        % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )


class AuditFilterForm(forms.Form):
    """The audit page's filters; a bad value is dropped rather than refused."""

    actor = forms.CharField(label=_("Who"), required=False, max_length=64)
    action = forms.ChoiceField(label=_("Action"), required=False)
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, actions=(), object_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("Every action")), *((a, a) for a in actions)]
        self.fields["object_type"].choices = [
            ("", _("Every type")),
            *((t, t) for t in object_types),
        ]
