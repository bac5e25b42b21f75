"""The booking list as a workbook (`/bookings/?format=xlsx`, core.xlsx): its columns."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.xlsx import Column

BOOKING_COLUMNS = [
    Column(_("Start"), lambda booking: booking.start_at, 18),
    Column(_("End"), lambda booking: booking.end_at, 18),
    Column(_("Course"), lambda booking: booking.course.title, 30),
    Column(_("Lecturer"), lambda booking: booking.lecturer.name, 10),
    Column(_("Booking organisation"), lambda booking: booking.org.name, 20),
    Column(
        pgettext_lazy("classroom type", "Classroom"),
        lambda booking: booking.get_classroom_display(),
        12,
    ),
    Column(_("Expected attendees"), lambda booking: booking.expected_attendees, 8),
    Column(_("Venue"), lambda booking: booking.venue, 24),
    Column(_("Status"), lambda booking: booking.get_status_display(), 8),
    Column(_("Home delivery"), lambda booking: _("Yes") if booking.is_home_delivery else "", 8),
    Column(_("Reason"), lambda booking: booking.reason, 24),
    Column(_("Booked at"), lambda booking: booking.created_at, 18),
]
