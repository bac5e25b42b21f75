from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from accounts.services import api_token_find
from core.errors import Forbidden


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`. A login still on its initial password may only change
    it (and log out): every other endpoint answers 403 `password_change_required`."""

    def __init__(self, *, allow_initial_password: bool = False):
        super().__init__()
        self.allow_initial_password = allow_initial_password

    def authenticate(self, request, token):
        found = api_token_find(token)
        if found is None:
            return None
        user = found.user
        if user.must_change_password and not self.allow_initial_password:
            raise Forbidden(
                _("Change your initial password first (POST /api/v1/auth/password)."),
                code="password_change_required",
            )
        request.user = user
        request.api_token_id = found.pk
        return user
