"""The product's URLs plus `POST /bench/insert`, the baseline of bench/booking_throughput.py.

The baseline is the smallest honest write through the same stack: one AuditLog row in a
transaction, without authentication, then a tiny JSON answer. It exists only under
`bench.settings`; the product's `jiangtai.urls` does not have it.

`worker_pid` (first in bench.settings' MIDDLEWARE) tags every response with the gunicorn
worker's pid, so that the benchmark can tell how its keep-alive connections are spread over
the workers.
"""

import os

from django.db import transaction
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.models import AuditLog
from jiangtai.urls import urlpatterns as product_urlpatterns


def worker_pid(get_response):
    # Read on each response: gunicorn builds the application in its master (preload_app)
    # and forks the workers from it, so a pid read here, once, would be the master's.
    def middleware(request):
        response = get_response(request)
        response["X-Bench-Worker"] = str(os.getpid())
        return response

    return middleware


@csrf_exempt
@require_POST
def insert(request):
    with transaction.atomic():
        entry = AuditLog.objects.create(action="bench.insert", object_type="bench")
    return JsonResponse({"id": entry.pk})


urlpatterns = [*product_urlpatterns, path("bench/insert", insert)]
