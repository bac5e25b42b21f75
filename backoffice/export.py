"""The audit trail as a workbook (`/manage/audit/?format=xlsx`, core.xlsx): its columns."""

from django.utils.translation import gettext_lazy as _

from core.xlsx import Column


def _change(values: dict | None) -> str:
    return "; ".join(f"{key}: {value}" for key, value in (values or {}).items())


AUDIT_COLUMNS = [
    Column(_("Time"), lambda entry: entry.created_at, 18),
    Column(
        _("Actor"), lambda entry: entry.actor.display_name if entry.actor else _("the system"), 12
    ),
    Column(_("Action"), lambda entry: entry.action, 20),
    Column(_("Object type"), lambda entry: entry.object_type, 20),
    Column(_("Object id"), lambda entry: entry.object_id, 10),
    Column(_("Before"), lambda entry: _change(entry.before), 40),
    Column(_("After"), lambda entry: _change(entry.after), 40),
    Column(_("Result"), lambda entry: entry.result, 10),
]
