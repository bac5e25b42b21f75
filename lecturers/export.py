"""The lecturer list as a workbook (`/lecturers/?format=xlsx`, core.xlsx): its columns."""

from django.utils.translation import gettext_lazy as _

from core.xlsx import Column
from courses.models import Category

from .models import HonourTitle
from .selectors import lecturer_categories, lecturer_titles

CATEGORY_LABELS = dict(Category.choices)
TITLE_LABELS = dict(HonourTitle.choices)


def _score(value):
    return round(value, 1) if value is not None else None


LECTURER_COLUMNS = [
    Column(_("Name"), lambda lecturer: lecturer.name, 10),
    Column(_("Level"), lambda lecturer: lecturer.get_level_display(), 12),
    Column(_("Source"), lambda lecturer: lecturer.get_source_display(), 16),
    Column(_("Status"), lambda lecturer: lecturer.get_status_display(), 8),
    Column(_("Organisation"), lambda lecturer: lecturer.org.name if lecturer.org else "", 20),
    Column(_("Unit"), lambda lecturer: lecturer.unit, 20),
    Column(
        _("Categories"),
        lambda lecturer: [str(CATEGORY_LABELS[c]) for c in lecturer_categories(lecturer)],
        24,
    ),
    Column(_("Courses offered"), lambda lecturer: lecturer.course_count, 8),
    Column(_("Star level"), lambda lecturer: lecturer.star, 8),
    Column(_("Score"), lambda lecturer: _score(lecturer.score), 8),
    Column(_("Ratings"), lambda lecturer: lecturer.rating_count, 8),
    Column(_("Likes"), lambda lecturer: lecturer.likes_count, 8),
    Column(
        _("Titles"),
        lambda lecturer: [str(TITLE_LABELS[t]) for t in lecturer_titles(lecturer)],
        16,
    ),
    Column(_("Specialties"), lambda lecturer: lecturer.specialties, 30),
]
