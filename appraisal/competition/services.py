"""Writes of the competition: the county sets up a round (criteria, entries, judges), moves it
draft → open → judging, the judges score, and the county publishes the ranking once. The
winners' courses get the 精品课 honour and the lecturers the 三优先 that goes with it (first to
be sent to competitions, first for outside study, first considered for awards). Every move is
audited; the entrants are told of the result through the notifications outbox."""

import contextvars
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit
from core.errors import Conflict, FieldErrors, Forbidden, InvalidInput, NotFound
from core.text import clean_text, parse_id
from courses.models import Course, CourseHonour, CourseStatus
from lecturers.models import HonourTitle, LecturerHonour
from notifications.models import Event
from notifications.services import notify

from ..models import Competition, Criterion, Entry, Judge, RoundStatus, Score
from .selectors import (
    CONFLICT_TEXT,
    competitions_county_id,
    conflict_of,
    judge_of,
    ranking,
    units_of,
)

# A new round starts with these criteria unless others are given (name, max points, weight).
DEFAULT_CRITERIA = (
    ("教学内容", 40, Decimal("0.4")),
    ("教学方法", 30, Decimal("0.3")),
    ("教学效果", 30, Decimal("0.3")),
)
MAX_CRITERIA = 10


def _round_closed() -> Conflict:
    return Conflict(_("This round takes no more entries."), code="round_closed")


def _locked(county_id: int, competition_id) -> Competition:
    number = parse_id(competition_id)
    round_ = (
        Competition.objects.select_for_update().filter(pk=number, county_id=county_id).first()
        if number
        else None
    )
    if round_ is None:
        raise NotFound()
    return round_


def _clean_criterion(data, errors: FieldErrors, prefix: str = "") -> tuple | None:
    if not isinstance(data, dict):
        errors.add(f"{prefix}criteria", _("Give each criterion a name, maximum points and weight."))
        return None
    name = errors.check(clean_text, data.get("name"), field=f"{prefix}name", max_length=40)
    max_points = data.get("max_points")
    if isinstance(max_points, str):
        max_points = parse_id(max_points)
    if (
        isinstance(max_points, bool)
        or not isinstance(max_points, int)
        or not 1 <= max_points <= 100
    ):
        errors.add(f"{prefix}max_points", _("Enter whole points from 1 to 100."))
        max_points = None
    try:
        weight = Decimal(str(data.get("weight"))).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        weight = None
    if isinstance(data.get("weight"), bool) or weight is None or not Decimal("0") < weight <= 10:
        errors.add(f"{prefix}weight", _("Enter a weight above 0 and at most 10, such as 0.4."))
        weight = None
    if name is None or max_points is None or weight is None:
        return None
    return name, max_points, weight


def competition_create(*, actor, title, year, winners=3, criteria=None) -> Competition:
    """A new round in draft with its criteria (the default three when none are given)."""
    county_id = competitions_county_id(actor)
    errors = FieldErrors()
    title = errors.check(clean_text, title, field="title", max_length=100)
    number = parse_id(year)
    this_year = timezone.localdate().year
    if number is None or not this_year - 5 <= number <= this_year + 1:
        errors.add("year", _("Enter a year from %(low)d to %(high)d.") % {
            "low": this_year - 5, "high": this_year + 1})  # fmt: skip
    winners_n = parse_id(winners)
    if winners_n is None or winners_n > 50:
        errors.add("winners", _("Enter a number of winners from 1 to 50."))
    rows = []
    if criteria is None:
        rows = list(DEFAULT_CRITERIA)
    elif not isinstance(criteria, list) or not 1 <= len(criteria) <= MAX_CRITERIA:
        errors.add("criteria", _("Give from 1 to %(n)d criteria.") % {"n": MAX_CRITERIA})
    else:
        for item in criteria:
            row = _clean_criterion(item, errors, prefix="")
            if row:
                rows.append(row)
        if len({r[0] for r in rows}) != len(rows):
            errors.add("criteria", _("Each criterion needs its own name."))
    if title and Competition.objects.filter(county_id=county_id, title=title).exists():
        errors.add("title", _("The county has a round of this title already."))
    errors.raise_if_any()
    try:
        with transaction.atomic():
            round_ = Competition.objects.create(
                county_id=county_id, title=title, year=number, winners=winners_n, created_by=actor
            )
            Criterion.objects.bulk_create(
                Criterion(competition=round_, name=n, max_points=m, weight=w, position=i)
                for i, (n, m, w) in enumerate(rows)
            )
            audit(actor=actor, action="competition.create", obj=round_, county_id=county_id,
                  after={"title": title, "year": number, "winners": winners_n,
                         "criteria": [[n, m, str(w)] for n, m, w in rows]})  # fmt: skip
    except IntegrityError:
        raise InvalidInput.field(
            "title", _("The county has a round of this title already.")
        ) from None
    return round_


