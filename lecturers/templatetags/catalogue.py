"""Template filters of the lecturer catalogue (`{% load catalogue %}`)."""

from django import template
from django.utils.translation import gettext_lazy as _

from courses.models import Category
from lecturers.models import HonourTitle
from lecturers.selectors import lecturer_categories, lecturer_titles

register = template.Library()


@register.filter
def category_labels(lecturer) -> list[str]:
    """Labels of the categories a lecturer offers courses in (needs the list selector's prefetch)."""
    return [Category(c).label for c in lecturer_categories(lecturer)]


@register.filter
def title_labels(lecturer) -> list[str]:
    return [HonourTitle(t).label for t in lecturer_titles(lecturer)]


# The three priorities (三优先, G8b) a quality-course (精品课) honour carries.
PRIORITIES = (
    _("First to be sent to competitions"),
    _("First for outside study"),
    _("First considered for awards and titles"),
)


@register.inclusion_tag("lecturers/_priorities.html")
def priorities(honours):
    """The 三优先 badges of a lecturer whose course was named a quality course."""
    won = sorted({h.year for h in honours or () if h.title == HonourTitle.QUALITY_COURSE})
    return {"years": won, "labels": PRIORITIES if won else ()}
