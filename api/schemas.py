from typing import Annotated

from ninja import Field, Schema

from core.text import MAX_ID

# An id sent by a client: a positive 64-bit integer, so that no lookup can overflow.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class ErrorOut(Schema):
    detail: str
    code: str
    fields: dict[str, str] | None = None


# The error responses every authenticated endpoint may give, for the OpenAPI document
# (403 `password_change_required` too: a login still on its initial password, api/auth.py).
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


class PageParams(Schema):
    """List parameters of API.md; filter schemas extend it."""

    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(20, ge=1, le=100)


def paginate(queryset, params: PageParams) -> tuple[list, int]:
    """One page of a list and the total count."""
    count = queryset.count()
    start = (params.page - 1) * params.page_size
    return list(queryset[start : start + params.page_size]), count
