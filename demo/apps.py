from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo county and its history, and `serve` (`make run`), which loads it into an empty
    database. It sits on top: it fills every domain app."""

    name = "demo"
    verbose_name = _("Demo")
