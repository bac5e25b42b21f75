"""The quality-course competition (精品课, G8b) over the API: the county's rounds, entries,
judges and stages (county admins); a judge's points; the ranked results. And the county's
rules documents (L12), read by everyone of the county."""

from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.decorators import decorate_view
from ninja.responses import Status

from appraisal.competition import selectors, services
from appraisal.regulations import selectors as regulation_selectors
from core.errors import InvalidInput

from ..idempotency import idempotent
from ..schemas import READ_ERRORS, WRITE_ERRORS

router = Router(tags=["competitions"])


class CriterionIn(Schema):
    name: Any = None
    max_points: Any = None
    weight: Any = None


class CompetitionIn(Schema):
    title: Any = None
    year: Any = None
    winners: Any = 3
    criteria: list[CriterionIn] | None = Field(
        None, description="name, max_points (1-100), weight; default: 教学内容/方法/效果 40/30/30"
    )


class CriterionOut(Schema):
    id: int
    name: str
    max_points: int
    weight: float


class EntryOut(Schema):
    id: int
    course_id: int
    course_title: str
    lecturer_id: int
    lecturer_name: str


class CompetitionOut(Schema):
    id: int
    title: str
    year: int
    winners: int
    status: str = Field(description="draft, open, judging or published")
    published_at: datetime | None
    criteria: list[CriterionOut]
    entries: list[EntryOut]
    judge_user_ids: list[int]


class CompetitionList(Schema):
    items: list[CompetitionOut]
    count: int


class EntryIn(Schema):
    course_id: Any = None


class JudgeIn(Schema):
    user_id: Any = None


class MoveIn(Schema):
    status: str = Field("", description="open or judging; publish with /publish")


class ScoreIn(Schema):
    entry_id: Any = None
    criterion: Any = Field(None, description="the criterion's id or name")
    points: Any = Field(None, description="whole points from 0 to the criterion's maximum")


class ScoreOut(Schema):
    entry_id: int
    criterion_id: int
    points: int


class ResultRowOut(Schema):
    entry_id: int
    course_id: int
    course_title: str
    lecturer_id: int
    lecturer_name: str
    rank: int | None
    score: float | None = Field(description="weighted average 0-100; null while unscored")
    judges: int
    winner: bool = Field(description="named 精品课; the lecturer has the 三优先")
    note: str = Field(description="why a rank is shared, if it is")
    per_criterion: dict[str, float | None]


class ResultsOut(Schema):
    id: int
    status: str
    published: bool
    results: list[ResultRowOut]


def _out(c) -> dict:
    return {
        "id": c.pk, "title": c.title, "year": c.year, "winners": c.winners,
        "status": c.status, "published_at": c.published_at,
        "criteria": [
            {"id": k.pk, "name": k.name, "max_points": k.max_points, "weight": float(k.weight)}
            for k in c.criteria.all()
        ],
        "entries": [
            {"id": e.pk, "course_id": e.course_id, "course_title": e.course.title,
             "lecturer_id": e.lecturer_id, "lecturer_name": e.lecturer.name}
            for e in c.entries.select_related("course", "lecturer").order_by("id")
        ],
        "judge_user_ids": list(c.judges.order_by("id").values_list("user_id", flat=True)),
    }  # fmt: skip


@router.get(
    "/competitions",
    response={200: CompetitionList, **READ_ERRORS},
    summary="The county's competition rounds (county admin: all; others: judged or published)",
)
def competition_list(request):
    rounds = list(selectors.competitions_visible_to(request.auth).order_by("-year", "-id"))
    return {"items": [_out(c) for c in rounds], "count": len(rounds)}


@router.post(
    "/competitions",
    response={201: CompetitionOut, **WRITE_ERRORS},
    summary="Create a round in draft with its criteria (county admin)",
)
@decorate_view(idempotent)
def competition_create(request, payload: CompetitionIn):
    data = payload.dict()
    criteria = data.pop("criteria")
    round_ = services.competition_create(actor=request.auth, criteria=criteria, **data)
    return Status(201, _out(round_))


@router.get(
    "/competitions/{int:competition_id}",
    response={200: CompetitionOut, **READ_ERRORS},
    summary="One round with its criteria, entries and judges (county admin)",
)
def competition_detail(request, competition_id: int):
    return _out(selectors.competition_for_admin(request.auth, competition_id))


