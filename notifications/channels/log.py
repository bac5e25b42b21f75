import logging

from .base import Channel, Delivery, DeliveryResult, Outcome

logger = logging.getLogger("jiangtai.outbox")


class LogChannel(Channel):
    """For the demo and development: writes what would be sent to the log (phone masked, secrets hidden)."""

    def __init__(self, name: str):
        self.name = name

    def send(self, delivery: Delivery) -> DeliveryResult:
        from core.text import mask_email, mask_phone
        from notifications.models import hide_secrets

        address = (
            mask_email(delivery.address)
            if "@" in delivery.address
            else mask_phone(delivery.address)
        )
        shown = hide_secrets(title=delivery.title, body=delivery.body, params=delivery.params)
        logger.info("[%s → %s] %s: %s", self.name, address, shown["title"], shown["body"])
        return DeliveryResult(Outcome.SENT, provider_id=f"log-{delivery.key}")
