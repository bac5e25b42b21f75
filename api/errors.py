"""Every error leaves the API in the shape of API.md: {"detail", "code", "fields"}."""

import logging

from django.http import Http404
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError, ValidationError

from core.errors import ServiceError

logger = logging.getLogger(__name__)

# Where ninja says the value came from; the field name follows it.
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


def _field_name(loc) -> str:
    parts = [p for p in loc if isinstance(p, str)]
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
        # A body read into one parameter (`payload`) is named by the parameter first.
        if len(parts) > 1 and loc[0] == "body":
            parts = parts[1:]
    return parts[0] if parts else "__all__"


def _message(error: dict) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind.startswith("int_"):
        return _("Enter a whole number.")
    if kind.startswith("float_"):
        return _("Enter a number.")
    if kind.startswith("bool_"):
        return _("Enter true or false.")
    if kind == "string_type":
        return _("Must be text.")
    if kind == "list_type":
        return _("Must be a list.")
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return _("Must be an object.")
    if kind in {"greater_than_equal", "greater_than"}:
        return _("Must be at least %(limit)s.") % {"limit": ctx.get("ge", ctx.get("gt"))}
    if kind in {"less_than_equal", "less_than"}:
        return _("Must be at most %(limit)s.") % {"limit": ctx.get("le", ctx.get("lt"))}
    if kind == "string_too_long":
        return _("At most %(limit)s characters.") % {"limit": ctx.get("max_length")}
    if kind == "string_too_short":
        return _("At least %(limit)s characters.") % {"limit": ctx.get("min_length")}
    if kind in {"literal_error", "enum"}:
        return _("Unknown choice.")
    if kind.startswith("datetime") or kind.startswith("date"):
        return _("Enter a date and time such as 2026-12-03T09:00:00+08:00.")
    if kind == "json_invalid":
        return _("The request body is not valid JSON.")
    return _("This value is not valid.")


def error_body(detail, code: str, fields: dict | None = None) -> dict:
    body = {"detail": str(detail), "code": code}
    if fields:
        body["fields"] = {k: str(v) for k, v in fields.items()}
    return body


def install_handlers(api) -> None:
    def respond(request, status: int, body: dict):
        return api.create_response(request, body, status=status)

    @api.exception_handler(ServiceError)
    def service_error(request, exc: ServiceError):
        return respond(request, exc.status, error_body(exc.message, exc.code, exc.fields))

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        fields: dict = {}
        for error in exc.errors:
            fields.setdefault(_field_name(error.get("loc", ())), _message(error))
        return respond(request, 422, error_body(_("Some fields are not valid."), "invalid", fields))

    @api.exception_handler(AuthenticationError)
    def not_authenticated(request, exc):
        return respond(request, 401, error_body(_("Please log in first."), "not_authenticated"))

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        if exc.status_code == 400:
            return respond(
                request, 400, error_body(_("The request body is not valid JSON."), "bad_json")
            )
        return respond(request, exc.status_code, error_body(exc.message, "http_error"))

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return respond(
            request, 404, error_body(_("Not found, or not within your area."), "not_found")
        )

    @api.exception_handler(Exception)
    def server_error(request, exc):
        logger.exception("API error on %s %s", request.method, request.path)
        return respond(
            request,
            500,
            error_body(_("Something went wrong on our side. Please try again."), "server_error"),
        )
