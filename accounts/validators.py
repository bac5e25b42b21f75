"""Password rules beyond Django's own (settings.AUTH_PASSWORD_VALIDATORS)."""

import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def demo_passwords() -> set[str]:
    """The demo county's shared password: the published default and the one the demo was
    seeded with (JIANGTAI_DEMO_PASSWORD), compared without case and outer spaces."""
    words = {settings.DEMO_PASSWORD_DEFAULT, os.environ.get("JIANGTAI_DEMO_PASSWORD", "")}
    return {w.strip().lower() for w in words if w.strip()}


class DemoPasswordValidator:
    """The demo's password is printed in the README and on the console: anyone knows it. Only
    a login of a demo county may keep it; anywhere else (a real county, a login without a
    county, any login in production mode) it is refused like a common password."""

    def validate(self, password, user=None):
        if password.strip().lower() not in demo_passwords():
            return
        county = getattr(user, "county", None) if user is not None else None
        if not settings.PRODUCTION and county is not None and county.is_demo:
            return
        raise ValidationError(
            _("This is the demo's published password; choose another one."),
            code="password_is_demo",
        )

    def get_help_text(self):
        return _("Your password cannot be the demo's published password.")
