"""Selecting lecturers over the API: calls for nominations, nominations, the staged review
and the appointment certificate (L2, G2)."""

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpResponse
from django.urls import reverse
from ninja import Field, File, Form, Query, Router, Schema, UploadedFile
from ninja.decorators import decorate_view
from ninja.responses import Status

from core.text import mask_phone
from core.timeutil import aware, local
from development import selectors, services
from development.certificate import certificate_pdf, require_certificate

from ..idempotency import idempotent
from ..limits import body_limit, upload_limit
from ..schemas import READ_ERRORS, WRITE_ERRORS, ErrorOut, Id, PageParams, paginate

router = Router(tags=["selection"])


class CallIn(Schema):
    title: str
    level: str = Field(description="county or town")
    criteria: str
    quota: int
    deadline: datetime = Field(description="ISO 8601; without an offset read as Asia/Shanghai")
    materials: str = Field("", description="the required materials, one per line")
    org_id: Id | None = Field(None, description="the issuing town of a town-level call")
    term_years: int = 3


class CallOut(Schema):
    id: int
    title: str
    level: str
    org_id: int
    org_name: str
    criteria: str
    quota: int
    deadline: datetime
    materials: list[str]
    term_years: int
    nominations: int
    is_open: bool
    public_url: str


class CallList(Schema):
    items: list[CallOut]
    count: int


class NominationIn(Schema):
    channel: str = Field(description="self, public or unit")
    name: str
    phone: str
    org_id: Id
    specialties: str = ""
    reason: str
    source: str = Field("", description="the lecturer source, if known (else at approval)")


class ReviewIn(Schema):
    stage: str = Field(description="political, panel or approval, in this order")
    result: str = Field(description="pass or fail")
    scores: dict[str, Any] | None = Field(
        None,
        description='panel only: {"<member name>": {"political", "exemplary", "practical", '
        '"trial"}}, whole numbers 0-100',
    )
    note: str = ""
    source: str = Field("", description="approval: the lecturer's source if not yet known")


class PanelScoreOut(Schema):
    member: str
    political: int
    exemplary: int
    practical: int
    trial: int
    total: float


class ReviewOut(Schema):
    stage: str
    result: str
    note: str
    reviewer: str | None
    at: datetime
    panel_scores: list[PanelScoreOut]


class MaterialOut(Schema):
    id: int
    label: str
    file_name: str


class NominationOut(Schema):
    id: int
    call_id: int
    channel: str
    stage: str
    name: str
    phone: str = Field(description="masked")
    org_id: int
    org_name: str
    specialties: str
    reason: str
    panel_score: float | None
    materials: list[MaterialOut]
    reviews: list[ReviewOut]
    lecturer_id: int | None
    certificate_no: str | None
    appointed_from: date | None
    appointed_until: date | None


class NominationReviewed(NominationOut):
    initial_password: str | None = Field(
        description="after a passed approval that made a new login (username = the "
        "candidate's phone): its initial password, this once; null otherwise, also when the "
        "candidate's existing login became the lecturer's"
    )


class NominationRow(Schema):
    id: int
    channel: str
    stage: str
    name: str
    phone: str = Field(description="masked")
    org_id: int
    org_name: str
    panel_score: float | None
    lecturer_id: int | None
    certificate_no: str | None
    submitted_at: datetime


class NominationList(Schema):
    items: list[NominationRow]
    count: int


class NominationFilters(PageParams):
    stage: Literal["", "submitted", "political_passed", "panel_passed", "approved", "rejected"] = ""
    channel: Literal["", "self", "public", "unit"] = ""


class NominationCreated(Schema):
    id: int
    stage: str


class CallStats(Schema):
    total: int
    by_channel: dict[str, int]
    passed: dict[str, int]
    rejected: int


class CallFilters(PageParams):
    pass


