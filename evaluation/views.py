"""The trainee page behind the QR code: no account, light enough for a weak connection."""

import secrets

from django.core import signing
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from core.errors import ServiceError
from core.forms import apply_service_error

from .forms import TraineeForm
from .models import TraineeRating
from .services import booking_for_token, session_summary, trainee_rate

REMEMBER = "jt_trainee"
DEVICE = "jt_device"
YEAR = 365 * 24 * 3600


def _remembered(request) -> dict:
    try:
        return signing.loads(request.COOKIES.get(REMEMBER, ""), salt=REMEMBER, max_age=YEAR)
    except signing.BadSignature:
        return {}


@require_http_methods(["GET", "POST"])
def trainee_page(request, token: str):
    try:
        booking = booking_for_token(token)
    except ServiceError as exc:
        return render(
            request, "evaluation/closed.html", {"message": exc.message}, status=exc.status
        )
    remembered = _remembered(request)
    record = None
    if remembered.get("phone"):
        record = TraineeRating.objects.filter(
            booking=booking, phone=remembered["phone"], rated_at__isnull=False
        ).first()
    form = TraineeForm(
        request.POST or None,
        initial={"name": remembered.get("name", ""), "phone": remembered.get("phone", "")},
    )
    status = 200
    if request.method == "POST" and record is None:
        if form.is_valid():
            data = form.cleaned_data
            try:
                record, _created = trainee_rate(
                    token=token, name=data["name"], phone=data["phone"],
                    scores={k: data[k] for k in ("content", "method", "effect")}, comment=data["comment"],
                    device=request.COOKIES.get(DEVICE, ""), client_ip=request.META.get("REMOTE_ADDR", ""),
                )  # fmt: skip
            except ServiceError as exc:
                apply_service_error(form, exc)
                status = exc.status
        else:
            status = 400
    context = {
        "booking": booking,
        "form": form,
        "record": record,
        "summary": session_summary(booking) if record else None,
    }
    response = render(request, "evaluation/trainee.html", context, status=status)
    if record is not None:
        response.set_cookie(REMEMBER, signing.dumps({"name": record.name, "phone": record.phone}, salt=REMEMBER),
                            max_age=YEAR, httponly=True, samesite="Lax")  # fmt: skip
    if DEVICE not in request.COOKIES:
        response.set_cookie(
            DEVICE, secrets.token_hex(12), max_age=YEAR, httponly=True, samesite="Lax"
        )
    return response
