"""Every write of the selection (L2, G2): open a call, nominate through one of the three
channels with the materials, review in stages, appoint.

The quota holds under concurrency because each nomination counts the call's nominations
after locking the call's row (PostgreSQL: SELECT … FOR UPDATE; SQLite: the IMMEDIATE write
lock of the transaction). Each review stage is a compare-and-set on the nomination's stage,
so a stage can neither be skipped nor done twice; the database's unique constraints (one
review per stage, one certificate number per county) back both.
"""

from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

import access
from accounts.models import User
from core.audit import audit
from core.errors import Conflict, FieldErrors, Forbidden, InvalidInput
from core.text import clean_mobile, clean_text, parse_id
from core.timeutil import local
from core.uploads import check_document
from lecturers.certificates import certificate_issue, issuer_name, term_from
from lecturers.models import CertificateKind, Lecturer, LecturerLevel, LecturerStatus, Source
from lecturers.services import lecturer_create
from notifications.models import Event
from notifications.services import notify
from orgs.models import Organisation, OrgLevel

from .models import (
    PAIRING_STAGES,
    Call,
    CallLevel,
    Channel,
    Nomination,
    NominationMaterial,
    Pairing,
    PairingStage,
    PairingStep,
    PanelScore,
    Review,
    ReviewResult,
    ReviewStage,
    Stage,
)

MAX_QUOTA = 10_000
MAX_PANEL = 15
CRITERIA = ("political", "exemplary", "practical")
# The stage a nomination must be in for each review, and where a pass takes it.
BEFORE = {
    ReviewStage.POLITICAL: Stage.SUBMITTED,
    ReviewStage.PANEL: Stage.POLITICAL_PASSED,
    ReviewStage.APPROVAL: Stage.PANEL_PASSED,
}
AFTER_PASS = {
    ReviewStage.POLITICAL: Stage.POLITICAL_PASSED,
    ReviewStage.PANEL: Stage.PANEL_PASSED,
    ReviewStage.APPROVAL: Stage.APPROVED,
}


def call_open(
    *,
    actor,
    title: str,
    level: str,
    criteria: str,
    quota: int,
    deadline: datetime,
    materials: str = "",
    org_id: int | None = None,
    term_years: int = 3,
) -> Call:
    """Open and publish a call: county level by the county, town level by a town (`org_id`,
    the town admin's own town when omitted)."""
    scope = access.scope_for(actor)
    if not (scope.is_county_admin or scope.is_town_admin):
        raise Forbidden(_("Only county and town administrators open calls for nominations."))
    errors = FieldErrors()
    title = errors.check(clean_text, title, field="title", max_length=100)
    criteria = errors.check(clean_text, criteria, field="criteria", max_length=3000, multiline=True)
    materials = errors.check(
        clean_text, materials, field="materials", max_length=1000, required=False, multiline=True
    )
    if not isinstance(quota, int) or not (1 <= quota <= MAX_QUOTA):
        errors.add("quota", _("Enter a quota between 1 and %(max)d.") % {"max": MAX_QUOTA})
    if not isinstance(term_years, int) or not (1 <= term_years <= 10):
        errors.add("term_years", _("Enter a term between 1 and 10 years."))
    if deadline is None or deadline <= timezone.now():
        errors.add("deadline", _("The deadline must be in the future."))
    org = None
    if level == CallLevel.COUNTY:
        org = Organisation.objects.filter(pk=scope.county_id).first()
    elif level == CallLevel.TOWN:
        town_id = org_id or (min(scope.town_ids) if scope.town_ids else None)
        org = Organisation.objects.filter(
            pk=town_id or 0, county_id=scope.county_id, level=OrgLevel.TOWN
        ).first()
        if org is None:
            errors.add("org_id", _("Choose the town that issues the call."))
    else:
        errors.add("level", _("Choose county or town level."))
    if org is not None and not access.may_open_call(actor, org):
        errors.add(
            "level" if level == CallLevel.COUNTY else "org_id",
            _("You may not open a call at this level."),
        )
    errors.raise_if_any()
    with transaction.atomic():
        call = Call.objects.create(
            county_id=scope.county_id,
            org=org,
            level=level,
            title=title,
            criteria=criteria,
            quota=quota,
            deadline=deadline,
            materials=materials,
            term_years=term_years,
            created_by=actor,
        )
        audit(
            actor=actor,
            action="call.open",
            obj=call,
            county_id=call.county_id,
            after={"title": title, "level": level, "quota": quota, "deadline": str(deadline)},
        )
    return call