def _call(request, call) -> dict:
    return {
        "id": call.pk,
        "title": call.title,
        "level": call.level,
        "org_id": call.org_id,
        "org_name": call.org.name,
        "criteria": call.criteria,
        "quota": call.quota,
        "deadline": local(call.deadline),
        "materials": call.material_list,
        "term_years": call.term_years,
        "nominations": call.nominations.count(),
        "is_open": call.is_open,
        "public_url": request.build_absolute_uri(
            reverse("development:public_call", args=[call.public_key])
        ),
    }


def _nomination(nomination) -> dict:
    reviews = nomination.reviews.select_related("reviewer").prefetch_related("panel_scores")
    return {
        "id": nomination.pk,
        "call_id": nomination.call_id,
        "channel": nomination.channel,
        "stage": nomination.stage,
        "name": nomination.name,
        "phone": mask_phone(nomination.phone),
        "org_id": nomination.org_id,
        "org_name": nomination.org.name,
        "specialties": nomination.specialties,
        "reason": nomination.reason,
        "panel_score": nomination.panel_score,
        "materials": [
            {"id": m.pk, "label": m.label, "file_name": m.file_name}
            for m in nomination.materials.all()
        ],
        "reviews": [
            {
                "stage": r.stage,
                "result": r.result,
                "note": r.note,
                "reviewer": r.reviewer.display_name if r.reviewer else None,
                "at": local(r.at),
                "panel_scores": list(r.panel_scores.all()),
            }
            for r in reviews
        ],
        "lecturer_id": nomination.lecturer_id,
        "certificate_no": nomination.certificate_no,
        "appointed_from": nomination.appointed_from,
        "appointed_until": nomination.appointed_until,
    }


@router.post(
    "/calls",
    response={201: CallOut, **WRITE_ERRORS},
    summary="Open a call for nominations (county or town admin)",
    description="Published at once to the county's organisations and members, with a public "
    "page (`public_url`) anyone with the link can read and nominate through. 422 names each "
    "wrong field (a deadline in the past, a quota under 1, a town that is not the caller's).",
)
@decorate_view(idempotent)
def call_open_endpoint(request, payload: CallIn):
    data = payload.dict()
    data["deadline"] = aware(data["deadline"])
    call = services.call_open(actor=request.auth, **data)
    return Status(201, _call(request, call))


@router.get(
    "/calls",
    response={200: CallList, **READ_ERRORS},
    summary="The calls for nominations of the caller's county",
)
def call_list(request, filters: Query[CallFilters]):
    items, count = paginate(selectors.calls_for_user(request.auth), filters)
    return {"items": [_call(request, call) for call in items], "count": count}


@router.get(
    "/calls/{int:call_id}",
    response={200: CallOut, **READ_ERRORS},
    summary="One call for nominations",
)
def call_detail(request, call_id: int):
    return _call(request, selectors.call_for_user(request.auth, call_id))


@router.get(
    "/calls/{int:call_id}/stats",
    response={200: CallStats, **READ_ERRORS},
    summary="A call's applications by channel and passes per stage (its reviewers)",
)
def call_stats(request, call_id: int):
    call = selectors.call_for_user(request.auth, call_id)
    selectors.require_reviewer_of(request.auth, call)
    stats = selectors.call_statistics(call)
    return {
        "total": stats["total"],
        "by_channel": {row["channel"]: row["count"] for row in stats["by_channel"]},
        "passed": {row["stage"]: row["count"] for row in stats["passed"]},
        "rejected": stats["rejected"],
    }


@router.post(
    "/calls/{int:call_id}/nominations",
    response={201: NominationCreated, **WRITE_ERRORS},
    summary="Nominate a candidate (self, public or unit)",
    description="`self`: the caller nominates themself; `public`: a member recommends someone; "
    "`unit`: the secretary or an admin over `org_id` recommends one of its members. 422 "
    "`deadline_passed` after the deadline, `quota_full` once the call has its quota, and "
    "a field error for a phone already nominated. Materials the call requires are added "
    "with POST /nominations/{id}/materials before the political review.",
)
@decorate_view(idempotent)
def nomination_submit_endpoint(request, call_id: int, payload: NominationIn):
    call = selectors.call_for_user(request.auth, call_id)
    nomination = services.nomination_submit(actor=request.auth, call=call, **payload.dict())
    return Status(201, {"id": nomination.pk, "stage": nomination.stage})


