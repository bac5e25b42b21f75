"""Reads of the competition, scoped to the caller: the county's administrators see and run
their county's rounds; a judge sees the rounds they sit on; once published, the results are
open to everyone of the county."""

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

import access
from core.errors import Forbidden, NotFound
from core.text import parse_id
from lecturers.models import Lecturer
from orgs.models import Membership, OrgLevel

from ..models import Competition, Criterion, Entry, Judge, RoundStatus, Score


def may_run_competitions(user) -> bool:
    return access.scope_for(user).is_county_admin


def competitions_county_id(user) -> int:
    if not may_run_competitions(user):
        raise Forbidden()
    return access.scope_for(user).county_id


def competitions_for_admin(user) -> QuerySet[Competition]:
    return Competition.objects.filter(county_id=competitions_county_id(user))


def competition_for_admin(user, competition_id) -> Competition:
    return access.get_visible(competitions_for_admin(user), competition_id)


def competitions_seen_by(user) -> QuerySet[Competition]:
    """The rounds a user who is not an administrator sees: those they judge, and the
    published ones of their county."""
    county_id = access.scope_for(user).county_id
    if county_id is None:
        return Competition.objects.none()
    return Competition.objects.filter(
        Q(status=RoundStatus.PUBLISHED) | Q(judges__user=user), county_id=county_id
    ).distinct()


def competitions_visible_to(user) -> QuerySet[Competition]:
    if may_run_competitions(user):
        return competitions_for_admin(user)
    return competitions_seen_by(user)


def judge_of(user, competition_id) -> Judge:
    """The caller's seat on the round's panel; NotFound for a round they cannot see, 403 for
    one they see but do not judge."""
    county_id = access.scope_for(user).county_id
    number = parse_id(competition_id)
    if county_id is None or number is None:
        raise NotFound()
    judge = (
        Judge.objects.select_related("competition")
        .filter(competition_id=number, competition__county_id=county_id, user=user)
        .first()
    )
    if judge is None:
        if Competition.objects.filter(pk=number, county_id=county_id).exists():
            raise Forbidden(_("You are not on the panel of this round."), code="not_judge")
        raise NotFound()
    return judge


def results_visible(user, competition_id) -> Competition:
    """A round whose results the caller may read: administrators at any stage (a preview
    before publication), everyone else of the county once published."""
    if may_run_competitions(user):
        return competition_for_admin(user, competition_id)
    county_id = access.scope_for(user).county_id
    number = parse_id(competition_id)
    round_ = Competition.objects.filter(
        pk=number, county_id=county_id, status=RoundStatus.PUBLISHED
    ).first()
    if county_id is None or number is None or round_ is None:
        raise NotFound()
    return round_


# --- conflicts of interest -----------------------------------------------------------------------


@dataclass(frozen=True)
class JudgeUnits:
    user_id: int
    org_ids: frozenset[int]
    unit: str


def units_of(user) -> JudgeUnits:
    """The units a judge belongs to: the organisations where they hold a role or belong as a
    lecturer (the county itself is everybody's, so it does not count), and their lecturer
    profile's work unit."""
    org_ids = set(
        Membership.objects.filter(user=user)
        .exclude(org__level=OrgLevel.COUNTY)
        .values_list("org_id", flat=True)
    )
    profile = (
        Lecturer.objects.filter(user=user).values("org_id", "org__level", "unit").first() or {}
    )
    if profile.get("org_id") and profile.get("org__level") != OrgLevel.COUNTY:
        org_ids.add(profile["org_id"])
    return JudgeUnits(user.pk, frozenset(org_ids), (profile.get("unit") or "").strip())


def conflict_of(units: JudgeUnits, entry: Entry) -> str:
    """ "own_entry", "own_unit" or "" for a judge and an entry (its lecturer loaded)."""
    lecturer = entry.lecturer
    if lecturer.user_id == units.user_id:
        return "own_entry"
    if lecturer.org_id in units.org_ids or (units.unit and lecturer.unit.strip() == units.unit):
        return "own_unit"
    return ""


