from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    """The access rules, and the organisation pages and writes that need them: `orgs` sits
    below the access module (which knows lecturers and courses), so it cannot ask it."""

    name = "access"
    verbose_name = _("Access")
