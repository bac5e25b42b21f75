from datetime import datetime

from django.urls import reverse
from ninja import Field, File, Form, Query, Router, Schema, UploadedFile
from ninja.decorators import decorate_view
from ninja.responses import Status

from classrooms import bases, gaps, selectors, services, videos
from core.http import client_ip
from core.timeutil import local
from courses.selectors import course_for_user

from ..idempotency import idempotent
from ..limits import body_limit, upload_limit
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


# --- cloud lessons (G7b) ------------------------------------------------------------------------


class VideoOut(Schema):
    id: int
    course_id: int
    title: str
    status: str = Field(description="`uploading` (resume from `received_bytes`) or `ready`")
    external_url: str
    container: str = Field(description="`mp4` or `webm` for an uploaded file")
    duration_seconds: float | None
    size_bytes: int
    received_bytes: int
    watch_url: str = Field(description="the lesson's page (no login); add ?org= for a branch")
    poster_url: str
    views: int
    minutes_watched: float


def _video(lesson) -> dict:
    ready_file = lesson.status == "ready" and bool(lesson.file)
    return {
        "id": lesson.pk, "course_id": lesson.course_id, "title": lesson.title,
        "status": lesson.status, "external_url": lesson.external_url,
        "container": lesson.container, "duration_seconds": lesson.duration_seconds,
        "size_bytes": lesson.size_bytes, "received_bytes": lesson.received_bytes,
        "watch_url": reverse("classrooms:lesson", args=[lesson.pk]),
        "poster_url": reverse("classrooms:lesson_poster", args=[lesson.pk]) if ready_file else "",
        "views": getattr(lesson, "view_count", 0) or 0,
        "minutes_watched": round((getattr(lesson, "seconds_watched", 0) or 0) / 60, 1),
    }  # fmt: skip


@router.post(
    "/courses/{int:course_id}/videos",
    response={201: VideoOut, 202: VideoOut, **WRITE_ERRORS},
    summary="Add a video lesson: a link, or a file in chunks that resume (lecturer, county admin)",
    description=(
        "A link: `title` and `url`. A file (MP4 or WebM, checked with ffprobe): the first "
        "request sends `title`, `total_size`, `offset` 0 and the first `chunk` and gets the "
        "lesson's `id` (202 while bytes are missing); the next ones send `upload_id`, the "
        "`offset` the server has (`received_bytes`) and the next `chunk`. A chunk at another "
        "offset: 409 `chunk_out_of_order`. The last chunk answers 201 with the checked lesson, "
        "or 422 for a file that is not a whole video (nothing is kept). Over the size limit: "
        "422 on `total_size` naming the limit; a chunk over the request limit: 413."
    ),
)
@decorate_view(idempotent)
@body_limit(upload_limit)
def video_add(
    request,
    course_id: int,
    title: Form[str] = "",
    url: Form[str] = "",
    upload_id: Form[int | None] = None,
    offset: Form[int] = 0,
    total_size: Form[int | None] = None,
    chunk: File[UploadedFile] = None,
):
    course = course_for_user(request.auth, course_id)
    if url:
        lesson = videos.video_link_create(actor=request.auth, course=course, title=title, url=url)
    else:
        lesson = videos.video_upload_chunk(
            actor=request.auth, course=course, chunk=chunk, offset=offset,
            total_size=total_size, upload_id=upload_id, title=title,
        )  # fmt: skip
    return Status(201 if lesson.status == "ready" else 202, _video(lesson))


@router.get(
    "/courses/{int:course_id}/videos",
    response={200: list[VideoOut], **READ_ERRORS},
    summary="A course's video lessons (with unfinished uploads for those who may resume them)",
)
def video_list(request, course_id: int):
    course = course_for_user(request.auth, course_id)
    return [_video(v) for v in videos.videos_of(request.auth, course)]
