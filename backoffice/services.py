"""Writes of the back office: imports, initial passwords, lecturers added and changed in bulk,
organisations deactivated and reactivated."""

import logging
import secrets
import uuid
from datetime import timedelta

from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hasher
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

import access
from accounts.models import User
from core.audit import audit
from core.errors import Conflict, FieldErrors, Forbidden, InvalidInput, ServiceError
from core.text import clean_text
from lecturers import lifecycle
from lecturers.models import Lecturer, LecturerLevel, LecturerStatus
from lecturers.selectors import lecturers_visible_to
from lecturers.services import lecturer_create, lecturer_update
from notifications.models import Event
from notifications.services import notify
from orgs.models import Organisation, OrgLevel

from . import selectors
from .imports import KINDS
from .imports.cells import RowErrors
from .imports.files import check_upload, read_sheet
from .models import BulkAction, ImportJob, ImportKind, ImportStatus

logger = logging.getLogger(__name__)

OPEN_STATUSES = (ImportStatus.CHECKING, ImportStatus.RUNNING)
# An import still checking or running after this long lost its worker: the next upload of
# the county marks it failed instead of waiting for it forever.
STALE_AFTER = timedelta(hours=2)
MAX_STORED_ERRORS = 1000


def may_import(user) -> bool:
    """County admins import into their county's pool (the same right as adding one by one)."""
    return access.may_manage_catalogue(user)


def _fail_stale(county_id: int) -> None:
    now = timezone.now()
    ImportJob.objects.filter(
        county_id=county_id, status__in=OPEN_STATUSES, created_at__lt=now - STALE_AFTER
    ).update(
        status=ImportStatus.FAILED,
        finished_at=now,
        errors=[
            _error(
                _(
                    "The import stopped without finishing (the worker was interrupted). Import the file again: rows already written are recognised."
                )
            )
        ],
    )


def _error(message, *, sheet: str = "") -> dict:
    return {"sheet": sheet, "row": None, "column": "", "header": "", "message": str(message)}


def import_start(*, actor, kind: str, upload) -> ImportJob:
    """Store the uploaded workbook and queue its check; 409 while another import of the
    county is checking or running (one at a time, so that two never race for the same rows)."""
    if not may_import(actor):
        raise Forbidden()
    if kind not in ImportKind.values:
        raise InvalidInput.field(
            "kind", _("Choose what to import: organisations, lecturers or courses.")
        )
    check_upload(upload)
    county_id = access.scope_for(actor).county_id
    file_name = (
        clean_text(upload.name or "", field="file", max_length=1000, required=False)[-200:]
        or "import.xlsx"
    )
    _fail_stale(county_id)
    if ImportJob.objects.filter(county_id=county_id, status__in=OPEN_STATUSES).exists():
        raise Conflict(
            _("Another import of the county is still running; wait until it is done."),
            code="import_running",
        )
    job = ImportJob(county_id=county_id, kind=kind, file_name=file_name, actor=actor)
    job.file.save(f"{uuid.uuid4().hex}.xlsx", upload, save=False)
    try:
        with transaction.atomic():
            job.save()
            audit(
                actor=actor,
                action="import.upload",
                obj=job,
                county_id=county_id,
                after={"kind": kind, "file_name": file_name},
            )
            transaction.on_commit(lambda: _queue(job.pk))
    except IntegrityError:
        job.file.delete(save=False)
        raise Conflict(
            _("Another import of the county is still running; wait until it is done."),
            code="import_running",
        ) from None
    return job


def _queue(job_id: int) -> None:
    from .tasks import import_run_task

    import_run_task.enqueue(job_id)


def import_run(*, job_id: int) -> str:
    """Check the whole file; if it is valid write it, a chunk per transaction, recording the
    progress with each chunk. Run by the background task; returns the final status."""
    now = timezone.now()
    claimed = ImportJob.objects.filter(
        pk=job_id, status=ImportStatus.CHECKING, started_at__isnull=True
    ).update(started_at=now)
    if claimed != 1:
        return "skipped"  # another worker has it, or it is finished
    job = ImportJob.objects.select_related("actor", "county").get(pk=job_id)
    try:
        return _run(job)
    except Exception:
        logger.exception("import %s failed", job_id)
        ImportJob.objects.filter(pk=job_id, status__in=OPEN_STATUSES).update(
            status=ImportStatus.FAILED,
            finished_at=timezone.now(),
            errors=[
                _error(
                    _(
                        "The import failed unexpectedly. Rows already written stay; import the file again to complete it."
                    )
                )
            ],
        )
        return ImportStatus.FAILED


