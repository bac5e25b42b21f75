from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClassroomsConfig(AppConfig):
    name = "classrooms"
    verbose_name = _("Four classrooms and coordination")

    def ready(self):
        from courses.signals import course_page
        from scheduling import venues
        from scheduling.signals import booking_page

        from .bases import TeachingBaseVenues
        from .views import booking_page_part, course_page_part

        venues.register(TeachingBaseVenues())
        booking_page.connect(booking_page_part, dispatch_uid="classrooms.booking_page_part")
        course_page.connect(course_page_part, dispatch_uid="classrooms.course_page_part")