@router.get(
    "/calls/{int:call_id}/nominations",
    response={200: NominationList, **READ_ERRORS},
    summary="A call's nominations, ranked (its reviewers: county admin, town admin of the town)",
    description="Rated candidates first, best panel score first; then by submission. Filter by "
    "`stage` and `channel`. 403 for anyone of the county who does not review the call; phones "
    "are masked.",
)
def call_nominations(request, call_id: int, filters: Query[NominationFilters]):
    call = selectors.call_for_user(request.auth, call_id)
    selectors.require_reviewer_of(request.auth, call)
    rows = selectors.ranked(
        selectors.nominations_for_user(
            request.auth, call=call, stage=filters.stage, channel=filters.channel
        )
    )
    items, count = paginate(rows, filters)
    return {
        "items": [
            {
                "id": n.pk,
                "channel": n.channel,
                "stage": n.stage,
                "name": n.name,
                "phone": mask_phone(n.phone),
                "org_id": n.org_id,
                "org_name": n.org.name,
                "panel_score": n.panel_score,
                "lecturer_id": n.lecturer_id,
                "certificate_no": n.certificate_no or None,
                "submitted_at": local(n.created_at),
            }
            for n in items
        ],
        "count": count,
    }


@router.get(
    "/nominations/{int:nomination_id}",
    response={200: NominationOut, **READ_ERRORS},
    summary="A nomination with every step of its review",
)
def nomination_detail(request, nomination_id: int):
    return _nomination(selectors.nomination_for_user(request.auth, nomination_id))


@router.post(
    "/nominations/{int:nomination_id}/materials",
    response={201: MaterialOut, **WRITE_ERRORS},
    summary="Attach a required material (PDF, JPG, PNG or DOCX, at most 5 MB)",
    description="multipart: `label` (one of the call's materials) and `file`, checked by its "
    "content. 409 `bad_state` once the review has started.",
)
@body_limit(upload_limit)
def material_add_endpoint(request, nomination_id: int, label: Form[str], file: File[UploadedFile]):
    nomination = selectors.nomination_for_user(request.auth, nomination_id)
    material = services.material_add(
        actor=request.auth, nomination=nomination, label=label, upload=file
    )
    return Status(
        201, {"id": material.pk, "label": material.label, "file_name": material.file_name}
    )


@router.post(
    "/nominations/{int:nomination_id}/review",
    response={200: NominationReviewed, **WRITE_ERRORS},
    summary="Record a review stage: political, then panel, then approval",
    description="409 `bad_state` when the stage is out of order or done already, "
    "`materials_missing` while a required material is missing; 403 for the candidate or a "
    "reviewer from the candidate's unit, and for approvals by anyone but the county admin. "
    "A failure needs a `note`. A passed approval creates the active lecturer and returns "
    "`lecturer_id` and `certificate_no`; a candidate whose phone has a login already (e.g. a "
    "secretary who nominated themself) keeps it as the lecturer's login, otherwise a new one "
    "is made and its `initial_password` returned this once. The candidate's login is told "
    "each result by message.",
)
@decorate_view(idempotent)
def nomination_review_endpoint(request, nomination_id: int, payload: ReviewIn):
    nomination = selectors.nomination_for_user(request.auth, nomination_id)
    nomination = services.nomination_review(
        actor=request.auth, nomination=nomination, **payload.dict()
    )
    return {**_nomination(nomination), "initial_password": nomination.initial_password or None}


@router.get(
    "/nominations/{int:nomination_id}/certificate.pdf",
    response={200: None, **READ_ERRORS, 409: ErrorOut},
    summary="The appointment certificate (聘书) as a PDF",
    description="409 `not_appointed` until the approval has passed.",
)
def certificate_pdf_endpoint(request, nomination_id: int):
    nomination = require_certificate(selectors.nomination_for_user(request.auth, nomination_id))
    response = HttpResponse(certificate_pdf(nomination), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{nomination.pk}.pdf"'
    return response
