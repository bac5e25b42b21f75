"""The columns of the pool's and the programme's lists, shared by the pages and their
workbooks (`?format=xlsx`, core.xlsx): what the page lists is what the workbook holds."""

from django.utils.translation import gettext_lazy as _

from core.text import mask_phone
from core.timeutil import local
from core.xlsx import Column


def _when(value):
    return local(value).strftime("%Y-%m-%d %H:%M") if value else ""


INVITATION_COLUMNS = [
    Column(_("Expert"), lambda i: i.expert_name, 10),
    Column(_("Kind of expert"), lambda i: i.get_kind_display(), 20),
    Column(_("Institution"), lambda i: i.affiliation, 20),
    Column(_("Post or title"), lambda i: i.expert_title, 14),
    Column(_("Topic"), lambda i: i.topic, 30),
    Column(_("Invited by"), lambda i: i.org.name, 14),
    Column(_("Invitation letter number"), lambda i: i.letter_no, 16),
    Column(_("Sessions"), lambda i: i.session_count, 8),
    Column(_("Attendees"), lambda i: i.attendee_total or 0, 8),
]

HIRING_COLUMNS = [
    Column(_("Lecturer"), lambda h: h.lecturer.name, 10),
    Column(_("Kind of practitioner"), lambda h: h.get_kind_display(), 20),
    Column(_("Hired by"), lambda h: h.org.name, 14),
    Column(_("Appointment letter number"), lambda h: h.letter_no, 20),
    Column(_("Hired from"), lambda h: h.hired_from, 12),
    Column(_("Hired until"), lambda h: h.hired_until, 12),
    Column(_("Sessions"), lambda h: h.session_count, 8),
]

CAMPAIGN_COLUMNS = [
    Column(_("Campaign"), lambda c: c.title, 20),
    Column(_("Organised by"), lambda c: c.org.name, 14),
    Column(_("First day"), lambda c: c.starts_on, 12),
    Column(_("Last day"), lambda c: c.ends_on, 12),
    Column(_("Sessions"), lambda c: c.session_count, 8),
    Column(_("Held"), lambda c: c.held_count, 8),
    Column(_("Lecturers"), lambda c: c.lecturer_count, 8),
]

RESERVE_COLUMNS = [
    Column(_("Name"), lambda m: m.name, 10),
    Column(_("Mobile number"), lambda m: mask_phone(m.phone), 14),
    Column(_("Unit"), lambda m: m.org.name, 18),
    Column(_("Found at"), lambda m: m.get_feed_display(), 16),
    Column(_("Contest or forum"), lambda m: m.event, 20),
    Column(_("Held on"), lambda m: m.event_on, 12),
    Column(_("Put forward to"), lambda m: m.nomination.call.title if m.nomination_id else "", 20),
    Column(_("Stage"), lambda m: m.nomination.get_stage_display() if m.nomination_id else "", 14),
]

ACTIVITY_COLUMNS = [
    Column(_("Activity"), lambda a: a.title, 20),
    Column(_("Kind"), lambda a: a.get_kind_display(), 14),
    Column(_("Start"), lambda a: _when(a.starts_at), 16),
    Column(_("End"), lambda a: _when(a.ends_at), 16),
    Column(_("Place"), lambda a: a.place, 16),
    Column(_("Organised by"), lambda a: a.org.name, 14),
    Column(_("Hours credited"), lambda a: float(a.hours), 8),
    Column(_("Participants"), lambda a: a.invited, 8),
    Column(_("Attended"), lambda a: a.attended, 8),
    Column(_("Need it answers"), lambda a: a.need, 20),
    Column(
        _("Visiting teacher"), lambda a: a.visiting_teacher.name if a.visiting_teacher else "", 10
    ),
    Column(_("Town visited"), lambda a: a.town.name if a.town else "", 10),
]

HOURS_COLUMNS = [
    Column(_("Lecturer"), lambda r: r["lecturer__name"], 12),
    Column(_("Training hours"), lambda r: float(r["hours"]), 10),
    Column(_("Activities attended"), lambda r: r["activities"], 10),
]
