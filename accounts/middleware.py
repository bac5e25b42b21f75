import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .services import session_idle_seconds, shortest_idle_seconds

# The session's last-activity stamp (Unix seconds) is rewritten at most this often, so that a
# busy page does not save its session on every request.
LAST_SEEN_KEY = "jiangtai_last_seen"
LAST_SEEN_GRANULARITY = 60


class IdleSessionMiddleware:
    """A browser session idle longer than the login's county allows (accounts.services
    .session_idle_seconds) is ended: the person is logged out and sent to the login page,
    which brings them back afterwards. The API's bearer tokens have their own lifetime."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            # The county's limit is read only when the session sat idle long enough to matter.
            if (
                isinstance(last_seen, int)
                and now - last_seen > shortest_idle_seconds()
                and now - last_seen > session_idle_seconds(user)
            ):
                return self._expired(request)
            if not isinstance(last_seen, int) or now - last_seen >= LAST_SEEN_GRANULARITY:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)

    def _expired(self, request):
        next_url = request.get_full_path() if request.method == "GET" else "/"
        logout(request)
        messages.info(request, _("You were logged out after a time without activity."))
        target = reverse("login") + "?" + urlencode({"next": next_url})
        response = HttpResponseRedirect(target)
        if request.headers.get("HX-Request"):
            response["HX-Redirect"] = target
        return response


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
