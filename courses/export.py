"""The course list as a workbook (`/courses/?format=xlsx`, core.xlsx): its columns."""

from django.utils.translation import gettext_lazy as _

from core.xlsx import Column

COURSE_COLUMNS = [
    Column(_("Course"), lambda course: course.title, 30),
    Column(_("Category"), lambda course: course.get_category_display(), 12),
    Column(_("Lecturer"), lambda course: course.lecturer.name, 10),
    Column(_("Status"), lambda course: course.get_status_display(), 10),
    Column(_("Duration (minutes)"), lambda course: course.duration_minutes, 8),
    Column(_("Target audiences"), lambda course: course.get_audience_labels(), 24),
    Column(_("Suitable classrooms"), lambda course: course.get_classroom_labels(), 20),
    Column(_("Star level"), lambda course: course.star, 8),
    Column(
        _("Score"), lambda course: round(course.score, 1) if course.score is not None else None, 8
    ),
    Column(_("Ratings"), lambda course: course.rating_count, 8),
    Column(_("Titles"), lambda course: [h.get_title_display() for h in course.honours.all()], 16),
    Column(_("Created"), lambda course: course.created_at, 18),
]
