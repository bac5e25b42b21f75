"""`Idempotency-Key` for write endpoints: a repeat with the same key and body returns the first
result and changes nothing (API.md).

The key row is inserted first inside the same transaction as the write. A concurrent repeat
waits on that row (PostgreSQL: the unique index; SQLite: the IMMEDIATE write lock), then finds
it and replays the stored answer. A failed write rolls the key back with it, so a corrected
retry with the same key is processed normally.
"""

import functools
import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse, RawPostDataException
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import api_token_user

from .models import IdempotencyRecord

HEADER = "Idempotency-Key"


def _caller(request):
    auth = request.headers.get("Authorization", "")
    scheme, _sep, token = auth.partition(" ")
    return api_token_user(token.strip()) if scheme.lower() == "bearer" else None


def _error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


def _body_digest(request) -> str:
    try:
        return hashlib.sha256(request.body).hexdigest()
    except RawPostDataException:
        # An upload to a path that takes larger files (settings.LARGE_UPLOAD_PATHS) was parsed
        # from the stream, its files spooled to disk: the digest is of its fields and files.
        digest = hashlib.sha256()
        for name, values in sorted(request.POST.lists()):
            digest.update(repr((name, values)).encode())
        for name, files in sorted(request.FILES.lists()):
            for upload in files:
                digest.update(repr((name, upload.name, upload.size)).encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
        return digest.hexdigest()


def idempotent(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return view(request, *args, **kwargs)
        user = _caller(request)
        if user is None:
            return view(request, *args, **kwargs)  # the API answers 401 itself
        if not (1 <= len(key) <= 100) or not key.isprintable():
            return _error(
                400,
                "bad_idempotency_key",
                _("The Idempotency-Key header must be 1-100 printable characters."),
            )
        digest = _body_digest(request)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        user=user,
                        key=key,
                        method=request.method,
                        path=request.path[:300],
                        body_digest=digest,
                    )
            except IntegrityError:
                record = IdempotencyRecord.objects.get(user=user, key=key)
                if (record.method, record.path, record.body_digest) != (
                    request.method,
                    request.path[:300],
                    digest,
                ):
                    return _error(
                        409,
                        "idempotency_key_reused",
                        _("This Idempotency-Key was already used for a different request."),
                    )
                response = HttpResponse(
                    bytes(record.response_body),
                    status=record.status_code,
                    content_type="application/json",
                )
                response["Idempotent-Replayed"] = "true"
                return response
            response = view(request, *args, **kwargs)
            if response.status_code >= 400:
                # Nothing was written; forget the key so that a corrected retry goes through.
                transaction.set_rollback(True)
                return response
            record.status_code = response.status_code
            record.response_body = response.content
            record.save(update_fields=["status_code", "response_body"])
        return response

    return wrapper


def prune() -> int:
    """Forget the keys older than IDEMPOTENCY_KEEP_HOURS (a client retries within minutes, a
    phone that was offline within days); returns how many. The scheduler runs it hourly."""
    cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEEP_HOURS)
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
