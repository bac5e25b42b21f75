"""Shared by the pages' forms."""

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
