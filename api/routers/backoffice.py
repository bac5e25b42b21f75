"""The county back office over the API: Excel imports and the audit trail (county admins)."""

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, UploadedFile
from ninja.responses import Status

from backoffice import selectors, services
from backoffice.imports.template import template_workbook
from backoffice.models import ImportKind
from core.errors import InvalidInput
from core.timeutil import aware
from core.xlsx import xlsx_response

from ..limits import body_limit, upload_limit
from ..schemas import READ_ERRORS, WRITE_ERRORS, PageParams, paginate

router = Router(tags=["back office"])


class ImportStarted(Schema):
    id: int
    status: str


class ImportErrorOut(Schema):
    sheet: str
    row: int | None
    column: str = Field(description="Excel column letter, empty for the whole file")
    header: str = ""
    message: str


class ImportOut(Schema):
    id: int
    kind: str
    file_name: str
    status: str = Field(description="checking, invalid, running, done (or failed)")
    progress: int
    rows: int
    created: int
    updated: int
    unchanged: int
    errors: list[ImportErrorOut]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def _import(job) -> dict:
    return {
        "id": job.pk,
        "kind": job.kind,
        "file_name": job.file_name,
        "status": job.status,
        "progress": job.progress,
        "rows": job.rows,
        "created": job.created,
        "updated": job.updated,
        "unchanged": job.unchanged,
        "errors": job.errors,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


@router.post(
    "/imports",
    response={202: ImportStarted, **WRITE_ERRORS},
    summary="Upload an Excel workbook to import (county admin)",
    description=(
        "multipart: `kind` (orgs, lecturers, courses) and `file` (.xlsx, at most 10 MB). "
        "The whole file is checked in the background, then written if valid; poll "
        "GET /imports/{id}. 409 `import_running` while another import of the county runs."
    ),
)
@body_limit(upload_limit)
def import_create(request, kind: Form[str], file: File[UploadedFile]):
    job = services.import_start(actor=request.auth, kind=kind, upload=file)
    return Status(202, {"id": job.pk, "status": job.status})


@router.get(
    "/imports/template",
    response={200: None, **READ_ERRORS},
    summary="The .xlsx template of a kind (county admin)",
)
def import_template(request, kind: str):
    if kind not in ImportKind.values:
        raise InvalidInput.field(
            "kind", _("Choose what to import: organisations, lecturers or courses.")
        )
    county = selectors.back_office_county(request.auth)
    return xlsx_response(
        template_workbook(kind, county),
        filename=f"{ImportKind(kind).label}导入模板.xlsx",
        fallback=f"import-template-{kind}.xlsx",
    )


@router.get(
    "/imports/{int:job_id}",
    response={200: ImportOut, **READ_ERRORS},
    summary="An import's status, progress, errors and summary (county admin)",
)
def import_detail(request, job_id: int):
    return _import(selectors.import_job_for_user(request.auth, job_id))


# --- audit trail --------------------------------------------------------------------------


class AuditOut(Schema):
    id: int
    created_at: datetime
    actor_id: int | None
    actor: str | None
    action: str
    object_type: str
    object_id: str
    before: Any = None
    after: Any = None
    result: str


class AuditList(Schema):
    items: list[AuditOut]
    count: int


class AuditFilters(PageParams):
    actor: str = Field("", max_length=64, description="a user's id, login or name")
    action: str = Field("", max_length=64)
    object_type: str = Field("", max_length=64)
    object_id: str = Field("", max_length=64)
    since: datetime | None = None
    until: datetime | None = None


@router.get(
    "/audit",
    response={200: AuditList, **READ_ERRORS},
    summary="The county's audit trail, newest first (county admin)",
)
def audit_list(request, filters: Query[AuditFilters]):
    qs = selectors.audit_list_for_user(
        request.auth,
        actor=filters.actor.strip(),
        action=filters.action.strip(),
        object_type=filters.object_type.strip(),
        object_id=filters.object_id.strip(),
        since=aware(filters.since) if filters.since else None,
        until=aware(filters.until) if filters.until else None,
    )
    entries, count = paginate(qs, filters)
    items = [
        {
            "id": e.pk,
            "created_at": e.created_at,
            "actor_id": e.actor_id,
            "actor": e.actor.display_name if e.actor else None,
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "before": e.before,
            "after": e.after,
            "result": e.result,
        }
        for e in entries
    ]
    return {"items": items, "count": count}
