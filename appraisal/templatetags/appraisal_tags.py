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


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template, or None."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.simple_tag(takes_context=True)
def appraisal_rules_doc(context):
    """The current version of the county's assessment rules document, for a link (or None)."""
    from ..regulations.selectors import current_of_kind

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return current_of_kind(user, "appraisal")
