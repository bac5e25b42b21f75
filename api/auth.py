from django.utils.translation import gettext as _
from ninja.security import HttpBearer

import access
from accounts.services import api_token_find
from core.errors import Forbidden

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`. A login still on its initial password may only change
    it (and log out): every other endpoint answers 403 `password_change_required`.

    A province admin only reads (the province's figures): every write but those to their own
    account (`own_account`: the password, logging out, their inbox and notification settings)
    answers 403 `read_only`, before the body is even checked, so that they learn it is not
    theirs to do rather than which field they got wrong."""

    def __init__(self, *, allow_initial_password: bool = False, own_account: bool = False):
        super().__init__()
        self.allow_initial_password = allow_initial_password
        self.own_account = own_account or allow_initial_password

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
        if (
            request.method not in SAFE_METHODS
            and not self.own_account
            and access.is_province_admin(user)
        ):
            raise Forbidden(
                _("A province administrator reads the figures; the counties act themselves."),
                code="read_only",
            )
        request.user = user
        request.api_token_id = found.pk
        return user
