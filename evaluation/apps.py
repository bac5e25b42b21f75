from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Evaluation")

    def ready(self):
        from scheduling.signals import booking_page

        from .views import booking_page_part

        booking_page.connect(booking_page_part, dispatch_uid="evaluation.booking_page_part")

        from orgs.signals import star_thresholds_changed

        from .services import county_restar

        star_thresholds_changed.connect(
            lambda sender, county_id, **kwargs: county_restar(county_id=county_id),
            dispatch_uid="evaluation.county_restar",
            weak=False,
        )
