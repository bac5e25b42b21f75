from django.conf import settings
from django.db import connection
from django.http import Http404, JsonResponse
from django.views.static import serve


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def media(request, path):
    """Uploaded photos; a deployment behind nginx serves /media/ itself. A name the file
    system refuses (longer than it takes, say) is a page that does not exist."""
    try:
        return serve(request, path, document_root=settings.MEDIA_ROOT)
    except (OSError, ValueError):
        raise Http404 from None
