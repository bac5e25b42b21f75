"""Shared by the pages' forms."""

from django import forms

from .errors import ServiceError


def apply_service_error(form, exc: ServiceError, field_map: dict | None = None) -> None:
    """Show a service's error on a bound form: each field error on its field (renamed through
    `field_map`), anything else as an error of the whole form."""
    field_map = field_map or {}
    if not exc.fields:
        form.add_error(None, str(exc.message))
        return
    for name, message in exc.fields.items():
        target = field_map.get(name, name)
        if target not in form.fields:
            form.add_error(None, str(message))
        elif target not in form.errors:
            form.add_error(target, str(message))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (photos, attachments): a list, empty when none is sent.
    The services judge each file; this only collects them."""

    def __init__(self, *args, accept: str = "", **kwargs):
        attrs = {"accept": accept} if accept else {}
        kwargs.setdefault("widget", MultipleFileInput(attrs=attrs))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(f, initial) for f in files]
