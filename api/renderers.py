"""How the API writes JSON, and the catalogue lists it answers from core.read_cache."""

from django.http import HttpResponse
from ninja.renderers import JSONRenderer

from core import read_cache


class Utf8JsonRenderer(JSONRenderer):
    """JSON as UTF-8 text (charset=utf-8 in the Content-Type): Chinese as its three bytes,
    not a six-byte \\u escape per character."""

    json_dumps_params = {"ensure_ascii": False}


RENDERER = Utf8JsonRenderer()


def cached_json(
    request, key: tuple, schema, compute, *, by_alias=False, per_generation=True
) -> HttpResponse:
    """A 200 of `schema` with what `compute()` returns, rendered as the API renders it (with
    the route's `by_alias`) and kept in core.read_cache for the data generation under `key`
    (what the answer depends on: the caller and the query; see read_cache.cached for
    `per_generation`); ninja passes the response on as it is."""

    def render() -> bytes:
        context = {"request": request, "response_status": 200}
        validated = schema.model_validate(compute(), context=context)
        return RENDERER.render(
            request, validated.model_dump(by_alias=by_alias, context=context), response_status=200
        )

    body = read_cache.cached(key, render, per_generation=per_generation)
    return HttpResponse(body, content_type=f"{RENDERER.media_type}; charset={RENDERER.charset}")
