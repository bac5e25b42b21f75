"""Writes of what the grades lead to (L17): applying a published year's outcomes, confirming
the commendation list, the reminder talks, the help plans and the decision that ends them.

The outcomes are an explicit step of the county on the published year's page, not a side
effect of publishing: cold store is a move of the lecturer's lifecycle and the commendation
list a proposal the county confirms, so the committee sees what is about to happen and does
it on purpose, once (compare-and-set on `outcomes_applied_at`). Every move is audited and
told to the lecturer."""

from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.audit import audit
from core.errors import Conflict, FieldErrors, InvalidInput, NotFound
from core.text import clean_text, parse_id
from core.timeutil import local, when_label
from courses.models import CourseHonour
from evaluation.services import counted_ratings
from lecturers.lifecycle import lecturer_status_change
from lecturers.models import HonourTitle, Lecturer, LecturerHonour, LecturerStatus
from notifications.models import Event
from notifications.services import notify

from ..figures import year_bounds
from ..models import (
    AppraisalResult,
    AppraisalRun,
    Commendation,
    CommendationStatus,
    Grade,
    HelpNote,
    HelpPlan,
    HelpStep,
    PlanStatus,
    ReminderTalk,
    RunStatus,
    TalkStatus,
)
from ..selectors import appraisal_county_id
from .selectors import plan_for_user, talk_for_user

MAX_REASON = 300


def _in_site_language(fn):
    with translation.override(settings.LANGUAGE_CODE):
        return str(fn())


# --- the year's outcomes -----------------------------------------------------------------------


def best_courses(lecturer_ids: list[int], year: int) -> dict[int, int]:
    """{lecturer id: course id} of each lecturer's best-rated course of the year: the highest
    mean of the counted ratings, then the most ratings, then the oldest course."""
    start, end = year_bounds(year)
    rows = (
        counted_ratings()
        .filter(
            booking__lecturer_id__in=lecturer_ids,
            booking__start_at__gte=start,
            booking__start_at__lt=end,
        )
        .values("booking__lecturer_id", "booking__course_id")
        .annotate(n=Count("id"), total=Sum(F("content") + F("method") + F("effect")))
        .order_by()
    )
    best: dict[int, tuple] = {}
    for row in rows:
        key = (row["total"] / row["n"], row["n"], -row["booking__course_id"])
        lecturer_id = row["booking__lecturer_id"]
        if lecturer_id not in best or key > best[lecturer_id][0]:
            best[lecturer_id] = (key, row["booking__course_id"])
    return {lecturer_id: course_id for lecturer_id, (_key, course_id) in best.items()}


def appraisal_outcomes_apply(*, actor, year) -> dict:
    """Apply the published year's outcomes, once: 好 → proposed for commendation; 一般 → a
    reminder talk to schedule; 差 → cold store with a help plan. Returns the counts.

    409 `bad_state` before publication, 409 `outcomes_applied` the second time."""
    county_id = appraisal_county_id(actor)
    number = parse_id(year)
    with transaction.atomic():
        run = (
            AppraisalRun.objects.select_for_update()
            .filter(county_id=county_id, year=number)
            .first()
        )
        if run is None:
            raise NotFound()
        if run.status != RunStatus.PUBLISHED:
            raise Conflict(
                _("Publish the year first; its outcomes follow the published grades."),
                code="bad_state",
            )
        now = timezone.now()
        claimed = AppraisalRun.objects.filter(pk=run.pk, outcomes_applied_at__isnull=True).update(
            outcomes_applied_at=now, outcomes_applied_by=actor
        )
        if claimed != 1:
            raise Conflict(
                _("The outcomes of this year are applied already."), code="outcomes_applied"
            )
        results = run.results.select_related("lecturer__user")
        counts = {
            "commendations": _propose_commendations(run, results.filter(grade=Grade.EXCELLENT)),
            "talks": _ask_for_talks(actor, run, results.filter(grade=Grade.FAIR)),
            **_cold_store(actor, run, results.filter(grade=Grade.POOR)),
        }
        audit(
            actor=actor,
            action="appraisal.outcomes",
            obj=run,
            county_id=county_id,
            after={"year": run.year, **counts},
        )
    return counts


def _propose_commendations(run: AppraisalRun, results) -> int:
    lecturer_ids = list(results.values_list("lecturer_id", flat=True))
    courses = best_courses(lecturer_ids, run.year)
    Commendation.objects.bulk_create(
        [Commendation(run=run, lecturer_id=pk, course_id=courses.get(pk)) for pk in lecturer_ids]
    )
    return len(lecturer_ids)