def _candidate_org(call: Call, org_id, errors: FieldErrors) -> Organisation | None:
    """The candidate's unit: an organisation of the call's county, inside the town for a
    town-level call."""
    org = Organisation.objects.filter(pk=org_id or 0, county_id=call.county_id).first()
    if org is None:
        errors.add("org_id", _("Choose the candidate's organisation."))
        return None
    if call.level == CallLevel.TOWN and call.org_id not in (org.pk, org.parent_id):
        errors.add("org_id", _("This call is for the organisations of %(town)s.") % {
            "town": call.org.name
        })  # fmt: skip
        return None
    return org


def nomination_submit(
    *,
    actor,
    call: Call,
    channel: str,
    name: str,
    phone: str,
    org_id,
    specialties: str = "",
    reason: str,
    source: str = "",
    referee_name: str = "",
    referee_phone: str = "",
    uploads: dict | None = None,
) -> Nomination:
    """Nominate a candidate for `call`. `actor` is None for the public form (self and public
    channels only; a public recommendation then names the recommender). `uploads` maps each
    material the call requires to its file. 422 after the deadline (`deadline_passed`) or
    once the quota is reached (`quota_full`)."""
    logged_in = actor is not None and actor.is_authenticated
    errors = FieldErrors()
    if channel not in Channel.values:
        errors.add("channel", _("Choose self, public or unit."))
    name = errors.check(clean_text, name, field="name", max_length=32)
    phone = errors.check(clean_mobile, phone)
    specialties = errors.check(
        clean_text, specialties, field="specialties", max_length=300, required=False
    )
    reason = errors.check(clean_text, reason, field="reason", max_length=2000, multiline=True)
    if source and source not in Source.values:
        errors.add("source", _("Unknown source."))
    org = _candidate_org(call, org_id, errors)
    if (
        channel == Channel.UNIT
        and org is not None
        and not (logged_in and access.acts_for_org(actor, org))
    ):
        errors.add("org_id", _("A unit recommends only its own members; log in as its secretary."))
    if channel == Channel.PUBLIC and not logged_in:
        referee_name = errors.check(clean_text, referee_name, field="referee_name", max_length=32)
        referee_phone = errors.check(clean_mobile, referee_phone, field="referee_phone")
    else:
        referee_name = referee_phone = ""
    files = []
    for index, label in enumerate(call.material_list):
        upload = (uploads or {}).get(label)
        field = f"material_{index}"
        if upload is None:
            if uploads is not None:
                errors.add(field, _("Attach this material."))
            continue
        stored = errors.check(check_document, upload, field=field)
        if stored is not None:
            files.append((label, stored, upload.name[:200]))
    errors.raise_if_any()

    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        if timezone.now() >= locked.deadline:
            raise InvalidInput(
                _("The deadline of this call has passed; nominations are closed."),
                code="deadline_passed",
            )
        if locked.nominations.count() >= locked.quota:
            raise InvalidInput(
                _("This call has reached its quota of %(n)d nominations.") % {"n": locked.quota},
                code="quota_full",
            )
        if locked.nominations.filter(phone=phone).exists():
            raise InvalidInput.field("phone", _("This person has already been nominated."))
        nomination = Nomination.objects.create(
            call=locked,
            county_id=locked.county_id,
            channel=channel,
            name=name,
            phone=phone,
            org=org,
            specialties=specialties,
            reason=reason,
            source=source,
            user=actor if logged_in and channel == Channel.SELF else None,
            submitted_by=actor if logged_in else None,
            referee_name=referee_name,
            referee_phone=referee_phone,
        )
        for label, stored, file_name in files:
            NominationMaterial.objects.create(
                nomination=nomination, label=label, file=stored, file_name=file_name
            )
        audit(
            actor=actor,
            action="nomination.submit",
            obj=nomination,
            county_id=nomination.county_id,
            after={"call": locked.pk, "channel": channel, "name": name},
        )
    return nomination


