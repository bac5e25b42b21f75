from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import Course, CourseStatus


class CompetitionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100)
    year = forms.IntegerField(label=_("Year"))
    winners = forms.IntegerField(
        label=_("Number of winners"), min_value=1, max_value=50, initial=3,
        help_text=_("The best-ranked entries up to this number win; a tie at the cut wins too."),
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


class CriterionForm(forms.Form):
    name = forms.CharField(label=_("Criterion"), max_length=40)
    max_points = forms.IntegerField(label=_("Maximum points"), min_value=1, max_value=100)
    weight = forms.DecimalField(
        label=_("Weight"), min_value=0.01, max_value=10, decimal_places=2,
        help_text=_("Relative weight in the weighted average, such as 0.4."),
    )  # fmt: skip


class EntryForm(forms.Form):
    course = forms.ModelChoiceField(label=_("Course"), queryset=Course.objects.none())

    def __init__(self, *args, county_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = (
            Course.objects.filter(county_id=county_id, status=CourseStatus.ACTIVE)
            .exclude(lecturer=None)
            .select_related("lecturer")
            .order_by("title")
        )
        self.fields["course"].label_from_instance = lambda c: f"{c.title} · {c.lecturer.name}"


class JudgeForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Judge"), queryset=get_user_model().objects.none())

    def __init__(self, *args, county_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            get_user_model()
            .objects.filter(county_id=county_id, is_active=True)
            .filter(Q(memberships__isnull=False) | Q(lecturer_profile__isnull=False))
            .distinct()
            .order_by("name", "id")
        )
        self.fields["user"].label_from_instance = lambda u: u.name or u.username