CONFLICT_TEXT = {
    "own_entry": lambda: _("This is your own entry; you do not score it."),
    "own_unit": lambda: _("This entry is from your own unit; you do not score it."),
}


# --- the panel's sheet ---------------------------------------------------------------------------


@dataclass
class SheetRow:
    entry: Entry
    conflict: str
    given: dict[int, int]  # criterion id → points already given by this judge

    @property
    def conflict_text(self) -> str:
        return str(CONFLICT_TEXT[self.conflict]()) if self.conflict else ""

    @property
    def done(self) -> bool:
        return bool(self.given)


def judge_sheet(judge: Judge) -> tuple[list[Criterion], list[SheetRow]]:
    competition = judge.competition
    criteria = list(competition.criteria.all())
    units = units_of(judge.user)
    given: dict[int, dict[int, int]] = {}
    for entry_id, criterion_id, points in Score.objects.filter(judge=judge).values_list(
        "entry_id", "criterion_id", "points"
    ):
        given.setdefault(entry_id, {})[criterion_id] = points
    rows = [
        SheetRow(entry, conflict_of(units, entry), given.get(entry.pk, {}))
        for entry in competition.entries.select_related("course", "lecturer").order_by("id")
    ]
    return criteria, rows


# --- results ---------------------------------------------------------------------------------------


@dataclass
class ResultRow:
    entry: Entry
    score: float | None
    judges: int
    per_criterion: list[tuple[Criterion, float | None]] = field(default_factory=list)
    rank: int | None = None
    winner: bool = False
    note: str = ""
    missing: list[str] = field(default_factory=list)


def _weighted(per_criterion) -> float | None:
    total_weight = sum(float(c.weight) for c, _mean in per_criterion)
    if not per_criterion or any(mean is None for _c, mean in per_criterion) or not total_weight:
        return None
    value = sum(float(c.weight) * mean / c.max_points for c, mean in per_criterion)
    return round(100 * value / total_weight, 2)


def ranking(competition: Competition) -> list[ResultRow]:
    """Every entry with its weighted average: each criterion's mean points over the judges
    who scored it, as a share of its maximum, weighted, on a 0-100 scale. Equal scores share a
    rank and say so; the entries ranked within the number of winners win, all of a tie at the
    cut included. An entry missing a criterion's points has no score yet."""
    criteria = list(competition.criteria.all())
    sums: dict[tuple[int, int], list[int]] = {}
    judges: dict[int, set[int]] = {}
    for entry_id, criterion_id, judge_id, points in Score.objects.filter(
        entry__competition=competition
    ).values_list("entry_id", "criterion_id", "judge_id", "points"):
        sums.setdefault((entry_id, criterion_id), []).append(points)
        judges.setdefault(entry_id, set()).add(judge_id)
    rows = []
    for entry in competition.entries.select_related("course", "lecturer").order_by("id"):
        per = []
        for c in criteria:
            points = sums.get((entry.pk, c.pk))
            per.append((c, sum(points) / len(points) if points else None))
        row = ResultRow(entry, _weighted(per), len(judges.get(entry.pk, ())), per)
        row.missing = [c.name for c, mean in per if mean is None]
        rows.append(row)
    scored = sorted((r for r in rows if r.score is not None), key=lambda r: (-r.score, r.entry.pk))
    for _i, row in enumerate(scored):
        tied = [r for r in scored if r.score == row.score and r is not row]
        row.rank = next(j for j, r in enumerate(scored) if r.score == row.score) + 1
        row.winner = row.rank <= competition.winners
        if tied:
            row.note = _(
                "Tied at %(score).2f with %(others)s: the same rank, as the rules share it."
            ) % {
                "score": row.score,
                "others": "、".join(f"《{r.entry.course.title}》" for r in tied),
            }
            if row.winner and row.rank + len(tied) > competition.winners:
                row.note += " " + _("The tie reaches past the number of winners; all of it wins.")
    unscored = [r for r in rows if r.score is None]
    return scored + unscored
