from django.conf import settings
from django.db import connection
from django.http import Http404, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.static import serve

from . import health


@never_cache
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    """Ready to take traffic: 200 when the database, the cache and the task workers all work,
    503 naming the one that does not."""
    ready, report = health.readiness()
    return JsonResponse(report, status=200 if ready else 503)


def media(request, path):
    """Uploaded photos; a deployment behind nginx serves /media/ itself. A name the file
    system refuses (longer than it takes, say) is a page that does not exist."""
    try:
        return serve(request, path, document_root=settings.MEDIA_ROOT)
    except (OSError, ValueError):
        raise Http404 from None