def _ask_for_talks(actor, run: AppraisalRun, results) -> int:
    reason = _("Graded 一般 in the appraisal of %(year)d") % {"year": run.year}
    n = 0
    for result in results.iterator(chunk_size=500):
        if result.lecturer.status == LecturerStatus.REMOVED:
            continue
        talk = ReminderTalk.objects.create(
            county_id=run.county_id,
            lecturer=result.lecturer,
            result=result,
            reason=reason,
            created_by=actor,
        )
        audit(
            actor=actor,
            action="talk.create",
            obj=talk,
            county_id=run.county_id,
            after={"lecturer_id": result.lecturer_id, "reason": reason, "year": run.year},
        )
        _tell_talk(talk)
        n += 1
    return n


def _cold_store(actor, run: AppraisalRun, results) -> dict:
    reason = _("Graded 差 in the appraisal of %(year)d") % {"year": run.year}
    stored = plans = 0
    for result in results.iterator(chunk_size=500):
        lecturer = Lecturer.objects.get(pk=result.lecturer_id)
        if lecturer.status == LecturerStatus.ACTIVE:
            lecturer_status_change(
                actor=actor, lecturer=lecturer, status=LecturerStatus.COLD_STORE, reason=reason
            )
            stored += 1
        if lecturer.status != LecturerStatus.COLD_STORE:
            continue  # removed meanwhile: nothing to help with
        if not HelpPlan.objects.filter(lecturer=lecturer, status=PlanStatus.OPEN).exists():
            _open_plan(actor, lecturer, reason=reason, result=result)
            plans += 1
    return {"cold_stored": stored, "help_plans": plans}


def commendations_confirm(*, actor, year, lecturer_ids) -> int:
    """The county confirms the proposed list: the chosen lecturers get the 名师 honour of the
    year and their best course the 好课 honour, and are told; the others stay off the list.
    Returns how many were confirmed. 409 `bad_state` when nothing is left to confirm."""
    county_id = appraisal_county_id(actor)
    chosen = {parse_id(value) for value in lecturer_ids or []} - {None}
    if not chosen:
        raise InvalidInput.field("lecturers", _("Choose at least one lecturer to commend."))
    with transaction.atomic():
        run = (
            AppraisalRun.objects.select_for_update()
            .filter(county_id=county_id, year=parse_id(year), status=RunStatus.PUBLISHED)
            .first()
        )
        if run is None:
            raise NotFound()
        proposed = list(
            run.commendations.filter(status=CommendationStatus.PROPOSED).select_related(
                "lecturer__user", "course"
            )
        )
        if not proposed:
            raise Conflict(_("The commendation list is decided already."), code="bad_state")
        unknown = chosen - {c.lecturer_id for c in proposed}
        if unknown:
            raise InvalidInput.field(
                "lecturers", _("Choose only lecturers proposed on this year's list.")
            )
        now = timezone.now()
        confirmed = [c for c in proposed if c.lecturer_id in chosen]
        Commendation.objects.filter(pk__in=[c.pk for c in confirmed]).update(
            status=CommendationStatus.CONFIRMED, decided_by=actor, decided_at=now
        )
        Commendation.objects.filter(pk__in=[c.pk for c in proposed if c not in confirmed]).update(
            status=CommendationStatus.NOT_CONFIRMED, decided_by=actor, decided_at=now
        )
        note = _("Appraisal of %(year)d: 好") % {"year": run.year}
        LecturerHonour.objects.bulk_create(
            [
                LecturerHonour(
                    lecturer_id=c.lecturer_id,
                    title=HonourTitle.FAMOUS_LECTURER,
                    year=run.year,
                    note=note,
                )
                for c in confirmed
            ]
            + [
                LecturerHonour(
                    lecturer_id=c.lecturer_id,
                    title=HonourTitle.GOOD_COURSE,
                    year=run.year,
                    note=c.course.title,
                )
                for c in confirmed
                if c.course
            ],
            ignore_conflicts=True,
        )
        CourseHonour.objects.bulk_create(
            [
                CourseHonour(course=c.course, title=HonourTitle.GOOD_COURSE, year=run.year)
                for c in confirmed
                if c.course
            ],
            ignore_conflicts=True,
        )
        for c in confirmed:
            course = (
                _("; your course “%(course)s” is a good course (好课)") % {"course": c.course.title}
                if c.course
                else ""
            )
            notify(
                recipients=[c.lecturer.user],
                event=Event.COMMENDED,
                facts={"year": run.year, "course": course},
                url=f"/lecturers/{c.lecturer_id}/",
                key=f"commended:{c.pk}",
                county_id=county_id,
            )
        audit(
            actor=actor,
            action="appraisal.commend",
            obj=run,
            county_id=county_id,
            after={
                "year": run.year,
                "confirmed": sorted(c.lecturer_id for c in confirmed),
                "not_confirmed": sorted(c.lecturer_id for c in proposed if c not in confirmed),
            },
        )
    return len(confirmed)


