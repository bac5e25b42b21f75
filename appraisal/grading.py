"""From one lecturer's figures of the year to the five metrics, the composite score and the
grade, by the county's rules (a run's `rules` snapshot). Pure: no database, so that the rules
can be read, tested and explained on their own.

Every decision is recorded as a step (a small dict, rendered in words by `explain.step_text`):
the threshold the score reached, a duty that capped the grade, or why there is no grade.
"""

from dataclasses import dataclass, field

from .models import GRADE_ORDER, METRICS, Grade


@dataclass
class Figures:
    """Counts and sums of one lecturer's year, straight from the database's aggregates."""

    held: int = 0  # sessions held (completed, or confirmed and over)
    grassroots: int = 0  # of which at a village, community or unit branch
    accepted: int = 0  # requests the lecturer accepted
    declined: int = 0
    expired: int = 0  # requests left unanswered until they expired
    cancelled: int = 0  # accepted sessions the lecturer cancelled
    late_cancelled: int = 0  # of which inside the county's notice period
    dropped: int = 0  # grabbed orders the lecturer dropped
    ratings: int = 0  # counted trainee ratings (not held for review)
    rated_sessions: int = 0  # sessions with a quality form (at least one counted rating)
    content: int = 0  # sums of the counted ratings' scores
    method: int = 0
    effect: int = 0
    org_ratings: int = 0  # the lecturer's ratings of the organisations trained
    org_rating_total: int = 0  # sum of their three scores
    courses_developed: int = 0  # distinct courses created or revised in the year


@dataclass
class Outcome:
    metrics: dict[str, float | None]
    inputs: dict
    score: float | None = None
    grade: str = ""
    not_graded: dict | None = None  # the step that left the lecturer without a grade
    steps: list[dict] = field(default_factory=list)


def _mean(total: int, n: int) -> float | None:
    return round(total / n, 2) if n else None


def _attitude(f: Figures, penalty: int) -> float:
    """The share of the requests the lecturer accepted (all of none), less `penalty` points
    each time they backed out of an accepted session or a grabbed order. Punctuality is not
    recorded by the platform (lecturers do not check in), so it does not count."""
    answered = f.accepted + f.declined + f.expired
    base = 100 * f.accepted / answered if answered else 100.0
    return round(max(0.0, base - penalty * (f.cancelled + f.dropped)), 2)


def _inputs(f: Figures) -> dict:
    answered = f.accepted + f.declined + f.expired
    return {
        "requests": answered,
        "accepted": f.accepted,
        "declined": f.declined,
        "expired": f.expired,
        "acceptance_rate": round(f.accepted / answered, 4) if answered else None,
        "cancelled_by_lecturer": f.cancelled,
        "late_cancellations": f.late_cancelled,
        "dropped_grabs": f.dropped,
        "ratings": f.ratings,
        "rated_sessions": f.rated_sessions,
        "mean_content": _mean(f.content, f.ratings),
        "mean_method": _mean(f.method, f.ratings),
        "mean_effect": _mean(f.effect, f.ratings),
        "org_ratings": f.org_ratings,
        "org_rating_mean": _mean(f.org_rating_total, 3 * f.org_ratings),
    }


def _at_most(grade: str, cap: str) -> str:
    return GRADE_ORDER[max(GRADE_ORDER.index(grade), GRADE_ORDER.index(cap))]


def grade_for(f: Figures, rules: dict) -> Outcome:
    metrics = {
        "attitude": _attitude(f, rules["attitude_penalty"]),
        "ability": _mean(f.method, f.ratings),
        "effect": _mean(f.effect, f.ratings),
        "satisfaction": _mean(f.content + f.method + f.effect, 3 * f.ratings),
        "quality": _mean(f.content, f.ratings),
    }
    outcome = Outcome(metrics=metrics, inputs=_inputs(f))
    if f.held < rules["min_sessions"]:
        outcome.not_graded = {"rule": "min_sessions", "sessions": f.held, "minimum": rules["min_sessions"]}  # fmt: skip
    elif not f.ratings:
        outcome.not_graded = {"rule": "no_ratings", "sessions": f.held}
    if outcome.not_graded:
        outcome.steps = [outcome.not_graded]
        return outcome

    weights = rules["weights"]
    # Two decimals: a score exactly on a threshold reaches it, whatever the float sums did.
    score = round(sum(weights[name] * metrics[name] for name in METRICS), 2)
    outcome.score = score
    thresholds = rules["thresholds"]
    grade = next((g for g in GRADE_ORDER[:-1] if score >= thresholds[g]), Grade.POOR)
    if grade == Grade.POOR:
        outcome.steps.append({"rule": "below", "score": score, "threshold": thresholds[Grade.FAIR], "grade": grade})  # fmt: skip
    else:
        outcome.steps.append({"rule": "threshold", "score": score, "threshold": thresholds[grade], "grade": grade})  # fmt: skip

    cap = rules["cap_without_grassroots"]
    if cap and f.grassroots == 0 and _at_most(grade, cap) != grade:
        grade = cap
        outcome.steps.append({"rule": "cap_grassroots", "grade": cap})
    cap = rules["cap_without_courses"]
    minimum = rules["min_courses_developed"]
    if cap and f.courses_developed < minimum and _at_most(grade, cap) != grade:
        grade = cap
        outcome.steps.append({"rule": "cap_courses", "grade": cap, "courses": f.courses_developed, "minimum": minimum})  # fmt: skip
    outcome.grade = grade
    return outcome
