"""Template filters of the lecturer catalogue (`{% load catalogue %}`)."""

from django import template

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