# --- reminder talks ----------------------------------------------------------------------------


def _tell_talk(talk: ReminderTalk) -> None:
    to_be_set = _in_site_language(lambda: _("to be arranged"))
    when = (
        _in_site_language(lambda: when_label(talk.scheduled_at)) if talk.scheduled_at else to_be_set
    )
    notify(
        recipients=[talk.lecturer.user],
        event=Event.REMINDER_TALK,
        facts={"reason": talk.reason, "when": when, "place": talk.place or to_be_set},
        url=f"/appraisals/talks/{talk.pk}/",
        key=f"talk:{talk.pk}:{talk.status}:{talk.scheduled_at and talk.scheduled_at.isoformat()}",
        county_id=talk.county_id,
    )


def _check_when(when, errors: FieldErrors, field: str = "when") -> datetime | None:
    if not isinstance(when, datetime):
        errors.add(field, _("Enter the date and time of the talk."))
        return None
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    if when <= timezone.now():
        errors.add(field, _("The time of the talk must be in the future."))
        return None
    return when


def _talk_fields(when, place, held_by) -> dict:
    errors = FieldErrors()
    values = {
        "scheduled_at": _check_when(when, errors),
        "place": errors.check(clean_text, place, field="place", max_length=100),
        "held_by": errors.check(
            clean_text, held_by, field="held_by", max_length=100, required=False
        ),
    }
    errors.raise_if_any()
    return values


def talk_schedule(*, actor, lecturer_id, when, place, reason, held_by: str = "") -> ReminderTalk:
    """The county schedules a reminder talk with one of its lecturers (any time, not only
    after an appraisal). 422 naming each bad field; 404 for a lecturer outside the county."""
    county_id = appraisal_county_id(actor)
    errors = FieldErrors()
    reason = errors.check(clean_text, reason, field="reason", max_length=MAX_REASON)
    try:
        values = _talk_fields(when, place, held_by)
    except InvalidInput as exc:
        errors.fields.update(exc.fields)
    number = parse_id(lecturer_id)
    lecturer = (
        Lecturer.objects.filter(pk=number, county_id=county_id)
        .exclude(status=LecturerStatus.REMOVED)
        .select_related("user")
        .first()
        if number
        else None
    )
    if lecturer is None:
        errors.add("lecturer_id", _("Choose a lecturer of the county's pool."))
    errors.raise_if_any()
    with transaction.atomic():
        talk = ReminderTalk.objects.create(
            county_id=county_id,
            lecturer=lecturer,
            reason=reason,
            status=TalkStatus.SCHEDULED,
            created_by=actor,
            **values,
        )
        audit(
            actor=actor,
            action="talk.schedule",
            obj=talk,
            county_id=county_id,
            after={
                "lecturer_id": lecturer.pk,
                "when": values["scheduled_at"].isoformat(),
                "place": values["place"],
                "reason": reason,
            },
        )
        _tell_talk(talk)
    return talk


def talk_set_time(*, actor, talk_id, when, place, held_by: str = "") -> ReminderTalk:
    """Set or move the time and place of a talk not yet held; the lecturer is told."""
    appraisal_county_id(actor)
    talk = talk_for_user(actor, talk_id)
    values = _talk_fields(when, place, held_by)
    with transaction.atomic():
        before = talk.status
        moved = ReminderTalk.objects.filter(
            pk=talk.pk, status__in=(TalkStatus.TO_SCHEDULE, TalkStatus.SCHEDULED)
        ).update(status=TalkStatus.SCHEDULED, updated_at=timezone.now(), **values)
        if moved != 1:
            raise Conflict(
                _("This talk is held already; its time no longer changes."), code="bad_state"
            )
        talk.refresh_from_db()
        audit(
            actor=actor,
            action="talk.schedule",
            obj=talk,
            county_id=talk.county_id,
            before={"status": before},
            after={
                "when": talk.scheduled_at.isoformat(),
                "place": talk.place,
                "held_by": talk.held_by,
            },
        )
        _tell_talk(talk)
    return talk


