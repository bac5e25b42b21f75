from django import forms
from django.utils.translation import gettext_lazy as _

from core.text import parse_id
from courses.models import Category
from lecturers.models import Gender, HonourTitle, LecturerLevel, LecturerStatus, Source
from orgs.models import OrgLevel

from .imports.files import MAX_UPLOAD_BYTES
from .models import BulkAction, ImportKind


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


# --- Lecturer management -------------------------------------------------------------------


def _blank(label):
    return [("", label)]


class LecturerFilterForm(forms.Form):
    """The lecturer list's search and filters; a bad value is dropped rather than refused."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name, pinyin, initials or phone")}
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=_blank(_("Every status")) + list(LecturerStatus.choices),
    )
    level = forms.ChoiceField(
        label=_("Level"),
        required=False,
        choices=_blank(_("Every level")) + list(LecturerLevel.choices),
    )
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=_blank(_("Every source")) + list(Source.choices)
    )
    town = forms.ModelChoiceField(
        label=_("Town"), required=False, queryset=None, empty_label=_("Every town")
    )
    category = forms.ChoiceField(
        label=_("Course category"),
        required=False,
        choices=_blank(_("Every category")) + list(Category.choices),
    )
    honour = forms.ChoiceField(
        label=_("Honour"),
        required=False,
        choices=_blank(_("Any or none")) + list(HonourTitle.choices),
    )
    idle_this_year = forms.BooleanField(label=_("No session this year"), required=False)

    def __init__(self, *args, towns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = towns

    def clean_q(self):
        value = self.cleaned_data["q"]
        if "\x00" in value:
            raise forms.ValidationError(_("Contains an invalid character."))
        return value


class IdListField(forms.Field):
    """The ids of the rows ticked in a list (checkboxes of one name)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Select at least one lecturer."),
        "invalid": _("Reload the list and select again."),
    }

    def to_python(self, value) -> list[int]:
        if value in self.empty_values:
            return []
        ids = [parse_id(v) for v in (value if isinstance(value, list | tuple) else [value])]
        if None in ids:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return ids


class LecturerBulkForm(forms.Form):
    """One action on the rows ticked in the list; the level move is the county's."""

    lecturers = IdListField(label=_("Lecturers"))
    action = forms.ChoiceField(label=_("Action"), choices=BulkAction.choices)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=300,
        help_text=_("Needed to activate; the lecturers are told it."),
    )
    level = forms.ChoiceField(
        label=_("New level"),
        required=False,
        choices=_blank(_("Choose a level")) + list(LecturerLevel.choices),
        help_text=_("For a move to another level."),
    )

    def __init__(self, *args, may_move_level: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_move_level:
            self.fields["action"].choices = [(BulkAction.ACTIVATE.value, BulkAction.ACTIVATE.label)]
            del self.fields["level"]


def _org_label(org) -> str:
    """A branch with its town (many towns have a 东村); towns and county units by name."""
    if org.parent_id and org.parent.level == OrgLevel.TOWN:
        return f"{org.parent.name} · {org.name}"
    return org.name


class LecturerCreateForm(forms.Form):
    """A new lecturer; lecturers.services.lecturer_create checks every field again."""

    name = forms.CharField(label=_("Name"), max_length=32)
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=32,
        help_text=_("The login; the initial password is sent to it by SMS."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices)
    level = forms.ChoiceField(label=_("Level"), choices=LecturerLevel.choices)
    org = forms.TypedChoiceField(
        label=_("Organisation"), coerce=int, required=False, empty_value=None
    )
    gender = forms.ChoiceField(
        label=_("Gender"), required=False, choices=_blank(_("Not given")) + list(Gender.choices)
    )
    birth_year = forms.IntegerField(label=_("Year of birth"), required=False)
    unit = forms.CharField(label=_("Unit"), required=False, max_length=100)
    post = forms.CharField(label=_("Post"), required=False, max_length=100)
    specialties = forms.CharField(
        label=_("Specialties"),
        required=False,
        max_length=300,
        help_text=_("Separated by 、 such as 党史、乡村振兴"),
    )
    bio = forms.CharField(
        label=_("Biography"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args, orgs, is_county_admin: bool, **kwargs):
        super().__init__(*args, **kwargs)
        org = self.fields["org"]
        org.choices = [(o.pk, _org_label(o)) for o in orgs]
        if is_county_admin:
            org.choices = _blank(_("The county itself")) + org.choices
            org.help_text = _(
                "Decides the lecturer's town; a town-level lecturer belongs to a town or one of its branches."
            )
        else:
            # Town admins add the town-level lecturers of their own town.
            org.required = True
            self.fields["level"].choices = [(LecturerLevel.TOWN.value, LecturerLevel.TOWN.label)]
