from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # a passing fault: timeout, 5xx, rate limit; try again later
    FAILED = "failed"  # the provider refused for good: bad number, unknown template, no consent


@dataclass(frozen=True)
class DeliveryResult:
    outcome: Outcome
    detail: str = ""
    provider_id: str = ""


@dataclass(frozen=True)
class Delivery:
    """What an adapter needs to send one message."""

    key: str  # idempotency key of (message, channel); providers that accept one get it
    event: str
    address: str  # phone number, e-mail address or WeChat openid
    title: str
    body: str
    url: str
    params: dict


class Channel:
    name = ""

    def send(self, delivery: Delivery) -> DeliveryResult:  # pragma: no cover - interface
        raise NotImplementedError