def talk_record(*, actor, talk_id, notes, commitments, follow_up_on) -> ReminderTalk:
    """Record a held talk: the notes (required), the lecturer's commitments and a follow-up
    date after the talk. 409 before the talk's time or for a talk not scheduled."""
    appraisal_county_id(actor)
    talk = talk_for_user(actor, talk_id)
    errors = FieldErrors()
    notes = errors.check(clean_text, notes, field="notes", max_length=3000, multiline=True)
    commitments = errors.check(
        clean_text,
        commitments,
        field="commitments",
        max_length=2000,
        required=False,
        multiline=True,
    )
    if follow_up_on is not None and not isinstance(follow_up_on, date):
        errors.add("follow_up_on", _("Enter a date."))
    elif follow_up_on is not None and follow_up_on <= local(timezone.now()).date():
        errors.add("follow_up_on", _("The follow-up date must be after today."))
    errors.raise_if_any()
    if talk.status != TalkStatus.SCHEDULED:
        raise Conflict(_("Only a scheduled talk can be recorded."), code="bad_state")
    if talk.scheduled_at > timezone.now():
        raise Conflict(
            _("The talk is on %(when)s; record it once it is held.")
            % {"when": when_label(talk.scheduled_at)},
            code="not_yet",
        )
    now = timezone.now()
    with transaction.atomic():
        moved = ReminderTalk.objects.filter(pk=talk.pk, status=TalkStatus.SCHEDULED).update(
            status=TalkStatus.DONE,
            notes=notes,
            commitments=commitments,
            follow_up_on=follow_up_on,
            done_at=now,
            recorded_by=actor,
            updated_at=now,
        )
        if moved != 1:
            raise Conflict(_("This talk is recorded already."), code="bad_state")
        talk.refresh_from_db()
        audit(
            actor=actor,
            action="talk.record",
            obj=talk,
            county_id=talk.county_id,
            before={"status": TalkStatus.SCHEDULED},
            after={
                "status": TalkStatus.DONE,
                "follow_up_on": follow_up_on and follow_up_on.isoformat(),
            },
        )
    return talk


# --- help plans and the decision ---------------------------------------------------------------


def _tell_plan(plan: HelpPlan, what: str, key: str) -> None:
    notify(
        recipients=[plan.lecturer.user],
        event=Event.HELP_PLAN,
        facts={"what": what},
        url=f"/appraisals/plans/{plan.pk}/",
        key=f"plan:{plan.pk}:{key}",
        county_id=plan.county_id,
    )


def _open_plan(actor, lecturer: Lecturer, *, reason: str, result: AppraisalResult | None = None):
    plan = HelpPlan.objects.create(
        county_id=lecturer.county_id,
        lecturer=lecturer,
        result=result,
        reason=reason,
        created_by=actor,
    )
    audit(
        actor=actor,
        action="help_plan.open",
        obj=plan,
        county_id=lecturer.county_id,
        after={"lecturer_id": lecturer.pk, "reason": reason},
    )
    _tell_plan(plan, reason, "open")
    return plan


def help_plan_open(*, actor, lecturer_id) -> HelpPlan:
    """A plan for a lecturer put in cold store by hand (the appraisal opens its own)."""
    county_id = appraisal_county_id(actor)
    lecturer = Lecturer.objects.filter(pk=parse_id(lecturer_id), county_id=county_id).first()
    if lecturer is None:
        raise NotFound()
    if lecturer.status != LecturerStatus.COLD_STORE:
        raise Conflict(_("A help plan is for a lecturer in cold store."), code="not_in_cold_store")
    change = lecturer.status_changes.filter(to_status=LecturerStatus.COLD_STORE).first()
    with transaction.atomic():
        if (
            HelpPlan.objects.select_for_update()
            .filter(lecturer=lecturer, status=PlanStatus.OPEN)
            .exists()
        ):
            raise Conflict(_("This lecturer has a help plan under way."), code="bad_state")
        return _open_plan(actor, lecturer, reason=change.reason if change else _("In cold store"))


def _open_plan_locked(actor, plan_id) -> HelpPlan:
    appraisal_county_id(actor)
    plan = plan_for_user(actor, plan_id)
    plan = (
        HelpPlan.objects.select_for_update(of=("self",))
        .select_related("lecturer__user")
        .get(pk=plan.pk)
    )
    if plan.status != PlanStatus.OPEN:
        raise Conflict(_("This help plan is closed."), code="bad_state")
    return plan


