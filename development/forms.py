from django import forms
from django.utils.translation import gettext_lazy as _

from core.uploads import DOCUMENT_ACCEPT
from lecturers.models import Source

from .models import PAIRING_STAGES, CallLevel, Channel, ReviewResult, Stage

MEMBER_ROWS = 5


class CallForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100)
    level = forms.ChoiceField(label=_("Level"), choices=CallLevel.choices)
    org_id = forms.TypedChoiceField(
        label=_("Issuing town"), coerce=int, required=False, empty_value=None,
        help_text=_("Only for a town-level call."),
    )  # fmt: skip
    criteria = forms.CharField(
        label=_("Criteria"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4})
    )
    quota = forms.IntegerField(label=_("Quota of nominations"), min_value=1, max_value=10_000)
    deadline = forms.DateTimeField(
        label=_("Deadline"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    materials = forms.CharField(
        label=_("Required materials"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, e.g. résumé, recommendation form."),
    )
    term_years = forms.IntegerField(label=_("Term in years"), min_value=1, max_value=10, initial=3)

    def __init__(self, *args, towns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_id"].choices = [("", "—"), *((t.pk, t.name) for t in towns)]


class NominationForm(forms.Form):
    """The nomination form of the logged-in pages and of the public page (`public=True`: no
    unit channel, and a public recommendation names the recommender)."""

    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    name = forms.CharField(label=_("Candidate's name"), max_length=32)
    phone = forms.CharField(label=_("Candidate's mobile"), max_length=32)
    org_id = forms.TypedChoiceField(label=_("Candidate's organisation"), coerce=int)
    specialties = forms.CharField(
        label=_("Specialties"), max_length=300, required=False,
        help_text=_("Separate with 、, e.g. 乡村振兴、党史"),
    )  # fmt: skip
    reason = forms.CharField(
        label=_("Why this candidate"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    source = forms.ChoiceField(
        label=_("Source"), choices=[("", "—"), *Source.choices], required=False
    )
    referee_name = forms.CharField(
        label=_("Your name (the recommender)"), max_length=32, required=False
    )
    referee_phone = forms.CharField(
        label=_("Your mobile (the recommender)"), max_length=32, required=False
    )

    def __init__(self, *args, call, orgs, public=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_id"].choices = [("", "—"), *((o.pk, o.name) for o in orgs)]
        if public:
            self.fields["channel"].choices = [
                (c.value, c.label) for c in Channel if c != Channel.UNIT
            ]
        else:
            del self.fields["referee_name"], self.fields["referee_phone"]
        self.material_fields = []
        for index, label in enumerate(call.material_list):
            name = f"material_{index}"
            self.fields[name] = forms.FileField(
                label=label,
                help_text=_("PDF, JPG, PNG or DOCX, at most 5 MB."),
                widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_ACCEPT}),
                error_messages={"required": _("Attach this material.")},
            )
            self.material_fields.append((name, label))

    def service_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if not k.startswith("material_")}
        data["uploads"] = {
            label: self.cleaned_data.get(name) for name, label in self.material_fields
        }
        return data


class ReviewForm(forms.Form):
    """The political review and the approval: pass or fail with a note."""

    result = forms.ChoiceField(
        label=_("Result"), choices=ReviewResult.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ApprovalForm(ReviewForm):
    source = forms.ChoiceField(label=_("Lecturer source"), choices=Source.choices)


class PanelForm(ReviewForm):
    """The panel's sheet: up to MEMBER_ROWS named members with their four scores."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for i in range(MEMBER_ROWS):
            names = (f"member_{i}", f"political_{i}", f"exemplary_{i}", f"practical_{i}", f"trial_{i}")  # fmt: skip
            labels = (_("Panel member"), _("Political quality"), _("Exemplary role"),
                      _("Practical experience"), _("Trial lecture"))  # fmt: skip
            self.fields[names[0]] = forms.CharField(label=labels[0], max_length=32, required=False)
            for name, label in zip(names[1:], labels[1:], strict=True):
                self.fields[name] = forms.IntegerField(
                    label=label, min_value=0, max_value=100, required=False
                )
            self.rows.append([self[name] for name in names])

    def scores(self) -> dict:
        sheet = {}
        for i in range(MEMBER_ROWS):
            member = self.cleaned_data.get(f"member_{i}")
            if member:
                sheet[member] = {
                    key: self.cleaned_data.get(f"{key}_{i}")
                    for key in ("political", "exemplary", "practical", "trial")
                }
        return sheet


class NominationFilterForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=[("", _("All")), *Stage.choices], required=False)  # fmt: skip
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("All")), *Channel.choices], required=False
    )


def _date_field(label, **kw):
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    return forms.DateField(label=label, widget=widget, **kw)


class PairingForm(forms.Form):
    """A new pairing: the mentor, the new lecturer, the start and each stage's planned day."""

    mentor_id = forms.TypedChoiceField(label=_("Mentor"), coerce=int)
    mentee_id = forms.TypedChoiceField(label=_("New lecturer"), coerce=int)
    starts_on = _date_field(_("Starts on"))

    def __init__(self, *args, mentors=(), mentees=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mentor_id"].choices = [("", "—"), *((m.pk, m.name) for m in mentors)]
        self.fields["mentee_id"].choices = [("", "—"), *((m.pk, m.name) for m in mentees)]
        for stage in PAIRING_STAGES:
            self.fields[f"planned_{stage.value}"] = _date_field(
                _("%(stage)s planned for") % {"stage": stage.label}
            )

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "mentor_id": data["mentor_id"],
            "mentee_id": data["mentee_id"],
            "starts_on": data["starts_on"],
            "planned": {s.value: data.get(f"planned_{s.value}") for s in PAIRING_STAGES},
        }


class StageDoneForm(forms.Form):
    done_on = _date_field(_("Done on"))
    comment = forms.CharField(
        label=_("Mentor's comment"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class PairingMaterialForm(forms.Form):
    material = forms.FileField(
        label=_("Material"),
        help_text=_("PDF, JPG, PNG or DOCX, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_ACCEPT}),
    )


class PairingFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("", _("All")), ("open", _("Under way")), ("late", _("Late")),
                 ("finished", _("Finished"))],
    )  # fmt: skip
