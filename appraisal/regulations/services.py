"""Publishing a version of a county rules document. A version is never edited: a change is
the next version of the same kind. Audited."""

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

import access
from core.audit import audit
from core.errors import Conflict, FieldErrors, Forbidden
from core.text import clean_text
from core.uploads import check_document

from ..models import Regulation, RegulationKind


def may_publish_regulations(user) -> bool:
    return access.scope_for(user).is_county_admin


def regulation_publish(*, actor, kind, title, body="", effective_from, upload=None) -> Regulation:
    """Publish the next version of a kind: a title, the text and/or a document (PDF, …), the
    date it takes effect. 409 `version_taken` when another version was published at the same
    moment."""
    if not may_publish_regulations(actor):
        raise Forbidden(_("Only the county publishes its rules."))
    county_id = access.scope_for(actor).county_id
    errors = FieldErrors()
    if kind not in RegulationKind.values:
        errors.add("kind", _("Choose the kind of rules."))
    title = errors.check(clean_text, title, field="title", max_length=100)
    body = errors.check(
        clean_text, body, field="body", max_length=50000, required=False, multiline=True
    )
    if not isinstance(effective_from, date):
        errors.add("effective_from", _("Enter the date the rules take effect."))
    stored = errors.check(check_document, upload, field="file") if upload else None
    if body == "" and not upload and "body" not in errors.fields:
        errors.add("body", _("Write the text, or upload the document, or both."))
    errors.raise_if_any()
    try:
        with transaction.atomic():
            last = Regulation.objects.filter(county_id=county_id, kind=kind).aggregate(
                n=Max("version")
            )["n"]
            doc = Regulation(
                county_id=county_id, kind=kind, title=title, version=(last or 0) + 1, body=body,
                effective_from=effective_from, published_by=actor,
            )  # fmt: skip
            if stored is not None:
                doc.file = stored
                doc.file_name = upload.name[:200]
            doc.save()
            audit(actor=actor, action="regulation.publish", obj=doc, county_id=county_id,
                  after={"kind": kind, "title": title, "version": doc.version,
                         "effective_from": effective_from.isoformat(),
                         "file": doc.file_name})  # fmt: skip
    except IntegrityError:
        raise Conflict(
            _("Another version was published just now; reload and try again."),
            code="version_taken",
        ) from None
    return doc