def _run(job: ImportJob) -> str:
    module = KINDS[job.kind]
    errors = RowErrors(sheet=module.SHEET)

    def checked(percent: int) -> None:
        ImportJob.objects.filter(pk=job.pk, status=ImportStatus.CHECKING).update(
            progress=max(0, min(99, percent))
        )

    plan = None
    try:
        with job.file.open("rb") as fileobj:
            sheet = read_sheet(fileobj, preferred_title=module.SHEET, width=len(module.columns()))
        errors.sheet = sheet.title
        plan = module.check(sheet, job.county, errors, checked)
    except InvalidInput as exc:
        errors.add(None, None, "", next(iter(exc.fields.values()), exc.message))
    if errors.items or plan is None:
        items = errors.items[:MAX_STORED_ERRORS]
        if len(errors.items) > MAX_STORED_ERRORS:
            items.append(
                _error(
                    _("… and %(n)d more errors.") % {"n": len(errors.items) - MAX_STORED_ERRORS},
                    sheet=errors.sheet,
                )
            )
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.INVALID, progress=100, errors=items, finished_at=timezone.now()
        )
        return ImportStatus.INVALID

    total = plan.total
    moved = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.CHECKING).update(
        status=ImportStatus.RUNNING, progress=0, rows=total, unchanged=plan.unchanged
    )
    if moved != 1:
        return "skipped"
    done = {"rows": plan.unchanged}

    def advance(*, created: int = 0, updated: int = 0, new_user_ids=None) -> None:
        done["rows"] += created + updated
        fields = {
            "created": F("created") + created,
            "updated": F("updated") + updated,
            "progress": min(99, done["rows"] * 100 // max(total, 1)),
        }
        if new_user_ids is not None:
            fields["new_user_ids"] = list(new_user_ids)
        ImportJob.objects.filter(pk=job.pk).update(**fields)

    try:
        module.write(plan, job=job, actor=job.actor, advance=advance)
    except (ServiceError, DatabaseError) as exc:
        # A conflict, or a write the access app's services refuse (the uploader is no longer
        # a county admin): the job says why.
        message = (
            next(iter(exc.fields.values()), exc.message)
            if isinstance(exc, ServiceError)
            else _(
                "The database refused a write; rows already written stay. Import the file again to complete it."
            )
        )
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED, finished_at=timezone.now(), errors=[_error(message)]
        )
        return ImportStatus.FAILED
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.DONE, progress=100, finished_at=timezone.now()
        )
        job.refresh_from_db()
        audit(
            actor=job.actor,
            action="import.done",
            obj=job,
            county_id=job.county_id,
            after={
                "kind": job.kind,
                "file_name": job.file_name,
                "rows": total,
                "created": job.created,
                "updated": job.updated,
                "unchanged": job.unchanged,
            },
        )
    return ImportStatus.DONE


# --- initial passwords of imported lecturers ------------------------------------------------

_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# A generated password of 12 characters from 55 carries 69 bits: guessing it is hopeless
# whatever the hash's cost, so the initial hash uses fewer PBKDF2 rounds (5,000 logins in
# seconds rather than half an hour). Django re-hashes it at full cost at the first login,
# where the lecturer must replace it anyway.
INITIAL_PASSWORD_ITERATIONS = 1000


def _hash_initial(password: str) -> str:
    hasher = get_hasher("default")
    if isinstance(hasher, PBKDF2PasswordHasher):
        return hasher.encode(password, hasher.salt(), iterations=INITIAL_PASSWORD_ITERATIONS)
    return hasher.encode(password, hasher.salt())


