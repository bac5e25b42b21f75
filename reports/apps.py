from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Pages that compose several domains (the home page, the résumé, the booking page) and
    the navigation that links them."""

    name = "reports"
    verbose_name = _("Reports")
