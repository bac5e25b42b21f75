"""Messages about events of the apps below, heard through their signals (DESIGN.md "Layers":
lecturers and courses sit below notifications and never import it)."""

from django.utils.translation import gettext_lazy as _

from lecturers.models import LecturerStatus
from orgs.selectors import county_admins

from .models import Event
from .services import notify


def tell_lecturer_status_changed(sender, *, lecturer, change, to_status, reason, **kwargs) -> None:
    """Inside the move's transaction, so the message is written with the move or not at all."""
    notify(
        recipients=[lecturer.user],
        event=Event.LECTURER_STATUS_CHANGED,
        facts={"status": str(LecturerStatus(to_status).label), "reason": reason},
        url=f"/lecturers/{lecturer.pk}/",
        key=f"lecturer:{lecturer.pk}:status:{change.pk}",
        county_id=lecturer.county_id,
    )


def tell_course_reviewed(sender, *, course, approved, reason, **kwargs) -> None:
    notify(
        recipients=[course.lecturer.user],
        event=Event.COURSE_APPROVED if approved else Event.COURSE_RETURNED,
        facts={"course": course.title, "reason": reason},
        url=f"/courses/{course.pk}/",
        county_id=course.county_id,
    )


def tell_course_submitted(sender, *, course, is_change, **kwargs) -> None:
    notify(
        recipients=county_admins(course.county_id),
        event=Event.COURSE_SUBMITTED,
        facts={
            "lecturer": course.lecturer.name,
            "course": course.title,
            "what": _("a new version of") if is_change else _("the course"),
        },
        url=f"/manage/courses/{course.pk}/",
        county_id=course.county_id,
    )


def connect() -> None:
    from courses.signals import course_reviewed, course_submitted
    from lecturers.signals import lecturer_status_changed

    lecturer_status_changed.connect(
        tell_lecturer_status_changed, dispatch_uid="notifications.lecturer_status_changed"
    )
    course_reviewed.connect(tell_course_reviewed, dispatch_uid="notifications.course_reviewed")
    course_submitted.connect(tell_course_submitted, dispatch_uid="notifications.course_submitted")
