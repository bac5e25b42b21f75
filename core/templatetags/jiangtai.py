from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def stars(star):
    """★★★★☆ for a 1-5 star level; a plain note when there are no ratings yet."""
    if not star:
        return format_html('<span class="muted small">{}</span>', _("Not yet rated"))
    star = max(1, min(5, int(star)))
    return format_html(
        '<span class="stars" title="{}">{}{}</span>',
        _("%(n)d stars") % {"n": star},
        "★" * star,
        "☆" * (5 - star),
    )


@register.filter
def first_char(name: str) -> str:
    return (name or "?")[:1]


@register.filter
def category_labels(lecturer) -> list[str]:
    """Labels of the categories a lecturer offers courses in (needs the list selector's prefetch)."""
    from courses.models import Category
    from lecturers.selectors import lecturer_categories

    return [Category(c).label for c in lecturer_categories(lecturer)]


@register.filter
def title_labels(lecturer) -> list[str]:
    from lecturers.models import HonourTitle
    from lecturers.selectors import lecturer_titles

    return [HonourTitle(t).label for t in lecturer_titles(lecturer)]
