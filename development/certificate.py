"""The appointment documents: the certificate (聘书) of a call's appointment and the letter
(聘任书) of a hired practitioner. Both share one A4 template (_appointment_document.html),
shown as a printable page and turned into a PDF by WeasyPrint with the Noto CJK fonts the
machine has (DESIGN.md "Interfaces")."""

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from core.errors import Conflict
from lecturers.certificates import issuer_name

from .models import CallLevel, Nomination, Stage
from .pool_models import Hiring
from .services import certificate_issuer

STYLESHEET = "development/certificate.css"
CERTIFICATE_TEMPLATE = "development/certificate_document.html"
HIRING_LETTER_TEMPLATE = "development/hiring_letter.html"


def document_pdf(template: str, context: dict) -> bytes:
    """An appointment document as PDF bytes (A4, Chinese fonts embedded)."""
    from weasyprint import CSS, HTML  # needs pango: imported only when a PDF is asked for

    html = render_to_string(template, {**context, "for_pdf": True})
    return HTML(string=html).write_pdf(stylesheets=[CSS(filename=finders.find(STYLESHEET))])


def require_certificate(nomination: Nomination) -> Nomination:
    if nomination.stage != Stage.APPROVED or not nomination.certificate_no:
        raise Conflict(
            _("This candidate has not been appointed; there is no certificate yet."),
            code="not_appointed",
        )
    return nomination


def certificate_context(nomination: Nomination) -> dict:
    call = nomination.call
    return {
        "nomination": nomination,
        "number": nomination.certificate_no,
        "term_from": nomination.appointed_from,
        "term_until": nomination.appointed_until,
        "issuer": certificate_issuer(call),
        "is_county": call.level == CallLevel.COUNTY,
        "back_url": reverse("development:nomination", args=[nomination.pk]),
        "pdf_url": reverse("development:certificate_pdf", args=[nomination.pk]),
    }


def certificate_pdf(nomination: Nomination) -> bytes:
    return document_pdf(CERTIFICATE_TEMPLATE, certificate_context(nomination))


def hiring_letter_context(hiring: Hiring) -> dict:
    with translation.override("zh-hans"):  # the letter is issued in Chinese
        kind = str(hiring.get_kind_display())
    return {
        "hiring": hiring,
        "number": hiring.letter_no,
        "term_from": hiring.hired_from,
        "term_until": hiring.hired_until,
        "issuer": issuer_name(hiring.org),
        "kind": kind,
        "back_url": reverse("development:hiring", args=[hiring.pk]),
        "pdf_url": reverse("development:hiring_letter_pdf", args=[hiring.pk]),
    }


def hiring_letter_pdf(hiring: Hiring) -> bytes:
    return document_pdf(HIRING_LETTER_TEMPLATE, hiring_letter_context(hiring))
