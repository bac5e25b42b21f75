"""The words for a result's steps (grading.py stores them as data), in the reader's language:
"score 83.2 ≥ 80 → 较好", "only 1 session, fewer than the minimum 2 → not graded"."""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import METRICS, Grade


def number(value) -> str:
    """83.2, 80, 79.96: two decimals at most, none that say nothing."""
    if value is None:
        return "–"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def grade_label(grade: str) -> str:
    return str(Grade(grade).label) if grade else _("not graded")


def step_text(step: dict) -> str:
    rule = step["rule"]
    if rule == "threshold":
        return _("score %(score)s ≥ %(threshold)s → %(grade)s") % {
            "score": number(step["score"]),
            "threshold": number(step["threshold"]),
            "grade": grade_label(step["grade"]),
        }
    if rule == "below":
        return _("score %(score)s < %(threshold)s → %(grade)s") % {
            "score": number(step["score"]),
            "threshold": number(step["threshold"]),
            "grade": grade_label(step["grade"]),
        }
    if rule == "cap_grassroots":
        return _("did not teach at the grassroots → capped at %(grade)s") % {
            "grade": grade_label(step["grade"])
        }
    if rule == "cap_courses":
        return ngettext(
            "developed or revised %(n)d course, fewer than %(minimum)d → capped at %(grade)s",
            "developed or revised %(n)d courses, fewer than %(minimum)d → capped at %(grade)s",
            step["courses"],
        ) % {"n": step["courses"], "minimum": step["minimum"], "grade": grade_label(step["grade"])}
    if rule == "min_sessions":
        return ngettext(
            "only %(n)d session, fewer than the minimum %(minimum)d → not graded",
            "only %(n)d sessions, fewer than the minimum %(minimum)d → not graded",
            step["sessions"],
        ) % {"n": step["sessions"], "minimum": step["minimum"]}
    if rule == "no_ratings":
        return _("no trainee rating counted in the year → not graded")
    raise ValueError(rule)


def stored_reason(step: dict) -> str:
    """The reason kept on the result (and given by the API), in the platform's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return step_text(step)


def composite_text(metrics: dict, weights: dict) -> str:
    """How the score was summed: "0.15 × 70 + 0.2 × 85.5 + …"."""
    return " + ".join(f"{number(weights[m])} × {number(metrics[m])}" for m in METRICS)
