from django import template

from .. import explain

register = template.Library()

# The badge colour of a grade (app.css: .badge is red, .green, .gold, .grey).
GRADE_CLASSES = {"excellent": "green", "good": "gold", "fair": "grey", "poor": ""}


@register.filter
def grade_class(grade: str) -> str:
    return GRADE_CLASSES.get(grade, "grey")


@register.filter
def grade_label(grade: str) -> str:
    return explain.grade_label(grade)


@register.filter
def figure(value) -> str:
    """A score or weight as people read it: 83.2, 80, – for none."""
    return explain.number(value)


@register.filter
def percent(value) -> str:
    return "–" if value is None else f"{explain.number(value * 100)}%"
