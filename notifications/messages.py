"""What each event says: an inbox title and body, and a one-SMS text (at most 70 characters
once filled in, the length of one Chinese SMS). Placeholders come from the `facts` that the
service passes to `notify`."""

from django.utils.translation import gettext_lazy as _

from .models import Event

# event: (title, body, sms)
TEMPLATES = {
    Event.BOOKING_REQUESTED: (
        _("New booking request"),
        _("%(org)s invites you to teach “%(course)s” on %(when)s. Please accept or decline."),
        _("%(org)s invites you to teach on %(when)s; please answer on the platform."),
    ),
    Event.BOOKING_ACCEPTED: (
        _("Booking accepted"),
        _("%(lecturer)s accepted “%(course)s” on %(when)s. Please prepare the venue."),
        _("%(lecturer)s accepted your booking for %(when)s; please prepare."),
    ),
    Event.BOOKING_DECLINED: (
        _("Booking declined"),
        _("%(lecturer)s declined “%(course)s” on %(when)s: %(reason)s"),
        _("%(lecturer)s declined your booking for %(when)s; see the platform."),
    ),
    Event.BOOKING_CANCELLED: (
        _("Booking cancelled"),
        _("“%(course)s” on %(when)s (%(org)s, %(lecturer)s) was cancelled: %(reason)s"),
        _("The session on %(when)s was cancelled; see the platform for the reason."),
    ),
    Event.BOOKING_EXPIRED: (
        _("Booking request expired"),
        _(
            "%(lecturer)s did not answer the request for %(when)s in time. Book another lecturer or post a demand."
        ),
        _("Your request for %(when)s got no answer in time; please book again."),
    ),
    Event.BOOKING_RESCHEDULED: (
        _("Booking rescheduled"),
        _("%(org)s moved “%(course)s” to %(when)s. Please accept or decline again."),
        _("%(org)s moved your session to %(when)s; please answer again."),
    ),
    Event.OUTSIDE_SESSION_FILED: (
        _("Out-of-county session to approve"),
        _("%(lecturer)s is invited by %(host)s on %(when)s and asks for approval."),
        _("%(lecturer)s asks to teach outside the county on %(when)s; please review."),
    ),
    Event.OUTSIDE_SESSION_DECIDED: (
        _("Out-of-county session decided"),
        _("Your session for %(host)s: %(decision)s. %(note)s"),
        _("Your out-of-county session on %(when)s: %(decision)s."),
    ),
    Event.SESSION_REMINDER: (
        _("Session reminder"),
        _(
            "“%(course)s” with %(lecturer)s at %(org)s starts %(when)s at %(venue)s. Please be on time."
        ),
        _("Reminder: session at %(venue)s on %(when)s; please be on time."),
    ),
    Event.PUBLISH_REMINDER: (
        _("Publish this month's courses"),
        _(
            "Please publish your courses and free times for %(month)s so that organisations can book you."
        ),
        _("Please publish your courses and free times for %(month)s on the platform."),
    ),
    Event.RATE_REMINDER: (
        _("Rate the session"),
        _(
            "How was “%(course)s” with %(lecturer)s on %(when)s? Please let the trainees scan the code and rate it."
        ),
        _("Please rate the session of %(when)s on the platform."),
    ),
    Event.DEMAND_BROADCAST: (
        _("Order to grab"),
        _(
            "%(org)s needs a lecturer on “%(topic)s” between %(when)s. Grab the order if you can teach it."
        ),
        _("%(org)s posted a demand you fit; grab it on the platform."),
    ),
    Event.DEMAND_TAKEN: (
        _("Demand taken"),
        _(
            "%(lecturer)s will teach “%(course)s” for %(org)s on %(when)s at %(venue)s. Please prepare."
        ),
        _("%(lecturer)s took the demand; session on %(when)s, please prepare."),
    ),
    Event.DEMAND_GONE: (
        _("Order taken by another lecturer"),
        _("The demand “%(topic)s” of %(org)s was taken by another lecturer. Thank you."),
        _("The demand of %(org)s was taken by another lecturer."),
    ),
    Event.DEMAND_UNANSWERED: (
        _("No lecturer for the demand"),
        _("No more lecturers fit “%(topic)s”. Widen the time window, or book a lecturer directly."),
        _("No lecturer grabbed your demand; please widen it or book directly."),
    ),
    Event.DEMAND_WITHDRAWN: (
        _("Demand withdrawn"),
        _("%(org)s withdrew the demand “%(topic)s” (%(when)s); it can no longer be grabbed."),
        _("%(org)s withdrew its demand; it can no longer be grabbed."),
    ),
    Event.LECTURER_STATUS_CHANGED: (
        _("Your status in the lecturer pool"),
        _("Your status in the lecturer pool is now “%(status)s”: %(reason)s"),
        _("Your status in the lecturer pool is now %(status)s; see the platform."),
    ),
    Event.COURSE_APPROVED: (
        _("Course approved"),
        _("The county approved your course “%(course)s”; organisations can now book it."),
        _("Your course %(course)s was approved."),
    ),
    Event.COURSE_RETURNED: (
        _("Course returned"),
        _(
            "The county returned your course “%(course)s”: %(reason)s. Change it and propose it again."
        ),
        _("Your course %(course)s was returned; see the platform for the reason."),
    ),
    Event.COURSE_SUBMITTED: (
        _("A course awaits review"),
        _("%(lecturer)s proposed %(what)s “%(course)s”. Approve it or return it with a reason."),
        _("%(lecturer)s proposed a course for review; see the platform."),
    ),
    Event.APPRAISAL_PUBLISHED: (
        _("Your appraisal for %(year)s"),
        _(
            "The county published the appraisal of %(year)s: your grade is “%(grade)s”. See each figure and the rule that decided it on the platform."
        ),
        _("Your appraisal grade for %(year)s is %(grade)s; see the platform."),
    ),
    Event.COURSE_TO_DEVELOP: (
        _("A course to develop"),
        _(
            "%(wanted)d members asked for “%(topic)s” and no course answers it yet. Please propose a course on it. %(note)s"
        ),
        _("Members ask for a course on %(topic)s; please propose one on the platform."),
    ),
    Event.MEETING_ISSUE_DUE: (
        _("Meeting issue due"),
        _(
            "The issue “%(issue)s” from %(meeting)s is yours and due on %(due)s. Please resolve it or report."
        ),
        _("Your meeting issue is due on %(due)s; please resolve it."),
    ),
    # Sent to the new number or address only (notifications.contact_change), never to the
    # inbox; the code is a secret parameter, hidden once the message is delivered.
    Event.CONTACT_CODE: (
        _("Confirmation code"),
        _("Your confirmation code is %(code)s, valid for %(minutes)d minutes."),
        _(
            "Your confirmation code is %(code)s, valid for %(minutes)d minutes. If you did not ask for it, ignore this message."
        ),
    ),
    # The SMS alone carries the password (models.SECRET_PARAMS): the inbox never holds it.
    Event.LECTURER_ACCOUNT_OPENED: (
        _("Welcome to the lecturer pool"),
        _(
            "Your lecturer account is open. Log in with your mobile number %(login)s and the initial password we sent you by SMS, then choose your own password."
        ),
        _(
            "Your lecturer account is open: login %(login)s, initial password %(password)s; change it when you first log in."
        ),
    ),
    Event.COMMENDED: (
        _("Commended for %(year)s"),
        _(
            "The county commends you for your teaching in %(year)s: you are a famous lecturer (名师) of the year%(course)s. Congratulations."
        ),
        _("The county commends you as a famous lecturer of %(year)s."),
    ),
    Event.REMINDER_TALK: (
        _("A reminder talk"),
        _(
            "The county will hold a reminder talk (约谈) with you: %(reason)s. When: %(when)s; where: %(place)s."
        ),
        _("A reminder talk with the county: %(when)s; see the platform."),
    ),
    Event.HELP_PLAN: (
        _("Your help plan"),
        _(
            "While you are in cold store, a help plan (帮教转化) supports you: %(what)s. Follow its steps and report your progress on the platform."
        ),
        _("Your help plan changed; see the platform."),
    ),
    Event.TERM_RENEWED: (
        _("Your appointment is renewed"),
        _(
            "The county renewed your appointment as a lecturer until %(until)s; your certificate number is %(number)s."
        ),
        _("Your lecturer appointment is renewed until %(until)s."),
    ),
    Event.NOMINATION_REVIEWED: (
        _("Your nomination: %(stage)s"),
        _("Your nomination to “%(call)s”: %(stage)s, %(result)s. %(note)s"),
        _("Your nomination: %(stage)s, %(result)s; see the platform."),
    ),
    Event.LECTURER_APPOINTED: (
        _("You are appointed a lecturer"),
        _(
            "You passed every review of “%(call)s” and are appointed a lecturer of the pool until %(until)s, certificate %(certificate)s."
        ),
        _("You are appointed a lecturer, certificate %(certificate)s; see the platform."),
    ),
    Event.COMPETITION_RESULT: (
        _("Result of “%(competition)s”"),
        _(
            "The results of “%(competition)s” are published: your course “%(course)s” ranks %(rank)s of %(entries)s%(winner)s."
        ),
        _("“%(competition)s” results: your course ranks %(rank)s%(winner)s; see the platform."),
    ),
}

SMS_SIGNATURE = _("[Jiangtai]")
SMS_MAX_CHARS = 70
