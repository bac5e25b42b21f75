"""The booking pages' forms. They parse what people type (dates, times, numbers); the rules
themselves stay in the services, whose field errors `apply_service_error` puts back on the
form fields."""

from datetime import date, datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.forms import apply_service_error  # noqa: F401 (the views import it from here)
from core.timeutil import add_months, aware, local, month_label, when_label
from courses.models import Classroom

from .models import HomeReason, PlaceType
from .services import MAX_ATTENDEES

SLOT_ROWS = 8
MAX_SLOT_ROWS = 70


def combine(day: date, at: time) -> datetime:
    """A date and a time of day typed on the page, in Shanghai time."""
    return aware(datetime.combine(day, at))


class DayField(forms.DateField):
    """A calendar date from <input type=date>; years outside 2000-2099 are typos."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d", "%Y/%m/%d"])
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value and not 2000 <= value.year <= 2099:
            raise forms.ValidationError(_("Enter a real date."), code="out_of_range")


class TimeOfDayField(forms.TimeField):
    widget = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%H:%M", "%H:%M:%S"])
        super().__init__(**kwargs)


class IntervalMixin:
    """date + start_time + end_time → cleaned_data["start"], ["end"] (aware datetimes)."""

    def combine_interval(self, cleaned: dict, *, required: bool = True) -> None:
        day, start, end = cleaned.get("date"), cleaned.get("start_time"), cleaned.get("end_time")
        given = [name for name in ("date", "start_time", "end_time") if name not in self.errors]
        if day and start and end:
            cleaned["start"], cleaned["end"] = combine(day, start), combine(day, end)
            # The services check these too; checking here shows them in the same round as
            # the form's other errors.
            if cleaned["start"] <= timezone.now():
                self.add_error("date", _("This time has already passed."))
            if end <= start:
                self.add_error("end_time", _("The end must be after the start."))
            return
        if not required and not (day or start or end):
            return
        for name in given:
            if not cleaned.get(name):
                self.add_error(name, _("This field is required."))


# --- Booking ---------------------------------------------------------------------------------


# --- the session's place, shared by the booking and demand forms -----------------------------


def venue_field() -> forms.CharField:
    return forms.CharField(
        label=gettext_lazy("Venue"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Leave empty to use the organisation's address."),
    )


def attendees_field(**kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        label=gettext_lazy("Expected attendees"),
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_ATTENDEES, "inputmode": "numeric"}),
        **kwargs,
    )


def classroom_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=gettext_lazy("Type of classroom"),
        choices=Classroom.choices,
        initial=Classroom.CLASSROOM,
    )


class SessionPlaceMixin:
    """What a booking and a demand share: the organisation it is for (a choice among `orgs`),
    the venue (`venue_field`, empty: the organisation's address), the expected attendees
    (`attendees_field`) and the classroom (`classroom_field`)."""

    def set_orgs(self, orgs) -> None:
        self.orgs = {org.pk: org for org in orgs}
        self.fields["org"].choices = [("", _("Choose the organisation"))] + [
            (org.pk, org.name) for org in orgs
        ]
        if len(orgs) == 1:
            self.fields["org"].initial = orgs[0].pk

    def clean_expected_attendees(self):
        value = self.cleaned_data["expected_attendees"]
        if not 1 <= value <= MAX_ATTENDEES:
            raise forms.ValidationError(
                _("Enter between 1 and %(n)d attendees.") % {"n": MAX_ATTENDEES}
            )
        return value

    def default_venue(self, cleaned: dict) -> None:
        """An empty venue is the chosen organisation's address."""
        org = self.orgs.get(cleaned.get("org"))
        if org is not None and not cleaned.get("venue"):
            cleaned["venue"] = org.address


class ProposedTimeForm(IntervalMixin, forms.Form):
    """The time typed into the booking form, read on its own to warn of a clash at once."""

    date = DayField()
    start_time = TimeOfDayField()
    end_time = TimeOfDayField()

    def clean(self):
        cleaned = super().clean()
        self.combine_interval(cleaned)
        return cleaned


class BookingForm(SessionPlaceMixin, IntervalMixin, forms.Form):
    org = forms.TypedChoiceField(
        label=gettext_lazy("Booking organisation"),
        coerce=int,
        error_messages={"invalid_choice": gettext_lazy("You may not book for this organisation.")},
    )
    course = forms.TypedChoiceField(
        label=gettext_lazy("Course"),
        coerce=int,
        error_messages={
            "invalid_choice": gettext_lazy("Choose one of this lecturer's offered courses.")
        },
    )
    slot = forms.TypedChoiceField(
        label=gettext_lazy("A time the lecturer published"),
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": gettext_lazy(
                "This time slot is no longer free; choose another one or propose a time."
            )
        },
    )
    date = DayField(label=gettext_lazy("Date"), required=False)
    start_time = TimeOfDayField(label=gettext_lazy("Start"), required=False)
    end_time = TimeOfDayField(label=gettext_lazy("End"), required=False)
    venue = venue_field()
    expected_attendees = attendees_field()
    classroom = classroom_field()
    is_home_delivery = forms.BooleanField(
        label=gettext_lazy("Home delivery (送教上门): take the lesson to a member who cannot come"),
        required=False,
    )
    place_type = forms.ChoiceField(
        label=gettext_lazy("Where the bench classroom goes"),
        choices=[("", gettext_lazy("Not an outreach session")), *PlaceType.choices],
        required=False,
        help_text=gettext_lazy(
            "For bench-classroom sessions in communities, firms, fields and homes."
        ),
    )
    home_delivery_need = forms.CharField(
        label=gettext_lazy("The member's need"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Only for home delivery in a bench classroom."),
    )
    home_member_name = forms.CharField(
        label=gettext_lazy("Member served"),
        max_length=32,
        required=False,
        help_text=gettext_lazy(
            "Seen only by your organisation and the county, never by the lecturer's public page."
        ),
    )
    home_member_reason = forms.ChoiceField(
        label=gettext_lazy("Why the member cannot attend"),
        choices=[("", gettext_lazy("Choose…")), *HomeReason.choices],
        required=False,
    )
    note = forms.CharField(
        label=gettext_lazy("Note for the lecturer"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, orgs, courses, slots, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_orgs(orgs)
        self.slots = {slot.pk: slot for slot in slots}
        self.fields["course"].choices = [("", _("Choose a course"))] + [
            (course.pk, course.title) for course in courses
        ]
        if len(courses) == 1:
            self.fields["course"].initial = courses[0].pk
        self.fields["slot"].choices = [("", _("Another time (enter it below)"))] + [
            (slot.pk, when_label(slot.start_at, slot.end_at)) for slot in slots
        ]

    def clean(self):
        cleaned = super().clean()
        slot = self.slots.get(cleaned.get("slot"))
        if slot is not None:
            cleaned["start"], cleaned["end"] = slot.start_at, slot.end_at
        elif "slot" not in self.errors:
            if not any(cleaned.get(f) for f in ("date", "start_time", "end_time")) and not any(
                f in self.errors for f in ("date", "start_time", "end_time")
            ):
                self.add_error(
                    "date", _("Choose one of the published times, or enter a date and times.")
                )
            else:
                self.combine_interval(cleaned)
        self.default_venue(cleaned)
        return cleaned

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "org_id": data["org"],
            "course_id": data["course"],
            "start": data["start"],
            "end": data["end"],
            "venue": data["venue"],
            "expected_attendees": data["expected_attendees"],
            "classroom": data["classroom"],
            "place_type": data["place_type"],
            "is_home_delivery": data["is_home_delivery"],
            "home_delivery_need": data["home_delivery_need"],
            "home_member_name": data["home_member_name"],
            "home_member_reason": data["home_member_reason"],
            "note": data["note"],
        }

    def service_field_map(self) -> dict:
        """Where the service's field names show on this form."""
        uses_slot = bool(self.cleaned_data.get("slot"))
        return {
            "org_id": "org",
            "course_id": "course",
            "lecturer_id": "course",
            "start": "slot" if uses_slot else "date",
            "end": "slot" if uses_slot else "end_time",
        }


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class RescheduleForm(IntervalMixin, forms.Form):
    date = DayField(label=gettext_lazy("New date"))
    start_time = TimeOfDayField(label=gettext_lazy("Start"))
    end_time = TimeOfDayField(label=gettext_lazy("End"))
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300, required=False)

    field_map = {"start": "date", "end": "end_time"}

    def clean(self):
        cleaned = super().clean()
        self.combine_interval(cleaned)
        return cleaned


# --- Monthly offering (晒课) --------------------------------------------------------------------


def publishable_months(count: int = 13) -> list[date]:
    this_month = local(timezone.now()).date().replace(day=1)
    return [add_months(this_month, n) for n in range(count)]


class PublishForm(forms.Form):
    month = forms.ChoiceField(label=gettext_lazy("Month"), widget=forms.HiddenInput)
    courses = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Courses you offer this month"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": gettext_lazy("Choose at least one course."),
            "invalid_choice": gettext_lazy("Only your own offered courses can be published."),
        },
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("For example: weekday evenings only, or villages near the town."),
    )

    field_map = {"course_ids": "courses"}

    def __init__(self, *args, courses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [
            (f"{m:%Y-%m}", month_label(m)) for m in publishable_months()
        ]
        self.fields["courses"].choices = [(c.pk, c.title) for c in courses]


class SlotRowForm(IntervalMixin, forms.Form):
    """One row of the slot table: empty rows are skipped."""

    date = DayField(label=gettext_lazy("Date"), required=False)
    start_time = TimeOfDayField(label=gettext_lazy("Start"), required=False)
    end_time = TimeOfDayField(label=gettext_lazy("End"), required=False)

    def clean(self):
        cleaned = super().clean()
        self.combine_interval(cleaned, required=False)
        return cleaned


SlotFormSet = forms.formset_factory(
    SlotRowForm, extra=0, max_num=MAX_SLOT_ROWS, absolute_max=MAX_SLOT_ROWS
)


def slot_rows_initial(slots, *, minimum: int = SLOT_ROWS) -> list[dict]:
    rows = []
    for slot in slots:
        start, end = local(slot.start_at), local(slot.end_at)
        rows.append({"date": start.date(), "start_time": start.time(), "end_time": end.time()})
    rows += [{}] * max(minimum - len(rows), 3)
    return rows


# --- Out-of-county sessions ------------------------------------------------------------------------


class OutsideSessionForm(IntervalMixin, forms.Form):
    host = forms.CharField(label=gettext_lazy("Inviting organisation"), max_length=200)
    topic = forms.CharField(label=gettext_lazy("Topic"), max_length=200)
    date = DayField(label=gettext_lazy("Date"))
    start_time = TimeOfDayField(label=gettext_lazy("Start"))
    end_time = TimeOfDayField(label=gettext_lazy("End"))
    venue = forms.CharField(label=gettext_lazy("Venue"), max_length=200)
    letter = forms.FileField(
        label=gettext_lazy("Invitation letter"),
        help_text=gettext_lazy("PDF or a photo (JPG, PNG), at most 5 MB."),
        error_messages={"required": gettext_lazy("Attach the invitation letter.")},
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
        ),
    )

    field_map = {"start": "date", "end": "end_time"}

    def clean(self):
        cleaned = super().clean()
        self.combine_interval(cleaned)
        return cleaned


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Required when you reject."),
    )


# --- Reported sessions -------------------------------------------------------------------------------


class ReportedSessionForm(forms.Form):
    org = forms.TypedChoiceField(
        label=gettext_lazy("Organisation"),
        coerce=int,
        error_messages={"invalid_choice": gettext_lazy("Unknown organisation.")},
    )
    lecturer_name = forms.CharField(label=gettext_lazy("Lecturer's name"), max_length=32)
    topic = forms.CharField(label=gettext_lazy("Topic"), max_length=200)
    held_on = DayField(label=gettext_lazy("Held on"))

    field_map = {"org_id": "org"}

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [("", _("Choose the organisation"))] + [
            (org.pk, org.name) for org in orgs
        ]
        if len(orgs) == 1:
            self.fields["org"].initial = orgs[0].pk
