"""`/demo/progress`: how far the demo county's loading is, for the banner's script."""

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from . import progress


@require_GET
def progress_state(request):
    """`{"state": "loading" | "failed", "percent": n}` while the banner shows, else
    `{"state": "ready", "percent": 100}`. No login: the login page shows the banner too."""
    state = progress.current() or {"state": progress.READY, "percent": 100}
    response = JsonResponse(state)
    response["Cache-Control"] = "no-store"
    return response
