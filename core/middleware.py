from django.http import Http404
from django.views import defaults

from .errors import Forbidden, NotFound


class ServiceErrorPagesMiddleware:
    """Pages answer a service's NotFound with the 404 page and Forbidden with the 403 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotFound):
            return defaults.page_not_found(request, Http404())
        if isinstance(exception, Forbidden):
            return defaults.permission_denied(request, exception)
        return None
