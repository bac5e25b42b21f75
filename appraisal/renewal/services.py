"""Renewal (续聘): the county renews lecturers in bulk from the renewal list; each renewal
extends the term and issues a new appointment certificate number in the issuer's shared
sequence (lecturers.certificates). All or nothing: one refused lecturer refuses the batch."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit
from core.errors import Conflict, FieldErrors
from core.text import parse_id
from lecturers.certificates import certificate_issue, issuer_of, term_from
from lecturers.models import CertificateKind, Lecturer, LecturerStatus
from notifications.models import Event
from notifications.services import notify

from ..selectors import appraisal_county_id

MAX_TERM_YEARS = 10


def lecturers_renew(*, actor, lecturer_ids, years) -> list:
    """Renew the chosen lecturers for `years` (1-10): a running term is extended from the day
    after it ends, a lapsed one (or none on record) starts today. Only active lecturers are
    renewed: one in cold store or removed is refused by name. Returns the certificates."""
    county_id = appraisal_county_id(actor)
    errors = FieldErrors()
    term = parse_id(years)
    if term is None or not 1 <= term <= MAX_TERM_YEARS:
        errors.add("years", _("Enter a term of 1 to %(n)d years.") % {"n": MAX_TERM_YEARS})
    ids = {parse_id(value) for value in lecturer_ids or []} - {None}
    if not ids:
        errors.add("lecturers", _("Choose at least one lecturer to renew."))
    errors.raise_if_any()
    today = timezone.localdate()
    issued = []
    with transaction.atomic():
        chosen = list(
            Lecturer.objects.select_for_update(of=("self",))
            .filter(county_id=county_id, pk__in=ids)
            .select_related("org", "user")
            .order_by("pk")
        )
        if len(chosen) != len(ids):
            errors.add("lecturers", _("Choose only lecturers of the county's pool."))
        refused = [lec.name for lec in chosen if lec.status != LecturerStatus.ACTIVE]
        if refused:
            errors.add(
                "lecturers",
                _("Only active lecturers are renewed; not: %(names)s.")
                % {"names": "、".join(refused)},
            )
        errors.raise_if_any()
        for lecturer in chosen:
            old_until = lecturer.appointed_until
            running = old_until is not None and old_until >= today
            start = old_until + timedelta(days=1) if running else today
            until = term_from(start, term)
            moved = Lecturer.objects.filter(pk=lecturer.pk, appointed_until=old_until).update(
                appointed_from=(lecturer.appointed_from or start) if running else start,
                appointed_until=until,
                updated_at=timezone.now(),
            )
            if moved != 1:
                raise Conflict(_("A term changed meanwhile; reload the list."), code="bad_state")
            certificate = certificate_issue(
                lecturer=lecturer, issuer=issuer_of(lecturer), start=start, until=until,
                kind=CertificateKind.RENEWAL,
            )  # fmt: skip
            audit(actor=actor, action="lecturer.renew", obj=lecturer, county_id=county_id,
                  before={"appointed_until": old_until and old_until.isoformat()},
                  after={"appointed_until": until.isoformat(), "certificate_no": certificate.number})  # fmt: skip
            notify(
                recipients=[lecturer.user], event=Event.TERM_RENEWED,
                facts={"until": until.isoformat(), "number": certificate.number},
                url=f"/lecturers/{lecturer.pk}/", key=f"renewed:{certificate.pk}",
                county_id=county_id,
            )  # fmt: skip
            issued.append(certificate)
    return issued
