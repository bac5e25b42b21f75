"""How the API writes JSON, and the catalogue lists it answers from core.read_cache."""

from django.http import HttpResponse
from ninja.renderers import JSONRenderer

from core import read_cache


class Utf8JsonRenderer(JSONRenderer):
    """JSON as UTF-8 text (charset=utf-8 in the Content-Type): Chinese as its three bytes,
    not a six-byte \\u escape per character."""

    json_dumps_params = {"ensure_ascii": False}


RENDERER = Utf8JsonRenderer()


def cached_json(request, key: tuple, schema, compute) -> HttpResponse:
    """A 200 of `schema` with what `compute()` returns, rendered as the API renders it and kept
    in core.read_cache for the data generation under `key` (what the answer depends on: the
    caller and the query); ninja passes the response on as it is."""

    def render() -> bytes:
        context = {"request": request, "response_status": 200}
        validated = schema.model_validate(compute(), context=context)
        return RENDERER.render(request, validated.model_dump(context=context), response_status=200)

    body = read_cache.cached(key, render)
    return HttpResponse(body, content_type=f"{RENDERER.media_type}; charset={RENDERER.charset}")