def criterion_add(*, actor, competition_id, name, max_points, weight) -> Criterion:
    county_id = competitions_county_id(actor)
    errors = FieldErrors()
    row = _clean_criterion({"name": name, "max_points": max_points, "weight": weight}, errors)
    errors.raise_if_any()
    with transaction.atomic():
        round_ = _locked(county_id, competition_id)
        if round_.status != RoundStatus.DRAFT:
            raise Conflict(_("The criteria are fixed once the round is open."), code="bad_state")
        if round_.criteria.filter(name=row[0]).exists():
            raise InvalidInput.field("name", _("This round has a criterion of this name already."))
        if round_.criteria.count() >= MAX_CRITERIA:
            raise Conflict(_("A round has at most %(n)d criteria.") % {"n": MAX_CRITERIA})
        criterion = Criterion.objects.create(
            competition=round_, name=row[0], max_points=row[1], weight=row[2],
            position=round_.criteria.count(),
        )  # fmt: skip
        audit(actor=actor, action="competition.criterion_add", obj=round_, county_id=county_id,
              after={"name": row[0], "max_points": row[1], "weight": str(row[2])})  # fmt: skip
    return criterion


def criterion_remove(*, actor, competition_id, criterion_id) -> None:
    county_id = competitions_county_id(actor)
    with transaction.atomic():
        round_ = _locked(county_id, competition_id)
        criterion = round_.criteria.filter(pk=parse_id(criterion_id)).first()
        if criterion is None:
            raise NotFound()
        if round_.status != RoundStatus.DRAFT:
            raise Conflict(_("The criteria are fixed once the round is open."), code="bad_state")
        criterion.delete()
        audit(actor=actor, action="competition.criterion_remove", obj=round_,
              county_id=county_id, before={"name": criterion.name})  # fmt: skip


def entry_add(*, actor, competition_id, course_id) -> Entry:
    """Enter a course of the county (offered, not retired) with its lecturer while the round
    is in draft or open. 409 `round_closed` later, 409 `already_entered` for a course entered
    already."""
    county_id = competitions_county_id(actor)
    course = (
        Course.objects.select_related("lecturer")
        .filter(pk=parse_id(course_id), county_id=county_id)
        .first()
        if parse_id(course_id)
        else None
    )
    if course is None:
        raise InvalidInput.field("course", _("Choose a course of the county."))
    if course.status != CourseStatus.ACTIVE or course.lecturer_id is None:
        raise InvalidInput.field(
            "course", _("Only an offered course with its lecturer can be entered.")
        )
    twice = Conflict(_("This course is entered in this round already."), code="already_entered")
    try:
        with transaction.atomic():
            round_ = _locked(county_id, competition_id)
            if round_.status not in (RoundStatus.DRAFT, RoundStatus.OPEN):
                raise _round_closed()
            if round_.entries.filter(course=course).exists():
                raise twice
            entry = Entry.objects.create(
                competition=round_, course=course, lecturer_id=course.lecturer_id,
                entered_by=actor,
            )  # fmt: skip
            audit(actor=actor, action="competition.entry_add", obj=round_, county_id=county_id,
                  after={"entry_id": entry.pk, "course_id": course.pk,
                         "lecturer_id": course.lecturer_id})  # fmt: skip
    except IntegrityError:
        raise twice from None
    return entry


def judge_add(*, actor, competition_id, user_id) -> Judge:
    """Put a person of the county (county staff or a lecturer with an account) on the panel,
    until the round is published. 409 `already_judge` the second time."""
    county_id = competitions_county_id(actor)
    user = (
        get_user_model()
        .objects.filter(pk=parse_id(user_id), county_id=county_id, is_active=True)
        .first()
        if parse_id(user_id)
        else None
    )
    if user is None:
        raise InvalidInput.field("user", _("Choose a person of the county."))
    twice = Conflict(_("This person is on the panel already."), code="already_judge")
    try:
        with transaction.atomic():
            round_ = _locked(county_id, competition_id)
            if round_.status == RoundStatus.PUBLISHED:
                raise Conflict(_("The round is published."), code="already_published")
            if round_.judges.filter(user=user).exists():
                raise twice
            judge = Judge.objects.create(competition=round_, user=user)
            audit(actor=actor, action="competition.judge_add", obj=round_, county_id=county_id,
                  after={"user_id": user.pk})  # fmt: skip
    except IntegrityError:
        raise twice from None
    return judge


