"""The notification settings form. It only collects what people type; the rules (a mobile
for SMS, a valid address for e-mail, a bound WeChat) are the service's, whose field errors
`apply_service_error` puts back on these fields."""

from django import forms
from django.utils.translation import gettext_lazy as _


class NotificationPreferenceForm(forms.Form):
    by_sms = forms.BooleanField(label=_("By SMS"), required=False)
    phone = forms.CharField(
        label=_("Mobile number"),
        required=False,
        max_length=32,
        help_text=_("SMS messages go to this number; you can also log in with it."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    by_email = forms.BooleanField(label=_("By e-mail"), required=False)
    email = forms.CharField(
        label=_("E-mail address"),
        required=False,
        max_length=254,
        help_text=_("Leave it empty if you want no e-mail."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    by_wechat = forms.BooleanField(label=_("By WeChat"), required=False)

    def __init__(self, *args, wechat_bound: bool = False, wechat_enabled: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["by_wechat"]
        if not wechat_enabled:
            field.disabled = True
            field.help_text = _("The county has not enabled WeChat notifications.")
        elif wechat_bound:
            field.help_text = _(
                "WeChat is bound: messages come from the county's official account."
            )
        else:
            field.help_text = _("Not bound yet: bind your WeChat below first.")


class ContactConfirmForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("phone", _("mobile number")), ("email", _("e-mail address"))],
        widget=forms.HiddenInput,
    )
    code = forms.CharField(
        label=_("Confirmation code"),
        max_length=12,
        help_text=_("The six digits we sent to the new number or address; valid for 10 minutes."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
