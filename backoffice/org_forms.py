"""The forms of the organisation pages (/manage/orgs/); access.services checks what they send."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from orgs.models import MemberGroup, Organisation, OrgLevel
from orgs.selectors import org_label

LEVEL_CHOICES = [(OrgLevel.TOWN, _("Town or street")), (OrgLevel.VILLAGE, _("Branch"))]


def _coordinate(label, low, high):
    return forms.FloatField(
        label=label,
        required=False,
        widget=forms.NumberInput(
            attrs={"step": "any", "min": low, "max": high, "inputmode": "decimal"}
        ),
    )


class OrgSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search organisations"),
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name or pinyin of a town or branch")}
        ),
    )


class OrgForm(forms.Form):
    """Add or edit a town or a branch. The place is typed, or copied from one of the caller's
    organisations that has one (`copy_from`), on the server: no script, no online map."""

    name = forms.CharField(label=pgettext_lazy("organisation", "Name"), max_length=100)
    level = forms.ChoiceField(label=_("Kind"), choices=LEVEL_CHOICES)
    parent = forms.TypedChoiceField(label=_("Belongs to"), coerce=int)
    group = forms.ChoiceField(
        label=_("Member group"),
        required=False,
        choices=[("", _("Not set")), *MemberGroup.choices],
    )
    address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=200,
        help_text=_("Bookings and demands use it as the venue unless they name another."),
    )
    lat = _coordinate(_("Latitude"), 3.5, 53.6)
    lng = _coordinate(_("Longitude"), 73.4, 135.1)
    copy_from = forms.TypedChoiceField(
        label=_("Or use the place of"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_(
            "Choose a nearby organisation to copy its latitude and longitude; this replaces "
            "the numbers typed above."
        ),
    )
    seen_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args,
        parents: list[Organisation],
        points: list[Organisation],
        org: Organisation | None = None,
        may_add_towns: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.points = {p.pk: p for p in points if org is None or p.pk != org.pk}
        self.fields["parent"].choices = [(p.pk, org_label(p)) for p in parents]
        self.fields["copy_from"].choices = [("", _("Type the numbers instead")), *self._grouped()]
        if org is not None:
            # The kind never changes; a town always belongs to the county.
            del self.fields["level"]
            if org.level != OrgLevel.VILLAGE:
                del self.fields["parent"]
        else:
            del self.fields["seen_at"]
            if not may_add_towns:
                self.fields["level"].choices = LEVEL_CHOICES[1:]

    def _grouped(self) -> list:
        """The points by town (the county's own units under the county's name)."""
        groups: dict[str, list] = {}
        for p in self.points.values():
            head = p if p.level != OrgLevel.VILLAGE else p.parent
            groups.setdefault(head.name, []).append((p.pk, p.name))
        return list(groups.items())

    def clean(self):
        data = super().clean()
        point = self.points.get(data.get("copy_from"))
        if point is not None:
            data["lat"], data["lng"] = point.lat, point.lng
            self.errors.pop("lat", None)
            self.errors.pop("lng", None)
        return data

    def changes(self) -> dict:
        """The cleaned fields as the services name them."""
        data = self.cleaned_data
        values = {k: data[k] for k in ("name", "group", "address", "lat", "lng")}
        if "parent" in self.fields:
            values["parent_id"] = data["parent"]
        return values


class OrgStatusForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the audit trail."),
    )
