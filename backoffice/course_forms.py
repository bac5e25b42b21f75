"""Forms of the course pages and the lecturer's own pages. They carry the values; the services
(courses.services, lecturers.services) check them and name the field that is wrong."""

from django import forms
from django.utils.translation import gettext_lazy as _

from courses.courseware import ACCEPT, MAX_COURSEWARE_BYTES
from courses.models import Audience, Category, CourseStatus


class CourseForm(forms.Form):
    """A new course, or a new version of one (then only the changed fields are sent)."""

    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    outline = forms.CharField(
        label=_("Content outline"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    objectives = forms.CharField(
        label=_("Objectives"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    audiences = forms.MultipleChoiceField(
        label=_("For whom"),
        choices=Audience.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"),
        initial=90,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 10, "max": 480}),
    )
    attachment = forms.FileField(
        label=_("Courseware"),
        required=False,
        help_text=_("PDF, PPT/PPTX or DOC/DOCX, at most %(mb)d MB.")
        % {"mb": MAX_COURSEWARE_BYTES // (1024 * 1024)},
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    def service_values(self) -> dict:
        """The course's fields as the services take them; for a new version only those the
        lecturer changed."""
        names = [n for n in self.fields if n != "attachment"]
        if self.initial:
            names = [n for n in names if n in self.changed_data]
        return {n: self.cleaned_data[n] for n in names}


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for returning"),
        required=False,  # the service says that it is required, in the same words as the API
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The lecturer reads it and changes the course accordingly."),
    )


class CourseFilterForm(forms.Form):
    """The county's course list: a bad value is dropped rather than refused."""

    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    awaiting = forms.BooleanField(label=_("Waiting for review"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Every status")), *CourseStatus.choices], required=False
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("Every category")), *Category.choices], required=False
    )
    lecturer = forms.TypedChoiceField(
        label=_("Lecturer"), coerce=int, empty_value=None, required=False
    )

    def __init__(self, *args, lecturers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lecturer"].choices = [("", _("Every lecturer"))] + [
            (pk, name) for pk, name in lecturers
        ]


class OwnProfileForm(forms.Form):
    """What a lecturer may edit of the own résumé (lecturers.services.OWN_FIELDS)."""

    specialties = forms.CharField(
        label=_("Specialties"),
        required=False,
        max_length=1000,
        help_text=_("Separate them with 、, for example 党史、乡村振兴."),
    )
    teaching_style = forms.CharField(label=_("Teaching style"), required=False, max_length=1000)
    bio = forms.CharField(
        label=_("Biography"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    # The résumé's version the edit started from: a change in between is refused (409).
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
