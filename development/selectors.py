"""Reads of the selection, scoped to the caller (orgs.rules: calls_q, nominations_q)."""

from datetime import date

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery

import access
from core.errors import Forbidden, NotFound

from .models import (
    PAIRING_STAGES,
    Call,
    Channel,
    Nomination,
    Pairing,
    PairingStep,
    ReviewStage,
    Stage,
)

# The stages a nomination has passed, by where it stands now (a rejection is not a pass).
_PASSED = {
    ReviewStage.POLITICAL: [Stage.POLITICAL_PASSED, Stage.PANEL_PASSED, Stage.APPROVED],
    ReviewStage.PANEL: [Stage.PANEL_PASSED, Stage.APPROVED],
    ReviewStage.APPROVAL: [Stage.APPROVED],
}


def calls_for_user(user) -> QuerySet[Call]:
    return access.scoped(Call.objects.all(), access.calls_q(user)).select_related("org")


def call_for_user(user, call_id) -> Call:
    return access.get_visible(calls_for_user(user), call_id)


def call_by_public_key(key: str) -> Call:
    call = Call.objects.select_related("org", "county").filter(public_key=key or "-").first()
    if call is None:
        raise NotFound()
    return call


def nominations_for_user(user, *, call: Call | None = None, stage: str = "", channel: str = ""):
    qs = access.scoped(Nomination.objects.all(), access.nominations_q(user))
    if call is not None:
        qs = qs.filter(call=call)
    if stage:
        qs = qs.filter(stage=stage)
    if channel:
        qs = qs.filter(channel=channel)
    return qs.select_related("call", "org")


def nomination_for_user(user, nomination_id) -> Nomination:
    return access.get_visible(
        nominations_for_user(user).select_related("call__org", "call__county", "lecturer"),
        nomination_id,
    )


def nomination_by_tracking_key(key: str) -> Nomination:
    nomination = (
        Nomination.objects.select_related("call", "org").filter(tracking_key=key or "-").first()
    )
    if nomination is None:
        raise NotFound()
    return nomination


def ranked(nominations: QuerySet[Nomination]) -> QuerySet[Nomination]:
    """Rated candidates first, best panel score first."""
    return nominations.order_by(F("panel_score").desc(nulls_last=True), "created_at", "id")


def nomination_steps(nomination: Nomination) -> list[dict]:
    """Every step of the candidate's way, in order: submitted, then each review stage with its
    result, reviewer, note and (for the panel) the members' scores; stages still to come are
    listed as pending."""
    reviews = {
        r.stage: r
        for r in nomination.reviews.select_related("reviewer").prefetch_related("panel_scores")
    }
    steps = [{"label": Stage.SUBMITTED.label, "done": True, "at": nomination.created_at}]
    for stage in ReviewStage:
        review = reviews.get(stage.value)
        steps.append(
            {
                "stage": stage.value,
                "label": stage.label,
                "done": review is not None,
                "review": review,
                "scores": list(review.panel_scores.all()) if review else [],
                "at": review.at if review else None,
            }
        )
    return steps


def call_statistics(call: Call) -> dict:
    """Applications by channel and how many passed each stage; the figures add up: every
    application is counted in one channel."""
    by_channel = dict(
        call.nominations.values_list("channel").annotate(n=Count("id")).values_list("channel", "n")
    )
    passed = call.nominations.aggregate(
        **{stage.value: Count("id", filter=Q(stage__in=_PASSED[stage])) for stage in ReviewStage}
    )
    return {
        "total": sum(by_channel.values()),
        "by_channel": [
            {"channel": c.value, "label": c.label, "count": by_channel.get(c.value, 0)}
            for c in Channel
        ],
        "passed": [
            {"stage": s.value, "label": s.label, "count": passed[s.value]} for s in ReviewStage
        ],
        "rejected": call.nominations.filter(stage=Stage.REJECTED).count(),
    }


def is_reviewer_of(user, call: Call) -> bool:
    return access.may_review_call(user, call) or access.may_approve_call(user, call)


def require_reviewer_of(user, call: Call) -> None:
    """The call's review pages and figures are its reviewers'; others get 403."""
    if not is_reviewer_of(user, call):
        raise Forbidden()


# --- Old-new pairing (结对) -------------------------------------------------------------------


def pairings_for_user(user) -> QuerySet[Pairing]:
    """The caller's pairings, each with `due_on`: the planned day of the stage under way (None
    once every stage is done)."""
    due = PairingStep.objects.filter(pairing=OuterRef("pk"), index=OuterRef("reached"))
    return (
        access.scoped(Pairing.objects.all(), access.pairings_q(user))
        .select_related("mentor", "mentee")
        .annotate(due_on=Subquery(due.values("planned_on")[:1]))
    )


def pairing_for_user(user, pairing_id) -> Pairing:
    return access.get_visible(pairings_for_user(user), pairing_id)


def late(pairings: QuerySet[Pairing], today: date) -> QuerySet[Pairing]:
    """Pairings whose stage under way is past its planned day, the longest overdue first."""
    return pairings.filter(reached__lt=len(PAIRING_STAGES), due_on__lt=today).order_by(
        "due_on", "id"
    )


def pairing_filter(pairings: QuerySet[Pairing], state: str, today: date) -> QuerySet[Pairing]:
    """`late`, `open` (under way) or `finished`; anything else: all."""
    if state == "late":
        return late(pairings, today)
    if state == "open":
        return pairings.filter(reached__lt=len(PAIRING_STAGES))
    if state == "finished":
        return pairings.filter(reached__gte=len(PAIRING_STAGES))
    return pairings