def material_add(*, actor, nomination: Nomination, label: str, upload) -> NominationMaterial:
    """Attach one of the call's required materials to a nomination still waiting for review
    (the candidate, whoever submitted it, or an admin over the call)."""
    may = nomination.user_id == actor.pk or nomination.submitted_by_id == actor.pk
    if not (may or access.may_review_call(actor, nomination.call)):
        raise Forbidden()
    if label not in nomination.call.material_list:
        raise InvalidInput.field("label", _("This call does not ask for this material."))
    stored = check_document(upload, field="file")
    with transaction.atomic():
        if Nomination.objects.filter(pk=nomination.pk, stage=Stage.SUBMITTED).count() != 1:
            raise Conflict(_("The review has started; materials can no longer change."),
                           code="bad_state")  # fmt: skip
        return NominationMaterial.objects.create(
            nomination=nomination, label=label, file=stored, file_name=upload.name[:200]
        )


def _clean_panel(scores, errors: FieldErrors) -> list[dict]:
    """`{"<member name>": {"political", "exemplary", "practical", "trial"}}`, each 0-100."""
    if not isinstance(scores, dict) or not scores:
        errors.add("scores", _("Enter each panel member's scores."))
        return []
    if len(scores) > MAX_PANEL:
        errors.add("scores", _("At most %(n)d panel members.") % {"n": MAX_PANEL})
        return []
    rows = []
    for member, marks in scores.items():
        member = " ".join(str(member).split())
        if not member or len(member) > 32 or not isinstance(marks, dict):
            errors.add("scores", _("Name each panel member and give their scores."))
            return []
        values = {}
        for key in (*CRITERIA, "trial"):
            value = marks.get(key)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
                errors.add(
                    "scores",
                    _("%(member)s: each score is a whole number from 0 to 100.")
                    % {"member": member},
                )
                return []
            values[key] = value
        criteria_mean = sum(values[k] for k in CRITERIA) / len(CRITERIA)
        rows.append({"member": member, **values, "total": round((criteria_mean + values["trial"]) / 2, 1)})  # fmt: skip
    return rows


