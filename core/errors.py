"""Errors that services raise; the API and the pages turn them into the shape of API.md."""

from django.utils.translation import gettext_lazy as _


class ServiceError(Exception):
    status = 400
    code = "bad_request"
    default_message = _("The request could not be processed.")

    def __init__(self, message=None, *, code: str | None = None, fields: dict | None = None):
        self.message = message or self.default_message
        if code:
            self.code = code
        self.fields = fields or {}
        super().__init__(str(self.message))


class InvalidInput(ServiceError):
    status = 422
    code = "invalid"
    default_message = _("Some fields are not valid.")

    @classmethod
    def field(cls, name: str, message) -> "InvalidInput":
        return cls(fields={name: message})


class NotAuthenticated(ServiceError):
    status = 401
    code = "not_authenticated"
    default_message = _("Please log in first.")


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"
    default_message = _("You are not allowed to do this.")


class NotFound(ServiceError):
    status = 404
    code = "not_found"
    default_message = _("Not found, or not within your area.")


class Conflict(ServiceError):
    status = 409
    code = "conflict"
    default_message = _("This conflicts with the current state.")


class Gone(ServiceError):
    status = 410
    code = "gone"
    default_message = _("This link has expired.")


class RateLimited(ServiceError):
    status = 429
    code = "rate_limited"
    default_message = _("Too many attempts. Please try again later.")


class FieldErrors:
    """Collects every field's error so that one response names all of them."""

    def __init__(self):
        self.fields: dict = {}

    def check(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except InvalidInput as exc:
            self.fields.update(exc.fields)
            return None

    def add(self, field: str, message) -> None:
        self.fields.setdefault(field, message)

    def raise_if_any(self) -> None:
        if self.fields:
            raise InvalidInput(fields=self.fields)
