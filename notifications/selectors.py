from .models import InboxMessage


def inbox_for_user(user):
    return InboxMessage.objects.filter(recipient=user)


def unread_count(user) -> int:
    return InboxMessage.objects.filter(recipient=user, read_at__isnull=True).count()