def judge_remove(*, actor, competition_id, judge_id) -> None:
    """Take a judge off the panel before they have scored anything."""
    county_id = competitions_county_id(actor)
    with transaction.atomic():
        round_ = _locked(county_id, competition_id)
        judge = round_.judges.filter(pk=parse_id(judge_id)).first()
        if judge is None:
            raise NotFound()
        if round_.status == RoundStatus.PUBLISHED or judge.scores.exists():
            raise Conflict(_("This judge has scored already."), code="bad_state")
        judge.delete()
        audit(actor=actor, action="competition.judge_remove", obj=round_, county_id=county_id,
              before={"user_id": judge.user_id})  # fmt: skip


def competition_move(*, actor, competition_id, to) -> Competition:
    """draft → open (needs criteria), open → judging (needs entries and judges). Publication
    is its own step (`competition_publish`)."""
    county_id = competitions_county_id(actor)
    steps = {RoundStatus.OPEN: RoundStatus.DRAFT, RoundStatus.JUDGING: RoundStatus.OPEN}
    if to not in steps:
        raise InvalidInput.field("status", _("Move the round to open or judging."))
    with transaction.atomic():
        round_ = _locked(county_id, competition_id)
        if round_.status != steps[to]:
            raise Conflict(
                _("The round is %(status)s; it cannot move to %(to)s.")
                % {"status": round_.get_status_display(), "to": RoundStatus(to).label},
                code="bad_state",
            )
        if to == RoundStatus.OPEN and not round_.criteria.exists():
            raise Conflict(_("Add at least one criterion first."), code="bad_state")
        if to == RoundStatus.JUDGING:
            if not round_.entries.exists():
                raise Conflict(_("Enter at least one course first."), code="bad_state")
            if not round_.judges.exists():
                raise Conflict(_("Name at least one judge first."), code="bad_state")
        before = round_.status
        round_.status = to
        round_.save(update_fields=["status", "updated_at"])
        audit(actor=actor, action="competition.move", obj=round_, county_id=county_id,
              before={"status": before}, after={"status": to})  # fmt: skip
    return round_


def _points(value, criterion: Criterion, field: str, errors: FieldErrors) -> int | None:
    if isinstance(value, str):
        value = parse_id(value) if value.strip() not in ("0", "０") else 0
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not 0 <= value <= criterion.max_points
    ):
        errors.add(
            field,
            _("Enter whole points from 0 to %(max)d for “%(name)s”.")
            % {"max": criterion.max_points, "name": criterion.name},
        )
        return None
    return value


def scores_submit(*, actor, competition_id, entry_id, points: dict) -> list[Score]:
    """A judge's points for one entry, {criterion (id or name): points}: all of them or none.

    403 `not_judge` for someone not on the panel, 403 `own_entry` / `own_unit` for an entry of
    the judge or of their unit, 409 `not_judging` outside the judging stage, 409
    `already_scored` for a criterion the judge scored already (a score is final), 422 for a
    criterion not of the round or points outside 0 to its maximum."""
    judge = judge_of(actor, competition_id)
    round_ = judge.competition
    entry = (
        round_.entries.select_related("lecturer", "course").filter(pk=parse_id(entry_id)).first()
        if parse_id(entry_id)
        else None
    )
    if entry is None:
        raise InvalidInput.field("entry_id", _("Choose an entry of this round."))
    conflict = conflict_of(units_of(actor), entry)
    if conflict:
        raise Forbidden(CONFLICT_TEXT[conflict](), code=conflict)
    if not isinstance(points, dict) or not points:
        raise InvalidInput.field("points", _("Give the points of at least one criterion."))
    criteria = list(round_.criteria.all())
    by_key = {str(c.pk): c for c in criteria} | {c.name: c for c in criteria}
    errors = FieldErrors()
    chosen: dict[int, tuple[Criterion, int]] = {}
    for key, value in points.items():
        criterion = by_key.get(str(key).strip())
        if criterion is None:
            errors.add("criterion", _("Choose a criterion of this round."))
            continue
        number = _points(value, criterion, f"points_{criterion.pk}", errors)
        if number is not None:
            chosen[criterion.pk] = (criterion, number)
    errors.raise_if_any()
    twice = Conflict(_("You have scored this already; a score is final."), code="already_scored")
    try:
        with transaction.atomic():
            locked = Competition.objects.select_for_update().get(pk=round_.pk)
            if locked.status != RoundStatus.JUDGING:
                raise Conflict(_("The round is not being judged."), code="not_judging")
            if Score.objects.filter(
                judge=judge, entry=entry, criterion_id__in=list(chosen)
            ).exists():
                raise twice
            rows = Score.objects.bulk_create(
                Score(entry=entry, judge=judge, criterion=c, points=n) for c, n in chosen.values()
            )
            audit(actor=actor, action="competition.score", obj=locked, county_id=locked.county_id,
                  after={"entry_id": entry.pk, "judge_id": judge.pk,
                         "points": {c.name: n for c, n in chosen.values()}})  # fmt: skip
    except IntegrityError:
        raise twice from None
    return rows


