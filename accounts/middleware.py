from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import reverse


class PasswordChangeRequiredMiddleware:
    """A login still on a password someone else chose (a generated initial password, an
    admin's reset) sees only the password change page until it is changed.

    Left alone: the change page itself, logging out, static and uploaded files, the pages
    that need no login (the trainee's /e/…, calendar feeds, health and readiness checks, language switch) and
    the API, which answers 403 `password_change_required` itself (api/auth.py)."""

    OPEN_PREFIXES = ("/e/", "/calendar/", "/api/", "/i18n/", "/healthz", "/readyz", "/media/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.must_change_password
            and not self._is_open(request.path_info)
        ):
            return self._to_change_page(request)
        return self.get_response(request)

    def _is_open(self, path: str) -> bool:
        change = reverse("password_change")
        open_paths = (change, reverse("logout"), reverse("login"), reverse("admin:logout"))
        if path in open_paths:
            return True
        static = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/static/"
        return path.startswith((static, *self.OPEN_PREFIXES))

    def _to_change_page(self, request):
        target = reverse("password_change")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        response = HttpResponseRedirect(target)
        if request.headers.get("HX-Request"):
            response["HX-Redirect"] = target  # htmx would swap the page into a fragment
        return response
