from datetime import datetime

from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.responses import Status

from classrooms import bases, gaps, selectors, services
from core.http import client_ip
from core.timeutil import local

from ..idempotency import idempotent
from ..schemas import READ_ERRORS, WRITE_ERRORS, ErrorOut, Id, PageParams, paginate

router = Router(tags=["classrooms"])


class TopicIn(Schema):
    title: str
    category: str = ""


class SurveyIn(Schema):
    title: str
    topics: list[str | TopicIn] = Field(..., max_length=200)
    closes_at: datetime | None = None


class TopicOut(Schema):
    id: int
    title: str
    category: str


class SurveyOut(Schema):
    id: int
    title: str
    version: int
    previous_id: int | None
    topics: list[TopicOut]
    closes_at: datetime | None
    url: str = Field(description="the public answer page, for the link and the QR code")


class AnswerIn(Schema):
    phone: str
    org_id: int
    group: str = ""
    topics: list[str] = Field(..., max_length=200)
    categories: list[str] = Field(default_factory=list, max_length=20)
    classroom: str = ""
    time_preference: str = ""
    comment: str = ""


class AnswerOut(Schema):
    """The answer as stored (for the same phone again: the first answer, unchanged)."""

    id: int
    org_id: int
    group: str
    topics: list[str]
    categories: list[str]
    classroom: str
    time_preference: str
    created_at: datetime


class GapOut(Schema):
    topic: str
    category: str
    wanted: int
    best_course_id: int | None = Field(description="null: no course answers the topic")
    best_course_title: str
    similarity: float
    unmet: float


class BaseIn(Schema):
    name: str
    level: str
    address: str
    lat: float
    lng: float
    capacity: int
    theme: str = ""
    opening_hours: str = ""
    docent_ids: list[Id] = Field(default_factory=list, max_length=100)


class BaseOut(Schema):
    id: int
    name: str
    level: str
    address: str
    lat: float
    lng: float
    capacity: int
    theme: str
    opening_hours: str
    docent_ids: list[int]


class BaseList(Schema):
    items: list[BaseOut]
    count: int


def _survey(survey) -> dict:
    return {
        "id": survey.pk,
        "title": survey.title,
        "version": survey.version,
        "previous_id": survey.previous_id,
        "topics": list(survey.topics.all()),
        "closes_at": survey.closes_at and local(survey.closes_at),
        "url": f"/survey/{survey.pk}/",
    }


def _answer(answer) -> dict:
    return {
        "id": answer.pk,
        "org_id": answer.org_id,
        "group": answer.group,
        "topics": [t.title for t in answer.topics.all()],
        "categories": answer.categories,
        "classroom": answer.classroom,
        "time_preference": answer.time_preference,
        "created_at": local(answer.created_at),
    }


def _base(base) -> dict:
    return {
        **{f: getattr(base, f) for f in ("name", "level", "address", "lat", "lng", "capacity")},
        "id": base.pk,
        "theme": base.theme,
        "opening_hours": base.opening_hours,
        "docent_ids": [d.pk for d in base.docents.all()],
    }


@router.post(
    "/surveys",
    response={201: SurveyOut, **WRITE_ERRORS},
    summary="Design a training-needs survey (county admin)",
)
@decorate_view(idempotent)
def survey_create(request, payload: SurveyIn):
    topics = [t if isinstance(t, str) else t.dict() for t in payload.topics]
    survey = services.survey_create(
        actor=request.auth, title=payload.title, topics=topics, closes_at=payload.closes_at
    )
    return Status(201, _survey(survey))


@router.post(
    "/surveys/{int:survey_id}/answers",
    auth=None,
    response={200: AnswerOut, 201: AnswerOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut,
              422: ErrorOut, 429: ErrorOut},
    summary="A member answers the survey (no login; the same phone again: 200, the first answer)",
)  # fmt: skip
def survey_answer(request, survey_id: int, payload: AnswerIn):
    answer, created = services.survey_answer(
        survey_id=survey_id, client_ip=client_ip(request), **payload.dict()
    )
    return Status(201 if created else 200, _answer(answer))


@router.get(
    "/surveys/{int:survey_id}/gaps",
    response={200: list[GapOut], **READ_ERRORS},
    summary="Wanted topics against the courses: no matching course first, then unmet demand",
)
def survey_gaps(request, survey_id: int):
    survey = selectors.survey_managed_by(request.auth, survey_id)
    return [
        {**g.__dict__, "unmet": round(g.unmet, 2), "similarity": round(g.similarity, 4)}
        for g in gaps.survey_gaps(survey)
    ]


@router.get(
    "/bases", response={200: BaseList, **READ_ERRORS}, summary="The county's teaching bases"
)
def base_list(request, filters: Query[PageParams]):
    items, count = paginate(bases.bases_visible_to(request.auth), filters)
    return {"items": [_base(b) for b in items], "count": count}


@router.post(
    "/bases", response={201: BaseOut, **WRITE_ERRORS}, summary="Add a teaching base (county admin)"
)
@decorate_view(idempotent)
def base_create(request, payload: BaseIn):
    return Status(201, _base(bases.base_create(actor=request.auth, **payload.dict())))