def import_passwords_issue(*, actor, job: ImportJob) -> list[dict]:
    """Make initial passwords for the logins this import created that were never used, and
    return them once (the county prints or hands them out; nothing keeps them in clear).
    Downloading again makes new ones for those still unused: the earlier list stops working."""
    if not may_import(actor) or job.county_id != access.scope_for(actor).county_id:
        raise Forbidden()
    if job.kind != ImportKind.LECTURERS or job.status not in (
        ImportStatus.DONE,
        ImportStatus.FAILED,
    ):
        raise Conflict(
            _("Only a finished import of lecturers has initial passwords."), code="bad_state"
        )
    with transaction.atomic():
        users = list(
            User.objects.select_for_update()
            .filter(
                pk__in=job.new_user_ids,
                county_id=job.county_id,
                last_login__isnull=True,
                must_change_password=True,
                is_active=True,
            )
            .order_by("pk")
        )
        if not users:
            raise Conflict(
                _(
                    "Every login of this import has been used already; reset a forgotten password on the lecturer's page."
                ),
                code="bad_state",
            )
        rows = []
        for user in users:
            password = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(12))
            user.password = _hash_initial(password)
            rows.append(
                {
                    "name": user.name,
                    "phone": user.phone,
                    "username": user.username,
                    "password": password,
                }
            )
        User.objects.bulk_update(users, ["password"], batch_size=500)
        now = timezone.now()
        ImportJob.objects.filter(pk=job.pk).update(passwords_issued_at=now)
        audit(
            actor=actor,
            action="import.passwords_issue",
            obj=job,
            county_id=job.county_id,
            after={"logins": len(users)},
        )
    return rows


# --- Organisations: deactivate and reactivate -----------------------------------------------
# Here rather than beside org_create (access.services) because the refusal counts bookings
# and demands, which live on floors above the access app.

MAX_REASON = 300


def _org_move_checked(actor, org: Organisation, reason) -> str:
    if not access.may_edit_org(actor, org):
        raise Forbidden(_("You may not change this organisation."))
    if org.level == OrgLevel.COUNTY:
        raise Conflict(_("A county cannot be deactivated."), code="bad_state")
    return clean_text(reason, field="reason", max_length=MAX_REASON)


def org_deactivate(*, actor, org: Organisation, reason: str) -> Organisation:
    """Deactivate an organisation (a town: its branches with it): it can no longer book or
    post demands and leaves the pickers, its history stays. Refused (409 `org_busy`, naming
    the numbers) while it, or a town's branch, has open bookings or demands. The row is locked
    while they are counted, and booking and posting lock it too (access.services.
    org_require_active), so one made at the same moment is either counted or refused."""
    reason = _org_move_checked(actor, org, reason)
    with transaction.atomic():
        locked = Organisation.objects.select_for_update().get(pk=org.pk)
        if not locked.is_active:
            raise Conflict(_("This organisation is already deactivated."), code="bad_state")
        bookings, demands = selectors.org_open_work(locked)
        if bookings or demands:
            raise Conflict(
                _(
                    "It still has %(bookings)d open bookings and %(demands)d open demands "
                    "(a town's branches included): cancel them or let them finish first."
                )
                % {"bookings": bookings, "demands": demands},
                code="org_busy",
            )
        Organisation.objects.filter(pk=org.pk).update(is_active=False, updated_at=timezone.now())
        audit(
            actor=actor,
            action="org.deactivate",
            obj=locked,
            county_id=locked.county_id,
            before={"is_active": True},
            after={"is_active": False, "reason": reason},
        )
    org.refresh_from_db()
    return org


def org_reactivate(*, actor, org: Organisation, reason: str) -> Organisation:
    """Make a deactivated organisation active again (compare-and-set: of two at once, one)."""
    reason = _org_move_checked(actor, org, reason)
    with transaction.atomic():
        moved = Organisation.objects.filter(pk=org.pk, is_active=False).update(
            is_active=True, updated_at=timezone.now()
        )
        if moved != 1:
            raise Conflict(_("This organisation is already active."), code="bad_state")
        audit(
            actor=actor,
            action="org.reactivate",
            obj=org,
            county_id=org.county_id,
            before={"is_active": False},
            after={"is_active": True, "reason": reason},
        )
    org.refresh_from_db()
    return org


# --- lecturers added and changed from the back office ---------------------------------------