def help_plan_update(*, actor, plan_id, mentor, goal) -> HelpPlan:
    errors = FieldErrors()
    mentor = errors.check(clean_text, mentor, field="mentor", max_length=64)
    goal = errors.check(
        clean_text, goal, field="goal", max_length=2000, required=False, multiline=True
    )
    errors.raise_if_any()
    with transaction.atomic():
        plan = _open_plan_locked(actor, plan_id)
        before = {"mentor": plan.mentor, "goal": plan.goal}
        plan.mentor, plan.goal = mentor, goal
        plan.save(update_fields=["mentor", "goal", "updated_at"])
        audit(
            actor=actor,
            action="help_plan.update",
            obj=plan,
            county_id=plan.county_id,
            before=before,
            after={"mentor": mentor, "goal": goal},
        )
        if before["mentor"] != mentor:
            _tell_plan(
                plan,
                _("your mentor is %(mentor)s") % {"mentor": mentor},
                f"mentor:{plan.updated_at.isoformat()}",
            )
    return plan


def help_step_add(*, actor, plan_id, title, due_on) -> HelpStep:
    errors = FieldErrors()
    title = errors.check(clean_text, title, field="title", max_length=200)
    if not isinstance(due_on, date):
        errors.add("due_on", _("Enter a date."))
    elif due_on < local(timezone.now()).date():
        errors.add("due_on", _("The deadline cannot be in the past."))
    errors.raise_if_any()
    with transaction.atomic():
        plan = _open_plan_locked(actor, plan_id)
        step = HelpStep.objects.create(plan=plan, title=title, due_on=due_on)
        audit(
            actor=actor,
            action="help_plan.step",
            obj=plan,
            county_id=plan.county_id,
            after={"step": title, "due_on": due_on.isoformat()},
        )
        _tell_plan(
            plan,
            _("a new step: %(step)s, by %(due)s") % {"step": title, "due": due_on.isoformat()},
            f"step:{step.pk}",
        )
    return step


def help_step_done(*, actor, plan_id, step_id) -> HelpStep:
    with transaction.atomic():
        plan = _open_plan_locked(actor, plan_id)
        step = plan.steps.filter(pk=parse_id(step_id)).first()
        if step is None:
            raise NotFound()
        if (
            HelpStep.objects.filter(pk=step.pk, done_at__isnull=True).update(done_at=timezone.now())
            != 1
        ):
            raise Conflict(_("This step is done already."), code="bad_state")
        audit(
            actor=actor,
            action="help_plan.step_done",
            obj=plan,
            county_id=plan.county_id,
            after={"step": step.title},
        )
        step.refresh_from_db()
    return step


def help_note_add(*, actor, plan_id, text) -> HelpNote:
    """A progress note: the lecturer on their own plan, or the county."""
    plan = plan_for_user(actor, plan_id)
    text = clean_text(text, field="text", max_length=1000, multiline=True)
    with transaction.atomic():
        if plan.status != PlanStatus.OPEN:
            raise Conflict(_("This help plan is closed."), code="bad_state")
        note = HelpNote.objects.create(plan=plan, author=actor, text=text)
        audit(
            actor=actor,
            action="help_plan.note",
            obj=plan,
            county_id=plan.county_id,
            after={"note_id": note.pk},
        )
    return note


def help_plan_decide(*, actor, plan_id, release: bool, reason) -> HelpPlan:
    """End the plan: release the lecturer back to active, or remove them from the pool (出库)
    with the reason. Both move the lifecycle (audited, told). 409 `not_in_cold_store` when the
    lecturer is not in cold store any more."""
    reason = clean_text(reason, field="reason", max_length=MAX_REASON)
    with transaction.atomic():
        plan = _open_plan_locked(actor, plan_id)
        lecturer = Lecturer.objects.select_for_update().get(pk=plan.lecturer_id)
        if lecturer.status != LecturerStatus.COLD_STORE:
            raise Conflict(
                _(
                    "%(name)s is not in cold store (now “%(status)s”): there is nothing to release or remove from here."
                )
                % {"name": lecturer.name, "status": lecturer.get_status_display()},
                code="not_in_cold_store",
            )
        target = LecturerStatus.ACTIVE if release else LecturerStatus.REMOVED
        lecturer_status_change(actor=actor, lecturer=lecturer, status=target, reason=reason)
        plan.status = PlanStatus.RELEASED if release else PlanStatus.REMOVED
        plan.decision_reason, plan.decided_by, plan.decided_at = reason, actor, timezone.now()
        plan.save(
            update_fields=["status", "decision_reason", "decided_by", "decided_at", "updated_at"]
        )
        audit(
            actor=actor,
            action="help_plan.decide",
            obj=plan,
            county_id=plan.county_id,
            before={"status": PlanStatus.OPEN},
            after={"status": plan.status, "reason": reason},
        )
    return plan
