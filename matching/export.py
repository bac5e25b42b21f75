"""The demand list as a workbook (`/demands/?format=xlsx`, core.xlsx): its columns."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.xlsx import Column

from .templatetags.demands import DEMAND_STATUS_LABELS


def _lecturer(demand) -> str:
    return demand.booking.lecturer.name if demand.booking_id else ""


DEMAND_COLUMNS = [
    Column(_("Posted at"), lambda demand: demand.created_at, 18),
    Column(_("Topic"), lambda demand: demand.topic, 30),
    Column(_("Category"), lambda demand: demand.get_category_display(), 12),
    Column(_("Organisation"), lambda demand: demand.org.name, 20),
    Column(_("Wanted from"), lambda demand: demand.window_start, 18),
    Column(_("Wanted until"), lambda demand: demand.window_end, 18),
    Column(_("Duration (minutes)"), lambda demand: demand.duration_minutes, 8),
    Column(
        pgettext_lazy("classroom type", "Classroom"),
        lambda demand: demand.get_classroom_display(),
        12,
    ),
    Column(_("Expected attendees"), lambda demand: demand.expected_attendees, 8),
    Column(_("Venue"), lambda demand: demand.venue, 24),
    Column(_("Status"), lambda demand: DEMAND_STATUS_LABELS.get(demand.status, demand.status), 8),
    Column(_("Lecturer who took it"), _lecturer, 10),
]