def competition_publish(*, actor, competition_id) -> Competition:
    """Rank the round, name the winners, grant the 精品课 honours and tell the entrants; once.
    409 `already_published` the second time, 409 `bad_state` before judging, 409 `incomplete`
    while an entry lacks the points of a criterion."""
    county_id = competitions_county_id(actor)
    with transaction.atomic():
        round_ = _locked(county_id, competition_id)
        if round_.status == RoundStatus.PUBLISHED:
            raise Conflict(_("The results are published already."), code="already_published")
        if round_.status != RoundStatus.JUDGING:
            raise Conflict(_("Publish after the panel has judged."), code="bad_state")
        rows = ranking(round_)
        missing = [r for r in rows if r.score is None]
        if missing:
            raise Conflict(
                _("Not every entry is scored on every criterion yet: %(courses)s.")
                % {"courses": "、".join(f"《{r.entry.course.title}》" for r in missing)},
                code="incomplete",
            )
        for row in rows:
            Entry.objects.filter(pk=row.entry.pk).update(
                score=row.score, rank=row.rank, is_winner=row.winner, note=row.note[:300]
            )
        winners = [r.entry for r in rows if r.winner]
        note = _("Quality-course competition: %(title)s") % {"title": round_.title}
        CourseHonour.objects.bulk_create(
            [
                CourseHonour(course_id=e.course_id, title=HonourTitle.QUALITY_COURSE,
                             year=round_.year)
                for e in winners
            ],
            ignore_conflicts=True,
        )  # fmt: skip
        LecturerHonour.objects.bulk_create(
            [
                LecturerHonour(lecturer_id=e.lecturer_id, title=HonourTitle.QUALITY_COURSE,
                               year=round_.year, note=f"{e.course.title} · {note}"[:200])
                for e in winners
            ],
            ignore_conflicts=True,
        )  # fmt: skip
        round_.status = RoundStatus.PUBLISHED
        round_.published_at = timezone.now()
        round_.published_by = actor
        round_.save(update_fields=["status", "published_at", "published_by", "updated_at"])
        audit(actor=actor, action="competition.publish", obj=round_, county_id=county_id,
              after={"ranking": [[r.entry.pk, r.rank, r.score] for r in rows],
                     "winners": [e.pk for e in winners]})  # fmt: skip
        # Told in the publication's context: a round replayed as the past (the demo county's,
        # inside notifications' `replaying_past`) stays past when the commit comes after it.
        context = contextvars.copy_context()
        transaction.on_commit(lambda: context.run(_tell_entrants, round_, rows))
    return round_


def _tell_entrants(round_: Competition, rows) -> None:
    total = len(rows)
    for row in rows:
        user = row.entry.lecturer.user
        if user is None:
            continue
        winner = (
            _("; it is named a quality course (精品课) and you have the 三优先")
            if row.winner
            else ""
        )
        notify(
            recipients=[user],
            event=Event.COMPETITION_RESULT,
            facts={
                "competition": round_.title,
                "course": row.entry.course.title,
                "rank": row.rank,
                "entries": total,
                "winner": winner,
            },
            url=f"/appraisals/competitions/{round_.pk}/results/",
            key=f"competition:{round_.pk}:entry:{row.entry.pk}",
            county_id=round_.county_id,
        )
