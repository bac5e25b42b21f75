from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("Matching")

    def ready(self):
        from scheduling.signals import booking_transitioned

        from .services import record_dropped_grab, take_demand_on_invite_accepted
        from .standing import register_demand_events

        register_demand_events()

        booking_transitioned.connect(
            record_dropped_grab, dispatch_uid="matching.record_dropped_grab"
        )
        booking_transitioned.connect(
            take_demand_on_invite_accepted, dispatch_uid="matching.take_demand_on_invite_accepted"
        )
