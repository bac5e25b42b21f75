from django.core.management.base import BaseCommand

from notifications import outbox
from notifications.models import DeliveryStatus, OutboxMessage


class Command(BaseCommand):
    help = "Outbox operations: deliver what is due, queue failed messages again, show figures."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["deliver", "retry-failed", "stats"])
        parser.add_argument("--limit", type=int, default=1000)

    def handle(self, *args, action, limit, **options):
        if action == "deliver":
            self.stdout.write(str(outbox.deliver_due(limit=limit)))
        elif action == "retry-failed":
            failed = OutboxMessage.objects.filter(status=DeliveryStatus.FAILED)[:limit]
            queued = sum(outbox.resend(message=message) for message in failed)
            self.stdout.write(f"Queued {queued} failed messages again.")
        else:
            for row in outbox.delivery_figures(OutboxMessage.objects.all()):
                self.stdout.write(f"{row['channel']:8} {row['status']:8} {row['n']}")
