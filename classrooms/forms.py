from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import MultipleFileField
from core.images import PHOTO_ACCEPT
from courses.models import Category, Classroom
from orgs.models import MemberGroup
from scheduling.models import PlaceType

from .models import MeetingKind, TimePreference

BLANK = [("", _("No preference"))]


class AnswerForm(forms.Form):
    """The member's answer on the phone. Opened from a branch's QR code, the organisation
    (and its member group) are filled in and hidden: a topic, the phone, send."""

    topics = forms.MultipleChoiceField(
        label=_("Which topics would you like to learn about?"),
        widget=forms.CheckboxSelectMultiple,
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=32,
        help_text=_("One answer per mobile number."),
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "tel"}
        ),
    )
    org = forms.TypedChoiceField(label=_("Your party organisation"), coerce=int)
    group = forms.ChoiceField(label=_("Member group"), choices=MemberGroup.choices)
    categories = forms.MultipleChoiceField(
        label=_("Categories you are interested in"),
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    classroom = forms.ChoiceField(
        label=_("Preferred classroom"), choices=BLANK + Classroom.choices, required=False
    )
    time_preference = forms.ChoiceField(
        label=_("Preferred time"), choices=BLANK + TimePreference.choices, required=False
    )
    comment = forms.CharField(
        label=_("Other wishes"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, survey, orgs, org=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topics"].choices = [(t.title, t.title) for t in survey.topics.all()]
        self.fields["org"].choices = [("", _("Choose…"))] + [(o.pk, o.name) for o in orgs]
        if org is not None:
            self.fields["org"].initial = org.pk
            self.fields["org"].widget = forms.HiddenInput()
            if org.group:
                self.fields["group"].initial = org.group
                self.fields["group"].widget = forms.HiddenInput()


class SurveyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    topics = forms.CharField(
        label=_("Topics offered"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One topic a line; a category after a vertical bar: 乡村振兴|situation_policy"),
    )
    closes_at = forms.DateTimeField(label=_("Closes at"), required=False)

    def topic_list(self) -> list[dict]:
        result = []
        for line in self.cleaned_data["topics"].splitlines():
            title, _bar, category = line.partition("|")
            if title.strip():
                result.append({"title": title.strip(), "category": category.strip()})
        return result


class GapAssignForm(forms.Form):
    topic_id = forms.IntegerField(widget=forms.HiddenInput)
    lecturer = forms.TypedChoiceField(label=_("Lecturer"), coerce=int)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args, lecturers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lecturer"].choices = [("", _("Choose…"))] + [
            (le.pk, le.name) for le in lecturers
        ]


class FieldReportForm(forms.Form):
    attendees = forms.IntegerField(
        label=_("Members present"),
        widget=forms.NumberInput(attrs={"min": 1, "inputmode": "numeric"}),
    )
    summary = forms.CharField(
        label=_("What was taught and how it went"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    feedback = forms.CharField(
        label=_("What the members said"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photos = MultipleFileField(
        label=_("Photos"),
        accept=PHOTO_ACCEPT,
        help_text=_(
            "Up to 6 JPG or PNG photos. They are made smaller and their location is removed."
        ),
    )


class CaseFilterForm(forms.Form):
    """The case list's filters; a bad value is dropped rather than refused."""

    town = forms.TypedChoiceField(label=_("Town"), coerce=int, required=False, empty_value=None)
    place_type = forms.ChoiceField(
        label=_("Place"), choices=[("", _("Every place")), *PlaceType.choices], required=False
    )
    lecturer = forms.CharField(label=_("Lecturer"), max_length=32, required=False)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, towns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].choices = [("", _("Every town")), *((t.pk, t.name) for t in towns)]


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    held_at = forms.DateTimeField(
        label=_("Held at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    agenda = forms.CharField(
        label=_("Agenda"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    attendees = forms.CharField(
        label=_("Attendees"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    minutes = forms.CharField(
        label=_("Minutes"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Can be written after the meeting."),
    )
    attachments = MultipleFileField(
        label=_("Attachments"),
        accept=".pdf,.doc,.docx,.xls,.xlsx,.jpg,.jpeg,.png",
        help_text=_("PDF, Word, Excel or photos, up to 10 MB each."),
    )


class IssueForm(forms.Form):
    title = forms.CharField(label=_("Issue"), max_length=300)
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, required=False, empty_value=None)
    due_on = forms.DateField(label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", _("Choose…"))] + [
            (u.pk, u.display_name) for u in owners
        ]


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("What was done"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class GroupViewingForm(forms.Form):
    """A branch logs that its members watched a video lesson together."""

    org = forms.TypedChoiceField(label=_("Party organisation"), coerce=int)
    held_at = forms.DateTimeField(
        label=_("Watched at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    attendees = forms.IntegerField(
        label=_("Members present"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    group = forms.ChoiceField(
        label=_("Member group"),
        choices=[("", _("The organisation's own")), *MemberGroup.choices],
        required=False,
    )

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [(o.pk, o.name) for o in orgs]
        if len(orgs) == 1:
            self.fields["org"].initial = orgs[0].pk