def nomination_review(
    *,
    actor,
    nomination: Nomination,
    stage: str,
    result: str,
    note: str = "",
    scores: dict | None = None,
    source: str = "",
) -> Nomination:
    """Record one stage of the review. 403 for a reviewer who may not review the call or who
    is the candidate or from the candidate's unit; 409 `bad_state` for a stage out of order
    or done already; a passed approval appoints the candidate (_appoint). The candidate's
    login hears of each result. After a passed approval, `initial_password` on the returned
    nomination holds the new login's password this once ("" when an existing login of the
    candidate became the lecturer's)."""
    call = nomination.call
    if stage not in ReviewStage.values:
        raise InvalidInput.field("stage", _("Choose political, panel or approval."))
    allowed = (
        access.may_approve_call(actor, call)
        if stage == ReviewStage.APPROVAL
        else access.may_review_call(actor, call)
    )
    if not allowed:
        raise Forbidden(_("You are not a reviewer of this stage."))
    if access.is_from_candidates_unit(actor, nomination):
        raise Forbidden(
            _("The candidate and members of the candidate's own unit may not review them.")
        )
    errors = FieldErrors()
    if result not in ReviewResult.values:
        errors.add("result", _("Choose pass or fail."))
    note = errors.check(clean_text, note, field="note", max_length=500, required=False)
    if result == ReviewResult.FAIL and not note:
        errors.add("note", _("Say why the candidate did not pass."))
    panel = _clean_panel(scores, errors) if stage == ReviewStage.PANEL else []
    if stage == ReviewStage.APPROVAL and result == ReviewResult.PASS:
        source = source or nomination.source
        if source not in Source.values:
            errors.add("source", _("Choose the lecturer's source."))
    errors.raise_if_any()
    if stage == ReviewStage.POLITICAL and nomination.stage == Stage.SUBMITTED:
        missing = set(call.material_list) - set(nomination.materials.values_list("label", flat=True))  # fmt: skip
        if missing:
            raise Conflict(
                _("Materials still missing: %(list)s.") % {"list": "、".join(sorted(missing))},
                code="materials_missing",
            )

    before = BEFORE[stage]
    after = AFTER_PASS[stage] if result == ReviewResult.PASS else Stage.REJECTED
    out_of_order = Conflict(
        _("This stage is not due: the nomination is at “%(stage)s”.")
        % {"stage": Stage(nomination.stage).label},
        code="bad_state",
    )
    panel_score = (
        round(sum(row["total"] for row in panel) / len(panel), 1)
        if panel
        else nomination.panel_score
    )
    try:
        with transaction.atomic():
            moved = Nomination.objects.filter(pk=nomination.pk, stage=before).update(
                stage=after, panel_score=panel_score, updated_at=timezone.now()
            )
            if moved != 1:
                raise out_of_order
            review = Review.objects.create(
                nomination=nomination, stage=stage, result=result, note=note, reviewer=actor
            )
            PanelScore.objects.bulk_create(PanelScore(review=review, **row) for row in panel)
            nomination.refresh_from_db()
            password = _appoint(actor, nomination, source) if after == Stage.APPROVED else None
            _tell_candidate(nomination, stage, result, note)
            audit(
                actor=actor,
                action=f"nomination.{stage}",
                obj=nomination,
                county_id=nomination.county_id,
                before={"stage": before},
                after={"stage": after, "result": result, "note": note, "score": panel_score},
            )
    except IntegrityError:
        # The same stage recorded meanwhile by another reviewer.
        raise out_of_order from None
    nomination.initial_password = password
    return nomination


def _tell_candidate(nomination: Nomination, stage: str, result: str, note: str) -> None:
    """Inside the review's transaction: the candidate's logins (their own, or one with their
    phone) hear of the result, the appointed lecturer of the appointment; the message links to
    the candidate's tracking page. A candidate without a login follows that page."""
    common = {
        "url": reverse("development:track", args=[nomination.tracking_key]),
        "key": f"nomination:{nomination.pk}:{stage}",
        "county_id": nomination.county_id,
        "subject": nomination,
    }
    if nomination.stage == Stage.APPROVED:
        notify(
            recipients=[nomination.lecturer.user],
            event=Event.LECTURER_APPOINTED,
            facts={
                "call": nomination.call.title,
                "certificate": nomination.certificate_no,
                "until": nomination.appointed_until.isoformat(),
            },
            **common,
        )
        return
    logins = User.objects.filter(
        Q(pk=nomination.user_id) | Q(phone=nomination.phone, county_id=nomination.county_id)
    )
    notify(
        recipients=list(logins),
        event=Event.NOMINATION_REVIEWED,
        facts={
            "call": nomination.call.title,
            "stage": ReviewStage(stage).label,
            "result": ReviewResult(result).label,
            "note": note,
        },
        **common,
    )


def certificate_issuer(call: Call) -> str:
    """The issuer's part of the certificate's number and the name printed on it."""
    return issuer_name(call.org)


