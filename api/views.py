"""Plain Django views under /api/v1/ that are not part of the ninja API itself."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from .errors import error_body


@csrf_exempt  # any method: a POST to a wrong path is a 404, not a CSRF failure
def not_found(request, rest: str = ""):
    """Every path under /api/v1/ that no endpoint answers: 404 in the API's error shape."""
    return JsonResponse(
        error_body(_("There is no such API address."), "not_found"),
        status=404,
        json_dumps_params={"ensure_ascii": False},
    )
