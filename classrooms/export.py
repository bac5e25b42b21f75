"""The meeting list as a workbook (`/classrooms/meetings/?format=xlsx`, core.xlsx): its columns."""

from django.utils.translation import pgettext_lazy

from core.xlsx import Column

from .models import Meeting


def _label(field: str):
    """The header of a column that shows a field: the field's own name."""
    return Meeting._meta.get_field(field).verbose_name


MEETING_COLUMNS = [
    Column(_label("held_at"), lambda meeting: meeting.held_at, 18),
    Column(_label("kind"), lambda meeting: meeting.get_kind_display(), 16),
    Column(_label("title"), lambda meeting: meeting.title, 30),
    Column(_label("place"), lambda meeting: meeting.place, 20),
    Column(_label("agenda"), lambda meeting: meeting.agenda, 40),
    Column(_label("attendees"), lambda meeting: meeting.attendees, 30),
    Column(pgettext_lazy("meeting", "Issues raised"), lambda meeting: meeting.issue_count, 8),
    Column(pgettext_lazy("meeting", "Open issues"), lambda meeting: meeting.open_issues, 8),
]
