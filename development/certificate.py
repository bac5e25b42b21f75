"""The appointment certificate (聘书): one template, shown as a printable A4 page and turned
into a PDF by WeasyPrint with the Noto CJK fonts the machine has (DESIGN.md "Interfaces")."""

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from core.errors import Conflict

from .models import CallLevel, Nomination, Stage
from .services import certificate_issuer

STYLESHEET = "development/certificate.css"


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
        "issuer": certificate_issuer(call),
        "is_county": call.level == CallLevel.COUNTY,
    }


def certificate_pdf(nomination: Nomination) -> bytes:
    """The certificate as PDF bytes (A4, Chinese fonts embedded)."""
    from weasyprint import CSS, HTML  # needs pango: imported only when a PDF is asked for

    html = render_to_string(
        "development/certificate_document.html",
        {**certificate_context(nomination), "for_pdf": True},
    )
    return HTML(string=html).write_pdf(stylesheets=[CSS(filename=finders.find(STYLESHEET))])
