from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..models import PlanStatus, TalkStatus

WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DAY = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TalkTimeForm(forms.Form):
    when = forms.DateTimeField(label=_("When"), widget=WHEN)
    place = forms.CharField(label=_("Where"), max_length=100)
    held_by = forms.CharField(
        label=_("Talked with by"),
        max_length=100,
        required=False,
        help_text=_("Who holds the talk, with their post."),
    )


class TalkNewForm(TalkTimeForm):
    lecturer_id = forms.TypedChoiceField(label=_("Lecturer"), coerce=int)
    reason = forms.CharField(label=_("Reason"), max_length=300)
    field_order = ["lecturer_id", "when", "place", "held_by", "reason"]

    def __init__(self, *args, lecturers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lecturer_id"].choices = [("", "—")] + [(lec.pk, lec.name) for lec in lecturers]


class TalkRecordForm(forms.Form):
    notes = forms.CharField(
        label=_("Notes of the talk"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4})
    )
    commitments = forms.CharField(
        label=_("The lecturer's commitments"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    follow_up_on = forms.DateField(label=_("Follow-up date"), required=False, widget=DAY)


class TalkFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *TalkStatus.choices]
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)


class PlanFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *PlanStatus.choices]
    )


class PlanForm(forms.Form):
    mentor = forms.CharField(
        label=_("Mentor"), max_length=64, help_text=_("Who helps the lecturer, with their post.")
    )
    goal = forms.CharField(
        label=_("Goal"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class StepForm(forms.Form):
    title = forms.CharField(label=_("Step"), max_length=200)
    due_on = forms.DateField(label=_("Deadline"), widget=DAY)


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Progress"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=pgettext_lazy("help plan", "Decision"),
        widget=forms.RadioSelect,
        choices=[
            ("release", _("Release back to active")),
            ("remove", _("Remove from the pool (出库)")),
        ],
    )
    reason = forms.CharField(label=_("Reason"), max_length=300)