def lecturer_add(*, actor, **fields) -> tuple[Lecturer, str]:
    """Add a lecturer with a login (lecturers.services.lecturer_create) and send the initial
    password to the lecturer's phone by SMS, with the lecturer or not at all. The inbox
    message only says the account is open: the password travels in the SMS alone, and its
    outbox row forgets it once it is sent. Returns the password for the one page that shows
    it to the person who added the lecturer."""
    with transaction.atomic():
        lecturer, password = lecturer_create(actor=actor, **fields)
        notify(
            recipients=[lecturer.user],
            event=Event.LECTURER_ACCOUNT_OPENED,
            facts={"login": lecturer.user.username, "password": password},
            url=f"/lecturers/{lecturer.pk}/",
            key=f"lecturer:{lecturer.pk}:account_opened",
            county_id=lecturer.county_id,
        )
    return lecturer, password


MAX_BULK = 100


class BulkRefused(Conflict):
    """Some selected rows cannot be changed; nothing was. `problems`: (name, why) pairs."""

    code = "bulk_refused"

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        listed = _("; ").join(_("%(name)s: %(why)s") % {"name": n, "why": w} for n, w in problems)
        super().__init__(
            _("Nothing was changed, because these lecturers cannot be: %(list)s.")
            % {"list": listed}
        )


def _level_move(actor, lecturer: Lecturer, level: str) -> None:
    if lecturer.status == LecturerStatus.REMOVED:
        raise Conflict(_("removed lecturers are not changed"))
    if lecturer.level == level:
        raise Conflict(_("already at that level"))
    if level == LecturerLevel.TOWN and (
        lecturer.org is None or access.org_town_id(lecturer.org) is None
    ):
        raise Conflict(_("belongs to no town; set the organisation first"))
    lecturer_update(
        actor=actor, lecturer=lecturer, changes={"level": level}, version=lecturer.version
    )


def lecturers_bulk_change(
    *, actor, lecturer_ids: list[int], action: str, reason: str = "", level: str = ""
) -> int:
    """Activate candidates (through the lifecycle, with `reason`) or move lecturers to `level`
    (county admins), all or nothing: each row goes through the service that owns the change
    (which checks the caller manages the row, and audits it); if any row cannot change, every
    one that cannot is named and nothing is written. Returns how many changed."""
    if not access.manages_lecturers(actor):
        raise Forbidden()
    if action == BulkAction.MOVE_LEVEL and not access.scope_for(actor).is_county_admin:
        raise Forbidden(_("Only the county moves lecturers between levels."))
    errors = FieldErrors()
    if action not in BulkAction.values:
        errors.add("action", _("Choose what to do."))
    ids = list(dict.fromkeys(lecturer_ids))
    if not ids:
        errors.add("lecturers", _("Select at least one lecturer."))
    elif len(ids) > MAX_BULK:
        errors.add("lecturers", _("Select at most %(n)d lecturers at once.") % {"n": MAX_BULK})
    if action == BulkAction.ACTIVATE:
        reason = errors.check(clean_text, reason, field="reason", max_length=lifecycle.MAX_REASON)
    if action == BulkAction.MOVE_LEVEL and level not in LecturerLevel.values:
        errors.add("level", _("Choose the level to move them to."))
    errors.raise_if_any()

    lecturers = list(
        lecturers_visible_to(actor)
        .filter(pk__in=ids)
        .select_related("org")
        .order_by("name_pinyin", "id")
    )
    problems: list[tuple[str, str]] = []
    if len(lecturers) < len(ids):
        problems.append(
            (_("%(n)d selected") % {"n": len(ids) - len(lecturers)}, _("not found in your area"))
        )
    with transaction.atomic():
        for lecturer in lecturers:
            try:
                if not access.may_manage_lecturer(actor, lecturer):
                    raise Forbidden(_("not one of the lecturers you manage"))
                if action == BulkAction.ACTIVATE:
                    lifecycle.lecturer_status_change(
                        actor=actor, lecturer=lecturer, status=LecturerStatus.ACTIVE, reason=reason
                    )
                else:
                    _level_move(actor, lecturer, level)
            except ServiceError as exc:
                problems.append((lecturer.name, str(exc.message)))
        if problems:
            raise BulkRefused(problems)  # leaves the transaction: every change is undone
    return len(lecturers)
