from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClassroomsConfig(AppConfig):
    name = "classrooms"
    verbose_name = _("Four classrooms and coordination")

    def ready(self):
        from scheduling import venues

        from .bases import TeachingBaseVenues

        venues.register(TeachingBaseVenues())
