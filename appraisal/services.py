"""Writes of the appraisal: the county's rules, starting and computing a year's run, the
committee's changes of a grade, and the publication."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.audit import audit
from core.errors import Conflict, FieldErrors, InvalidInput, NotFound
from core.text import clean_text, parse_id
from lecturers.models import Lecturer
from notifications.models import Event
from notifications.services import notify

from . import explain
from .figures import APPRAISED, TOWN_OF_LECTURER, county_figures
from .grading import Figures, grade_for
from .models import (
    METRICS,
    WEIGHT_SUM_TOLERANCE,
    AppraisalResult,
    AppraisalRules,
    AppraisalRun,
    Grade,
    RunStatus,
)
from .selectors import appraisal_county_id, first_year_of
from .signals import appraisal_published

logger = logging.getLogger(__name__)

# Lecturers graded per transaction: the progress moves and each write stays small.
CHUNK = 500
# A run still computing without a sign of life this long lost its worker: it may be started
# again (each aggregate read and each chunk is a sign of life).
STALE_AFTER = timedelta(minutes=15)


# --- the rules ---------------------------------------------------------------------------------

RULE_FIELDS = (
    *(f"weight_{m}" for m in METRICS),
    "threshold_excellent",
    "threshold_good",
    "threshold_fair",
    "min_sessions",
    "attitude_penalty",
    "cap_without_grassroots",
    "min_courses_developed",
    "cap_without_courses",
)
SMALL_COUNTS = {"min_sessions": 50, "attitude_penalty": 100, "min_courses_developed": 10}


def _number(value, field: str, low: float, high: float, errors: FieldErrors):
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        errors.add(
            field,
            _("Enter a number from %(low)s to %(high)s.")
            % {"low": explain.number(low), "high": explain.number(high)},
        )
        return None
    return value


def appraisal_rules_update(*, actor, **changes) -> AppraisalRules:
    """The county sets how its year is graded. The five weights sum to one; the thresholds
    run 好 > 较好 > 一般; the caps are grades or blank. Audited."""
    county_id = appraisal_county_id(actor)
    rules = AppraisalRules.for_county(county_id)
    errors = FieldErrors()
    for name in set(changes) - set(RULE_FIELDS):
        errors.add(name, _("Unknown setting."))
    values = {name: changes.get(name, getattr(rules, name)) for name in RULE_FIELDS}
    for m in METRICS:
        _number(values[f"weight_{m}"], f"weight_{m}", 0, 1, errors)
    for name in ("threshold_excellent", "threshold_good", "threshold_fair"):
        _number(values[name], name, 0, 100, errors)
    for name, high in SMALL_COUNTS.items():
        if _number(values[name], name, 0, high, errors) is not None and not isinstance(
            values[name], int
        ):
            errors.add(name, _("Enter a whole number."))
    for name in ("cap_without_grassroots", "cap_without_courses"):
        if values[name] not in ("", *Grade.values):
            errors.add(name, _("Choose a grade, or no cap."))
    if not errors.fields:
        total = sum(values[f"weight_{m}"] for m in METRICS)
        if abs(total - 1) > WEIGHT_SUM_TOLERANCE:
            errors.add(
                "weights",
                _("The five weights must add up to 1; they add up to %(total)s.")
                % {"total": explain.number(total)},
            )
        if values["threshold_good"] >= values["threshold_excellent"]:
            errors.add(
                "threshold_good", _("The lowest score for 较好 must be below the one for 好.")
            )
        if values["threshold_fair"] >= values["threshold_good"]:
            errors.add(
                "threshold_fair", _("The lowest score for 一般 must be below the one for 较好.")
            )
    errors.raise_if_any()
    with transaction.atomic():
        rules, _created = AppraisalRules.objects.select_for_update().get_or_create(
            county_id=county_id
        )
        before = {name: getattr(rules, name) for name in RULE_FIELDS}
        for name, value in values.items():
            setattr(rules, name, value)
        rules.save()
        audit(actor=actor, action="appraisal_rules.update", obj=rules, county_id=county_id,
              before=before, after=values)  # fmt: skip
    return rules


# --- starting and computing a year -------------------------------------------------------------


def _check_year(county_id: int, value) -> int:
    year = parse_id(value)
    this_year = timezone.localdate().year
    if year is None:
        raise InvalidInput.field("year", _("Enter a year, such as %(year)d.") % {"year": this_year})
    if year > this_year:
        raise InvalidInput.field(
            "year", _("The year %(year)s has not begun yet.") % {"year": value}
        )
    first = first_year_of(county_id)
    if year < first:
        raise InvalidInput.field(
            "year",
            _("The county has no data before %(first)d; choose %(first)d or later.")
            % {"first": first},
        )
    return year


def _is_stale(run: AppraisalRun, now) -> bool:
    last = run.heartbeat_at or run.started_at
    return last < now - STALE_AFTER


def appraisal_run_start(*, actor, year, recompute: bool = False) -> tuple[AppraisalRun, bool]:
    """Start computing the county's year in the background; returns (run, started).

    A year already computed is returned as it is (started False) unless `recompute` asks for
    its draft again; a published year is never computed again (409 `published`). While a run
    computes, another start is refused (409 `appraisal_running`), so that there is never a
    double result; a failed or interrupted run starts again from the beginning. One run per
    county and year, held by the database: two first starts at once insert the same row and
    the second is refused."""
    county_id = appraisal_county_id(actor)
    year = _check_year(county_id, year)
    snapshot = AppraisalRules.for_county(county_id).snapshot()
    running = Conflict(
        _("The appraisal of this year is being computed; wait until it is done."),
        code="appraisal_running",
    )
    now = timezone.now()
    try:
        with transaction.atomic():
            run = (
                AppraisalRun.objects.select_for_update()
                .filter(county_id=county_id, year=year)
                .first()
            )
            if run is None:
                run = AppraisalRun.objects.create(
                    county_id=county_id, year=year, actor=actor, started_at=now, rules=snapshot
                )
            elif run.status == RunStatus.PUBLISHED:
                if recompute:
                    raise Conflict(
                        _("This year is published; it cannot be computed again."),
                        code="published",
                    )
                return run, False
            elif run.status == RunStatus.RUNNING and not _is_stale(run, now):
                raise running
            elif run.status == RunStatus.DRAFT and not recompute:
                return run, False
            else:
                moved = AppraisalRun.objects.filter(
                    pk=run.pk, attempt=run.attempt, status=run.status
                ).update(
                    status=RunStatus.RUNNING, attempt=F("attempt") + 1, progress=0,
                    claimed_at=None, heartbeat_at=None, error="", started_at=now,
                    finished_at=None, actor=actor, rules=snapshot,
                )  # fmt: skip
                if moved != 1:
                    raise running
                run.refresh_from_db()
            audit(actor=actor, action="appraisal.run", obj=run, county_id=county_id,
                  after={"year": year, "attempt": run.attempt})  # fmt: skip
            run_id, attempt = run.pk, run.attempt
            transaction.on_commit(lambda: _queue(run_id, attempt))
    except IntegrityError:
        raise running from None
    return run, True


def _queue(run_id: int, attempt: int) -> None:
    from .tasks import appraisal_compute_task

    appraisal_compute_task.enqueue(run_id, attempt)


class _Abandoned(Exception):
    """The attempt was replaced while this worker computed it: stop, write nothing more."""


def appraisal_compute(*, run_id: int, attempt: int) -> str:
    """Compute the attempt of the run (the background task's body): claim it, read the year's
    figures of the county, then grade each chunk of lecturers in one transaction with the
    progress, then the draft. Returns the status."""
    now = timezone.now()
    claimed = AppraisalRun.objects.filter(
        pk=run_id, attempt=attempt, status=RunStatus.RUNNING, claimed_at__isnull=True
    ).update(claimed_at=now, heartbeat_at=now)
    if claimed != 1:
        return "skipped"  # another worker has it, or it was replaced or finished
    run = AppraisalRun.objects.get(pk=run_id)
    try:
        return _compute(run)
    except _Abandoned:
        return "skipped"
    except Exception:
        logger.exception("appraisal run %s failed", run_id)
        AppraisalRun.objects.filter(pk=run_id, attempt=attempt, status=RunStatus.RUNNING).update(
            status=RunStatus.FAILED,
            finished_at=timezone.now(),
            error=_("The computation stopped unexpectedly. Start it again."),
        )
        return RunStatus.FAILED


COMPUTED_FIELDS = [
    "town", "attempt", *METRICS, "invitations", "grassroots_sessions", "courses_developed",
    "inputs", "score", "computed_grade", "not_graded_reason", "steps", "grade",
]  # fmt: skip


def _compute(run: AppraisalRun) -> str:
    lecturers = Lecturer.objects.filter(county_id=run.county_id, status__in=APPRAISED)
    total = lecturers.count()
    ours = AppraisalRun.objects.filter(pk=run.pk, attempt=run.attempt, status=RunStatus.RUNNING)
    ours.update(lecturers=total)

    def alive():
        if not ours.update(heartbeat_at=timezone.now()):
            raise _Abandoned()

    figures = county_figures(run.county_id, run.year, on_step=alive)
    done, last_id = 0, 0
    while True:
        chunk = list(
            lecturers.filter(pk__gt=last_id)
            .annotate(town_id_now=TOWN_OF_LECTURER)
            .order_by("pk")
            .values_list("pk", "town_id_now")[:CHUNK]
        )
        if not chunk:
            break
        last_id = chunk[-1][0]
        rows = [_result(run, pk, town_id, figures.get(pk, Figures())) for pk, town_id in chunk]
        done += len(chunk)
        with transaction.atomic():
            # The run's row first: a restart waits for this chunk, or this chunk sees it.
            if not ours.update(progress=min(99, done * 100 // max(total, 1)), heartbeat_at=timezone.now()):  # fmt: skip
                raise _Abandoned()
            _keep_overrides(run, rows)
            AppraisalResult.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["run", "lecturer"],
                update_fields=COMPUTED_FIELDS,
            )
    with transaction.atomic():
        if not ours.update(status=RunStatus.DRAFT, progress=100, finished_at=timezone.now()):
            raise _Abandoned()
        # Lecturers who left the pool since an earlier attempt have no result now.
        run.results.exclude(attempt=run.attempt).delete()
        counts = dict(run.results.values_list("grade").annotate(n=Count("id")).order_by())
        audit(actor=run.actor, action="appraisal.computed", obj=run, county_id=run.county_id,
              after={"year": run.year, "lecturers": total, "grades": counts})  # fmt: skip
    return RunStatus.DRAFT


def _result(run: AppraisalRun, lecturer_id: int, town_id, figures) -> AppraisalResult:
    outcome = grade_for(figures, run.rules)
    return AppraisalResult(
        run=run,
        lecturer_id=lecturer_id,
        town_id=town_id,
        attempt=run.attempt,
        **outcome.metrics,
        invitations=figures.held,
        grassroots_sessions=figures.grassroots,
        courses_developed=figures.courses_developed,
        inputs=outcome.inputs,
        score=outcome.score,
        computed_grade=outcome.grade,
        not_graded_reason=explain.stored_reason(outcome.not_graded) if outcome.not_graded else "",
        steps=outcome.steps,
        grade=outcome.grade,
    )


def _keep_overrides(run: AppraisalRun, rows: list[AppraisalResult]) -> None:
    """A draft computed again keeps the committee's changes: the changed grade stays the one
    that counts, beside the newly computed one."""
    by_lecturer = {row.lecturer_id: row for row in rows}
    changed = AppraisalResult.objects.filter(run=run, lecturer_id__in=list(by_lecturer)).exclude(
        override_grade=""
    )
    fields = ("override_grade", "override_reason", "overridden_by_id", "overridden_at")
    for lecturer_id, *values in changed.values_list("lecturer_id", *fields):
        row = by_lecturer[lecturer_id]
        for name, value in zip(fields, values, strict=True):
            setattr(row, name, value)
        row.grade = row.override_grade


# --- review and publication --------------------------------------------------------------------


def _draft_locked(county_id: int, year) -> AppraisalRun:
    number = parse_id(year)
    run = AppraisalRun.objects.select_for_update().filter(county_id=county_id, year=number).first()
    if run is None:
        raise NotFound()
    if run.status == RunStatus.PUBLISHED:
        raise Conflict(_("This year is published; its grades no longer change."), code="published")
    if run.status != RunStatus.DRAFT:
        raise Conflict(
            _("The year has no draft to review yet; compute it first."), code="bad_state"
        )
    return run


def appraisal_result_override(*, actor, year, lecturer_id, grade, reason) -> AppraisalResult:
    """The committee sets a lecturer's grade in the draft, with a written reason; the computed
    grade stays beside it. Setting the computed grade again removes the change. Audited."""
    county_id = appraisal_county_id(actor)
    errors = FieldErrors()
    if grade not in Grade.values:
        errors.add("grade", _("Choose a grade: 好, 较好, 一般 or 差."))
    if not isinstance(reason, str) or not reason.strip():
        errors.add("reason", _("Write why the grade is changed; the reason is kept."))
    else:
        reason = errors.check(clean_text, reason, field="reason", max_length=300)
    errors.raise_if_any()
    with transaction.atomic():
        run = _draft_locked(county_id, year)
        number = parse_id(lecturer_id)
        result = (
            AppraisalResult.objects.select_for_update().filter(run=run, lecturer_id=number).first()
        )
        if result is None:
            raise NotFound()
        before = {"grade": result.grade, "computed_grade": result.computed_grade,
                  "override_reason": result.override_reason}  # fmt: skip
        if grade == result.computed_grade:
            result.override_grade, result.override_reason = "", ""
            result.overridden_by, result.overridden_at = None, None
        else:
            result.override_grade, result.override_reason = grade, reason
            result.overridden_by, result.overridden_at = actor, timezone.now()
        result.grade = result.override_grade or result.computed_grade
        result.save(update_fields=["override_grade", "override_reason", "overridden_by",
                                   "overridden_at", "grade"])  # fmt: skip
        audit(actor=actor, action="appraisal.override", obj=result, county_id=county_id,
              before=before, after={"grade": result.grade, "computed_grade": result.computed_grade,
                                    "reason": reason, "lecturer_id": result.lecturer_id,
                                    "year": run.year})  # fmt: skip
    return result


def appraisal_publish(*, actor, year) -> AppraisalRun:
    """Publish the draft, once (409 `published` the second time): each graded lecturer is
    told and sees the result and its explanation; `appraisal_published` is sent in the same
    transaction for what the grades lead to."""
    county_id = appraisal_county_id(actor)
    with transaction.atomic():
        run = _draft_locked(county_id, year)
        now = timezone.now()
        AppraisalRun.objects.filter(pk=run.pk, status=RunStatus.DRAFT).update(
            status=RunStatus.PUBLISHED, published_at=now, published_by=actor
        )
        run.refresh_from_db()
        graded = run.results.exclude(grade="").select_related("lecturer__user")
        for result in graded.iterator(chunk_size=CHUNK):
            with translation.override(settings.LANGUAGE_CODE):
                label = str(Grade(result.grade).label)
            notify(
                recipients=[result.lecturer.user],
                event=Event.APPRAISAL_PUBLISHED,
                facts={"year": run.year, "grade": label},
                url=f"/appraisals/{run.year}/{result.lecturer_id}/",
                key=f"appraisal:{run.pk}:{result.lecturer_id}",
                county_id=county_id,
            )
        audit(actor=actor, action="appraisal.publish", obj=run, county_id=county_id,
              after={"year": run.year, "graded": graded.count()})  # fmt: skip
        appraisal_published.send(sender=AppraisalRun, run=run, actor=actor)
    return run
