"""Forms of the pool beyond the calls and of the improvement programme. Fields the services
check are optional here, so that the service's Chinese message lands on the field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from lecturers.models import Source

from .forms import _date_field
from .pool_models import HireKind, InviteeKind, ReserveFeed
from .programme_models import ActivityKind


def _datetime_field(label, **kw):
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    return forms.DateTimeField(label=label, widget=widget, **kw)


def _choices(rows, empty="—"):
    return [("", empty), *rows]


class OrgChoiceMixin:
    def set_orgs(self, orgs, field="org_id"):
        self.fields[field].choices = _choices((o.pk, o.name) for o in orgs)


class InvitationForm(OrgChoiceMixin, forms.Form):
    expert_name = forms.CharField(label=_("Expert"), max_length=32)
    kind = forms.ChoiceField(label=_("Kind of expert"), choices=_choices(InviteeKind.choices))
    affiliation = forms.CharField(label=_("Institution"), max_length=100)
    expert_title = forms.CharField(label=_("Post or title"), max_length=100, required=False)
    topic = forms.CharField(label=_("Topic"), max_length=200, required=False)
    letter_no = forms.CharField(label=_("Invitation letter number"), max_length=64, required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
    org_id = forms.TypedChoiceField(label=_("Invited by"), coerce=int, required=False)

    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.set_orgs(orgs)


class InvitedSessionForm(forms.Form):
    starts_at = _datetime_field(_("Start"), required=False)
    ends_at = _datetime_field(_("End"), required=False)
    place = forms.CharField(label=_("Place"), max_length=200)
    attendees = forms.IntegerField(label=_("Attendees"), min_value=0, max_value=100_000, initial=0)


class HiringForm(OrgChoiceMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind of practitioner"), choices=_choices(HireKind.choices))
    org_id = forms.TypedChoiceField(label=_("Hired by"), coerce=int, required=False)
    lecturer_id = forms.TypedChoiceField(
        label=_("An existing lecturer"), coerce=int, required=False, empty_value=None,
        help_text=_("Or leave empty and enter a new lecturer below."),
    )  # fmt: skip
    name = forms.CharField(label=_("Name"), max_length=32, required=False)
    phone = forms.CharField(label=_("Mobile number"), max_length=32, required=False)
    source = forms.ChoiceField(label=_("Source"), choices=_choices(Source.choices), required=False)
    specialties = forms.CharField(label=_("Specialties"), max_length=300, required=False)
    term_years = forms.IntegerField(label=_("Term in years"), min_value=1, max_value=10, initial=3)

    def __init__(self, *args, orgs=(), lecturers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.set_orgs(orgs)
        self.fields["lecturer_id"].choices = _choices((lec.pk, lec.name) for lec in lecturers)


class CampaignForm(OrgChoiceMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100, help_text=_("e.g. 我来讲党课"))
    starts_on = _date_field(_("First day"), required=False)
    ends_on = _date_field(_("Last day"), required=False)
    description = forms.CharField(
        label=_("Description"), max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    org_id = forms.TypedChoiceField(label=_("Organised by"), coerce=int, required=False)

    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.set_orgs(orgs)


class CampaignSessionForm(forms.Form):
    booking_id = forms.TypedChoiceField(label=_("Session"), coerce=int)

    def __init__(self, *args, bookings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["booking_id"].choices = _choices(
            (b.pk, f"{b.start_at:%Y-%m-%d} {b.lecturer.name} · {b.course.title} · {b.org.name}")
            for b in bookings
        )


class ReserveForm(OrgChoiceMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=32)
    phone = forms.CharField(label=_("Mobile number"), max_length=32)
    org_id = forms.TypedChoiceField(label=_("Unit"), coerce=int, required=False)
    feed = forms.ChoiceField(label=_("Found at"), choices=_choices(ReserveFeed.choices))
    event = forms.CharField(
        label=_("Contest or forum"), max_length=100, help_text=_("e.g. 青年先锋论坛 2026年5月")
    )
    event_on = _date_field(_("Held on"), required=False)
    specialties = forms.CharField(label=_("Specialties"), max_length=300, required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, orgs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.set_orgs(orgs)


class PromoteForm(forms.Form):
    call_id = forms.TypedChoiceField(label=_("Call for nominations"), coerce=int)
    reason = forms.CharField(
        label=_("Why this member"), max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip

    def __init__(self, *args, calls=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["call_id"].choices = _choices((c.pk, c.title) for c in calls)


class ReserveFilterForm(forms.Form):
    feed = forms.ChoiceField(
        label=_("Found at"), required=False, choices=_choices(ReserveFeed.choices, _("All"))
    )
    state = forms.ChoiceField(
        label=_("Show"), required=False,
        choices=[("", _("All")), ("waiting", _("In reserve")), ("promoted", _("Put forward"))],
    )  # fmt: skip


class ActivityForm(OrgChoiceMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=_choices(ActivityKind.choices))
    title = forms.CharField(label=_("Title"), max_length=100)
    starts_at = _datetime_field(_("Start"), required=False)
    ends_at = _datetime_field(_("End"), required=False)
    place = forms.CharField(label=_("Place"), max_length=200)
    hours = forms.DecimalField(
        label=_("Hours credited"), required=False, max_digits=4, decimal_places=1,
        help_text=_("Leave empty to credit the activity's length."),
    )  # fmt: skip
    org_id = forms.TypedChoiceField(label=_("Organised by"), coerce=int, required=False)
    need = forms.CharField(
        label=_("Need it answers"), max_length=300, required=False,
        help_text=_("Outside training: what is missing (缺什么、补什么)."),
    )  # fmt: skip
    requested_by_ids = forms.TypedMultipleChoiceField(
        label=_("Asked for by"), coerce=int, required=False,
        help_text=_("Outside training: the lecturers who asked for it."),
    )  # fmt: skip
    participant_ids = forms.TypedMultipleChoiceField(
        label=_("Participants"), coerce=int, required=False
    )
    visiting_teacher_id = forms.TypedChoiceField(
        label=_("Visiting teacher"), coerce=int, required=False, empty_value=None,
        help_text=_("A city teacher's visit: the teacher who goes."),
    )  # fmt: skip
    town_id = forms.TypedChoiceField(
        label=_("Town visited"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, orgs=(), lecturers=(), towns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.set_orgs(orgs)
        people = [(lec.pk, lec.name) for lec in lecturers]
        self.fields["requested_by_ids"].choices = people
        self.fields["participant_ids"].choices = people
        self.fields["visiting_teacher_id"].choices = _choices(people)
        self.fields["town_id"].choices = _choices((t.pk, t.name) for t in towns)


class ActivityFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=_choices(ActivityKind.choices, _("All"))
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)


class CheckInCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Check-in code"), max_length=30,
        help_text=_("The code under the QR code, e.g. 12-345678."),
    )  # fmt: skip


class AttendanceMarkForm(forms.Form):
    lecturer_id = forms.TypedChoiceField(label=_("Lecturer"), coerce=int)
    note = forms.CharField(
        label=_("Note"), max_length=200, required=False,
        help_text=_("Why by hand, e.g. no phone with them."),
    )  # fmt: skip

    def __init__(self, *args, lecturers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lecturer_id"].choices = _choices((lec.pk, lec.name) for lec in lecturers)