@router.post(
    "/competitions/{int:competition_id}/entries",
    response={201: EntryOut, **WRITE_ERRORS},
    summary="Enter a course with its lecturer (county admin, while draft or open)",
    description="409 `round_closed` after the entries close; 409 `already_entered` for a "
    "course entered already.",
)
@decorate_view(idempotent)
def competition_entry(request, competition_id: int, payload: EntryIn):
    e = services.entry_add(
        actor=request.auth, competition_id=competition_id, course_id=payload.course_id
    )
    return Status(201, {"id": e.pk, "course_id": e.course_id, "course_title": e.course.title,
                        "lecturer_id": e.lecturer_id, "lecturer_name": e.lecturer.name})  # fmt: skip


@router.post(
    "/competitions/{int:competition_id}/judges",
    response={201: CompetitionOut, **WRITE_ERRORS},
    summary="Put a person of the county on the panel (county admin)",
    description="409 `already_judge` the second time.",
)
@decorate_view(idempotent)
def competition_judge(request, competition_id: int, payload: JudgeIn):
    judge = services.judge_add(
        actor=request.auth, competition_id=competition_id, user_id=payload.user_id
    )
    return Status(201, _out(judge.competition))


@router.post(
    "/competitions/{int:competition_id}/status",
    response={200: CompetitionOut, **WRITE_ERRORS},
    summary="Move a round: draft → open → judging (county admin)",
)
def competition_move(request, competition_id: int, payload: MoveIn):
    return _out(
        services.competition_move(
            actor=request.auth, competition_id=competition_id, to=payload.status
        )
    )


@router.post(
    "/competitions/{int:competition_id}/scores",
    response={201: ScoreOut, **WRITE_ERRORS},
    summary="A judge's points for one entry and criterion (judge)",
    description="403 `own_entry` / `own_unit` for the judge's own entry or one of their unit, "
    "403 `not_judge` off the panel; 409 `already_scored` the second time (a score is final), "
    "409 `not_judging` outside the judging stage; 422 for points outside 0 to the maximum.",
)
def competition_score(request, competition_id: int, payload: ScoreIn):
    if payload.criterion is None or isinstance(payload.criterion, dict | list):
        raise InvalidInput.field("criterion", _("Choose a criterion of this round."))
    rows = services.scores_submit(
        actor=request.auth, competition_id=competition_id, entry_id=payload.entry_id,
        points={str(payload.criterion): payload.points},
    )  # fmt: skip
    row = rows[0]
    return Status(201, {"entry_id": row.entry_id, "criterion_id": row.criterion_id,
                        "points": row.points})  # fmt: skip


@router.post(
    "/competitions/{int:competition_id}/publish",
    response={200: CompetitionOut, **WRITE_ERRORS},
    summary="Rank, name the winners (精品课, 三优先) and tell the entrants, once (county admin)",
    description="409 `already_published` the second time; 409 `incomplete` while an entry "
    "lacks a criterion's points; 409 `bad_state` before judging.",
)
@decorate_view(idempotent)
def competition_publish(request, competition_id: int):
    return _out(services.competition_publish(actor=request.auth, competition_id=competition_id))


@router.get(
    "/competitions/{int:competition_id}/results",
    response={200: ResultsOut, **READ_ERRORS},
    summary="The ranking by weighted average (county admin any time; the county once published)",
)
def competition_results(request, competition_id: int):
    round_ = selectors.results_visible(request.auth, competition_id)
    rows = selectors.ranking(round_)
    return {
        "id": round_.pk, "status": round_.status, "published": round_.status == "published",
        "results": [
            {"entry_id": r.entry.pk, "course_id": r.entry.course_id,
             "course_title": r.entry.course.title, "lecturer_id": r.entry.lecturer_id,
             "lecturer_name": r.entry.lecturer.name, "rank": r.rank, "score": r.score,
             "judges": r.judges, "winner": r.winner, "note": str(r.note),
             "per_criterion": {c.name: mean for c, mean in r.per_criterion}}
            for r in rows
        ],
    }  # fmt: skip


# --- rules documents (L12) -------------------------------------------------------------------


class RegulationOut(Schema):
    id: int
    kind: str = Field(description="selection, appraisal, teaching or other")
    title: str
    version: int
    effective_from: date
    body: str
    has_file: bool
    published_at: datetime
    is_current: bool


@router.get(
    "/regulations",
    response={200: list[RegulationOut], **READ_ERRORS},
    summary="The county's rules documents, every version (anyone of the county)",
)
def regulation_list(request):
    docs = regulation_selectors.regulations_of_county(request.auth).order_by("kind", "-version")
    current = {d.pk for d in regulation_selectors.current_versions(request.auth)}
    return [
        {"id": d.pk, "kind": d.kind, "title": d.title, "version": d.version,
         "effective_from": d.effective_from, "body": d.body, "has_file": bool(d.file),
         "published_at": d.published_at, "is_current": d.pk in current}
        for d in docs
    ]  # fmt: skip