def _appoint(actor, nomination: Nomination, source: str) -> str:
    """Inside the review's transaction: the active lecturer, the term and the certificate,
    numbered in the issuer's sequence of the year that renewals share
    (lecturers.certificates). A candidate whose phone has a login already (a secretary who
    nominated themself) becomes a lecturer with that login; otherwise a new login is made.
    Returns its initial password ("" for an existing login)."""
    call = nomination.call
    start = local(timezone.now()).date()
    until = term_from(start, call.term_years)
    existing = User.objects.filter(Q(phone=nomination.phone) | Q(username=nomination.phone)).first()
    lecturer, password = lecturer_create(
        actor=actor,
        name=nomination.name,
        phone=nomination.phone,
        source=source,
        level=LecturerLevel.COUNTY if call.level == CallLevel.COUNTY else LecturerLevel.TOWN,
        org_id=nomination.org_id,
        specialties=nomination.specialties,
        status=LecturerStatus.ACTIVE,
        user=existing,
    )
    type(lecturer).objects.filter(pk=lecturer.pk).update(
        appointed_from=start, appointed_until=until
    )
    certificate = certificate_issue(
        lecturer=lecturer, issuer=call.org, start=start, until=until,
        kind=CertificateKind.APPOINTMENT,
    )  # fmt: skip
    Nomination.objects.filter(pk=nomination.pk).update(
        lecturer=lecturer,
        source=source,
        certificate_year=certificate.year,
        certificate_seq=certificate.seq,
        certificate_no=certificate.number,
        appointed_from=start,
        appointed_until=until,
    )
    nomination.refresh_from_db()
    return password


# --- Old-new pairing (结对) -------------------------------------------------------------------

# A mentor's pairings whose periods overlap: at most this many at once.
MENTEES_AT_ONCE = 3


def pairing_create(
    *, actor, mentor_id, mentee_id, starts_on: date | None, planned: dict
) -> Pairing:
    """Pair an active lecturer (the mentor) with a new lecturer (active or candidate) of the
    county; `planned` gives each stage's planned day, in the stages' order from `starts_on`.
    422 for a self-pairing or days out of order; 409 `mentor_limit` when the mentor already
    has MENTEES_AT_ONCE pairings overlapping this one (counted under the mentor's row lock)."""
    if not access.may_manage_pairings(actor):
        raise Forbidden()
    county_id = access.scope_for(actor).county_id
    errors = FieldErrors()
    lecturers = Lecturer.objects.filter(county_id=county_id)
    mentor = lecturers.filter(pk=parse_id(mentor_id) or 0, status=LecturerStatus.ACTIVE).first()
    if mentor is None:
        errors.add("mentor_id", _("Choose an active lecturer of the county as the mentor."))
    mentee = lecturers.filter(
        pk=parse_id(mentee_id) or 0,
        status__in=[LecturerStatus.ACTIVE, LecturerStatus.CANDIDATE],
    ).first()
    if mentee is None:
        errors.add("mentee_id", _("Choose the new lecturer of the county."))
    elif mentor is not None and mentor.pk == mentee.pk:
        errors.add("mentee_id", _("A lecturer cannot be their own mentor."))
    if starts_on is None:
        errors.add("starts_on", _("Enter the first day of the pairing."))
    previous = starts_on
    days = []
    for stage in PAIRING_STAGES:
        day = (planned or {}).get(stage.value)
        field = f"planned_{stage.value}"
        if day is None:
            errors.add(field, _("Enter the planned day of this stage."))
        elif previous is not None and day < previous:
            errors.add(field, _("A stage cannot be planned before the previous one."))
        previous = day or previous
        days.append(day)
    errors.raise_if_any()
    ends_on = days[-1]
    with transaction.atomic():
        Lecturer.objects.select_for_update().filter(pk=mentor.pk).first()
        overlapping = Pairing.objects.filter(
            mentor=mentor,
            reached__lt=len(PAIRING_STAGES),
            starts_on__lte=ends_on,
            ends_on__gte=starts_on,
        ).count()
        if overlapping >= MENTEES_AT_ONCE:
            raise Conflict(
                _("%(mentor)s already mentors %(n)d new lecturers in this period.")
                % {"mentor": mentor.name, "n": overlapping},
                code="mentor_limit",
            )
        pairing = Pairing.objects.create(
            county_id=county_id,
            mentor=mentor,
            mentee=mentee,
            starts_on=starts_on,
            ends_on=ends_on,
            created_by=actor,
        )
        PairingStep.objects.bulk_create(
            PairingStep(pairing=pairing, index=i, stage=stage.value, planned_on=day)
            for i, (stage, day) in enumerate(zip(PAIRING_STAGES, days, strict=True))
        )
        audit(
            actor=actor,
            action="pairing.create",
            obj=pairing,
            county_id=county_id,
            after={"mentor": mentor.pk, "mentee": mentee.pk, "from": str(starts_on)},
        )
    return pairing


