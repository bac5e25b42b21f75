from django import forms
from django.utils.translation import gettext_lazy as _

from core.images import PHOTO_ACCEPT, photo_limit_mb
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


# --- One lecturer's management pages -----------------------------------------------------


class LecturerEditForm(forms.Form):
    """The résumé, level, source, specialties, appointment and photo of one lecturer. Those
    who may not set the county's terms (town admins) get the form without level and
    appointment; `version` is the one the edit started from (lecturers.services.lecturer_update)."""

    # The form's fields that lecturer_update takes under another name.
    field_map = {"org_id": "org"}
    county_fields = ("level", "appointed_from", "appointed_until")

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    name = forms.CharField(label=_("Name"), max_length=32)
    gender = forms.ChoiceField(
        label=_("Gender"), choices=[("", "—"), *Gender.choices], required=False
    )
    birth_year = forms.IntegerField(label=_("Year of birth"), required=False)
    org = forms.TypedChoiceField(label=_("Organisation"), coerce=int, empty_value=None)
    unit = forms.CharField(label=_("Unit"), max_length=100, required=False)
    post = forms.CharField(label=_("Post"), max_length=100, required=False)
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices)
    level = forms.ChoiceField(label=_("Level"), choices=LecturerLevel.choices)
    specialties = forms.CharField(
        label=_("Specialties"),
        max_length=300,
        required=False,
        help_text=_("Separate several with “、”."),
    )
    teaching_style = forms.CharField(label=_("Teaching style"), max_length=300, required=False)
    bio = forms.CharField(
        label=_("Biography"), max_length=3000, required=False, widget=forms.Textarea
    )
    lat = forms.FloatField(label=_("Latitude"), required=False)
    lng = forms.FloatField(label=_("Longitude"), required=False)
    appointed_from = forms.DateField(
        label=_("Appointed from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    appointed_until = forms.DateField(
        label=_("Appointed until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    photo = forms.FileField(
        label=_("New photo"),
        required=False,
        help_text=_("JPG, PNG or WebP, at most %(mb)d MB; stored as a JPEG without its metadata.")
        % {"mb": photo_limit_mb()},
        widget=forms.ClearableFileInput(attrs={"accept": PHOTO_ACCEPT}),
    )

    def __init__(self, *args, lecturer, orgs, is_county: bool, **kwargs):
        initial = {
            "version": lecturer.version,
            "org": lecturer.org_id,
            **{
                name: getattr(lecturer, name)
                for name in self.base_fields
                if name not in ("version", "org", "photo")
            },
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["org"].choices = org_choices(orgs, blank=is_county)
        self.fields["org"].required = not is_county
        if not is_county:
            for name in self.county_fields:
                del self.fields[name]

    def changes(self) -> dict:
        """The fields the person changed, under lecturer_update's names."""
        data = self.cleaned_data
        names = [n for n in self.changed_data if n not in ("version", "photo")]
        return {("org_id" if n == "org" else n): data[n] for n in names}


def org_choices(orgs, *, blank: bool) -> list:
    """Organisations grouped by town for a select: the county's own units first."""
    towns = sorted((o for o in orgs if o.level == OrgLevel.TOWN), key=lambda o: o.name)
    town_ids = {t.pk for t in towns}
    others = sorted((o for o in orgs if o.level == OrgLevel.VILLAGE), key=lambda o: o.name)
    choices = [("", _("None (a county-level lecturer)"))] if blank else [("", "—")]
    units = [(o.pk, o.name) for o in others if o.parent_id not in town_ids]
    if units:
        choices.append((_("County units"), units))
    for town in towns:
        branches = [(o.pk, o.name) for o in others if o.parent_id == town.pk]
        choices.append((town.name, [(town.pk, town.name), *branches]))
    return choices


class HonourGrantForm(forms.Form):
    title = forms.ChoiceField(label=_("Honour"), choices=HonourTitle.choices)
    year = forms.IntegerField(label=_("Year"))
    note = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("Shown with the honour, e.g. “2025 appraisal: good”."),
        error_messages={"required": _("Give the reason for the honour.")},
    )


class ReasonForm(forms.Form):
    """A withdrawal's reason."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give the reason.")},
    )


class StatusMoveForm(forms.Form):
    """A lifecycle move. Any status reads, so that a move the machine refuses gets the
    machine's own reason (lecturers.lifecycle); the options shown are the allowed moves."""

    status = forms.ChoiceField(
        label=_("New status"), choices=LecturerStatus.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The lecturer receives it with the message about the move."),
        error_messages={"required": _("Give the reason for the move.")},
    )

    def __init__(self, *args, moves: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].widget.choices = [
            (value, LecturerStatus(value).label) for value in moves
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
    priority = forms.BooleanField(
        label=_("三优先 (quality-course winners: first for competitions, outside study, awards)"),
        required=False,
    )

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
