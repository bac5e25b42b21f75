"""The demand pages' forms (需求邀约, issue 5). They parse what people type; the rules stay in
matching.services, whose field errors `apply_service_error` puts back on these fields."""

from datetime import time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.forms import apply_service_error
from core.timeutil import local
from courses.models import Audience, Category
from scheduling.forms import (
    DayField,
    SessionPlaceMixin,
    TimeOfDayField,
    attendees_field,
    classroom_field,
    combine,
    venue_field,
)

from . import windows
from .services import MAX_BROADCAST, MAX_TOPIC

# Without a time of day the window runs from 8:00 on the first day to 18:00 on the last.
DAY_STARTS, DAY_ENDS = time(8, 0), time(18, 0)
DURATIONS = (30, 45, 60, 90, 120, 150, 180, 240)


class DemandForm(SessionPlaceMixin, forms.Form):
    org = forms.TypedChoiceField(
        label=gettext_lazy("Organisation"),
        coerce=int,
        error_messages={
            "invalid_choice": gettext_lazy("You may not post demands for this organisation.")
        },
    )
    topic = forms.CharField(
        label=gettext_lazy("Topic"),
        max_length=MAX_TOPIC,
        help_text=gettext_lazy("For example: 乡村振兴 产业发展 讲座"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    category = forms.ChoiceField(label=gettext_lazy("Category (optional)"), required=False)
    date_from = DayField(label=gettext_lazy("From"))
    date_to = DayField(label=gettext_lazy("To"))
    time_from = TimeOfDayField(label=gettext_lazy("Earliest start"), required=False)
    time_to = TimeOfDayField(label=gettext_lazy("Latest end"), required=False)
    duration_minutes = forms.TypedChoiceField(
        label=gettext_lazy("Length of the session"), coerce=int, initial=90
    )
    daily_from = TimeOfDayField(label=gettext_lazy("Each day from"), required=False)
    daily_until = TimeOfDayField(label=gettext_lazy("Each day until"), required=False)
    weekdays = forms.TypedMultipleChoiceField(
        label=gettext_lazy("On these days"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "weekday"}),
        help_text=gettext_lazy("None ticked: any day."),
        error_messages={"invalid_choice": gettext_lazy("Choose days of the week.")},
    )
    venue = venue_field()
    expected_attendees = attendees_field(initial=30)
    audience = forms.ChoiceField(label=gettext_lazy("Member group"), required=False)
    classroom = classroom_field()

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_orgs(orgs)
        self.fields["category"].choices = [("", _("Any category")), *Category.choices]
        self.fields["audience"].choices = [("", _("Not specified")), *Audience.choices]
        self.fields["duration_minutes"].choices = [
            (n, _("%(n)d minutes") % {"n": n}) for n in DURATIONS
        ]
        self.fields["weekdays"].choices = windows.weekday_choices()

    def clean(self):
        cleaned = super().clean()
        day_from, day_to = cleaned.get("date_from"), cleaned.get("date_to")
        # With daily hours, the hours limit each day: the window then spans whole days.
        has_hours = bool(cleaned.get("daily_from") or cleaned.get("daily_until"))
        time_from = cleaned.get("time_from") or (time(0) if has_hours else DAY_STARTS)
        time_to = cleaned.get("time_to")
        if day_from and day_to:
            start = combine(day_from, time_from)
            if time_to is None and has_hours:
                end = combine(day_to + timedelta(days=1), time(0))
            else:
                end = combine(day_to, time_to or DAY_ENDS)
            cleaned["window_start"], cleaned["window_end"] = start, end
            # The service checks these too; checking here shows them together with the
            # form's other errors.
            if day_to < day_from:
                self.add_error("date_to", _("The last day must not be before the first."))
            elif end <= start:
                self.add_error("time_to", _("The end must be after the start."))
            elif (duration := cleaned.get("duration_minutes")) and end - start < timedelta(
                minutes=duration
            ):
                self.add_error(
                    "time_to" if day_from == day_to else "date_to",
                    _("The window is shorter than the session."),
                )
            if start <= timezone.now() and "date_from" not in self.errors:
                if day_from == timezone.localdate() and not cleaned.get("time_from"):
                    self.add_error(
                        "time_from", _("Today has begun: enter a later start, or a later day.")
                    )
                else:
                    self.add_error("date_from", _("This time has already passed."))
        self.default_venue(cleaned)
        return cleaned

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "org_id": data["org"],
            "topic": data["topic"],
            "category": data["category"],
            "window_start": data["window_start"],
            "window_end": data["window_end"],
            "duration_minutes": data["duration_minutes"],
            "venue": data["venue"],
            "expected_attendees": data["expected_attendees"],
            "audience": data["audience"],
            "classroom": data["classroom"],
            "daily_from": data.get("daily_from"),
            "daily_until": data.get("daily_until"),
            # None ticked: any day.
            "weekdays": data.get("weekdays") or None,
        }

    def apply_service_error(self, exc) -> None:
        """The service's field names shown on this form's fields."""
        fields = dict(exc.fields)
        if any([fields.pop("lat", None), fields.pop("lng", None)]):
            self.add_error(
                None,
                _(
                    "The organisation has no position on the map yet, so distances cannot be "
                    "worked out. Ask the county administrator to set it."
                ),
            )
        exc.fields = fields
        same_day = self.cleaned_data.get("date_from") == self.cleaned_data.get("date_to")
        apply_service_error(
            self,
            exc,
            {
                "org_id": "org",
                "window_start": "date_from",
                "window_end": "time_to" if same_day else "date_to",
            },
        )


class BroadcastForm(forms.Form):
    limit = forms.TypedChoiceField(
        label=gettext_lazy("How many lecturers"),
        coerce=int,
        choices=[(n, str(n)) for n in range(1, MAX_BROADCAST + 1)],
        error_messages={
            "invalid_choice": gettext_lazy("Notify between 1 and %(n)d lecturers.")
            % {"n": MAX_BROADCAST}
        },
    )


class GrabForm(forms.Form):
    """A notified lecturer takes the order: one of their courses and a start in the window."""

    course = forms.TypedChoiceField(
        label=gettext_lazy("Your course"),
        coerce=int,
        error_messages={"invalid_choice": gettext_lazy("Choose one of your offered courses.")},
    )
    date = DayField(label=gettext_lazy("Date"))
    start_time = TimeOfDayField(label=gettext_lazy("Start"))

    field_map = {"course_id": "course", "start": "start_time"}

    def __init__(self, *args, courses, demand, **kwargs):
        super().__init__(*args, **kwargs)
        self.demand = demand
        self.fields["course"].choices = [("", _("Choose a course"))] + [
            (course.pk, course.title) for course in courses
        ]
        if len(courses) == 1:
            self.fields["course"].initial = courses[0].pk

    @classmethod
    def initial_for(cls, course_id, start) -> dict:
        initial = {"course": course_id}
        if start is not None:
            start = local(start)
            initial.update(date=start.date(), start_time=start.time().replace(second=0))
        return initial

    def clean(self):
        cleaned = super().clean()
        day, at = cleaned.get("date"), cleaned.get("start_time")
        if day and at:
            start = combine(day, at)
            cleaned["start"] = start
            end = start + timedelta(minutes=self.demand.duration_minutes)
            if start <= timezone.now():
                self.add_error("start_time", _("This time has already passed."))
            elif start < self.demand.window_start or end > self.demand.window_end:
                self.add_error("start_time", _("Choose a start inside the requested window."))
        return cleaned
