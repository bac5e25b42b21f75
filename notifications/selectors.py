from .models import InboxMessage


def inbox_for_user(user):
    return InboxMessage.objects.filter(recipient=user)


def unread_count(user) -> int:
    return InboxMessage.objects.filter(recipient=user, read_at__isnull=True).count()


def inbox_message_for_user(user, message_id):
    """One of the caller's own messages, or None."""
    from core.text import parse_id

    number = parse_id(message_id)
    return inbox_for_user(user).filter(pk=number).first() if number else None
