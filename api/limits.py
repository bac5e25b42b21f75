"""How large a request body each operation takes, checked before anything parses it.

Most endpoints take a few KB of JSON; an upload (an invitation letter) takes up to the
site-wide ceiling, DATA_UPLOAD_MAX_MEMORY_SIZE, which core.middleware.RequestGuardMiddleware
already enforces for every request. A body over its operation's limit answers 413
`too_large` in the error shape, whatever its Content-Length claimed."""

import inspect

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _

from core.middleware import large_upload_limit

# JSON bodies: the largest real one (a month of 200 slots, a résumé) is far below this.
DEFAULT_BODY_LIMIT = 64 * 1024
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def upload_limit(request) -> int:
    """An upload's ceiling: its path's in settings.LARGE_UPLOAD_PATHS (streamed to disk), else
    the site-wide one."""
    return large_upload_limit(request.path_info) or settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def body_limit(max_bytes):
    """Mark an endpoint that takes more than DEFAULT_BODY_LIMIT: `@body_limit(upload_limit)`
    below the router's decorator. A callable is asked with the request each time (settings
    may change)."""

    def mark(view_func):
        view_func.body_limit = max_bytes
        return view_func

    return mark


def _limit_of(run) -> object:
    operation = getattr(inspect.unwrap(run), "__self__", None)
    view_func = getattr(operation, "view_func", None)
    return getattr(view_func, "body_limit", DEFAULT_BODY_LIMIT)


def too_large_response() -> JsonResponse:
    return JsonResponse({"detail": _("The request is too large."), "code": "too_large"}, status=413)


def limit_body(run):
    """Installed on every operation with `api.add_decorator(limit_body, mode="view")`, so it
    runs before authentication, idempotency and parsing."""
    limit = _limit_of(run)

    def checked(request, *args, **kwargs):
        max_bytes = limit(request) if callable(limit) else limit
        try:
            claimed = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            claimed = 0
        if claimed > max_bytes:
            return too_large_response()
        # A body no larger than memory bodies may be is read and measured; a larger limit is
        # an upload streamed to disk (settings.LARGE_UPLOAD_PATHS), whose reading stops at the
        # Content-Length already checked.
        if (
            request.method in BODY_METHODS
            and claimed
            and max_bytes <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            and len(request.body) > max_bytes
        ):
            return too_large_response()
        return run(request, *args, **kwargs)

    return checked


def document_too_large(schema: dict) -> dict:
    """Every operation may answer 413: say so in the OpenAPI document."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            operation.setdefault("responses", {}).setdefault(
                "413",
                {
                    "description": "Request body too large",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}
                    },
                },
            )
    return schema
