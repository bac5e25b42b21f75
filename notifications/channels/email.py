import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from .base import Channel, Delivery, DeliveryResult, Outcome


class Email(Channel):
    """Plain-text e-mail over SMTP (EMAIL_HOST, EMAIL_PORT, … from the environment)."""

    name = "email"

    def send(self, delivery: Delivery) -> DeliveryResult:
        link = f"\n\n{settings.SITE_URL}{delivery.url}" if delivery.url else ""
        message = EmailMessage(
            subject=delivery.title,
            body=delivery.body + link,
            to=[delivery.address],
            headers={
                "Message-ID": f"<{delivery.key}@jiangtai>",
                "X-Jiangtai-Event": delivery.event,
            },
            connection=get_connection(timeout=10),
        )
        try:
            message.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            return DeliveryResult(Outcome.FAILED, f"recipient refused: {exc.recipients}"[:300])
        except smtplib.SMTPResponseException as exc:
            outcome = Outcome.RETRY if 400 <= exc.smtp_code < 500 else Outcome.FAILED
            return DeliveryResult(outcome, f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"[:300])
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            return DeliveryResult(Outcome.RETRY, f"{type(exc).__name__}: {exc}"[:300])
        return DeliveryResult(Outcome.SENT)
