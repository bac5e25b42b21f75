import json
import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.middleware.gzip import GZipMiddleware
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views import defaults

from .errors import Forbidden, NotFound, ServiceError

# Half of a UTF-16 surrogate pair: json.loads lets "\ud800" through, no database stores it.
_SURROGATE = re.compile("[\ud800-\udfff]")


class ServiceErrorPagesMiddleware:
    """Pages answer a service's NotFound with the 404 page and Forbidden with the 403 page;
    any other service error a view lets through (a conflict with the record's state, say)
    with its message and its status, never a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotFound):
            return defaults.page_not_found(request, Http404())
        if isinstance(exception, Forbidden):
            return defaults.permission_denied(request, exception)
        if isinstance(exception, ServiceError):
            return render(
                request, "bad_request.html", {"detail": exception.message}, status=exception.status
            )
        return None


class RequestGuardMiddleware:
    """Refuse, before any view, session or parser reads it, what no page or endpoint can mean.

    - A body larger than the largest upload any form takes (DATA_UPLOAD_MAX_MEMORY_SIZE):
      413. The API narrows this per endpoint (api/limits.py).
    - NUL characters, and in JSON half a surrogate pair: PostgreSQL stores neither, and
      psycopg fails deep inside whichever query meets one first. In the path, a header
      (cookies, tokens) or a page's form: 400. In the API's query parameters, form fields or
      JSON: 422 naming the field, as for any other bad value. In a page's query string the
      parameter is dropped, so the page shows what it shows without that filter.

    Under /api/ answers come in the API's error shape; elsewhere as a short Chinese page."""

    BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refusal = self._refusal(request)
        if refusal is not None:
            return self._respond(request, *refusal)
        return self.get_response(request)

    def _refusal(self, request):
        is_api = request.path_info.startswith("/api/")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        # The few addresses that take a larger file (an Excel import) have their own ceiling;
        # their bodies are parsed as a stream, files spooled to disk, never held whole.
        streamed_limit = large_upload_limit(request.path_info) if request.method == "POST" else None
        if length > (streamed_limit or settings.DATA_UPLOAD_MAX_MEMORY_SIZE):
            return 413, "too_large", None
        if "\x00" in request.path_info or any(
            "\x00" in value
            for key, value in request.META.items()
            if key.startswith("HTTP_") and isinstance(value, str)
        ):
            return 400, "invalid_character", None
        bad = _names_holding_nul(request.GET)
        if bad and is_api:
            return 422, "invalid", bad
        if bad:
            request.GET = request.GET.copy()
            for name in bad:
                request.GET.pop(name, None)
            request.GET._mutable = False
        if request.method in self.BODY_METHODS and length:
            try:
                bad = unstorable_fields(request, streamed=streamed_limit is not None)
            except RequestDataTooBig:
                return 413, "too_large", None
            except (SuspiciousOperation, MultiPartParserError):  # too many fields, bad multipart
                return 400, "bad_request", None
            if bad:
                return (422, "invalid", bad) if is_api else (400, "invalid_character", None)
        return None

    def _respond(self, request, status: int, code: str, fields):
        if status == 413:
            detail = _("The request is too large.")
        elif status == 422:
            detail = _("Some fields are not valid.")
        elif code == "invalid_character":
            detail = _("The request contains an invalid character.")
        else:
            detail = _("The request could not be processed.")
        if request.path_info.startswith("/api/"):
            body = {"detail": str(detail), "code": code}
            if fields:
                body["fields"] = {name: str(_INVALID_CHARACTER) for name in fields}
            return JsonResponse(body, status=status)
        return render(request, "bad_request.html", {"detail": detail}, status=status)


_INVALID_CHARACTER = _("Contains an invalid character.")


def large_upload_limit(path: str) -> int | None:
    """The body ceiling of a path that takes a larger file (settings.LARGE_UPLOAD_PATHS, whose
    keys are patterns of the whole path); None for every other path."""
    for pattern, limit in getattr(settings, "LARGE_UPLOAD_PATHS", {}).items():
        if re.fullmatch(pattern, path):
            return limit
    return None


def _names_holding_nul(query) -> list[str]:
    return [
        name or "__all__"
        for name, values in query.lists()
        if "\x00" in name or any("\x00" in v for v in values)
    ]


def unstorable_fields(request, *, streamed: bool = False) -> list[str]:
    """The fields of the body (form fields, or a JSON object's top-level keys) that hold a
    NUL or a lone surrogate; ["__all__"] when the body holds one outside any named field.

    `streamed`: a multipart upload larger than memory bodies may be; its form is parsed from
    the stream (files to disk) and only the text fields are looked at."""
    if streamed and request.content_type == "multipart/form-data":
        return _names_holding_nul(request.POST)
    body = request.body  # read first, so that request.POST (multipart too) parses from memory
    if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return _names_holding_nul(request.POST)
    if b"\x00" in body:
        return ["__all__"]
    if b"\\u" not in body:  # valid JSON holds NUL and surrogates only as \u escapes
        return []
    try:
        data = json.loads(body)
    except ValueError:
        return []  # not JSON: the endpoint says so itself
    if isinstance(data, dict):
        if not all(_storable(k) for k in data):
            return ["__all__"]
        return [k for k, v in data.items() if not _storable(v)]
    return [] if _storable(data) else ["__all__"]


def _storable(value) -> bool:
    if isinstance(value, str):
        return "\x00" not in value and not _SURROGATE.search(value)
    if isinstance(value, list):
        return all(_storable(v) for v in value)
    if isinstance(value, dict):
        return all(_storable(k) and _storable(v) for k, v in value.items())
    return True


# Bodies that are compressed already (images, PDFs, Office files, which are zip archives,
# archives, video, fonts): gzip only costs CPU and may even grow them.
_COMPRESSED_TYPES = (
    "image/",
    "video/",
    "audio/",
    "font/",
    "application/pdf",
    "application/zip",
    "application/gzip",
    "application/x-gzip",
    "application/vnd.openxmlformats",
    "application/octet-stream",
)
_COMPRESSIBLE_SVG = "image/svg+xml"


class CompressionMiddleware(GZipMiddleware):
    """Gzip text answers (pages, JSON, CSV) for clients that accept it; leave alone what is
    compressed already and file downloads, which are streamed.

    BREACH (guessing a secret from the compressed length of a page that also reflects the
    attacker's text) is mitigated rather than avoided by skipping compression: Django masks
    the CSRF token with a fresh random mask in every response, so the secret's bytes differ
    from one response to the next, and Django's GZipMiddleware (4.2+) pads every gzip stream
    with random bytes ("Heal the Breach"), so lengths do not measure guesses. Session ids
    and API tokens are never in a body. So no page is excluded."""

    def process_response(self, request, response):
        content_type = response.get("Content-Type", "").lower()
        if response.streaming or (
            content_type.startswith(_COMPRESSED_TYPES)
            and not content_type.startswith(_COMPRESSIBLE_SVG)
        ):
            return response
        return super().process_response(request, response)
