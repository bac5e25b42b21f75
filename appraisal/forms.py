from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AppraisalRules, Grade
from .services import RULE_FIELDS, SMALL_COUNTS

NO_CAP = [("", _("No cap"))]


def _weight(label):
    return forms.FloatField(
        label=label,
        min_value=0,
        max_value=1,
        widget=forms.NumberInput(
            attrs={"step": "0.01", "min": 0, "max": 1, "inputmode": "decimal"}
        ),
    )


def _threshold(label):
    return forms.FloatField(
        label=label,
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(
            attrs={"step": "0.1", "min": 0, "max": 100, "inputmode": "decimal"}
        ),
    )


def _count(label, name, help_text=""):
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        min_value=0,
        max_value=SMALL_COUNTS[name],
        widget=forms.NumberInput(
            attrs={"min": 0, "max": SMALL_COUNTS[name], "inputmode": "numeric"}
        ),
    )


class RulesForm(forms.Form):
    """The county's appraisal rules; the service checks the sum of the weights and the order
    of the thresholds."""

    weight_attitude = _weight(_("Weight of teaching attitude"))
    weight_ability = _weight(_("Weight of teaching ability"))
    weight_effect = _weight(_("Weight of teaching effect"))
    weight_satisfaction = _weight(_("Weight of satisfaction"))
    weight_quality = _weight(_("Weight of teaching quality"))
    threshold_excellent = _threshold(_("Lowest score for 好"))
    threshold_good = _threshold(_("Lowest score for 较好"))
    threshold_fair = _threshold(_("Lowest score for 一般 (below it: 差)"))
    min_sessions = _count(
        _("Sessions needed to be graded"),
        "min_sessions",
        _("A lecturer with fewer sessions in the year is not graded; the reason is shown."),
    )
    attitude_penalty = _count(
        _("Points off teaching attitude per cancellation or dropped order"),
        "attitude_penalty",
        _(
            "Teaching attitude is the share of requests accepted, less these points each time the lecturer cancelled an accepted session or dropped a grabbed order."
        ),
    )
    cap_without_grassroots = forms.ChoiceField(
        label=_("Best grade without a session at the grassroots"),
        choices=NO_CAP + Grade.choices,
        required=False,
    )
    min_courses_developed = _count(
        _("Courses to develop or revise in the year"),
        "min_courses_developed",
        _("Counted from the approved course revisions of the year (L13: 1-2 courses)."),
    )
    cap_without_courses = forms.ChoiceField(
        label=_("Best grade without enough course development"),
        choices=NO_CAP + Grade.choices,
        required=False,
    )

    @classmethod
    def initial_from(cls, rules: AppraisalRules) -> dict:
        return {name: getattr(rules, name) for name in RULE_FIELDS}


class RunForm(forms.Form):
    """The years offered are those that may run; the service explains any other."""

    year = forms.IntegerField(label=_("Year"), widget=forms.Select)

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].widget.choices = [(y, str(y)) for y in years]


class OverrideForm(forms.Form):
    grade = forms.ChoiceField(label=_("Grade"), choices=Grade.choices)
    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=300,
        required=False,  # the service names a missing reason in its own words
        widget=forms.TextInput(attrs={"maxlength": 300}),
    )


class ResultFilterForm(forms.Form):
    grade = forms.ChoiceField(
        label=_("Grade"),
        choices=[("", _("All grades")), *Grade.choices, ("none", _("Not graded"))],
        required=False,
    )
    town = forms.TypedChoiceField(label=_("Town"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, towns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].choices = [("", _("All towns")), *[(t.pk, t.name) for t in towns]]