def _pairing_stage(pairing: Pairing, stage: str) -> int:
    if stage not in PairingStage.values:
        raise InvalidInput.field("stage", _("Unknown stage."))
    return PairingStage.values.index(stage)


def _not_due(pairing: Pairing) -> Conflict:
    current = pairing.current_stage
    message = (
        _("The pairing has done every stage.")
        if current is None
        else _("This stage is not due: the pairing is at “%(stage)s”.") % {"stage": current.label}
    )
    return Conflict(message, code="bad_state")


def pairing_stage_done(
    *, actor, pairing: Pairing, stage: str, done_on: date | None, comment: str
) -> Pairing:
    """The mentor (or a county admin) records the stage under way as done on `done_on` with
    the mentor's comment. 422 for a day before the previous stage's, before the start or in
    the future; 409 `bad_state` for any stage but the one under way (compare-and-set)."""
    is_mentor = access.scope_for(actor).lecturer_id == pairing.mentor_id
    if not (is_mentor or access.may_manage_pairings(actor, pairing)):
        raise Forbidden(_("Only the mentor records a stage."))
    index = _pairing_stage(pairing, stage)
    errors = FieldErrors()
    comment = errors.check(clean_text, comment, field="comment", max_length=1000, multiline=True)
    today = local(timezone.now()).date()
    previous = (
        pairing.steps.filter(index=index - 1).values_list("done_on", flat=True).first()
        if index
        else None
    ) or pairing.starts_on
    if done_on is None:
        errors.add("done_on", _("Enter the day of this stage."))
    elif done_on > today:
        errors.add("done_on", _("A stage is recorded once done, not ahead."))
    elif done_on < previous:
        errors.add(
            "done_on",
            _("A stage cannot be dated before the previous one (%(day)s).")
            % {"day": previous.isoformat()},
        )
    errors.raise_if_any()
    with transaction.atomic():
        moved = Pairing.objects.filter(pk=pairing.pk, reached=index).update(
            reached=index + 1, updated_at=timezone.now()
        )
        if moved != 1:
            pairing.refresh_from_db()
            raise _not_due(pairing)
        PairingStep.objects.filter(pairing=pairing, index=index).update(
            done_on=done_on, comment=comment, recorded_by=actor
        )
        audit(
            actor=actor,
            action="pairing.stage",
            obj=pairing,
            county_id=pairing.county_id,
            before={"reached": index},
            after={"stage": stage, "done_on": str(done_on)},
        )
    pairing.refresh_from_db()
    return pairing


def pairing_material_add(*, actor, pairing: Pairing, stage: str, upload) -> PairingStep:
    """The mentee (or a county admin) attaches the material of the stage under way (a new
    file replaces the earlier one). 409 `bad_state` for any other stage."""
    is_mentee = access.scope_for(actor).lecturer_id == pairing.mentee_id
    if not (is_mentee or access.may_manage_pairings(actor, pairing)):
        raise Forbidden(_("Only the new lecturer attaches the material."))
    index = _pairing_stage(pairing, stage)
    stored = check_document(upload, field="material")
    with transaction.atomic():
        locked = Pairing.objects.select_for_update().get(pk=pairing.pk)
        if locked.reached != index:
            raise _not_due(locked)
        step = PairingStep.objects.get(pairing=locked, index=index)
        step.material = stored
        step.material_name = upload.name[:200]
        step.save(update_fields=["material", "material_name"])
    return step
