from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from .calendar import feed_ics, feed_owner


@require_GET
def calendar_feed(request, token: str):
    """The subscribed feed: no login, the signed token in the URL is the key."""
    owner = feed_owner(token)
    if owner is None:
        raise Http404
    response = HttpResponse(feed_ics(owner), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response
