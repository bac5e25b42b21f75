"""Every write of the selection (L2, G2): open a call, nominate through one of the three
channels with the materials, review in stages, appoint.

The quota holds under concurrency because each nomination counts the call's nominations
after locking the call's row (PostgreSQL: SELECT … FOR UPDATE; SQLite: the IMMEDIATE write
lock of the transaction). Each review stage is a compare-and-set on the nomination's stage,
so a stage can neither be skipped nor done twice; the database's unique constraints (one
review per stage, one certificate number per county) back both.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import access
from core.audit import audit
from core.errors import Conflict, FieldErrors, Forbidden, InvalidInput
from core.text import clean_mobile, clean_text
from core.timeutil import local
from core.uploads import check_document
from lecturers.certificates import certificate_issue, issuer_name, term_from
from lecturers.models import CertificateKind, LecturerLevel, LecturerStatus, Source
from lecturers.services import lecturer_create
from orgs.models import Organisation, OrgLevel

from .models import (
    Call,
    CallLevel,
    Channel,
    Nomination,
    NominationMaterial,
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
    or done already; a passed approval appoints the candidate (nomination_appoint)."""
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
            if after == Stage.APPROVED:
                _appoint(actor, nomination, source)
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
    return nomination


def certificate_issuer(call: Call) -> str:
    """The issuer's part of the certificate's number and the name printed on it."""
    return issuer_name(call.org)


def _appoint(actor, nomination: Nomination, source: str) -> None:
    """Inside the review's transaction: the active lecturer, the term and the certificate,
    numbered in the issuer's sequence of the year that renewals share
    (lecturers.certificates)."""
    call = nomination.call
    start = local(timezone.now()).date()
    until = term_from(start, call.term_years)
    lecturer, _password = lecturer_create(
        actor=actor,
        name=nomination.name,
        phone=nomination.phone,
        source=source,
        level=LecturerLevel.COUNTY if call.level == CallLevel.COUNTY else LecturerLevel.TOWN,
        org_id=nomination.org_id,
        specialties=nomination.specialties,
        status=LecturerStatus.ACTIVE,
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
